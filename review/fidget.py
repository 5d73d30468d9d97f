"""Fidgeting: repetitive, restless movement (rocking, swaying, bouncing, fiddling).

Movement is followed on the torso (the middle of the shoulder line) and on each hand, in
units of the person's shoulder width so that it does not depend on distance to the camera.
A movement counts as a *swing* when the position turns back after travelling at least
``MIN_SWING`` (a zig-zag filter, so sensor jitter below that never counts). Fidgeting is
several swings within a short window: one lasting change of position is a single move
with no turning back, and ordinary head movement while speaking does not move the torso.
"""

from __future__ import annotations

import numpy as np

from review import events
from review.geometry import hands_px, pose_px
from review.landmarks import Landmarks
from review.landmarks import PoseLandmark as P
from review.slump import shoulders_in_view

#: Smallest travel between two turning points that counts as a swing, in shoulder widths.
MIN_SWING = 0.03
#: Where the shoulders are out of view the head is followed instead, with a larger swing,
#: since the head also moves while speaking.
HEAD_SWING_FACTOR = 2.0
#: Window over which swings are counted, seconds (centred on each frame).
WINDOW_S = 3.0
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


def count_in_window(flags: np.ndarray, time_s: np.ndarray, window_s: float) -> np.ndarray:
    """(T,) number of True flags within ``window_s`` seconds centred on each frame."""
    cum = np.concatenate([[0], np.cumsum(flags.astype(np.int64))])
    lo = np.searchsorted(time_s, time_s - window_s / 2, side="left")
    hi = np.searchsorted(time_s, time_s + window_s / 2, side="right")
    return cum[hi] - cum[lo]


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


def movement_tracks(lm: Landmarks, scale: float) -> dict[str, np.ndarray]:
    """1-D position tracks in shoulder widths: torso x and y, and each hand's x and y.

    The torso is the middle of the shoulder line (NaN where the shoulders are not in view);
    the head (the nose) is followed only where the shoulders are not in view; a hand is the
    mean of its 21 landmarks (NaN where that hand is not found).
    """
    shoulders = shoulders_in_view(lm)
    mid = (pose_px(lm, P.LEFT_SHOULDER) + pose_px(lm, P.RIGHT_SHOULDER)) / 2
    mid[~shoulders] = np.nan
    head = pose_px(lm, P.NOSE)
    head[shoulders] = np.nan
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
        (body_turns, hand_turns): (T,) int counts within WINDOW_S around each frame, the
        largest over the x and y tracks of the torso (or head), and over both hands.

    """

    def turns(name: str, swing: float = MIN_SWING) -> np.ndarray:
        flags = turning_points(tracks[name], swing)
        return count_in_window(flags, time_s, WINDOW_S)

    head_swing = MIN_SWING * HEAD_SWING_FACTOR
    torso = np.max(
        [
            turns("torso_x"),
            turns("torso_y"),
            turns("head_x", head_swing),
            turns("head_y", head_swing),
        ],
        axis=0,
    )
    hands = np.max(
        [turns(f"{side}_hand_{axis}") for side in ("left", "right") for axis in "xy"], axis=0
    )
    return torso, hands


def fidgeting_state(
    torso_turns: np.ndarray, hand_turns: np.ndarray, judged: np.ndarray, time_s: np.ndarray
) -> np.ndarray:
    """(T,) 1.0 fidgeting, 0.0 not, NaN where not ``judged`` (no person)."""
    raw = ((torso_turns >= MIN_TURNS) | (hand_turns >= MIN_HAND_TURNS)).astype(float)
    raw[~judged] = np.nan
    return events.debounce(raw, time_s, min_on_s=MIN_FIDGET_S, min_off_s=0.5)
