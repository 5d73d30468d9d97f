import numpy as np

from review.detectors import person, touch
from review.judging.analysis import analyse_landmarks
from tests import synth


def _mask(n, a, b):
    m = np.zeros(n, dtype=bool)
    m[a:b] = True
    return m


def _face_centre(lm):
    box = lm.face_box[0]
    return float((box[0] + box[2]) / 2), float((box[1] + box[3]) / 2)


def test_hand_on_the_face_is_self_touch():
    lm = synth.still(4.0)
    cx, cy = _face_centre(lm)
    synth.hand_at(lm, _mask(len(lm), 30, 60), cx, cy + 0.05)
    session = analyse_landmarks(lm)
    st = session.columns["self_touch"]
    # The hand gone, only the pose's guess of it (below the picture) says it left.
    ends = 60 + int(30 * touch.GUESSED_AWAY_S) + 1
    assert (st[30:60] == 1).all() and (st[:30] == 0).all() and (st[ends:] == 0).all()
    assert session.summary["self_touch_count"] == 1


def test_hand_in_the_hair_is_self_touch():
    lm = synth.still(4.0)
    cx, _ = _face_centre(lm)
    top = float(lm.face_box[0, 1])
    synth.hand_at(lm, _mask(len(lm), 30, 60), cx, top - 0.03)
    assert (analyse_landmarks(lm).columns["self_touch"][30:60] == 1).all()


def test_hand_away_from_the_face_is_not_self_touch():
    lm = synth.still(4.0)
    synth.hand_at(lm, _mask(len(lm), 30, 60), 0.05, 0.9)
    assert np.nansum(analyse_landmarks(lm).columns["self_touch"]) == 0


def test_hand_hiding_the_face_is_touch_and_the_person_stays_in_view():
    lm = synth.still(6.0)
    cx, cy = _face_centre(lm)
    covered = _mask(len(lm), 30, 150)  # 4 s: longer than the pose-only grace
    synth.hand_at(lm, covered, cx, cy)
    synth.remove_face(lm, covered)
    session = analyse_landmarks(lm)
    assert (session.columns["person"] == 1).all()
    assert (session.columns["self_touch"][30:150] == 1).all()
    assert np.isnan(session.columns["eye_contact"][30:150]).all()


def test_pose_without_a_face_after_a_cut_is_not_a_person():
    n = 200
    t = np.arange(n) / 30.0
    face = np.arange(n) < 60
    pose = np.ones(n, dtype=bool)  # the pose tracker keeps "seeing" someone
    present = person.person_present(face, pose, np.zeros(n, dtype=bool), t)
    assert present[:60].all()
    assert not present[60:].any()


def test_a_face_missed_for_a_moment_between_two_faces_is_still_a_person():
    n = 120
    t = np.arange(n) / 30.0
    face = np.ones(n, dtype=bool)
    face[30:38] = False  # 0.27 s: the face mesh flickers
    face[60:90] = False  # 1 s: someone left
    present = person.person_present(face, np.zeros(n, bool), np.zeros(n, bool), t)
    assert present[:60].all() and not present[60:90].any() and present[90:].all()


def test_pose_that_never_had_a_face_is_not_a_person():
    n = 100
    t = np.arange(n) / 30.0
    present = person.person_present(np.zeros(n, bool), np.ones(n, bool), np.zeros(n, bool), t)
    assert not present.any()


def test_no_person_frames_are_kept_and_unknown():
    lm = synth.still(4.0)
    synth.remove_person(lm, _mask(len(lm), 40, 80))
    session = analyse_landmarks(lm)
    assert len(session) == len(lm)
    for habit in ("eye_contact", "slumped", "fidgeting", "self_touch"):
        assert np.isnan(session.columns[habit][40:80]).all()
    assert (session.columns["person"][40:80] == 0).all()


def test_a_touch_is_held_while_the_hand_model_loses_the_hand_on_the_face():
    """MediaPipe drops the hand landmarks of a hand over the face in about half the frames."""
    lm = synth.still(8.0)
    cx, cy = _face_centre(lm)
    on_face = _mask(len(lm), 30, 210)  # 6 s with a hand over the mouth
    synth.hand_at(lm, on_face, cx, cy + 0.05)
    rng = np.random.default_rng(1)
    lost = on_face & (rng.random(len(lm)) < 0.5)
    for start in (60, 120):  # and two whole seconds without it
        lost[start : start + 30] = True
    lm.hands[lost] = np.nan
    for point in synth.POSE_HAND[1]:  # and the pose unsure of the hand it cannot see
        lm.pose[lost, point, 3] = 0.2
    st = analyse_landmarks(lm).columns["self_touch"]
    assert (st[30:210] == 1).all()
    assert (st[:30] == 0).all() and (st[210 + int(30 * touch.GUESSED_AWAY_S) + 1 :] == 0).all()


def test_a_held_touch_ends_when_the_hand_is_seen_away():
    lm = synth.still(6.0)
    cx, cy = _face_centre(lm)
    synth.hand_at(lm, _mask(len(lm), 30, 60), cx, cy + 0.05)
    lm.hands[60:75] = np.nan  # lost for half a second, then seen down at the chest
    synth.hand_at(lm, _mask(len(lm), 75, 180), cx, 0.95)
    st = analyse_landmarks(lm).columns["self_touch"]
    assert (st[30:60] == 1).all() and (st[75:] == 0).all()


def test_a_touch_is_not_held_for_ever_when_the_hand_is_never_seen_again():
    lm = synth.still(10.0)
    cx, cy = _face_centre(lm)
    synth.hand_at(lm, _mask(len(lm), 30, 60), cx, cy + 0.05)
    st = analyse_landmarks(lm).columns["self_touch"]
    t = np.arange(len(lm)) / 30.0
    assert (st[t > 2.0 + touch.MAX_HOLD_S + 0.1] == 0).all()


def _pose_hand_guessed_below_the_picture(lm, frames, side=1):
    """The pose's wrist and fingers put below the picture, unsure (as at a webcam framing the
    head and shoulders, whose pose cannot see a raised arm)."""
    for point in synth.POSE_HAND[side]:
        lm.pose[frames, point, :2] = (0.8, 1.3)
        lm.pose[frames, point, 3] = 0.4


def test_a_touch_is_held_while_the_pose_guesses_the_lost_hand_below_the_picture():
    lm = synth.still(8.0)
    cx, cy = _face_centre(lm)
    on_face = _mask(len(lm), 30, 210)
    synth.hand_at(lm, on_face, cx, cy + 0.05)
    lost = np.zeros(len(lm), dtype=bool)
    for start in (60, 110, 160):  # the hand model loses it for 0.4 s, three times
        lost[start : start + 12] = True
    lm.hands[lost] = np.nan
    _pose_hand_guessed_below_the_picture(lm, lost)
    st = analyse_landmarks(lm).columns["self_touch"]
    assert (st[30:210] == 1).all()
    assert (st[:30] == 0).all()


def test_a_hand_gone_below_the_picture_ends_the_touch_within_guessed_away_s():
    lm = synth.still(8.0)
    cx, cy = _face_centre(lm)
    synth.hand_at(lm, _mask(len(lm), 30, 60), cx, cy + 0.05)
    gone = _mask(len(lm), 60, len(lm))
    lm.hands[gone] = np.nan
    _pose_hand_guessed_below_the_picture(lm, gone)
    st = analyse_landmarks(lm).columns["self_touch"]
    t = np.arange(len(lm)) / 30.0
    assert (st[30:60] == 1).all()
    assert (st[t > 2.0 + touch.GUESSED_AWAY_S + 0.1] == 0).all()
