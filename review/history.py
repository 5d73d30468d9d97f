"""A local history of analysed sessions, in one SQLite file, so progress can be seen over time.

Where: ``--db PATH``, else the ``REVIEW_DB`` environment variable, else the user's data
folder (``$XDG_DATA_HOME/review/history.sqlite3``, by default ``~/.local/share/review/``, on
Linux; ``~/Library/Application Support/review/`` on macOS; ``%LOCALAPPDATA%/review/`` on
Windows). Nothing leaves the machine.

Safe to share between processes and across upgrades:

- The schema carries a version (``PRAGMA user_version``); opening a database migrates it
  step by step to ``SCHEMA_VERSION`` inside one write transaction, so an older database is
  upgraded in place and two processes opening it at once do not both migrate it. A database
  written by a newer ``review`` is refused rather than damaged.
- WAL journal mode, a busy timeout and one short write transaction per record, so several
  ``review`` processes writing at once wait for each other instead of failing or losing rows.
  (WAL needs a local disk: SQLite's WAL does not work on network file systems.)
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from review.errors import InputError, ReviewError
from review.habits import HABITS, Habit

#: Environment variable naming the database file (overridden by ``--db``).
ENV_VAR = "REVIEW_DB"
#: How long a writer waits for another to finish, seconds.
BUSY_TIMEOUT_S = 30.0


def default_db_path() -> Path:
    """The history database in the user's data folder (see the module docstring)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        # The XDG spec says a relative path is invalid and must be ignored.
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "review" / "history.sqlite3"


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database to use: ``explicit`` (``--db``), else ``$REVIEW_DB``, else the default."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(ENV_VAR, "")
    return Path(env) if env else default_db_path()


def per_minute(summary: Mapping[str, Any], column: str) -> float | None:
    """A habit's episodes per judged minute, from a summary.json dict; None if never judged."""
    from review.verdicts import judged_seconds

    minutes = judged_seconds(summary, column) / 60.0
    if minutes <= 0:
        return None
    rate: float = round(summary.get(f"{column}_count", 0) / minutes, 2)
    return rate


def touches_per_minute(summary: Mapping[str, Any]) -> float | None:
    """Face touches per judged minute, from a summary.json dict; None if never judged."""
    return per_minute(summary, "self_touch")


# Schema and migrations ---------------------------------------------------------------------


def _v1(conn: sqlite3.Connection) -> None:
    """Version 1: each analysed session's summary.json as recorded."""
    conn.execute(
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            recorded_at TEXT NOT NULL,  -- when analysed, UTC, ISO 8601
            video TEXT NOT NULL,
            summary_json TEXT NOT NULL
        )"""
    )


def _habit_figure(habit: Habit) -> Callable[[Mapping[str, Any]], Any]:
    """How a habit's history figure is read from a summary.json dict (None: not enough seen)."""

    def figure(summary: Mapping[str, Any]) -> Any:
        from review.verdicts import enough_seen

        if not enough_seen(summary, habit.column):
            return None
        if habit.kind == "per_minute":
            return per_minute(summary, habit.column)
        return summary.get(habit.figure)

    return figure


#: Figure columns added in version 2, read from a summary: name -> (SQL type, getter).
_FIGURES: dict[str, tuple[str, Callable[[Mapping[str, Any]], Any]]] = {
    "duration_s": ("REAL", lambda s: s.get("duration_s")),
    **{h.figure: ("REAL", _habit_figure(h)) for h in HABITS},
    "reference_source": ("TEXT", lambda s: (s.get("reference") or {}).get("source")),
}


def _v2(conn: sqlite3.Connection) -> None:
    """Version 2: the figures as columns (listing and plotting need no JSON), back-filled."""
    conn.execute("ALTER TABLE sessions ADD COLUMN results_dir TEXT")
    for name in _V2_FIGURES:
        conn.execute(f"ALTER TABLE sessions ADD COLUMN {name} {_FIGURES[name][0]}")
    conn.execute("CREATE INDEX sessions_by_time ON sessions (recorded_at, id)")
    rows = conn.execute("SELECT id, summary_json FROM sessions").fetchall()
    for row_id, text in rows:
        summary = json.loads(text)
        sets = ", ".join(f"{name} = ?" for name in _V2_FIGURES)
        values = [_FIGURES[name][1](summary) for name in _V2_FIGURES]
        conn.execute(f"UPDATE sessions SET {sets} WHERE id = ?", [*values, row_id])


#: Figure columns version 2 made; those added to ``_FIGURES`` since come with later versions.
_V2_FIGURES = (
    "duration_s",
    "eye_contact_pct",
    "slumped_pct",
    "fidgeting_pct",
    "self_touch_per_min",
    "reference_source",
)


