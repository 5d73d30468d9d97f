"""Is a person in view? Face mesh first, pose only as a continuation of a seen face.

The pose tracker keeps "seeing" a person for seconds after a cut to an empty scene and finds
bodies in cartoons; the face mesh does not. So a frame has a person when the face is found,
or when the pose track continues without a break from a frame with a face while a hand is at
the head (a hand covering the face explains the missing face). A pose alone is not trusted
for longer than ``MAX_HIDDEN_FACE_S``: on a cut to an animated title, MediaPipe Holistic's pose
stayed on the empty scene for 0.4 s when every third frame was analysed, and a frame where the
face mesh briefly fails is better "not judged" than guessed.
"""

from __future__ import annotations

import numpy as np

#: How long the pose alone may carry a person after the face was last seen, seconds.
MAX_HIDDEN_FACE_S = 0.0


def person_present(
    face: np.ndarray, pose: np.ndarray, hand_at_head: np.ndarray, time_s: np.ndarray
) -> np.ndarray:
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
        elif pose[i] and last_seen is not None:
            if hand_at_head[i] or time_s[i] - last_seen <= MAX_HIDDEN_FACE_S:
                present[i] = True
                if hand_at_head[i]:
                    last_seen = time_s[i]
            else:
                last_seen = None
        else:
            last_seen = None
    return present
