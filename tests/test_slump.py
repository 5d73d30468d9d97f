import numpy as np

from review.detectors import slump
from review.judging.analysis import analyse_landmarks
from tests import synth


def test_deeper_slump_scores_higher():
    lm = synth.sink_head(synth.still(1.0), np.linspace(0.0, 0.4, 30))
    score = slump.slump_score(slump.neck_ratio(lm), upright_ratio=slump.neck_ratio(lm)[0])
    assert np.all(np.diff(score) > 0)
    assert score[0] == 0


def test_sinking_a_third_of_the_neck_is_a_slump_and_upright_is_not():
    n = 300
    fraction = np.zeros(n)
    fraction[150:] = 0.33
    lm = synth.sink_head(synth.answering(10.0), fraction)
    session = analyse_landmarks(lm)
    slumped = session.columns["slumped"]
    assert (slumped[:140] == 0).all()
    assert (slumped[160:] == 1).all()
    assert [e.habit for e in session.events] == ["slumped"]


def test_small_sinking_within_noise_is_not_a_slump():
    fraction = np.where(np.arange(300) >= 150, 0.05, 0.0)
    session = analyse_landmarks(synth.sink_head(synth.still(10.0), fraction))
    assert np.nansum(session.columns["slumped"]) == 0


def test_shoulders_out_of_frame_is_unknown_not_upright():
    lm = synth.still(3.0)
    lm.pose[45:, [11, 12], 1] += 0.2  # shoulders pushed below the bottom edge
    session = analyse_landmarks(lm)
    assert (session.columns["slumped"][:45] == 0).all()
    assert np.isnan(session.columns["slumped"][45:]).all()
    assert session.columns["person"].all()  # the person is still there


def test_reference_from_session_is_not_the_first_frame():
    # Starts slumped for 2 s, then sits up for 8 s: the slump at the start must be found.
    fraction = np.where(np.arange(300) < 60, 0.3, 0.0)
    session = analyse_landmarks(synth.sink_head(synth.still(10.0), fraction))
    assert (session.columns["slumped"][:50] == 1).all()
    assert (session.columns["slumped"][70:] == 0).all()


def test_a_deeper_sink_drops_the_head_further():
    lm = synth.sink_head(synth.still(1.0), np.linspace(0.0, 0.4, 30))
    heads = slump.head_height(lm)
    assert np.all(np.diff(heads) > 0)


def test_a_shrug_is_not_a_slump():
    """The shoulders rise (the neck looks shorter) but the head stays where it was."""
    lm = synth.still(10.0)
    lm.pose[150:, [11, 12], 1] -= 0.06
    assert np.nansum(analyse_landmarks(lm).columns["slumped"]) == 0


def test_moving_lower_in_the_picture_with_a_tall_neck_is_not_a_slump():
    n = 300
    dy = np.where(np.arange(n) >= 150, 0.06, 0.0)
    lm = synth.translate(synth.still(10.0), np.zeros(n), dy)
    assert np.nansum(analyse_landmarks(lm).columns["slumped"]) == 0


def test_leaning_in_is_not_a_slump():
    """The head comes forward and down, and the face grows: leaning in."""
    lm = synth.still(10.0)
    frames = np.arange(len(lm)) >= 150
    fraction = np.where(frames, 0.3, 0.0)
    synth.sink_head(lm, fraction)
    cx = (lm.face_box[:, 0] + lm.face_box[:, 2]) / 2
    cy = (lm.face_box[:, 1] + lm.face_box[:, 3]) / 2
    grow = np.where(frames, 1.3, 1.0).astype(np.float32)
    lm.face[:, :, 0] = cx[:, None] + (lm.face[:, :, 0] - cx[:, None]) * grow[:, None]
    lm.face[:, :, 1] = cy[:, None] + (lm.face[:, :, 1] - cy[:, None]) * grow[:, None]
    for k, c in ((0, cx), (2, cx), (1, cy), (3, cy)):
        lm.face_box[:, k] = c + (lm.face_box[:, k] - c) * grow
    assert np.nansum(analyse_landmarks(lm).columns["slumped"]) == 0


def test_looking_down_at_notes_is_not_a_slump():
    lm = synth.nod(synth.still(10.0), np.where(np.arange(300) >= 150, 25.0, 0.0))
    assert np.nansum(analyse_landmarks(lm).columns["slumped"]) == 0


def _tilt_head(lm, degrees: float, frames: np.ndarray):
    """Turn the head (face and the pose's head points) about the shoulders' midpoint."""
    w, h = lm.frame_size
    mid = (lm.pose[0, 11, :2] + lm.pose[0, 12, :2]) / 2 * (w, h)
    a = np.radians(degrees)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])

    def turn(xy):  # (..., 2) normalised
        px = xy * (w, h) - mid
        return ((px @ rot.T) + mid) / (w, h)

    pose = lm.pose[frames]
    pose[:, synth.HEAD_POSE_POINTS, :2] = turn(pose[:, synth.HEAD_POSE_POINTS, :2])
    lm.pose[frames] = pose
    lm.face[frames, :, :2] = turn(lm.face[frames, :, :2])
    box = lm.face_box[frames]
    corners = turn(np.stack([box[:, [0, 1]], box[:, [2, 3]]], axis=1))
    lm.face_box[frames] = np.concatenate([corners.min(axis=1), corners.max(axis=1)], axis=1)
    return lm


def test_a_head_tilted_towards_a_shoulder_keeps_its_neck_length():
    # Turned 20 degrees about the neck's base, the head is 6 % less high above the shoulders
    # (NECK_ON) but no nearer to them: not a shorter neck, and not a slump.
    lm = synth.still(10.0)
    upright = slump.neck_ratio(lm)[0]
    tilted = _tilt_head(lm, 20.0, lm.time_s >= 4.0)
    ratio = slump.neck_ratio(tilted)
    assert np.allclose(ratio, upright, rtol=0.01)
    assert np.nansum(analyse_landmarks(tilted).columns["slumped"]) == 0
