"""What the report says about each habit: figure, verdict against a stated threshold, tip.

Pure: a Session in, frozen dataclasses of plain text out. The wording speaks to a nervous job
seeker: plain, specific and kind, and never claims more than was measured. A habit judged for
too little time gets the verdict "unknown", never "good".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np

from review.detectors import fidget, gaze
from review.detectors.events import Event, frame_durations
from review.judging.habits import BY_COLUMN, HABITS
from review.judging.session import Session
from review.presenting import timefmt
from review.presenting.timefmt import duration_text, mmss

#: Eye contact is good when held for at least this share (%) of the time it could be judged.
#: Interview advice often asks for eye contact 60-70 % of the time; we take the lenient end.
GOOD_EYE_CONTACT_PCT = 60.0
#: Slumping is fine up to this share (%) of the judged time.
MAX_SLUMPED_PCT = 10.0
#: Fidgeting is fine up to this share (%) of the judged time.
MAX_FIDGETING_PCT = 10.0
#: Touching the face is fine up to once per this many seconds judged (once is always fine).
TOUCH_ALLOWANCE_S = 120.0
#: Warmth is good when the face was blank (still, unsmiling, not nodding for 5 s or more) for
#: at most a fifth of the time it was seen. Interview advice asks for "a friendly, engaged
#: face", not a constant smile; there is no research figure for a share, so the lenient
#: end is taken: one long stretch in a 30 s answer is already a fifth.
GOOD_WARMTH_PCT = 80.0
#: A habit judged for less time than this gets no verdict (3 s: the fidgeting window).
MIN_JUDGED_S = fidget.WINDOW_S


def judged_seconds(summary: Mapping[str, Any], column: str) -> float:
    """How long a habit was judged, from a summary.json dict (0 when nothing is known)."""
    duration = float(summary.get("duration_s") or 0.0)
    unjudged = float((summary.get("not_judged_pct") or {}).get(column, 100.0))
    return max(0.0, duration * (1.0 - unjudged / 100.0))


def enough_seen(summary: Mapping[str, Any], column: str) -> bool:
    """The one rule for "not enough seen": a habit judged for under MIN_JUDGED_S gets no figure."""
    return judged_seconds(summary, column) >= MIN_JUDGED_S


#: An inferred gaze reference this far from where the geometry puts the lens may be the screen.
#: People looking at the lens in the 38 labelled clips were 2-16 degrees from it (the geometry
#: is rough), so only a reference further than any of them is called doubtful; a screen
#: closer to the camera than that is not caught, hence the sentence on every such card.
DOUBTFUL_LENS_DEG = 20.0
#: What to do when the session's own reference may not be the lens.
CALIBRATION_TIP = (
    "Record 5 seconds looking straight into the lens, sitting upright (review record -o "
    "upright.mp4 --seconds 5 --no-analyse), and analyse again with --calibration upright.mp4: "
    "then eye contact is measured against the lens itself."
)
#: Event times listed per habit in its headline, longest first (all are on the timeline).
MAX_TIMES_LISTED = 5


#: Why a habit could not be judged, as shown to the user.
NOBODY = "nobody in view"
SHOULDERS = "shoulders out of the frame"
EYES = "face or eyes not seen"
OTHER = "other"
NOT_MEASURED = "not measured by the older review that made this analysis"


@dataclass(frozen=True)
class HabitResult:
    """What the report says about one habit.

    Attributes:
        column: Habit column ("eye_contact", "slumped", "fidgeting", "self_touch").
        title: Heading, e.g. "Slumping".
        verdict: "good", "work" (work on it) or "unknown" (too little could be judged).
        figure: The measured figure, e.g. "44%" or "2 times".
        figure_text: What the figure counts, e.g. "of the judged time slumped".
        threshold: The stated threshold of the verdict.
        seen: What was measured, in a sentence or two.
        tip: One concrete tip tied to what was seen.
        times: Events as "m:ss-m:ss (duration)", longest first, at most MAX_TIMES_LISTED.
        more_times: How many events are not listed.
        judged_s: Time in which the habit could be judged, seconds.
        not_judged_pct: Share (%) of the recording in which it could not be judged.
        not_judged: Why not: (reason, share % of the recording), largest first.

    """

    column: str
    title: str
    verdict: str
    figure: str
    figure_text: str
    threshold: str
    seen: str
    tip: str
    times: list[str] = field(default_factory=list)
    more_times: int = 0
    judged_s: float = 0.0
    not_judged_pct: float = 0.0
    not_judged: list[tuple[str, float]] = field(default_factory=list)

    @property
    def colour(self) -> str:
        """The habit's timeline colour."""
        return BY_COLUMN[self.column].colour


