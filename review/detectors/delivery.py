"""Delivery from the sound: speaking time, long pauses, speaking rate and a monotone measure.

Pure functions: the voice detector's probabilities and the samples in, a frozen ``Delivery``
out (``review.media.audio`` reads the file, ``review.detectors.vad`` runs the model).

- **Speech** is where Silero's probability of speech rises over ``SPEECH_ON`` and stays over
  ``SPEECH_OFF`` (Silero's own defaults, 0.5 and 0.35); speech shorter than ``MIN_SPEECH_S``
  is a click or a breath, a gap shorter than ``MIN_GAP_S`` is not a pause (Silero's defaults,
  0.25 s and 0.1 s).
- **Pauses** are the gaps between speech, within the answer (from the first word to the last:
  the silence before you start and after you finish is not a pause). A pause is **long** from
  ``LONG_PAUSE_S`` = 2 s: in conversation a silence of about a second already reads as a break
  in the turn (Jefferson 1989's "standard maximum" of about 1 s), and a deliberate pause for
  emphasis or thought lasts 0.5-2 s; over 2 s the listener wonders whether you have lost the
  thread. A choice from the literature, not tuned on the clips.
- **Speaking rate**: syllable nuclei (``review.detectors.prosody``) per minute of the answer
  (first word to last, pauses included: what "words a minute" means to a listener), and per
  minute of speech (the articulation rate). About 1.5 syllables make an English word, so
  ``COMFORTABLE_SPM`` (180-270 syllables a minute) is the advice of 120-180 words a minute.
- **Monotone**: the spread of the pitch (standard deviation in semitones about the median,
  over voiced frames in speech; values more than an octave from the median are taken for the
  tracker's octave errors and left out) and of the loudness (standard deviation in dB over
  the same frames). Under ``MONOTONE_ST`` = 2 semitones a voice sounds flat: Hincks (2005)
  found lively speakers' pitch variation quotient (SD / mean of F0) above about 0.11-0.12,
  which is 1.9-2.1 semitones. Again from the literature, not tuned.

"Cannot judge" is None, never 0: with less than ``MIN_SPEECH_S_FOR_FIGURES`` of speech there
is no rate and no pitch figure; a recording without an audio track has ``sound`` False.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from review.detectors import prosody

#: Hysteresis of the voice detector's probability (Silero's defaults).
SPEECH_ON = 0.5
SPEECH_OFF = 0.35
#: Shortest speech kept, and shortest gap that separates two stretches of speech, seconds.
MIN_SPEECH_S = 0.25
MIN_GAP_S = 0.1
#: A pause at least this long is a long pause, seconds (see the module docstring).
LONG_PAUSE_S = 2.0
#: Below this much speech, seconds, no rate and no pitch figure is given.
MIN_SPEECH_S_FOR_FIGURES = 5.0
#: Fewest voiced frames (HOP_S each) for a pitch figure: one second of voice.
MIN_VOICED_FRAMES = 100
#: Comfortable speaking rate, syllables a minute of the answer (120-180 words a minute).
COMFORTABLE_SPM = (180.0, 270.0)
#: Pitch variation under this, semitones, sounds flat.
MONOTONE_ST = 2.0
#: Pitch values this far from the median, semitones, are octave errors.
OCTAVE_ST = 12.0
#: Words of a sound track that holds no sound at all.
NO_SOUND = "no sound recorded"


@dataclass(frozen=True)
class Span:
    """A stretch of time on the video's clock.

    Attributes:
        start_s: Start, seconds.
        end_s: End, seconds.

    """

    start_s: float
    end_s: float

    @property
    def length_s(self) -> float:
        """Its length, seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Delivery:
    """How the answer was spoken.

    Attributes:
        sound: The recording has an audio track (False: "no sound recorded"; every figure
            is then None).
        duration_s: Length of the sound, seconds.
        speech: Stretches of speech, in time order.
        speech_s: Total speech, seconds.
        speaking_pct: Speech as a share of the sound, percent.
        answer_s: From the first speech to the end of the last, seconds (0: no speech).
        pauses: Gaps between speech within the answer, in time order.
        long_pauses: Those at least ``LONG_PAUSE_S`` long.
        syllables: Syllable nuclei counted (None without enough speech).
        syllables_per_min: Syllables a minute of the answer, pauses included.
        articulation_per_min: Syllables a minute of speech.
        pitch_median_hz: Median pitch of the voice, Hz.
        pitch_sd_st: Pitch variation, standard deviation in semitones.
        loudness_sd_db: Loudness variation, standard deviation in dB.

    """

    sound: bool
    duration_s: float | None = None
    speech: tuple[Span, ...] = ()
    speech_s: float | None = None
    speaking_pct: float | None = None
    answer_s: float | None = None
    pauses: tuple[Span, ...] = ()
    long_pauses: tuple[Span, ...] = ()
    syllables: int | None = None
    syllables_per_min: float | None = None
    articulation_per_min: float | None = None
    pitch_median_hz: float | None = None
    pitch_sd_st: float | None = None
    loudness_sd_db: float | None = None

    @property
    def long_pauses_per_min(self) -> float | None:
        """Long pauses per minute of the answer (None without enough speech)."""
        if not self.answer_s or (self.speech_s or 0.0) < MIN_SPEECH_S_FOR_FIGURES:
            return None
        return len(self.long_pauses) / (self.answer_s / 60.0)

    def to_dict(self) -> dict[str, Any]:
        """As in summary.json's ``delivery`` block (times and figures rounded)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key in ("speech", "pauses", "long_pauses"):
                out[key] = [[round(s["start_s"], 3), round(s["end_s"], 3)] for s in value]
            elif isinstance(value, float):
                out[key] = round(value, 3 if key.endswith("_s") else 2)
            else:
                out[key] = value
        rate = self.long_pauses_per_min
        out["long_pauses_per_min"] = None if rate is None else round(rate, 2)
        out["long_pause_s"] = LONG_PAUSE_S
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Delivery:
        """Read ``to_dict``'s output back.

        Raises:
            ValueError: A value has the wrong type.

        """
        if not isinstance(data, dict) or not isinstance(data.get("sound"), bool):
            raise ValueError("delivery: expected a dict with a boolean 'sound'")
        kwargs: dict[str, Any] = {"sound": data["sound"]}
        for key in ("speech", "pauses", "long_pauses"):
            spans = data.get(key, [])
            if not isinstance(spans, list):
                raise ValueError(f"delivery.{key}: expected a list of [start, end]")
            kwargs[key] = tuple(_span(s, key) for s in spans)
        for key in (
            "duration_s",
            "speech_s",
            "speaking_pct",
            "answer_s",
            "syllables_per_min",
            "articulation_per_min",
            "pitch_median_hz",
            "pitch_sd_st",
            "loudness_sd_db",
        ):
            kwargs[key] = _optional_number(data.get(key), key)
        syllables = data.get("syllables")
        if syllables is not None and (not isinstance(syllables, int) or syllables < 0):
            raise ValueError("delivery.syllables: expected a count")
        kwargs["syllables"] = syllables
        return cls(**kwargs)


def _span(value: object, key: str) -> Span:
    if not (
        isinstance(value, list)
        and len(value) == 2
        and all(_optional_number(v, key) is not None for v in value)
        and value[1] >= value[0]
    ):
        raise ValueError(f"delivery.{key}: expected [start, end], got {value!r}")
    return Span(float(value[0]), float(value[1]))


def _optional_number(value: object, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"delivery.{key}: expected a number or null, got {value!r}")
    return float(value)


def speech_spans(
    probability: NDArray[np.float64], hop_s: float, start_s: float = 0.0
) -> tuple[Span, ...]:
    """Stretches of speech from the voice detector's per-window probabilities.

    Args:
        probability: (W,) probability of speech per window.
        hop_s: Window length, seconds.
        start_s: Time of the first window's start on the video's clock, seconds.

    Returns:
        The stretches (see the module docstring), in time order.

    """
    p = np.asarray(probability, dtype=float)
    on = np.zeros(len(p), dtype=bool)
    speaking = False
    for i, value in enumerate(p):
        speaking = value >= SPEECH_ON if not speaking else value >= SPEECH_OFF
        on[i] = speaking
    spans: list[list[float]] = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(int), [0]])))
    for a, b in zip(edges[::2], edges[1::2]):
        start, end = start_s + a * hop_s, start_s + b * hop_s
        if spans and start - spans[-1][1] < MIN_GAP_S:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return tuple(Span(a, b) for a, b in spans if b - a >= MIN_SPEECH_S)


def gaps(speech: tuple[Span, ...]) -> tuple[Span, ...]:
    """The pauses: gaps between consecutive stretches of speech."""
    return tuple(Span(a.end_s, b.start_s) for a, b in zip(speech, speech[1:]))


def long_ones(pauses: tuple[Span, ...], min_s: float = LONG_PAUSE_S) -> tuple[Span, ...]:
    """The pauses at least ``min_s`` long."""
    return tuple(p for p in pauses if p.length_s >= min_s - 1e-9)


def speech_mask(speech: tuple[Span, ...], times_s: NDArray[np.float64]) -> NDArray[np.bool_]:
    """(F,) True at the times inside a stretch of speech."""
    t = np.asarray(times_s, dtype=float)
    mask = np.zeros(len(t), dtype=bool)
    for s in speech:
        mask |= (t >= s.start_s) & (t < s.end_s)
    return mask


def pitch_spread_st(f0: NDArray[np.float64]) -> tuple[float | None, float | None]:
    """(median Hz, standard deviation in semitones) of voiced pitch; None with too few frames.

    Values more than ``OCTAVE_ST`` from the median are left out (octave errors).
    """
    voiced = np.asarray(f0, dtype=float)
    voiced = voiced[np.isfinite(voiced) & (voiced > 0)]
    if len(voiced) < MIN_VOICED_FRAMES:
        return None, None
    median = float(np.median(voiced))
    st = 12.0 * np.log2(voiced / median)
    st = st[np.abs(st) <= OCTAVE_ST]
    return median, float(np.std(st))


def measure(
    samples: NDArray[np.floating[Any]],
    rate: int,
    probability: NDArray[np.float64],
    hop_s: float,
    start_s: float = 0.0,
) -> Delivery:
    """Delivery of a sound track, from its samples and the voice detector's probabilities.

    Args:
        samples: (N,) mono samples in [-1, 1].
        rate: Samples a second.
        probability: (W,) the voice detector's probability of speech (``review.detectors.vad``).
        hop_s: The detector's window, seconds.
        start_s: Time of the first sample on the video's clock, seconds.

    Returns:
        The Delivery (see its attributes; None where it cannot be judged).

    """
    duration = len(samples) / rate
    speech = speech_spans(probability, hop_s, start_s)
    speech_s = float(sum(s.length_s for s in speech))
    answer_s = speech[-1].end_s - speech[0].start_s if speech else 0.0
    pauses = gaps(speech)
    base = Delivery(
        sound=True,
        duration_s=duration,
        speech=speech,
        speech_s=speech_s,
        speaking_pct=100.0 * speech_s / duration if duration > 0 else None,
        answer_s=answer_s,
        pauses=pauses,
        long_pauses=long_ones(pauses),
    )
    if speech_s < MIN_SPEECH_S_FOR_FIGURES:
        return base
    times = start_s + np.arange(int(np.ceil(len(samples) / (prosody.HOP_S * rate)))) * prosody.HOP_S
    inside = speech_mask(speech, times)
    db = prosody.intensity_db(samples, rate)[: len(times)]
    peaks_db = prosody.intensity_db(samples, rate, prosody.SYLLABLE_BAND_HZ)[: len(times)]
    f0, aperiodic = prosody.pitch_track(samples, rate, where=inside)
    f0, aperiodic = f0[: len(times)], aperiodic[: len(times)]
    nuclei = prosody.syllable_nuclei(peaks_db, aperiodic < prosody.VOICED_BELOW, inside)
    median, spread = pitch_spread_st(f0)
    voiced = inside & np.isfinite(f0)
    loud = float(np.std(db[voiced])) if voiced.sum() >= MIN_VOICED_FRAMES else None
    return Delivery(
        **{
            **base.__dict__,
            "syllables": len(nuclei),
            "syllables_per_min": 60.0 * len(nuclei) / answer_s,
            "articulation_per_min": 60.0 * len(nuclei) / speech_s,
            "pitch_median_hz": median,
            "pitch_sd_st": spread,
            "loudness_sd_db": loud,
        }
    )


def no_sound() -> Delivery:
    """The Delivery of a recording without an audio track."""
    return Delivery(sound=False)
