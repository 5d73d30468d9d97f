"""Delivery in words: the report's card, the terminal's lines and the before/after rule.

Pure: a ``review.detectors.delivery.Delivery`` (or summary.json's ``delivery`` block) in, words and
frozen dataclasses out.

What counts as good (constants of ``review.detectors.delivery``, from the literature, not tuned):
a speaking rate within ``COMFORTABLE_SPM``, at most ``LONG_PAUSES_OK_PER_MIN`` long pauses a
minute, and a pitch varying by at least ``MONOTONE_ST`` semitones.

What counts as better in a comparison (``compare_delivery``): the speaking rate nearer the
comfortable range (by at least ``MIN_RATE_CHANGE`` syllables a minute: about 10 words a
minute), fewer long pauses a minute (by at least ``MIN_PAUSE_CHANGE``), more pitch variation
(by at least ``MIN_PITCH_CHANGE`` semitones). These are single figures of each session, not
per-frame states, so there is no bootstrap interval: a change under its minimum is "same".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from review.detectors import delivery as speech
from review.detectors.delivery import Delivery
from review.presenting.timefmt import mmss

#: More long pauses than this a minute is worth working on.
LONG_PAUSES_OK_PER_MIN = 1.0
#: Smallest changes that count in a comparison (see the module docstring).
MIN_RATE_CHANGE = 15.0
MIN_PAUSE_CHANGE = 0.5
MIN_PITCH_CHANGE = 0.5
#: About this many syllables make an English word (for "words a minute").
SYLLABLES_PER_WORD = 1.5
#: Colour of the delivery card and lane (Okabe-Ito vermillion is "worse"; this is sky blue).
COLOUR = "#56B4E9"


@dataclass(frozen=True)
class Card:
    """The report's Delivery card.

    Attributes:
        verdict: "good", "work" or "unknown".
        figure: The headline figure ("172"), or a phrase ("no sound recorded").
        figure_text: What the figure is.
        rows: (label, value) lines.
        tip: One tip tied to what was heard.
        pauses: The long pauses' times ("0:08-0:11 (2.4 s)"), longest first.

    """

    verdict: str
    figure: str
    figure_text: str
    rows: tuple[tuple[str, str], ...]
    tip: str
    pauses: tuple[str, ...]


def _judged(d: Delivery) -> bool:
    return d.sound and d.syllables_per_min is not None


def problems(d: Delivery) -> list[str]:
    """What to work on, most important first: "fast", "slow", "pauses", "monotone"."""
    if not _judged(d):
        return []
    found = []
    low, high = speech.COMFORTABLE_SPM
    rate = d.syllables_per_min or 0.0
    if rate > high:
        found.append("fast")
    elif rate < low:
        found.append("slow")
    if (d.long_pauses_per_min or 0.0) > LONG_PAUSES_OK_PER_MIN:
        found.append("pauses")
    if d.pitch_sd_st is not None and d.pitch_sd_st < speech.MONOTONE_ST:
        found.append("monotone")
    return found


def _pause_text(p: speech.Span) -> str:
    return f"{mmss(p.start_s)}-{mmss(p.end_s)} ({p.length_s:.1f} s)"


def card(d: Delivery | None) -> Card | None:
    """The Delivery card of a session (None: the sound was not analysed)."""
    if d is None:
        return None
    if not d.sound:
        return Card(
            "unknown",
            speech.NO_SOUND,
            "",
            (),
            "This recording has no sound track. Record with sound (review record records the "
            "microphone) to see your pace, pauses and intonation.",
            (),
        )
    low, high = speech.COMFORTABLE_SPM
    rows = [
        (
            "Speaking time",
            f"{mmss(d.speech_s or 0.0)} of {mmss(d.duration_s or 0.0)}"
            + (f" ({d.speaking_pct:.0f}%)" if d.speaking_pct is not None else ""),
        ),
        (
            f"Long pauses (at least {speech.LONG_PAUSE_S:.0f} s)",
            f"{len(d.long_pauses)}"
            + (
                f" ({d.long_pauses_per_min:.1f} a minute)"
                if d.long_pauses_per_min is not None
                else ""
            ),
        ),
    ]
    if d.pitch_sd_st is not None:
        rows.append(
            (
                "Pitch variation",
                f"{d.pitch_sd_st:.1f} semitones (flat under {speech.MONOTONE_ST:.0f})",
            )
        )
    if d.loudness_sd_db is not None:
        rows.append(("Loudness variation", f"{d.loudness_sd_db:.1f} dB"))
    pauses = tuple(_pause_text(p) for p in sorted(d.long_pauses, key=lambda p: -p.length_s))
    if not _judged(d):
        return Card(
            "unknown",
            "not enough speech",
            f" heard ({d.speech_s or 0.0:.0f} s; at least "
            f"{speech.MIN_SPEECH_S_FOR_FIGURES:.0f} s are needed for a rate)",
            tuple(rows),
            "Too little speech was heard to judge your delivery. Check that the microphone "
            "is on and close enough, and answer aloud.",
            pauses,
        )
    rate = d.syllables_per_min or 0.0
    found = problems(d)
    longest = max(d.long_pauses, key=lambda p: p.length_s) if d.long_pauses else None
    tips = {
        "fast": f"You spoke fast (about {rate / SYLLABLES_PER_WORD:.0f} words a minute). Slow "
        "down: finish each point, then pause for a breath before the next.",
        "slow": f"You spoke slowly (about {rate / SYLLABLES_PER_WORD:.0f} words a minute). "
        "Practise the answer's outline so that the words come more readily.",
        "pauses": f"You paused for {speech.LONG_PAUSE_S:.0f} s or more {len(d.long_pauses)} "
        "times"
        + (f" (longest {longest.length_s:.1f} s at {mmss(longest.start_s)})" if longest else "")
        + ". A short pause to think is fine; a long one reads as lost: bridge it with "
        '"Let me think about that for a second."',
        "monotone": f"Your pitch varied by only {d.pitch_sd_st or 0.0:.1f} semitones, which can "
        "sound flat. Stress the words that matter and let your voice rise and fall.",
    }
    tip = (
        tips[found[0]]
        if found
        else "Your pace, pauses and intonation are in a comfortable range. Keep it up."
    )
    return Card(
        "work" if found else "good",
        f"{rate:.0f}",
        f" syllables a minute (about {rate / SYLLABLES_PER_WORD:.0f} words; comfortable "
        f"{low:.0f}-{high:.0f})",
        tuple(rows),
        tip,
        pauses,
    )


def terminal_lines(block: dict[str, Any] | None) -> list[str]:
    """The summary's delivery lines for the terminal (none when the sound was not analysed)."""
    if block is None:
        return []
    d = Delivery.from_dict(block)
    if not d.sound:
        return [f"{'delivery':<16} {speech.NO_SOUND}"]
    if not _judged(d):
        return [f"{'delivery':<16} not enough speech heard to judge"]
    lines = [
        f"{'speaking rate':<16} {d.syllables_per_min:.0f} syllables a minute",
        f"{'long pauses':<16} {len(d.long_pauses)} (at least {speech.LONG_PAUSE_S:.0f} s)",
    ]
    if d.pitch_sd_st is not None:
        lines.append(f"{'pitch variation':<16} {d.pitch_sd_st:.1f} semitones")
    return lines


