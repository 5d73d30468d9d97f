"""Worker processes for the landmark extraction, started before they are needed.

Starting a worker costs about a second of one core (a new Python, numpy, OpenCV, PyAV and
MediaPipe imported, two MediaPipe graphs built), a quarter of the whole wait for a 24 s clip.
``review analyse`` and ``review compare`` start them first (``started``), so that they get
ready while the command itself loads its modules, probes the recording and checks the results
folder, and ``review compare`` uses the same ones for both recordings. Without a pool started
here, ``review.landmarks.pipeline`` starts its own for each recording, as a library call does.

This module imports nothing heavy: it must be quick to reach from the command line.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import types
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from review import interrupts

_active: list[Workers] = []


def default_count() -> int:
    """One worker process per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _initialise(counter: Any, parent: int) -> None:
    # Ctrl-C in a terminal reaches every process of the group: the caller stops the workers
    # itself (``Workers.kill``), and a worker interrupted while importing would print a
    # traceback. SIGINT was blocked when the process started (``starting``): ignore it, then
    # let signals in again.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    from review.landmarks import pipeline

    pipeline.init_worker(counter, parent)


def _ready() -> None:
    """A first task, so that every process starts (and builds its graphs) at once."""


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT held back in this thread, so that processes started inside begin with it held."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Worker processes start without running the caller's own script again.

    Workers are started with "spawn" (the one start method safe with MediaPipe's threads on
    every system). Spawn normally imports the caller's ``__main__`` in each new process, so a
    script that calls ``review.analyse`` at its top level, without an ``if __name__ ==
    "__main__":`` guard, would run again in every worker and fail ("bootstrapping phase").
    The workers need nothing from that script (their code is all in review), so while they
    are started ``__main__`` is an empty module; it is put back at once.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class Workers:
    """A pool of worker processes, each with its MediaPipe graphs, and a frame counter.

    Args:
        count: Processes (default: one per core).
        start_now: Start every process at once rather than as tasks arrive.

    """

    def __init__(self, count: int | None = None, start_now: bool = False) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.count = count or default_count()
        self.counter = ctx.Value("q", 0)
        self.pool = ProcessPoolExecutor(
            max_workers=self.count,
            mp_context=ctx,
            initializer=_initialise,
            initargs=(self.counter, os.getpid()),
        )
        if start_now:
            try:
                with self.starting():
                    for _ in range(self.count):
                        self.pool.submit(_ready)
            except BaseException:  # Ctrl-C while they start: none may outlive this process
                self.kill()
                raise

    @contextlib.contextmanager
    def starting(self) -> Iterator[None]:
        """Wrap the submitting of tasks in this: processes start as tasks are submitted.

        A stop signal that arrives meanwhile is raised only once the block ends
        (``interrupts.deferred``): raised part way through starting a process, it left that
        process unregistered (so never killed) and half-told what to run, and once this
        process had gone it printed "EOFError: Ran out of input" with a traceback (seen in a
        CI run of the Ctrl-C test).
        """
        with _main_module_hidden(), _sigint_blocked(), interrupts.deferred():
            yield

    def kill(self) -> None:
        """Stop the processes at once.

        Interrupted, they hold nothing worth saving, and one still starting up would otherwise
        print a traceback when its parent goes away.
        """
        # Every process this one started, not only those the pool has registered: the pool
        # adds a process to its list only after starting it.
        for process in multiprocessing.active_children():
            process.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Let the processes exit (closing MediaPipe, ~0.3 s) and wait for them.

        Not waiting saved those 0.3 s, but then the pool's manager thread closes its wake-up
        pipe while the interpreter's exit writes to it (CPython 3.11's ``_python_exit`` does
        not take the pool's lock): a fuzzed recording's run printed "OSError: [Errno 9] Bad
        file descriptor" with a traceback at exit, once in a CI run.
        """
        self.pool.shutdown(wait=True)


def active() -> Workers | None:
    """The pool started by ``started``, if one is running."""
    return _active[-1] if _active else None


@contextlib.contextmanager
def started(count: int | None = None) -> Iterator[Workers]:
    """Start a pool now, for the recordings analysed inside the block; stop it after."""
    workers = Workers(count, start_now=True)
    _active.append(workers)
    try:
        yield workers
    except BaseException:
        _active.remove(workers)
        workers.kill()
        raise
    _active.remove(workers)
    workers.close()
