"""The history's sessions told apart and written out: short path names, labels, a CSV file.

A coach's folder holds many ``answer.mp4`` in different folders: ``short_paths`` gives each
recording the fewest trailing path parts that tell it from the others listed, so the table
and the trend plot name them without printing whole paths. ``write_csv`` exports the listed
sessions, one row a session (columns: ``CSV_COLUMNS``).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from review.errors import InputError
from review.media import atomic

if TYPE_CHECKING:
    from review.storing.history import Entry

#: The CSV export's columns, in order: name -> meaning (also in the README).
CSV_COLUMNS: dict[str, str] = {
    "id": "the session's id in the history (what `review history --delete` takes)",
    "recording_date": "when the recording was made, ISO 8601 UTC (empty: not known)",
    "recording_date_from": '"container" (its creation time) or "file" (its modification time)',
    "analysed_at": "when it was analysed, ISO 8601 UTC",
    "who": "whose session it is (--who), empty if not given",
    "video": "the recording's path when it was analysed",
    "results_dir": "its results folder",
    "question": "the question answered (review record --question)",
    "duration_s": "length of the recording, seconds",
    "eye_contact_pct": "eye contact, % of the judged time (empty: not enough seen)",
    "slumped_pct": "slumped, % of the judged time",
    "fidgeting_pct": "fidgeting, % of the judged time",
    "self_touch_per_min": "face touches per judged minute",
    "reference_source": '"session" (inferred) or "calibration"',
    "sound": "1 the recording had sound, 0 it had none, empty: sound not analysed",
    "syllables_per_min": "speaking rate, syllables a minute of the answer",
    "long_pauses_per_min": "pauses of 2 s or more a minute of the answer",
    "pitch_sd_st": "pitch variation, semitones",
    "speaking_pct": "speech, % of the recording",
}


def _parts(path: str) -> tuple[str, ...]:
    """A path's parts, read as Windows' when it has backslashes (a history made there)."""
    pure: PurePath = PureWindowsPath(path) if "\\" in path else PurePosixPath(path)
    parts = tuple(p for p in pure.parts if p not in ("/", "\\"))
    return parts or (path,)


def short_paths(paths: Sequence[str]) -> list[str]:
    """For each path, its fewest trailing parts that no other (different) path listed shares.

    ``["/a/x/answer.mp4", "/a/y/answer.mp4", "/a/z/intro.mp4"]`` gives ``["x/answer.mp4",
    "y/answer.mp4", "intro.mp4"]``. The same path given twice gets the same name; a path
    that is a suffix of another (``answer.mp4`` and ``/a/answer.mp4``) is given whole.
    """
    split = [_parts(p) for p in paths]
    distinct = set(split)
    out = []
    for parts in split:
        others = [o for o in distinct if o != parts]
        k = 1
        while k < len(parts) and any(o[-k:] == parts[-k:] for o in others):
            k += 1
        out.append("/".join(parts[-k:]))
    return out


def session_labels(items: Sequence[Entry]) -> list[str]:
    """A short label per session for the trend plot: its date and its short name.

    The date is the recording's own (``Entry.when``), in local time; the name is
    ``short_paths``' without its extension, prefixed with who the session is of if given.
    """
    names = short_paths([e.video for e in items])
    labels = []
    for e, name in zip(items, names):
        stem = name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name
        if len(stem) > 18:
            stem = "…" + stem[-17:]
        who = f"{e.who}: " if e.who else ""
        labels.append(f"{e.when.astimezone().strftime('%d %b %y')}\n{who}{stem}")
    return labels


def _csv_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def csv_text(items: Sequence[Entry]) -> str:
    """The sessions as CSV text (``CSV_COLUMNS``; empty cells where a figure is unknown)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in items:
        row = {
            **{name: getattr(e, name, None) for name in CSV_COLUMNS},
            "analysed_at": e.recorded_at,
        }
        writer.writerow(_csv_value(row[name]) for name in CSV_COLUMNS)
    return buffer.getvalue()


def _written_by_review(path: Path) -> bool:
    """Whether an existing file is an earlier export (its first line is our header)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            first = f.readline()
    except (OSError, UnicodeDecodeError):
        return False
    return first.rstrip("\r\n") == ",".join(CSV_COLUMNS)


def check_csv_target(path: str | os.PathLike[str]) -> Path:
    """Refuse a CSV destination that cannot be written or is not review's to replace.

    An existing file is replaced only when it is an earlier export (its header is
    ``CSV_COLUMNS``); anything else is refused, never overwritten.

    Raises:
        InputError: The name does not end in .csv, is a folder, or is another file.

    """
    target = Path(path)
    if target.suffix.lower() != ".csv":
        raise InputError(f"{target}: give a file name ending in .csv for --csv.")
    if target.is_dir():
        raise InputError(f"{target}: is a folder; give a file name for --csv.")
    if target.exists() and not _written_by_review(target):
        raise InputError(
            f"{target}: exists and is not a history export review wrote; choose another name."
        )
    return target


def write_csv(items: Sequence[Entry], path: str | os.PathLike[str]) -> Path:
    """Write the sessions to ``path`` as CSV, atomically (see ``check_csv_target``).

    Raises:
        InputError: As ``check_csv_target``, or the folder cannot be written.

    """
    target = check_csv_target(path)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staged = atomic.replacing(target)
        with staged as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(csv_text(items))
    except OSError as err:
        raise InputError(
            f"{target}: cannot write there ({err.strerror}). Choose another file."
        ) from None
    return target
