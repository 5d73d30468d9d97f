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
from review.judging.habits import HABITS, Habit

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
    from review.presenting.verdicts import judged_seconds

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
        from review.presenting.verdicts import enough_seen

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


#: Delivery columns added in version 3 (review.detectors.delivery): name -> (SQL type, getter).
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


def _fingerprint_of(summary: Mapping[str, Any]) -> str | None:
    """The recording's content fingerprint (``video.fingerprint``), if the summary has it."""
    recording = summary.get("recording")
    if not isinstance(recording, Mapping):
        return None
    value = recording.get("fingerprint")
    return str(value) if value else None


def _text(key: str) -> Callable[[Mapping[str, Any]], Any]:
    def get(summary: Mapping[str, Any]) -> Any:
        value = summary.get(key)
        return str(value) if value else None

    return get


#: Columns added in version 5, for many recordings (a coach's clients): who the session is
#: of, the recording's own date, its question, and its content fingerprint (one row per
#: recording: analysing it again updates the row). name -> (SQL type, getter).
_RECORDING: dict[str, tuple[str, Callable[[Mapping[str, Any]], Any]]] = {
    "who": ("TEXT", _text("who")),
    "recording_date": ("TEXT", _text("recording_date")),
    "recording_date_from": ("TEXT", _text("recording_date_from")),
    "question": ("TEXT", _text("question")),
    "fingerprint": ("TEXT", _fingerprint_of),
}


def _v5(conn: sqlite3.Connection) -> None:
    """Version 5: who, the recording's date, its question and fingerprint, back-filled.

    Rows recorded twice for one recording before this version are kept as they are (nothing
    is deleted here); from now on a recording analysed again updates its latest row.
    """
    for name, (sql_type, _get) in _RECORDING.items():
        conn.execute(f"ALTER TABLE sessions ADD COLUMN {name} {sql_type}")
    conn.execute("CREATE INDEX sessions_by_fingerprint ON sessions (fingerprint)")
    for row_id, text in conn.execute("SELECT id, summary_json FROM sessions").fetchall():
        summary = json.loads(text)
        sets = ", ".join(f"{name} = ?" for name in _RECORDING)
        values = [get(summary) for _sql, get in _RECORDING.values()]
        conn.execute(f"UPDATE sessions SET {sets} WHERE id = ?", [*values, row_id])


#: Every column of the latest schema read from a summary: name -> (SQL type, getter).
_GETTERS = {**_FIGURES, **_DELIVERY, **_RECORDING}


#: MIGRATIONS[v] takes a database from version v to v + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5]
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


@dataclass(frozen=True)
class Saved:
    """Where ``save_session`` put a session: its row, and whether that row was there before.

    Attributes:
        id: The row's id.
        updated: True when the recording was in the history already (same content
            fingerprint) and its row was updated instead of a new one added.

    """

    id: int
    updated: bool


def record(
    summary: Mapping[str, Any],
    results_dir: str | os.PathLike[str] | None = None,
    db: str | os.PathLike[str] | None = None,
    recorded_at: datetime | None = None,
) -> int:
    """Add one analysed session to the history (or update its recording's row).

    Args:
        summary: The session's summary (``Session.summary``, as in summary.json).
        results_dir: Where its results were saved.
        db: Database file (default: see ``resolve_db_path``).
        recorded_at: When it was analysed (default: now).

    Returns:
        The row's id (see ``save_session``).

    Example:
        >>> from review import history
        >>> history.record(session.summary, "answer_review")  # doctest: +SKIP

    """
    return save_session(summary, results_dir, db, recorded_at).id


def save_session(
    summary: Mapping[str, Any],
    results_dir: str | os.PathLike[str] | None = None,
    db: str | os.PathLike[str] | None = None,
    recorded_at: datetime | None = None,
) -> Saved:
    """Record a session: a new row, or the row of the same recording analysed before.

    The same recording is the same content fingerprint (``summary["recording"]``; see
    ``review.media.video.RecordingId``), wherever the file is now: its latest row is updated with
    this analysis (figures, date of analysis, path, results folder). A name given before
    with ``--who`` is kept when this analysis gives none. A summary without a fingerprint
    (a library caller's own) always adds a row.

    Args, Raises: as ``record``.

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
    fingerprint = figures["fingerprint"]
    with connect(db) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            found = None
            if fingerprint is not None:
                found = conn.execute(
                    "SELECT id, who FROM sessions WHERE fingerprint = ? ORDER BY id DESC LIMIT 1",
                    (fingerprint,),
                ).fetchone()
            if found is None:
                cursor = conn.execute(
                    f"INSERT INTO sessions ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})",
                    values,
                )
                row_id = cursor.lastrowid
            else:
                row_id, who_before = found
                if figures["who"] is None and who_before is not None:
                    values[columns.index("who")] = who_before
                sets = ", ".join(f"{name} = ?" for name in columns)
                conn.execute(f"UPDATE sessions SET {sets} WHERE id = ?", [*values, row_id])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    assert row_id is not None, "an INSERT gives the row's id"
    return Saved(int(row_id), found is not None)


def delete(row_id: int, db: str | os.PathLike[str] | None = None) -> Entry:
    """Remove one session's row from the history; its results folder is not touched.

    Returns:
        The session removed, as it was listed.

    Raises:
        InputError: There is no session with that id (or no history at all).

    """
    path = resolve_db_path(db)
    gone = [e for e in entries(path) if e.id == row_id]
    if not gone:
        raise InputError(
            f"there is no session {row_id} in {path}. `review history` lists the sessions "
            "with their ids."
        )
    with connect(path) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM sessions WHERE id = ?", (row_id,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return gone[0]


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
        who: Whose session it is (``--who``), or None.
        recording_date: When the recording was made (container, else the file's time;
            timezone-aware, UTC), or None when not known.
        recording_date_from: "container" or "file", or None.
        question: The question answered (``review record --question``), or None.
        fingerprint: The recording's content fingerprint, or None.

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
    who: str | None = None
    recording_date: datetime | None = None
    recording_date_from: str | None = None
    question: str | None = None
    fingerprint: str | None = None

    @property
    def when(self) -> datetime:
        """When the session happened: the recording's own date, else when it was analysed."""
        return self.recording_date or self.recorded_at