def count_text(n: int) -> str:
    """A count in words: once, twice, 3 times."""
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def stretches_text(n: int) -> str:
    """A number of stretches in words: one stretch, 3 stretches."""
    return "one stretch" if n == 1 else f"{n} stretches"


def span_text(event: Event) -> str:
    """An event as "m:ss-m:ss (duration)"."""
    return timefmt.span_text(event.start_s, event.end_s)


def not_judged_reasons(session: Session) -> dict[str, list[tuple[str, float]]]:
    """Per habit column, why it could not be judged: (reason, share % of the recording).

    Reasons: nobody in view; the shoulders out of the frame (slumping); the face or eyes not
    seen (eye contact); anything else is "other". Shares under 0.05 % are left out.
    """
    w = frame_durations(session.time_s)
    total = float(np.sum(w))
    present = session.columns["person"] == 1.0
    shoulders = session.columns["shoulders_in_view"] == 1.0
    out: dict[str, list[tuple[str, float]]] = {}
    for column in BY_COLUMN:
        if column in session.not_measured:
            out[column] = [(NOT_MEASURED, 100.0)]
            continue
        unknown = np.isnan(session.columns[column])
        parts = [(NOBODY, unknown & ~present)]
        if column == "slumped":
            parts += [(SHOULDERS, unknown & present & ~shoulders)]
            parts += [(OTHER, unknown & present & shoulders)]
        elif column in ("eye_contact", "warmth"):
            parts += [(EYES, unknown & present)]
        else:
            parts += [(OTHER, unknown & present)]
        shares = [(r, 100.0 * float(np.sum(w * m)) / total if total else 0.0) for r, m in parts]
        out[column] = sorted([s for s in shares if s[1] >= 0.05], key=lambda s: -s[1])
    return out


def looking_away_cause(session: Session) -> str | None:
    """How the person mostly looked away: "down", "up", "side" or "closed"; None if never.

    Each frame without eye contact is put down to the direction in which its gaze (relative
    to the reference) is furthest outside the tolerated cone, or to closed eyes; the cause
    covering the most time wins.
    """
    away = session.columns["eye_contact"] == 0.0
    ref = session.reference
    if not away.any() or ref.gaze_yaw_deg is None or ref.gaze_pitch_deg is None:
        return None
    yaw = session.columns["gaze_yaw_deg"] - ref.gaze_yaw_deg
    pitch = session.columns["gaze_pitch_deg"] - ref.gaze_pitch_deg
    with np.errstate(invalid="ignore"):
        if ref.eye_openness is not None:
            closed = session.columns["eye_openness"] < gaze.CLOSED_RATIO * ref.eye_openness
        else:
            closed = np.zeros(len(session), dtype=bool)
        over = np.stack(
            [
                pitch - gaze.MAX_DOWN_DEG,
                -pitch - gaze.MAX_UP_DEG,
                np.abs(yaw) - gaze.MAX_SIDEWAYS_DEG,
            ]
        )
    over = np.nan_to_num(over, nan=-np.inf)
    direction = np.array(["down", "up", "side"])[np.argmax(over, axis=0)]
    cause = np.where(closed, "closed", np.where(np.max(over, axis=0) > 0, direction, ""))
    w = frame_durations(session.time_s)
    totals = {c: float(np.sum(w[away & (cause == c)])) for c in ("down", "side", "up", "closed")}
    best = max(totals, key=lambda c: totals[c])
    return best if totals[best] > 0 else None


