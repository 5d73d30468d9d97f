"""Writing a file so that it is never seen half-written: the one way review replaces a file.

The content goes to a new hidden file beside the target (same folder, so the final move is an
atomic rename on the same file system) and is moved onto the target only once complete; on
any error, or Ctrl-C, the temporary file is removed and the target is left as it was.
(Whole results folders are staged the same way by ``review.storing.folders``.)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def temporary_beside(target: str | os.PathLike[str]) -> Path:
    """Create a new empty hidden file beside ``target`` (same suffix, usual permissions).

    The suffix is kept so that writers which choose a format by extension still can.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    while True:
        tmp = folder / f".{target.stem}.{secrets.token_hex(4)}.part{target.suffix}"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp


class replacing:  # noqa: N801 - used like a function, as contextlib's are
    """A temporary path to write; moved onto ``target`` when the ``with`` block ends cleanly.

    The temporary file is created at once (so a folder that cannot be written fails here,
    before any work), and removed if the block raises.

    Example:
        >>> with replacing("report.html") as tmp:  # doctest: +SKIP
        ...     tmp.write_text(html)

    """

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = Path(target)
        self.tmp = temporary_beside(self.target)

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            try:
                os.replace(self.tmp, self.target)
                return
            except BaseException:
                self.tmp.unlink(missing_ok=True)
                raise
        self.tmp.unlink(missing_ok=True)


def write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with replacing(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with replacing(target) as tmp:
        tmp.write_bytes(data)
