"""Synthetic landmark sequences built from one real MediaPipe frame with exact changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from review.landmarks.holistic import FacePoint as F
from review.landmarks.holistic import Landmarks
from review.landmarks.holistic import PoseLandmark as P

DATA = Path(__file__).parent / "data"
#: Real Holistic output for single_face.mp4 (a man at his webcam, looking at the lens).
TEMPLATE = DATA / "single_face_landmarks.npz"
HEAD_POSE_POINTS = list(range(0, 11))  # nose, eyes, ears, mouth
#: Pose points of each hand, [left, right] as Holistic names the hands: wrist, then fingers.
POSE_HAND = (
    (P.LEFT_WRIST, P.LEFT_INDEX, P.LEFT_PINKY, P.LEFT_THUMB),
    (P.RIGHT_WRIST, P.RIGHT_INDEX, P.RIGHT_PINKY, P.RIGHT_THUMB),
)


def template_frame() -> Landmarks:
    lm = Landmarks.load(TEMPLATE)
    return Landmarks(
        time_s=lm.time_s[:1],
        pose=lm.pose[:1].copy(),
        face=lm.face[:1].copy(),
        face_box=lm.face_box[:1].copy(),
        hands=lm.hands[:1].copy(),
        frame_size=lm.frame_size,
    )


def still(seconds: float, fps: float = 30.0) -> Landmarks:
    """The template frame held still for ``seconds``."""
    t0 = template_frame()
    n = int(round(seconds * fps))
    return Landmarks(
        time_s=np.arange(n) / fps,
        pose=np.repeat(t0.pose, n, axis=0),
        face=np.repeat(t0.face, n, axis=0),
        face_box=np.repeat(t0.face_box, n, axis=0),
        hands=np.repeat(t0.hands, n, axis=0),
        frame_size=t0.frame_size,
    )


def neck_length(lm: Landmarks) -> float:
    """Normalised vertical distance nose to shoulder line in frame 0."""
    shoulders = (lm.pose[0, P.LEFT_SHOULDER, 1] + lm.pose[0, P.RIGHT_SHOULDER, 1]) / 2
    return float(shoulders - lm.pose[0, P.NOSE, 1])


def sink_head(lm: Landmarks, fraction: np.ndarray) -> Landmarks:
    """Move the head down towards the shoulders by ``fraction`` (T,) of the neck length."""
    dy = (np.asarray(fraction, dtype=np.float32) * neck_length(lm))[:, None]
    lm.pose[:, HEAD_POSE_POINTS, 1] += dy
    lm.face[:, :, 1] += dy
    lm.face_box[:, [1, 3]] += dy
    return lm


def translate(lm: Landmarks, dx: np.ndarray, dy: np.ndarray) -> Landmarks:
    """Move the whole person by (dx, dy) (T,) in normalised units."""
    dx = np.asarray(dx, dtype=np.float32)[:, None]
    dy = np.asarray(dy, dtype=np.float32)[:, None]
    lm.pose[:, :, 0] += dx
    lm.pose[:, :, 1] += dy
    lm.face[:, :, 0] += dx
    lm.face[:, :, 1] += dy
    lm.face_box[:, [0, 2]] += dx
    lm.face_box[:, [1, 3]] += dy
    lm.hands[..., 0] += dx[:, :, None]
    lm.hands[..., 1] += dy[:, :, None]
    return lm


def roll_camera(lm: Landmarks, degrees: float) -> Landmarks:
    """The same recording through a camera rolled by ``degrees`` (about the frame's centre)."""
    w, h = lm.frame_size
    a = np.radians(degrees)
    c, s = np.float32(np.cos(a)), np.float32(np.sin(a))

    def turn(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        px, py = (x - 0.5) * w, (y - 0.5) * h
        return (c * px - s * py) / w + 0.5, (s * px + c * py) / h + 0.5

    for points in (lm.pose, lm.face, lm.hands):
        points[..., 0], points[..., 1] = turn(points[..., 0], points[..., 1])
    corners = [
        turn(lm.face_box[:, i], lm.face_box[:, j]) for i, j in ((0, 1), (2, 1), (0, 3), (2, 3))
    ]
    xs, ys = np.stack([x for x, _ in corners]), np.stack([y for _, y in corners])
    lm.face_box[:] = np.stack([xs.min(0), ys.min(0), xs.max(0), ys.max(0)], axis=1)
    return lm


def close_eyes(lm: Landmarks, frames: np.ndarray) -> Landmarks:
    """Close both eyes (upper lids onto lower lids) in the given frames (bool mask)."""
    pairs = [
        (F.RIGHT_UPPER_LID, F.RIGHT_LOWER_LID),
        (F.RIGHT_UPPER_LID_2, F.RIGHT_LOWER_LID_2),
        (F.RIGHT_UPPER_LID_3, F.RIGHT_LOWER_LID_3),
        (F.LEFT_UPPER_LID, F.LEFT_LOWER_LID),
        (F.LEFT_UPPER_LID_2, F.LEFT_LOWER_LID_2),
        (F.LEFT_UPPER_LID_3, F.LEFT_LOWER_LID_3),
    ]
    for up, lo in pairs:
        lm.face[frames, up.slot, :2] = lm.face[frames, lo.slot, :2]
    return lm


def shift_irises(lm: Landmarks, frames: np.ndarray, eye_widths: float, down: bool = False):
    """Move both irises sideways (or down) by ``eye_widths`` of the eye's width."""
    for outer, inner, iris in (
        (F.RIGHT_EYE_OUTER, F.RIGHT_EYE_INNER, F.RIGHT_IRIS),
        (F.LEFT_EYE_INNER, F.LEFT_EYE_OUTER, F.LEFT_IRIS),
    ):
        a = lm.face[frames, outer.slot, :2]
        b = lm.face[frames, inner.slot, :2]
        width = np.linalg.norm((b - a) * (lm.aspect, 1), axis=1)
        if down:
            lm.face[frames, iris.slot, 1] += eye_widths * width
        else:
            lm.face[frames, iris.slot, 0] += eye_widths * width / lm.aspect
    return lm


def remove_face(lm: Landmarks, frames: np.ndarray) -> Landmarks:
    lm.face[frames] = np.nan
    lm.face_box[frames] = np.nan
    return lm


def remove_person(lm: Landmarks, frames: np.ndarray) -> Landmarks:
    remove_face(lm, frames)
    lm.pose[frames] = np.nan
    lm.hands[frames] = np.nan
    return lm


def hand_at(lm: Landmarks, frames: np.ndarray, x: float, y: float, side: int = 1) -> Landmarks:
    """Put a hand (21 points in a small cluster) centred at normalised (x, y)."""
    rng = np.random.default_rng(0)
    pts = np.stack([x + 0.02 * rng.standard_normal(21), y + 0.03 * rng.standard_normal(21)], 1)
    lm.hands[frames, side, :, 0] = pts[:, 0]
    lm.hands[frames, side, :, 1] = pts[:, 1]
    lm.hands[frames, side, :, 2] = 0.0
    # The pose follows the arm there too (wrist just below the hand, fingers at it).
    wrist, *fingers = POSE_HAND[side]
    lm.pose[frames, wrist, :2] = (x, y + 0.06)
    for point in fingers:
        lm.pose[frames, point, :2] = (x, y)
    lm.pose[frames, wrist, 3] = 0.9
    for point in fingers:
        lm.pose[frames, point, 3] = 0.9
    return lm


def nod(lm: Landmarks, degrees: np.ndarray) -> Landmarks:
    """Pitch the head by ``degrees`` (T,) about an axis through the ears.

    Face-mesh points rotate in the (y, z) plane about a pivot level with the sides of the face
    and 0.7 of the nose-to-sides depth behind them (the top of the spine, deeper than the
    ear canals the detector assumes); pose head points follow the face mesh's nose.
    """
    w, h = lm.frame_size
    xyz = lm.face.astype(np.float64) * (w, h, w)
    cheeks = (xyz[:, F.RIGHT_CHEEK.slot] + xyz[:, F.LEFT_CHEEK.slot]) / 2
    nose = xyz[:, F.NOSE_TIP.slot]
    pivot_y = cheeks[:, 1]
    pivot_z = cheeks[:, 2] + 0.7 * (cheeks[:, 2] - nose[:, 2])
    a = np.radians(np.asarray(degrees, dtype=np.float64))[:, None]
    y, z = xyz[..., 1] - pivot_y[:, None], xyz[..., 2] - pivot_z[:, None]
    new_y = pivot_y[:, None] + y * np.cos(a) - z * np.sin(a)
    new_z = pivot_z[:, None] + y * np.sin(a) + z * np.cos(a)
    moved = new_y - xyz[..., 1]
    lm.face[..., 1] = new_y / h
    lm.face[..., 2] = new_z / w
    box_y = moved.mean(axis=1) / h
    lm.face_box[:, [1, 3]] += box_y[:, None].astype(np.float32)
    lm.pose[:, HEAD_POSE_POINTS, 1] += (moved[:, F.NOSE_TIP.slot] / h)[:, None].astype(np.float32)
    return lm


def talk(lm: Landmarks, frames: np.ndarray | None = None, syllables_hz: float = 3.0) -> Landmarks:
    """Move the jaw as in speech: the chin drops and comes back ``syllables_hz`` times a second.

    The chin drops by up to 8 % of the face's height (about 1.4 cm on a real face; man A's
    talking in the dev set reached 1.4 cm at its 90th percentile) and the mouth corners follow
    it down by a fifth of that and in by a twentieth, as an opening jaw pulls them: the mouth
    gets narrower and lower, never wider and higher, so talking is never a smile. Only the
    chin and the mouth corners move; the eyes, nose, forehead and the sides of the face (the
    head's pose), the face's box and the pose are untouched. ``frames``: bool mask (all).
    """
    n = len(lm)
    on = np.ones(n, dtype=bool) if frames is None else np.asarray(frames, dtype=bool)
    height = float(np.nanmedian(lm.face_box[:, 3] - lm.face_box[:, 1]))
    opening = 0.5 * (1.0 - np.cos(2 * np.pi * syllables_hz * lm.time_s)) * on  # 0..1
    drop = (0.08 * height * opening).astype(np.float32)
    lm.face[:, F.CHIN.slot, 1] += drop
    right, left = F.MOUTH_RIGHT.slot, F.MOUTH_LEFT.slot
    inward = (0.05 * drop / lm.aspect).astype(np.float32)  # x is in widths, y in heights
    lm.face[:, right, 1] += drop / 5
    lm.face[:, left, 1] += drop / 5
    lm.face[:, right, 0] += inward  # the right corner is on the image's left
    lm.face[:, left, 0] -= inward
    return lm


def answering(seconds: float, fps: float = 30.0) -> Landmarks:
    """A person answering a question: upright, looking at the lens, still, the jaw talking.

    The synthetic "good" person: ``still`` with ``talk``. A face frozen for seconds (``still``
    alone) is, rightly, a blank face after ``review.detectors.warmth.BLANK_MIN_S``.
    """
    return talk(still(seconds, fps))