_AWAY_TIPS = {
    "down": "Most of the time away, your gaze dropped below the lens. If you use notes, put a "
    "few keywords on a sticky note right beside the camera, so a glance at them keeps your "
    "eyes near the lens.",
    "up": "Most of the time away, your gaze went up, as it does for many people while "
    "thinking. Pausing to think is fine; bring your eyes back to the lens as you start to "
    "speak again.",
    "side": "Most of the time away, your gaze went to the side. Put the interviewer's video "
    "window (and any notes) just under the camera, so looking at them stays close to the lens.",
    "closed": "Most of the time away, your eyes were closed for longer than a blink. Try "
    "keeping them open and on the lens while you think; a calm pause looks confident.",
}
_UNKNOWN_TIPS = {
    NOBODY: "Stay in the frame for the whole answer, so that all of it can be judged.",
    SHOULDERS: "Place the camera so that both your shoulders show, a little below your face.",
    EYES: "Face the camera with your face evenly lit; glare on glasses can hide your eyes.",
    OTHER: "Sit facing the camera with your head and shoulders in the frame.",
    NOT_MEASURED: "Analyse the recording again (review analyse) to measure this habit too.",
}


class _Figure(TypedDict):
    """A habit's figure and threshold (``HabitResult`` fields)."""

    figure: str
    figure_text: str
    threshold: str


class _Said(_Figure):
    """A habit's figure, threshold, verdict and words (``HabitResult`` fields)."""

    verdict: str
    seen: str
    tip: str


def _unknown(out: _Figure, judged_s: float, what: str, reasons: list[tuple[str, float]]) -> _Said:
    """``out`` completed for a habit judged for too little time."""
    seen = f"{what} for only {duration_text(judged_s)}: too little to judge."
    if reasons:
        tip = _UNKNOWN_TIPS[reasons[0][0]]
    else:  # everything was judged: the recording itself is too short
        tip = (
            f"Record a longer answer: at least {MIN_JUDGED_S:.0f} s can be judged, and a "
            "practice answer of one to two minutes shows your habits best."
        )
    # No figure: a share of a few seconds would read as a result.
    return {**out, "figure": "\u2013", "verdict": "unknown", "seen": seen, "tip": tip}


def _not_measured(name: str) -> _Said:
    """A habit the analysis (made by an older review) has no column for."""
    return {
        "figure": "\u2013",
        "figure_text": "not measured",
        "threshold": "",
        "verdict": "unknown",
        "seen": f"{name} was not measured: this analysis was made by an older review.",
        "tip": _UNKNOWN_TIPS[NOT_MEASURED],
    }


def _percent(pct: float | None) -> str:
    return "\u2013" if pct is None else f"{pct:.0f}%"


def _eye_contact(session: Session, judged_s: float, reasons: list[tuple[str, float]]) -> _Said:
    pct = session.percent("eye_contact")
    out: _Figure = {
        "figure": _percent(pct),
        "figure_text": "of the judged time looking towards the lens",
        "threshold": f"Good at {GOOD_EYE_CONTACT_PCT:.0f}% or more of the time your eyes "
        "could be seen.",
    }
    if pct is None or judged_s < MIN_JUDGED_S:
        return _unknown(out, judged_s, "Your eyes could be seen", reasons)
    away = session.events_of("poor_eye_contact")
    if pct >= GOOD_EYE_CONTACT_PCT:
        seen = (
            f"You looked away for more than a glance {count_text(len(away))}."
            if away
            else "You never looked away for more than a glance."
        )
        tip = (
            "Keep doing this: on a call, looking at the lens is what the interviewer sees as "
            "eye contact, and steady eye contact reads as confidence."
        )
        ref = session.reference
        if ref.source == "session":
            seen += (
                " Judged against the direction you looked in most, as there was no calibration "
                "clip; one (--calibration) makes sure that direction was the lens."
            )
            if ref.lens_distance_deg is not None and ref.lens_distance_deg > DOUBTFUL_LENS_DEG:
                seen += (
                    f" That direction is about {ref.lens_distance_deg:.0f} degrees from where "
                    "the camera seems to be: if it was your screen, this figure is too kind."
                )
                tip = CALIBRATION_TIP
        return {**out, "verdict": "good", "seen": seen, "tip": tip}
    longest = max(away, key=lambda e: e.duration_s) if away else None
    seen = f"You looked away from the lens {count_text(len(away))}" + (
        f"; the longest was {duration_text(longest.duration_s)} at {mmss(longest.start_s)}."
        if longest
        else "."
    )
    tip = _AWAY_TIPS[looking_away_cause(session) or "side"]
    return {**out, "verdict": "work", "seen": seen, "tip": tip}


