"""Warmth: smiles, expression and nods on synthetic landmarks (one real face, exact changes)."""

from __future__ import annotations

import numpy as np
import pytest

from review.detectors import nods, smile, warmth
from review.judging import analysis
from review.landmarks.holistic import FacePoint as F
from review.landmarks.holistic import Landmarks
from tests import synth

FPS = 30.0


def _mouth(lm: Landmarks, frames: np.ndarray, widen: float, lift: float, sides=(0, 1)) -> None:
    """Pull the mouth corners outwards by ``widen`` of the mouth's width (each side half) and up
    by ``lift`` of it, in the given frames; ``sides``: 0 the right corner, 1 the left."""
    right, left = F.MOUTH_RIGHT.slot, F.MOUTH_LEFT.slot
    width = float(np.hypot(*(lm.face[0, left, :2] - lm.face[0, right, :2])))
    for side, slot, outward in ((0, right, -1.0), (1, left, 1.0)):
        if side in sides:
            lm.face[frames, slot, 0] += outward * widen * width / 2
            lm.face[frames, slot, 1] -= lift * width


def _states(lm: Landmarks) -> dict[str, np.ndarray]:
    measures = analysis.measure(lm)
    return analysis.decide(measures, lm.time_s, analysis.reference_from(measures))


def _pitch(lm: Landmarks, degrees: np.ndarray) -> Landmarks:
    """Turn the face mesh about a horizontal axis through its centre (+ chin down), per frame."""
    w, h = lm.frame_size
    pts = lm.face.astype(np.float64) * (w, h, w)
    centre = pts[0].mean(axis=0)
    a = np.radians(np.asarray(degrees, dtype=float))[:, None]
    y, z = pts[..., 1] - centre[1], pts[..., 2] - centre[2]
    pts[..., 1] = centre[1] + y * np.cos(a) - z * np.sin(a)
    pts[..., 2] = centre[2] + y * np.sin(a) + z * np.cos(a)
    lm.face[:] = (pts / (w, h, w)).astype(np.float32)
    return lm


def test_a_still_neutral_face_never_smiles_and_is_blank_once_long_enough():
    lm = synth.still(12.0)
    s = _states(lm)
    assert np.all(s["smiling"] == 0.0)
    assert np.all(s["nodding"] == 0.0)
    assert np.all(s["warmth"] == 0.0)  # 12 s still: one blank stretch
    short = _states(synth.still(warmth.BLANK_MIN_S - 1.0))
    assert np.all(short["warmth"] == 1.0)  # still for less than BLANK_MIN_S: not blank


def test_a_wider_raised_mouth_scores_higher():
    scores = []
    for amount in (0.0, 0.1, 0.2, 0.3):
        lm = synth.still(6.0)
        frames = lm.time_s >= 3.0
        _mouth(lm, frames, widen=amount, lift=amount / 2)
        scores.append(float(np.nanmax(_states(lm)["smile_score"])))
    assert scores == sorted(scores) and scores[-1] > scores[0] + 0.2


def test_a_smile_is_found_where_it_is_and_a_smirk_is_not():
    lm = synth.still(10.0)
    on = (lm.time_s >= 4.0) & (lm.time_s < 6.0)
    _mouth(lm, on, widen=0.3, lift=0.15)
    s = _states(lm)
    assert np.all(s["smiling"][on] == 1.0)
    assert np.all(s["smiling"][lm.time_s < 3.5] == 0.0)
    assert np.all(s["warmth"][on] == 1.0)
    smirk = synth.still(10.0)
    _mouth(smirk, on, widen=0.15, lift=0.3, sides=(1,))  # one corner only
    assert np.all(_states(smirk)["smiling"] == 0.0)


def test_a_session_smiled_throughout_still_smiles():
    """No neutral face in it: the capped neutral (MAX_NEUTRAL_*) still finds a broad grin.

    Half as wide again as his neutral mouth (man G's grin in the dev set: 7.2 cm against the
    4.8-5.4 cm of neutral mouths); a smaller smile held throughout is missed (see smile.py).
    """
    lm = synth.still(6.0)
    _mouth(lm, np.ones(len(lm), bool), widen=0.5, lift=0.2)
    assert np.mean(_states(lm)["smiling"] == 1.0) > 0.9


