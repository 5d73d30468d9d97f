"""Eye contact: looking at the lens, from head rotation and iris position together.

The gaze direction is the head's rotation (from the 3-D face mesh) plus the eyes' rotation
in the head (from the iris position between the eye corners, in the eye's own axis so a
tilted head does not fool it). It is compared with the person's own "looking at the lens"
reference, with a wider tolerance below the lens than above (people notice gaze falling
below their eyes far less). Closed eyes: a blink keeps the state around it; eyes closed for
longer are not eye contact. No face, no judgement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from review import events
from review.geometry import face_px, norm
from review.landmarks import FacePoint as F
from review.landmarks import Landmarks

#: Degrees of eye rotation per eye width of iris displacement: an eyeball of about 12 mm
#: radius under an eye opening about 29 mm wide gives asin(29 * d / 12) ~ 2.4 rad per unit.
DEG_PER_EYE_WIDTH = 138.0
#: Tolerances around the reference, in degrees of gaze.
MAX_SIDEWAYS_DEG = 10.0
MAX_UP_DEG = 8.0
MAX_DOWN_DEG = 15.0
#: Eyes count as closed below this fraction of the person's usual openness.
CLOSED_RATIO = 0.5
#: Eyes closed for less than this are a blink (not looking away).
MAX_BLINK_S = 0.4
#: Gaze is smoothed with a running median over this window (blink and blur outliers).
SMOOTH_S = 0.3
#: Looking away for less than this is a glance, not poor eye contact.
MIN_AWAY_S = 0.5


@dataclass(frozen=True)
class GazeFeatures:
    """Per-frame gaze measures (NaN where no face).

    Attributes:
        head_yaw_deg: (T,) head turned towards the image's right (+) or left (-), degrees.
        head_pitch_deg: (T,) head tilted down (+) or up (-), degrees.
        gaze_yaw_deg: (T,) head plus eye rotation, sideways, degrees.
        gaze_pitch_deg: (T,) head plus eye rotation, down (+) / up (-), degrees.
        openness: (T,) eyelid opening divided by eye width, both eyes averaged.

    """

    head_yaw_deg: np.ndarray
    head_pitch_deg: np.ndarray
    gaze_yaw_deg: np.ndarray
    gaze_pitch_deg: np.ndarray
    openness: np.ndarray


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation (deg) of the 3-D segment a->b out of the image plane (+ when b is farther)."""
    d = b - a
    return np.degrees(np.arctan2(d[:, 2], norm(d[:, :2])))


def _iris_offset(
    lm: Landmarks, left_corner: F, right_corner: F, iris: F
) -> tuple[np.ndarray, np.ndarray]:
    """Iris offset in one eye, in eye widths: along its axis (+ image right), across (+ down)."""
    a = face_px(lm, left_corner)[:, :2]
    b = face_px(lm, right_corner)[:, :2]
    c = face_px(lm, iris)[:, :2]
    width = norm(b - a)
    u = (b - a) / width[:, None]
    n = np.stack([-u[:, 1], u[:, 0]], axis=1)  # u turned 90 deg clockwise: "down" in the eye
    rel = c - (a + b) / 2
    return np.sum(rel * u, axis=1) / width, np.sum(rel * n, axis=1) / width


def _openness(lm: Landmarks, outer: F, inner: F, lids: list[tuple[F, F]]) -> np.ndarray:
    width = norm(face_px(lm, outer)[:, :2] - face_px(lm, inner)[:, :2])
    gaps = [norm(face_px(lm, up)[:, :2] - face_px(lm, lo)[:, :2]) for up, lo in lids]
    return np.mean(gaps, axis=0) / width


def gaze_features(lm: Landmarks) -> GazeFeatures:
    """Measure head rotation, gaze direction and eye openness in every frame."""
    yaw = _angle(face_px(lm, F.RIGHT_CHEEK), face_px(lm, F.LEFT_CHEEK))
    pitch = _angle(face_px(lm, F.FOREHEAD), face_px(lm, F.CHIN))
    h_r, v_r = _iris_offset(lm, F.RIGHT_EYE_OUTER, F.RIGHT_EYE_INNER, F.RIGHT_IRIS)
    h_l, v_l = _iris_offset(lm, F.LEFT_EYE_INNER, F.LEFT_EYE_OUTER, F.LEFT_IRIS)
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
        head_yaw_deg=yaw,
        head_pitch_deg=pitch,
        gaze_yaw_deg=yaw + DEG_PER_EYE_WIDTH * (h_r + h_l) / 2,
        gaze_pitch_deg=pitch + DEG_PER_EYE_WIDTH * (v_r + v_l) / 2,
        openness=(open_r + open_l) / 2,
    )


def densest_point(
    x: np.ndarray, y: np.ndarray, radius: float, max_points: int = 2000
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


def running_median(values: np.ndarray, time_s: np.ndarray, window_s: float) -> np.ndarray:
    """Centred running median over ``window_s`` seconds, ignoring NaN (NaN stays NaN)."""
    out = np.full(len(values), np.nan)
    lo = np.searchsorted(time_s, time_s - window_s / 2, side="left")
    hi = np.searchsorted(time_s, time_s + window_s / 2, side="right")
    for i in np.flatnonzero(~np.isnan(values)):
        out[i] = np.nanmedian(values[lo[i] : hi[i]])
    return out


def eye_contact_state(
    features: GazeFeatures,
    time_s: np.ndarray,
    gaze_yaw_ref: float,
    gaze_pitch_ref: float,
    openness_ref: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Decide eye contact per frame.

    Args:
        features: From ``gaze_features``.
        time_s: (T,) presentation times, seconds.
        gaze_yaw_ref: The person's gaze yaw when looking at the lens, degrees.
        gaze_pitch_ref: The same for pitch.
        openness_ref: The person's usual eye openness (eyes open).

    Returns:
        (state, off_deg): state (T,) 1.0 eye contact, 0.0 looking away or eyes closed,
        NaN no face; off_deg (T,) how far outside the tolerated cone the smoothed gaze is,
        in degrees (0 inside, NaN unknown).

    """
    yaw = running_median(features.gaze_yaw_deg - gaze_yaw_ref, time_s, SMOOTH_S)
    pitch = running_median(features.gaze_pitch_deg - gaze_pitch_ref, time_s, SMOOTH_S)
    side = np.maximum(np.abs(yaw) - MAX_SIDEWAYS_DEG, 0)
    vert = np.where(
        pitch >= 0, np.maximum(pitch - MAX_DOWN_DEG, 0), np.maximum(-pitch - MAX_UP_DEG, 0)
    )
    off_deg = np.hypot(side, vert)
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
