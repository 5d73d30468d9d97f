"""How far the face travels in the picture, in face widths.

The head's pitch is read from a face that may be moving: a person rising or sinking in the
chair, bouncing or swaying carries the whole face across the picture and is seen from a
changing angle, which the pitch reads as the head tipping. ``travel`` says how far the face
went (the centre of the face mesh's box, per frame, in pixels, over the face's width, so that
a small or distant face counts the same as a near one).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def travel(
    centre_px: NDArray[np.float64], width_px: NDArray[np.float64], first: int, last: int
) -> float:
    """How far the face's position spreads over frames first..last, face widths (0: no face).

    The larger of the horizontal and vertical extents (max - min), over the face's median
    width in those frames.
    """
    part = np.asarray(centre_px, dtype=float)[first : last + 1]
    widths = np.asarray(width_px, dtype=float)[first : last + 1]
    known = np.isfinite(part).all(axis=1) & np.isfinite(widths) & (widths > 0)
    if not known.any():
        return 0.0
    extent = part[known].max(axis=0) - part[known].min(axis=0)
    return float(extent.max() / np.median(widths[known]))