def _delivery_figure(key: str) -> Callable[[Mapping[str, Any]], Any]:
    """A delivery figure from a summary.json dict (None: no sound, or too little speech)."""

    def figure(summary: Mapping[str, Any]) -> Any:
        block = summary.get("delivery")
        if not isinstance(block, Mapping) or block.get("syllables_per_min") is None:
            return None
        return block.get(key)

    return figure


#: Delivery columns added in version 3 (review.delivery): name -> (SQL type, getter).
_DELIVERY: dict[str, tuple[str, Callable[[Mapping[str, Any]], Any]]] = {
    "sound": ("INTEGER", lambda s: None if not s.get("delivery") else int(s["delivery"]["sound"])),
    **{
        key: ("REAL", _delivery_figure(key))
        for key in ("syllables_per_min", "long_pauses_per_min", "pitch_sd_st", "speaking_pct")
    },
}


def _v3(conn: sqlite3.Connection) -> None:
    """Version 3: the delivery figures from the sound as columns, back-filled."""
    for name, (sql_type, _get) in _DELIVERY.items():
        conn.execute(f"ALTER TABLE sessions ADD COLUMN {name} {sql_type}")
    for row_id, text in conn.execute("SELECT id, summary_json FROM sessions").fetchall():
        summary = json.loads(text)
        sets = ", ".join(f"{name} = ?" for name in _DELIVERY)
        values = [get(summary) for _sql, get in _DELIVERY.values()]
        conn.execute(f"UPDATE sessions SET {sets} WHERE id = ?", [*values, row_id])


def _v4(conn: sqlite3.Connection) -> None:
    """Version 4: the warmth habit's figure (``warmth_pct``), back-filled (None before it)."""
    conn.execute("ALTER TABLE sessions ADD COLUMN warmth_pct REAL")
    get = _FIGURES["warmth_pct"][1]
    for row_id, text in conn.execute("SELECT id, summary_json FROM sessions").fetchall():
        conn.execute(
            "UPDATE sessions SET warmth_pct = ? WHERE id = ?", [get(json.loads(text)), row_id]
        )


#: Every figure column of the latest schema: name -> (SQL type, getter from a summary).
_GETTERS = {**_FIGURES, **_DELIVERY}

#: MIGRATIONS[v] takes a database from version v to v + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4]
SCHEMA_VERSION = len(MIGRATIONS)


def _figure_values(summary: Mapping[str, Any]) -> list[Any]:
    return [get(summary) for _sql, get in _FIGURES.values()]


def _all_values(summary: Mapping[str, Any]) -> dict[str, Any]:
    """Every figure column of the latest schema, from a summary.json dict."""
    return {name: get(summary) for name, (_sql, get) in _GETTERS.items()}


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> None:
    """Bring the database to schema version ``target`` (one write transaction).

    Args:
        conn: Connection in autocommit mode (``isolation_level=None``).
        target: Version to reach (tests build older databases with a lower one).

    Raises:
        InputError: The database is from a newer ``review``, or is another program's.

    """
    if _version(conn) >= target:
        _refuse_newer(conn)
        return
    conn.execute("BEGIN IMMEDIATE")  # take the write lock, then look again
    try:
        version = _version(conn)
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise InputError(
                "this SQLite file is not a review history (it holds other tables). "
                "Choose another file with --db or REVIEW_DB."
            )
        for step in range(version, target):
            MIGRATIONS[step](conn)
        if version < target:
            conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL journal mode, retrying while another process holds the file.

    Changing the journal mode needs the file to itself, and SQLite reports "locked" at once
    instead of waiting with the busy timeout when two processes create the database together.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _refuse_newer(conn: sqlite3.Connection) -> None:
    version = _version(conn)
    if version > SCHEMA_VERSION:
        raise InputError(
            f"the history database was written by a newer version of review (schema "
            f"{version}, this one knows up to {SCHEMA_VERSION}). Upgrade review, or use "
            "another file with --db."
        )


@contextmanager
def connect(
    path: str | os.PathLike[str] | None = None, target: int = SCHEMA_VERSION
) -> Iterator[sqlite3.Connection]:
    """Open (creating if needed) and migrate the history database; closed on exit.

    Args:
        path: Database file; None resolves it as ``resolve_db_path`` does.
        target: Schema version to migrate to (lower only to build old databases in tests).

    Raises:
        InputError: The file cannot be used as the history: a folder, not writable, not a
            review history, damaged, or from a newer review (exit status 2: choose another).
        ReviewError: It stayed busy (another program holds it) for BUSY_TIMEOUT_S.

    """
    db = resolve_db_path(path)
    if db.is_dir():
        raise InputError(f"{db}: is a folder; the history database must be a file (--db).")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(db), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as err:
        raise InputError(
            f"{db}: cannot open the history database ({err}). Choose another file with --db, "
            "or skip the history with --no-history."
        ) from err
    try:
        try:
            _enable_wal(conn)
            migrate(conn, target)
        except InputError as err:
            raise InputError(f"{db}: {err}") from err
        yield conn
    except sqlite3.Error as err:
        raise _database_error(db, err) from err
    finally:
        conn.close()


