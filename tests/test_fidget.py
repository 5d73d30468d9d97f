import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from review.detectors import fidget
from review.detectors.slump import shoulder_width
from review.judging.analysis import analyse_landmarks
from review.landmarks.holistic import PoseLandmark as P
from tests import synth

FPS = 30.0


def _session_with_motion(dx=None, dy=None, seconds=12.0):
    lm = synth.still(seconds, FPS)
    n = len(lm)
    dx = np.zeros(n) if dx is None else dx
    dy = np.zeros(n) if dy is None else dy
    return analyse_landmarks(synth.translate(lm, dx, dy))


def _t(seconds=12.0):
    return np.arange(int(seconds * FPS)) / FPS


def test_a_still_person_never_fidgets():
    session = _session_with_motion()
    assert np.nansum(session.columns["fidgeting"]) == 0


#: Examples per run of the property tests below: the fast tier tries the first number, the
#: integration tier the rest (each example analyses 12-20 s of frames, 0.1-0.3 s).
JITTER_EXAMPLES = (8, 12)
SHARE_AND_SEED = (st.floats(0.0, 0.99), st.integers(0, 2**31 - 1))


@settings(deadline=None, max_examples=JITTER_EXAMPLES[0])
@given(*SHARE_AND_SEED)
def test_jitter_smaller_than_a_swing_never_fidgets(share, seed):
    _jitter_smaller_than_a_swing_never_fidgets(share, seed)


@pytest.mark.integration  # not MediaPipe: more examples, for the full suite
@settings(deadline=None, max_examples=JITTER_EXAMPLES[1])
@given(*SHARE_AND_SEED)
def test_jitter_smaller_than_a_swing_never_fidgets_more_examples(share, seed):
    _jitter_smaller_than_a_swing_never_fidgets(share, seed)


def _jitter_smaller_than_a_swing_never_fidgets(share, seed):
    # Any jitter whose peak-to-peak range is below MIN_SWING shoulder widths.
    lm = synth.still(12.0, FPS)
    sw = fidget.body_scale(lm)
    w, h = lm.frame_size
    half = share * fidget.MIN_SWING * sw / 2
    rng = np.random.default_rng(seed)
    n = len(lm)
    dx = rng.uniform(-half, half, n) / w
    dy = rng.uniform(-half, half, n) / h
    session = _session_with_motion(dx, dy)
    assert np.nansum(session.columns["fidgeting"]) == 0


def test_rocking_sideways_is_fidgeting_where_it_happens():
    t = _t()
    dx = np.where((t >= 3) & (t < 9), 0.05 * np.sin(2 * np.pi * 0.7 * (t - 3)), 0.0)
    fidg = _session_with_motion(dx=dx).columns["fidgeting"]
    assert fidg[(t >= 4) & (t <= 8)].mean() > 0.95
    assert fidg[t < 1.2].sum() == 0 and fidg[t > 10.8].sum() == 0


def test_fast_small_bouncing_is_fidgeting():
    t = _t()
    dy = np.where((t >= 3) & (t < 9), 0.02 * np.sin(2 * np.pi * 3 * (t - 3)), 0.0)
    fidg = _session_with_motion(dy=dy).columns["fidgeting"]
    assert fidg[(t >= 4) & (t <= 8)].mean() > 0.95


def _shoulders_lifting(lm, lift):
    """The pose's shoulders raised by ``lift`` (T,) normalised units, the head left where it is:
    the pose's shoulder points follow an arm lifted in a gesture (seen on signing clips)."""
    lift = np.asarray(lift, dtype=np.float32)
    for point in (P.LEFT_SHOULDER, P.RIGHT_SHOULDER):
        lm.pose[:, point, 1] -= lift
    return lm


