"""Before and after: whether each habit changed between two practice sessions, beyond chance.

Pure functions: two Sessions in, a ``Comparison`` out (frozen dataclasses; ``to_dict()`` is
comparison.json). No files, no video.

How "better", "worse" and "same" are decided, per habit:

1. The figure of each session: the share of the judged time with the habit (eye contact,
   slumped, fidgeting), or face touches per judged minute (self-touch). Unknown frames (NaN)
   are left out, exactly as in summary.json.
2. How much that figure varies within a session: a block bootstrap. Each session's timeline
   is cut into consecutive time windows; the windows are drawn with replacement (2000 times,
   fixed seed, so the result is reproducible) and the figure recomputed from the drawn
   windows. The windows are long enough to keep a habit's episodes together (twice the mean
   length of the habit's on and off stretches in the two sessions, at least
   ``MIN_BLOCK_S``), but short enough that each session has ``MIN_BLOCKS`` of them.
   Resampling both sessions independently gives a 99 % interval for the change.
3. The verdict is "better" or "worse" only if that interval excludes zero *and* the change
   is at least the habit's minimum meaningful difference (``HabitRule.min_meaningful``);
   otherwise "same". It is "unknown" when a session has no judged frame for the habit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

from review.detectors.events import frame_durations, runs
from review.judging.habits import HABITS
from review.judging.session import Session, Summary
from review.presenting.delivery_verdicts import DeliveryComparison, compare_delivery

#: Windows are never shorter than this, seconds (habit events are at least ~1 s long).
MIN_BLOCK_S = 2.0
#: Each session is cut into at least this many windows (shorter windows if needed) ...
MIN_BLOCKS = 8
#: ... but windows never shorter than this, seconds.
FLOOR_BLOCK_S = 0.5
#: Bootstrap resamples, and confidence level of the interval of the change. 99 %, not 95 %:
#: on simulated pairs of two-minute sessions of one and the same habit process, the 95 %
#: interval excluded zero in 10-17 % of pairs (the window bootstrap underestimates the
#: variance a little); the 99 % interval in 2-10 %.
RESAMPLES = 2000
CONFIDENCE = 0.99
#: Sessions shorter than this give only a rough comparison (few independent windows).
SHORT_SESSION_S = 60.0


@dataclass(frozen=True)
class HabitRule:
    """How one habit is measured and judged in a comparison.

    Attributes:
        column: Per-frame habit column in Session.columns.
        label: Plain-language name.
        kind: "percent" (share of judged time with the state 1) or "per_minute" (episodes
            starting per judged minute).
        unit: Unit of the figure, for display.
        higher_is_better: Direction of improvement.
        min_meaningful: Smallest change worth calling progress, in the figure's unit: below
            it the change is too small to notice or act on, whatever the statistics say.

    """

    column: str
    label: str
    kind: str
    unit: str
    higher_is_better: bool
    min_meaningful: float


#: The habits compared, in display order (from ``review.judging.habits``).
HABIT_RULES: dict[str, HabitRule] = {
    h.column: HabitRule(h.column, h.name, h.kind, h.unit, h.higher_is_better, h.min_meaningful)
    for h in HABITS
}


def _onsets(state: NDArray[np.float64]) -> NDArray[np.float64]:
    """1.0 on the first frame of each run of 1.0 (as detectors.events.to_events counts them)."""
    on = np.nan_to_num(state, nan=0.0) == 1.0
    out = np.zeros(len(state))
    for first, _last in runs(on):
        out[first] = 1.0
    return out


def frame_terms(
    state: NDArray[np.float64], time_s: NDArray[np.float64], kind: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-frame numerator and denominator whose sums give a habit figure.

    Args:
        state: (T,) habit states 1.0 / 0.0 / NaN (unknown).
        time_s: (T,) frame times, seconds.
        kind: "percent" or "per_minute" (see HabitRule).

    Returns:
        (num, den), each (T,): the figure is ``sum(num) / sum(den)`` (None if ``sum(den)``
        is 0). For "percent", num is 100 x the frame's duration where the state is 1 and den
        the duration of judged frames; for "per_minute", num is 1 where an episode starts and
        den the judged duration in minutes.

    """
    state = np.asarray(state, dtype=float)
    known = ~np.isnan(state)
    w = frame_durations(np.asarray(time_s, dtype=float)) * known
    if kind == "percent":
        return 100.0 * w * (state == 1.0), w
    if kind == "per_minute":
        return _onsets(state) * known, w / 60.0
    raise ValueError(f"frame_terms: expected kind 'percent' or 'per_minute', got {kind!r}")


