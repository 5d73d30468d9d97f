"""Before/after comparison: figures, the bootstrap verdicts, and real clips of known direction."""

import dataclasses
import json

import numpy as np
import pytest

from review.judging.analysis import analyse_landmarks, measure, reference_from
from review.judging.compare import HABIT_RULES, compare, figure, frame_terms
from review.judging.reference import Reference
from review.judging.session import Session
from tests import synth

FPS = 30.0
REF = Reference("session", None, 0.55, -6.0, -4.0, 0.28)


def _session(seconds, **habits):
    """A Session with the given per-frame habit states (others all 0, person always in view)."""
    n = int(round(seconds * FPS))
    columns = {"person": np.ones(n)}
    for name in HABIT_RULES:
        columns[name] = np.asarray(habits.get(name, np.zeros(n)), dtype=float)
    return Session(
        video=f"{seconds}s.mp4",
        time_s=np.arange(n) / FPS,
        columns=columns,
        events=[],
        reference=REF,
        frame_size=(640, 360),
        fps=FPS,
    )


def _markov(rng, seconds, on_s, off_s):
    """0/1 states alternating with exponential stretch lengths (mean on_s on, off_s off)."""
    n = int(round(seconds * FPS))
    out = np.zeros(n)
    i, on = 0, rng.random() < on_s / (on_s + off_s)
    while i < n:
        length = max(1, int(round(rng.exponential(on_s if on else off_s) * FPS)))
        out[i : i + length] = 1.0 if on else 0.0
        i, on = i + length, not on
    return out


# Figures ------------------------------------------------------------------------------------


def test_percent_figure_leaves_unknown_frames_out():
    state = np.array([1.0, 1.0, np.nan, np.nan, 0.0, 0.0, 0.0, 0.0])
    t = np.arange(8) / FPS
    assert figure(state, t, "percent") == pytest.approx(100 * 2 / 6)
    assert figure(np.full(8, np.nan), t, "percent") is None


def test_touches_per_minute_counts_episodes_over_judged_minutes():
    n = int(60 * FPS)
    state = np.zeros(n)
    for start in (5, 20, 40):  # three touches of 1 s each
        state[int(start * FPS) : int((start + 1) * FPS)] = 1.0
    state[int(50 * FPS) :] = np.nan  # the last 10 s not judged
    t = np.arange(n) / FPS
    assert figure(state, t, "per_minute") == pytest.approx(3 / (50 / 60))
    num, _den = frame_terms(state, t, "per_minute")
    assert num.sum() == 3


# Verdicts on constructed sessions ---------------------------------------------------------------


def test_a_session_compared_with_itself_is_the_same_for_every_habit():
    rng = np.random.default_rng(3)
    s = _session(
        90,
        eye_contact=_markov(rng, 90, 6, 3),
        slumped=_markov(rng, 90, 8, 10),
        fidgeting=_markov(rng, 90, 2, 8),
        self_touch=_markov(rng, 90, 1, 20),
        warmth=_markov(rng, 90, 8, 4),
    )
    result = compare(s, s)
    for name, habit in result.habits.items():
        assert habit.verdict == "same", name
        assert habit.change == 0.0
    assert result.improved == [] and result.worse == []
    assert result.reference.same is True


