"""Storing an analysis in a folder, and reading it back, refusing anything damaged.

Output folder contract (other commands and outside checks read these exactly):

- ``frames.csv``: one row per decoded frame; columns ``frame``, ``time_s``, ``person``,
  the habit columns (1, 0 or empty = not judged), then the continuous measures.
- ``summary.json``: figures, events and the reference used; ``schema_version`` says which
  layout it has (``SUMMARY_SCHEMA``), ``recording`` which file was analysed.
- ``timeline.png``: the habits over time.
- ``landmarks.npz``: the landmarks, so a report can be re-made without the video.
- ``manifest.json``: every file written, with its size and SHA-256 (see review.storing.folders).

Reading checks every file against the others (lengths, times, types) before anything is
built from it, so a damaged or hand-edited folder is refused in one line instead of giving a
traceback or a report of "0 frames".
"""

from __future__ import annotations

import csv
import json
import math
import os
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn

import numpy as np
from numpy.typing import NDArray

from review.detectors.delivery import Delivery
from review.detectors.events import Event
from review.errors import InputError
from review.judging.reference import Reference
from review.landmarks.holistic import Landmarks
from review.media import atomic
from review.storing import folders

if TYPE_CHECKING:
    from review.judging.session import Session

#: The layout of summary.json written by this version (1: before it carried the number).
SUMMARY_SCHEMA = 2
#: An analysis folder: every file review writes there.
ANALYSIS = folders.FolderKind(
    name="analysis",
    files=(
        "frames.csv",
        "timeline.png",
        "landmarks.npz",
        "report.html",
        "review.html",
        "annotated.mp4",
        "summary.json",
    ),
    markers=("summary.json", "frames.csv"),
    legacy_keys=("video", "events", "reference", "frames_analysed"),
)


def results_folder(video: str | os.PathLike[str]) -> Path:
    """Where ``review analyse`` saves a video's results by default: VIDEO's name + _review."""
    path = Path(video)
    return path.with_name(path.stem + "_review")


