"""Is a person in view? Face mesh first, pose only as a continuation of a seen face.

The pose tracker keeps "seeing" a person for seconds after a cut to an empty scene and finds
bodies in cartoons; the face mesh does not. So a frame has a person when the face is found,
or when the pose track continues without a break from a frame with a face while a hand is at
the head (a hand covering the face explains the missing face). A pose alone is not trusted:
on a cut to an animated title, MediaPipe Holistic's pose stayed on the empty scene for 0.4 s
when every third frame was analysed. A face missed for a
moment between two frames that have it (small or blurred faces flicker) is still a person in
view; nothing is judged from it there.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: A face missed for at most this long between two frames with a face is still there (the
#: face mesh flickers on small or blurred faces); a cut to an empty scene has no face after.
MAX_FACE_GAP_S = 0.5


def person_present(
    face: NDArray[np.bool_],
    pose: NDArray[np.bool_],
    hand_at_head: NDArray[np.bool_],
    time_s: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Decide person-in-view per frame.

    Args:
        face: (T,) bool, the face mesh was found.
        pose: (T,) bool, the pose was found.
        hand_at_head: (T,) bool, a hand is at the head (explains a hidden face).
        time_s: (T,) presentation times, seconds.

    Returns:
        (T,) bool.

    """
    present = np.zeros(len(face), dtype=bool)
    last_seen = None  # time the face was last seen, or a hand explained its absence
    for i in range(len(face)):
        if face[i]:
            present[i] = True
            last_seen = time_s[i]
        elif pose[i] and last_seen is not None and hand_at_head[i]:
            present[i] = True
            last_seen = time_s[i]
        else:
            last_seen = None
    return present | _short_gaps(face, time_s, MAX_FACE_GAP_S)


def _short_gaps(
    found: NDArray[np.bool_], time_s: NDArray[np.float64], max_gap_s: float
) -> NDArray[np.bool_]:
    """(T,) bool: frames of short runs without ``found``, with ``found`` on both sides.

    A run counts when the time between the ``found`` frames around it is at most
    ``max_gap_s``.
    """
    out = np.zeros(len(found), dtype=bool)
    seen = np.flatnonzero(found)
    for a, b in zip(seen[:-1], seen[1:]):
        if b - a > 1 and time_s[b] - time_s[a] <= max_gap_s:
            out[a + 1 : b] = True
    return out