def test_shoulders_lifting_with_gestures_under_a_still_head_are_not_fidgeting():
    # Arms lifted and lowered every 1.2 s for 9 s, the shoulders rising by 8 % of a shoulder
    # width (woman I's "learn" sign lifted hers by 0.07): the torso turns, the head does not.
    lm = synth.still(20.0, FPS)
    t = lm.time_s
    lift = 0.08 * fidget.body_scale(lm) / lm.frame_size[1]
    wave = np.where((t >= 6) & (t < 15), lift * (1 - np.cos(2 * np.pi * (t - 6) / 1.2)) / 2, 0)
    lifted = _shoulders_lifting(lm, wave)
    tracks = fidget.movement_tracks(lifted, fidget.body_scale(lifted))
    torso = fidget.track_turns(tracks["torso_y"], t, np.ones(len(t), bool))
    assert torso.max() >= fidget.MIN_TURNS  # the shoulders alone would read as fidgeting
    session = analyse_landmarks(lifted)
    assert np.nanmax(session.columns["body_turns"]) < fidget.MIN_TURNS
    assert np.nansum(session.columns["fidgeting"]) == 0


def _tracks(t, torso_x, head_x):
    still = np.zeros_like(t)
    return {
        "torso_x": torso_x,
        "torso_y": still + 2.0,
        "head_x": head_x,
        "head_y": still + 1.0,
        **{f"{s}_hand_{a}": np.full_like(t, np.nan) for s in ("left", "right") for a in "xy"},
    }


def test_the_torso_counts_only_where_the_head_is_mostly_not_followed():
    # The torso sways 3-9 s (0.2 shoulder widths peak to peak at 0.7 Hz). With the head
    # followed and still, that is the shoulders following the arms: no turns. With the head
    # unknown there (a hand over the face keeps the person in view), the torso's sway counts.
    t = _t()
    sway = np.where((t >= 3) & (t < 9), 0.1 * np.sin(2 * np.pi * 0.7 * (t - 3)), 0.0)
    still_head = np.full_like(t, 1.5)
    body, _ = fidget.fidget_turns(_tracks(t, sway + 2.0, still_head), t)
    assert body.max() < fidget.MIN_TURNS
    hidden_head = np.where((t >= 3) & (t < 9), np.nan, still_head)
    body, _ = fidget.fidget_turns(_tracks(t, sway + 2.0, hidden_head), t)
    assert body[(t >= 5) & (t <= 7)].min() >= fidget.MIN_TURNS
    body, _ = fidget.fidget_turns(_tracks(t, sway + 2.0, sway + 1.5), t)  # both: rocking
    assert body[(t >= 5) & (t <= 7)].min() >= fidget.MIN_TURNS


@given(st.lists(st.booleans(), min_size=1, max_size=60), st.floats(0.05, 3.0))
def test_the_known_share_is_a_share_of_the_window_and_whole_where_all_is_known(known, window):
    # The head's known share of the window (fidget_turns) is the running mean of a 0/1 track.
    known = np.array(known)
    t = np.arange(len(known)) / FPS
    share = fidget.smooth(known.astype(float), t, window)
    assert np.all((share >= 0) & (share <= 1))
    assert np.all(fidget.smooth(np.ones(len(known)), t, window) == 1.0)
    assert np.all(share[known] > 0)


def test_one_lasting_change_of_position_is_not_fidgeting():
    t = _t()
    dx = np.clip((t - 4) / 0.6, 0, 1) * 0.10
    dy = np.clip((t - 8) / 0.6, 0, 1) * 0.04
    session = _session_with_motion(dx=dx, dy=dy)
    assert np.nansum(session.columns["fidgeting"]) == 0


def test_nodding_while_speaking_is_not_fidgeting():
    # Repeated nods of +-5 degrees at 1.5 Hz for the whole clip.
    lm = synth.still(12.0, FPS)
    session = analyse_landmarks(synth.nod(lm, 5.0 * np.sin(2 * np.pi * 1.5 * lm.time_s)))
    assert np.nansum(session.columns["fidgeting"]) == 0


