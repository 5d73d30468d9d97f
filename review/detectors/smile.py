"""Smiling: the mouth corners pulled outwards and up, against the person's own neutral face.

A smile (the zygomatic major, FACS action unit 12) pulls both mouth corners out and up. Both
are measured in the canonical face's centimetres (``review.detectors.faceshape``), so the size of
the face in the picture and how the head is turned do not change them, and compared with the
person's own neutral mouth:

- **widening**: the mouth's width over its neutral width, minus 1 (0.3 = 30 % wider);
- **raising**: how much higher the *lower* of the two corners is than its neutral height, in
  neutral mouth widths. Taking the lower corner means that a one-sided smirk or lips pushed
  to one side do not count as a smile; a genuine smile lifts both.

The smile score is their sum; smiling when it reaches ``SMILE_ON`` (hysteresis down to
``SMILE_OFF_SHARE`` of it), for at least ``MIN_SMILE_S``.

The neutral face is the session's own: the ``NEUTRAL_PERCENTILE`` th percentile of the mouth's
width and of each corner's height over the frames with a face (a low percentile, since people
talk and smile for part of the time and a smile only widens and raises). A session smiled
through from start to end has no neutral face in it; so the neutral is never taken wider than
``MAX_NEUTRAL_WIDTH_CM`` nor higher than ``MAX_NEUTRAL_CORNER_CM``, the most a neutral mouth
measured on the tuning people reached (with a margin).

The cheeks' raise (action unit 6, what tells a felt "Duchenne" smile from a polite one) shows
in the face mesh only as narrower eyes. It was tried as a third term (eye openness under the
person's usual) and left out: on the tuning clips blinks, squints and pulled faces narrowed
the eyes as much, and it raised the neutral faces' scores two- to threefold (woman F's
90th percentile from 0.17 to 0.44) while adding little to real smiles.

Constants chosen on the tuning people's clips (man A: no smile in 72 s; man D: a grin and
pulled faces; woman F: neutral; man H: open smiles in a 1.5 s clip with no neutral face):
their neutral frames scored at most 0.20 (90th percentile 0.06-0.17; man D's lip twists
reached 0.36 for a few frames), man D's grin 0.61-0.79. ``SMILE_ON`` sits a quarter of the way
up from the neutral faces' highest. Man H's smile scores only 0.10-0.38: his clip has no
neutral face, so his neutral is the capped one. Held out: every other person (see the
evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from review.detectors import events
from review.detectors.faceshape import FaceShape

#: The neutral face: this percentile of the session's mouth measures (see the module text).
NEUTRAL_PERCENTILE = 25.0
#: A neutral mouth is never taken wider than this, canonical cm (the tuning people's neutral
#: mouths measured 4.8-5.3; the canonical face's is 4.91) ...
MAX_NEUTRAL_WIDTH_CM = 5.3
#: ... nor its corners higher than this (theirs: -5.5 to -4.2; the canonical face's -4.34).
MAX_NEUTRAL_CORNER_CM = -4.0
#: Smiling from this smile score (widening + raising, see the module text) ...
SMILE_ON = 0.25
#: ... until it falls under this share of it.
SMILE_OFF_SHARE = 0.7
#: A smile lasts at least this long (a flicker of the mouth while talking is shorter).
MIN_SMILE_S = 0.3
#: At least this much of a session must show the face to infer its neutral from it, seconds.
MIN_NEUTRAL_S = 1.0


@dataclass(frozen=True)
class Neutral:
    """The person's neutral mouth, canonical centimetres.

    Attributes:
        mouth_width: Corner-to-corner width.
        corner_y: (right, left) corner heights.

    """

    mouth_width: float
    corner_y: tuple[float, float]


def neutral_face(shape: FaceShape, time_s: NDArray[np.float64]) -> Neutral | None:
    """The session's neutral mouth (see the module text); None with under MIN_NEUTRAL_S of face."""
    seen = np.isfinite(shape.mouth_width) & np.isfinite(shape.corner_y).all(axis=1)
    if not seen.any():
        return None
    from review.detectors.events import frame_durations

    if float(np.sum(frame_durations(time_s)[seen])) < MIN_NEUTRAL_S:
        return None
    width = float(np.percentile(shape.mouth_width[seen], NEUTRAL_PERCENTILE))
    corners = np.percentile(shape.corner_y[seen], NEUTRAL_PERCENTILE, axis=0)
    return Neutral(
        mouth_width=min(width, MAX_NEUTRAL_WIDTH_CM),
        corner_y=(
            min(float(corners[0]), MAX_NEUTRAL_CORNER_CM),
            min(float(corners[1]), MAX_NEUTRAL_CORNER_CM),
        ),
    )


def smile_score(shape: FaceShape, neutral: Neutral | None) -> NDArray[np.float64]:
    """(T,) widening plus raising of the mouth against the neutral (NaN: no face or neutral)."""
    if neutral is None:
        return np.full(len(shape.mouth_width), np.nan)
    widen = shape.mouth_width / neutral.mouth_width - 1.0
    raise_cm = np.min(shape.corner_y - np.asarray(neutral.corner_y), axis=1)
    score: NDArray[np.float64] = widen + raise_cm / neutral.mouth_width
    return score


def smiling_state(score: NDArray[np.float64], time_s: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T,) 1.0 smiling, 0.0 not, NaN where the score is unknown (no face)."""
    level = np.asarray(score, dtype=float) / SMILE_ON
    state = events.hysteresis(level, on=1.0, off=SMILE_OFF_SHARE)
    return events.debounce(state, time_s, min_on_s=MIN_SMILE_S, min_off_s=0.2)
