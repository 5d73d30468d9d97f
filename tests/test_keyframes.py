import numpy as np
import pytest

from review.detectors.events import Event
from review.judging.analysis import analyse_landmarks
from review.media import video
from review.presenting import keyframes
from review.presenting.keyframes import PER_HABIT, choose_moments, event_frames, worst_frame
from tests import synth


def _slumps(stretches, seconds=20.0):
    """A still person sinking by ``depth`` over each (first_frame, last_frame, depth)."""
    lm = synth.still(seconds)
    fraction = np.zeros(len(lm))
    for first, last, depth in stretches:
        fraction[first : last + 1] = depth
    synth.sink_head(lm, fraction)
    return analyse_landmarks(lm, video_path="answer.mp4", fps=30.0)


def test_the_longest_events_come_first_and_at_most_per_habit():
    # Four slumps of 1.5, 3, 2 and 2.5 s, upright in between.
    session = _slumps([(30, 74, 0.33), (120, 209, 0.33), (270, 329, 0.33), (390, 464, 0.33)])
    slumps = session.events_of("slumped")
    assert len(slumps) == 4
    moments = [m for m in choose_moments(session) if m.column == "slumped"]
    assert len(moments) == PER_HABIT == 3
    assert [m.rank for m in moments] == [1, 2, 3]
    durations = [m.event.duration_s for m in moments]
    assert durations == sorted(durations, reverse=True)
    assert min(durations) > min(e.duration_s for e in slumps)  # the shortest is left out
    for m in moments:
        first, last = event_frames(session.time_s, m.event)
        assert first <= m.index <= last
        assert m.time_s == session.time_s[m.index]
        assert session.columns["slumped"][m.index] == 1.0


def test_the_frame_shown_is_the_deepest_slump():
    lm = synth.still(8.0)
    fraction = np.zeros(len(lm))
    fraction[60:180] = 0.3
    fraction[150] = 0.45  # deepest at frame 150, off-centre
    synth.sink_head(lm, fraction)
    session = analyse_landmarks(lm, video_path="answer.mp4", fps=30.0)
    (moment,) = [m for m in choose_moments(session) if m.column == "slumped"]
    assert moment.index == 150


def test_no_events_no_moments():
    assert choose_moments(analyse_landmarks(synth.still(4.0))) == []


def test_worst_frame_prefers_the_middle_among_equals_and_without_values():
    values = np.array([0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    assert worst_frame(values, 0, 6) == 3
    assert worst_frame(np.full(7, np.nan), 0, 6) == 3
    assert worst_frame(None, 2, 6) == 4
    assert worst_frame(np.array([np.nan, 2.0, np.nan, 5.0]), 0, 3) == 3


def test_event_frames_survive_times_rounded_to_the_millisecond():
    t = np.arange(100) / 29.97
    exact = Event("slumped", float(t[10]), float(t[40]))
    rounded = Event("slumped", round(float(t[10]), 3), round(float(t[40]), 3))
    assert event_frames(t, exact) == event_frames(t, rounded) == (10, 40)


def test_decoding_restarts_only_at_a_key_frame_past_the_last_frame_decoded():
    time_s = np.arange(450) / 30.0  # 15 s
    keys = np.array([0.0, 5.0, 10.0])
    at = {t: int(round(t * 30)) for t in (1.0, 2.0, 4.9, 6.0, 7.0, 12.0)}
    runs = keyframes.decoding_runs(sorted(at.values()), time_s, keys)
    assert runs == [
        (0.0, [at[1.0], at[2.0], at[4.9]]),  # no key frame between them: decoding goes on
        (5.0, [at[6.0], at[7.0]]),
        (10.0, [at[12.0]]),
    ]
    # A frame exactly on a key frame starts there; without key frames, from the start.
    assert keyframes.decoding_runs([150], time_s, keys) == [(5.0, [150])]
    assert keyframes.decoding_runs([30, 360], time_s, np.zeros(0)) == [(0.0, [30, 360])]


#: Frames of face_noface.mov the seeking test grabs (the last one is added).
WANTED = [0, 5, 40, 41, 100]


@pytest.fixture(scope="module")
def face_noface_decoded(sample):
    """face_noface.mov decoded in full once (1.5 s): its frame times, the wanted pictures."""
    path = sample("face_noface.mov")  # HEVC, a key frame every 1-1.25 s
    every = list(video.frames(path))
    wanted = [*WANTED, len(every) - 1]
    return np.array([f.time_s for f in every]), {i: every[i].image for i in wanted}


def test_frames_grabbed_by_seeking_are_those_of_a_full_decode(sample, face_noface_decoded):
    time_s, pictures = face_noface_decoded
    wanted = sorted(pictures)
    grabbed = keyframes.grab_frames(sample("face_noface.mov"), wanted, time_s)
    assert sorted(grabbed) == wanted
    for i in wanted:
        assert np.array_equal(grabbed[i], pictures[i]), i


def test_frames_of_another_recording_are_refused(sample, face_noface_decoded):
    time_s, _ = face_noface_decoded
    with pytest.raises(keyframes.FramesUnavailable):
        keyframes.grab_frames(sample("no_face.mp4"), [10, 60], time_s)