def test_nodding_moves_the_nose_more_than_the_tracked_head_point():
    lm = synth.nod(synth.still(2.0, FPS), np.linspace(0, 10, 60))
    head = fidget.movement_tracks(lm, fidget.body_scale(lm))["head_y"]
    w, h = lm.frame_size
    nose = lm.face[:, 0, 1] * h / fidget.body_scale(lm)
    assert np.ptp(nose) > 3 * np.ptp(head) > 0


@settings(deadline=None, max_examples=20)
@given(st.floats(-7.0, 7.0), st.integers(0, 2**31 - 1))
def test_a_tilted_camera_moves_no_sway_onto_the_other_axis(degrees, seed):
    # A sway seen through a camera rolled by a few degrees (a laptop on a cushion; with the
    # template's own 2.4 degree head tilt, within MAX_LEVEL_DEG): the
    # tracks are measured along the face's level, so each is the level camera's own (up to a
    # constant), and the sideways swing does not leak into the up-and-down track.
    t = _t(8.0)
    rng = np.random.default_rng(seed)
    lm = synth.still(8.0, FPS)
    sway = 0.06 * np.sin(2 * np.pi * 0.6 * t) + rng.normal(0, 0.001, len(t))
    up = np.full(len(t), -0.15)  # the shoulders well inside the picture at any tilt
    level = synth.translate(lm, sway, up)
    tilted = synth.roll_camera(synth.translate(synth.still(8.0, FPS), sway, up), degrees)
    a = fidget.movement_tracks(level, fidget.body_scale(level))
    b = fidget.movement_tracks(tilted, fidget.body_scale(tilted))
    for name in ("torso_x", "torso_y", "head_x", "head_y"):
        both = np.isfinite(a[name]) & np.isfinite(b[name])
        assert both.all(), name
        assert np.ptp(a[name][both] - b[name][both]) < 0.01 * np.ptp(a["head_x"]), name


def test_the_level_undoes_a_small_roll_and_stops_at_its_limit():
    def turned_by(degrees):
        lm = synth.roll_camera(synth.still(1.0, FPS), degrees)
        base = fidget.level(synth.still(1.0, FPS))
        r = fidget.level(lm) @ np.linalg.inv(base)
        return np.degrees(np.arctan2(r[1, 0], r[0, 0]))

    assert turned_by(6.0) == pytest.approx(-6.0, abs=0.3)
    assert turned_by(-4.0) == pytest.approx(4.0, abs=0.3)
    # Beyond the limit a tilt is more likely the head's: the template's own tilt plus this
    # roll is turned by MAX_LEVEL_DEG at most.
    lm = synth.roll_camera(synth.still(1.0, FPS), 40.0)
    r = fidget.level(lm)
    assert abs(np.degrees(np.arctan2(r[1, 0], r[0, 0]))) == pytest.approx(fidget.MAX_LEVEL_DEG)


def test_turning_points_of_a_monotone_signal_are_none():
    assert not fidget.turning_points(np.linspace(0, 1, 100), 0.01).any()


def test_turning_points_count_each_swing_of_a_zigzag():
    x = np.array([0, 1, 0, 1, 0, 1, 0], dtype=float)
    assert fidget.turning_points(x, 0.5).sum() == 5


def test_turning_points_restart_after_unknown():
    x = np.array([0, 1, np.nan, 1, 0], dtype=float)
    # The swing 0 -> 1 has no turn before the gap; after it, 1 -> 0 has no turn either.
    assert fidget.turning_points(x, 0.5).sum() == 0


def test_a_burst_of_turns_marks_its_turns_and_half_a_swing_either_side_only():
    t = np.arange(300) / FPS
    flags = np.zeros(300, dtype=bool)
    flags[[100, 110, 120, 130]] = True  # four turns within 1 s, a swing every 10 frames
    spans = fidget.turns_spanning(flags, t, window_s=3.0)
    reach = round(fidget.EDGE_LEG * 10)
    assert (spans[100 - reach : 131 + reach] == 4).all()
    assert spans[: 100 - reach].sum() == 0 and spans[131 + reach :].sum() == 0


