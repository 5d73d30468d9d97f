"""Intensity, pitch and syllable nuclei of a mono sound: pure numpy, no speech recognition.

- ``intensity_db``: loudness in dB (re full scale) in short windows every ``HOP_S``.
- ``pitch_hz``: the fundamental frequency by YIN (de Cheveigne and Kawahara 2002): the
  cumulative-mean-normalised difference function, its first dip under ``YIN_THRESHOLD``
  between 75 and 400 Hz (an adult speaking voice), NaN where no period is clear (unvoiced).
- ``syllable_nuclei``: De Jong and Wempe's (2009) count: intensity peaks above a silence
  threshold, each followed by a dip of at least ``MIN_DIP_DB`` before the next peak, kept only
  where the voice is voiced (pitch found) and speech was detected.

Frames are indexed ``k = 0 .. F-1``; frame ``k`` is centred at ``k * HOP_S`` from the first
sample.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

#: Frame step of the intensity and pitch tracks, seconds.
HOP_S = 0.01
#: Intensity window (Hann), seconds. Chosen with SYLLABLE_BAND_HZ, VOICED_BELOW and MIN_DIP_DB
#: on the tuning clips of tools/make_speech.py only (``tools/eval_delivery.py --grid``: 40-100
#: ms tried; mean rate error 14 % at 40 ms, 4.9 % at 64 ms, 3.8 % at 80 ms, 2.9 % at 100 ms).
#: 100 ms was best there but at the grid's edge, and it smooths over the syllables of fast
#: natural speech (up to 7 a second, 140 ms apart) that espeak's clips do not have: 80 ms.
INTENSITY_WINDOW_S = 0.08
#: Lowest and highest pitch looked for, Hz (adult speaking voices).
MIN_PITCH_HZ = 75.0
MAX_PITCH_HZ = 400.0
#: YIN's threshold on the normalised difference (0.1-0.2 in the YIN paper).
YIN_THRESHOLD = 0.15
#: YIN's integration window, seconds (two periods of the lowest pitch).
YIN_WINDOW_S = 2.0 / MIN_PITCH_HZ
#: A syllable peak must be at least this many dB above the dip before the next peak
#: (De Jong and Wempe's default 2 dB; 1, 2 and 3 dB tried on the tuning clips: the same
#: within 0.1 %, so their default stays).
MIN_DIP_DB = 2.0
#: Peaks quieter than this many dB under the 99th percentile of intensity are silence
#: (De Jong and Wempe's default -25 dB).
SILENCE_DB = -25.0
#: A syllable's peak must be voiced: YIN's aperiodicity under this (looser than pitch's
#: YIN_THRESHOLD, as Praat's voicing threshold is for De Jong and Wempe: noise raises it).
#: Tried on the tuning clips: 0.15 missed syllables in noise (rate 40 % low at 10 dB SNR);
#: 0.35 and 0.5 were within 0.5 % of each other at 120-200 words a minute, but at 240 and
#: 265 (two tuning clips added for fast speech) 0.35 counted 10 % and 18 % slow, the
#: short vowels' peaks falling just outside the voiced frames: 0.45-0.6 gave the same
#: (mean error 4.1 %, worst +6.8 %; 0.7: worst +9.2 %), so the middle, 0.5. Held out, the
#: 220 words a minute voice went from 24 % slow to 7 %.
VOICED_BELOW = 0.5
#: The band whose intensity is peaked for syllables, Hz (None: the whole sound). Most of a
#: vowel's energy is in it, and most of a room's hum is below it (the whole sound: rate error
#: 8-20 % on the tuning clips; this band: 4-14 %).
SYLLABLE_BAND_HZ: tuple[float, float] | None = (300.0, 3000.0)
#: Floor of the intensity, dB re full scale (digital silence would be -inf).
FLOOR_DB = -120.0


def _frames(samples: NDArray[np.floating[Any]], rate: int, length: int) -> NDArray[np.float64]:
    """(F, length) windows centred every HOP_S (zero-padded at the ends)."""
    hop = int(round(HOP_S * rate))
    count = int(np.ceil(len(samples) / hop)) if len(samples) else 0
    half = length // 2
    padded = np.concatenate(
        [np.zeros(half), np.asarray(samples, dtype=np.float64), np.zeros(length + hop)]
    )
    if count == 0:
        return np.zeros((0, length))
    return sliding_window_view(padded, length)[: count * hop : hop]


def band(
    samples: NDArray[np.floating[Any]], rate: int, low_hz: float, high_hz: float
) -> NDArray[np.float64]:
    """The samples with everything outside ``low_hz``-``high_hz`` removed (FFT, zero phase)."""
    x = np.asarray(samples, dtype=np.float64)
    if len(x) == 0:
        return x
    # Padded to a power of two: numpy's FFT of a length with large prime factors (any
    # recording's sample count) took 0.5 s for 30 s of sound here, a power of two 0.02 s; the
    # zeros also keep the end of the recording from wrapping round onto its start.
    size = 1 << (len(x) - 1).bit_length()
    spectrum = np.fft.rfft(x, size)
    f = np.fft.rfftfreq(size, 1.0 / rate)
    spectrum[(f < low_hz) | (f > high_hz)] = 0.0
    return np.fft.irfft(spectrum, size)[: len(x)]


def intensity_db(
    samples: NDArray[np.floating[Any]], rate: int, band_hz: tuple[float, float] | None = None
) -> NDArray[np.float64]:
    """(F,) intensity in dB re full scale (a full-scale sine is -3 dB), one every HOP_S.

    Args:
        samples: (N,) mono samples in [-1, 1].
        rate: Samples a second.
        band_hz: Optional (low, high): the intensity of that band only.

    """
    length = max(2, int(round(INTENSITY_WINDOW_S * rate)))
    window = np.hanning(length)
    window /= window.sum()
    if band_hz is not None:
        samples = band(samples, rate, *band_hz)
    frames = _frames(samples, rate, length)
    power: NDArray[np.float64] = (frames**2) @ window
    db: NDArray[np.float64] = np.maximum(10.0 * np.log10(np.maximum(power, 1e-30)), FLOOR_DB)
    return db


def pitch_hz(
    samples: NDArray[np.floating[Any]], rate: int, where: NDArray[np.bool_] | None = None
) -> NDArray[np.float64]:
    """(F,) fundamental frequency by YIN, Hz; NaN where unvoiced or not looked at.

    Args:
        samples: (N,) mono samples in [-1, 1].
        rate: Samples a second.
        where: Optional (F,) frames to look at (e.g. speech only); the others are NaN.

    """
    return pitch_track(samples, rate, where)[0]


def pitch_track(
    samples: NDArray[np.floating[Any]], rate: int, where: NDArray[np.bool_] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """YIN's pitch and aperiodicity, each (F,).

    Returns:
        ``(f0, aperiodicity)``: pitch in Hz (NaN unvoiced or not looked at), and the lowest
        normalised difference between 75 and 400 Hz (0 perfectly periodic, about 1 noise;
        NaN where not looked at).

    """
    window = int(round(YIN_WINDOW_S * rate))
    tau_min = int(np.floor(rate / MAX_PITCH_HZ))
    tau_max = int(np.ceil(rate / MIN_PITCH_HZ))
    frames = _frames(samples, rate, window + tau_max + 1)
    out = np.full(len(frames), np.nan)
    aperiodic = np.full(len(frames), np.nan)
    todo = np.arange(len(frames)) if where is None else np.flatnonzero(where[: len(frames)])
    size = 1 << int(np.ceil(np.log2(window + tau_max + 1)))  # no wrap for lags 0..tau_max
    for batch in np.array_split(todo, max(1, len(todo) // 512)):
        if len(batch) == 0:
            continue
        x = frames[batch]
        spectrum = np.fft.rfft(x, size, axis=1)
        head = np.fft.rfft(x[:, :window], size, axis=1)
        r = np.fft.irfft(spectrum * np.conj(head), size, axis=1)[:, : tau_max + 1]
        squares = np.cumsum(np.pad(x**2, ((0, 0), (1, 0))), axis=1)
        lags = np.arange(tau_max + 1)
        energy = squares[:, lags + window] - squares[:, lags]  # sum of x[tau : tau + W]^2
        diff = np.maximum(energy[:, :1] + energy - 2.0 * r, 0.0)
        cumulative = np.cumsum(diff[:, 1:], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cmnd = np.ones_like(diff)
            cmnd[:, 1:] = diff[:, 1:] * lags[1:] / np.where(cumulative > 0, cumulative, np.nan)
        cmnd = np.nan_to_num(cmnd, nan=1.0)
        out[batch] = _yin_periods(cmnd, tau_min, tau_max, rate)
        aperiodic[batch] = np.min(cmnd[:, tau_min:tau_max], axis=1)
    return out, aperiodic


def _yin_periods(
    cmnd: NDArray[np.float64], tau_min: int, tau_max: int, rate: int
) -> NDArray[np.float64]:
    """(B,) pitch, Hz, of (B, tau_max + 1) normalised differences; NaN where none is clear.

    The period is the lowest point of the first dip under YIN_THRESHOLD, refined by a parabola
    through it and its neighbours.
    """
    lags = np.arange(cmnd.shape[1])
    below = (cmnd < YIN_THRESHOLD) & (lags >= tau_min) & (lags < tau_max)
    found = below.any(axis=1)
    first = np.argmax(below, axis=1)
    after = lags >= first[:, None]
    dip = after & (np.cumsum(~below & after, axis=1) == 0)
    tau = np.argmin(np.where(dip, cmnd, np.inf), axis=1)
    rows = np.arange(len(cmnd))
    a = cmnd[rows, np.maximum(tau - 1, 0)]
    b = cmnd[rows, tau]
    c = cmnd[rows, np.minimum(tau + 1, cmnd.shape[1] - 1)]
    bend = a - 2 * b + c
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(bend > 0, 0.5 * (a - c) / bend, 0.0)
    period = tau + np.clip(shift, -1.0, 1.0)
    return np.where(found, rate / np.maximum(period, 1.0), np.nan)


def syllable_nuclei(
    db: NDArray[np.float64], voiced: NDArray[np.bool_], speech: NDArray[np.bool_]
) -> NDArray[np.intp]:
    """Frames of syllable nuclei: De Jong and Wempe's intensity peaks (see the module doc).

    Args:
        db: (F,) intensity, dB (``intensity_db``).
        voiced: (F,) frames where the voice is voiced (``aperiodicity < VOICED_BELOW``).
        speech: (F,) frames inside detected speech.

    Returns:
        (S,) frame indices of the nuclei, increasing.

    """
    db = np.asarray(db, dtype=float)
    inside = np.asarray(speech, dtype=bool)
    if not inside.any():
        return np.zeros(0, dtype=np.intp)
    threshold = max(float(np.percentile(db[inside], 99)) + SILENCE_DB, float(np.min(db)))
    peaks = np.flatnonzero((db[1:-1] > db[:-2]) & (db[1:-1] >= db[2:])) + 1
    peaks = peaks[(db[peaks] > threshold) & inside[peaks]]
    kept = []
    for i, p in enumerate(peaks):
        end = peaks[i + 1] if i + 1 < len(peaks) else len(db)
        dip = float(np.min(db[p:end])) if end > p else float(db[p])
        if db[p] - dip >= MIN_DIP_DB:
            kept.append(p)
    nuclei = np.asarray(kept, dtype=np.intp)
    return nuclei[np.asarray(voiced, dtype=bool)[nuclei]] if len(nuclei) else nuclei
