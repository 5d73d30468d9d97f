"""The person's own reference: how they look sitting upright and looking at the lens.

Inferred robustly from the session itself by default (not from its first frame, which fails
when someone starts slumped or settles in), or measured on a short calibration clip.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from review.gaze import densest_point

#: Upright posture inferred from a session: this percentile of its neck ratio (people sit
#: upright some of the time; a high percentile finds it without trusting any one frame).
UPRIGHT_PERCENTILE = 90.0
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
        upright_neck_ratio: Neck ratio (see review.slump) when sitting upright, or None.
        gaze_yaw_deg: Gaze yaw when looking at the lens, degrees, or None.
        gaze_pitch_deg: Gaze pitch when looking at the lens, degrees, or None.
        eye_openness: Usual eye openness (lid gap / eye width) with eyes open, or None.

    """

    source: str
    calibration_video: str | None
    upright_neck_ratio: float | None
    gaze_yaw_deg: float | None
    gaze_pitch_deg: float | None
    eye_openness: float | None

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> Reference:
        """Inverse of ``to_dict``."""
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def infer_reference(
    neck_ratio: np.ndarray,
    gaze_yaw_deg: np.ndarray,
    gaze_pitch_deg: np.ndarray,
    openness: np.ndarray,
    source: str = "session",
    calibration_video: str | None = None,
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
        opened = openness[~np.isnan(openness)]
        open_ref = float(np.median(opened)) if len(opened) else float("nan")
        eyes_open = np.nan_to_num(openness, nan=0.0) >= OPEN_FOR_REFERENCE * open_ref
    yaw, pitch = densest_point(
        np.where(eyes_open, gaze_yaw_deg, np.nan),
        np.where(eyes_open, gaze_pitch_deg, np.nan),
        radius=GAZE_CLUSTER_DEG,
    )
    return Reference(
        source=source,
        calibration_video=calibration_video,
        upright_neck_ratio=_finite(upright),
        gaze_yaw_deg=_finite(yaw),
        gaze_pitch_deg=_finite(pitch),
        eye_openness=_finite(open_ref),
    )
