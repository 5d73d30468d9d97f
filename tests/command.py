"""Run the ``review`` command for a test: in this process, or as a process of its own.

``in_process`` runs the same click command as ``python -m review`` (``review.cli.main``, whose
``_Group`` turns errors into one line and an exit status) with click's CliRunner, and gives
back what a process would have shown: the exit status, stdout, and stderr with everything a
user would see there, namely what review wrote, what native code (FFmpeg, OpenCV) wrote
straight to file descriptor 2, the warnings Python shows by default, and the traceback of an
exception that escaped the command. It saves a Python start-up and the imports of numpy,
OpenCV, PyAV and matplotlib (1.5-2 s of CPU) per case. What only a real process can show
(signals, ``python -m review``'s own exit) is tested with ``subprocess``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

#: Warnings Python does not show by default (outside ``__main__``).
_HIDDEN_BY_DEFAULT = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


@dataclass
class Ran:
    """What a run of the command showed, as ``subprocess.CompletedProcess`` has it."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


@contextmanager
def _cwd(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _native_stderr() -> Iterator[list[str]]:
    """Collect what is written to file descriptor 2 itself (not through sys.stderr)."""
    got: list[str] = []
    with tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield got
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            got.append(sink.read().decode(errors="replace"))


def in_process(*args: object, cwd: Path | None = None) -> Ran:
    """``review ARGS`` run in this process (see the module's notes)."""
    from review.cli import main

    argv = [str(a) for a in args]
    with _cwd(cwd), _native_stderr() as native, warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()  # as a fresh interpreter has them, not pytest's
        for category in _HIDDEN_BY_DEFAULT:
            warnings.simplefilter("ignore", category)
        result = CliRunner().invoke(main, argv, prog_name="review")
    stderr = result.stderr
    stderr += "".join(
        warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught
    )
    stderr += native[0]
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))  # as Python prints it
    return Ran(argv, result.exit_code, result.stdout, stderr)


def as_process(*args: object, cwd: Path | None = None, timeout: float = 300):
    """``python -m review ARGS`` as a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "review", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )
