"""Landmarks of a whole recording, fast: sampled frames, chunks, both cores.

Four measured choices make a 2-minute answer take well under a minute on two cores:

- **Sampling.** MediaPipe runs on about ``SAMPLE_HZ`` frames a second, and on every frame
  for ``DENSE_S`` seconds whenever the head has turned back twice within ``REVERSAL_S``
  (each time after moving at least ``MIN_STEP`` face widths): posture, gaze and slow rocking
  are followed well at 10 Hz, fast small oscillation is not (at 10 Hz a 3 Hz bounce of 2 % of
  the frame height lost a third of its swings). The frames in between get landmarks
  interpolated linearly from the two analysed frames around them (NaN when either is NaN, so
  nothing is invented across a gap).
- **Chunks.** The recording is cut into chunks of about ``CHUNK_S`` seconds of presentation
  time, each boundary moved to a key frame near it when there is one (decoding can start only
  at a key frame; a chunk starting elsewhere decodes frames it then throws away). MediaPipe's
  tracking restarts at each chunk. The chunks depend on the file only, not on how many
  processes run, so the result is the same with one process or several.
- **Processes.** Each chunk is decoded (seeking to it) and analysed by a worker process; the
  chunks are shared among ``workers`` processes (default: one per core), longest first so
  that the short ones even out the end, and the glance at a few frames (review.glance) comes
  last. No frame crosses between processes, so memory stays flat whatever the length of the
  recording.
- **Only what is analysed is converted.** A decoded frame becomes an RGB array only if
  MediaPipe is to see it (converting costs about as much as decoding), and the decoder runs
  on one thread (MediaPipe already keeps each core busy).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import types
import warnings
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypedDict

import numpy as np
from numpy.typing import NDArray

from review import glance, video
from review.geometry import head_point
from review.landmarks import (
    FACE_BOX_COLUMN as _FACE_BOX_COLUMN,
)
from review.landmarks import (
    MAX_INFERENCE_SIDE,
    ROW_SIZE,
    LandmarkExtractor,
    Landmarks,
    quiet_native_stderr,
)

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

#: Frames analysed per second of video (the rest are interpolated). None: every frame.
SAMPLE_HZ: float | None = 7.5
#: Two head reversals within this many seconds mean a fast oscillation (above about 1 Hz) ...
REVERSAL_S = 0.5
#: ... counting only steps between analysed frames of at least this many face widths ...
MIN_STEP = 0.03
#: ... and then every frame is analysed for this many seconds.
DENSE_S = 0.5
#: A face narrower than this share of the frame's longer side is followed on every frame
#: (classroom.gif, 19 px faces in 480 px: found on 42 % of frames sampled, 64 % of all) ...
SMALL_FACE = 0.08
#: ... and after the face is lost, every frame is analysed for this long to find it again.
LOST_DENSE_S = 1.0
#: Length of a chunk (seconds of presentation time); tracking restarts at each.
CHUNK_S = 6.0
#: A frame on which the tracked face was lost is given to MediaPipe again this much later
#: on its clock (so that it detects the person afresh on it).
RETRY_S = 1e-3


@dataclass(frozen=True)
class Chunk:
    """A stretch of the recording analysed in one go: frames with start_s <= time < end_s."""

    start_s: float
    end_s: float


@dataclass(frozen=True)
class ChunkResult:
    """Landmarks of one chunk.

    Attributes:
        time_s: (N,) times of every frame of the chunk.
        rows: (N, ROW_SIZE) float32 landmark rows; NaN rows for frames not analysed.
        analysed: (N,) bool, MediaPipe ran on the frame.
        warning: A decoding warning to pass on, or "".

    """

    time_s: NDArray[np.float64]
    rows: NDArray[np.float32]
    analysed: NDArray[np.bool_]
    warning: str = ""


def plan_chunks(
    duration_s: float, chunk_s: float = CHUNK_S, keyframes_s: NDArray[np.float64] | None = None
) -> list[Chunk]:
    """Chunks of about ``chunk_s`` covering the recording (one open-ended if its length is unknown).

    A boundary moves to the key frame nearest it within half a chunk, if there is one, so that
    the chunk after it starts decoding where it starts keeping frames: otherwise it decodes
    from the key frame before (up to 8 s of frames at x264's default spacing) and throws that
    away. Chunks stay at least half a chunk long.
    """
    if not math.isfinite(duration_s) or duration_s <= chunk_s:
        return [Chunk(0.0, math.inf)]
    keys = np.zeros(0) if keyframes_s is None else np.asarray(keyframes_s, dtype=float)
    n = math.ceil(duration_s / chunk_s)
    starts = [0.0]
    for k in range(1, n):
        target = k * chunk_s
        lo = max(target, starts[-1] + chunk_s) - chunk_s / 2
        hi = min(target + chunk_s / 2, duration_s - chunk_s / 2)
        near = keys[(keys >= lo) & (keys <= hi)]
        starts.append(float(near[np.argmin(np.abs(near - target))]) if len(near) else target)
    return [Chunk(s, starts[k + 1] if k + 1 < n else math.inf) for k, s in enumerate(starts)]


class Sampler:
    """Decides, frame by frame, which frames to analyse.

    About ``sample_hz`` frames a second are taken (a frame once a period, less a quarter of
    a frame gap, has passed since the last one taken: at 30 fps and 10 Hz, every third); every
    frame while the head oscillates fast, while the face is small in the frame (a wide shot:
    MediaPipe tracks a small face only frame by frame) and for a moment after the face is lost
    (see ``observe``). None takes every frame. ``frame_side``: the frame's longer side in the
    pixels of the face widths observed.
    """

    def __init__(self, sample_hz: float | None, fps: float, frame_side: float = 0.0) -> None:
        gap = 1.0 / fps if fps and math.isfinite(fps) and fps > 0 else 0.0
        self.frame_side = frame_side
        self._had_face = False
        self.period = None if sample_hz is None else 1.0 / sample_hz - gap / 4
        self.last = -math.inf
        self.dense_until = -math.inf
        self._head: NDArray[np.float64] | None = None  # head position at the last analysed frame
        self._step: NDArray[np.float64] | None = None  # the last step of at least MIN_STEP
        self._reversals: list[float] = []
        self._observed = -math.inf  # time of the last frame observed

    def take(self, time_s: float) -> bool:
        """Whether to analyse the frame at ``time_s`` (times must increase)."""
        due = self.period is None or time_s - self.last >= self.period
        if not (due or time_s <= self.dense_until):
            return False
        self.last = time_s
        return True

    def observe(self, time_s: float, head_xy: NDArray[np.float64], face_width: float) -> None:
        """Report the head position (pixels) found in an analysed frame, NaN if none.

        Steps are measured over one sampling period even while every frame is analysed, so
        an oscillation keeps looking the same once the sampling has become dense.
        """
        found = bool(np.all(np.isfinite(head_xy)) and face_width > 0)
        if found and face_width < SMALL_FACE * self.frame_side:
            self.dense_until = max(self.dense_until, time_s + DENSE_S)  # hard to track sparsely
        elif not found and self._had_face:
            self.dense_until = max(self.dense_until, time_s + LOST_DENSE_S)  # find it again
        self._had_face = found
        if self.period is not None and time_s - self._observed < self.period:
            return
        self._observed = time_s
        if not found:
            self._head, self._step = None, None
            return
        if self._head is not None:
            step = (head_xy - self._head) / face_width
            if float(np.hypot(*step)) >= MIN_STEP:
                if self._step is not None and float(np.dot(step, self._step)) < 0:
                    self._reversals = [t for t in self._reversals if time_s - t <= REVERSAL_S]
                    self._reversals.append(time_s)
                    if len(self._reversals) >= 2:
                        self.dense_until = time_s + DENSE_S
                self._step = step
        self._head = head_xy


def _head_and_face_width(
    row: NDArray[np.float32], frame_size: tuple[int, int]
) -> tuple[NDArray[np.float64], float]:
    lm = Landmarks.from_flat(np.zeros(1), row[None, :], frame_size)
    width = float((lm.face_box[0, 2] - lm.face_box[0, 0]) * frame_size[0])
    return head_point(lm)[0], width


def interpolate_rows(
    time_s: NDArray[np.float64], rows: NDArray[np.floating[Any]], analysed: NDArray[np.bool_]
) -> NDArray[np.float32]:
    """Fill frames not analysed by linear interpolation in time between analysed neighbours.

    A frame before the first or after the last analysed frame, or between two analysed frames
    of which either value is NaN, stays NaN.

    Args:
        time_s: (N,) frame times.
        rows: (N, R) values; rows of frames not analysed are ignored.
        analysed: (N,) bool.

    Returns:
        (N, R) float32.

    """
    out = np.array(rows, dtype=np.float32, copy=True)
    idx = np.flatnonzero(analysed)
    todo = np.flatnonzero(~analysed)
    out[todo] = np.nan
    if len(idx) < 2 or len(todo) == 0:
        return out
    pos = np.searchsorted(idx, todo)
    inside = (pos > 0) & (pos < len(idx))
    todo, pos = todo[inside], pos[inside]
    left, right = idx[pos - 1], idx[pos]
    w = ((time_s[todo] - time_s[left]) / (time_s[right] - time_s[left]))[:, None]
    out[todo] = (1 - w) * rows[left] + w * rows[right]
    return out


def extract_chunk(
    path: str,
    info: video.VideoInfo,
    chunk: Chunk,
    sample_hz: float | None,
    extractor: LandmarkExtractor,
    tick: Callable[[], None] | None = None,
) -> ChunkResult:
    """Decode one chunk and run MediaPipe on its sampled frames (tracking starts afresh).

    The decision to analyse a frame needs the next frame's time only for the last frame, so
    one frame is held back: the chunk is streamed, never held in memory. Only the frames
    analysed are turned into arrays, and the decoder runs on one thread: MediaPipe keeps a
    core busy, so decoding threads would only compete with it (and with the other workers).
    """
    extractor.reset()
    times: list[float] = []
    rows: list[NDArray[np.float32]] = []
    analysed: list[bool] = []
    nan_row = np.full(ROW_SIZE, np.nan, dtype=np.float32)
    sampler = Sampler(sample_hz, info.fps, float(max(info.width, info.height)))
    size = (info.width, info.height)

    had_face = [False]

    def landmarks_of(frame: video.DecodedFrame) -> NDArray[np.float32]:
        image = frame.array(MAX_INFERENCE_SIDE, rgb=True)
        if image is None:  # decoded but unusable: the frame stays, unjudged
            return nan_row
        t = frame.time_s - chunk.start_s + 1.0
        row = extractor.row_rgb(image, t)
        if had_face[0] and np.isnan(row[_FACE_BOX_COLUMN]):
            # Lost: MediaPipe tracks from where the person was in the frame it saw last,
            # which with sampling is a few frames back; it finds them again by detecting
            # afresh, which it does on the next frame it is given: give it this one again.
            row = extractor.row_rgb(image, t + RETRY_S)
        had_face[0] = not np.isnan(row[_FACE_BOX_COLUMN])
        return row

    held: video.DecodedFrame | None = None  # the latest frame not analysed, if it is the last
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", video.DecodeWarning)
        for frame in video.decoded_frames(path, info, chunk.start_s, chunk.end_s, threads=1):
            take = sampler.take(frame.time_s)
            times.append(frame.time_s)
            if take:
                rows.append(landmarks_of(frame))
                sampler.observe(frame.time_s, *_head_and_face_width(rows[-1], size))
                held = None
            else:
                rows.append(nan_row)
                held = frame
            analysed.append(take)
            if tick is not None:
                tick()
        if held is not None:  # always analyse the chunk's last frame
            rows[-1] = landmarks_of(held)
            analysed[-1] = True
    warning = "; ".join(str(w.message) for w in caught if w.category is video.DecodeWarning)
    return ChunkResult(
        time_s=np.asarray(times, dtype=np.float64),
        rows=np.asarray(rows, dtype=np.float32).reshape(len(rows), ROW_SIZE),
        analysed=np.asarray(analysed, dtype=bool),
        warning=warning,
    )


# Worker processes ---------------------------------------------------------------------------


class _WorkerState(TypedDict, total=False):
    """What a worker process keeps for its life (set by ``_init_worker``)."""

    extractor: LandmarkExtractor
    counter: Synchronized[int]
    quiet: contextlib.AbstractContextManager[None]


_worker: _WorkerState = {}


def _exit_with_parent(parent: int) -> None:
    """End this worker when the process that started it is gone (e.g. killed with SIGKILL)."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _init_worker(counter: Synchronized[int], parent: int) -> None:
    _exit_with_parent(parent)
    quiet = quiet_native_stderr()
    quiet.__enter__()  # for the life of the worker: MediaPipe's native logs stay quiet
    extractor = LandmarkExtractor().__enter__()
    _worker.update({"extractor": extractor, "counter": counter, "quiet": quiet})


def _tick_shared() -> None:
    counter = _worker["counter"]
    with counter.get_lock():
        counter.value += 1


def _run_chunk(
    path: str, info: video.VideoInfo, chunk: Chunk, sample_hz: float | None
) -> ChunkResult:
    return extract_chunk(path, info, chunk, sample_hz, _worker["extractor"], _tick_shared)


def default_workers() -> int:
    """One worker process per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def extract_landmarks(
    path: str | os.PathLike[str],
    info: video.VideoInfo | None = None,
    sample_hz: float | None = SAMPLE_HZ,
    workers: int | None = None,
    chunk_s: float = CHUNK_S,
    on_frames: Callable[[int], None] | None = None,
) -> Landmarks:
    """Landmarks of every frame of a recording (see the module's notes).

    Args:
        path: The video file.
        info: Its VideoInfo, to skip probing again.
        sample_hz: Frames analysed per second; None analyses every frame.
        workers: Processes to use; default one per core. With one, no process is started.
        chunk_s: Chunk length in seconds (results depend on it, not on ``workers``).
        on_frames: Called with the number of frames done so far (for progress bars).

    Returns:
        Landmarks with one row per decoded frame.

    """
    return read_recording(path, info, sample_hz, workers, chunk_s, on_frames, False)[0]


def read_recording(
    path: str | os.PathLike[str],
    info: video.VideoInfo | None = None,
    sample_hz: float | None = SAMPLE_HZ,
    workers: int | None = None,
    chunk_s: float = CHUNK_S,
    on_frames: Callable[[int], None] | None = None,
    with_glance: bool = True,
) -> tuple[Landmarks, glance.Glance | None]:
    """``extract_landmarks``, and a glance at a few frames (review.glance) in the same workers.

    The glance is the last task given to the worker processes, so it fills the time one of
    them would otherwise wait for the other to finish its last chunk. ``with_glance=False``
    skips it (the glance is then None).
    """
    path = os.fspath(path)
    info = info or video.probe(path)
    keyframes = video.keyframe_times(path, info) if math.isfinite(info.duration_s) else None
    chunks = plan_chunks(info.duration_s, chunk_s, keyframes)
    workers = min(workers or default_workers(), len(chunks))
    if workers <= 1:
        results = _extract_here(path, info, chunks, sample_hz, on_frames)
        look = glance.look(path, info) if with_glance else None
    else:
        results, look = _extract_in_processes(
            path, info, chunks, sample_hz, workers, on_frames, with_glance
        )
    for r in results:
        if r.warning:
            warnings.warn(r.warning, video.DecodeWarning, stacklevel=2)
    time_s = np.concatenate([r.time_s for r in results]) if results else np.zeros(0)
    rows = np.concatenate([r.rows for r in results]) if results else np.zeros((0, ROW_SIZE))
    analysed = np.concatenate([r.analysed for r in results]) if results else np.zeros(0, bool)
    rows = interpolate_rows(time_s, rows, analysed)
    return Landmarks.from_flat(time_s, rows, (info.width, info.height), analysed), look


def _extract_here(
    path: str,
    info: video.VideoInfo,
    chunks: list[Chunk],
    sample_hz: float | None,
    on_frames: Callable[[int], None] | None,
) -> list[ChunkResult]:
    done = [0]

    def tick() -> None:
        done[0] += 1
        if on_frames is not None:
            on_frames(done[0])

    with quiet_native_stderr(), LandmarkExtractor() as extractor:
        return [extract_chunk(path, info, c, sample_hz, extractor, tick) for c in chunks]


@contextlib.contextmanager
def _workers_start_clean() -> Iterator[None]:
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


def _extract_in_processes(
    path: str,
    info: video.VideoInfo,
    chunks: list[Chunk],
    sample_hz: float | None,
    workers: int,
    on_frames: Callable[[int], None] | None,
    with_glance: bool,
) -> tuple[list[ChunkResult], glance.Glance | None]:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    counter = ctx.Value("q", 0)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(counter, os.getpid()),
    )
    try:
        # Longest first, so that the short chunks even out the end (results keep time order).
        longest_first = sorted(chunks, key=lambda c: -(min(c.end_s, info.duration_s) - c.start_s))
        with _workers_start_clean():  # the processes start as tasks are submitted
            submitted = {
                c: pool.submit(_run_chunk, path, info, c, sample_hz) for c in longest_first
            }
            look = pool.submit(glance.look, path, info) if with_glance else None
        futures = [submitted[c] for c in chunks]
        pending: set[Future[Any]] = set(futures) | ({look} if look else set())
        while pending:
            _done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            if on_frames is not None:
                on_frames(counter.value)
        results = [f.result() for f in futures], look.result() if look else None
    except BaseException:
        # Interrupted: stop the workers at once. They hold nothing worth saving, and one
        # still starting up would otherwise print a traceback when its parent goes away.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    # The workers exit (closing MediaPipe, ~0.3 s) while the results are being judged.
    pool.shutdown(wait=False)
    return results