def test_direction_of_each_habit():
    n = int(90 * FPS)
    rng = np.random.default_rng(4)
    bad = _session(
        90,
        eye_contact=_markov(rng, 90, 2, 4),  # ~33 % eye contact
        slumped=_markov(rng, 90, 6, 4),  # ~60 % slumped
        fidgeting=_markov(rng, 90, 4, 4),
        self_touch=np.tile(np.r_[np.ones(30), np.zeros(270)], n // 300),  # 6 touches a minute
        warmth=_markov(rng, 90, 5, 6),  # blank (0) about half the time, in stretches of ~6 s
    )
    good = _session(90, eye_contact=np.ones(n), warmth=np.ones(n))
    forward = compare(bad, good)
    assert {k: h.verdict for k, h in forward.habits.items()} == dict.fromkeys(HABIT_RULES, "better")
    assert forward.habits["eye_contact"].change > 0  # higher is better
    assert forward.habits["slumped"].change < 0  # lower is better
    assert forward.habits["warmth"].change > 0  # higher is better
    assert forward.habits["self_touch"].before == pytest.approx(6.0, abs=0.1)
    backward = compare(good, bad)
    assert {k: h.verdict for k, h in backward.habits.items()} == dict.fromkeys(HABIT_RULES, "worse")
    assert backward.worse == list(HABIT_RULES)


def test_a_change_smaller_than_the_minimum_meaningful_one_is_the_same():
    n = int(120 * FPS)
    a = np.zeros(n)
    b = np.zeros(n)
    a[: int(0.02 * n)] = 1.0  # 2 % slumped
    b[: int(0.05 * n)] = 1.0  # 5 %: a real but tiny change
    result = compare(_session(120, slumped=a), _session(120, slumped=b))
    habit = result.habits["slumped"]
    assert habit.change == pytest.approx(3.0, abs=0.1)
    assert habit.verdict == "same" and "too small" in habit.reason


def test_sessions_of_the_same_behaviour_rarely_claim_progress():
    # Pairs of independent sessions from one and the same habit process (two minutes each,
    # slumped in stretches of ~4 s out of ~10 s): the comparison should call nearly all of
    # them "same". A bootstrap that ignored how states persist over time (frames resampled
    # one by one) claims a change in most pairs (31 of 40 when tried), 2-second windows in
    # a quarter of them.
    rng = np.random.default_rng(7)
    claims = 0
    pairs = 40
    for _ in range(pairs):
        a = _session(120, slumped=_markov(rng, 120, 4, 6))
        b = _session(120, slumped=_markov(rng, 120, 4, 6))
        claims += compare(a, b, resamples=1000).habits["slumped"].verdict != "same"
    assert claims <= 0.1 * pairs


def test_a_habit_not_judged_in_one_session_has_verdict_unknown():
    n = int(30 * FPS)
    result = compare(_session(30, slumped=np.full(n, np.nan)), _session(30))
    habit = result.habits["slumped"]
    assert habit.verdict == "unknown" and habit.before is None and habit.change is None
    assert habit.reason == "not judged in the before session"
    both = compare(
        _session(30, slumped=np.full(n, np.nan)), _session(30, slumped=np.full(n, np.nan))
    )
    assert both.habits["slumped"].reason == "not judged in both sessions"


def test_result_is_json_ready_and_reproducible():
    rng = np.random.default_rng(5)
    a = _session(60, slumped=_markov(rng, 60, 3, 5))
    b = _session(60, slumped=_markov(rng, 60, 3, 9))
    first, second = compare(a, b), compare(a, b)
    assert first == second
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())
    assert list(first.habits) == [
        "eye_contact",
        "slumped",
        "fidgeting",
        "self_touch",
        "warmth",
    ]
    for habit in first.habits.values():
        assert habit.verdict in ("better", "worse", "same")


# comparison.json: the keys, their order and the types, as written since before the
# comparison was typed (review compare's files must not change with it).
COMPARISON_KEYS = [
    "before",
    "after",
    "habits",
    "improved",
    "worse",
    "delivery",
    "reference",
    "method",
    "notes",
]
HABIT_KEYS = [
    "label",
    "unit",
    "better_when",
    "before",
    "after",
    "change",
    "interval",
    "min_meaningful",
    "block_s",
    "verdict",
    "reason",
]
DELIVERY_KEYS = [
    "label",
    "unit",
    "better_when",
    "before",
    "after",
    "change",
    "min_meaningful",
    "verdict",
    "reason",
]


def _spoken(session, rate, long_pauses, pitch):
    """The session with a delivery of that rate, long pauses (in a minute) and pitch spread."""
    from review.detectors.delivery import Delivery, Span

    pauses = tuple(Span(i * 5.0, i * 5.0 + 2.5) for i in range(long_pauses))
    said = Delivery(
        sound=True,
        speech_s=40.0,
        answer_s=60.0,
        long_pauses=pauses,
        syllables_per_min=rate,
        pitch_sd_st=pitch,
    )
    return dataclasses.replace(session, delivery=said)


def test_to_dict_has_the_shape_of_comparison_json():
    rng = np.random.default_rng(6)
    n = int(50 * FPS)
    bad = _session(50, slumped=_markov(rng, 50, 6, 4), eye_contact=_markov(rng, 50, 2, 4))
    good = _session(50, eye_contact=np.ones(n), self_touch=np.full(n, np.nan))
    before, after = _spoken(bad, 320.0, 4, 1.2), _spoken(good, 240.0, 1, 2.4)
    result = compare(before, after)
    out = result.to_dict()
    assert list(out) == COMPARISON_KEYS
    assert json.loads(json.dumps(out)) == out  # JSON-ready: lists, not tuples or dataclasses
    assert out["before"] == before.summary and out["after"] == after.summary
    assert list(out["habits"]) == list(HABIT_RULES)
    for name, habit in out["habits"].items():
        assert list(habit) == HABIT_KEYS, name
        assert habit["verdict"] == result.habits[name].verdict
    slumped = out["habits"]["slumped"]
    assert slumped["verdict"] == "better" and slumped["better_when"] == "lower"
    assert isinstance(slumped["interval"], list) and len(slumped["interval"]) == 2
    assert slumped["interval"][0] <= slumped["change"] <= slumped["interval"][1]
    touch = out["habits"]["self_touch"]
    assert touch["after"] is None and touch["change"] is None and touch["interval"] is None
    assert touch["verdict"] == "unknown"
    assert out["improved"] == ["eye_contact", "slumped"] == result.improved
    assert out["worse"] == [] == result.worse
    assert list(out["delivery"]) == ["syllables_per_min", "long_pauses_per_min", "pitch_sd_st"]
    for key, figure_ in out["delivery"].items():
        assert list(figure_) == DELIVERY_KEYS, key
        assert figure_["verdict"] == "better", key
    assert out["delivery"]["syllables_per_min"]["before"] == 320.0
    assert out["reference"] == {
        "same": True,
        "before": "a reference inferred from its own recording",
        "after": "a reference inferred from its own recording",
    }
    assert list(out["method"]) == ["name", "resamples", "confidence", "seed", "rule"]
    assert out["method"]["resamples"] == 2000 and out["method"]["seed"] == 0
    assert out["notes"] == list(result.notes) and "shorter than 60 s" in out["notes"][0]


