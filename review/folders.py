"""Writing a results folder all at once: never half-written, never over someone's files.

Everything is written into a hidden temporary folder beside the target
(``.NAME.partial-PID-xxxx``) and moved into place at the end, so an interrupted run never
leaves a folder that looks complete. A target that already exists is replaced only if it is
empty or was written by the same kind of run (it holds all of that kind's marker files): it is
moved aside first and removed after, and put back if the move fails. Any other folder, and any
file, is refused, never deleted. Partial folders left by a killed run are removed by the next
write to the same place once their process is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from review.errors import InputError


def refusal(out: Path, markers: tuple[str, ...], kind: str) -> str | None:
    """Why ``out`` cannot take results, or None if it can.

    Args:
        out: The target folder.
        markers: Files that mark a folder written by this kind of run (which may be replaced).
        kind: What such a folder holds, for the message (e.g. "analysis").

    """
    if not out.exists():
        return None
    if not out.is_dir():
        return f"{out}: exists and is not a folder. Choose another output with -o."
    try:
        empty = not any(out.iterdir())
    except OSError as err:
        return f"{out}: cannot be read ({err.strerror}). Choose another output with -o."
    if empty or all((out / name).is_file() for name in markers):
        return None
    return (
        f"{out}: is a folder with other files in it, not an earlier {kind}; it is left "
        "alone. Choose another output with -o (a new or empty folder)."
    )


def write_folder(
    out: str | os.PathLike[str],
    write: Callable[[Path], None],
    markers: tuple[str, ...],
    kind: str,
) -> Path:
    """Write a results folder through ``write(tmp_dir)`` and move it into place.

    ``write`` should write the marker files last, so that a folder holding them is complete.

    Returns:
        The output folder.

    Raises:
        InputError: ``out`` is a file, or a folder with other files in it.

    """
    out = Path(out)
    reason = refusal(out, markers, kind)
    if reason:
        raise InputError(reason)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
    aside = None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the results are not
        write(tmp)
        if out.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
            os.replace(out, aside / out.name)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if aside is not None and (aside / out.name).exists() and not out.exists():
            os.replace(aside / out.name, out)  # put the earlier result back
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return out


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
