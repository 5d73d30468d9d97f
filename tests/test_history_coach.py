"""The history for many recordings: who, the recording's date, one row per recording, export,
delete, names that tell recordings apart, the trend plot's labels."""

import csv
import json
import os
import random
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from review.cli import main
from review.media import video
from review.storing import history, history_export
from tests.media import sample_frames, write_video


def _summary(video="/c/anna/answer.mp4", fingerprint=None, who=None, eye=70.0, **extra):
    return {
        "video": video,
        "recording": None
        if fingerprint is None
        else {"path": video, "size_bytes": 10, "fingerprint": fingerprint},
        "who": who,
        "question": extra.pop("question", None),
        "recording_date": extra.pop("recording_date", None),
        "recording_date_from": extra.pop("recording_date_from", None),
        "duration_s": 120.0,
        "eye_contact_pct": eye,
        "slumped_pct": 10.0,
        "fidgeting_pct": 5.0,
        "self_touch_pct": 1.0,
        "self_touch_count": 2,
        "not_judged_pct": {"eye_contact": 0.0, "slumped": 0.0, "fidgeting": 0.0, "self_touch": 0.0},
        "reference": {"source": "session"},
        "events": [],
        "notes": [],
        **extra,
    }


# Names that tell recordings apart ------------------------------------------------------------


def test_short_paths_names_two_answers_by_their_folders():
    paths = ["/c/anna/answer.mp4", "/c/ben/answer.mp4", "/c/anna/intro.mp4", "/c/anna/answer.mp4"]
    assert history_export.short_paths(paths) == [
        "anna/answer.mp4",
        "ben/answer.mp4",
        "intro.mp4",
        "anna/answer.mp4",
    ]
    assert history_export.short_paths(["answer.mp4", "/x/answer.mp4"]) == [
        "answer.mp4",
        "x/answer.mp4",
    ]
    assert history_export.short_paths([r"C:\Users\a\take.mp4", r"C:\Users\b\take.mp4"]) == [
        "a/take.mp4",
        "b/take.mp4",
    ]


def test_short_paths_are_distinct_minimal_suffixes_on_random_trees():
    """Property: each name is the path's last k parts; k is the fewest that no other path
    listed ends in (or the whole path, when it is the tail of another)."""
    rng = random.Random(7)
    names_pool = ["a", "b", "c", "answer.mp4", "x"]
    for _ in range(300):
        paths = [
            "/" + "/".join(rng.choice(names_pool) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(1, 6))
        ]
        names = history_export.short_paths(paths)
        split = {p: tuple(p.strip("/").split("/")) for p in paths}
        for p, name in zip(paths, names):
            parts, k = split[p], name.count("/") + 1
            assert tuple(name.split("/")) == parts[-k:]
            others = {split[q] for q in paths if q != p}
            if k < len(parts):  # told apart: no other path ends the same
                assert all(o[-k:] != parts[-k:] for o in others)
            if k > 1:  # and no shorter name would do
                assert any(o[-(k - 1) :] == parts[-(k - 1) :] for o in others)


# The recording's own date ------------------------------------------------------------------------


def test_recording_date_from_the_container_else_the_file_time():
    assert video.recording_date({"creation_time": "2025-05-06T07:08:09.000000Z"}, 0.0) == (
        "2025-05-06T07:08:09+00:00",
        "container",
    )
    # a zero date (what a muxer leaves when nobody set one) is no date: the file's time
    stamp = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc).timestamp()
    for tags in ({"creation_time": "1970-01-01T00:00:00.000000Z"}, {"creation_time": "junk"}, {}):
        assert video.recording_date(tags, stamp) == ("2026-01-02T03:04:05+00:00", "file")
    assert video.recording_date({}, None) == (None, None)


def test_probe_reads_the_date_review_record_writes(tmp_path):
    from review.media.writer import TimedVideoWriter

    images, times = sample_frames("upright.mp4", 0.5)
    with TimedVideoWriter(tmp_path / "dated.mp4", nominal_fps=30) as w:
        w.metadata["creation_time"] = "2025-05-06T07:08:09.000000Z"
        for image, t in zip(images, times):
            w.write(image, t)
    info = video.probe(tmp_path / "dated.mp4")
    assert (info.recording_date, info.recording_date_from) == (
        "2025-05-06T07:08:09+00:00",
        "container",
    )
    plain = write_video(tmp_path / "plain.mp4", images, times)
    os.utime(plain, (0, datetime(2024, 2, 3, tzinfo=timezone.utc).timestamp()))
    info = video.probe(plain)
    assert (info.recording_date, info.recording_date_from) == ("2024-02-03T00:00:00+00:00", "file")


# One row per recording, who, order ------------------------------------------------------------


def test_the_same_recording_analysed_again_updates_its_row(tmp_path):
    db = tmp_path / "h.sqlite3"
    first = history.save_session(_summary(fingerprint="sha256:aa", who="Anna", eye=50.0), None, db)
    other = history.save_session(_summary("/c/ben/answer.mp4", fingerprint="sha256:bb"), None, db)
    assert not first.updated and not other.updated and first.id != other.id
    # moved elsewhere, analysed again without --who: same row, new figures, name kept
    again = history.save_session(
        _summary("/moved/answer.mp4", fingerprint="sha256:aa", eye=80.0), tmp_path / "r", db
    )
    assert again == history.Saved(first.id, True)
    items = {e.id: e for e in history.entries(db)}
    assert len(items) == 2
    assert items[first.id].eye_contact_pct == 80.0 and items[first.id].who == "Anna"
    assert items[first.id].video == "/moved/answer.mp4"
    assert items[first.id].results_dir == str((tmp_path / "r").resolve())
    # another name given: it replaces the old one
    history.save_session(_summary(fingerprint="sha256:aa", who="Anna K."), None, db)
    assert {e.id: e.who for e in history.entries(db)}[first.id] == "Anna K."
    # summaries without a fingerprint (a library caller's own) always add a row
    history.record(_summary(), None, db)
    history.record(_summary(), None, db)
    assert len(history.entries(db)) == 4


def test_who_filters_ignoring_case_and_the_list_follows_the_recordings_dates(tmp_path):
    db = tmp_path / "h.sqlite3"
    analysed = datetime(2026, 6, 1, tzinfo=timezone.utc)
    recorded = ["2026-03-01T10:00:00+00:00", "2026-01-01T10:00:00+00:00", None]
    for i, (who, when) in enumerate(zip(("Anna", "ben", "anna "), recorded)):
        history.record(
            _summary(f"/c/{i}.mp4", fingerprint=f"sha256:{i}", who=who, recording_date=when),
            None,
            db,
            recorded_at=analysed + timedelta(days=i),
        )
    assert [e.video for e in history.entries(db)] == ["/c/1.mp4", "/c/0.mp4", "/c/2.mp4"]
    assert [e.video for e in history.entries(db, who="ANNA")] == ["/c/0.mp4", "/c/2.mp4"]
    assert history.entries(db, who="Cara") == []


def test_a_version_3_database_gains_who_date_question_and_fingerprint(tmp_path):
    db = tmp_path / "old.sqlite3"
    with history.connect(db, target=3) as conn:
        for _ in range(2):
            conn.execute(
                "INSERT INTO sessions (recorded_at, video, summary_json) VALUES (?, ?, ?)",
                (
                    "2026-01-01T00:00:00+00:00",
                    "/c/answer.mp4",
                    json.dumps(
                        _summary(
                            fingerprint="sha256:same",
                            who="Anna",
                            question="Why us?",
                            recording_date="2025-12-31T09:00:00+00:00",
                            recording_date_from="container",
                        )
                    ),
                ),
            )
    # read-only, unmigrated: the new fields come from the stored summaries
    old = history.entries(db)
    assert [(e.who, e.question) for e in old] == [("Anna", "Why us?")] * 2
    history.check_writable(db)  # migrates
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION
        rows = conn.execute(
            "SELECT who, question, fingerprint, recording_date FROM sessions"
        ).fetchall()
    assert rows == [("Anna", "Why us?", "sha256:same", "2025-12-31T09:00:00+00:00")] * 2
    migrated = history.entries(db)
    assert [e.recording_date for e in migrated] == [
        datetime(2025, 12, 31, 9, tzinfo=timezone.utc)
    ] * 2
    # rows recorded twice before the migration are kept; analysing again updates the latest
    saved = history.save_session(_summary(fingerprint="sha256:same", eye=99.0), None, db)
    assert saved.updated and saved.id == max(e.id for e in migrated)
    assert len(history.entries(db)) == 2


# The table, the export, deleting -------------------------------------------------------------


