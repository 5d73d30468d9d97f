"""Warmth: a face that smiles, moves and nods, and the long stretches where it stays blank.

Interviewers read a candidate who never smiles and whose face does not move as cold or
aloof; smiles and nods are among what best predicts how candidates are rated (Naim et al.
2015; Hoque et al. 2013). Three measures, all from the face mesh, all "cannot judge" (NaN)
where the face is not seen:

- **smiling** (``review.detectors.smile``): the mouth corners out and up against the person's own
  neutral face. Its share of the judged time is the ``smiling_pct`` figure.
- **expressiveness**: how much the face's shape changes, with the head's pose taken out
  (``review.detectors.faceshape``): the mouth's width, its corners' height, the jaw (the chin's
  height: speech moves it) and the eyes' opening (blinks filtered out). At each frame, the
  range of each over the ``WINDOW_S`` around it, against a threshold per measure. Talking
  moves the jaw and the mouth, so a face that is speaking is not blank; what stays blank is
  a face frozen while listening, pausing or reading.
- **nods** (``review.detectors.nods``): short down-and-up swings of the head.

The habit's per-frame column is ``warmth``: 1.0 where the face is warm or alive (smiling,
moving or nodding, or only briefly still), 0.0 inside a **blank stretch**: at least
``BLANK_MIN_S`` in which the face neither smiles, nor changes shape, nor nods. Its figure,
``warmth_pct``, is the share of the judged time that was not blank (higher is better, like
eye contact); the events are the blank stretches (``blank_face``). The report's card adds
the smiling share, the number of smiles and of nods, and the longest blank stretch.

Constants chosen on the tuning people's clips (man A, man D, woman F, man H), see below; the
rest are held out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from review.detectors import events, nods, smile
from review.detectors.faceshape import FaceShape

#: Expression is measured over a window this long around each frame, seconds.
WINDOW_S = 2.0
#: A measure changes when its range over the window reaches this (canonical cm for the
#: mouth and chin; eye opening over eye width for the eyes) ... Chosen on the tuning people:
#: about the 90th percentile of man A's ranges on his labelled blank stretches (a 400x300
#: webcam, the smallest tuning face: 0.44, 0.38, 0.64 and 0.05).
MOUTH_WIDTH_RANGE_CM = 0.5
CORNER_RANGE_CM = 0.4
CHIN_RANGE_CM = 0.7
EYE_RANGE = 0.08
#: ... or ``NOISE_TIMES`` the range the measure has in the session's stillest tenth of the
#: time (``NOISE_PERCENTILE``), if that is more: a small or blurred face jitters more, and
#: jitter is not expression (as the fidgeting detector's noise floor, ``review.detectors.fidget``).
NOISE_PERCENTILE = 10.0
NOISE_TIMES = 2.0
#: ... but never more than this many times the fixed threshold: a face that moves all the
#: time (talking throughout) has no still tenth, and its movement is not noise.
MAX_NOISE_SHARE = 1.5
#: The eyes' opening is filtered with a running median this long first, so blinks (0.1-0.4 s)
#: do not count as expression.
EYE_FILTER_S = 0.5
#: A face still, unsmiling and not nodding for at least this long is a blank stretch.
BLANK_MIN_S = 5.0


@dataclass(frozen=True)
class WarmthMeasures:
    """Per-frame warmth measures (NaN where no face).

    Attributes:
        smile_score: (T,) ``review.detectors.smile.smile_score``.
        smiling: (T,) 1.0 smiling, 0.0 not.
        expression: (T,) the largest of the face measures' ranges over the window, each
            divided by its threshold (1.0 or more: the face changes).
        nodding: (T,) 1.0 during a nod, 0.0 not.
        blank_s: (T,) how long the face has been blank by this frame, seconds (0 outside
            blank stretches).
        warmth: (T,) the habit's state: 1.0 warm, 0.0 in a blank stretch.

    """

    smile_score: NDArray[np.float64]
    smiling: NDArray[np.float64]
    expression: NDArray[np.float64]
    nodding: NDArray[np.float64]
    blank_s: NDArray[np.float64]
    warmth: NDArray[np.float64]


def _frames(seconds: float, time_s: NDArray[np.float64]) -> int:
    """Frames spanning about ``seconds`` at the recording's median frame interval (odd, >= 1)."""
    if len(time_s) < 2:
        return 1
    step = float(np.median(np.diff(time_s)))
    n = int(round(seconds / step)) if step > 0 else 1
    return max(1, n | 1)


