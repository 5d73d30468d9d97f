"""Eye contact: looking at the lens, from the head's 3-D pose and the irises together.

The head's pose is solved from the face mesh against MediaPipe's canonical face
(``cv2.solvePnP`` on points that expressions hardly move: eye corners, nose tip, forehead,
the sides of the face), and measured *relative to the direction of the camera* from where
the face is in the frame: a head turned to face a lens off to one side faces the lens. The
eyes' rotation in the head comes from the iris position between the eye corners. Their sum
is the gaze, compared with the person's own "looking at the lens" reference, with a wider
tolerance below the lens than above (people notice gaze falling below their eyes far less).

Measured on real faces, the frame-to-frame jitter of this estimate is 0.3-1.5 degrees on
still stretches, but an iris half hidden by the lids (smiling, squinting) drifts: the
vertical eye term is given less weight as the eyes narrow. Closed eyes: a blink keeps the
state around it; eyes closed for longer are not eye contact. No face, no judgement.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from review.detectors import events
from review.detectors.geometry import face_px, norm
from review.landmarks.holistic import FacePoint as F
from review.landmarks.holistic import Landmarks

#: Degrees of eye rotation per eye width of iris displacement: an eyeball of about 12 mm
#: radius under an eye opening about 29 mm wide gives asin(29 * d / 12) ~ 2.4 rad per unit.
DEG_PER_EYE_WIDTH = 200.0
#: Tolerances around the reference, in degrees of gaze.
MAX_SIDEWAYS_DEG = 10.0
MAX_UP_DEG = 8.0
MAX_DOWN_DEG = 15.0
#: Eyes count as closed below this fraction of the person's usual openness.
CLOSED_RATIO = 0.5
#: Eyes closed for less than this are a blink (not looking away).
MAX_BLINK_S = 0.4
#: The distance of the gaze outside the cone is smoothed with a running median over this
#: window (blink and blur outliers; eyes darting both ways stay away, unlike a median of
#: the signed angles, which a left-right alternation averages back to the lens).
SMOOTH_S = 0.3
#: Looking away for less than this is a glance, not poor eye contact.
MIN_AWAY_S = 0.5
#: The vertical eye term has full weight with eyes open at least this share of the usual
#: openness, and none at NARROW_RATIO or less (the lids then cover the iris).
OPEN_RATIO = 0.8
NARROW_RATIO = 0.5
#: Focal length assumed for the camera, in units of the frame's longer side (webcams and
#: phones have 60-78 degree fields of view: 0.6-0.9).
FOCAL_PER_SIDE = 0.75

#: MediaPipe's canonical face (mediapipe/modules/face_geometry/data/canonical_face_model.obj,
#: Apache License 2.0, (c) The MediaPipe Authors), centimetres: x to the image's right for a
#: face looking at the camera, y up, z towards the viewer. Only points that expressions hardly
#: move (the chin and mouth move with speech and smiles).
CANONICAL_FACE = {
    F.RIGHT_EYE_OUTER: (-4.445859, 2.663991, 3.173422),
    F.RIGHT_EYE_INNER: (-1.856432, 2.585245, 3.757904),
    F.LEFT_EYE_INNER: (1.856432, 2.585245, 3.757904),
    F.LEFT_EYE_OUTER: (4.445859, 2.663991, 3.173422),
    F.NOSE_TIP: (0.0, -1.126865, 7.475604),
    F.FOREHEAD: (0.0, 8.261778, 4.481535),
    F.RIGHT_CHEEK: (-7.664182, 0.673132, -2.435867),
    F.LEFT_CHEEK: (7.664182, 0.673132, -2.435867),
}


@dataclass(frozen=True)
class GazeFeatures:
    """Per-frame gaze measures (NaN where no face).

    Attributes:
        head_yaw_deg: (T,) head turned towards the image's right (+) or left (-) of facing
            the lens, degrees.
        head_pitch_deg: (T,) head tilted down (+) or up (-) of facing the lens, degrees.
        gaze_yaw_deg: (T,) head plus eye rotation, sideways, degrees.
        gaze_pitch_deg: (T,) head plus eye rotation, down (+) / up (-), degrees.
        openness: (T,) eyelid opening divided by eye width, both eyes averaged.

    """

    head_yaw_deg: NDArray[np.float64]
    head_pitch_deg: NDArray[np.float64]
    gaze_yaw_deg: NDArray[np.float64]
    gaze_pitch_deg: NDArray[np.float64]
    openness: NDArray[np.float64]


def direction_angles(v: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Yaw (+ towards the image's right) and pitch (+ down) of camera-frame vectors (..., 3).

    Camera frame: x to the image's right, y down, z away from the camera; (0, 0, -1) points
    straight back at the camera (yaw 0, pitch 0).
    """
    v = np.asarray(v, dtype=float)
    yaw = np.degrees(np.arctan2(v[..., 0], -v[..., 2]))
    pitch = np.degrees(np.arctan2(v[..., 1], np.hypot(v[..., 0], v[..., 2])))
    return yaw, pitch


