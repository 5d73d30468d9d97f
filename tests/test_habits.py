import numpy as np
import pytest

from review.judging import habits
from review.judging.compare import HABIT_RULES
from review.judging.session import FRAME_COLUMNS
from review.presenting import plots, report, verdicts


def test_every_habit_is_shown_judged_and_compared():
    columns = [h.column for h in habits.HABITS]
    assert set(verdicts._DECIDE) == set(columns)
    assert list(HABIT_RULES) == columns
    assert [lane[0] for lane in plots.LANES] == columns
    assert set(report.DRAWN) == set(report.MOMENT_TITLES) == set(columns)
    assert all(c in FRAME_COLUMNS for c in columns)
    for h in habits.HABITS:
        assert h.worst_by is None or h.worst_by in FRAME_COLUMNS


def test_the_problem_is_on_where_eye_contact_is_off_and_unknown_stays_unknown():
    state = np.array([1.0, 0.0, np.nan])
    eye = habits.habit("eye_contact")
    assert eye.problem_on(state).tolist() == [False, True, False]
    assert np.array_equal(eye.problem_state(state), [0.0, 1.0, np.nan], equal_nan=True)
    slump = habits.habit("slumped")
    assert slump.problem_on(state).tolist() == [True, False, False]
    assert np.array_equal(slump.problem_state(state), state, equal_nan=True)


def test_an_unknown_habit_names_the_known_ones():
    with pytest.raises(KeyError, match="eye_contact"):
        habits.habit("smiling")


def test_the_summary_type_names_every_key_a_summary_has():
    from review.judging.analysis import analyse_landmarks
    from review.judging.session import Summary
    from tests import synth

    summary = analyse_landmarks(synth.still(3.0)).summary
    assert list(summary) == list(Summary.__annotations__)
    for h in habits.HABITS:
        assert f"{h.column}_pct" in summary
