"""Stopping a run cleanly: Ctrl-C, ``kill`` and a closed terminal reach the main thread only.

Measured on ``review analyse`` with its worker processes (review.landmarks.pipeline): a terminal
sends Ctrl-C's SIGINT to every process of the job, and a worker still starting up then printed a
KeyboardInterrupt traceback; SIGTERM (``kill``) ended the main process at once, leaving its
two workers running on and the hidden temporary folder behind; SIGHUP made multiprocessing's
resource tracker print tracebacks.

So, inside ``stop_cleanly()``, these signals are blocked in the main process before any
helper process starts. Helpers inherit the blocked mask and never see them; the main process
shuts them down as it unwinds. (multiprocessing unblocks SIGINT and SIGTERM in the parent
right after it starts its resource tracker, on the first pool; so the tracker is started
here first, with the mask set, and the mask set again after it.)

A watcher thread waits for the signals and re-raises each in the main thread as Python's own
handling would (``_thread.interrupt_main``): SIGINT runs the current SIGINT handler
(KeyboardInterrupt, or e.g. ``review record``'s "stop recording"), SIGTERM and SIGHUP raise
``Interrupted``, a KeyboardInterrupt, so the usual clean-up runs.
"""

from __future__ import annotations

import _thread
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

#: Set once a run's result is in place: from then on a stop signal is held, not raised, so
#: the run finishes (history, summary) and succeeds. ``held`` is the signal that arrived.
_after_commit: dict[str, object] = {"holding": False, "held": None, "what": ""}


_watching = {"on": False}


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Inside ``stop_cleanly``, hold a stop signal until the block ends, then raise it.

    For work that an exception raised part way would garble rather than stop: importing
    numpy, OpenCV or MediaPipe (their import code catches an interrupt and turns it into an
    ImportError, or prints it and goes on). Outside ``stop_cleanly`` it does nothing.
    """
    if not _watching["on"] or _after_commit["holding"]:
        yield
        return
    _after_commit["holding"] = True
    try:
        yield
    finally:
        _after_commit["holding"] = False
        held, _after_commit["held"] = _after_commit["held"], None
    if held is not None:
        raise Interrupted(int(held))  # type: ignore[call-overload]


def results_saved(what: str) -> None:
    """The run's result is in place: stop signals from now on are held until it ends."""
    _after_commit.update(holding=True, what=what)


def held_signal() -> tuple[int | None, str]:
    """The stop signal that arrived after ``results_saved`` (or None), and what was saved."""
    return _after_commit["held"], str(_after_commit["what"])  # type: ignore[return-value]


class Interrupted(KeyboardInterrupt):
    """A run stopped by a signal; ``signal`` is its number (exit status 128 + it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signal = signum


def _raise(signum: int, frame: object) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_cleanly() -> Iterator[None]:
    """Inside the block, stop signals raise in the main thread and never reach helpers.

    Does nothing outside the main thread or where POSIX signal masks do not exist (Windows,
    where Ctrl-C already goes to the console's processes as KeyboardInterrupt).
    """
    if (
        not hasattr(signal, "pthread_sigmask")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    wake = signal.SIGUSR2  # sent to the watcher alone, to end it
    previous = {s: signal.signal(s, _raise) for s in (signal.SIGTERM, signal.SIGHUP)}
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, stops | {wake})
    _start_resource_tracker()
    signal.pthread_sigmask(signal.SIG_BLOCK, stops | {wake})

    def watch() -> None:
        while True:
            signum = signal.sigwait(stops | {wake})
            if signum == wake:
                return
            if _after_commit["holding"]:
                _after_commit["held"] = signum
                continue
            if sys.version_info >= (3, 10):
                _thread.interrupt_main(signum)
            else:  # pragma: no cover - Python 3.9 can only simulate SIGINT
                _thread.interrupt_main()

    watcher = threading.Thread(target=watch, name="review-stop-signals", daemon=True)
    watcher.start()
    _after_commit.update(holding=False, held=None, what="")
    _watching["on"] = True
    try:
        yield
    finally:
        _watching["on"] = False
        signal.pthread_kill(watcher.ident, wake)  # type: ignore[arg-type]
        watcher.join(timeout=5)
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        _after_commit["holding"] = False


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now (see the module's notes); best effort."""
    try:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    except (ImportError, OSError, AttributeError):  # pragma: no cover - no tracker here
        pass
