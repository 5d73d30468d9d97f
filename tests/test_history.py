"""The session history: recording, listing, the trend plot, concurrency, migrations."""

import json
import multiprocessing
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from review.cli import main
from review.errors import ReviewError
from review.storing import history


def _summary(video="answer.mp4", eye=70.0, slumped=10.0, fidgeting=5.0, touches=2, seconds=120.0):
    return {
        "video": video,
        "duration_s": seconds,
        "eye_contact_pct": eye,
        "slumped_pct": slumped,
        "fidgeting_pct": fidgeting,
        "self_touch_pct": 1.0,
        "self_touch_count": touches,
        "not_judged_pct": {"eye_contact": 0.0, "slumped": 0.0, "fidgeting": 0.0, "self_touch": 0.0},
        "reference": {"source": "session"},
        "events": [],
        "notes": [],
    }


def test_tests_never_use_the_real_user_database():
    assert os.environ["REVIEW_DB"]
    assert history.resolve_db_path() == Path(os.environ["REVIEW_DB"])
    assert history.resolve_db_path() != history.default_db_path()


def test_default_path_follows_xdg_and_overrides(monkeypatch, tmp_path):
    monkeypatch.setattr(history.sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert history.default_db_path() == tmp_path / "data" / "review" / "history.sqlite3"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # invalid per the spec: ignored
    assert history.default_db_path() == Path.home() / ".local/share/review/history.sqlite3"
    monkeypatch.setenv("REVIEW_DB", str(tmp_path / "env.sqlite3"))
    assert history.resolve_db_path() == tmp_path / "env.sqlite3"
    assert history.resolve_db_path(tmp_path / "flag.sqlite3") == tmp_path / "flag.sqlite3"


def test_record_then_list(tmp_path):
    db = tmp_path / "h.sqlite3"
    start = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    for day, slumped in enumerate((40.0, 25.0, 10.0)):
        history.record(
            _summary(f"day{day}.mp4", slumped=slumped),
            tmp_path / f"day{day}_review",
            db,
            recorded_at=start + timedelta(days=day),
        )
    items = history.entries(db)
    assert [e.video for e in items] == ["day0.mp4", "day1.mp4", "day2.mp4"]
    assert [e.slumped_pct for e in items] == [40.0, 25.0, 10.0]
    assert items[0].recorded_at == start
    assert items[0].self_touch_per_min == 1.0  # 2 touches in 2 judged minutes
    assert items[0].results_dir == str((tmp_path / "day0_review").resolve())
    table = history.format_table(items)
    lines = table.splitlines()
    assert len(lines) == 4 and "eye contact" in lines[0]
    assert "day2.mp4" in lines[3] and "10%" in lines[3] and "70%" in lines[3]


def test_touches_per_minute_leaves_unjudged_time_out():
    summary = _summary(touches=3, seconds=120.0)
    summary["not_judged_pct"]["self_touch"] = 50.0
    assert history.touches_per_minute(summary) == 3.0
    summary["not_judged_pct"]["self_touch"] = 100.0
    assert history.touches_per_minute(summary) is None


def test_listing_a_missing_database_creates_nothing(tmp_path):
    assert history.entries(tmp_path / "none.sqlite3") == []
    assert not (tmp_path / "none.sqlite3").exists()


# Concurrency -------------------------------------------------------------------------------


def _writer(db, worker, count, barrier):
    barrier.wait()  # all start at once, on a database that does not exist yet
    for i in range(count):
        history.record(_summary(f"w{worker}-{i}.mp4"), None, db)


def test_concurrent_writers_lose_nothing(tmp_path):
    db = tmp_path / "shared.sqlite3"
    ctx = multiprocessing.get_context("fork")
    workers, count = 4, 25
    barrier = ctx.Barrier(workers)
    procs = [ctx.Process(target=_writer, args=(db, w, count, barrier)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0] * workers
    videos = sorted(e.video for e in history.entries(db))
    assert videos == sorted(f"w{w}-{i}.mp4" for w in range(workers) for i in range(count))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION


# Schema versions ---------------------------------------------------------------------------


def test_a_version_1_database_is_migrated_and_keeps_its_rows(tmp_path):
    db = tmp_path / "old.sqlite3"
    with history.connect(db, target=1) as conn:  # the layout of schema version 1
        conn.execute(
            "INSERT INTO sessions (recorded_at, video, summary_json) VALUES (?, ?, ?)",
            ("2025-12-01T10:00:00+00:00", "old.mp4", json.dumps(_summary("old.mp4", eye=55.0))),
        )
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        columns = [r[1] for r in conn.execute("PRAGMA table_info(sessions)")]
        assert "eye_contact_pct" not in columns
    history.record(_summary("new.mp4", eye=80.0), None, db)
    items = history.entries(db)
    assert [(e.video, e.eye_contact_pct) for e in items] == [("old.mp4", 55.0), ("new.mp4", 80.0)]
    assert items[0].self_touch_per_min == 1.0  # back-filled from the stored summary
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION


def test_a_version_2_database_lists_as_it_stands_and_then_gains_warmth(tmp_path):
    """A history from before the warmth habit: listed read-only (warmth not measured), then
    migrated by the next recording, its old rows keeping warmth unknown."""
    db = tmp_path / "v2.sqlite3"
    with history.connect(db, target=2) as conn:
        conn.execute(
            "INSERT INTO sessions (recorded_at, video, summary_json, eye_contact_pct) "
            "VALUES (?, ?, ?, ?)",
            ("2026-01-01T10:00:00+00:00", "old.mp4", json.dumps(_summary("old.mp4")), 70.0),
        )
    items = history.entries(db)  # read-only: no migration
    assert [(e.video, e.eye_contact_pct, e.warmth_pct) for e in items] == [("old.mp4", 70.0, None)]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    new = _summary("new.mp4")
    new["warmth_pct"] = 85.0
    new["not_judged_pct"]["warmth"] = 0.0
    history.record(new, None, db)
    items = history.entries(db)
    assert [(e.video, e.warmth_pct) for e in items] == [("old.mp4", None), ("new.mp4", 85.0)]
    lines = history.format_table(items).splitlines()
    assert lines[0].split()[-2:] == ["warmth", "syll/min"]
    assert lines[1].split()[-2] == "-" and lines[2].split()[-2] == "85%"


def test_a_database_from_a_newer_review_is_refused_untouched(tmp_path):
    db = tmp_path / "future.sqlite3"
    history.record(_summary(), None, db)
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {history.SCHEMA_VERSION + 1}")
    with pytest.raises(ReviewError, match="newer version"):
        history.record(_summary(), None, db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1


def test_other_files_are_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 200)
    with pytest.raises(ReviewError, match="cannot use this history database"):
        history.record(_summary(), None, text)
    assert text.read_text().startswith("not a database")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (x)")
    with pytest.raises(ReviewError, match="not a review history"):
        history.entries(other)


# The command -------------------------------------------------------------------------------


def test_history_command_lists_and_plots(tmp_path):
    db = tmp_path / "h.sqlite3"
    for i, eye in enumerate((50.0, 65.0, 80.0)):
        history.record(_summary(f"take{i}.mp4", eye=eye), None, db)
    plot = tmp_path / "plots" / "trend.png"
    result = CliRunner().invoke(main, ["history", "--db", str(db), "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert "3 session(s)" in result.output
    for i in range(3):
        assert f"take{i}.mp4" in result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 20_000


def test_history_command_uses_review_db_from_the_environment(tmp_path):
    history.record(_summary("from-env.mp4"), None)  # REVIEW_DB is set by conftest
    result = CliRunner().invoke(main, ["history"])
    assert result.exit_code == 0 and "from-env.mp4" in result.output


def test_history_command_on_an_empty_history(tmp_path):
    db = tmp_path / "none.sqlite3"
    result = CliRunner().invoke(main, ["history", "--db", str(db)])
    assert result.exit_code == 0 and "No sessions recorded yet" in result.output
    result = CliRunner().invoke(
        main, ["history", "--db", str(db), "--plot", str(tmp_path / "t.png")]
    )
    assert result.exit_code == 1 and "nothing to plot" in result.output
    assert not (tmp_path / "t.png").exists()


def test_history_command_refuses_a_bad_plot_name_and_a_bad_database(tmp_path):
    result = CliRunner().invoke(main, ["history", "--plot", str(tmp_path / "trend.txt")])
    assert result.exit_code == 2 and ".png" in result.output
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("garbage " * 500)
    result = CliRunner().invoke(main, ["history", "--db", str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0


@pytest.mark.integration
def test_analyse_records_the_session_unless_told_not_to(tmp_path, sample):
    db = tmp_path / "h.sqlite3"
    clip = sample("no_face.mp4")
    runner = CliRunner()
    result = runner.invoke(
        main, ["analyse", str(clip), "-o", str(tmp_path / "a"), "--db", str(db), "-q"]
    )
    assert result.exit_code == 0, result.output
    items = history.entries(db)
    assert len(items) == 1 and items[0].video == str(clip)
    assert items[0].eye_contact_pct is None  # nobody in view: nothing judged
    assert items[0].results_dir == str((tmp_path / "a").resolve())
    result = runner.invoke(
        main,
        ["analyse", str(clip), "-o", str(tmp_path / "b"), "--db", str(db), "-q", "--no-history"],
    )
    assert result.exit_code == 0, result.output
    assert len(history.entries(db)) == 1


def test_a_habit_seen_too_briefly_has_no_figure_in_the_history(tmp_path):
    db = tmp_path / "h.sqlite3"
    history.record(_summary(eye=100.0, seconds=2.4), tmp_path / "short_review", db)
    history.record(_summary(eye=100.0, seconds=60.0), tmp_path / "long_review", db)
    short, long = history.entries(db)
    assert short.eye_contact_pct is None and short.self_touch_per_min is None
    assert long.eye_contact_pct == 100.0


def test_the_trend_plot_adds_the_sound_panels_once_a_session_had_sound(tmp_path):
    import cv2

    from review.detectors.delivery import Delivery, Span
    from review.presenting import plots

    heard = Delivery(
        sound=True,
        duration_s=120.0,
        speech=(Span(1.0, 100.0),),
        speech_s=99.0,
        speaking_pct=82.5,
        answer_s=99.0,
        syllables=330,
        syllables_per_min=200.0,
        pitch_sd_st=2.5,
        loudness_sd_db=4.0,
    )
    heights = {}
    for name, block in (("silent", None), ("heard", heard.to_dict())):
        db = tmp_path / f"{name}.sqlite3"
        for i in range(2):
            summary = _summary(f"take{i}.mp4")
            if block is not None:
                summary["delivery"] = block
            history.record(summary, None, db)
        plot = tmp_path / f"{name}.png"
        result = CliRunner().invoke(main, ["history", "--db", str(db), "--plot", str(plot)])
        assert result.exit_code == 0, result.output
        heights[name] = cv2.imread(str(plot)).shape[0]
    # three more panels (rate, long pauses, pitch variation) of the same height as the others
    n = len(plots.TREND_PANELS)
    assert heights["heard"] == pytest.approx(heights["silent"] * (n + 3) / n, rel=0.02)
