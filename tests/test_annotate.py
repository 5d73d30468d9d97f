from fractions import Fraction

import av
import numpy as np
import pytest

from review.errors import ReviewError
from review.judging.analysis import analyse_landmarks
from review.landmarks.holistic import Landmarks
from review.media import video
from review.presenting.annotate import HABIT_COLOURS, Overlay, draw, write_annotated
from tests import synth


def _bgr(colour):
    return np.array([int(colour[k : k + 2], 16) for k in (5, 3, 1)])


def _pixels_near(image, colour, tolerance=12):
    return int(np.sum(np.all(np.abs(image.astype(int) - _bgr(colour)) <= tolerance, axis=2)))


@pytest.mark.integration  # analysed(): MediaPipe on a sample clip
def test_annotated_video_has_every_frame_at_its_time_and_size(tmp_path, analysed, sample):
    # Variable frame rate, HEVC in QuickTime, with AAC audio: the hard case.
    source = sample("face_noface.mov")
    session = analysed("face_noface.mov")
    out = write_annotated(session, source, tmp_path / "annotated.mp4")
    decoded = list(video.frames(out))
    original = list(video.frames(source))
    assert len(decoded) == len(original) == len(session)
    assert {f.image.shape for f in decoded} == {original[0].image.shape}
    times = np.array([f.time_s for f in decoded])
    np.testing.assert_allclose(times, session.time_s, atol=1e-3)
    assert np.ptp(np.diff(times)) > 0.01  # the variable frame rate survived
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert [s.codec_context.name for s in container.streams.audio] == ["aac"]
    # Something is drawn on every frame (the flags strip at least), nothing else changes size.
    assert all(np.any(d.image[:10] != o.image[:10]) for d, o in zip(decoded[:5], original[:5]))


