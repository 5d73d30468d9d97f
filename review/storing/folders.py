"""Writing a results folder all at once: never half-written, never over someone's files.

Everything is written into a hidden temporary folder beside the target
(``.NAME.partial-PID-xxxx``) and moved into place at the end, so an interrupted run never
leaves a folder that looks complete. Each results folder holds a manifest
(``manifest.json``) listing every file review wrote there, with its size and SHA-256.

A target that already exists is replaced only if it is empty, or if it holds nothing but what
review wrote there: every entry is listed in its manifest and unchanged since (a folder from
before manifests existed qualifies only if it holds nothing but review's own file names and a
summary review wrote). It is also never replaced if it holds one of the inputs (the
recording being analysed, above all), nor when it is another recording's results. Anything
else, and any file, is refused and left untouched. The earlier result is moved aside first,
removed after, and put back if the move fails. Partial folders left by a killed run are
removed by the next write to the same place once their process is gone.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from review.errors import InputError, ReviewError

#: The manifest's file name, in every results folder review writes.
MANIFEST = "manifest.json"
#: Bytes read at a time when hashing.
_BLOCK = 1 << 20


@dataclass(frozen=True)
class FolderKind:
    """A kind of results folder.

    Attributes:
        name: What it holds, for messages ("analysis", "comparison").
        files: Every file name this kind of run may write (the manifest excluded).
        markers: Files that mark a finished folder of this kind (written last).
        legacy_keys: Keys the first marker (JSON) holds in a folder written before manifests.

    """

    name: str
    files: tuple[str, ...]
    markers: tuple[str, ...]
    legacy_keys: tuple[str, ...] = ()


class OutputError(ReviewError):
    """The results could not be written (disk full, a file system error); nothing was."""

    exit_code = 1


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_of(folder: Path, kind: FolderKind, owner: dict[str, Any] | None) -> dict[str, Any]:
    """The manifest of a folder just written: every file in it, with size and SHA-256."""
    files = {}
    for entry in sorted(folder.iterdir()):
        if entry.name != MANIFEST:
            files[entry.name] = {"size": entry.stat().st_size, "sha256": file_digest(entry)}
    return {"written_by": "review", "kind": kind.name, "owner": owner, "files": files}


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != "review":
        return None
    if not isinstance(data.get("files"), dict):
        return None
    return data


def _unchanged(folder: Path, name: str, listed: object) -> bool:
    if not isinstance(listed, dict):
        return False
    path = folder / name
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size != listed.get("size"):
            return False
        return file_digest(path) == listed.get("sha256")
    except OSError:
        return False


def _legacy_result(folder: Path, kind: FolderKind, names: set[str]) -> bool:
    """A folder written before manifests: only this kind's file names, and its own summary."""
    if not names <= set(kind.files) or not all(m in names for m in kind.markers):
        return False
    if any((folder / n).is_symlink() or not (folder / n).is_file() for n in names):
        return False
    try:
        data = json.loads((folder / kind.markers[0]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and all(k in data for k in kind.legacy_keys)


def _inside(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or lies inside it (both resolved)."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def _same_owner(found: object, owner: dict[str, Any] | None) -> bool:
    """The folder's results are of the same recording (same path, or same content)."""
    if owner is None or not isinstance(found, dict):
        return True
    if found.get("path") and found.get("path") == owner.get("path"):
        return True
    return bool(found.get("fingerprint")) and found.get("fingerprint") == owner.get("fingerprint")


def refusal(
    out: Path,
    kind: FolderKind,
    protect: Iterable[str | os.PathLike[str]] = (),
    owner: dict[str, Any] | None = None,
) -> str | None:
    """Why ``out`` cannot take results of ``kind``, or None if it can (see the module notes).

    Args:
        out: The target folder.
        kind: The kind of results to be written.
        protect: Inputs that must survive (the recording, a calibration clip, folders read).
        owner: The recording the results are of (``{"path", "fingerprint"}``), so that
            another recording's results are not replaced; None skips that check.

    """
    retry = "Choose another output with -o (a new or empty folder)."
    for path in protect:
        if _inside(Path(path), out):
            return f"{out}: holds {Path(path).name}, one of the inputs; it is left alone. {retry}"
    try:
        cwd = Path.cwd()
    except OSError:
        cwd = None
    if cwd is not None and out.exists() and _inside(cwd, out):
        return f"{out}: is the folder you are working in (or holds it). {retry}"
    if not out.exists() and not out.is_symlink():
        return None
    if out.is_symlink() or not out.is_dir():
        return f"{out}: exists and is not a folder. {retry}"
    try:
        names = {entry.name for entry in out.iterdir()}
    except OSError as err:
        return f"{out}: cannot be read ({err.strerror}). {retry}"
    if not names:
        return None
    manifest = _read_manifest(out)
    if manifest is not None and manifest.get("kind") == kind.name:
        listed = manifest["files"]
        ours = names - {MANIFEST} <= set(listed) and all(
            _unchanged(out, name, listed[name]) for name in names - {MANIFEST}
        )
        if not ours:
            return (
                f"{out}: holds files review did not write there (or that were changed since); "
                f"it is left alone. {retry}"
            )
        if not _same_owner(manifest.get("owner"), owner):
            what = Path(str((manifest.get("owner") or {}).get("path", ""))).name or "another one"
            return (
                f"{out}: holds the results of another recording ({what}); it is left alone. {retry}"
            )
        return None
    if manifest is None and _legacy_result(out, kind, names):
        return None
    return (
        f"{out}: is a folder with other files in it, not an earlier {kind.name}; it is left "
        f"alone. {retry}"
    )


def check_place(out: Path) -> None:
    """Refuse a place where the folder cannot be created (under a file, read-only, no access).

    Writability is tested by creating and removing a hidden folder in the nearest existing
    folder, which also holds for root.

    Raises:
        InputError: It cannot be written.

    """
    retry = "Choose another output with -o."
    try:
        probe = out.absolute().parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise InputError(
                f"{out}: cannot be created there: {probe} is a file, not a folder. {retry}"
            )
        tempfile.TemporaryDirectory(prefix=".review-check-", dir=probe).cleanup()
    except OSError as err:
        raise InputError(
            f"{out}: cannot write there ({err.strerror or err.__class__.__name__}). {retry}"
        ) from None


def check_output(
    out: Path,
    kind: FolderKind,
    protect: Iterable[str | os.PathLike[str]] = (),
    owner: dict[str, Any] | None = None,
) -> None:
    """Refuse, before any work, an output folder that could not be written or would lose data.

    Raises:
        InputError: Why it is refused, in one line.

    """
    reason = refusal(out, kind, protect, owner)
    if reason:
        raise InputError(reason)
    check_place(out)


def write_folder(
    out: str | os.PathLike[str],
    write: Callable[[Path], None],
    kind: FolderKind,
    protect: Iterable[str | os.PathLike[str]] = (),
    owner: dict[str, Any] | None = None,
) -> Path:
    """Write a results folder through ``write(tmp_dir)`` and move it into place.

    ``write`` should write the marker files last, so that a folder holding them is complete;
    the manifest is written after it.

    Returns:
        The output folder.

    Raises:
        InputError: ``out`` is refused (see ``refusal``).
        OutputError: Writing failed (e.g. the disk is full); nothing was left behind.

    """
    out = Path(out)
    protect = list(protect)
    reason = refusal(out, kind, protect, owner)
    if reason:
        raise InputError(reason)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
    except OSError as err:
        raise _output_error(out, err) from None
    aside = None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the results are not
        write(tmp)
        manifest = manifest_of(tmp, kind, owner)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        reason = refusal(out, kind, protect, owner)  # the folder may have changed meanwhile
        if reason:
            raise InputError(reason)
        if out.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
            os.replace(out, aside / out.name)
        os.replace(tmp, out)
    except OSError as err:
        _undo(tmp, out, aside)
        raise _output_error(out, err) from None
    except BaseException:
        _undo(tmp, out, aside)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return out


def _undo(tmp: Path, out: Path, aside: Path | None) -> None:
    shutil.rmtree(tmp, ignore_errors=True)
    if aside is not None and (aside / out.name).exists() and not out.exists():
        os.replace(aside / out.name, out)  # put the earlier result back
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _output_error(out: Path, err: OSError) -> OutputError:
    why = err.strerror or err.__class__.__name__
    hint = (
        "Free some disk space, or choose another place with -o."
        if err.errno in (errno.ENOSPC, errno.EDQUOT)
        else "Choose another place with -o."
    )
    return OutputError(f"{out}: could not write the results ({why}); nothing was written. {hint}")


def remove_stale_partials(out: Path) -> None:
    """Remove ``.NAME.partial-PID-*`` and ``.NAME.old-PID-*`` folders of processes now gone.

    A run killed outright (SIGKILL, power loss) cannot clean up after itself; the next write
    to the same place does. Folders of a process still running are left alone (on systems
    without POSIX signals, all are left alone).
    """
    if os.name != "posix" or not out.parent.is_dir():
        return
    for kind in ("partial", "old"):
        for path in out.parent.glob(f".{out.name}.{kind}-*-*"):
            pid = path.name[len(f".{out.name}.{kind}-") :].split("-", 1)[0]
            if pid.isdigit() and path.is_dir() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
