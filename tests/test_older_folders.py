"""Folders written by an older review (before a habit existed) still load, compare and report.

The older layout is made here the way that review wrote it: frames.csv without the columns
added since (``LATER_COLUMNS``: the warmth habit and its measures), summary.json without
their keys and blocks, the manifest listing those files. What is missing is "not measured".
"""

from __future__ import annotations

import csv
import json

import numpy as np
from click.testing import CliRunner

import review
from review.cli import main
from review.judging.analysis import analyse_landmarks
from review.judging.compare import compare
from review.judging.session import FRAME_COLUMNS, LATER_COLUMNS
from review.presenting.verdicts import NOT_MEASURED, habit_results
from review.storing import folders, store
from tests import synth

#: frames.csv's columns before the warmth habit (as main wrote them at d0859c4).
OLD_COLUMNS = [
    "frame",
    "time_s",
    "person",
    "eye_contact",
    "slumped",
    "fidgeting",
    "self_touch",
    "shoulders_in_view",
    "neck_ratio",
    "slump_score",
    "head_y",
    "head_drop",
    "shoulder_width_px",
    "face_width_px",
    "head_yaw_deg",
    "head_pitch_deg",
    "gaze_yaw_deg",
    "gaze_pitch_deg",
    "gaze_off_deg",
    "eye_openness",
    "body_turns",
    "hand_turns",
    "hand_points_on_head",
    "hands_away",
]


def _session():
    lm = synth.answering(8.0)
    synth.sink_head(lm, np.where(np.arange(len(lm)) >= 120, 0.33, 0.0))
    return analyse_landmarks(lm, video_path="answer.mp4", fps=30.0)


def _make_old(folder):
    """Rewrite a saved folder into the layout of a review from before the warmth habit."""
    with open(folder / "frames.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(folder / "frames.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(OLD_COLUMNS)
        writer.writerows([r[c] for c in OLD_COLUMNS] for r in rows)
    summary = json.loads((folder / "summary.json").read_text())
    for key in ("warmth_pct", "warmth"):
        del summary[key]
    del summary["not_judged_pct"]["warmth"]
    summary["events"] = [e for e in summary["events"] if e["habit"] != "blank_face"]
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    manifest = json.loads((folder / folders.MANIFEST).read_text())
    fresh = folders.manifest_of(folder, store.ANALYSIS, manifest.get("owner"))
    (folder / folders.MANIFEST).write_text(json.dumps(fresh, indent=2) + "\n")


def test_the_old_layout_is_exactly_todays_without_the_later_columns():
    assert OLD_COLUMNS == [c for c in FRAME_COLUMNS if c not in LATER_COLUMNS]


def test_an_older_folder_loads_with_warmth_not_measured(tmp_path):
    new = _session()
    folder = new.save(tmp_path / "old_review")
    _make_old(folder)
    old = review.load(str(folder))
    assert old.not_measured == LATER_COLUMNS
    for name in LATER_COLUMNS:
        assert np.isnan(old.columns[name]).all(), name
    for name in OLD_COLUMNS[2:]:
        np.testing.assert_allclose(old.columns[name], new.columns[name], rtol=1e-3)
    summary = old.summary
    assert summary["warmth_pct"] is None
    assert set(summary["warmth"].values()) == {None}
    assert summary["slumped_pct"] == new.summary["slumped_pct"]
    results = {r.column: r for r in habit_results(old)}
    assert results["warmth"].verdict == "unknown"
    assert results["warmth"].not_judged == [(NOT_MEASURED, 100.0)]
    assert "older review" in results["warmth"].seen
    assert results["slumped"].verdict == "work"
    assert results["eye_contact"].verdict == "good"


def test_an_older_folder_compares_with_a_new_one_and_its_report_is_remade(tmp_path):
    folder = _session().save(tmp_path / "old_review")
    _make_old(folder)
    old, new = review.load(str(folder)), _session()
    result = compare(old, new)
    assert result.habits["warmth"].verdict == "unknown"
    assert result.habits["warmth"].reason == (
        "not measured in the before session (made by an older review)"
    )
    assert result.habits["slumped"].verdict == "same"
    run = CliRunner().invoke(main, ["report", str(folder)])
    assert run.exit_code == 0, run.output
    html = (folder / "report.html").read_text()
    assert "Warmth was not measured: this analysis was made by an older review." in html


def test_a_missing_column_that_was_always_written_is_still_damage(tmp_path):
    folder = _session().save(tmp_path / "r")
    with open(folder / "frames.csv", newline="") as f:
        rows = list(csv.reader(f))
    drop = rows[0].index("slumped")
    with open(folder / "frames.csv", "w", newline="") as f:
        csv.writer(f).writerows([c for i, c in enumerate(r) if i != drop] for r in rows)
    run = CliRunner().invoke(main, ["report", str(folder)])
    assert run.exit_code != 0 and "damaged" in run.output and "Traceback" not in run.output