def test_turns_further_apart_than_the_window_do_not_add_up():
    t = np.arange(600) / FPS
    flags = np.zeros(600, dtype=bool)
    flags[::120] = True  # one turn every 4 s
    assert fidget.turns_spanning(flags, t, window_s=3.0).max() == 1


def test_turns_slower_than_the_burst_gap_do_not_join_a_burst():
    t = np.arange(300) / FPS
    flags = np.zeros(300, dtype=bool)
    flags[[10, 100, 120, 140]] = True  # a slow shift 3 s before a quick burst
    spans = fidget.turns_spanning(flags, t, window_s=5.0, max_gap_s=1.5)
    assert spans[:90].max() == 1
    assert (spans[100:141] == 3).all()


def _still_with_jitter(noise: float, seed: int):
    """A still person with Gaussian jitter of ``noise`` shoulder widths, smoothed a little as
    MediaPipe smooths (a dark webcam, heavy compression)."""
    lm = synth.still(20.0, FPS)
    sw = fidget.body_scale(lm)
    w, h = lm.frame_size
    rng = np.random.default_rng(seed)
    n = len(lm)
    kernel = np.ones(3) / 3
    dx = np.convolve(rng.normal(0, noise * sw, n), kernel, "same") / w
    dy = np.convolve(rng.normal(0, noise * sw, n), kernel, "same") / h
    return _session_with_motion(dx, dy, seconds=20.0)


def test_a_still_person_in_a_noisy_picture_hardly_ever_fidgets():
    """Jitter of 0.5-1.5 % of a shoulder width (up to three times the noisiest real clip's):
    measured 0 clips of 400 with any fidgeting; at most one of these 20 may."""
    rng = np.random.default_rng(2026)
    fidgeted = 0
    for _ in range(20):
        session = _still_with_jitter(rng.uniform(0.005, 0.015), int(rng.integers(0, 2**31 - 1)))
        fidgeted += bool(np.nansum(session.columns["fidgeting"]))
    assert fidgeted <= 1


@pytest.mark.xfail(strict=True, reason="known: jitter this rare makes a 2 s burst of swings")
def test_the_one_noisy_still_clip_found_fidgeting():
    """Found by hypothesis (at NOISE_SWINGS 6; still 47 frames at 7, none at 8): kept so the
    limit is on record and this test says so when a better noise floor removes it."""
    assert np.nansum(_still_with_jitter(0.01171875, 422929).columns["fidgeting"]) == 0


def test_a_still_noisy_person_sampled_as_shipped_hardly_ever_fidgets():
    """Measured 0 of 150 random clips with any fidgeting; at most one of these 20 may."""
    rng = np.random.default_rng(2027)
    fidgeted = 0
    for _ in range(20):
        try:
            _a_still_noisy_person_sampled_as_shipped_never_fidgets(
                rng.uniform(0.005, 0.015), int(rng.integers(0, 2**31 - 1))
            )
        except AssertionError:
            fidgeted += 1
    assert fidgeted <= 1


@pytest.mark.xfail(strict=True, reason="known: jitter this rare makes a 2 s burst of swings")
def test_the_one_noisy_sampled_still_clip_found_fidgeting():
    """Found by hypothesis (jitter 0.8 % of a shoulder width, sampled as shipped)."""
    _a_still_noisy_person_sampled_as_shipped_never_fidgets(0.0078125, 308)


def _a_still_noisy_person_sampled_as_shipped_never_fidgets(noise, seed):
    """Jitter on the frames MediaPipe sees, the frames between interpolated
    (review.landmarks.pipeline).

    Up to 1.5 % of a shoulder width (the real clips' stillest stretches show 0.1-0.5 %); the
    noise floor stops at MAX_SWING so that a recording rocking throughout is still seen.
    """
    from review.landmarks import pipeline
    from review.landmarks.holistic import Landmarks

    lm = synth.still(20.0, FPS)
    sw = fidget.body_scale(lm)
    w, h = lm.frame_size
    rng = np.random.default_rng(seed)
    n = len(lm)
    analysed = np.zeros(n, dtype=bool)
    analysed[::4] = True
    analysed[-1] = True
    lm = synth.translate(lm, rng.normal(0, noise * sw, n) / w, rng.normal(0, noise * sw, n) / h)
    rows = pipeline.interpolate_rows(lm.time_s, lm.to_flat(), analysed)
    sampled = Landmarks.from_flat(lm.time_s, rows, lm.frame_size, analysed)
    assert np.nansum(analyse_landmarks(sampled).columns["fidgeting"]) == 0