def same_who(a: str | None, b: str | None) -> bool:
    """Whether two ``--who`` names are the same person (case and outer spaces ignored)."""
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


def entries(db: str | os.PathLike[str] | None = None, who: str | None = None) -> list[Entry]:
    """The recorded sessions, oldest recording first; empty if the database does not exist.

    Ordered by the recording's own date (``Entry.when``: when it was recorded, else when it
    was analysed), so a folder of old recordings analysed today falls into place.

    The database is only read (opened read-only, never migrated), so a read-only history or
    one another process is writing can be listed; an older schema is read from the
    summaries it stores.

    Args:
        db: The database (see ``resolve_db_path``).
        who: Only the sessions of this person (``same_who``).

    Raises:
        InputError: The file is not a review history, is damaged, or is from a newer review.

    """
    found = _entries(resolve_db_path(db))
    if who is not None:
        found = [e for e in found if same_who(e.who, who)]
    return sorted(found, key=lambda e: (e.when, e.id))


def _entries(path: Path) -> list[Entry]:
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
            data["recording_date"] = _date(data["recording_date"])
            out.append(Entry(**data))
        return out
    # An older schema (read-only: not migrated here): every figure from the stored summaries.
    folder = "results_dir" if version >= 2 else "NULL"
    rows = conn.execute(
        f"SELECT id, recorded_at, video, {folder}, summary_json FROM sessions "
        "ORDER BY recorded_at, id"
    ).fetchall()
    for row_id, when, video, results_dir, text in rows:
        values = _all_values(json.loads(text))
        values["recording_date"] = _date(values["recording_date"])
        out.append(
            Entry(
                id=row_id,
                recorded_at=datetime.fromisoformat(when),
                video=video,
                results_dir=results_dir,
                **values,
            )
        )
    return out


def _date(text: str | None) -> datetime | None:
    """A stored ISO 8601 date (UTC), or None when missing or unreadable."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _cell(value: float | None, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, fmt)


def format_table(items: list[Entry], width: int = 28) -> str:
    """The sessions as a plain-text table (local dates; "-" where a habit was not judged).

    Each row starts with the session's id (for ``review history --delete``), then the
    recording's own date ("recorded") beside the date it was analysed, and the recording's
    name with as much of its folder as tells it from the others listed
    (``history_export.short_paths``). "who" and "question" columns appear when any session
    listed has one.
    """
    from review.storing.history_export import short_paths

    with_who = any(e.who for e in items)
    with_question = any(e.question for e in items)
    header = [
        "id",
        "recorded",
        "analysed",
        *(["who"] if with_who else []),
        "video",
        *(["question"] if with_question else []),
        "eye contact",
        "slumped",
        "fidgeting",
        "touches/min",
        "warmth",
        "syll/min",
    ]
    rows = [header]
    for e, name in zip(items, short_paths([e.video for e in items])):
        recorded = "-"
        if e.recording_date is not None:
            recorded = e.recording_date.astimezone().strftime("%Y-%m-%d %H:%M")
            recorded += "" if e.recording_date_from == "container" else "*"
        rows.append(
            [
                str(e.id),
                recorded,
                e.recorded_at.astimezone().strftime("%Y-%m-%d"),
                *([_clip(e.who or "-", 16)] if with_who else []),
                _clip(name, width, front=True),
                *([_clip(e.question or "-", 24)] if with_question else []),
                _cell(e.eye_contact_pct, ".0f") + ("%" if e.eye_contact_pct is not None else ""),
                _cell(e.slumped_pct, ".0f") + ("%" if e.slumped_pct is not None else ""),
                _cell(e.fidgeting_pct, ".0f") + ("%" if e.fidgeting_pct is not None else ""),
                _cell(e.self_touch_per_min, ".1f"),
                _cell(e.warmth_pct, ".0f") + ("%" if e.warmth_pct is not None else ""),
                "no sound" if e.sound == 0 else _cell(e.syllables_per_min, ".0f"),
            ]
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    left = {c for c, name in enumerate(header) if name in LEFT_COLUMNS}
    lines = []
    for r in rows:
        cells = [
            r[c].ljust(widths[c]) if c in left else r[c].rjust(widths[c])
            for c in range(len(header))
        ]
        lines.append("  ".join(cells).rstrip())
    if any(e.recording_date_from == "file" for e in items):
        lines.append("(* the file's time: the recording carries no date of its own)")
    return "\n".join(lines)


#: Columns of ``format_table`` aligned left (text); the others are figures, aligned right.
LEFT_COLUMNS = frozenset({"recorded", "analysed", "who", "video", "question"})


def _clip(text: str, width: int, front: bool = False) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (at the front: keep the end)."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return "…" + text[-(width - 1) :] if front else text[: width - 1] + "…"