def owner_of(video: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The identity of a recording about to be analysed, for the output checks (or None)."""
    from review.media.video import RecordingId

    try:
        return RecordingId.of(video).to_dict()
    except OSError:
        return None


class DamagedAnalysis(InputError):
    """A saved analysis folder that cannot be read back as it was written."""


def save(
    session: Session,
    out_dir: str | os.PathLike[str],
    extra: Callable[[Path, Session], None] | None = None,
    protect: Iterable[str | os.PathLike[str]] = (),
    timeline: bool = True,
) -> Path:
    """Write a session's folder at once (see review.storing.folders); summary.json last.

    Args:
        session: The analysis.
        out_dir: The output folder.
        extra: Optional ``(tmp_dir, session) -> None`` writing more files (the report).
        protect: More inputs that must survive (a calibration clip); the recording itself
            always is.
        timeline: Draw timeline.png (False when ``extra`` writes it).

    Raises:
        InputError: ``out_dir`` is refused.
        folders.OutputError: Writing failed; nothing was left behind.

    """

    def write(tmp: Path) -> None:
        write_csv(session, tmp / "frames.csv")
        if timeline:
            from review.presenting.plots import timeline as draw

            draw(session, tmp / "timeline.png")
        if session.landmarks is not None:
            session.landmarks.save(tmp / "landmarks.npz")
        if extra is not None:
            extra(tmp, session)
        # Last: a folder without summary.json is never taken for a result.
        (tmp / "summary.json").write_text(json.dumps(session.summary, indent=2) + "\n")

    owner = session.recording.to_dict() if session.recording is not None else None
    inputs = [*protect, *([session.video] if session.video else [])]
    return folders.write_folder(out_dir, write, ANALYSIS, inputs, owner)


def write_csv(session: Session, path: Path) -> None:
    """frames.csv: one row per frame in TABLE_COLUMNS order (empty = not judged)."""
    from review.judging.session import BINARY_COLUMNS, TABLE_COLUMNS

    habit_like = BINARY_COLUMNS
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(TABLE_COLUMNS)
        for row in session.rows():
            writer.writerow([_cell(name, row[name], name in habit_like) for name in row])


def _cell(name: str, value: float | None, integer: bool) -> str:
    if name == "frame":
        return str(value)
    if value is None:
        return ""
    if integer:
        return str(int(value))
    if name == "time_s":
        return repr(float(value))
    return f"{value:.4g}"


def update_manifest(folder: Path) -> None:
    """Record files just rewritten by review in an analysis folder (e.g. a remade report)."""
    manifest = folders._read_manifest(folder)
    if manifest is None:
        return
    fresh = folders.manifest_of(folder, ANALYSIS, manifest.get("owner"))
    atomic.write_text(folder / folders.MANIFEST, json.dumps(fresh, indent=2) + "\n")


# Reading back --------------------------------------------------------------------------------


def load(folder: str | os.PathLike[str], with_landmarks: bool = True) -> Session:
    """Read a folder written by ``save``, checking that its files agree.

    Args:
        folder: The analysis folder.
        with_landmarks: Read landmarks.npz too when it is there.

    Raises:
        InputError: The folder is missing or not an analysis folder.
        DamagedAnalysis: A file is damaged, cut short, or disagrees with the others.

    """
    from review.judging.habits import EVENTS as HABIT_EVENTS
    from review.judging.session import FRAME_COLUMNS, Session

    out = Path(folder)
    if not out.is_dir():
        raise InputError(f"{out}: no such folder. Give a folder `review analyse` wrote.")
    for name in ANALYSIS.markers:
        if not (out / name).is_file():
            raise InputError(
                f"{out}: not an analysis folder (no {name}). Give a folder `review analyse` "
                "wrote, or analyse the recording again."
            )
    summary = _read_summary(out)
    time_s, columns, not_measured = _read_frames(out, FRAME_COLUMNS, summary)
    landmarks = None
    lm_path = out / "landmarks.npz"
    if with_landmarks and lm_path.exists():
        landmarks = _read_landmarks(out, lm_path, time_s)
    events = [Event(e["habit"], float(e["start_s"]), float(e["end_s"])) for e in summary["events"]]
    unknown = {e.habit for e in events} - set(HABIT_EVENTS)
    if unknown:
        _damaged(out, f"summary.json names unknown habits {sorted(unknown)}")
    recording = summary.get("recording")
    from review.media.video import RecordingId

    try:
        return Session(
            video=summary["video"],
            time_s=time_s,
            columns=columns,
            events=events,
            reference=Reference.from_dict(summary["reference"]),
            frame_size=(int(summary["frame_size"][0]), int(summary["frame_size"][1])),
            fps=float(summary["fps"]) if summary.get("fps") is not None else float("nan"),
            landmarks=landmarks,
            notes=list(summary.get("notes") or []),
            mediapipe_frames=summary.get("mediapipe_frames"),
            people_max=summary.get("people_max"),
            recording=RecordingId.from_dict(recording) if recording else None,
            question=summary.get("question") or "",
            who=summary.get("who") or "",
            recording_date=summary.get("recording_date"),
            recording_date_from=summary.get("recording_date_from"),
            delivery=Delivery.from_dict(summary["delivery"])
            if summary.get("delivery") is not None
            else None,
            not_measured=not_measured,
        )
    except (TypeError, ValueError, KeyError) as err:
        _damaged(out, f"summary.json: {err}")


def _damaged(folder: Path, why: str) -> NoReturn:
    raise DamagedAnalysis(
        f"{folder}: the analysis is damaged ({why}); analyse the recording again."
    )


def _number(value: object, finite: bool = True) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) or not finite


def _optional_int(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _read_summary(out: Path) -> dict[str, Any]:
    """summary.json, with every value the commands use checked for its type."""
    try:
        data: object = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        _damaged(out, f"summary.json cannot be read: {err.__class__.__name__}")
    if not isinstance(data, dict):
        _damaged(out, "summary.json does not hold a summary")
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        _damaged(out, "summary.json has no valid schema_version")
    if version > SUMMARY_SCHEMA:
        raise InputError(
            f"{out}: was made by a newer version of review (summary schema {version}; this "
            f"one reads up to {SUMMARY_SCHEMA}). Upgrade review to read it: pip install -U review"
        )
    problems = []
    if not isinstance(data.get("video"), str):
        problems.append("video")
    size = data.get("frame_size")
    if not (isinstance(size, list) and len(size) == 2 and all(_optional_int(v) for v in size)):
        problems.append("frame_size")
    elif not all(isinstance(v, int) and v > 0 for v in size):
        problems.append("frame_size")
    if data.get("fps") is not None and not (_number(data["fps"]) and data["fps"] > 0):
        problems.append("fps")
    if not (_number(data.get("duration_s")) and data["duration_s"] >= 0):
        problems.append("duration_s")
    if not (isinstance(data.get("frames_analysed"), int) and data["frames_analysed"] >= 1):
        problems.append("frames_analysed")
    for key in ("mediapipe_frames", "people_max"):
        if not _optional_int(data.get(key)):
            problems.append(key)
    events = data.get("events")
    if not isinstance(events, list) or not all(_good_event(e) for e in events):
        problems.append("events")
    ref = data.get("reference")
    if not isinstance(ref, dict) or not _good_reference(ref):
        problems.append("reference")
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        problems.append("notes")
    for key in ("question", "who", "recording_date"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(key)
    if data.get("recording_date_from") not in (None, "container", "file"):
        problems.append("recording_date_from")
    recording = data.get("recording")
    if recording is not None and not _good_recording(recording):
        problems.append("recording")
    if problems:
        _damaged(out, f"summary.json has bad values for {', '.join(problems)}")
    return data


def _good_event(e: object) -> bool:
    return (
        isinstance(e, dict)
        and isinstance(e.get("habit"), str)
        and _number(e.get("start_s"))
        and _number(e.get("end_s"))
        and e["end_s"] >= e["start_s"]
    )


def _good_reference(ref: dict[str, Any]) -> bool:
    if ref.get("source") not in ("session", "calibration"):
        return False
    if ref.get("calibration_video") is not None and not isinstance(ref["calibration_video"], str):
        return False
    return all(
        value is None or _number(value)
        for key, value in ref.items()
        if key not in ("source", "calibration_video")
    )


def _good_recording(rec: object) -> bool:
    return (
        isinstance(rec, dict)
        and isinstance(rec.get("path"), str)
        and isinstance(rec.get("fingerprint"), str)
        and _optional_int(rec.get("size_bytes"))
    )


def _read_frames(
    out: Path, frame_columns: list[str], summary: dict[str, Any]
) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]], frozenset[str]]:
    """frames.csv's times and columns, each row checked; as many rows as the summary says.

    Columns are found by name. Those added since the first layout (``LATER_COLUMNS``) may be
    missing (a folder an older review wrote): they come back all NaN ("not measured") and
    are returned as the third item. Any other column missing, or one named twice, is damage;
    columns review does not know are ignored.
    """
    from review.judging.session import BINARY_COLUMNS, LATER_COLUMNS

    binary = BINARY_COLUMNS
    try:
        with open(out / "frames.csv", newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or len(set(header)) != len(header):
                _damaged(out, "frames.csv does not have review's columns")
            missing = frozenset(frame_columns) - set(header)
            if header[:2] != frame_columns[:2] or missing - LATER_COLUMNS:
                _damaged(out, "frames.csv does not have review's columns")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        _damaged(out, f"frames.csv cannot be read: {err.__class__.__name__}")
    if not rows:
        _damaged(out, "frames.csv has no frames")
    if len(rows) != summary["frames_analysed"]:
        _damaged(
            out,
            f"frames.csv has {len(rows)} frames, summary.json says {summary['frames_analysed']}",
        )
    n = len(frame_columns)
    where = {name: header.index(name) for name in frame_columns if name not in missing}
    values = np.full((len(rows), n), np.nan)
    for i, row in enumerate(rows):
        if len(row) < len(header):
            _damaged(out, f"frames.csv row {i + 1} is cut short")
        for j, name in enumerate(frame_columns):
            if name in missing:
                continue
            cell = row[where[name]]
            if cell == "" and j >= 2:
                continue
            try:
                v = float(cell)
            except ValueError:
                _damaged(out, f"frames.csv row {i + 1} has {name} = {cell!r}")
            if not math.isfinite(v) or (name in binary and v not in (0.0, 1.0)):
                _damaged(out, f"frames.csv row {i + 1} has {name} = {cell!r}")
            values[i, j] = v
    if not np.array_equal(values[:, 0], np.arange(len(rows))):
        _damaged(out, "frames.csv's frame numbers are not 0, 1, 2, ...")
    time_s = values[:, 1]
    if len(time_s) > 1 and not np.all(np.diff(time_s) > 0):
        _damaged(out, "frames.csv's times do not increase")
    columns = {name: values[:, j] for j, name in enumerate(frame_columns) if j >= 2}
    return time_s, columns, missing


def _read_landmarks(out: Path, path: Path, time_s: NDArray[np.float64]) -> Landmarks:
    try:
        lm = Landmarks.load(path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        _damaged(out, f"landmarks.npz cannot be read: {err.__class__.__name__}")
    if len(lm) != len(time_s) or not np.allclose(lm.time_s, time_s, atol=1e-6, rtol=0):
        _damaged(out, "landmarks.npz does not match frames.csv")
    return lm
