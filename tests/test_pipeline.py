"""Sampling, interpolation and chunking of the landmark extraction."""

import numpy as np
import pytest

from review.judging import analysis
from review.landmarks import pipeline
from review.media import video

FPS = 30.0


def _run_sampler(head_x_px: np.ndarray, face_width: float = 150.0) -> np.ndarray:
    """Feed a head track to a Sampler frame by frame; which frames it took."""
    sampler = pipeline.Sampler(10.0, FPS)
    taken = np.zeros(len(head_x_px), dtype=bool)
    for i, x in enumerate(head_x_px):
        t = i / FPS
        if sampler.take(t):
            taken[i] = True
            sampler.observe(t, np.array([x, 200.0]), face_width)
    return taken


def test_a_still_head_is_sampled_ten_times_a_second():
    taken = _run_sampler(np.full(300, 320.0))
    assert np.array_equal(np.flatnonzero(taken), np.arange(0, 300, 3))


def test_slow_rocking_stays_sampled():
    t = np.arange(360) / FPS
    taken = _run_sampler(320 + 32 * np.sin(2 * np.pi * 0.7 * t))
    assert taken.mean() < 0.4


def test_a_fast_small_bounce_is_analysed_on_every_frame():
    t = np.arange(360) / FPS
    x = np.where(t > 3, 320 + 7 * np.sin(2 * np.pi * 3 * (t - 3)), 320.0)
    taken = _run_sampler(x)
    assert taken[: int(2.9 * FPS)].mean() < 0.4
    assert taken[int(4 * FPS) :].all()


def test_interpolation_fills_between_analysed_frames_only():
    t = np.arange(7) / FPS
    rows = np.array([[0.0], [9], [9], [3.0], [9], [np.nan], [9]], dtype=np.float32)
    analysed = np.array([1, 0, 0, 1, 0, 1, 0], dtype=bool)
    out = pipeline.interpolate_rows(t, rows, analysed)
    np.testing.assert_allclose(out[:4, 0], [0, 1, 2, 3], rtol=1e-6)
    assert np.isnan(out[4, 0])  # a neighbour is NaN: nothing invented across the gap
    assert np.isnan(out[6, 0])  # after the last analysed frame


def test_chunks_cover_the_recording_whatever_its_length():
    assert pipeline.plan_chunks(3.0, 4.0) == [pipeline.Chunk(0.0, float("inf"))]
    chunks = pipeline.plan_chunks(10.0, 4.0)
    assert [c.start_s for c in chunks] == [0.0, 4.0, 8.0]
    assert chunks[-1].end_s == float("inf")
    assert pipeline.plan_chunks(float("nan"), 4.0) == [pipeline.Chunk(0.0, float("inf"))]


def test_chunk_boundaries_move_to_nearby_key_frames_only():
    keys = np.array([0.0, 5.0, 9.5, 30.0])
    starts = [c.start_s for c in pipeline.plan_chunks(40.0, 4.0, keys)]
    # 4 -> key frame 5 (within 2 s); 8 -> 9.5; 28 -> 30; the others have none near.
    assert starts == [0.0, 5.0, 9.5, 12.0, 16.0, 20.0, 24.0, 30.0, 32.0, 36.0]
    assert np.all(np.diff(starts) >= 2.0)  # never shorter than half a chunk
    # A key frame just before the end would leave a sliver: not taken.
    assert [c.start_s for c in pipeline.plan_chunks(9.0, 4.0, np.array([8.5]))] == [0, 4, 8]


def test_key_frame_times_are_where_decoding_can_start(sample):
    path = sample("face_noface.mov")
    keys = video.keyframe_times(path)
    assert len(keys) >= 3 and keys[0] == 0.0  # this clip has one every 1-1.25 s
    for k in keys[1:]:
        first = next(video.frames(path, start_s=float(k)))
        assert first.time_s == pytest.approx(k, abs=1e-6)


@pytest.mark.integration
def test_per_frame_results_do_not_depend_on_the_number_of_processes(sample):
    """Many short chunks over a clip with fast movement (dense sampling crosses chunks)."""
    path = sample("bouncing.mp4")
    one = pipeline.extract_landmarks(path, workers=1, chunk_s=1.5)
    two = pipeline.extract_landmarks(path, workers=2, chunk_s=1.5)
    assert np.array_equal(one.to_flat(), two.to_flat(), equal_nan=True)
    judged_one = analysis.analyse_landmarks(one).columns
    judged_two = analysis.analyse_landmarks(two).columns
    assert judged_one.keys() == judged_two.keys()
    for name in judged_one:
        assert np.array_equal(judged_one[name], judged_two[name], equal_nan=True), name
    assert 0 < np.nanmean(judged_one["fidgeting"]) < 1  # the clip has still and bouncing parts


@pytest.mark.integration
def test_one_process_and_two_give_identical_landmarks(sample):
    path = sample("upright.mp4")
    one = pipeline.extract_landmarks(path, workers=1, chunk_s=2.5)
    two = pipeline.extract_landmarks(path, workers=2, chunk_s=2.5)
    assert len(one) == len(two) == 300
    assert np.array_equal(one.time_s, two.time_s)
    assert np.array_equal(one.to_flat(), two.to_flat(), equal_nan=True)
    assert np.array_equal(one.analysed, two.analysed)
    assert 0.25 < one.analysed.mean() < 0.5


