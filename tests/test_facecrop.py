"""Where FaceMesh looks (review.landmarks.facecrop) and when the body is analysed (BodySchedule)."""

import numpy as np
import pytest

from review.landmarks import facecrop, pipeline
from review.landmarks.holistic import FACE_COLUMNS, N_FACE, ROW_SIZE, PoseLandmark

SIZE = (1280, 720)


@pytest.mark.parametrize("box", [(600, 300, 700, 420), (0, 0, 80, 100), (1200, 600, 1280, 720)])
def test_the_crop_holds_the_face_and_stays_inside_the_frame(box):
    crop = facecrop.around(np.array(box, float), SIZE)
    assert crop is not None
    assert 0 <= crop.x0 and crop.x0 + crop.width <= SIZE[0]
    assert 0 <= crop.y0 and crop.y0 + crop.height <= SIZE[1]
    assert crop.x0 <= box[0] and box[2] <= crop.x0 + crop.width
    assert crop.y0 <= box[1] and box[3] <= crop.y0 + crop.height
    face = max(box[2] - box[0], box[3] - box[1])
    assert crop.width == crop.height == round(facecrop.CROP_FACES * face)


def test_a_face_larger_than_a_third_of_the_frame_gets_the_frame_on_that_axis():
    crop = facecrop.around(np.array([300, 100, 900, 700], float), SIZE)
    assert (crop.x0, crop.y0, crop.width, crop.height) == (0, 0, 1280, 720)


def test_no_face_no_crop():
    assert facecrop.around(np.full(4, np.nan), SIZE) is None
    assert facecrop.around(np.array([10, 10, 10, 10], float), SIZE) is None


def test_points_found_in_the_crop_land_where_they_are_in_the_frame():
    crop = facecrop.Crop(x0=400, y0=200, width=300, height=300)
    part = np.zeros(N_FACE * 3 + 4, np.float32)
    points = part[: N_FACE * 3].reshape(N_FACE, 3)
    points[:, 0], points[:, 1], points[:, 2] = 0.5, 0.25, -0.1
    part[N_FACE * 3 :] = [0.2, 0.1, 0.8, 0.9]
    out = facecrop.to_frame(part, crop, SIZE)
    xy = out[: N_FACE * 3].reshape(N_FACE, 3)
    np.testing.assert_allclose(xy[0, 0] * SIZE[0], 400 + 150, rtol=1e-5)
    np.testing.assert_allclose(xy[0, 1] * SIZE[1], 200 + 75, rtol=1e-5)
    # depth is on x's scale: it shrinks as x does
    np.testing.assert_allclose(xy[0, 2], -0.1 * 300 / 1280, rtol=1e-5)
    np.testing.assert_allclose(out[N_FACE * 3 :] * [1280, 720, 1280, 720], [460, 230, 640, 470])
    # the crop's pixels are the frame's
    frame = np.arange(720 * 1280 * 3, dtype=np.uint32).reshape(720, 1280, 3)
    assert crop.image(frame)[0, 0, 0] == frame[200, 400, 0]


def _row(face_box=None, wrist=None):
    row = np.full(ROW_SIZE, np.nan, np.float32)
    if face_box is not None:
        part = row[FACE_COLUMNS]
        part[-4:] = np.asarray(face_box) / [1280, 720, 1280, 720]
        row[FACE_COLUMNS] = part
    if wrist is not None:
        j = PoseLandmark.RIGHT_WRIST * 4
        row[j : j + 4] = [wrist[0] / 1280, wrist[1] / 720, 0, 0.99]
    return row


def _body_frames(schedule, rows, fps=30.0, sample_hz=7.5):
    sampler = pipeline.Sampler(sample_hz, fps)
    taken = []
    for i, row in enumerate(rows):
        t = i / fps
        if sampler.take(t) and schedule.due(t):
            schedule.taken(t, row)
            taken.append(t)
    return np.array(taken)


def test_the_body_is_analysed_at_its_own_rate_while_hands_are_away():
    schedule = pipeline.BodySchedule(2.5, 7.5, 30.0, SIZE)
    taken = _body_frames(schedule, [_row((600, 300, 700, 420), (640, 700))] * 300)
    assert len(taken) == pytest.approx(10 * 2.5, abs=1)


def test_a_hand_near_the_face_makes_the_body_followed_at_the_face_rate():
    away = _row((600, 300, 700, 420), (640, 700))
    near = _row((600, 300, 700, 420), (720, 400))
    rows = [away] * 90 + [near] * 90 + [away] * 120
    taken = _body_frames(pipeline.BodySchedule(2.5, 7.5, 30.0, SIZE), rows)
    during = taken[(taken >= 3.5) & (taken < 6.0)]
    before = taken[taken < 3.0]
    assert np.diff(during).max() < 0.2  # every face frame (7.5 a second)
    assert np.diff(before).min() > 0.35  # 2.5 a second
    after = taken[taken > 8.0]
    assert np.diff(after).min() > 0.35  # back to the body's rate once the hand is away