def figure(state: NDArray[np.float64], time_s: NDArray[np.float64], kind: str) -> float | None:
    """A session's figure for one habit (percent of judged time, or episodes per minute).

    Returns:
        The figure, or None if no frame was judged.

    """
    num, den = frame_terms(state, time_s, kind)
    total = float(np.sum(den))
    return None if total <= 0 else float(np.sum(num) / total)


def mean_run_s(state: NDArray[np.float64], time_s: NDArray[np.float64]) -> float | None:
    """Mean length (s) of the stretches of constant judged state (on or off); None if none."""
    state = np.asarray(state, dtype=float)
    w = frame_durations(np.asarray(time_s, dtype=float))
    lengths = []
    for value in (0.0, 1.0):
        lengths += [float(np.sum(w[a : b + 1])) for a, b in runs(state == value)]
    return float(np.mean(lengths)) if lengths else None


def block_length_s(before: Session, after: Session, column: str) -> float:
    """Window length (s) of the block bootstrap for one habit (see the module docstring)."""
    means = [
        m for s in (before, after) if (m := mean_run_s(s.columns[column], s.time_s)) is not None
    ]
    length = max([MIN_BLOCK_S, *(2.0 * m for m in means)])
    shortest = min(before.duration_s, after.duration_s)
    return float(max(FLOOR_BLOCK_S, min(length, shortest / MIN_BLOCKS)))