def test_rocking_in_a_noisy_picture_is_still_fidgeting():
    t = _t(20.0)
    lm = synth.still(20.0, FPS)
    sw = fidget.body_scale(lm)
    rng = np.random.default_rng(3)
    jitter = rng.normal(0, 0.008 * sw, len(t)) / lm.frame_size[0]
    rock = np.where((t >= 8) & (t < 14), 0.05 * np.sin(2 * np.pi * 0.7 * (t - 8)), 0.0)
    fidg = _session_with_motion(dx=rock + jitter, seconds=20.0).columns["fidgeting"]
    assert fidg[(t >= 9) & (t <= 13)].mean() > 0.9
    assert fidg[t < 7].sum() == 0 and fidg[t > 15].sum() == 0


def test_the_noise_floor_is_the_jitter_of_the_stillest_stretches():
    rng = np.random.default_rng(0)
    t = np.arange(600) / 7.5
    x = rng.normal(0, 0.004, len(t))
    x[200:300] += 0.2 * np.sin(2 * np.pi * 0.5 * t[200:300])  # a sway does not raise it
    # The stillest windows' spread: a little under the jitter's own (a low percentile of
    # 2-second samples), and not raised by the sway.
    assert 0.0025 < fidget.still_noise(x, t) < 0.0045


