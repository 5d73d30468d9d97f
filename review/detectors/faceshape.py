"""The face's shape with the head's pose taken out: mouth and eye measures in face units.

Each frame's face mesh is fitted to MediaPipe's canonical face by a similarity transform
(scale, rotation, shift; least squares over the points that expressions hardly move: eye
corners, nose tip, forehead, the sides of the face, as ``review.detectors.gaze`` uses for the head's
pose). The mouth corners and the chin, carried by the same transform, are then in the
canonical face's centimetres whatever the face's size in the picture, its distance, and how
it is turned or tilted, so a smile is measured the same on a small face as on a large one,
and on a head turned aside as on one facing the lens.

The frame's y is flipped to point up, as the canonical face's does; MediaPipe's depth (z) is
in the x scale and points away from the camera, so it is negated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from review.detectors.gaze import CANONICAL_FACE
from review.detectors.geometry import face_px
from review.landmarks.holistic import FacePoint as F
from review.landmarks.holistic import Landmarks

#: The canonical face's mouth width (corner to corner) and corner height, centimetres
#: (canonical_face_model.obj, points 61 and 291), for reading the measures below.
CANONICAL_MOUTH_WIDTH_CM = 4.91
CANONICAL_CORNER_Y_CM = -4.34


@dataclass(frozen=True)
class FaceShape:
    """Per-frame face measures in canonical centimetres (NaN where no face).

    Attributes:
        mouth_width: (T,) distance between the mouth corners (3-D).
        corner_y: (T, 2) height of the right and left mouth corner (+ up, towards the
            eyes; right and left as the person's own, image left and right).
        chin_y: (T,) height of the chin (lower when the jaw opens).
        fit_error: (T,) root-mean-square distance of the rigid points from the canonical
            face after fitting (large: the mesh is distorted, e.g. a face in profile).

    """

    mouth_width: NDArray[np.float64]
    corner_y: NDArray[np.float64]
    chin_y: NDArray[np.float64]
    fit_error: NDArray[np.float64]


def _oriented(lm: Landmarks, point: F) -> NDArray[np.float64]:
    """(T, 3) a face point in pixels, oriented as the canonical face (y up, z to the viewer)."""
    return face_px(lm, point) * (1.0, -1.0, -1.0)


def fit_similarity(
    source: NDArray[np.float64], target: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Least-squares similarity transforms taking each frame's points onto ``target``.

    Umeyama's method (a rotation without reflection, one scale, a shift), batched.

    Args:
        source: (T, N, 3) points per frame (NaN rows give NaN transforms).
        target: (N, 3) the same points on the reference shape.

    Returns:
        (scale (T,), rotation (T, 3, 3), shift (T, 3)) with
        ``target ~ scale * rotation @ source + shift``.

    """
    mu_s = source.mean(axis=1, keepdims=True)
    mu_t = target.mean(axis=0)
    s0 = source - mu_s
    t0 = target - mu_t
    t = len(source)
    scale = np.full(t, np.nan)
    rotation = np.full((t, 3, 3), np.nan)
    shift = np.full((t, 3), np.nan)
    ok = np.isfinite(s0).all(axis=(1, 2))
    if not ok.any():
        return scale, rotation, shift
    cov = np.einsum("nj,tnk->tjk", t0, s0[ok]) / source.shape[1]
    u, d, vt = np.linalg.svd(cov)
    sign = np.sign(np.linalg.det(u @ vt))
    fix = np.ones((len(sign), 3))
    fix[:, 2] = sign
    rot = u @ (fix[:, :, None] * vt)
    var = (s0[ok] ** 2).sum(axis=(1, 2)) / source.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        sc = (d * fix).sum(axis=1) / var
    rotation[ok] = rot
    scale[ok] = sc
    shift[ok] = mu_t - sc[:, None] * np.einsum("tjk,tk->tj", rot, mu_s[ok, 0])
    return scale, rotation, shift


def face_shape(lm: Landmarks) -> FaceShape:
    """Measure the mouth and chin in canonical centimetres in every frame (NaN: no face)."""
    rigid = list(CANONICAL_FACE)
    source = np.stack([_oriented(lm, p) for p in rigid], axis=1)
    target = np.array([CANONICAL_FACE[p] for p in rigid], dtype=np.float64)
    scale, rotation, shift = fit_similarity(source, target)

    def canonical(points: NDArray[np.float64]) -> NDArray[np.float64]:
        moved: NDArray[np.float64] = (
            scale[:, None, None] * np.einsum("tjk,tnk->tnj", rotation, points) + shift[:, None]
        )
        return moved

    fitted = canonical(source)
    fit_error = np.sqrt(((fitted - target) ** 2).sum(axis=2).mean(axis=1))
    mouth = canonical(np.stack([_oriented(lm, F.MOUTH_RIGHT), _oriented(lm, F.MOUTH_LEFT)], 1))
    chin = canonical(_oriented(lm, F.CHIN)[:, None])[:, 0]
    return FaceShape(
        mouth_width=np.sqrt(((mouth[:, 1] - mouth[:, 0]) ** 2).sum(axis=1)),
        corner_y=mouth[:, :, 1],
        chin_y=chin[:, 1],
        fit_error=fit_error,
    )
