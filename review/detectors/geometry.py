"""Landmark coordinates in pixels, and small vector helpers shared by the detectors."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from review.landmarks.holistic import FacePoint, Landmarks, PoseLandmark

#: A pose landmark counts as seen when MediaPipe's visibility is at least this.
MIN_VISIBILITY = 0.5
#: The ear canals lie behind the sides of the face by about half the depth from the nose tip
#: to the sides of the face (human head proportions).
EAR_BEHIND_SIDES = 0.5


def pose_px(lm: Landmarks, point: PoseLandmark) -> NDArray[np.float64]:
    """(T, 2) x, y of one pose landmark in pixels of the upright frame (NaN if absent)."""
    w, h = lm.frame_size
    return lm.pose[:, point, :2].astype(np.float64) * (w, h)


def pose_visible(lm: Landmarks, point: PoseLandmark) -> NDArray[np.bool_]:
    """(T,) bool: the pose landmark was found with visibility of at least MIN_VISIBILITY."""
    vis = lm.pose[:, point, 3]
    return np.nan_to_num(vis, nan=0.0) >= MIN_VISIBILITY


def face_px(lm: Landmarks, point: FacePoint) -> NDArray[np.float64]:
    """(T, 3) x, y, z of one face-mesh point in pixels (z uses the width's scale, as x does)."""
    w, h = lm.frame_size
    return lm.face[:, point.slot, :].astype(np.float64) * (w, h, w)


def face_box_px(lm: Landmarks) -> NDArray[np.float64]:
    """(T, 4) x0, y0, x1, y1 of the face mesh in pixels (NaN if no face)."""
    w, h = lm.frame_size
    return lm.face_box.astype(np.float64) * (w, h, w, h)


def face_centre_px(lm: Landmarks) -> NDArray[np.float64]:
    """(T, 2) x, y of the face mesh box's centre in pixels (NaN if no face)."""
    box = face_box_px(lm)
    return np.stack([(box[:, 0] + box[:, 2]) / 2, (box[:, 1] + box[:, 3]) / 2], axis=1)


def hands_px(lm: Landmarks) -> NDArray[np.float64]:
    """(T, 2, 21, 2) x, y of both hands' landmarks in pixels (NaN where a hand is absent)."""
    w, h = lm.frame_size
    return lm.hands[..., :2].astype(np.float64) * (w, h)


def head_point(lm: Landmarks) -> NDArray[np.float64]:
    """(T, 2) pixels: the point near the ear canals that nodding hardly moves (NaN if no face).

    The head nods and shakes about an axis near the ear canals: the midpoint of the face
    mesh's two sides, moved away from the nose by ``EAR_BEHIND_SIDES`` of the nose-to-sides
    offset. Rocking, swaying, bouncing and sinking carry it; nodding and looking down hardly do.
    """
    sides = (face_px(lm, FacePoint.LEFT_CHEEK) + face_px(lm, FacePoint.RIGHT_CHEEK))[:, :2] / 2
    return sides + EAR_BEHIND_SIDES * (sides - face_px(lm, FacePoint.NOSE_TIP)[:, :2])


def norm(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Euclidean length along the last axis."""
    length: NDArray[np.float64] = np.sqrt(np.sum(np.asarray(v, dtype=np.float64) ** 2, axis=-1))
    return length


def face_found(lm: Landmarks) -> NDArray[np.bool_]:
    """(T,) bool: the face mesh was found."""
    found: NDArray[np.bool_] = ~np.isnan(lm.face_box[:, 0])
    return found


def pose_found(lm: Landmarks) -> NDArray[np.bool_]:
    """(T,) bool: the pose was found."""
    found: NDArray[np.bool_] = ~np.isnan(lm.pose[:, PoseLandmark.NOSE, 0])
    return found