def _database_error(db: Path, err: sqlite3.Error) -> ReviewError:
    """One rule for a history database SQLite cannot use (see ``connect``)."""
    text = str(err)
    if "locked" in text or "busy" in text:
        return ReviewError(
            f"{db}: the history database stayed busy for {BUSY_TIMEOUT_S:.0f} s (another "
            "program is using it). Try again, or skip it with --no-history."
        )
    if "readonly" in text or "read-only" in text:
        return InputError(
            f"{db}: the history database cannot be written (read-only). Make it writable, "
            "choose another file with --db or REVIEW_DB, or skip it with --no-history."
        )
    return InputError(
        f"{db}: cannot use this history database ({text}). "
        "Choose another file with --db or REVIEW_DB, or skip it with --no-history."
    )


def check_writable(db: str | os.PathLike[str] | None = None) -> None:
    """Open the history (creating and migrating it) and make sure a row can be added.

    Called before an analysis, so that a read-only or unusable history is refused before the
    long part rather than after it.

    Raises:
        InputError, ReviewError: As ``connect``.

    """
    path = resolve_db_path(db)
    with connect(path) as conn:
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:  # a real (rolled back) write: SQLite opens a read-only file without a word
                conn.execute(f"PRAGMA user_version = {_version(conn)}")
            finally:
                conn.execute("ROLLBACK")
        except sqlite3.Error as err:
            raise _database_error(path, err) from err