def test_an_unchanged_habit_is_written_as_before():
    # A habit never shown in two still minutes: every figure is known without the bootstrap.
    still = _session(120)
    slumped = compare(still, still).to_dict()["habits"]["slumped"]
    assert slumped == {
        "label": "Slumped",
        "unit": "%",
        "better_when": "lower",
        "before": 0.0,
        "after": 0.0,
        "change": 0.0,
        "interval": [0.0, 0.0],
        "min_meaningful": 5.0,
        "block_s": 15.0,  # one constant stretch: capped at an eighth of the session
        "verdict": "same",
        "reason": "no change",
    }


def test_the_inputs_are_written_last_and_only_when_known():
    from review.judging.compare import ComparedInput

    result = compare(_session(30), _session(30))
    assert "inputs" not in result.to_dict()
    given = {
        "before": ComparedInput("mon.mp4", "mon_review", True, False),
        "after": ComparedInput("fri_review", "fri_review", False, True),
    }
    out = dataclasses.replace(result, inputs=given).to_dict()
    assert list(out) == [*COMPARISON_KEYS, "inputs"]
    assert out["inputs"] == {
        "before": {
            "given": "mon.mp4",
            "results": "mon_review",
            "analysed_now": True,
            "rejudged_with_calibration": False,
        },
        "after": {
            "given": "fri_review",
            "results": "fri_review",
            "analysed_now": False,
            "rejudged_with_calibration": True,
        },
    }


def test_different_references_are_pointed_out():
    other = Reference("calibration", "upright.mp4", 0.6, -5.0, -3.0, 0.3)
    a = _session(60)
    b = _session(60)
    b.reference = other
    result = compare(a, b)
    assert result.reference.same is False
    assert "upright.mp4" in result.reference.after
    assert any("--calibration" in note for note in result.notes)


# Synthetic landmark sequences through the real detectors ----------------------------------------


def _synthetic_sessions():
    still = analyse_landmarks(synth.still(10.0), fps=FPS)
    lm = synth.still(10.0)
    synth.sink_head(lm, np.where(np.arange(len(lm)) >= 120, 0.35, 0.0))
    slumped = analyse_landmarks(lm, still.reference, fps=FPS)
    return still, slumped


def test_synthetic_slump_against_still_upright():
    still, slumped = _synthetic_sessions()
    assert slumped.summary["slumped_pct"] > 40
    assert compare(slumped, still).habits["slumped"].verdict == "better"
    assert compare(still, slumped).habits["slumped"].verdict == "worse"
    assert compare(slumped, slumped).habits["slumped"].verdict == "same"


# Real clips with a known direction ------------------------------------------------------------


@pytest.mark.integration
def test_real_slump_clip_against_upright_clip(analysed):
    slump, upright = analysed("slump.mp4"), analysed("upright.mp4")
    forward = compare(slump, upright)
    assert forward.habits["slumped"].verdict == "better"
    assert forward.habits["slumped"].before > 30
    backward = compare(upright, slump)
    assert backward.habits["slumped"].verdict == "worse"
    # Neither clip shows the other habits: no progress claimed on them either way.
    for result in (forward, backward):
        for name in ("eye_contact", "fidgeting", "self_touch"):
            assert result.habits[name].verdict == "same", name


@pytest.mark.integration
def test_real_clips_compared_with_themselves_are_the_same(analysed):
    for clip in ("slump.mp4", "upright.mp4"):
        s = analysed(clip)
        result = compare(s, s)
        assert {h.verdict for h in result.habits.values()} == {"same"}, clip


@pytest.mark.integration
def test_one_calibration_reference_for_both_real_clips(analysed):
    upright = analysed("upright.mp4")
    reference = reference_from(measure(upright.landmarks), "calibration", "upright.mp4")
    slump = analyse_landmarks(analysed("slump.mp4").landmarks, reference, "slump.mp4", FPS)
    again = analyse_landmarks(upright.landmarks, reference, "upright.mp4", FPS)
    result = compare(slump, again)
    assert result.reference.same is True
    assert "upright.mp4" in result.reference.before
    assert not any("--calibration" in note for note in result.notes)
    assert result.habits["slumped"].verdict == "better"


def test_a_headline_without_a_comparison_says_so_in_words():
    from review.presenting.compare_report import headline

    n = int(30 * FPS)
    result = compare(_session(30, slumped=np.full(n, np.nan)), _session(30))
    line = headline("slumped", result.habits["slumped"])
    assert line.startswith("Slumped: not judged \u2192 ") and line.endswith("(no comparison)")
