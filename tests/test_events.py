import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.detectors import events

T30 = np.arange(300) / 30.0


def test_hysteresis_needs_on_level_to_start_and_off_level_to_stop():
    score = np.array([0.0, 0.12, 0.16, 0.12, 0.11, 0.09, 0.12])
    state = events.hysteresis(score, on=0.15, off=0.10)
    assert state.tolist() == [0, 0, 1, 1, 1, 0, 0]


def test_hysteresis_keeps_unknown_unknown():
    state = events.hysteresis(np.array([0.2, np.nan, 0.2]), on=0.15, off=0.1)
    assert state[0] == 1 and np.isnan(state[1]) and state[2] == 1


def test_hysteresis_rejects_off_above_on():
    with pytest.raises(ValueError, match="off <= on"):
        events.hysteresis(np.zeros(3), on=0.1, off=0.2)


def test_debounce_drops_a_flicker_and_fills_a_short_gap():
    state = np.zeros(300)
    state[10:13] = 1  # 0.1 s flicker
    state[100:200] = 1
    state[150:155] = 0  # 0.17 s gap
    out = events.debounce(state, T30, min_on_s=1.0, min_off_s=0.5)
    assert out[10:13].sum() == 0
    assert out[100:200].all()
    assert out[:100].sum() == 0 and out[200:].sum() == 0


def test_debounce_keeps_unknown_frames():
    state = np.ones(300)
    state[50:60] = np.nan
    out = events.debounce(state, T30, 1.0, 0.5)
    assert np.isnan(out[50:60]).all() and (out[:50] == 1).all()


def test_events_from_runs_use_frame_times():
    state = np.zeros(300)
    state[30:90] = 1
    state[200:] = 1
    ev = events.to_events("slumped", state, T30)
    assert [(e.start_s, e.end_s) for e in ev] == [(1.0, 89 / 30), (200 / 30, 299 / 30)]


def test_percent_of_known_weights_frames_by_their_duration():
    # Variable frame rate: the first frame lasts 3 s, the other three 1 s each.
    t = np.array([0.0, 3.0, 4.0, 5.0])
    state = np.array([1.0, 0.0, 0.0, 0.0])
    assert events.percent_of_known(state, t) == pytest.approx(50.0)
    assert events.percent_of_known(np.full(4, np.nan), t) is None


@given(st.lists(st.sampled_from([0.0, 1.0, np.nan]), min_size=1, max_size=200))
def test_debounce_never_invents_or_loses_unknowns(values):
    state = np.array(values)
    t = np.arange(len(state)) / 30.0
    out = events.debounce(state, t, 0.5, 0.3)
    assert np.array_equal(np.isnan(out), np.isnan(state))
    # No "on" run shorter than min_on_s survives.
    for a, b in events.runs(np.nan_to_num(out) == 1):
        assert events.span_s(t, a, b) >= 0.5 - 1e-9