def record(
    summary: Mapping[str, Any],
    results_dir: str | os.PathLike[str] | None = None,
    db: str | os.PathLike[str] | None = None,
    recorded_at: datetime | None = None,
) -> int:
    """Add one analysed session to the history.

    Args:
        summary: The session's summary (``Session.summary``, as in summary.json).
        results_dir: Where its results were saved.
        db: Database file (default: see ``resolve_db_path``).
        recorded_at: When it was analysed (default: now).

    Returns:
        The new row's id.

    Example:
        >>> from review import history
        >>> history.record(session.summary, "answer_review")  # doctest: +SKIP

    """
    when = (recorded_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    figures = _all_values(summary)
    columns = ["recorded_at", "video", "summary_json", "results_dir", *figures]
    values = [
        when.isoformat(timespec="seconds"),
        str(summary.get("video", "")),
        json.dumps(summary),
        None if results_dir is None else str(Path(results_dir).resolve()),
        *figures.values(),
    ]
    with connect(db) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = conn.execute(
                f"INSERT INTO sessions ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                values,
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    row_id = cursor.lastrowid
    assert row_id is not None, "an INSERT gives the row's id"
    return int(row_id)


@dataclass(frozen=True)
class Entry:
    """One recorded session.

    Attributes:
        id: Row id (increasing in the order recorded).
        recorded_at: When it was analysed (timezone-aware, UTC).
        video: The analysed recording, as given.
        results_dir: Its results folder (absolute), or None.
        duration_s: Length of the recording, seconds.
        eye_contact_pct: Eye contact, % of judged time (None: not judged).
        slumped_pct: Slumped, % of judged time.
        fidgeting_pct: Fidgeting, % of judged time.
        self_touch_per_min: Face touches per judged minute.
        warmth_pct: Not blank, % of the time the face was seen (None: not judged, or
            recorded by a review before the warmth habit).
        reference_source: "session" or "calibration".
        sound: 1 if the recording had sound, 0 if not, None if the sound was not analysed.
        syllables_per_min: Speaking rate, syllables a minute of the answer (None: not judged).
        long_pauses_per_min: Pauses of 2 s or more a minute of the answer.
        pitch_sd_st: Pitch variation, semitones.
        speaking_pct: Speech, % of the recording.

    """

    id: int
    recorded_at: datetime
    video: str
    results_dir: str | None
    duration_s: float | None
    eye_contact_pct: float | None
    slumped_pct: float | None
    fidgeting_pct: float | None
    self_touch_per_min: float | None
    reference_source: str | None
    sound: int | None = None
    syllables_per_min: float | None = None
    long_pauses_per_min: float | None = None
    pitch_sd_st: float | None = None
    speaking_pct: float | None = None
    warmth_pct: float | None = None


def entries(db: str | os.PathLike[str] | None = None) -> list[Entry]:
    """All recorded sessions, oldest first; empty if the database does not exist yet.

    The database is only read (opened read-only, never migrated), so a read-only history or
    one another process is writing can be listed; an older schema is read from the
    summaries it stores.

    Raises:
        InputError: The file is not a review history, is damaged, or is from a newer review.

    """
    path = resolve_db_path(db)
    if not path.exists():
        return []
    if path.is_dir():
        raise InputError(f"{path}: is a folder; the history database must be a file (--db).")
    try:
        return _read_only(path, "mode=ro")
    except sqlite3.Error as err:
        readonly = "readonly" in str(err) or "unable to open" in str(err)
        if not (isinstance(err, sqlite3.OperationalError) and readonly):
            raise _database_error(path, err) from err
    # A WAL database in a folder we may not write: SQLite cannot make its shared-memory file,
    # so read the file as it stands (no other process can be writing to it there anyway).
    try:
        return _read_only(path, "mode=ro&immutable=1")
    except sqlite3.Error as err:
        raise _database_error(path, err) from err


def _read_only(path: Path, options: str) -> list[Entry]:
    conn = sqlite3.connect(
        f"{path.absolute().as_uri()}?{options}", uri=True, timeout=BUSY_TIMEOUT_S
    )
    try:
        return _read_entries(conn, path)
    finally:
        conn.close()


def _read_entries(conn: sqlite3.Connection, path: Path) -> list[Entry]:
    version = _version(conn)
    try:
        _refuse_newer(conn)
    except InputError as err:
        raise InputError(f"{path}: {err}") from None
    if version == 0:
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise InputError(
                f"{path}: this SQLite file is not a review history (it holds other tables). "
                "Choose another file with --db or REVIEW_DB."
            )
        return []
    fields = list(Entry.__dataclass_fields__)
    out = []
    if version >= 2:
        # Read as it stands (never migrated here): figures an older schema has no column for
        # are read from the stored summary, where they are None when it predates them.
        have = {r[1] for r in conn.execute("PRAGMA table_info(sessions)")}
        stored = [f for f in fields if f in have]
        rows = conn.execute(
            f"SELECT {', '.join(stored)}, summary_json FROM sessions ORDER BY recorded_at, id"
        ).fetchall()
        for *row, text in rows:
            data = dict(zip(stored, row))
            if len(stored) < len(fields):
                summary = json.loads(text)
                data.update({f: _GETTERS[f][1](summary) for f in fields if f not in have})
            data["recorded_at"] = datetime.fromisoformat(data["recorded_at"])
            out.append(Entry(**data))
        return out
    # An older schema (read-only: not migrated here): every figure from the stored summaries.
    folder = "results_dir" if version >= 2 else "NULL"
    rows = conn.execute(
        f"SELECT id, recorded_at, video, {folder}, summary_json FROM sessions "
        "ORDER BY recorded_at, id"
    ).fetchall()
    for row_id, when, video, results_dir, text in rows:
        out.append(
            Entry(
                id=row_id,
                recorded_at=datetime.fromisoformat(when),
                video=video,
                results_dir=results_dir,
                **_all_values(json.loads(text)),
            )
        )
    return out


def _cell(value: float | None, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, fmt)


def format_table(items: list[Entry], width: int = 28) -> str:
    """The sessions as a plain-text table (local dates; "-" where a habit was not judged)."""
    header = [
        "#",
        "date",
        "video",
        "eye contact",
        "slumped",
        "fidgeting",
        "touches/min",
        "warmth",
        "syll/min",
    ]
    rows = [header]
    for i, e in enumerate(items, start=1):
        name = Path(e.video).name or e.video
        if len(name) > width:
            name = name[: width - 1] + "…"
        rows.append(
            [
                str(i),
                e.recorded_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                name,
                _cell(e.eye_contact_pct, ".0f") + ("%" if e.eye_contact_pct is not None else ""),
                _cell(e.slumped_pct, ".0f") + ("%" if e.slumped_pct is not None else ""),
                _cell(e.fidgeting_pct, ".0f") + ("%" if e.fidgeting_pct is not None else ""),
                _cell(e.self_touch_per_min, ".1f"),
                _cell(e.warmth_pct, ".0f") + ("%" if e.warmth_pct is not None else ""),
                "no sound" if e.sound == 0 else _cell(e.syllables_per_min, ".0f"),
            ]
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    left = {1, 2}
    lines = []
    for r in rows:
        cells = [
            r[c].ljust(widths[c]) if c in left else r[c].rjust(widths[c])
            for c in range(len(header))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