def _slumping(session: Session, judged_s: float, reasons: list[tuple[str, float]]) -> _Said:
    pct = session.percent("slumped")
    out: _Figure = {
        "figure": _percent(pct),
        "figure_text": "of the judged time slumped",
        "threshold": f"Good at {MAX_SLUMPED_PCT:.0f}% or less of the time your shoulders "
        "were in view.",
    }
    if pct is None or judged_s < MIN_JUDGED_S:
        return _unknown(out, judged_s, "Your shoulders were in view", reasons)
    events = session.events_of("slumped")
    if pct <= MAX_SLUMPED_PCT:
        seen = "You kept your upright posture." + (
            f" You sank lower only briefly ({count_text(len(events))})." if events else ""
        )
        tip = "Keep it up: sitting tall reads as energy and interest."
        return {**out, "verdict": "good", "seen": seen, "tip": tip}
    slumped = session.columns["slumped"] == 1.0
    deepest = float(np.max(np.nan_to_num(session.columns["slump_score"][slumped])))
    total = sum(e.duration_s for e in events)
    seen = (
        f"You sank lower in your chair for {duration_text(total)} in all "
        f"({stretches_text(len(events))}). At the lowest, your head was "
        f"{100 * deepest:.0f}% closer to your shoulder line than when you sat upright."
    )
    tip = (
        "Sit back with your hips against the back of the chair and both feet flat, and check "
        "you are still sitting tall whenever you pause between points. Interviewers notice a "
        "slump: it can read as low energy."
    )
    return {**out, "verdict": "work", "seen": seen, "tip": tip}


def _fidgeting(session: Session, judged_s: float, reasons: list[tuple[str, float]]) -> _Said:
    pct = session.percent("fidgeting")
    out: _Figure = {
        "figure": _percent(pct),
        "figure_text": "of the judged time fidgeting",
        "threshold": f"Good at {MAX_FIDGETING_PCT:.0f}% or less of the time you were in view.",
    }
    if pct is None or judged_s < MIN_JUDGED_S:
        return _unknown(out, judged_s, "You were in view", reasons)
    events = session.events_of("fidgeting")
    if pct <= MAX_FIDGETING_PCT:
        seen = (
            f"Restless back-and-forth movement showed only briefly ({count_text(len(events))})."
            if events
            else "No constant back-and-forth movement was seen."
        )
        tip = "Keep it up. Moving naturally and gesturing while you talk is fine."
        return {**out, "verdict": "good", "seen": seen, "tip": tip}
    on = session.columns["fidgeting"] == 1.0
    w = frame_durations(session.time_s)
    body = np.nan_to_num(session.columns["body_turns"]) >= fidget.MIN_TURNS
    hands = np.nan_to_num(session.columns["hand_turns"]) >= fidget.MIN_HAND_TURNS
    total = duration_text(sum(e.duration_s for e in events))
    if float(np.sum(w[on & hands])) > float(np.sum(w[on & body])):
        seen = (
            f"Your hands kept moving back and forth for {total} in all "
            f"({stretches_text(len(events))})."
        )
        tip = (
            "Gesturing is good; constant fiddling distracts. Between gestures, rest your hands "
            "lightly on the desk or in your lap."
        )
    else:
        seen = (
            "Your upper body kept moving back and forth (rocking, swaying or bouncing) for "
            f"{total} in all ({stretches_text(len(events))})."
        )
        tip = (
            "Plant both feet on the floor and let your back rest against the chair; a chair "
            "that does not swivel or rock helps. Interviewers notice constant fidgeting."
        )
    return {**out, "verdict": "work", "seen": seen, "tip": tip}