def test_table_shows_ids_both_dates_who_question_and_tells_answers_apart(tmp_path):
    db = tmp_path / "h.sqlite3"
    history.record(
        _summary(
            "/c/anna/answer.mp4",
            "sha256:a",
            "Anna",
            question="Tell me about yourself.",
            recording_date="2025-12-31T09:00:00+00:00",
            recording_date_from="container",
        ),
        None,
        db,
    )
    history.record(
        _summary(
            "/c/ben/answer.mp4",
            "sha256:b",
            recording_date="2026-01-05T09:00:00+00:00",
            recording_date_from="file",
        ),
        None,
        db,
    )
    table = history.format_table(history.entries(db))
    header, anna, ben, footnote = table.splitlines()
    for column in ("id", "recorded", "analysed", "who", "question", "video"):
        assert column in header.split()
    assert "anna/answer.mp4" in anna and "ben/answer.mp4" in ben
    assert "Anna" in anna and "Tell me about yoursel" in anna
    assert ben.split()[0] == "2" and "*" in ben and "*" not in anna
    assert "file's time" in footnote
    # one person, no question: those columns go
    plain = history.format_table(history.entries(db)[1:])
    assert "who" not in plain.splitlines()[0].split() and "question" not in plain


def test_csv_export_has_one_row_per_session_with_the_documented_columns(tmp_path):
    db = tmp_path / "h.sqlite3"
    history.record(_summary(fingerprint="sha256:a", who="Anna", question='Why, "us"?'), None, db)
    history.record(_summary("/c/b.mp4", fingerprint="sha256:b", eye=None), None, db)
    out = tmp_path / "out" / "all.csv"
    history_export.write_csv(history.entries(db), out)
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(history_export.CSV_COLUMNS)
    assert len(rows) == 2
    assert rows[0]["who"] == "Anna" and rows[0]["question"] == 'Why, "us"?'
    assert rows[0]["eye_contact_pct"] == "70.0" and rows[1]["eye_contact_pct"] == ""
    assert datetime.fromisoformat(rows[0]["analysed_at"]).tzinfo is not None
    # an earlier export is replaced; any other file is refused and left alone
    history_export.write_csv(history.entries(db)[:1], out)
    assert out.read_text().count("\n") == 2
    mine = tmp_path / "mine.csv"
    mine.write_text("my own,data\n")
    with pytest.raises(history.InputError, match="not a history export"):
        history_export.write_csv(history.entries(db), mine)
    assert mine.read_text() == "my own,data\n"


def test_history_command_who_csv_and_delete(tmp_path):
    db = tmp_path / "h.sqlite3"
    results = tmp_path / "anna_review"
    results.mkdir()
    (results / "summary.json").write_text("{}")
    a = history.record(_summary(fingerprint="sha256:a", who="Anna"), results, db)
    history.record(_summary("/c/ben/answer.mp4", fingerprint="sha256:b", who="Ben"), None, db)
    run = CliRunner().invoke
    out = tmp_path / "anna.csv"
    result = run(main, ["history", "--db", str(db), "--who", "anna", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 session(s) of anna" in result.output and "ben" not in result.output.lower()
    assert len(out.read_text().splitlines()) == 2
    result = run(
        main, ["history", "--db", str(db), "--who", "Cara", "--csv", str(tmp_path / "c.csv")]
    )
    assert result.exit_code == 1 and "nothing to export" in result.output
    assert not (tmp_path / "c.csv").exists()
    result = run(main, ["history", "--db", str(db), "--delete", str(a), "--who", "Anna"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    result = run(main, ["history", "--db", str(db), "--delete", str(a)])
    assert result.exit_code == 0, result.output
    assert f"Deleted session {a}" in result.output and "was not touched" in result.output
    assert (results / "summary.json").read_text() == "{}"  # results kept
    assert [e.who for e in history.entries(db)] == ["Ben"]
    result = run(main, ["history", "--db", str(db), "--delete", str(a)])
    assert result.exit_code == 2 and f"no session {a}" in result.output
    assert result.output.count("\n") == 1


def test_the_trend_plot_names_many_sessions(tmp_path):
    from review.presenting.plots import history_trend

    db = tmp_path / "h.sqlite3"
    for i in range(20):
        history.record(
            _summary(f"/c/p{i % 3}/answer.mp4", fingerprint=f"sha256:{i}", who=f"P{i % 3}"),
            None,
            db,
        )
    items = history.entries(db)
    labels = history_export.session_labels(items)
    assert len(set(labels)) >= 3 and all("answer" in label for label in labels)
    plot = tmp_path / "trend.png"
    history_trend(items, plot)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
