import csv
import json

import numpy as np
import pytest

import review
from review.errors import InputError
from review.judging.analysis import analyse_landmarks
from review.judging.session import FRAME_COLUMNS, MEASURES, TABLE_COLUMNS
from tests import synth


def _session():
    lm = synth.answering(6.0)
    fraction = np.where(np.arange(len(lm)) >= 90, 0.33, 0.0)
    synth.sink_head(lm, fraction)
    synth.remove_person(lm, np.arange(len(lm)) >= 150)
    return analyse_landmarks(lm, video_path="answer.mp4", fps=30.0)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """_session() and the folder it was saved to, once for the tests that only read it."""
    session = _session()
    return session, session.save(tmp_path_factory.mktemp("saved") / "answer_review")


def test_frames_csv_has_the_contract_columns_and_every_frame(saved):
    session, out = saved
    with open(out / "frames.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert header[:8] == [
        "frame",
        "time_s",
        "person",
        "eye_contact",
        "slumped",
        "fidgeting",
        "self_touch",
        "warmth",
    ]
    assert header == TABLE_COLUMNS and header[8:-1] == list(MEASURES)
    assert header[-1] == "speaking" and {r[-1] for r in body} == {""}  # no sound measured
    warmth_parts = ["smile_score", "smiling", "expression", "nodding", "blank_s"]
    assert set(warmth_parts) | {"mouth_width_cm", "chin_cm"} <= set(MEASURES)
    assert len(body) == len(session) == 180
    assert [int(r[0]) for r in body] == list(range(180))
    assert float(body[1][1]) == 1 / 30
    # No person: person 0 and every habit empty (not judged), never dropped.
    for r in body[150:]:
        assert r[2] == "0" and r[3:8] == ["", "", "", "", ""]
        assert [r[header.index(c)] for c in warmth_parts] == [""] * len(warmth_parts)
    assert {r[4] for r in body[100:150]} == {"1"}


def test_the_speaking_column_follows_the_stretches_of_speech(tmp_path):
    import dataclasses

    from review.detectors import delivery

    session = _session()  # 6 s at 30 frames a second
    heard = dataclasses.replace(
        delivery.no_sound(),
        sound=True,
        speech=(delivery.Span(1.0, 2.5), delivery.Span(4.0, 9.0)),
    )
    spoken = dataclasses.replace(session, delivery=heard)
    t = spoken.time_s
    expected = (((t >= 1.0) & (t < 2.5)) | (t >= 4.0)).astype(float)
    np.testing.assert_array_equal(spoken.speaking(), expected)
    assert [r["speaking"] for r in spoken.rows()] == expected.tolist()
    with open(spoken.save(tmp_path / "r") / "frames.csv", newline="") as f:
        column = [r["speaking"] for r in csv.DictReader(f)]
    assert column == [str(int(v)) for v in expected]
    # From the sound alone: a frame with nobody in view can still be speech.
    assert spoken.speaking()[160] == 1.0 and spoken.columns["person"][160] == 0.0
    # No sound measured: not known, never "silent".
    assert np.isnan(dataclasses.replace(session, delivery=delivery.no_sound()).speaking()).all()
    assert np.isnan(session.speaking()).all()


def test_summary_json_contract(saved):
    _, out = saved
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "video",
        "duration_s",
        "frame_size",
        "frames_analysed",
        "person_visible_pct",
        "eye_contact_pct",
        "slumped_pct",
        "fidgeting_pct",
        "self_touch_count",
        "warmth_pct",
        "warmth",
        "events",
        "reference",
    ):
        assert key in summary
    assert set(summary["warmth"]) == {
        "smiling_pct",
        "smiles",
        "nods",
        "nods_per_min",
        "longest_blank_s",
    }
    # The person answers with a moving jaw, never smiling or nodding: warm (not blank) all
    # the time the face is seen, with no smile and no nod.
    assert summary["warmth_pct"] == 100.0
    assert summary["warmth"]["smiling_pct"] == 0.0 and summary["warmth"]["nods"] == 0
    assert summary["frames_analysed"] == 180
    assert summary["duration_s"] == 6.0
    assert summary["person_visible_pct"] == 83.3
    # Slumped from frame 90 to 149 of the 150 person frames: 40 % of the judged time.
    assert summary["slumped_pct"] == 40.0
    assert summary["events"] == [{"habit": "slumped", "start_s": 3.0, "end_s": 4.967}]
    assert summary["reference"]["source"] == "session"
    assert (out / "timeline.png").stat().st_size > 10_000


def test_save_then_load_gives_the_same_results(saved):
    session, out = saved
    loaded = review.load(str(out))
    assert loaded.summary == session.summary
    for name in FRAME_COLUMNS[2:]:
        np.testing.assert_allclose(loaded.columns[name], session.columns[name], rtol=1e-3)
    assert len(loaded.landmarks) == len(session)


def test_saving_replaces_an_earlier_result_atomically_but_never_other_files(tmp_path):
    out = _session().save(tmp_path / "r")
    _session().save(out)  # an earlier analysis, as written: replaced
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".r.")]
    (out / "notes.txt").write_text("mine")  # the user's own file: the folder is theirs now
    with pytest.raises(InputError, match="did not write there"):
        _session().save(out)
    assert (out / "notes.txt").read_text() == "mine" and (out / "summary.json").exists()