def test_a_talking_mouth_is_not_blank():
    lm = synth.still(12.0)
    chin = F.CHIN.slot
    # The jaw opening and closing (chin down by up to 10 % of the face height, about 1.8 cm:
    # man A's talking reached 1.4 cm at the 90th percentile) twice a second.
    height = float(lm.face_box[0, 3] - lm.face_box[0, 1])
    lm.face[:, chin, 1] += (0.05 * height * (1 - np.cos(2 * np.pi * 2 * lm.time_s))).astype(
        np.float32
    )
    assert np.all(_states(lm)["warmth"] == 1.0)


def test_a_nod_is_found_and_breaks_a_blank_stretch():
    lm = synth.still(12.0)
    t = lm.time_s
    angle = np.where((t >= 4.0) & (t < 4.5), 10.0 * np.sin((t - 4.0) / 0.5 * np.pi), 0.0)
    s = _states(_pitch(lm, angle))
    assert nods.nod_count(s["nodding"]) == 1
    assert np.all(s["nodding"][(t < 3.9) | (t > 4.6)] == 0.0)
    assert np.all(s["warmth"][t < 3.9] == 1.0)  # under 4 s still before the nod: not blank
    assert np.all(s["warmth"][t > 6.0] == 0.0)  # over 7 s still after it: blank


def _carry(lm: Landmarks, face_widths: np.ndarray) -> Landmarks:
    """Move the whole face (mesh and box) down the picture by this many face widths, per frame."""
    width = float(lm.face_box[0, 2] - lm.face_box[0, 0])  # normalised x
    w, h = lm.frame_size
    dy = (np.asarray(face_widths, dtype=float) * width * w / h).astype(np.float32)
    lm.face[:, :, 1] += dy[:, None]
    lm.face_box[:, 1] += dy
    lm.face_box[:, 3] += dy
    return lm


@pytest.mark.parametrize(("carried", "is_nod"), [(0.1, True), (0.5, False)])
def test_a_pitch_swing_that_carries_the_whole_face_is_not_a_nod(carried, is_nod):
    # A real nod moves the face's centre about 0.01 face widths a degree (0.1 for this 10-degree
    # one); rising in the chair and sinking back carries it much further (man A: 0.46-0.64).
    lm = synth.still(8.0)
    t = lm.time_s
    during = (t >= 4.0) & (t < 4.5)
    swing = np.where(during, np.sin((t - 4.0) / 0.5 * np.pi), 0.0)
    s = _states(_carry(_pitch(lm, 10.0 * swing), carried * swing))
    assert nods.nod_count(s["nodding"]) == (1 if is_nod else 0)


def test_a_blink_or_looking_down_and_staying_is_not_a_nod():
    lm = synth.still(8.0)
    t = lm.time_s
    synth.close_eyes(lm, (t >= 3.0) & (t < 3.2))
    s = _states(lm)
    assert nods.nod_count(s["nodding"]) == 0
    down = synth.still(8.0)
    s = _states(_pitch(down, np.where(t >= 3.0, 12.0, 0.0)))
    assert nods.nod_count(s["nodding"]) == 0


def test_no_face_cannot_be_judged():
    lm = synth.still(8.0)
    gone = lm.time_s >= 4.0
    synth.remove_person(lm, gone)
    s = _states(lm)
    for column in ("warmth", "smiling", "smile_score", "nodding"):
        assert np.all(np.isnan(s[column][gone])), column
    assert not np.isnan(s["warmth"][~gone]).any()


@pytest.mark.parametrize("values", [[0, 5, 0], [0, 5, 0, 5, 0], [1, 1, 1]])
def test_turning_points_find_swings_only(values):
    points = nods.turning_points(np.array(values, dtype=float), 4.0)
    swings = [abs(values[b] - values[a]) for a, b in zip(points, points[1:])]
    assert all(s >= 4.0 for s in swings)
    assert len(swings) == sum(1 for a, b in zip(values, values[1:]) if abs(b - a) >= 4)


def test_neutral_needs_a_second_of_face():
    lm = synth.still(0.5)
    from review.detectors.faceshape import face_shape

    assert smile.neutral_face(face_shape(lm), lm.time_s) is None