def _camera(lm: Landmarks) -> NDArray[np.float64]:
    w, h = lm.frame_size
    f = FOCAL_PER_SIDE * max(w, h)
    return np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]], dtype=np.float64)


def head_rotation(lm: Landmarks) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The head's rotation and the direction to the camera, per frame (NaN: no face).

    ``cv2.solvePnP`` (SQPnP) of the face mesh's rigid points against ``CANONICAL_FACE``,
    with a pinhole camera of focal length ``FOCAL_PER_SIDE`` times the frame's longer side.

    Returns:
        (rotations (T, 3, 3) from the head's frame to the camera's, directions (T, 3) from
        the face to the camera, unit length). The head's frame is the canonical face's
        turned to look at the camera: x to the image's right, y down, z away from the
        camera (its forward direction is (0, 0, -1)).

    """
    points = list(CANONICAL_FACE)
    model = np.array([CANONICAL_FACE[p] for p in points], dtype=np.float64) * (1, -1, -1)
    camera = _camera(lm)
    image = np.stack([face_px(lm, p)[:, :2] for p in points], axis=1)
    rotations = np.full((len(lm), 3, 3), np.nan)
    to_camera = np.full((len(lm), 3), np.nan)
    for i in np.flatnonzero(np.isfinite(image).all(axis=(1, 2))):
        ok, rvec, found = cv2.solvePnP(model, image[i], camera, None, flags=cv2.SOLVEPNP_SQPNP)
        tvec = np.asarray(found)  # (3, 1) float64 (cv2's stubs do not say so for Python 3.9)
        if not ok or not np.all(np.isfinite(tvec)) or tvec[2, 0] <= 0:
            continue
        rotations[i] = cv2.Rodrigues(rvec)[0]
        to_camera[i] = -tvec.ravel() / np.linalg.norm(tvec)
    return rotations, to_camera


def _relative_angles(
    directions: NDArray[np.float64], to_camera: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Yaw and pitch of camera-frame directions, relative to the direction to the camera."""
    yaw, pitch = direction_angles(directions)
    cam_yaw, cam_pitch = direction_angles(to_camera)
    return yaw - cam_yaw, pitch - cam_pitch


def eye_in_head(lm: Landmarks) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The eyes' rotation in the head, degrees: (yaw + to the head's right as imaged, pitch + down).

    From the iris position between the eye corners, in each eye's own axis (so a tilted
    head does not turn it), averaged over both eyes; DEG_PER_EYE_WIDTH per eye width.
    """
    h_r, v_r = _iris_offset(lm, F.RIGHT_EYE_OUTER, F.RIGHT_EYE_INNER, F.RIGHT_IRIS)
    h_l, v_l = _iris_offset(lm, F.LEFT_EYE_INNER, F.LEFT_EYE_OUTER, F.LEFT_IRIS)
    return DEG_PER_EYE_WIDTH * (h_r + h_l) / 2, DEG_PER_EYE_WIDTH * (v_r + v_l) / 2


def head_pose(lm: Landmarks) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(yaw, pitch) of the head relative to facing the lens, degrees, per frame (NaN: no face)."""
    rotations, to_camera = head_rotation(lm)
    forward = rotations @ np.array([0.0, 0.0, -1.0])
    return _relative_angles(forward, to_camera)