def test_every_frame_mode_takes_the_body_on_every_frame():
    schedule = pipeline.BodySchedule(None, None, 30.0, SIZE)
    assert all(schedule.due(i / 30) for i in range(30))


# Real MediaPipe output --------------------------------------------------------------------


def _small_face_clip(tmp_path, seconds=1.0):
    """The sample man shrunk to a quarter and set in a 1280x720 frame: his face ~8 % wide."""
    import cv2

    from tests.media import sample_frames, write_video

    images, times = sample_frames("upright.mp4", seconds)
    framed = []
    for image in images:
        small = cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2))
        canvas = np.zeros((720, 1280, 3), np.uint8)
        h, w = small.shape[:2]
        canvas[200 : 200 + h, 500 : 500 + w] = small
        framed.append(canvas)
    return write_video(tmp_path / "small_face.mp4", framed, times), framed


@pytest.mark.integration
def test_a_face_too_small_for_facemesh_on_the_whole_frame_is_found_in_its_crop(tmp_path):
    import cv2

    from review.landmarks.holistic import FACE_BOX_COLUMN, LandmarkExtractor, quiet_native_stderr

    path, framed = _small_face_clip(tmp_path)
    rgb = cv2.cvtColor(framed[0], cv2.COLOR_BGR2RGB)
    with quiet_native_stderr(), LandmarkExtractor() as extractor:
        whole_frame = extractor.face_row_rgb(rgb, 1.0)
        holistic = extractor.row_rgb(rgb, 1.0)
    assert np.isnan(whole_frame[FACE_BOX_COLUMN])  # FaceMesh alone does not see him
    assert not np.isnan(holistic[FACE_BOX_COLUMN])  # Holistic does, from the pose
    lm = pipeline.extract_landmarks(path, workers=1)
    found = ~np.isnan(lm.face_box[lm.analysed, 0])
    assert found.all()
    # and the face is where Holistic puts it, in the whole frame's units
    box = lm.face_box[0] * [1280, 720, 1280, 720]
    hbox = holistic[FACE_BOX_COLUMN : FACE_BOX_COLUMN + 4] * [1280, 720, 1280, 720]
    assert np.abs(box - hbox).max() < 0.15 * (hbox[2] - hbox[0])


@pytest.mark.integration
def test_the_body_is_measured_on_fewer_frames_than_the_face_and_saved_so(tmp_path, sample):
    from review.landmarks.holistic import Landmarks

    lm = pipeline.extract_landmarks(sample("upright.mp4"), workers=1)
    assert lm.body_analysed is not None and lm.analysed is not None
    assert not (lm.body_analysed & ~lm.analysed).any()  # the body only where the face is
    duration = lm.time_s[-1] - lm.time_s[0]
    assert lm.body_analysed.sum() <= pipeline.BODY_HZ * duration + 3  # a still man, hands down
    assert lm.analysed.sum() >= 3 * lm.body_analysed.sum()
    assert not np.isnan(lm.pose[:, 0, 0]).any()  # interpolated between, never left out
    lm.save(tmp_path / "lm.npz")
    back = Landmarks.load(tmp_path / "lm.npz")
    assert np.array_equal(back.body_analysed, lm.body_analysed)


class _CropRecorder:
    """Stands in for the extractor: keeps the images FaceMesh is given, finds no face."""

    def __init__(self):
        self.images = []

    def face_row_rgb(self, image, t, near=None):
        self.images.append(image)
        return np.full(ROW_SIZE, np.nan, np.float32)


@pytest.mark.parametrize("recording", [(1280, 720), (1920, 1080), (3840, 2160)])
def test_facemesh_is_given_the_face_in_the_image_it_sees_whatever_the_recording_size(recording):
    # MediaPipe is given frames at most MAX_INFERENCE_SIDE wide: a 1920x1080 recording's face,
    # placed in the recording's pixels, must be cut from the smaller image where it is there.
    from review.landmarks.holistic import MAX_INFERENCE_SIDE

    w, h = recording
    scale = min(1.0, MAX_INFERENCE_SIDE / max(w, h))
    image = np.zeros((round(h * scale), round(w * scale), 3), np.uint8)
    face_px = np.array([0.70, 0.60, 0.78, 0.74]) * (w, h, w, h)  # lower right of the frame
    x0, y0, x1, y1 = (face_px * scale).round().astype(int)
    image[y0:y1, x0:x1] = 255  # the face, where it is in the image MediaPipe sees
    recorder = _CropRecorder()
    follower = pipeline._FaceFollower(recorder)
    assert follower.place(face_px, (w, h))
    follower.row(image, 1.0, (w, h))
    (crop,) = recorder.images
    face_area = (x1 - x0) * (y1 - y0)
    assert (crop == 255).all(axis=2).sum() == face_area  # the whole face is in the crop
    side = facecrop.CROP_FACES * max(x1 - x0, y1 - y0)
    assert abs(crop.shape[1] - side) <= 2 and abs(crop.shape[0] - side) <= 2
