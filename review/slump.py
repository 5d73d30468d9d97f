"""Slumping: the head sinking towards the shoulders, against the person's own upright posture.

The measure is the vertical distance from the nose down to the shoulder line divided by the
shoulder width (both in pixels, so it does not change with distance to the camera). When a
person slumps or collapses in the chair the neck shortens and this ratio drops; leaning
forward from a slump lowers it too. It is compared with the person's upright reference.
Where the shoulders are not both in view, the posture is not judged.
"""

from __future__ import annotations

import numpy as np

from review import events
from review.geometry import pose_px, pose_visible
from review.landmarks import Landmarks
from review.landmarks import PoseLandmark as P

#: A shoulder landmark counts as in the frame up to this far past the bottom edge
#: (normalised y); webcams often frame people with the shoulders right at the edge.
SHOULDER_EDGE_TOLERANCE = 0.03
#: Slumped when the neck ratio has dropped by this fraction of the upright reference
#: (public posture monitors alert at a 7.5-15 % drop; we take the conservative end) ...
SLUMP_ON = 0.15
#: ... and upright again when the drop is back under this (hysteresis).
SLUMP_OFF = 0.10
#: A slump must last this long to count (public monitors use 1-2 s).
MIN_SLUMP_S = 1.0


def shoulders_in_view(lm: Landmarks) -> np.ndarray:
    """(T,) bool: both shoulders found, visible and inside the frame."""
    ok = pose_visible(lm, P.LEFT_SHOULDER) & pose_visible(lm, P.RIGHT_SHOULDER)
    for point in (P.LEFT_SHOULDER, P.RIGHT_SHOULDER):
        x, y = lm.pose[:, point, 0], lm.pose[:, point, 1]
        with np.errstate(invalid="ignore"):
            ok &= (x >= 0) & (x <= 1) & (y >= 0) & (y <= 1 + SHOULDER_EDGE_TOLERANCE)
    return ok


def neck_ratio(lm: Landmarks) -> np.ndarray:
    """(T,) (shoulder line y - nose y) / shoulder width; NaN where shoulders are not in view."""
    left, right = pose_px(lm, P.LEFT_SHOULDER), pose_px(lm, P.RIGHT_SHOULDER)
    nose = pose_px(lm, P.NOSE)
    width = np.hypot(*(left - right).T)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = ((left[:, 1] + right[:, 1]) / 2 - nose[:, 1]) / width
    return np.where(shoulders_in_view(lm), ratio, np.nan)


def slump_score(ratio: np.ndarray, upright_ratio: float) -> np.ndarray:
    """(T,) fraction of the upright neck ratio that has been lost (0 upright, 0.3 = 30 % lower).

    Negative when sitting taller than the reference. NaN stays NaN.
    """
    return 1.0 - np.asarray(ratio, dtype=float) / upright_ratio


def slumped_state(score: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """(T,) 1.0 slumped, 0.0 upright, NaN not judged; with hysteresis and a minimum duration."""
    state = events.hysteresis(score, on=SLUMP_ON, off=SLUMP_OFF)
    return events.debounce(state, time_s, min_on_s=MIN_SLUMP_S, min_off_s=0.5)
