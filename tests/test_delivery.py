"""Delivery from the sound: properties of the pure functions on synthetic signals, and one
synthesised clip with exact truth (tools/make_speech.py) read from its file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.detectors import delivery, prosody
from review.detectors.delivery import Delivery, Span
from review.media import audio
from review.presenting import delivery_verdicts

ROOT = Path(__file__).resolve().parent.parent
SPEECH = ROOT / "sample_videos" / "speech"
RATE = 16000
HOP = 0.032


def tone(f0: float | np.ndarray, seconds: float, amp: float = 0.3) -> np.ndarray:
    """A voiced-like tone (fundamental and two harmonics) whose pitch may change over time."""
    n = int(seconds * RATE)
    f = np.broadcast_to(np.asarray(f0, dtype=float), (n,))
    phase = 2 * np.pi * np.cumsum(f) / RATE
    return amp * (np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase))


def probability(speech: list[tuple[float, float]], seconds: float) -> np.ndarray:
    t = np.arange(int(seconds / HOP)) * HOP
    p = np.full(len(t), 0.02)
    for a, b in speech:
        p[(t >= a) & (t < b)] = 0.95
    return p


def test_silence_has_no_speech_and_no_rate() -> None:
    samples = np.zeros(10 * RATE, dtype=np.float32)
    d = delivery.measure(samples, RATE, np.zeros(int(10 / HOP)), HOP)
    assert d.sound and d.speech == () and d.speech_s == 0.0 and d.speaking_pct == 0.0
    assert d.syllables_per_min is None and d.pitch_sd_st is None and d.syllables is None
    assert d.long_pauses_per_min is None
    card = delivery_verdicts.card(d)
    assert card is not None and card.verdict == "unknown" and card.figure == "not enough speech"


def test_no_audio_track_says_no_sound_never_zero() -> None:
    d = delivery.no_sound()
    assert d.to_dict()["sound"] is False
    assert all(v is None for k, v in d.to_dict().items() if k.endswith(("_per_min", "_st", "_pct")))
    card = delivery_verdicts.card(d)
    assert card is not None and card.figure == delivery.NO_SOUND
    assert delivery_verdicts.terminal_lines(d.to_dict()) == ["delivery         no sound recorded"]


@pytest.mark.parametrize("f0", [90.0, 150.0, 240.0])
def test_a_steady_tone_is_monotone(f0: float) -> None:
    pitch = prosody.pitch_hz(tone(f0, 3.0), RATE)
    median, spread = delivery.pitch_spread_st(pitch)
    assert median == pytest.approx(f0, rel=0.01)
    assert spread is not None and spread < 0.1 < delivery.MONOTONE_ST


def test_more_pitch_movement_gives_more_variation() -> None:
    t = np.arange(int(4 * RATE)) / RATE
    spreads = []
    for depth_st in (0.5, 2.0, 5.0):
        f0 = 140.0 * 2 ** (depth_st * np.sin(2 * np.pi * 0.7 * t) / 12)
        spreads.append(delivery.pitch_spread_st(prosody.pitch_hz(tone(f0, 4.0), RATE))[1])
    assert spreads[0] < spreads[1] < spreads[2]
    # a sine of depth D semitones has a standard deviation of D / sqrt(2)
    assert spreads[2] == pytest.approx(5.0 / np.sqrt(2), rel=0.1)


def test_noise_is_not_voiced() -> None:
    noise = np.random.default_rng(1).standard_normal(2 * RATE) * 0.1
    assert np.isnan(prosody.pitch_hz(noise, RATE)).all()


@pytest.mark.parametrize(("start", "length"), [(3.0, 2.5), (7.04, 4.0), (2.0, 2.1)])
def test_a_pause_of_known_length_is_found_at_its_time(start: float, length: float) -> None:
    speech = [(0.5, start), (start + length, start + length + 3.0)]
    p = probability(speech, start + length + 4.0)
    spans = delivery.speech_spans(p, HOP)
    pauses = delivery.long_ones(delivery.gaps(spans))
    assert len(pauses) == 1
    assert pauses[0].start_s == pytest.approx(start, abs=HOP)
    assert pauses[0].end_s == pytest.approx(start + length, abs=HOP)


def test_short_gaps_are_not_long_pauses_and_blips_are_not_speech() -> None:
    p = probability([(1.0, 3.0), (4.5, 6.0), (8.0, 8.1)], 10.0)  # 1.5 s gap; 0.1 s blip
    spans = delivery.speech_spans(p, HOP)
    assert len(spans) == 2
    assert delivery.long_ones(delivery.gaps(spans)) == ()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=0, max_size=400), st.floats(-2.0, 2.0))
def test_speech_spans_are_ordered_apart_and_long_enough(values: list[float], start: float) -> None:
    spans = delivery.speech_spans(np.array(values), HOP, start)
    for s in spans:
        assert s.length_s >= delivery.MIN_SPEECH_S - 1e-9 and s.start_s >= start - 1e-9
    for a, b in zip(spans, spans[1:]):
        assert b.start_s - a.end_s >= delivery.MIN_GAP_S - 1e-9


@pytest.mark.parametrize("per_second", [2.0, 3.5, 5.0])
def test_syllable_nuclei_count_the_loudness_bumps_of_a_voice(per_second: float) -> None:
    seconds = 6.0
    t = np.arange(int(seconds * RATE)) / RATE
    bumps = np.clip(np.sin(np.pi * per_second * t), 0, None) ** 2  # one bump per syllable
    x = tone(120.0, seconds) * (0.02 + bumps)
    f0, aperiodic = prosody.pitch_track(x, RATE)
    db = prosody.intensity_db(x, RATE, prosody.SYLLABLE_BAND_HZ)
    inside = np.ones(len(db), dtype=bool)
    nuclei = prosody.syllable_nuclei(db, aperiodic < prosody.VOICED_BELOW, inside)
    assert abs(len(nuclei) - per_second / 2 * seconds) <= 1


def test_unvoiced_bumps_are_not_syllables() -> None:
    t = np.arange(4 * RATE) / RATE
    x = np.random.default_rng(2).standard_normal(len(t)) * 0.1 * np.sin(np.pi * 3 * t) ** 2
    f0, aperiodic = prosody.pitch_track(x, RATE)
    db = prosody.intensity_db(x, RATE, prosody.SYLLABLE_BAND_HZ)
    nuclei = prosody.syllable_nuclei(db, aperiodic < prosody.VOICED_BELOW, np.ones(len(db), bool))
    assert len(nuclei) == 0


def test_summary_block_reads_back_and_bad_values_are_refused() -> None:
    d = Delivery(
        sound=True,
        duration_s=30.0,
        speech=(Span(1.0, 8.0), Span(10.5, 20.0)),
        speech_s=16.5,
        speaking_pct=55.0,
        answer_s=19.0,
        pauses=(Span(8.0, 10.5),),
        long_pauses=(Span(8.0, 10.5),),
        syllables=60,
        syllables_per_min=189.47,
        articulation_per_min=218.18,
        pitch_median_hz=120.0,
        pitch_sd_st=2.5,
        loudness_sd_db=4.0,
    )
    block = json.loads(json.dumps(d.to_dict()))
    assert Delivery.from_dict(block) == d
    for bad in ({"sound": "yes"}, {**block, "speech": [[3.0, 1.0]]}, {**block, "pitch_sd_st": "x"}):
        with pytest.raises(ValueError):
            Delivery.from_dict(bad)


def _with(rate: float, pauses_per_min: float, pitch: float) -> Delivery:
    answer = 60.0
    long = tuple(Span(i * 5.0, i * 5.0 + 2.5) for i in range(int(pauses_per_min)))
    return Delivery(
        sound=True,
        speech_s=40.0,
        answer_s=answer,
        long_pauses=long,
        syllables_per_min=rate,
        pitch_sd_st=pitch,
    )


def test_comparison_rules_say_what_better_is() -> None:
    before, after = _with(320.0, 4, 1.2), _with(240.0, 1, 2.4)
    result = delivery_verdicts.compare_delivery(before, after)
    assert {k: v.verdict for k, v in result.items()} == {
        "syllables_per_min": "better",
        "long_pauses_per_min": "better",
        "pitch_sd_st": "better",
    }
    back = delivery_verdicts.compare_delivery(after, before)
    assert {v.verdict for v in back.values()} == {"worse"}
    # inside the comfortable range, a faster or slower rate is no better
    assert (
        delivery_verdicts.compare_delivery(_with(200.0, 0, 3), _with(250.0, 0, 3))[
            "syllables_per_min"
        ].verdict
        == "same"
    )
    unknown = delivery_verdicts.compare_delivery(delivery.no_sound(), after)
    assert {v.verdict for v in unknown.values()} == {"unknown"}


def test_the_card_names_the_first_problem() -> None:
    card = delivery_verdicts.card(_with(320.0, 0, 3.0))
    assert card is not None and card.verdict == "work" and "fast" in card.tip
    card = delivery_verdicts.card(_with(220.0, 0, 3.0))
    assert card is not None and card.verdict == "good"
    card = delivery_verdicts.card(_with(220.0, 0, 1.0))
    assert card is not None and card.verdict == "work" and "flat" in card.tip


def test_a_recording_without_sound_has_no_sound_track() -> None:
    silent = ROOT / "sample_videos" / "upright.mp4"
    assert audio.read_sound(silent) is None


def test_one_synthesised_clip_against_its_truth() -> None:
    """The whole sound path on a real file: AAC decoding, resampling, Silero, the measures."""
    from review.judging.analysis import sound_delivery

    name = "held_us_f_160_snr10.mp4"  # a held-out clip (no constant was chosen on it)
    truth = json.loads((SPEECH / "truth.json").read_text())[name]
    d = sound_delivery(SPEECH / name)
    true_long = [p for p in truth["pauses"] if p[1] - p[0] >= delivery.LONG_PAUSE_S]
    assert len(d.long_pauses) == len(true_long)
    for found, (a, b) in zip(d.long_pauses, true_long):
        assert found.start_s == pytest.approx(a, abs=0.3)
        assert found.end_s == pytest.approx(b, abs=0.3)
    assert d.syllables_per_min == pytest.approx(truth["syllables_per_min"], rel=0.15)
    assert d.speech[0].start_s == pytest.approx(truth["speech"][0][0], abs=0.15)


@pytest.mark.parametrize("name", ["held_us_m_220_snr15.mp4", "held_us_f_250_snr15.mp4"])
def test_fast_speech_is_not_counted_slow(name: str) -> None:
    """Held-out voices at 220 and 250 words a minute (the rate was 24 % low at 220 once)."""
    from review.judging.analysis import sound_delivery

    truth = json.loads((SPEECH / "truth.json").read_text())[name]
    d = sound_delivery(SPEECH / name)
    assert d.syllables_per_min == pytest.approx(truth["syllables_per_min"], rel=0.10)


def test_real_speech_against_its_hand_labels() -> None:
    """A real recording (JFK, 1961: an echoing outdoor speech, crowd noise at the end), labelled
    by hand (sample_videos/speech_real/SOURCES.md); no constant was chosen on it."""
    from review.judging.analysis import sound_delivery

    real = ROOT / "sample_videos" / "speech_real"
    name = "jfk_inaugural_1961.flac"
    truth = json.loads((real / "truth.json").read_text())[name]
    d = sound_delivery(real / name, video_start_s=0.0)  # sound only: no video to align to
    found = [(s.start_s, s.end_s) for s in d.speech]
    assert len(found) == len(truth["speech"])  # every phrase, the 0.4 s pause inside one too
    for (start, end), (a, b) in zip(found, truth["speech"]):
        assert start == pytest.approx(a, abs=0.1)
        assert b - 0.1 <= end <= b + 0.3  # the detector holds on a little after a phrase
    assert len(d.long_pauses) == 0  # the longest pause is 1.24 s, under LONG_PAUSE_S
    assert d.syllables_per_min == pytest.approx(truth["syllables_per_min"], rel=0.10)


@pytest.mark.integration
def test_review_analyse_shows_delivery_everywhere(tmp_path: Path) -> None:
    """`review analyse` on a synthesised answer: summary.json, report, history, compare."""
    import shutil

    from review.storing import history
    from tests.command import in_process

    clip = tmp_path / "answer.mp4"
    shutil.copy(SPEECH / "held_gb_f_150_clean.mp4", clip)
    db = tmp_path / "h.sqlite3"
    ran = in_process("analyse", clip, "--db", db)
    assert ran.returncode == 0, ran.stderr
    assert "speaking rate" in ran.stdout and "long pauses" in ran.stdout
    summary = json.loads((tmp_path / "answer_review" / "summary.json").read_text())
    block = summary["delivery"]
    truth = json.loads((SPEECH / "truth.json").read_text())["held_gb_f_150_clean.mp4"]
    assert block["sound"] is True
    assert block["syllables_per_min"] == pytest.approx(truth["syllables_per_min"], rel=0.15)
    assert len(block["long_pauses"]) == 2
    html = (tmp_path / "answer_review" / "report.html").read_text()
    assert "Delivery (from the sound)" in html and "syllables a minute" in html
    (entry,) = history.entries(db)
    assert entry.sound == 1 and entry.syllables_per_min == block["syllables_per_min"]

    quiet = tmp_path / "quiet.mp4"
    shutil.copy(SPEECH / "held_gb_f_150_clean.mp4", quiet)
    ran = in_process("analyse", quiet, "--no-history", "--no-sound", "-q")
    assert ran.returncode == 0, ran.stderr
    assert json.loads((tmp_path / "quiet_review" / "summary.json").read_text())["delivery"] is None

    ran = in_process(
        "compare", tmp_path / "answer_review", tmp_path / "answer_review", "-o", tmp_path / "c"
    )
    assert ran.returncode == 0, ran.stderr
    result = json.loads((tmp_path / "c" / "comparison.json").read_text())
    assert {v["verdict"] for v in result["delivery"].values()} == {"same"}


@pytest.mark.integration
def test_a_recording_without_sound_says_so(tmp_path: Path) -> None:
    import shutil

    from tests.command import in_process

    clip = tmp_path / "silent.mp4"
    shutil.copy(ROOT / "sample_videos" / "upright.mp4", clip)
    ran = in_process("analyse", clip, "--no-history")
    assert ran.returncode == 0, ran.stderr
    assert "no sound recorded" in ran.stdout
    summary = json.loads((tmp_path / "silent_review" / "summary.json").read_text())
    assert summary["delivery"] == {**delivery.no_sound().to_dict()}
    assert "no sound recorded" in (tmp_path / "silent_review" / "report.html").read_text()


def test_the_comparison_page_has_a_row_per_delivery_figure() -> None:
    import dataclasses

    from review.judging import analysis, compare
    from review.presenting import compare_report
    from tests import synth

    session = analysis.analyse_landmarks(synth.still(20.0))
    before = dataclasses.replace(session, delivery=_with(320.0, 4, 1.2))
    after = dataclasses.replace(session, delivery=_with(240.0, 1, 2.4))
    comparison = compare.compare(before, after)
    html = compare_report.render_html(comparison, b"\x89PNG")
    for label in ("Speaking rate", "Long pauses", "Pitch variation"):
        assert f"Delivery: {label}" in html
    # the better figures are listed among the improvements, with both values
    improved = html[html.index("What improved") : html.index("What got worse")]
    assert "Speaking rate: 320.0 syllables/min \u2192 240.0 syllables/min" in improved
