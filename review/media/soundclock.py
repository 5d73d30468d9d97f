"""Placing the microphone's samples on the video's clock (pure: numbers in, pieces out).

The recorder stamps every video frame with the clock time it was captured at (a live camera:
``time.monotonic()`` when the frame arrived; a file standing in: the frame's container time),
and the file's video time 0 is the first recorded frame's clock (the *origin*). The microphone
delivers blocks of samples; each block is stamped with the same clock when it arrives.

Sample ``i`` of the microphone (counted from its first sample) was captured at
``c0 + i / rate``, where ``c0`` is the clock of the first sample. A block cannot arrive before
its last sample was captured, so every block ending at sample ``n`` gives
``c0 <= arrival - n / rate``; the delays on the way (buffering, scheduling) only ever add to the
arrival. ``c0`` is therefore estimated as the lowest ``arrival - n / rate`` seen in the first
``settle_s`` seconds (the lower envelope): the block that was delivered quickest. Then sample
``i`` goes to the output (the file's audio track, at ``rate``) at index
``round((c0 - origin) * rate) + i``: samples from before the first frame are cut off, and a
microphone that started after the first frame starts its track that much later.

Two things move the microphone off the clock as the recording goes on, and both are corrected
in the same way: samples lost on the way (a busy machine) make every later block arrive late
for its place, and a sound card whose crystal runs slightly slower or faster than its nominal
rate (typically tens of parts per million: a few milliseconds in two minutes) makes the blocks
drift late or early. Each block's *residual* is ``arrival - (origin + end / rate)``, its
arrival minus the time its placed last sample claims; it is never below zero when the placing
is right. When it falls below ``-tolerance_s`` the samples are placed too late and the
overlap is dropped; when the lowest residual over the last ``window_s`` seconds is above
``+tolerance_s`` they are placed too early, and that much silence is put in before the block.
So the sound stays within ``tolerance_s`` (plus one block's arrival jitter) of the picture.

What cannot be seen from arrival times is the constant delay before the operating system hands
over a block (the converter and driver latency, typically a few milliseconds) and, likewise,
the camera's own delay from exposure to delivery; both are left as they are.

Constants: ``tolerance_s`` = 10 ms is a third of a frame at 30 frames/s (the requirement is
that a clap lines up within a frame); ``settle_s`` and ``window_s`` = 1 s hold about 50
blocks of 20 ms, enough for one of them to have come quickly. They were set from these
arguments and not tuned on any recording.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

TOLERANCE_S = 0.010
SETTLE_S = 1.0
WINDOW_S = 1.0


@dataclass(frozen=True)
class Piece:
    """Samples to write to the audio track.

    Attributes:
        start: Index of the first sample on the track (``start / rate`` seconds after the
            first video frame).
        samples: (n,) float32 samples, -1..1.

    """

    start: int
    samples: NDArray[np.float32]

    @property
    def end(self) -> int:
        """Index just after the last sample."""
        return self.start + len(self.samples)


class SoundPlacer:
    """Turns microphone blocks stamped with arrival clocks into contiguous track pieces.

    Feed ``add(samples, arrival_s)`` for every block in order and ``set_origin(clock)`` once
    the first video frame's clock is known; ``finish()`` at the end. Each returns the pieces
    ready to write, in order, each starting where the previous one ended (after the first).

    Attributes:
        rate: Samples per second.
        inserted_s: Silence put in for samples lost or a slow sound card, seconds.
        dropped_s: Samples dropped for a fast sound card, seconds.

    """

    def __init__(
        self,
        rate: int,
        tolerance_s: float = TOLERANCE_S,
        settle_s: float = SETTLE_S,
        window_s: float = WINDOW_S,
    ) -> None:
        self.rate = int(rate)
        self.tolerance_s = tolerance_s
        self.settle_s = settle_s
        self.window_s = window_s
        self.inserted_s = 0.0
        self.dropped_s = 0.0
        self._origin: float | None = None
        self._c0 = math.inf  # lowest arrival - count / rate so far
        self._first_arrival: float | None = None
        self._last_arrival = -math.inf
        self._count = 0  # microphone samples received
        self._pending: list[tuple[int, NDArray[np.float32]]] = []  # (first sample, samples)
        self._shift: int | None = None  # track index = microphone index + shift, once locked
        self._next: int | None = None  # track index of the next sample to write
        self._recent: deque[tuple[float, float]] = deque()  # (arrival, residual)

    @property
    def locked(self) -> bool:
        """Whether the first sample's clock has been fixed (pieces are coming out)."""
        return self._shift is not None

    def set_origin(self, clock_s: float) -> list[Piece]:
        """The clock of the first video frame (the track's time 0)."""
        self._origin = float(clock_s)
        return self._try_lock(final=False)

    def add(self, samples: NDArray[np.float32], arrival_s: float) -> list[Piece]:
        """One block from the microphone and the clock it arrived at."""
        block = np.asarray(samples, dtype=np.float32).reshape(-1)
        first = self._count
        self._count += len(block)
        if self._first_arrival is None:
            self._first_arrival = float(arrival_s)
        self._last_arrival = max(self._last_arrival, float(arrival_s))
        if self._shift is None:
            self._c0 = min(self._c0, float(arrival_s) - self._count / self.rate)
            self._pending.append((first, block))
            return self._try_lock(final=False)
        return self._place(first, block, float(arrival_s))

    def finish(self) -> list[Piece]:
        """The pieces still held (the recording has stopped)."""
        return self._try_lock(final=True)

    def _try_lock(self, final: bool) -> list[Piece]:
        if self._shift is not None or self._origin is None or not self._pending:
            return []
        assert self._first_arrival is not None
        if not final and self._last_arrival - self._first_arrival < self.settle_s:
            return []
        self._shift = int(round((self._c0 - self._origin) * self.rate))
        pending, self._pending = self._pending, []
        out: list[Piece] = []
        for first, block in pending:
            out.extend(self._cut(first + self._shift, block))
        return out

    def _cut(self, start: int, block: NDArray[np.float32]) -> list[Piece]:
        """The part of a block at ``start`` not before time 0 nor before what was written."""
        floor = 0 if self._next is None else self._next
        if start < floor:
            block = block[floor - start :]
            start = floor
        if len(block) == 0:
            return []
        self._next = start + len(block)
        return [Piece(start, block)]

    def _place(self, first: int, block: NDArray[np.float32], arrival: float) -> list[Piece]:
        assert self._shift is not None and self._origin is not None
        end = first + len(block) + self._shift
        residual = arrival - (self._origin + end / self.rate)
        out: list[Piece] = []
        if residual < -self.tolerance_s:  # placed too late: move back, drop the overlap
            back = int(math.ceil(-residual * self.rate))
            self._shift -= back
            self._recent.clear()
            before = self._next
            out = self._cut(first + self._shift, block)
            if before is not None:
                written = len(out[0].samples) if out else 0
                self.dropped_s += (len(block) - written) / self.rate
            return out
        self._recent.append((arrival, residual))
        while self._recent and self._recent[0][0] < arrival - self.window_s:
            self._recent.popleft()
        span = arrival - self._recent[0][0]
        lowest = min(r for _, r in self._recent)
        if span >= self.window_s * 0.9 and lowest > self.tolerance_s:  # placed too early
            gap = int(round(lowest * self.rate))
            self._shift += gap
            self._recent.clear()
            if self._next is not None:
                silence = np.zeros(first + self._shift - self._next, dtype=np.float32)
                if len(silence):
                    out.extend(self._cut(self._next, silence))
                    self.inserted_s += len(silence) / self.rate
        out.extend(self._cut(first + self._shift, block))
        return out


def split_at(pieces: list[Piece], limit: int) -> tuple[list[Piece], list[Piece]]:
    """Pieces (in order) split into those before track index ``limit`` and the rest.

    The recorder writes sound only as far as the picture has come, and at the end cuts it
    where the video ends, so the sound never runs past the picture.
    """
    before: list[Piece] = []
    after: list[Piece] = []
    for piece in pieces:
        if piece.end <= limit:
            before.append(piece)
        elif piece.start >= limit:
            after.append(piece)
        else:
            k = limit - piece.start
            before.append(Piece(piece.start, piece.samples[:k]))
            after.append(Piece(limit, piece.samples[k:]))
    return before, after
