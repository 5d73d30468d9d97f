"""Self-touch: a hand on or at the face or hair.

A hand (MediaPipe Holistic's 21 hand landmarks, or Pose's wrist and finger points) touches
the face when enough of its points fall inside the head region: the face mesh's box, widened
at the sides and extended upwards for the hair. A hand over the face often hides the face
mesh; then the head region comes from the pose (nose and ears), which stays tracked.
"""

from __future__ import annotations

import numpy as np

from review import events
from review.geometry import face_box_px, hands_px, pose_px, pose_visible
from review.landmarks import Landmarks
from review.landmarks import PoseLandmark as P

#: The face box is widened by this fraction of its width on each side ...
SIDE_MARGIN = 0.15
#: ... extended upwards by this fraction of its height (hair) ...
TOP_MARGIN = 0.35
#: ... and downwards by this fraction (chin, jaw).
BOTTOM_MARGIN = 0.10
#: Hand landmarks (of 21) that must be inside the head region.
MIN_HAND_POINTS = 3
#: Pose points of a hand (wrist, index, pinky, thumb).
POSE_HAND_POINTS = {
    "left": (P.LEFT_WRIST, P.LEFT_INDEX, P.LEFT_PINKY, P.LEFT_THUMB),
    "right": (P.RIGHT_WRIST, P.RIGHT_INDEX, P.RIGHT_PINKY, P.RIGHT_THUMB),
}
#: A touch must last this long to count (a hand passing in front of the face is quicker).
MIN_TOUCH_S = 0.3


def head_region(lm: Landmarks) -> np.ndarray:
    """(T, 4) x0, y0, x1, y1 in pixels of the region where a hand counts as touching.

    From the face mesh when found; else from the pose's nose and ears (a face-sized box
    around them); NaN when neither is found.
    """
    box = face_box_px(lm)
    width, height = box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]
    region = np.stack(
        [
            box[:, 0] - SIDE_MARGIN * width,
            box[:, 1] - TOP_MARGIN * height,
            box[:, 2] + SIDE_MARGIN * width,
            box[:, 3] + BOTTOM_MARGIN * height,
        ],
        axis=1,
    )
    missing = np.isnan(region[:, 0])
    if missing.any():
        nose = pose_px(lm, P.NOSE)
        ears = np.abs(pose_px(lm, P.LEFT_EAR)[:, 0] - pose_px(lm, P.RIGHT_EAR)[:, 0])
        # A face is about as wide as the ears are apart and 1.3 times as tall.
        w, h = ears * (1 + 2 * SIDE_MARGIN), ears * 1.3
        fallback = np.stack(
            [
                nose[:, 0] - w / 2,
                nose[:, 1] - h * (0.55 + TOP_MARGIN),
                nose[:, 0] + w / 2,
                nose[:, 1] + h * (0.45 + BOTTOM_MARGIN),
            ],
            axis=1,
        )
        region[missing] = fallback[missing]
    return region


def _inside(points: np.ndarray, region: np.ndarray) -> np.ndarray:
    """(T, N) bool: points (T, N, 2) inside region (T, 4)."""
    x, y = points[..., 0], points[..., 1]
    r = region[:, None, :]
    with np.errstate(invalid="ignore"):
        return (x >= r[..., 0]) & (x <= r[..., 2]) & (y >= r[..., 1]) & (y <= r[..., 3])


def hand_points_on_head(lm: Landmarks) -> np.ndarray:
    """(T,) the most hand landmarks of one hand inside the head region (0-21).

    Pose hand points count too (scaled to the 21-point hand) when the hand model lost the hand.
    """
    region = head_region(lm)
    hands = hands_px(lm)
    counts = np.stack([_inside(hands[:, k], region).sum(axis=1) for k in range(2)], axis=1)
    for k, side in enumerate(("left", "right")):
        pts = np.stack([pose_px(lm, p) for p in POSE_HAND_POINTS[side]], axis=1)
        vis = np.stack([pose_visible(lm, p) for p in POSE_HAND_POINTS[side]], axis=1)
        pose_count = (_inside(pts, region) & vis).sum(axis=1) * (21 / 4)
        no_hand = np.isnan(hands[:, k, 0, 0])
        counts[no_hand, k] = np.maximum(counts[no_hand, k], pose_count[no_hand].astype(int))
    return counts.max(axis=1) if len(counts) else np.zeros(0, dtype=int)


def self_touch_state(
    points_on_head: np.ndarray, judged: np.ndarray, time_s: np.ndarray
) -> np.ndarray:
    """(T,) 1.0 touching the face or hair, 0.0 not, NaN where not ``judged`` (no person)."""
    raw = (points_on_head >= MIN_HAND_POINTS).astype(float)
    raw[~judged] = np.nan
    return events.debounce(raw, time_s, min_on_s=MIN_TOUCH_S, min_off_s=0.3)