def _iris_offset(
    lm: Landmarks, left_corner: F, right_corner: F, iris: F
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Iris offset in one eye, in eye widths: along its axis (+ image right), across (+ down)."""
    a = face_px(lm, left_corner)[:, :2]
    b = face_px(lm, right_corner)[:, :2]
    c = face_px(lm, iris)[:, :2]
    width = norm(b - a)
    u = (b - a) / width[:, None]
    n = np.stack([-u[:, 1], u[:, 0]], axis=1)  # u turned 90 deg clockwise: "down" in the eye
    rel = c - (a + b) / 2
    return np.sum(rel * u, axis=1) / width, np.sum(rel * n, axis=1) / width


def _openness(lm: Landmarks, outer: F, inner: F, lids: list[tuple[F, F]]) -> NDArray[np.float64]:
    width = norm(face_px(lm, outer)[:, :2] - face_px(lm, inner)[:, :2])
    gaps = [norm(face_px(lm, up)[:, :2] - face_px(lm, lo)[:, :2]) for up, lo in lids]
    openness: NDArray[np.float64] = np.mean(gaps, axis=0) / width
    return openness


def gaze_features(lm: Landmarks) -> GazeFeatures:
    """Measure head pose, gaze direction and eye openness in every frame.

    The gaze is the eyes' direction in the head turned by the head's rotation, both relative
    to the direction of the camera.
    """
    rotations, to_camera = head_rotation(lm)
    head_yaw, head_pitch = _relative_angles(rotations @ np.array([0.0, 0.0, -1.0]), to_camera)
    eye_yaw, eye_pitch = np.radians(eye_in_head(lm))
    in_head = np.stack(
        [
            np.sin(eye_yaw) * np.cos(eye_pitch),
            np.sin(eye_pitch),
            -np.cos(eye_yaw) * np.cos(eye_pitch),
        ],
        axis=1,
    )
    gaze_yaw, gaze_pitch = _relative_angles(np.einsum("tij,tj->ti", rotations, in_head), to_camera)
    open_r = _openness(
        lm,
        F.RIGHT_EYE_OUTER,
        F.RIGHT_EYE_INNER,
        [
            (F.RIGHT_UPPER_LID, F.RIGHT_LOWER_LID),
            (F.RIGHT_UPPER_LID_2, F.RIGHT_LOWER_LID_2),
            (F.RIGHT_UPPER_LID_3, F.RIGHT_LOWER_LID_3),
        ],
    )
    open_l = _openness(
        lm,
        F.LEFT_EYE_OUTER,
        F.LEFT_EYE_INNER,
        [
            (F.LEFT_UPPER_LID, F.LEFT_LOWER_LID),
            (F.LEFT_UPPER_LID_2, F.LEFT_LOWER_LID_2),
            (F.LEFT_UPPER_LID_3, F.LEFT_LOWER_LID_3),
        ],
    )
    return GazeFeatures(
        head_yaw_deg=head_yaw,
        head_pitch_deg=head_pitch,
        gaze_yaw_deg=gaze_yaw,
        gaze_pitch_deg=gaze_pitch,
        openness=(open_r + open_l) / 2,
    )


def eye_weight(openness: NDArray[np.float64], openness_ref: float) -> NDArray[np.float64]:
    """(T,) weight of the vertical eye term: 1 with eyes open, 0 when the lids cover the iris."""
    ratio = np.asarray(openness, dtype=float) / openness_ref
    return np.clip((ratio - NARROW_RATIO) / (OPEN_RATIO - NARROW_RATIO), 0.0, 1.0)


#: Where "looking at the lens" usually lies in this gaze measure, degrees (yaw, pitch), and
#: how far a person's own reading strays from it. The irises sit a little above the line of
#: the eye corners, so looking at the lens reads as looking up by about 10 degrees. Chosen on
#: the tuning people (the sample man, man A, man D, man H: their "at the lens" readings lie
#: at yaw -9.5 to +8.5, pitch -18 to -5, 5-11 degrees from here); on the eight people held
#: out they lay 2-16 degrees from it.
LENS_PRIOR_DEG = (0.0, -10.0)
LENS_PRIOR_SPREAD_DEG = 10.0


def _within(a: NDArray[np.float64], b: NDArray[np.float64], radius: float) -> NDArray[np.bool_]:
    """(len(a), len(b)) bool: the points of b within ``radius`` of each point of a."""
    squared = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
    within: NDArray[np.bool_] = squared <= radius**2
    return within


def gaze_modes(
    x: NDArray[np.float64], y: NDArray[np.float64], radius: float, max_points: int = 600
) -> list[tuple[float, float, int]]:
    """The clusters of a cloud of gaze directions: (x, y, samples within ``radius``), densest first.

    Mean shift with a flat kernel from every sample (a subsample of ``max_points``); modes
    closer than ``radius`` merge. NaN samples are ignored.
    """
    ok = ~(np.isnan(x) | np.isnan(y))
    pts = np.stack([x[ok], y[ok]], axis=1)
    if len(pts) == 0:
        return []
    if len(pts) > max_points:
        pts = pts[np.linspace(0, len(pts) - 1, max_points).astype(int)]
    centres = pts.copy()
    for _ in range(20):
        weights = _within(centres, pts, radius).astype(np.float64)
        moved = (weights @ pts) / weights.sum(axis=1)[:, None]
        done = np.allclose(moved, centres, atol=1e-3)
        centres = moved
        if done:
            break
    counts = _within(centres, pts, radius).sum(axis=1)
    modes: list[tuple[float, float, int]] = []
    for k in np.argsort(-counts, kind="stable"):
        cx, cy = centres[k]
        if all((cx - mx) ** 2 + (cy - my) ** 2 > radius**2 for mx, my, _n in modes):
            modes.append((float(cx), float(cy), int(counts[k])))
    return modes


def lens_direction(
    yaw: NDArray[np.float64], pitch: NDArray[np.float64], radius: float
) -> tuple[float, float, float]:
    """Where this person looks when looking at the lens, from a session's gaze directions.

    The session's own clusters (the lens is one tight cluster; the screen, notes and the room
    are others) are weighed by how many frames they hold and by how near they lie to where
    the geometry puts the lens (``LENS_PRIOR_DEG``: the gaze measure is taken relative to the
    direction of the camera from the face). Neither alone is trusted: a session spent mostly
    looking at the screen has its densest cluster there, and people's own "at the lens"
    readings stray from the prior by several degrees.

    Returns:
        (yaw, pitch, distance from the prior in degrees); NaNs when there is no gaze at all.

    """
    modes = gaze_modes(yaw, pitch, radius)
    if not modes:
        return float("nan"), float("nan"), float("nan")
    px, py = LENS_PRIOR_DEG

    def score(mode: tuple[float, float, int]) -> float:
        d2 = (mode[0] - px) ** 2 + (mode[1] - py) ** 2
        return mode[2] * float(np.exp(-d2 / (2 * LENS_PRIOR_SPREAD_DEG**2)))

    best = max(modes, key=score)
    return best[0], best[1], float(np.hypot(best[0] - px, best[1] - py))


def densest_point(
    x: NDArray[np.float64], y: NDArray[np.float64], radius: float, max_points: int = 2000
) -> tuple[float, float]:
    """The (x, y) sample with the most other samples within ``radius``: the usual direction.

    Looking at the lens is a tight cluster while looking away spreads over many directions,
    so the densest point is a better "looking at the lens" estimate than a mean or median.
    NaN samples are ignored; returns (nan, nan) when there are none.
    """
    ok = ~(np.isnan(x) | np.isnan(y))
    pts = np.stack([x[ok], y[ok]], axis=1)
    if len(pts) == 0:
        return float("nan"), float("nan")
    if len(pts) > max_points:
        pts = pts[np.linspace(0, len(pts) - 1, max_points).astype(int)]
    d2 = np.sum((pts[:, None, :] - pts[None, :, :]) ** 2, axis=2)
    centre = pts[int(np.argmax(np.sum(d2 <= radius**2, axis=1)))]
    # A few mean-shift steps move from the densest sample to the middle of its cluster.
    for _ in range(5):
        near = np.sum((pts - centre) ** 2, axis=1) <= radius**2
        centre = pts[near].mean(axis=0)
    return float(centre[0]), float(centre[1])


def running_median(
    values: NDArray[np.float64], time_s: NDArray[np.float64], window_s: float
) -> NDArray[np.float64]:
    """Centred running median over ``window_s`` seconds, ignoring NaN (NaN stays NaN)."""
    out = np.full(len(values), np.nan)
    lo = np.searchsorted(time_s, time_s - window_s / 2, side="left")
    hi = np.searchsorted(time_s, time_s + window_s / 2, side="right")
    for i in np.flatnonzero(~np.isnan(values)):
        out[i] = np.nanmedian(values[lo[i] : hi[i]])
    return out


def off_cone_deg(yaw: NDArray[np.float64], pitch: NDArray[np.float64]) -> NDArray[np.float64]:
    """How far a gaze (relative to the reference) lies outside the eye-contact cone, degrees."""
    side = np.maximum(np.abs(yaw) - MAX_SIDEWAYS_DEG, 0)
    vert = np.where(
        pitch >= 0, np.maximum(pitch - MAX_DOWN_DEG, 0), np.maximum(-pitch - MAX_UP_DEG, 0)
    )
    return np.hypot(side, vert)


def eye_contact_state(
    features: GazeFeatures,
    time_s: NDArray[np.float64],
    gaze_yaw_ref: float,
    gaze_pitch_ref: float,
    openness_ref: float,
    eye_pitch_ref: float = float("nan"),
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Decide eye contact per frame.

    Args:
        features: From ``gaze_features``.
        time_s: (T,) presentation times, seconds.
        gaze_yaw_ref: The person's gaze yaw when looking at the lens, degrees.
        gaze_pitch_ref: The same for pitch.
        openness_ref: The person's usual eye openness (eyes open).
        eye_pitch_ref: The eyes' own pitch at the reference; where the lids narrow, the
            eyes' pitch counts less and this takes its place (NaN: no such correction).

    Returns:
        (state, off_deg): state (T,) 1.0 eye contact, 0.0 looking away or eyes closed,
        NaN no face; off_deg (T,) how far outside the tolerated cone the smoothed gaze is,
        in degrees (0 inside, NaN unknown).

    """
    yaw = features.gaze_yaw_deg - gaze_yaw_ref
    pitch = features.gaze_pitch_deg - gaze_pitch_ref
    if np.isfinite(eye_pitch_ref):
        hidden = 1.0 - np.nan_to_num(eye_weight(features.openness, openness_ref), nan=1.0)
        eye_pitch = features.gaze_pitch_deg - features.head_pitch_deg
        pitch = pitch - hidden * (eye_pitch - eye_pitch_ref)
    off_deg = running_median(off_cone_deg(yaw, pitch), time_s, SMOOTH_S)
    known = ~np.isnan(features.openness) & ~np.isnan(off_deg)
    closed = known & (features.openness < CLOSED_RATIO * openness_ref)

    looking = np.where(known, (off_deg == 0).astype(float), np.nan)
    # A blink keeps the state of the frame before it; a long closure is not eye contact.
    for first, last in events.runs(closed):
        if events.span_s(time_s, first, last) <= MAX_BLINK_S:
            before = looking[first - 1] if first > 0 else np.nan
            looking[first : last + 1] = before if not np.isnan(before) else 1.0
        else:
            looking[first : last + 1] = 0.0
    away = np.where(np.isnan(looking), np.nan, 1.0 - looking)
    away = events.debounce(away, time_s, min_on_s=MIN_AWAY_S, min_off_s=0.2)
    state = np.where(np.isnan(away), np.nan, 1.0 - away)
    return state, off_deg