def touch_allowance(judged_s: float) -> int:
    """Touches that still count as fine in this much judged time (at least one)."""
    return max(1, int(judged_s // TOUCH_ALLOWANCE_S))


def _touching(session: Session, judged_s: float, reasons: list[tuple[str, float]]) -> _Said:
    events = session.events_of("self_touch")
    n = len(events)
    out: _Figure = {
        "figure": f"{n} time{'s' if n != 1 else ''}",
        "figure_text": "touching your face or hair",
        "threshold": f"Good at no more than one touch per {TOUCH_ALLOWANCE_S / 60:.0f} minutes "
        "in view (one is always fine).",
    }
    if judged_s < MIN_JUDGED_S:
        return _unknown(out, judged_s, "You were in view", reasons)
    if n <= touch_allowance(judged_s):
        seen = (
            f"You touched your face or hair {count_text(n)}, at {mmss(events[0].start_s)}."
            if n == 1
            else f"You touched your face or hair {count_text(n)}."
            if n
            else "Your hands stayed away from your face and hair."
        )
        tip = "Keep it up."
        return {**out, "verdict": "good", "seen": seen, "tip": tip}
    total = sum(e.duration_s for e in events)
    seen = (
        f"You touched your face or hair {count_text(n)}, {duration_text(total)} in all, "
        f"first at {mmss(events[0].start_s)}."
    )
    tip = (
        "It is a very common nervous habit, and interviewers notice it. Rest your hands on the "
        "desk or in your lap, and catch the urge when you are searching for a word."
    )
    return {**out, "verdict": "work", "seen": seen, "tip": tip}


def _warmth(session: Session, judged_s: float, reasons: list[tuple[str, float]]) -> _Said:
    pct = session.percent("warmth")
    out: _Figure = {
        "figure": _percent(pct),
        "figure_text": "of the judged time your face was smiling or moving (not blank)",
        "threshold": f"Good at {GOOD_WARMTH_PCT:.0f}% or more of the time your face could be seen.",
    }
    if pct is None or judged_s < MIN_JUDGED_S:
        return _unknown(out, judged_s, "Your face could be seen", reasons)
    parts = session.warmth_details()
    smiles, nods = int(parts["smiles"] or 0), int(parts["nods"] or 0)
    smiled = (
        f"You smiled {count_text(smiles)} ({_percent(parts['smiling_pct'])} of the time)"
        if smiles
        else "No smile was seen"
    )
    nodded = f"you nodded {count_text(nods)}." if nods else "no nod was seen."
    blanks = session.events_of("blank_face")
    if pct >= GOOD_WARMTH_PCT:
        seen = f"{smiled}; {nodded} Your face stayed alive" + (
            f"; it went blank only briefly ({count_text(len(blanks))})." if blanks else "."
        )
        tip = (
            "Keep it up."
            if smiles
            else "Your face was expressive, but no smile showed. A smile when you greet the "
            "interviewer and when you talk about something you enjoyed reads as warmth."
        )
        return {**out, "verdict": "good", "seen": seen, "tip": tip}
    longest = max(blanks, key=lambda e: e.duration_s) if blanks else None
    seen = f"{smiled}; {nodded}" + (
        f" Your face stayed blank for {duration_text(longest.duration_s)} at "
        f"{mmss(longest.start_s)} (no smile, no nod, hardly any movement)."
        if longest
        else ""
    )
    tip = (
        "A still, unsmiling face can read as cold or nervous. Let your face react to what you "
        "say: smile when you greet and when you talk about something you enjoyed, and nod "
        "while you listen to the question."
    )
    return {**out, "verdict": "work", "seen": seen, "tip": tip}


_DECIDE = {
    "eye_contact": _eye_contact,
    "slumped": _slumping,
    "fidgeting": _fidgeting,
    "self_touch": _touching,
    "warmth": _warmth,
}


def habit_results(session: Session) -> list[HabitResult]:
    """The figure, verdict, tip, times and not-judged share of every habit, in HABITS order."""
    reasons = not_judged_reasons(session)
    results = []
    for h in HABITS:
        column = h.column
        unknown_pct = session.unknown_percent(column)
        judged_s = session.duration_s * (100.0 - unknown_pct) / 100.0
        if column in session.not_measured:
            said = _not_measured(h.name)
        else:
            said = _DECIDE[column](session, judged_s, reasons[column])
        events = session.events_of(h.event)
        longest = sorted(events, key=lambda e: (-e.duration_s, e.start_s))
        results.append(
            HabitResult(
                column=column,
                title=h.title,
                times=[span_text(e) for e in longest[:MAX_TIMES_LISTED]],
                more_times=max(0, len(events) - MAX_TIMES_LISTED),
                judged_s=judged_s,
                not_judged_pct=unknown_pct,
                not_judged=reasons[column],
                **said,
            )
        )
    return results
