"""From per-frame scores to per-frame states and events: hysteresis, minimum durations.

States are float arrays: 1.0 (habit present), 0.0 (absent), NaN (cannot be judged).
All functions are pure: arrays and times in, arrays or frozen dataclasses out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray

UNKNOWN = np.nan


@dataclass(frozen=True)
class Event:
    """A stretch of time in which a habit was shown.

    Attributes:
        habit: "poor_eye_contact", "slumped", "fidgeting" or "self_touch".
        start_s: Presentation time of the first frame of the stretch, seconds.
        end_s: Presentation time of the last frame of the stretch, seconds.

    """

    habit: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, str | float]:
        """JSON-ready form."""
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def hysteresis(score: NDArray[np.float64], on: float, off: float) -> NDArray[np.float64]:
    """Threshold a score with two levels so that noise near one level does not flicker.

    A frame turns the state on when ``score >= on`` and it stays on until ``score < off``.
    NaN scores give NaN states and reset the state to off.

    Args:
        score: (T,) float scores, NaN where unknown.
        on: Level to switch on.
        off: Level to switch off (``off <= on``).

    Returns:
        (T,) float states: 1.0, 0.0 or NaN.

    """
    if off > on:
        raise ValueError(f"hysteresis: expected off <= on, got off={off}, on={on}")
    out = np.full(len(score), np.nan)
    state = 0.0
    for i, s in enumerate(score):
        if np.isnan(s):
            state = 0.0
            continue
        if state == 0.0 and s >= on:
            state = 1.0
        elif state == 1.0 and s < off:
            state = 0.0
        out[i] = state
    return out


def runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Index runs where ``mask`` is true, as (first, last) inclusive pairs."""
    m = np.asarray(mask, dtype=bool).astype(np.int8)
    if m.size == 0:
        return []
    edges = np.diff(np.concatenate([[0], m, [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist()))


def spans(
    mask: NDArray[np.bool_], time_s: NDArray[np.float64], end_s: float
) -> list[tuple[float, float]]:
    """Time spans (start, end) covered by runs of True, each frame lasting to the next.

    The last frame lasts to ``end_s`` (the recording's playing end).
    """
    edges = np.append(np.asarray(time_s, dtype=np.float64), end_s)
    return [(float(edges[a]), float(edges[b + 1])) for a, b in runs(mask)]


def debounce(
    state: NDArray[np.float64], time_s: NDArray[np.float64], min_on_s: float, min_off_s: float
) -> NDArray[np.float64]:
    """Remove flickers: short "off" gaps inside a habit are filled, then short "on" runs dropped.

    Unknown frames (NaN) are kept unknown and split runs.

    Args:
        state: (T,) float states 1.0 / 0.0 / NaN.
        time_s: (T,) presentation times in seconds.
        min_on_s: An "on" run shorter than this becomes "off".
        min_off_s: An "off" gap shorter than this between two "on" runs becomes "on".

    Returns:
        (T,) float states.

    """
    out = np.array(state, dtype=float, copy=True)
    known = ~np.isnan(out)
    for first, last in runs(known & (out == 0.0)):
        inside = first > 0 and last < len(out) - 1
        if inside and out[first - 1] == 1.0 and out[last + 1] == 1.0:
            if span_s(time_s, first, last) < min_off_s:
                out[first : last + 1] = 1.0
    for first, last in runs(known & (out == 1.0)):
        if span_s(time_s, first, last) < min_on_s:
            out[first : last + 1] = 0.0
    return out


def span_s(time_s: NDArray[np.float64], first: int, last: int) -> float:
    """Time covered by frames first..last, counting the last frame's own duration."""
    if last + 1 < len(time_s):
        return float(time_s[last + 1] - time_s[first])
    step = float(np.median(np.diff(time_s))) if len(time_s) > 1 else 0.0
    return float(time_s[last] - time_s[first]) + step


def to_events(habit: str, state: NDArray[np.float64], time_s: NDArray[np.float64]) -> list[Event]:
    """Each run of "on" frames as an Event (start and end are frame times)."""
    return [
        Event(habit, float(time_s[first]), float(time_s[last]))
        for first, last in runs(np.nan_to_num(state, nan=0.0) == 1.0)
    ]


def frame_durations(time_s: NDArray[np.float64]) -> NDArray[np.float64]:
    """How long each frame is shown (s): the gap to the next frame; the last gets the median."""
    t = np.asarray(time_s, dtype=float)
    if len(t) == 0:
        return t
    if len(t) == 1:
        return np.ones(1)
    gaps = np.diff(t)
    return np.append(gaps, np.median(gaps))


def percent_of_known(state: NDArray[np.float64], time_s: NDArray[np.float64]) -> float | None:
    """Share (percent) of the judged time in which the state is on; None if nothing was judged.

    Frames are weighted by how long they are shown, so variable frame rate does not bias it.
    """
    known = ~np.isnan(state)
    if not known.any():
        return None
    weight = frame_durations(time_s)[known]
    return float(100.0 * np.sum(weight * (state[known] == 1.0)) / np.sum(weight))
