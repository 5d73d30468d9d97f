import numpy as np
import pytest

from review.detectors import slump as slump_mod
from review.judging.analysis import analyse_landmarks
from review.judging.habits import COLUMNS
from review.landmarks.holistic import PoseLandmark as P
from review.presenting.verdicts import (
    EYES,
    MIN_JUDGED_S,
    NOBODY,
    SHOULDERS,
    habit_results,
    looking_away_cause,
    not_judged_reasons,
    touch_allowance,
)
from tests import synth


def _by_column(session):
    return {r.column: r for r in habit_results(session)}


def _mask(n, a, b):
    m = np.zeros(n, dtype=bool)
    m[a:b] = True
    return m


def test_a_still_upright_person_looking_at_the_lens_is_good_at_everything():
    results = _by_column(analyse_landmarks(synth.answering(10.0)))
    assert set(results) == set(COLUMNS)
    assert {r.verdict for r in results.values()} == {"good"}
    assert results["eye_contact"].figure == "100%"
    assert results["slumped"].figure == "0%"
    assert results["self_touch"].figure == "0 times"
    assert all(r.not_judged_pct == 0 and r.not_judged == [] for r in results.values())


def test_a_long_slump_is_work_on_it_with_its_time_and_depth():
    lm = synth.still(10.0)
    synth.sink_head(lm, np.where(np.arange(len(lm)) >= 150, 0.33, 0.0))
    slump = _by_column(analyse_landmarks(lm))["slumped"]
    assert slump.verdict == "work"
    assert slump.figure == "50%"
    assert slump.times == ["0:05\u20130:10 (5 s)"]  # 5.0 to 9.97 s
    # The head sank by 33 % of the nose-to-shoulder height; the neck is measured at the ears,
    # a little higher than the nose, so it shrinks by that distance over its own length.
    still = synth.still(1.0)
    shrink = 0.33 * synth.neck_length(still) * still.frame_size[1]
    ear_neck = slump_mod.neck_ratio(still)[0] * slump_mod.shoulder_width(still)[0]
    assert f"{100 * shrink / ear_neck:.0f}% closer to your shoulder line" in slump.seen


def test_too_little_seen_is_never_good():
    lm = synth.still(10.0)
    synth.remove_person(lm, np.arange(len(lm)) >= int(30 * (MIN_JUDGED_S - 1)))
    session = analyse_landmarks(lm)
    results = _by_column(session)
    assert {r.verdict for r in results.values()} == {"unknown"}
    for r in results.values():
        assert r.judged_s < MIN_JUDGED_S
        assert r.not_judged[0][0] == NOBODY
        assert r.not_judged_pct == pytest.approx(100 * (1 - (MIN_JUDGED_S - 1) / 10), abs=1)


def test_shoulders_out_of_the_frame_leave_only_posture_unjudged():
    lm = synth.still(10.0)
    lm.pose[:, [P.LEFT_SHOULDER, P.RIGHT_SHOULDER], 1] = 1.2
    results = _by_column(analyse_landmarks(lm))
    assert results["slumped"].verdict == "unknown"
    assert results["slumped"].not_judged == [(SHOULDERS, 100.0)]
    assert "shoulders" in results["slumped"].tip
    assert results["eye_contact"].verdict == "good"


def test_not_judged_reasons_add_up_to_the_not_judged_share():
    lm = synth.still(10.0)
    n = len(lm)
    synth.remove_person(lm, _mask(n, 240, 300))
    lm.pose[_mask(n, 0, 90), P.LEFT_SHOULDER, 1] = 1.2
    synth.remove_face(lm, _mask(n, 120, 135))  # 0.5 s: the body carries the person
    session = analyse_landmarks(lm)
    reasons = not_judged_reasons(session)
    for column, parts in reasons.items():
        assert sum(p for _r, p in parts) == pytest.approx(session.unknown_percent(column))
    nobody = 100.0 - session.percent("person")
    assert nobody >= 20.0
    for column in ("eye_contact", "slumped", "fidgeting", "self_touch"):
        assert dict(reasons[column])[NOBODY] == pytest.approx(nobody)
    assert dict(reasons["slumped"])[SHOULDERS] == pytest.approx(30.0)  # frames 0-89
    assert set(dict(reasons["eye_contact"])) <= {NOBODY, EYES}
    assert set(dict(reasons["fidgeting"])) == {NOBODY}


def test_looking_down_and_to_the_side_are_told_apart():
    reference = analyse_landmarks(synth.still(3.0)).reference  # looking at the lens
    for down, cause, words in ((True, "down", "below the lens"), (False, "side", "to the side")):
        lm = synth.still(10.0)
        synth.shift_irises(lm, _mask(len(lm), 30, 240), 0.2, down=down)
        session = analyse_landmarks(lm, reference=reference)
        eye = _by_column(session)["eye_contact"]
        assert eye.verdict == "work"
        assert looking_away_cause(session) == cause
        assert words in eye.tip


def test_one_touch_is_always_fine_and_more_are_allowed_in_longer_recordings():
    assert touch_allowance(30) == 1
    assert touch_allowance(119) == 1
    assert touch_allowance(250) == 2


def test_the_terminal_summary_follows_the_one_not_enough_seen_rule(capsys, tmp_path):
    from review.cli import _print_summary
    from review.judging.analysis import analyse_landmarks
    from review.presenting.verdicts import enough_seen

    short = analyse_landmarks(synth.still(2.4)).summary
    long = analyse_landmarks(synth.still(8.0)).summary
    assert not enough_seen(short, "eye_contact") and enough_seen(long, "eye_contact")
    _print_summary(short, tmp_path, tmp_path / "a.mp4")
    out = capsys.readouterr().out
    assert "100%" not in out.split("person in view")[1].split("\n", 1)[1]
    assert out.count("not enough seen to judge") == len(COLUMNS)  # every habit
    _print_summary(long, tmp_path, tmp_path / "a.mp4")
    assert "eye contact      100% of the time" in capsys.readouterr().out


def test_a_clip_too_short_to_judge_shows_no_figure_and_asks_for_a_longer_answer():
    from review.presenting.verdicts import habit_results

    results = habit_results(analyse_landmarks(synth.still(2.4)))
    assert [r.verdict for r in results] == ["unknown"] * len(COLUMNS)
    assert all(r.figure == "\u2013" for r in results)
    assert all("longer answer" in r.tip for r in results)


def test_good_eye_contact_against_a_doubtful_inferred_reference_says_so_on_the_card():
    import dataclasses

    from review.presenting.verdicts import CALIBRATION_TIP, habit_results

    session = analyse_landmarks(synth.still(10.0))
    assert session.reference.source == "session"
    session.reference = dataclasses.replace(session.reference, lens_distance_deg=2.0)
    near = {r.column: r for r in habit_results(session)}["eye_contact"]
    assert near.verdict == "good" and "no calibration clip" in near.seen
    assert near.tip != CALIBRATION_TIP
    session.reference = dataclasses.replace(session.reference, lens_distance_deg=25.0)
    far = {r.column: r for r in habit_results(session)}["eye_contact"]
    assert far.verdict == "good" and "too kind" in far.seen and far.tip == CALIBRATION_TIP
    session.reference = dataclasses.replace(session.reference, source="calibration")
    calibrated = {r.column: r for r in habit_results(session)}["eye_contact"]
    assert "calibration" not in calibrated.seen and calibrated.tip != CALIBRATION_TIP
