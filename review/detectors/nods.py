"""Head nods: short down-and-up swings of the head's pitch.

A nod (agreeing, encouraging, keeping time with one's own speech) moves the head down and
back up, or up and back down, by a few degrees within about a second. It is found in the
head's pitch (``review.detectors.gaze``: the face mesh's rigid points against the canonical
face, so the eyelids do not move it and a blink is never a nod) as two swings in opposite
directions, each at least ``MIN_SWING_DEG``, the head past half of the swing for at most
``MAX_DIP_S``, the head turning sideways by less than it nods (a head shake or a look aside
is not a nod), and the face travelling in the picture by at most ``MAX_TRAVEL`` face widths
over the two swings. A nod turns the head about the top of the neck and moves the face
little; rising or sinking in the chair, bouncing, swaying or walking carries the whole face
and changes the angle the camera sees it from, which the pitch reads as the head tipping
(man A sitting up at 10.4 and 12.1 s of ``headtrackr__capture4.mp4``: his face carried 0.46
and 0.64 face widths, pitch swings of 10 and 13 degrees). Looking down at notes and staying
there is one swing, not a nod; a slow return neither.

Swings are found with a turning-point filter: a turning point counts once the pitch has come
back from it by ``MIN_SWING_DEG``, so jitter of a degree (measured on still faces: 0.3-1.5
degrees frame to frame) never makes one.

No nod labels exist for the real clips (none of them nods clearly): the constants come from
studies of conversational nods (Hadar et al. 1985: nods of 5-20 degrees, a cycle 0.3-1 s
long) and from the head's proportions (``MAX_TRAVEL``), and are checked on synthetic head
movements (``tests/test_warmth.py``). On the dev clips the travel rule removed 9 of the 25
swings taken for nods before, all in clips of people walking, sitting up or moving the
camera (the crowd, man A at 320x240, the teacher, the car phone, a synthetic sink); the 16
kept include man D's two while he pulls faces (9-10 degrees, his face moving 0.13).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from review.detectors import headmotion

#: Each of a nod's two swings moves the head at least this far in pitch, degrees.
MIN_SWING_DEG = 4.0
#: The head stays past half of a nod's swing for at most this long, seconds (a nod's
#: cycle takes 0.3-1 s; looking down at notes and back takes longer).
MAX_DIP_S = 0.7
#: The face travels at most this far in the picture over a nod's two swings, face widths.
#: From the head's proportions, not fitted: the face's centre lies about 0.7 face widths from
#: the joint a nod turns about, so a 20-degree nod (the largest conversational ones) moves
#: it about 0.25 face widths.
MAX_TRAVEL = 0.3


def turning_points(values: NDArray[np.float64], min_swing: float) -> list[int]:
    """Indices of a signal's turning points: extremes it comes back from by ``min_swing``.

    NaN samples are skipped. The extreme before the first swing starts the list and the
    extreme after the last swing ends it (once the signal has swung at all).
    """
    known = np.flatnonzero(np.isfinite(values))
    if len(known) == 0:
        return []
    low = high = int(known[0])
    points: list[int] = []
    direction = 0  # +1 rising, -1 falling, 0 no swing yet
    extreme = low
    for i in known[1:]:
        v = values[i]
        if direction == 0:
            low = int(i) if v < values[low] else low
            high = int(i) if v > values[high] else high
            if v - values[low] >= min_swing:
                points, direction, extreme = [low], 1, int(i)
            elif values[high] - v >= min_swing:
                points, direction, extreme = [high], -1, int(i)
        elif direction * (v - values[extreme]) > 0:
            extreme = int(i)
        elif direction * (values[extreme] - v) >= min_swing:
            points.append(extreme)
            direction, extreme = -direction, int(i)
    if direction != 0:
        points.append(extreme)
    return points


def _dip(pitch: NDArray[np.float64], a: int, b: int, c: int) -> tuple[int, int]:
    """(first, last) frames around turning point b past half of the swings from a and to c."""
    first = b
    half_in = (pitch[a] + pitch[b]) / 2
    while first > a and (pitch[first - 1] - half_in) * (pitch[b] - half_in) > 0:
        first -= 1
    last = b
    half_out = (pitch[b] + pitch[c]) / 2
    while last < c and (pitch[last + 1] - half_out) * (pitch[b] - half_out) > 0:
        last += 1
    return first, last


def nod_spans(
    pitch_deg: NDArray[np.float64],
    yaw_deg: NDArray[np.float64],
    time_s: NDArray[np.float64],
    centre_px: NDArray[np.float64] | None = None,
    width_px: NDArray[np.float64] | None = None,
) -> list[tuple[int, int]]:
    """Each nod as (first, last) frame indices: the frames past half of its swing.

    Args:
        pitch_deg: (T,) head pitch, degrees (NaN: no face).
        yaw_deg: (T,) head yaw, degrees.
        time_s: (T,) times, seconds.
        centre_px: (T, 2) the face's centre in the picture, pixels; with ``width_px``, a
            swing during which the face travels more than ``MAX_TRAVEL`` is not a nod
            (None: not checked).
        width_px: (T,) the face's width, pixels.

    """
    pitch = np.asarray(pitch_deg, dtype=float)
    yaw = np.asarray(yaw_deg, dtype=float)
    points = turning_points(pitch, MIN_SWING_DEG)
    spans: list[tuple[int, int]] = []
    for a, b, c in zip(points, points[1:], points[2:]):
        if not np.isfinite(pitch[a : c + 1]).all():
            continue
        swing = min(abs(pitch[b] - pitch[a]), abs(pitch[c] - pitch[b]))
        first, last = _dip(pitch, a, b, c)
        window = yaw[first : last + 1]
        turn = float(np.nanmax(window) - np.nanmin(window)) if np.isfinite(window).any() else 0.0
        quick = time_s[last] - time_s[first] <= MAX_DIP_S
        carried = (
            centre_px is not None
            and width_px is not None
            and headmotion.travel(centre_px, width_px, a, c) > MAX_TRAVEL
        )
        if swing >= MIN_SWING_DEG and quick and turn < swing and not carried:
            spans.append((first, last))
    return spans


def nodding(
    pitch_deg: NDArray[np.float64],
    yaw_deg: NDArray[np.float64],
    time_s: NDArray[np.float64],
    centre_px: NDArray[np.float64] | None = None,
    width_px: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """(T,) 1.0 during a nod, 0.0 not, NaN where the head's pose is unknown (see ``nod_spans``)."""
    out = np.where(np.isfinite(np.asarray(pitch_deg, dtype=float)), 0.0, np.nan)
    for first, last in nod_spans(pitch_deg, yaw_deg, time_s, centre_px, width_px):
        out[first : last + 1] = 1.0
    return out


def nod_count(state: NDArray[np.float64]) -> int:
    """How many nods a ``nodding`` column holds (its runs of 1.0)."""
    from review.detectors.events import runs

    return len(runs(np.nan_to_num(state) == 1.0))