def _sliding(values: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """(T, n) the values in a window of n frames centred on each frame, NaN-padded."""
    half = n // 2
    padded = np.concatenate([np.full(half, np.nan), values, np.full(half, np.nan)])
    windows: NDArray[np.float64] = np.lib.stride_tricks.sliding_window_view(padded, n)
    return windows


def running_median(values: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """(T,) median over a centred window of n frames, ignoring NaN (NaN stays NaN)."""
    values = np.asarray(values, dtype=float)
    if n <= 1 or len(values) == 0:
        return values.copy()
    windows = _sliding(values, n)
    out = np.full(len(values), np.nan)
    known = np.isfinite(values)
    with np.errstate(all="ignore"):
        out[known] = np.nanmedian(windows[known], axis=1)
    return out


def window_range(values: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """(T,) max minus min over a centred window of n frames, ignoring NaN (NaN stays NaN)."""
    values = np.asarray(values, dtype=float)
    out = np.full(len(values), np.nan)
    if len(values) == 0:
        return out
    windows = _sliding(values, n)
    known = np.isfinite(values)
    out[known] = np.nanmax(windows[known], axis=1) - np.nanmin(windows[known], axis=1)
    return out


def expression(
    shape: FaceShape, openness: NDArray[np.float64], time_s: NDArray[np.float64]
) -> NDArray[np.float64]:
    """(T,) how much the face changes around each frame, in thresholds (NaN: no face)."""
    n = _frames(WINDOW_S, time_s)
    eyes = running_median(np.asarray(openness, dtype=float), _frames(EYE_FILTER_S, time_s))
    measures = [
        (shape.mouth_width, MOUTH_WIDTH_RANGE_CM),
        (np.mean(shape.corner_y, axis=1), CORNER_RANGE_CM),
        (shape.chin_y, CHIN_RANGE_CM),
        (eyes, EYE_RANGE),
    ]
    parts = []
    for values, least in measures:
        ranges = window_range(values, n)
        known = np.isfinite(ranges)
        floor = float(np.percentile(ranges[known], NOISE_PERCENTILE)) if known.any() else 0.0
        parts.append(ranges / min(max(least, NOISE_TIMES * floor), MAX_NOISE_SHARE * least))
    stacked = np.stack(parts, axis=1)
    out = np.full(len(time_s), np.nan)
    known = np.isfinite(stacked[:, :3]).all(axis=1)
    out[known] = np.nanmax(stacked[known], axis=1)
    return out


def blank_stretches(
    still: NDArray[np.float64], time_s: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The warmth state and the blank time from a per-frame "face still" state.

    Args:
        still: (T,) 1.0 the face is still, unsmiling and not nodding; 0.0 not; NaN unknown.
        time_s: (T,) times, seconds.

    Returns:
        (warmth (T,): 0.0 inside runs of still frames lasting at least BLANK_MIN_S, 1.0
        elsewhere, NaN where unknown; blank_s (T,): seconds since such a run began, 0
        elsewhere, NaN where unknown).

    """
    still = np.asarray(still, dtype=float)
    warmth = np.where(np.isnan(still), np.nan, 1.0)
    blank_s = np.where(np.isnan(still), np.nan, 0.0)
    for first, last in events.runs(still == 1.0):
        if events.span_s(time_s, first, last) >= BLANK_MIN_S:
            warmth[first : last + 1] = 0.0
            blank_s[first : last + 1] = time_s[first : last + 1] - time_s[first]
    return warmth, blank_s


def warmth_measures(
    shape: FaceShape,
    openness: NDArray[np.float64],
    pitch_deg: NDArray[np.float64],
    yaw_deg: NDArray[np.float64],
    time_s: NDArray[np.float64],
    judged: NDArray[np.bool_],
    centre_px: NDArray[np.float64] | None = None,
    width_px: NDArray[np.float64] | None = None,
) -> WarmthMeasures:
    """Smiles, expression, nods, blank stretches and the warmth state of a session.

    Args:
        shape: The face's shape per frame (``review.detectors.faceshape.face_shape``).
        openness: (T,) eye opening over eye width (``review.detectors.gaze``).
        pitch_deg: (T,) head pitch, degrees.
        yaw_deg: (T,) head yaw, degrees.
        time_s: (T,) times, seconds.
        judged: (T,) bool, a person is in view (elsewhere everything is NaN).
        centre_px: (T, 2) the face's centre in the picture, pixels; with ``width_px``, a
            pitch swing that carries the whole face is not a nod (``review.detectors.nods``;
            None: not checked).
        width_px: (T,) the face's width, pixels.

    """
    t = np.asarray(time_s, dtype=float)
    face = judged & np.isfinite(shape.mouth_width)
    neutral = smile.neutral_face(_masked(shape, face), t)
    score = np.where(face, smile.smile_score(shape, neutral), np.nan)
    smiling = smile.smiling_state(score, t)
    moving = np.where(face, expression(shape, openness, t), np.nan)
    nodding = np.where(face, nods.nodding(pitch_deg, yaw_deg, t, centre_px, width_px), np.nan)
    known = face & np.isfinite(smiling) & np.isfinite(moving)
    still = np.where(
        known, ((smiling == 0.0) & (moving < 1.0) & (nodding != 1.0)).astype(float), np.nan
    )
    warmth, blank_s = blank_stretches(still, t)
    return WarmthMeasures(score, smiling, moving, nodding, blank_s, warmth)


def _masked(shape: FaceShape, keep: NDArray[np.bool_]) -> FaceShape:
    """The shape with frames outside ``keep`` set to NaN."""
    return FaceShape(
        mouth_width=np.where(keep, shape.mouth_width, np.nan),
        corner_y=np.where(keep[:, None], shape.corner_y, np.nan),
        chin_y=np.where(keep, shape.chin_y, np.nan),
        fit_error=np.where(keep, shape.fit_error, np.nan),
    )


def details(
    columns: dict[str, NDArray[np.float64]], time_s: NDArray[np.float64]
) -> dict[str, float | int | None]:
    """summary.json's ``warmth`` block, from a session's columns.

    Returns:
        ``smiling_pct`` (share of the time the face was seen with a smile), ``smiles`` and
        ``nods`` (how many), ``nods_per_min`` (per minute the face was seen) and
        ``longest_blank_s`` (0 when none); all None when the face was never seen or
        warmth's parts were not measured (a folder written by an older review).

    """
    keys = ("smiling_pct", "smiles", "nods", "nods_per_min", "longest_blank_s")
    if not {"smiling", "nodding", "blank_s"} <= set(columns):
        return dict.fromkeys(keys)
    smiling = columns["smiling"]
    if not np.isfinite(smiling).any():  # the face never seen, or not measured (older folder)
        return dict.fromkeys(keys)
    pct = events.percent_of_known(smiling, time_s)
    seen_s = float(np.sum(events.frame_durations(time_s)[np.isfinite(smiling)]))
    count = nods.nod_count(columns["nodding"])
    blank = columns["blank_s"]
    return {
        "smiling_pct": None if pct is None else round(pct, 1),
        "smiles": len(events.runs(np.nan_to_num(smiling) == 1.0)),
        "nods": count,
        "nods_per_min": round(60.0 * count / seen_s, 2) if seen_s > 0 else None,
        "longest_blank_s": round(float(np.nanmax(blank)), 2) if np.isfinite(blank).any() else 0.0,
    }