@pytest.mark.integration
def test_every_decoded_frame_gets_a_row_with_its_container_time(sample):
    lm = pipeline.extract_landmarks(sample("face_noface.mov"), workers=1, chunk_s=2.0)
    assert len(lm) == 169
    assert np.all(np.diff(lm.time_s) > 0)


class _FakeExtractor:
    """Stands in for MediaPipe: a face in the middle of every frame, a pose under it.

    ``stranger`` moves the face FaceMesh finds a frame's width away from the pose (someone
    else beside the person measured). Records whether Holistic was asked for its face.
    """

    def __init__(self, size, stranger=False):
        from review.landmarks.holistic import FACE_BOX_COLUMN, ROW_SIZE

        self.size, self.stranger, self.calls = size, stranger, []
        self._box, self._rows = FACE_BOX_COLUMN, ROW_SIZE

    def reset(self):
        pass

    def _face(self, row, cx):
        row[self._box : self._box + 4] = [cx - 0.05, 0.3, cx + 0.05, 0.45]
        return row

    def row_rgb(self, image, t, face=True):
        self.calls.append(face)
        row = np.full(self._rows, np.nan, np.float32)
        pose = row[: 33 * 4].reshape(33, 4)
        pose[:, 0], pose[:, 1], pose[:, 2], pose[:, 3] = 0.5, 0.38, 0.0, 0.9
        pose[11:, 1] = 0.7  # shoulders and below
        return self._face(row, 0.5) if face else row

    def face_row_rgb(self, image, t, near=None):
        # found where it was (``near``, in what it is given: a crop around the face, or the
        # frame), as large as it is in the frame
        row = np.full(self._rows, np.nan, np.float32)
        sx, sy = self.size[0] / image.shape[1], self.size[1] / image.shape[0]
        cx, cy = near if near is not None else (0.5, 0.375)
        if self.stranger:
            cx += 0.3 * sx
        row[self._box : self._box + 4] = [
            cx - 0.05 * sx,
            cy - 0.075 * sy,
            cx + 0.05 * sx,
            cy + 0.075 * sy,
        ]
        return row


def _fake_chunk(tmp_path, stranger):
    from tests.media import write_video

    images = [np.full((240, 320, 3), 90, np.uint8) for _ in range(45)]
    path = write_video(tmp_path / "clip.mp4", images)
    info = video.probe(path)
    extractor = _FakeExtractor((info.width, info.height), stranger)
    result = pipeline.extract_chunk(
        str(path), info, pipeline.Chunk(0.0, float("inf")), 10.0, extractor
    )
    return extractor, result


def test_holistic_finds_the_face_only_where_facemesh_did_not(tmp_path):
    extractor, result = _fake_chunk(tmp_path, stranger=False)
    assert result.body_analysed.sum() >= 4  # the body is followed ...
    assert extractor.calls[0] is True  # ... Holistic shows FaceMesh where to look first,
    assert not any(extractor.calls[1:])  # then FaceMesh has the face: Holistic's is not needed


def test_a_face_off_the_measured_persons_pose_is_replaced_by_holistics(tmp_path):
    # FaceMesh found someone beside the person whose pose is measured: Holistic runs again with
    # its face, and the row keeps the face on the person's shoulders.
    from review.landmarks.holistic import FACE_BOX_COLUMN

    extractor, result = _fake_chunk(tmp_path, stranger=True)
    assert extractor.calls.count(True) >= result.body_analysed.sum()
    body_rows = result.rows[result.body_analysed]
    centre = (body_rows[:, FACE_BOX_COLUMN] + body_rows[:, FACE_BOX_COLUMN + 2]) / 2
    np.testing.assert_allclose(centre, 0.5, atol=1e-6)


def test_a_face_is_on_a_pose_near_its_face_points_only():
    row = _FakeExtractor((640, 480)).row_rgb(None, 0.0, face=False)
    size = (640, 480)
    on = np.array([0.45, 0.3, 0.55, 0.45]) * (640, 480, 640, 480)
    beside = on + (0.2 * 640, 0, 0.2 * 640, 0)
    assert pipeline._face_on_pose(on, row, size)
    assert not pipeline._face_on_pose(beside, row, size)
    no_pose = np.full_like(row, np.nan)
    assert pipeline._face_on_pose(beside, no_pose, size)  # nothing to tell by


@pytest.mark.integration  # imports MediaPipe's landmark message
@pytest.mark.parametrize("cols", [3, 4])
def test_landmarks_read_from_the_wire_form_equal_those_read_point_by_point(cols):
    from mediapipe.framework.formats import landmark_pb2

    from review.landmarks.holistic import _points

    rng = np.random.default_rng(cols)
    values = rng.normal(size=(478, cols)).astype(np.float32)
    message = landmark_pb2.NormalizedLandmarkList()
    for v in values:
        point = message.landmark.add(x=v[0], y=v[1], z=v[2])
        if cols == 4:
            point.visibility = v[3]
    got = _points(message, 478, with_visibility=cols == 4)
    np.testing.assert_array_equal(got, values)
    # a layout it does not expect (a point without z; a presence field) is read point by point
    message.landmark[7].ClearField("z")
    message.landmark[9].presence = 0.5
    got = _points(message, 478, with_visibility=cols == 4)
    values[7, 2] = 0.0
    np.testing.assert_array_equal(got, values)