#: Compared figures: (key in summary.json's delivery, label, unit, better when, minimum).
RULES = (
    ("syllables_per_min", "Speaking rate", "syllables/min", "nearer", MIN_RATE_CHANGE),
    ("long_pauses_per_min", "Long pauses", "per min", "lower", MIN_PAUSE_CHANGE),
    ("pitch_sd_st", "Pitch variation", "semitones", "higher", MIN_PITCH_CHANGE),
)


def _distance(rate: float) -> float:
    low, high = speech.COMFORTABLE_SPM
    return max(low - rate, 0.0, rate - high)


@dataclass(frozen=True)
class DeliveryComparison:
    """One delivery figure compared: an entry of comparison.json's ``delivery``.

    Fields are in the order comparison.json lists them.

    Attributes:
        label: Plain-language name ("Speaking rate").
        unit: Unit of the figures ("syllables/min").
        better_when: "lower", "higher" or "nearer LOW-HIGH" (the comfortable range).
        before: The earlier session's figure, rounded to 0.01; None if not judged.
        after: The later session's, likewise.
        change: after - before, rounded to 0.01; None unless both were judged.
        min_meaningful: Smallest change that counts, in ``unit``.
        verdict: "better", "worse", "same" or "unknown".
        reason: Why, in plain words.

    """

    label: str
    unit: str
    better_when: str
    before: float | None
    after: float | None
    change: float | None
    min_meaningful: float
    verdict: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """As in comparison.json."""
        return asdict(self)


def compare_delivery(
    before: Delivery | None, after: Delivery | None
) -> dict[str, DeliveryComparison]:
    """Each delivery figure before and after, with its verdict (see the module docstring).

    Returns:
        Figure key (as in summary.json's ``delivery``) -> its comparison, in ``RULES`` order.

    """
    out: dict[str, DeliveryComparison] = {}
    for key, label, unit, better_when, least in RULES:
        b = _figure(before, key)
        a = _figure(after, key)
        if a is None or b is None:
            verdict, reason = "unknown", "not judged in both sessions (no sound or too little)"
        else:
            gain = {
                "nearer": _distance(b) - _distance(a),
                "lower": b - a,
                "higher": a - b,
            }[better_when]
            if abs(gain) < least:
                verdict, reason = "same", f"the change is smaller than {least:g} {unit}"
            else:
                verdict = "better" if gain > 0 else "worse"
                reason = f"{abs(gain):.1f} {unit} {'nearer' if gain > 0 else 'further from'} "
                reason += "the comfortable range" if better_when == "nearer" else "the goal"
        out[key] = DeliveryComparison(
            label=label,
            unit=unit,
            better_when=better_when
            if better_when != "nearer"
            else "nearer {:.0f}-{:.0f}".format(*speech.COMFORTABLE_SPM),
            before=None if b is None else round(b, 2),
            after=None if a is None else round(a, 2),
            change=None if a is None or b is None else round(a - b, 2),
            min_meaningful=least,
            verdict=verdict,
            reason=reason,
        )
    return out


def _figure(d: Delivery | None, key: str) -> float | None:
    if d is None or not _judged(d):
        return None
    value = d.long_pauses_per_min if key == "long_pauses_per_min" else getattr(d, key)
    return None if value is None else float(value)
