"""Detectors on real MediaPipe output from the labelled sample clips, against their labels."""

import json

import numpy as np
import pytest

from review import evaluation
from tests.conftest import LABELS

pytestmark = pytest.mark.integration

#: Floors on balanced accuracy, per detector, on every labelled clip (the aim is 0.9).
FLOOR = 0.9
CLIPS = [c["video"] for c in json.loads(LABELS.read_text())["clips"]]


@pytest.mark.parametrize("clip", CLIPS)
def test_every_detector_agrees_with_the_labels(clip, analysed):
    labels = next(c for c in evaluation.read_labels(LABELS) if c["video"] == clip)
    session = analysed(clip)
    results = evaluation.evaluate_session(clip, session, labels["labels"])
    assert results, "a labelled clip must have labelled habits"
    for r in results:
        if r.balanced_accuracy is None:
            continue
        assert r.balanced_accuracy >= FLOOR, r


def test_slump_clip_is_judged_slumped_while_sunk_and_upright_otherwise(analysed):
    session = analysed("slump.mp4")
    t, slumped = session.time_s, session.columns["slumped"]
    assert (slumped[(t > 7) & (t < 12)] == 1).all()
    assert (slumped[t < 4] == 0).all() and (slumped[t > 14] == 0).all()
    assert [e.habit for e in session.events] == ["slumped"]


def test_no_person_frames_are_not_judged_and_not_dropped(analysed):
    session = analysed("face_noface.mov")
    assert len(session) == 169
    nobody = session.columns["person"] == 0
    assert nobody[session.time_s > 2.45].all()
    for habit in ("eye_contact", "slumped", "fidgeting", "self_touch"):
        assert np.isnan(session.columns[habit][nobody]).all()
    assert any("No person" in n for n in session.summary["notes"])


def test_times_come_from_the_container_for_variable_frame_rate(analysed):
    session = analysed("face_noface.mov")
    gaps = np.diff(session.time_s)
    assert gaps.min() > 0
    assert gaps.max() - gaps.min() > 0.005  # not a constant 1/fps grid
    assert session.time_s[71] == pytest.approx(2.3667, abs=1e-3)


def test_evaluation_table_names_every_detector(analysed):
    results = []
    for clip in evaluation.read_labels(LABELS)[:2]:
        results += evaluation.evaluate_session(
            clip["video"], analysed(clip["video"]), clip["labels"]
        )
    table = evaluation.format_table(results)
    for habit in evaluation.LABELLED_HABITS:
        assert habit in table
