"""Fidgeting: repetitive, restless movement (rocking, swaying, bouncing, fiddling).

Movement is followed on the head, the torso (the middle of the shoulder line) and each hand,
in units of the person's shoulder width so that it does not depend on distance to the camera.
The head point is where the axes of nodding and head-shaking pass, near the ear canals: the
midpoint of the face mesh's two sides, moved away from the nose by ``EAR_BEHIND_SIDES`` of the
nose-to-sides offset. Nodding or shaking the head while speaking hardly moves that point,
while rocking, swaying and bouncing carry it along with the whole upper body. (The face mesh
follows fast small movements that MediaPipe's smoothed pose damps: on a 3 Hz bounce of 7 px
the pose shoulders moved about half as much.)
A movement counts as a *swing* when the position turns back after travelling at least
``MIN_SWING`` (a zig-zag filter, so sensor jitter below that never counts). Fidgeting is
several swings within a short window: one lasting change of position is a single move
with no turning back.
"""

from __future__ import annotations

import math

import numpy as np

from review import events
from review.geometry import face_px, hands_px, pose_px
from review.landmarks import FacePoint as F
from review.landmarks import Landmarks
from review.landmarks import PoseLandmark as P
from review.slump import shoulders_in_view

#: Smallest travel between two turning points that counts as a swing, in shoulder widths.
MIN_SWING = 0.03
#: The ear canals lie behind the sides of the face by about half the depth from the nose tip
#: to the sides of the face (human head proportions).
EAR_BEHIND_SIDES = 0.5
#: Window over which swings are counted, seconds (centred on each frame).
WINDOW_S = 3.0
#: Turns further apart than this belong to different bursts (a half-swing slower than 1.5 s,
#: i.e. a back-and-forth slower than a third of a hertz, is shifting position, not fidgeting).
MAX_TURN_GAP_S = 1.5
#: Turning points in the window that make fidgeting (3 = one and a half back-and-forths).
MIN_TURNS = 3
#: A hand must turn more often to count: hands move a lot in ordinary gesturing.
MIN_HAND_TURNS = 6
#: Fidgeting must last this long to count.
MIN_FIDGET_S = 1.0


def turning_points(x: np.ndarray, min_swing: float) -> np.ndarray:
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


def turns_spanning(
    flags: np.ndarray, time_s: np.ndarray, window_s: float, max_gap_s: float = math.inf
) -> np.ndarray:
    """(T,) per frame, the most turning points of one burst that enclose the frame.

    A burst is a run of turns each at most ``max_gap_s`` after the one before (a back-and-forth
    slower than that is not restless movement). For each frame: the largest number of turns of
    one burst lying within ``window_s`` seconds of each other whose first and last turn enclose
    the frame (0 where none do). Unlike a count in a window centred on each frame, this does
    not spread a burst of movement over the still time around it.
    """
    out = np.zeros(len(flags), dtype=np.int64)
    idx = np.flatnonzero(flags)
    t = time_s[idx]
    # Index of the last turn of each turn's burst.
    burst_end = np.arange(len(t))
    for k in range(len(t) - 2, -1, -1):
        if t[k + 1] - t[k] <= max_gap_s:
            burst_end[k] = burst_end[k + 1]
    for k in range(len(idx)):
        m = int(np.searchsorted(t, t[k] + window_s, side="right")) - 1
        m = min(m, int(burst_end[k]))
        count = m - k + 1
        seg = out[idx[k] : idx[m] + 1]
        np.maximum(seg, count, out=seg)
    return out


def body_scale(lm: Landmarks) -> float:
    """The person's shoulder width in pixels (median over frames with shoulders in view).

    Falls back to 2.2 face widths when the shoulders are never in view; NaN if neither.
    """
    left, right = pose_px(lm, P.LEFT_SHOULDER), pose_px(lm, P.RIGHT_SHOULDER)
    width = np.hypot(*(left - right).T)[shoulders_in_view(lm)]
    if len(width):
        return float(np.median(width))
    face_w = (lm.face_box[:, 2] - lm.face_box[:, 0]) * lm.frame_size[0]
    face_w = face_w[~np.isnan(face_w)]
    return float(2.2 * np.median(face_w)) if len(face_w) else float("nan")


def head_point(lm: Landmarks) -> np.ndarray:
    """(T, 2) pixels: the point near the ear canals that nodding hardly moves (NaN if no face)."""
    sides = (face_px(lm, F.LEFT_CHEEK) + face_px(lm, F.RIGHT_CHEEK))[:, :2] / 2
    return sides + EAR_BEHIND_SIDES * (sides - face_px(lm, F.NOSE_TIP)[:, :2])


def movement_tracks(lm: Landmarks, scale: float) -> dict[str, np.ndarray]:
    """1-D position tracks in shoulder widths: torso x and y, and each hand's x and y.

    The torso is the middle of the shoulder line (NaN where the shoulders are not in view);
    the head is the point near the ear canals (see the module's notes); a hand is the mean of
    its 21 landmarks (NaN where that hand is not found).
    """
    mid = (pose_px(lm, P.LEFT_SHOULDER) + pose_px(lm, P.RIGHT_SHOULDER)) / 2
    mid[~shoulders_in_view(lm)] = np.nan
    head = head_point(lm)
    hands = hands_px(lm).mean(axis=2)  # a hand is found whole or not at all
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


def fidget_turns(
    tracks: dict[str, np.ndarray], time_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Turning points per window for the torso and for the hands.

    Returns:
        (body_turns, hand_turns): (T,) int, per frame the most turning points within
        WINDOW_S spanning it (see ``turns_spanning``), the largest over the x and y tracks of
        the torso and head, and over both hands.

    """

    def turns(name: str) -> np.ndarray:
        flags = turning_points(tracks[name], MIN_SWING)
        return turns_spanning(flags, time_s, WINDOW_S, MAX_TURN_GAP_S)

    body = np.max([turns(f"{part}_{axis}") for part in ("torso", "head") for axis in "xy"], axis=0)
    hands = np.max(
        [turns(f"{side}_hand_{axis}") for side in ("left", "right") for axis in "xy"], axis=0
    )
    return body, hands


def fidgeting_state(
    torso_turns: np.ndarray, hand_turns: np.ndarray, judged: np.ndarray, time_s: np.ndarray
) -> np.ndarray:
    """(T,) 1.0 fidgeting, 0.0 not, NaN where not ``judged`` (no person)."""
    raw = ((torso_turns >= MIN_TURNS) | (hand_turns >= MIN_HAND_TURNS)).astype(float)
    raw[~judged] = np.nan
    return events.debounce(raw, time_s, min_on_s=MIN_FIDGET_S, min_off_s=0.5)