def window_sums(
    num: NDArray[np.float64], den: NDArray[np.float64], time_s: NDArray[np.float64], block_s: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Sum per-frame terms over consecutive windows of ``block_s`` seconds.

    Returns:
        (num, den) per window, each (W,).

    """
    t = np.asarray(time_s, dtype=float)
    if len(t) == 0:
        return np.zeros(0), np.zeros(0)
    index = np.floor((t - t[0]) / block_s).astype(int)
    # numpy's stubs give bincount an integer result; with weights it is float64.
    return np.bincount(index, weights=num), np.bincount(index, weights=den)  # type: ignore[return-value]


def bootstrap_figures(
    num: NDArray[np.float64],
    den: NDArray[np.float64],
    rng: np.random.Generator,
    resamples: int = RESAMPLES,
) -> NDArray[np.float64]:
    """The figure recomputed from windows drawn with replacement.

    Args:
        num: (W,) per-window numerators.
        den: (W,) per-window denominators.
        rng: Random generator.
        resamples: Number of resamples.

    Returns:
        (resamples,) figures; NaN where the drawn windows hold no judged time.

    """
    draw = rng.integers(0, len(num), size=(resamples, len(num)))
    total = den[draw].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, num[draw].sum(axis=1) / total, np.nan)


def change_interval(
    before: tuple[NDArray[np.float64], NDArray[np.float64]],
    after: tuple[NDArray[np.float64], NDArray[np.float64]],
    rng: np.random.Generator,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """Bootstrap interval of (after - before) from each session's per-window sums.

    Returns:
        (low, high) percentiles of the resampled change.

    """
    diff = bootstrap_figures(*after, rng, resamples) - bootstrap_figures(*before, rng, resamples)
    diff = diff[~np.isnan(diff)]
    if len(diff) == 0:
        return float("nan"), float("nan")
    tail = 100.0 * (1.0 - confidence) / 2.0
    low, high = np.percentile(diff, [tail, 100.0 - tail])
    return float(low), float(high)


def verdict(
    change: float | None, interval: tuple[float, float], rule: HabitRule
) -> tuple[str, str]:
    """The verdict on a change and the reason in plain words.

    Args:
        change: after - before in the figure's unit, or None when a session was not judged.
        interval: Bootstrap interval of the change.
        rule: The habit's rule.

    Returns:
        (verdict, reason): verdict is "better", "worse", "same" or "unknown".

    """
    if change is None:
        return "unknown", "not judged in both sessions"
    unit = "points" if rule.kind == "percent" else rule.unit
    low, high = interval
    pct = 100 * CONFIDENCE
    if _round(change, rule.kind) == 0:
        return "same", "no change"
    if abs(change) < rule.min_meaningful:
        least = f"{rule.min_meaningful:g} {unit}"
        if rule.kind == "per_minute":
            least = (
                f"{rule.min_meaningful:g} touch{'' if rule.min_meaningful == 1 else 'es'} a minute"
            )
        return "same", f"the change is smaller than {least}, too small to count"
    if not (low > 0 or high < 0):
        return "same", (
            f"the change is within what the figure varies by inside a session "
            f"({pct:.0f}% interval {low:+.1f} to {high:+.1f} {unit})"
        )
    improved = (change > 0) == rule.higher_is_better
    return ("better" if improved else "worse"), (
        f"{pct:.0f}% interval of the change {low:+.1f} to {high:+.1f} {unit}"
    )


@overload
def _round(value: float, kind: str) -> float: ...
@overload
def _round(value: None, kind: str) -> None: ...
def _round(value: float | None, kind: str) -> float | None:
    """A figure rounded as shown: 0.1 for percentages, 0.01 for rates (None stays None)."""
    if value is None:
        return None
    return round(value, 1 if kind == "percent" else 2) + 0.0  # + 0.0: no "-0.0"


@dataclass(frozen=True)
class HabitComparison:
    """One habit compared (``compare_habit``): an entry of comparison.json's ``habits``.

    Figures are rounded as shown (0.1 for percentages, 0.01 for rates); the fields are in
    the order comparison.json lists them.

    Attributes:
        label: Plain-language name of the habit.
        unit: Unit of the figures ("%" or "per min").
        better_when: "higher" or "lower".
        before: The earlier session's figure; None if not judged there.
        after: The later session's figure; None if not judged there.
        change: after - before; None unless both were judged.
        interval: (low, high) of the change at CONFIDENCE; None unless both were judged.
        min_meaningful: Smallest change that counts (``HabitRule.min_meaningful``).
        block_s: Window length of the bootstrap, seconds.
        verdict: "better", "worse", "same" or "unknown".
        reason: Why, in plain words.

    """

    label: str
    unit: str
    better_when: str
    before: float | None
    after: float | None
    change: float | None
    interval: tuple[float, float] | None
    min_meaningful: float
    block_s: float
    verdict: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """As in comparison.json (the interval a list)."""
        out = asdict(self)
        out["interval"] = None if self.interval is None else list(self.interval)
        return out


@dataclass(frozen=True)
class ReferenceComparison:
    """Which yardstick each session was judged by: comparison.json's ``reference``.

    Attributes:
        same: Both sessions were judged against the same reference.
        before: The earlier session's reference, in words (``reference_text``).
        after: The later session's, likewise.

    """

    same: bool
    before: str
    after: str


@dataclass(frozen=True)
class Method:
    """How the verdicts were reached: comparison.json's ``method``.

    Attributes:
        name: The statistical method, in words.
        resamples: Bootstrap resamples per habit.
        confidence: Confidence level of the intervals.
        seed: Seed of the bootstrap.
        rule: The rule that turns an interval into a verdict, in words.

    """

    name: str
    resamples: int
    confidence: float
    seed: int
    rule: str


@dataclass(frozen=True)
class ComparedInput:
    """What was given for one side of a comparison: an entry of comparison.json's ``inputs``.

    Attributes:
        given: The path as given (a video or an analysis folder).
        results: The analysis folder the session was read from or saved to.
        analysed_now: A video was analysed (and saved) for it just now.
        rejudged_with_calibration: A saved analysis was re-judged against a calibration clip.

    """

    given: str
    results: str
    analysed_now: bool
    rejudged_with_calibration: bool


@dataclass(frozen=True)
class Comparison:
    """Two sessions compared (``compare``); ``to_dict()`` is comparison.json.

    Attributes:
        before: The earlier session's summary (as in its summary.json).
        after: The later session's summary.
        habits: Habit column -> its comparison, in ``HABIT_RULES`` order.
        delivery: Delivery figure -> its comparison (``delivery_verdicts``): single figures
            from the sound, no interval.
        reference: Which reference each session was judged by, and whether it is the same.
        method: How the verdicts were reached.
        notes: Sentences about the comparison as a whole (different references, short
            sessions).
        inputs: "before" and "after" -> what was given for them, when known (set by
            ``review.usecases.to_folder.compare_to_folder``); None: not in comparison.json.

    """

    before: Summary
    after: Summary
    habits: Mapping[str, HabitComparison]
    delivery: Mapping[str, DeliveryComparison]
    reference: ReferenceComparison
    method: Method
    notes: tuple[str, ...] = ()
    inputs: Mapping[str, ComparedInput] | None = None

    @property
    def improved(self) -> list[str]:
        """Habit columns whose verdict is "better", in display order."""
        return [n for n, h in self.habits.items() if h.verdict == "better"]

    @property
    def worse(self) -> list[str]:
        """Habit columns whose verdict is "worse", in display order."""
        return [n for n, h in self.habits.items() if h.verdict == "worse"]

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict written to comparison.json, keys in its order."""
        out: dict[str, Any] = {
            "before": self.before,
            "after": self.after,
            "habits": {name: h.to_dict() for name, h in self.habits.items()},
            "improved": self.improved,
            "worse": self.worse,
            "delivery": {key: d.to_dict() for key, d in self.delivery.items()},
            "reference": asdict(self.reference),
            "method": asdict(self.method),
            "notes": list(self.notes),
        }
        if self.inputs is not None:
            out["inputs"] = {side: asdict(given) for side, given in self.inputs.items()}
        return out


def compare_habit(
    before: Session,
    after: Session,
    rule: HabitRule,
    rng: np.random.Generator,
    resamples: int = RESAMPLES,
) -> HabitComparison:
    """Compare one habit between two sessions (see the module docstring).

    Returns:
        The figures, the change, its interval, the verdict and its reason.

    """
    terms_b = frame_terms(before.columns[rule.column], before.time_s, rule.kind)
    terms_a = frame_terms(after.columns[rule.column], after.time_s, rule.kind)
    fig_b = figure(before.columns[rule.column], before.time_s, rule.kind)
    fig_a = figure(after.columns[rule.column], after.time_s, rule.kind)
    block = block_length_s(before, after, rule.column)
    change = None if fig_b is None or fig_a is None else fig_a - fig_b
    interval = (float("nan"), float("nan"))
    if change is not None:
        interval = change_interval(
            window_sums(*terms_b, before.time_s, block),
            window_sums(*terms_a, after.time_s, block),
            rng,
            resamples,
        )
    decided, reason = verdict(change, interval, rule)
    if change is None:  # say which session could not be judged
        missing = [side for side, fig in (("before", fig_b), ("after", fig_a)) if fig is None]
        reason = f"not judged in the {missing[0]} session" if len(missing) == 1 else reason
        unmeasured = [
            side
            for side, s in (("before", before), ("after", after))
            if rule.column in s.not_measured
        ]
        if len(unmeasured) == 1:
            reason = f"not measured in the {unmeasured[0]} session (made by an older review)"
        elif unmeasured:
            reason = "not measured in both sessions (made by an older review)"
    return HabitComparison(
        label=rule.label,
        unit=rule.unit,
        better_when="higher" if rule.higher_is_better else "lower",
        before=_round(fig_b, rule.kind),
        after=_round(fig_a, rule.kind),
        change=_round(change, rule.kind),
        interval=None
        if change is None
        else (_round(interval[0], rule.kind), _round(interval[1], rule.kind)),
        min_meaningful=rule.min_meaningful,
        block_s=round(block, 2),
        verdict=decided,
        reason=reason,
    )


def reference_text(ref: dict[str, Any]) -> str:
    """Which reference a session was judged against, in words (from Reference.to_dict)."""
    if ref.get("source") == "calibration":
        return f"the calibration clip {os.path.basename(str(ref.get('calibration_video')))}"
    return "a reference inferred from its own recording"


def compare(
    before: Session, after: Session, seed: int = 0, resamples: int = RESAMPLES
) -> Comparison:
    """Compare two sessions habit by habit.

    Args:
        before: The earlier session.
        after: The later session.
        seed: Seed of the bootstrap (fixed, so the same sessions give the same result).
        resamples: Bootstrap resamples per habit.

    Returns:
        Both summaries, each habit compared (figures, change, interval, verdict; see
        ``compare_habit``), the delivery figures before and after (speaking rate, long
        pauses, pitch variation; see ``review.presenting.delivery_verdicts``), which yardstick each
        session was judged by, the method and notes. ``Comparison.to_dict()`` is
        comparison.json.

    Example:
        >>> import review
        >>> from review.judging.compare import compare
        >>> before, after = review.load("mon_review"), review.load("fri_review")  # doctest: +SKIP
        >>> result = compare(before, after)  # doctest: +SKIP
        >>> result.habits["slumped"].verdict  # doctest: +SKIP
        'better'

    """
    rng = np.random.default_rng(seed)
    habits = {
        name: compare_habit(before, after, rule, rng, resamples)
        for name, rule in HABIT_RULES.items()
    }
    ref_b, ref_a = before.reference.to_dict(), after.reference.to_dict()
    same_ref = ref_b == ref_a
    notes = []
    if not same_ref:
        if ref_b.get("source") == ref_a.get("source") == "session":
            which = "Each session was judged against a reference inferred from its own recording"
        else:
            which = (
                "The two sessions were not judged against the same reference (before: "
                f"{reference_text(ref_b)}; after: {reference_text(ref_a)})"
            )
        notes.append(
            f"{which}, so a habit held through a whole session can go unseen. For a fair "
            "comparison, judge both against one calibration clip (--calibration CLIP)."
        )
    short = [
        name for name, s in (("before", before), ("after", after)) if s.duration_s < SHORT_SESSION_S
    ]
    if short:
        which = "Both sessions are" if len(short) == 2 else f"The {short[0]} session is"
        notes.append(
            f"{which} shorter than {SHORT_SESSION_S:.0f} s: a change between such short "
            "sessions is chance more often than the intervals suggest."
        )
    return Comparison(
        before=before.summary,
        after=after.summary,
        habits=habits,
        # Delivery (presenting.delivery_verdicts): single figures from the sound, no interval.
        delivery=compare_delivery(before.delivery, after.delivery),
        reference=ReferenceComparison(same_ref, reference_text(ref_b), reference_text(ref_a)),
        method=Method(
            name="block bootstrap over time windows of the per-frame habit states",
            resamples=resamples,
            confidence=CONFIDENCE,
            seed=seed,
            rule="better/worse only if the interval of the change excludes 0 and the "
            "change is at least min_meaningful; unknown frames are left out",
        ),
        notes=tuple(notes),
    )