def _write_clip(path, size, n, fps=25):
    """A small lossless clip of flat grey frames (odd sizes allowed)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=Fraction(fps))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv444p"
        for i in range(n):
            image = np.full((size[1], size[0], 3), 90 + 5 * i, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_odd_frame_sizes_are_padded_to_even(tmp_path):
    clip = tmp_path / "odd.mkv"
    _write_clip(clip, (321, 241), 12)
    times = np.array([f.time_s for f in video.frames(clip)])
    still = synth.still(len(times) / 25, fps=25)
    lm = Landmarks(times, still.pose, still.face, still.face_box, still.hands, (321, 241))
    session = analyse_landmarks(lm, video_path=str(clip), fps=25.0)
    out = write_annotated(session, clip, tmp_path / "annotated.mp4")
    decoded = list(video.frames(out))
    assert len(decoded) == 12
    assert decoded[0].image.shape == (242, 322, 3)
    np.testing.assert_allclose([f.time_s for f in decoded], times, atol=1e-3)


@pytest.mark.integration  # analysed(): MediaPipe on a sample clip
def test_a_different_recording_is_refused_and_nothing_is_left(tmp_path, analysed, sample):
    out = tmp_path / "annotated.mp4"
    with pytest.raises(ReviewError, match="same recording"):
        write_annotated(analysed("face_noface.mov"), sample("upright.mp4"), out)
    assert not out.exists()


def _slump_session():
    lm = synth.still(6.0)
    synth.sink_head(lm, np.where(np.arange(len(lm)) >= 60, 0.33, 0.0))
    synth.remove_person(lm, np.arange(len(lm)) >= 150)
    return analyse_landmarks(lm, video_path="answer.mp4", fps=30.0)


def test_drawing_is_pure_and_marks_the_habit_shown():
    session = _slump_session()
    overlay = Overlay(session)
    w, h = session.frame_size
    image = np.full((h, w, 3), 128, dtype=np.uint8)
    before = image.copy()
    upright, slumped = draw(image, overlay.at(30)), draw(image, overlay.at(120))
    np.testing.assert_array_equal(image, before)
    blue = HABIT_COLOURS["slumped"]
    body = slice(int(0.1 * h), h)  # below the flags strip
    assert _pixels_near(slumped[body], blue) > 100
    assert _pixels_near(upright[body], blue) == 0
    assert np.any(upright[body] != image[body])  # skeleton and face box


def test_nothing_is_drawn_on_a_person_who_is_not_there():
    session = _slump_session()
    w, h = session.frame_size
    image = np.full((h, w, 3), 128, dtype=np.uint8)
    drawn = draw(image, Overlay(session).at(170))
    strip = int(round(22 * min(w, h) / 360))
    np.testing.assert_array_equal(drawn[strip:], image[strip:])
    assert np.any(drawn[:strip] != image[:strip])


def test_a_key_frame_highlights_only_its_own_habit():
    session = _slump_session()
    overlay = Overlay(session)
    w, h = session.frame_size
    image = np.full((h, w, 3), 128, dtype=np.uint8)
    marks = overlay.at(120)  # slumped
    body = slice(int(0.1 * h), h)
    assert _pixels_near(draw(image, marks, focus="slumped")[body], HABIT_COLOURS["slumped"]) > 100
    assert _pixels_near(draw(image, marks, focus="self_touch")[body], HABIT_COLOURS["slumped"]) == 0


# The fidget arrow: beside what it explains, never on it ----------------------------------------


def _overlaps(a, b) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _label_box(place, size):
    return (*place.label, place.label[0] + size[0], place.label[1] + size[1])


#: Normalised scenes: the torso's trail, the shoulders (or None), the face box.
SCENES = {
    # rocking with the shoulders at the bottom edge: the old arrow sat just above the line
    "rocking, shoulders at the bottom": (
        [(0.38, 0.97), (0.50, 0.96), (0.42, 0.97)],
        [(0.21, 0.97), (0.68, 0.97)],
        (0.35, 0.28, 0.62, 0.75),
    ),
    # swaying with the shoulders out of view: the trail is the nose's
    "swaying, trail at the nose": ([(0.45, 0.47), (0.60, 0.47)], None, (0.22, 0.2, 0.8, 0.65)),
    "bouncing": ([(0.45, 0.82), (0.45, 0.95)], [(0.2, 0.88), (0.7, 0.88)], (0.3, 0.3, 0.6, 0.7)),
    # the head at the top of the picture: no room above it
    "head at the top": (
        [(0.4, 0.6), (0.6, 0.62)],
        [(0.2, 0.61), (0.8, 0.61)],
        (0.3, 0.05, 0.7, 0.5),
    ),
    # leaning to one side of the picture: no room beside the body on the right
    "bouncing at the right edge": (
        [(0.8, 0.7), (0.8, 0.9)],
        [(0.62, 0.8), (0.98, 0.8)],
        (0.65, 0.2, 0.95, 0.6),
    ),
}


@pytest.mark.parametrize("size", [(176, 144), (640, 360), (1920, 1080), (480, 848)])
@pytest.mark.parametrize("scene", SCENES)
def test_the_fidget_arrow_and_its_tag_keep_off_the_trail_and_the_shoulder_line(scene, size):
    from review.presenting.annotate import place_reach_arrow

    w, h = size
    unit = max(1, round(min(w, h) / 360))
    trail_n, shoulders_n, face_n = SCENES[scene]
    trail = np.array(trail_n) * (w, h)
    pad = 5 * unit
    keep = [*trail.min(axis=0) - pad, *trail.max(axis=0) + pad]
    if shoulders_n is not None:
        sh = np.array(shoulders_n) * (w, h)
        keep = [
            min(keep[0], sh[:, 0].min() - pad),
            min(keep[1], sh[:, 1].min() - pad),
            max(keep[2], sh[:, 0].max() + pad),
            max(keep[3], sh[:, 1].max() + pad),
        ]
    face = np.array(face_n) * (w, h, w, h)
    prefer = [min(keep[0], face[0]), min(keep[1], face[1]), max(keep[2], face[2]), keep[3]]
    top = round(22 * min(w, h) / 360)
    label = (round(110 * unit), round(20 * unit))
    place = place_reach_arrow(trail, tuple(keep), tuple(prefer), (w, h), top, label, unit)
    assert place is not None
    assert place.label is not None or min(size) < 200  # a tag, but on the smallest frames
    boxes = [place.arrow_box()] + ([_label_box(place, label)] if place.label else [])
    for box in boxes:
        assert not _overlaps(box, keep), (scene, size, box, keep)
        assert box[0] >= 0 and box[2] <= w and box[1] >= top and box[3] <= h, (box, size)
    # it still measures the movement: as long as the trail's reach (inside the frame), along it
    lo, hi = trail.min(axis=0), trail.max(axis=0)
    inner = (place.half_width + 2 * unit) * 2
    (x0, y0), (x1, y1) = place.start, place.end
    if hi[0] - lo[0] >= hi[1] - lo[1]:
        assert y0 == y1 and hi[0] - lo[0] - inner <= abs(x1 - x0) <= hi[0] - lo[0] + 1
    else:
        assert x0 == x1 and hi[1] - lo[1] - inner <= abs(y1 - y0) <= hi[1] - lo[1] + 1


def test_the_fidget_arrow_goes_above_the_head_when_there_is_room():
    from review.presenting.annotate import place_reach_arrow

    w, h = 640, 360
    trail = np.array([(245.0, 350.0), (320.0, 349.0)])
    keep, prefer = (130.0, 340.0, 440.0, 358.0), (130.0, 60.0, 440.0, 358.0)
    place = place_reach_arrow(trail, keep, prefer, (w, h), 22, (110, 20), 1)
    assert place is not None and place.arrow_box()[3] < prefer[1]


def _rocking_session():
    lm = synth.still(6.0)
    n = len(lm)
    sw = abs(lm.pose[0, 11, 0] - lm.pose[0, 12, 0])
    dx = 0.25 * sw * np.sin(2 * np.pi * 0.8 * np.arange(n) / 30.0)
    return analyse_landmarks(synth.translate(lm, dx, np.zeros(n)), video_path="a.mp4", fps=30.0)


def test_a_fidgeting_still_draws_its_arrow_above_the_head_clear_of_the_trail():
    from review.landmarks.holistic import PoseLandmark as P

    session = _rocking_session()
    assert session.events_of("fidgeting"), "the synthetic rocking is fidgeting"
    marks = Overlay(session, track_before_s=2.0, track_after_s=2.0).at(len(session) // 2)
    w, h = session.frame_size
    drawn = draw(np.full((h, w, 3), 128, np.uint8), marks, focus="fidgeting", flags=False)
    green = np.all(np.abs(drawn.astype(int) - _bgr(HABIT_COLOURS["fidgeting"])) <= 12, axis=2)
    assert np.isnan(marks.hand_tracks).all()  # no hand trail: the green is the torso's
    ys, xs = np.nonzero(green)
    trail = marks.torso_track * (w, h)
    shoulders = marks.pose[[P.LEFT_SHOULDER, P.RIGHT_SHOULDER], :2] * (w, h)
    near = np.zeros(len(ys), bool)
    for points, pad in ((trail, 6), (shoulders, 6)):
        (x0, y0), (x1, y1) = np.nanmin(points, axis=0) - pad, np.nanmax(points, axis=0) + pad
        near |= (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    arrow_and_tag = ys[~near]
    assert len(arrow_and_tag) > 100
    # all of it above the face (the old arrow sat between the chin and the shoulder line)
    assert arrow_and_tag.max() < marks.face_box[1] * h, (arrow_and_tag.max(), marks.face_box)