def test_the_noise_of_a_track_measured_twice_a_second_is_measured_too():
    # The body is measured twice a second when sampled as shipped: a 2 s window would hold
    # four samples, too few; the window is lengthened instead of leaving the noise unknown.
    # Ten samples a window: a low percentile of few windows' spreads reads under the jitter
    # and varies from clip to clip, but it is measured, and of the jitter's size.
    t = np.arange(0, 30, 0.5)
    noise = [
        fidget.still_noise(np.random.default_rng(k).normal(0, 0.01, len(t)), t) for k in range(20)
    ]
    assert all(0.3 * 0.01 < n < 1.2 * 0.01 for n in noise)
    assert 0.5 * 0.01 < np.median(noise) < 1.0 * 0.01


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 2**31 - 1), st.floats(0.004, 0.015), st.floats(4.0, 30.0))
def test_jitter_on_a_track_measured_twice_a_second_is_not_fidgeting(seed, noise, seconds):
    # A short clip of a crowd: the pose measured on 2 frames a second and jittering by more
    # than the smallest swing. With its noise unmeasured the floor alone counted the jitter
    # (a 4 s corridor clip, rolled 6 degrees, read fidgeting on 90 % of it).
    rng = np.random.default_rng(seed)
    t = _t(seconds)
    measured = np.zeros(len(t), bool)
    measured[:: int(FPS) // 2] = measured[-1] = True
    x = np.interp(t, t[measured], rng.normal(0, noise, len(t))[measured])
    assert fidget.track_turns(x, t, measured).max() < fidget.MIN_TURNS


def test_smoothing_every_frame_measured_is_the_running_mean():
    rng = np.random.default_rng(5)
    t = _t(4.0)
    x = rng.normal(0, 1, len(t))
    measured = np.ones(len(t), bool)
    assert np.array_equal(
        fidget.smooth_measured(x, t, fidget.SMOOTH_S, measured), fidget.smooth(x, t, 0.1)
    )


@settings(deadline=None, max_examples=30)
@given(st.integers(0, 2**31 - 1), st.integers(2, 6))
def test_smoothing_uses_measured_frames_only_and_interpolates_between(seed, step):
    # Frames measured every ``step`` frames, the rest interpolated as the pipeline does: the
    # measured frames are averaged among themselves only, the frames between follow them.
    rng = np.random.default_rng(seed)
    t = _t(4.0)
    measured = np.zeros(len(t), bool)
    measured[::step] = measured[-1] = True
    x = np.interp(t, t[measured], rng.normal(0, 1, len(t))[measured])
    out = fidget.smooth_measured(x, t, fidget.SMOOTH_S, measured)
    alone = fidget.smooth(np.where(measured, x, np.nan), t, fidget.SMOOTH_S)
    assert np.allclose(out[measured], alone[measured])
    assert np.allclose(out, np.interp(t, t[measured], alone[measured]))


# --- A steady rhythm: the lower floor of a small, fast bounce -------------------------------

#: Examples per run of the rhythm property tests: the fast tier, then the integration tier.
RHYTHM_EXAMPLES = (5, 25)
#: Peak-to-peak sizes (shoulder widths) above the rhythm's floor and below MIN_SWING, with
#: room for the smoothing (a 4 Hz swing loses 22 % to SMOOTH_S at 30 frames a second).
SMALL_SWING = st.floats(0.022, 0.028)


def _up_and_down(half_swings_s, peak_to_peak, start=3.0, stop=8.0, seconds=12.0):
    """A still person moving up and down by ``peak_to_peak`` shoulder widths from ``start``
    to about ``stop`` s, the half-swings lasting ``half_swings_s`` in turn (cosine legs)."""
    lm = synth.still(seconds, FPS)
    t = lm.time_s
    edges = [start]
    while edges[-1] < stop:
        edges.append(edges[-1] + half_swings_s[(len(edges) - 1) % len(half_swings_s)])
    y = np.full(len(t), 0.5)  # -1/2 to 1/2; starts at the top
    for k in range(len(edges) - 1):
        leg = (t >= edges[k]) & (t < edges[k + 1])
        y[leg] = (
            (1 if k % 2 == 0 else -1)
            * 0.5
            * np.cos(np.pi * (t[leg] - edges[k]) / (edges[k + 1] - edges[k]))
        )
    y[t >= edges[-1]] = 0.5 if (len(edges) - 1) % 2 == 0 else -0.5
    scale = fidget.body_scale(lm)
    moved = synth.translate(lm, np.zeros(len(t)), y * peak_to_peak * scale / lm.frame_size[1])
    return moved, edges[-1]


def _fidgeting_and_main_rule_turns(lm):
    """The fidgeting state, and the most turns the main rule alone (no rhythm) finds."""
    tracks = fidget.movement_tracks(lm, fidget.body_scale(lm))
    measured = np.ones(len(lm), bool)
    main = max(
        int(fidget.track_turns(tracks[k], lm.time_s, measured, rhythm=False).max())
        for k in ("torso_x", "torso_y", "head_x", "head_y")
    )
    return analyse_landmarks(lm).columns["fidgeting"], main


def _a_steady_small_fast_bounce_is_fidgeting(hz, peak_to_peak):
    lm, end = _up_and_down([1 / (2 * hz)], peak_to_peak)
    fidg, main = _fidgeting_and_main_rule_turns(lm)
    t = lm.time_s
    assert main == 0  # under MIN_SWING: only the rhythm finds it
    assert fidg[(t >= 3.5) & (t <= end - 0.5)].mean() > 0.95
    assert fidg[t < 2.5].sum() == 0 and fidg[t > end + 1.0].sum() == 0


@settings(deadline=None, max_examples=RHYTHM_EXAMPLES[0])
@given(st.floats(1.2, 4.0), SMALL_SWING)
def test_a_steady_small_fast_bounce_is_fidgeting(hz, peak_to_peak):
    _a_steady_small_fast_bounce_is_fidgeting(hz, peak_to_peak)


@pytest.mark.integration  # not MediaPipe: more examples, for the full suite
@settings(deadline=None, max_examples=RHYTHM_EXAMPLES[1])
@given(st.floats(1.2, 4.0), SMALL_SWING)
def test_a_steady_small_fast_bounce_is_fidgeting_more_examples(hz, peak_to_peak):
    _a_steady_small_fast_bounce_is_fidgeting(hz, peak_to_peak)


@settings(deadline=None, max_examples=RHYTHM_EXAMPLES[0])
@given(st.floats(0.25, 0.9), SMALL_SWING)
def test_the_same_small_swing_slow_is_not_fidgeting(hz, peak_to_peak):
    lm, _ = _up_and_down([1 / (2 * hz)], peak_to_peak)
    assert np.nansum(_fidgeting_and_main_rule_turns(lm)[0]) == 0


def _the_same_small_swing_irregular_is_not_fidgeting(quick_s, ratio, peak_to_peak):
    # Back-and-forths alternately quick and slow (``ratio`` times as long): after smoothing
    # and on 30 fps frames the gaps between turns alternate about 1:2, so no seven in a row
    # lie within RHYTHM_TOLERANCE of their median.
    slow_s = ratio * quick_s
    lm, _ = _up_and_down([quick_s, quick_s, slow_s, slow_s], peak_to_peak)
    assert np.nansum(_fidgeting_and_main_rule_turns(lm)[0]) == 0


IRREGULAR = (st.floats(0.12, 0.16), st.floats(2.5, 3.0), SMALL_SWING)


@settings(deadline=None, max_examples=RHYTHM_EXAMPLES[0])
@given(*IRREGULAR)
@example(quick_s=0.13824620263712786, ratio=2.625, peak_to_peak=0.0234375)  # found by CI
def test_the_same_small_swing_irregular_is_not_fidgeting(quick_s, ratio, peak_to_peak):
    _the_same_small_swing_irregular_is_not_fidgeting(quick_s, ratio, peak_to_peak)


@pytest.mark.integration  # not MediaPipe: more examples, for the full suite
@settings(deadline=None, max_examples=RHYTHM_EXAMPLES[1])
@given(*IRREGULAR)
def test_the_same_small_swing_irregular_is_not_fidgeting_more_examples(
    quick_s, ratio, peak_to_peak
):
    _the_same_small_swing_irregular_is_not_fidgeting(quick_s, ratio, peak_to_peak)


def _jitter_is_never_a_rhythm(log_noise, seed, step, mediapipe_smoothed):
    rng = np.random.default_rng(seed)
    t = _t(20.0)
    x = rng.normal(0, np.exp(log_noise), len(t))
    if mediapipe_smoothed:
        x = np.convolve(x, np.ones(3) / 3, "same")
    measured = np.zeros(len(t), bool)
    measured[::step] = measured[-1] = True  # every frame, or sampled and interpolated
    x = np.interp(t, t[measured], x[measured])
    with_rhythm = fidget.track_turns(x, t, measured, rhythm=True)
    assert np.array_equal(with_rhythm, fidget.track_turns(x, t, measured, rhythm=False))


#: Jitter of 0.05-5 % of a shoulder width (log-uniform), every frame or sampled.
JITTER = (
    st.floats(np.log(0.0005), np.log(0.05)),
    st.integers(0, 2**31 - 1),
    st.sampled_from([1, 3, 4]),
    st.booleans(),
)


@settings(deadline=None, max_examples=4 * RHYTHM_EXAMPLES[0])
@given(*JITTER)
def test_jitter_at_any_noise_level_is_never_a_rhythm(log_noise, seed, step, smoothed):
    _jitter_is_never_a_rhythm(log_noise, seed, step, smoothed)


@pytest.mark.integration  # not MediaPipe: more examples, for the full suite
@settings(deadline=None, max_examples=8 * RHYTHM_EXAMPLES[1])
@given(*JITTER)
def test_jitter_at_any_noise_level_is_never_a_rhythm_more_examples(log_noise, seed, step, smoothed):
    _jitter_is_never_a_rhythm(log_noise, seed, step, smoothed)


@settings(deadline=None, max_examples=50)
@given(
    st.floats(0.08, 0.44), st.integers(fidget.RHYTHM_MIN_TURNS - 1, 40), st.integers(0, 2**31 - 1)
)
def test_steady_fast_gaps_are_one_run(gap, count, seed):
    # Each gap within 13 % of a base under 0.44 s: within 30 % of the median, which is fast.
    gaps = gap * np.random.default_rng(seed).uniform(0.87, 1.13, count)
    assert fidget.steady_runs(gaps) == [(0, count - 1)]


def test_a_missed_turn_splits_a_run_and_short_runs_are_not_a_rhythm():
    n = fidget.RHYTHM_MIN_TURNS - 1  # gaps of the shortest run
    gaps = np.r_[np.full(n, 0.2), 0.6, np.full(n, 0.2), 0.6, np.full(n - 1, 0.2)]
    assert fidget.steady_runs(gaps) == [(0, n - 1), (n + 1, 2 * n)]


def test_steady_but_slow_gaps_are_not_a_rhythm():
    assert fidget.steady_runs(np.full(20, fidget.RHYTHM_MAX_GAP_S + 0.05)) == []
    assert fidget.steady_runs(np.full(20, fidget.RHYTHM_MAX_GAP_S - 0.05)) == [(0, 19)]


def test_steady_turns_marks_the_turns_of_a_run():
    t = _t(6.0)
    flags = np.zeros(len(t), bool)
    flags[[3, 60, 65, 70, 75, 80, 85, 90, 95, 100, 170]] = True  # nine turns 1/6 s apart
    assert np.flatnonzero(fidget.steady_turns(flags, t)).tolist() == list(range(60, 101, 5))


def _shoulders_in_view_on(share):
    """The still template with its left shoulder moved past the frame's side but on the first
    ``share`` of the frames, where it is just inside and the shoulders read 20 % narrower."""
    lm = synth.still(10.0, FPS)
    n_in = int(round(share * len(lm)))
    left, right = lm.pose[:, P.LEFT_SHOULDER, 0], lm.pose[:, P.RIGHT_SHOULDER, 0]
    lm.pose[:, P.LEFT_SHOULDER, 0] = np.where(
        np.arange(len(lm)) < n_in, right + 0.8 * (left - right), 1.05
    )
    return lm


def test_a_unit_from_a_few_frames_with_the_shoulders_at_the_edge_is_not_used():
    lm = _shoulders_in_view_on(0.05)
    face_w = float(np.median(lm.face_box[:, 2] - lm.face_box[:, 0])) * lm.frame_size[0]
    assert fidget.body_scale(lm) == pytest.approx(fidget.FACE_TO_SHOULDERS * face_w, rel=1e-4)


def test_shoulders_in_view_often_enough_give_the_unit():
    lm = _shoulders_in_view_on(fidget.MIN_SHOULDERS_SHARE + 0.05)
    seen = float(np.nanmedian(shoulder_width(lm)))
    assert fidget.body_scale(lm) == pytest.approx(seen, rel=1e-4)


def test_a_small_steady_bounce_in_a_noisy_picture_is_found():
    """A 3 Hz bounce of 1.2 % of a shoulder width under jitter of 0.5 % (every frame): its swings
    are about 7 times the track's measured noise. Inside a rhythm a swing counts from
    RHYTHM_NOISE_SWINGS (5) times the noise: found on most of the bounce in 19 of 20 random
    clips (10 of 20 when the rhythm needed 7 times, as single swings do), the still parts never."""
    t = _t(20.0)
    found = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        bounce = np.where((t >= 8) & (t < 14), 0.012 * np.sin(2 * np.pi * 3 * (t - 8)), 0.0)
        x = rng.normal(0, 0.005, len(t)) + bounce
        turns = fidget.track_turns(x, t, np.ones(len(t), bool))
        assert not np.any(turns[(t < 7) | (t > 15)] >= fidget.MIN_TURNS)
        found += np.mean(turns[(t >= 9) & (t <= 13)] >= fidget.MIN_TURNS) > 0.5
    assert found >= 18
