"""Where FaceMesh looks: a crop around the face, so that a face small in the frame is found.

MediaPipe's FaceMesh finds a face with its short-range detector, which sees the whole frame
shrunk to 128 px: a face a tenth of a 1280 px frame wide is then 13 px, and is not found (a
woman filmed at 640x480 and shown in a 1280x720 frame: none of 720 frames). Holistic finds
the same face from the pose. So FaceMesh is given a square crop about ``CROP_FACES`` face
widths wide around the face last seen (by itself or by Holistic), in which any face the
detector can see at all is large, and the landmarks found in it are mapped back to the whole
frame. At 7.5 analysed frames a second a swaying head moves up to about a face width between
them, so the face stays inside a crop three face widths wide placed where it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from review.landmarks.holistic import N_FACE

#: The crop's side, in face widths (the larger side of the face mesh's box).
CROP_FACES = 3.0


@dataclass(frozen=True)
class Crop:
    """A rectangle of the frame, in pixels: columns x0..x0+width, rows y0..y0+height."""

    x0: int
    y0: int
    width: int
    height: int

    def image(self, frame: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """The crop's pixels of a frame (a view)."""
        return frame[self.y0 : self.y0 + self.height, self.x0 : self.x0 + self.width]


def _axis(centre: float, side: int, length: int) -> tuple[int, int]:
    side = min(side, length)
    start = int(round(centre - side / 2))
    return min(max(start, 0), length - side), side


def around(box_px: NDArray[np.floating[Any]], frame_size: tuple[int, int]) -> Crop | None:
    """The crop for a face box (x0, y0, x1, y1 in pixels), kept inside the frame.

    None when the box is not a face (NaN or empty). A crop that would be larger than the frame
    is the frame (on that axis).
    """
    x0, y0, x1, y1 = (float(v) for v in box_px)
    face = max(x1 - x0, y1 - y0)
    if not np.isfinite(face) or face <= 0:
        return None
    side = int(round(CROP_FACES * face))
    cx, w = _axis((x0 + x1) / 2, side, frame_size[0])
    cy, h = _axis((y0 + y1) / 2, side, frame_size[1])
    return Crop(cx, cy, w, h)


def to_frame(
    face_part: NDArray[np.float32], crop: Crop, frame_size: tuple[int, int]
) -> NDArray[np.float32]:
    """Face columns (points x, y, z, then the box) found in the crop, in the whole frame's units.

    x and y are normalised to the crop and become normalised to the frame; z is on the scale
    of x (MediaPipe's convention), so it scales as x does.
    """
    w, h = frame_size
    sx, sy = crop.width / w, crop.height / h
    ox, oy = crop.x0 / w, crop.y0 / h
    out = np.array(face_part, dtype=np.float32, copy=True)
    points = out[: N_FACE * 3].reshape(N_FACE, 3)
    points[:, 0] = ox + points[:, 0] * sx
    points[:, 1] = oy + points[:, 1] * sy
    points[:, 2] *= sx
    box = out[N_FACE * 3 :]
    box[[0, 2]] = ox + box[[0, 2]] * sx
    box[[1, 3]] = oy + box[[1, 3]] * sy
    return out
