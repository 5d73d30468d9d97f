import numpy as np

from review import slump
from review.analysis import analyse_landmarks
from tests import synth


def test_deeper_slump_scores_higher():
    lm = synth.sink_head(synth.still(1.0), np.linspace(0.0, 0.4, 30))
    score = slump.slump_score(slump.neck_ratio(lm), upright_ratio=slump.neck_ratio(lm)[0])
    assert np.all(np.diff(score) > 0)
    assert score[0] == 0


def test_sinking_a_third_of_the_neck_is_a_slump_and_upright_is_not():
    n = 300
    fraction = np.zeros(n)
    fraction[150:] = 0.33
    lm = synth.sink_head(synth.still(10.0), fraction)
    session = analyse_landmarks(lm)
    slumped = session.columns["slumped"]
    assert (slumped[:140] == 0).all()
    assert (slumped[160:] == 1).all()
    assert [e.habit for e in session.events] == ["slumped"]


def test_small_sinking_within_noise_is_not_a_slump():
    fraction = np.where(np.arange(300) >= 150, 0.05, 0.0)
    session = analyse_landmarks(synth.sink_head(synth.still(10.0), fraction))
    assert np.nansum(session.columns["slumped"]) == 0


def test_shoulders_out_of_frame_is_unknown_not_upright():
    lm = synth.still(3.0)
    lm.pose[45:, [11, 12], 1] += 0.2  # shoulders pushed below the bottom edge
    session = analyse_landmarks(lm)
    assert (session.columns["slumped"][:45] == 0).all()
    assert np.isnan(session.columns["slumped"][45:]).all()
    assert session.columns["person"].all()  # the person is still there


def test_reference_from_session_is_not_the_first_frame():
    # Starts slumped for 2 s, then sits up for 8 s: the slump at the start must be found.
    fraction = np.where(np.arange(300) < 60, 0.3, 0.0)
    session = analyse_landmarks(synth.sink_head(synth.still(10.0), fraction))
    assert (session.columns["slumped"][:50] == 1).all()
    assert (session.columns["slumped"][70:] == 0).all()
