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
