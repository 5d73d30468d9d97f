import numpy as np

from review.detectors import gaze
from review.judging.analysis import analyse_landmarks
from tests import synth

FPS = 30.0


def _mask(n, a, b):
    m = np.zeros(n, dtype=bool)
    m[a:b] = True
    return m


def test_looking_at_the_lens_is_eye_contact():
    session = analyse_landmarks(synth.still(5.0))
    assert (session.columns["eye_contact"] == 1).all()


def test_a_blink_is_not_looking_away():
    lm = synth.still(5.0)
    for start in (30, 90, 120):  # three 0.2 s blinks
        synth.close_eyes(lm, _mask(len(lm), start, start + 6))
    session = analyse_landmarks(lm)
    assert (session.columns["eye_contact"] == 1).all()


def test_eyes_closed_for_a_second_and_a_half_is_not_eye_contact():
    lm = synth.still(6.0)
    synth.close_eyes(lm, _mask(len(lm), 60, 105))
    ec = analyse_landmarks(lm).columns["eye_contact"]
    assert (ec[60:105] == 0).all()
    assert (ec[:55] == 1).all() and (ec[110:] == 1).all()


def test_eyes_turned_away_sideways_is_not_eye_contact():
    lm = synth.answering(6.0)
    synth.shift_irises(lm, _mask(len(lm), 60, 120), eye_widths=0.2)
    session = analyse_landmarks(lm)
    ec = session.columns["eye_contact"]
    assert (ec[65:115] == 0).all() and (ec[:55] == 1).all()
    assert [e.habit for e in session.events] == ["poor_eye_contact"]


def test_a_glance_shorter_than_half_a_second_is_not_poor_eye_contact():
    lm = synth.still(6.0)
    synth.shift_irises(lm, _mask(len(lm), 60, 69), eye_widths=0.2)
    assert (analyse_landmarks(lm).columns["eye_contact"] == 1).all()


def test_small_eye_movement_within_tolerance_keeps_eye_contact():
    lm = synth.still(6.0)
    # 0.03 eye widths is about 4 degrees: inside the tolerated cone.
    synth.shift_irises(lm, _mask(len(lm), 60, 120), eye_widths=0.03)
    assert (analyse_landmarks(lm).columns["eye_contact"] == 1).all()


def test_gaze_further_below_than_above_is_tolerated():
    degrees = 12.0
    shift = degrees / gaze.DEG_PER_EYE_WIDTH
    down = synth.still(6.0)
    synth.shift_irises(down, _mask(len(down), 60, 120), eye_widths=shift, down=True)
    up = synth.still(6.0)
    synth.shift_irises(up, _mask(len(up), 60, 120), eye_widths=-shift, down=True)
    assert (analyse_landmarks(down).columns["eye_contact"] == 1).all()
    assert (analyse_landmarks(up).columns["eye_contact"][65:115] == 0).all()


def test_no_face_means_unknown_not_poor():
    lm = synth.still(4.0)
    synth.remove_face(lm, _mask(len(lm), 30, 60))
    ec = analyse_landmarks(lm).columns["eye_contact"]
    assert np.isnan(ec[30:60]).all()
    assert (ec[:30] == 1).all()


def test_iris_offset_does_not_change_when_the_head_tilts():
    lm = synth.still(1.0)
    base = gaze.gaze_features(lm)
    # Rotate every face point 12 degrees about the face centre (in pixels).
    w, h = lm.frame_size
    xy = lm.face[:, :, :2] * (w, h)
    centre = xy.mean(axis=1, keepdims=True)
    a = np.radians(12)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    lm.face[:, :, :2] = ((xy - centre) @ rot.T + centre) / (w, h)
    tilted = gaze.gaze_features(lm)
    # The eyes' rotation in the head stays the same; the whole gaze moves only as that
    # rotation turns with the head (a 12 degree roll moves it by at most its size * 2 sin 6).
    eye_yaw, eye_pitch = gaze.eye_in_head(synth.still(1.0))
    assert np.allclose((eye_yaw, eye_pitch), gaze.eye_in_head(lm), atol=0.5)
    moved = np.hypot(
        base.gaze_yaw_deg - tilted.gaze_yaw_deg, base.gaze_pitch_deg - tilted.gaze_pitch_deg
    )
    assert (moved <= 2 * np.sin(np.radians(6)) * np.hypot(eye_yaw, eye_pitch) + 0.5).all()


def test_densest_point_ignores_scattered_looks_away():
    rng = np.random.default_rng(1)
    at_lens = rng.normal([-6, -4], 1.0, size=(400, 2))
    away = rng.uniform(-40, 40, size=(600, 2))  # more frames away, but spread out
    pts = np.vstack([at_lens, away])
    x, y = gaze.densest_point(pts[:, 0], pts[:, 1], radius=5.0)
    assert abs(x + 6) < 1.5 and abs(y + 4) < 1.5


def test_the_lens_is_found_when_most_of_the_session_looks_elsewhere():
    """Two thirds of the answer spent reading notes below the camera, a third at the lens."""
    lm = synth.still(15.0)
    n = len(lm)
    notes = np.zeros(n, dtype=bool)
    notes[: 2 * n // 3] = True
    synth.shift_irises(lm, notes, eye_widths=0.12, down=True)  # about 24 degrees down
    session = analyse_landmarks(lm)
    ec = session.columns["eye_contact"]
    assert (ec[notes][15:-15] == 0).all()
    assert (ec[~notes][15:] == 1).all()


def test_a_steady_gaze_with_jitter_stays_one_cluster():
    rng = np.random.default_rng(2)
    yaw = rng.normal(-3.0, 1.5, 500)
    pitch = rng.normal(-11.0, 1.5, 500)
    modes = gaze.gaze_modes(yaw, pitch, radius=5.0)
    assert modes[0][2] > 0.9 * len(yaw)
    assert abs(modes[0][0] + 3) < 1 and abs(modes[0][1] + 11) < 1


def test_eyes_darting_both_ways_are_not_eye_contact():
    """A left-right alternation averages back to the lens; its distance from it does not."""
    lm = synth.still(6.0)
    for start in range(60, 150, 10):
        side = 0.15 if (start // 10) % 2 else -0.15
        synth.shift_irises(lm, _mask(len(lm), start, start + 10), eye_widths=side)
    ec = analyse_landmarks(lm).columns["eye_contact"]
    assert (ec[70:140] == 0).all() and (ec[:55] == 1).all()
