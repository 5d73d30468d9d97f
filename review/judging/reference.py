"""The person's own reference: how they look sitting upright and looking at the lens.

Inferred robustly from the session itself by default (not from its first frame, which fails
when someone starts slumped or settles in), or measured on a short calibration clip.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from review.detectors.gaze import lens_direction
from review.detectors.slump import Upright

#: Upright posture inferred from a session: this percentile of its neck ratio (people sit
#: upright some of the time; a high percentile finds it without trusting any one frame).
UPRIGHT_PERCENTILE = 90.0
#: The frames whose neck ratio is at least this percentile are the upright ones, whose head
#: height, shoulder width and face size make the rest of the upright reference.
UPRIGHT_FRAMES_PERCENTILE = 80.0
#: Frames whose gaze is within this many degrees of each other form the "usual" direction.
GAZE_CLUSTER_DEG = 5.0
#: Eyes count as open for the gaze reference above this fraction of the median openness.
OPEN_FOR_REFERENCE = 0.7


@dataclass(frozen=True)
class Reference:
    """What "upright" and "looking at the lens" look like for this person.

    Attributes:
        source: "session" (inferred from the analysed recording) or "calibration".
        calibration_video: The calibration clip when source is "calibration", else None.
        upright_neck_ratio: Neck ratio (see review.detectors.slump) when sitting upright, or None.
        gaze_yaw_deg: Gaze yaw when looking at the lens, degrees, or None.
        gaze_pitch_deg: Gaze pitch when looking at the lens, degrees, or None.
        eye_openness: Usual eye openness (lid gap / eye width) with eyes open, or None.
        eye_pitch_deg: The eyes' own pitch in the head when looking at the lens, degrees
            (the part of the gaze that narrowed lids hide), or None.
        upright_head_y: The head's height in the frame sitting upright (normalised), or None.
        upright_shoulder_width: Shoulder width sitting upright, pixels, or None.
        upright_face_width: Face width sitting upright, pixels, or None.
        lens_distance_deg: How far the gaze reference lies from where the geometry puts the
            lens, degrees: large when the person may never have looked at the lens (then
            the session's own reference is doubtful), or None.

    """

    source: str
    calibration_video: str | None
    upright_neck_ratio: float | None
    gaze_yaw_deg: float | None
    gaze_pitch_deg: float | None
    eye_openness: float | None
    eye_pitch_deg: float | None = None
    lens_distance_deg: float | None = None
    upright_head_y: float | None = None
    upright_shoulder_width: float | None = None
    upright_face_width: float | None = None

    def upright(self) -> Upright | None:
        """The upright posture for ``review.detectors.slump``, or None if any part is unknown."""
        neck, head_y = self.upright_neck_ratio, self.upright_head_y
        shoulders, face = self.upright_shoulder_width, self.upright_face_width
        if neck is None or head_y is None or shoulders is None or face is None:
            return None
        return Upright(float(neck), float(head_y), float(shoulders), float(face))

    def to_dict(self) -> dict[str, str | float | None]:
        """JSON-ready form."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reference:
        """Inverse of ``to_dict`` (``data`` as parsed from JSON, checked by storing.store)."""
        fields: dict[str, Any] = {k: data.get(k) for k in cls.__dataclass_fields__}
        return cls(**fields)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def infer_reference(
    neck_ratio: NDArray[np.float64],
    gaze_yaw_deg: NDArray[np.float64],
    gaze_pitch_deg: NDArray[np.float64],
    openness: NDArray[np.float64],
    source: str = "session",
    calibration_video: str | None = None,
    eye_pitch_deg: NDArray[np.float64] | None = None,
    head_y: NDArray[np.float64] | None = None,
    shoulder_width: NDArray[np.float64] | None = None,
    face_width: NDArray[np.float64] | None = None,
) -> Reference:
    """Infer the reference from per-frame measures (NaN where no person or not judged).

    Upright is a high percentile of the neck ratio for a session, the median for a
    calibration clip (the person sat upright throughout); the gaze reference is the densest
    gaze direction with eyes open; the openness reference is the median openness.
    """
    with np.errstate(all="ignore"):
        neck = neck_ratio[~np.isnan(neck_ratio)]
        if len(neck) == 0:
            upright = float("nan")
        elif source == "calibration":
            upright = float(np.median(neck))
        else:
            upright = float(np.percentile(neck, UPRIGHT_PERCENTILE))
        posture = {"upright_head_y": head_y, "upright_shoulder_width": shoulder_width}
        posture["upright_face_width"] = face_width
        upright_parts: dict[str, float | None] = {}
        if len(neck):
            # A calibration clip is all upright; a session is upright in its longest necks.
            level = (
                -np.inf
                if source == "calibration"
                else np.percentile(neck, UPRIGHT_FRAMES_PERCENTILE)
            )
            frames = np.nan_to_num(neck_ratio, nan=-np.inf) >= level
            for name, values in posture.items():
                if values is not None:
                    chosen = np.asarray(values, dtype=float)[frames]
                    chosen = chosen[~np.isnan(chosen)]
                    upright_parts[name] = float(np.median(chosen)) if len(chosen) else None
        opened = openness[~np.isnan(openness)]
        open_ref = float(np.median(opened)) if len(opened) else float("nan")
        eyes_open = np.nan_to_num(openness, nan=0.0) >= OPEN_FOR_REFERENCE * open_ref
    yaw, pitch, lens_distance = lens_direction(
        np.where(eyes_open, gaze_yaw_deg, np.nan),
        np.where(eyes_open, gaze_pitch_deg, np.nan),
        radius=GAZE_CLUSTER_DEG,
    )
    eye_pitch = float("nan")
    if eye_pitch_deg is not None and np.isfinite(yaw):
        with np.errstate(invalid="ignore"):
            near = eyes_open & (np.hypot(gaze_yaw_deg - yaw, gaze_pitch_deg - pitch) <= 5.0)
        if near.any():
            eye_pitch = float(np.nanmedian(eye_pitch_deg[near]))
    return Reference(
        source=source,
        calibration_video=calibration_video,
        upright_neck_ratio=_finite(upright),
        gaze_yaw_deg=_finite(yaw),
        gaze_pitch_deg=_finite(pitch),
        eye_openness=_finite(open_ref),
        eye_pitch_deg=_finite(eye_pitch),
        lens_distance_deg=_finite(lens_distance),
        upright_head_y=upright_parts.get("upright_head_y"),
        upright_shoulder_width=upright_parts.get("upright_shoulder_width"),
        upright_face_width=upright_parts.get("upright_face_width"),
    )
