"""Writing a comparison: comparison.json, comparison.png and a self-contained comparison.html.

The page embeds its images as data URIs and has no scripts or external links, so it can be
mailed, archived or printed as one file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from review.judging.compare import HABIT_RULES, Comparison, HabitComparison
from review.judging.habits import BY_COLUMN
from review.judging.session import Session
from review.presenting.delivery_verdicts import DeliveryComparison
from review.presenting.timefmt import mmss
from review.storing import folders

#: A comparison folder: every file review writes there (see review.storing.folders).
COMPARISON = folders.FolderKind(
    name="comparison",
    files=("comparison.png", "comparison.html", "comparison.json"),
    markers=("comparison.json",),
    legacy_keys=("before", "after", "habits"),
)
#: Template of the page, under review/presenting/templates/.
TEMPLATE = "compare.html.j2"
#: Key frames shown per habit and session (the longest events).
KEYFRAMES_PER_HABIT = 1


@dataclass(frozen=True)
class KeyFrame:
    """A still of one session to show on the page.

    Attributes:
        side: "before" or "after".
        column: Habit column ("eye_contact", "slumped", "fidgeting", "self_touch").
        time_s: Time of the frame in its recording, seconds.
        caption: Plain-language caption.
        jpeg: The still, JPEG bytes.
        size: Its width and height, pixels (the page keeps its room while it is enlarged).

    """

    side: str
    column: str
    time_s: float
    caption: str
    jpeg: bytes
    size: tuple[int, int]


def keyframes(
    session: Session, side: str, folder: Path | None = None
) -> tuple[list[KeyFrame], str | None]:
    """Stills of a session's key moments: its longest event of each habit, habit drawn on.

    Reuses the posture report's pieces: review.presenting.keyframes chooses the moments and
    review.presenting.report.make_stills decodes and annotates them.

    Args:
        session: The session (with landmarks, to draw on the stills).
        side: "before" or "after" (kept on each KeyFrame).
        folder: Its results folder, to find a recording saved beside it.

    Returns:
        (stills, problem): problem is a sentence when the stills could not be made
        (no landmarks, recording moved or changed), else None.

    """
    from review.presenting import report
    from review.presenting.keyframes import FramesUnavailable, choose_moments
    from review.presenting.verdicts import span_text

    moments = choose_moments(session, per_habit=KEYFRAMES_PER_HABIT)
    if not moments:
        return [], None
    if session.landmarks is None:
        return [], "the landmarks (landmarks.npz) are missing, so no stills are shown"
    located = report.locate_recording(folder, session)
    video = located.path
    if video is None:
        why = (located.problem or "the recording was not found").rstrip(".")
        return [], f"{why[0].lower()}{why[1:]}, so no stills are shown"
    try:
        made = report.make_stills(session, video, moments)
    except FramesUnavailable as err:
        return [], f"no stills: {err}"
    out = []
    for still in made:
        m = still.moment
        what = BY_COLUMN[m.column].problem
        caption = f"{what} at {mmss(m.time_s)}: the longest, {span_text(m.event)}"
        out.append(KeyFrame(side, m.column, m.time_s, caption, still.jpeg, still.size))
    return out, None


def _figure_text(value: float | None, unit: str) -> str:
    if value is None:
        return "not judged"
    return f"{value:.0f}%" if unit == "%" else f"{value:.1f} per min"


def _change_text(habit: HabitComparison) -> str:
    change = habit.change
    if change is None:
        return "no comparison"
    if change == 0:
        return "no change"
    if habit.unit == "%":
        return f"{change:+.0f} points"
    return f"{change:+.1f} per min"


def headline(name: str, habit: HabitComparison) -> str:
    """One line about one habit, e.g. "Slumped: 44% -> 0% of the time (-44 points)"."""
    before = _figure_text(habit.before, habit.unit)
    after = _figure_text(habit.after, habit.unit)
    of_time = " of the time" if habit.unit == "%" else ""
    return f"{habit.label}: {before} \u2192 {after}{of_time} ({_change_text(habit)})"


def _delivery_row(d: DeliveryComparison) -> dict[str, Any]:
    """A delivery figure (delivery_verdicts.compare_delivery) as a row of the table."""

    def text(value: float | None) -> str:
        return "not judged" if value is None else f"{value:.1f} {d.unit}"

    change = "no comparison" if d.change is None else f"{d.change:+.1f} {d.unit}"
    return {
        "name": d.label,
        "label": f"Delivery: {d.label}",
        "before": text(d.before),
        "after": text(d.after),
        "change": change,
        "interval": "-",
        "better_when": d.better_when,
        "verdict": d.verdict,
        "reason": d.reason,
        "headline": f"{d.label.capitalize()}: {text(d.before)} \u2192 {text(d.after)}",
    }


def render_html(
    comparison: Comparison,
    figure_png: bytes,
    stills: list[KeyFrame] | None = None,
    stills_problems: list[str] | None = None,
) -> str:
    """The comparison page as one self-contained HTML string.

    Args:
        comparison: The result of ``review.judging.compare.compare``.
        figure_png: comparison.png's bytes (embedded).
        stills: Key frames of both sessions (None or empty: the section is left out).
        stills_problems: Sentences saying why stills are missing, shown on the page.

    """
    from review.presenting.report import data_uri, template_environment

    env = template_environment()
    rows = [
        {
            "name": name,
            "label": h.label,
            "before": _figure_text(h.before, h.unit),
            "after": _figure_text(h.after, h.unit),
            "change": _change_text(h),
            "interval": "-" if h.interval is None else f"{h.interval[0]:+g} to {h.interval[1]:+g}",
            "better_when": h.better_when,
            "verdict": h.verdict,
            "reason": h.reason,
            "headline": headline(name, h),
        }
        for name, h in comparison.habits.items()
    ]
    rows += [_delivery_row(d) for d in comparison.delivery.values()]
    by_habit = []
    for name, rule in HABIT_RULES.items():
        pair = {
            side: [
                {
                    "uri": data_uri(s.jpeg, "image/jpeg"),
                    "caption": s.caption,
                    "width": s.size[0],
                    "height": s.size[1],
                    "id": f"still-{side}-{name}-{k}",
                }
                for k, s in enumerate(stills or [])
                if s.side == side and s.column == name
            ]
            for side in ("before", "after")
        }
        if pair["before"] or pair["after"]:
            by_habit.append({"label": rule.label, **pair})
    before, after = comparison.before, comparison.after
    return env.get_template(TEMPLATE).render(
        before=before,
        after=after,
        before_name=os.path.basename(before["video"]),
        after_name=os.path.basename(after["video"]),
        before_length=mmss(before["duration_s"]),
        after_length=mmss(after["duration_s"]),
        improved=[r for r in rows if r["verdict"] == "better"],
        worse=[r for r in rows if r["verdict"] == "worse"],
        unchanged=[r for r in rows if r["verdict"] in ("same", "unknown")],
        rows=rows,
        reference=comparison.reference,
        notes=comparison.notes,
        method=comparison.method,
        figure_uri=data_uri(figure_png, "image/png"),
        stills=by_habit,
        stills_problems=stills_problems or [],
        thresholds=_thresholds(),
    )


def _thresholds() -> str:
    pct = {r.min_meaningful for r in HABIT_RULES.values() if r.kind == "percent"}
    rate = {r.min_meaningful for r in HABIT_RULES.values() if r.kind == "per_minute"}
    parts = [f"{v:g} percentage points of time" for v in sorted(pct)]
    parts += [f"{v:g} touch{'es' if v != 1 else ''} per minute" for v in sorted(rate)]
    return " or ".join(parts)


def write_comparison(
    out_dir: str | os.PathLike[str],
    before: Session,
    after: Session,
    comparison: Comparison,
    stills: list[KeyFrame] | None = None,
    stills_problems: list[str] | None = None,
    protect: tuple[str | os.PathLike[str], ...] = (),
) -> Path:
    """Write comparison.json, comparison.png and comparison.html into ``out_dir``.

    Written into a temporary folder beside ``out_dir`` and moved into place at the end, so an
    interrupted run leaves no half-written comparison (see review.storing.folders). An earlier
    comparison there is replaced; any other non-empty folder is refused, never deleted, and
    so is one that holds an input (``protect``: the recordings and folders compared).

    Returns:
        The output folder.

    Raises:
        InputError: ``out_dir`` is refused.
        OutputError: Writing failed; nothing was left behind.

    """
    from review.presenting.plots import comparison_figure

    def write(tmp: Path) -> None:
        comparison_figure(before, after, comparison, tmp / "comparison.png")
        html = render_html(
            comparison, (tmp / "comparison.png").read_bytes(), stills, stills_problems
        )
        (tmp / "comparison.html").write_text(html, encoding="utf-8")
        # Last: it marks a finished comparison (one that a later comparison may replace).
        (tmp / "comparison.json").write_text(
            json.dumps(comparison.to_dict(), indent=2, default=_json_default) + "\n"
        )

    return folders.write_folder(out_dir, write, COMPARISON, protect)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def format_terminal(comparison: Comparison, out_dir: Path) -> str:
    """A short plain-text summary of a comparison for the terminal."""
    b, a = comparison.before, comparison.after
    lines = [
        f"Before: {b['video']} ({mmss(b['duration_s'])})   "
        f"After: {a['video']} ({mmss(a['duration_s'])})"
    ]
    ref = comparison.reference
    if ref.same:
        lines.append(f"Both judged against {ref.before}.")
    for h in comparison.habits.values():
        verdict = "not judged" if h.verdict == "unknown" else h.verdict
        lines.append(
            f"  {h.label:<14} {_figure_text(h.before, h.unit):>13} -> "
            f"{_figure_text(h.after, h.unit):<13} {_change_text(h):>14}   {verdict}"
        )
    for d in comparison.delivery.values():  # from the sound (review.detectors.delivery)
        verdict = "not judged" if d.verdict == "unknown" else d.verdict
        before = "-" if d.before is None else f"{d.before:.1f}"
        after = "-" if d.after is None else f"{d.after:.1f}"
        lines.append(f"  {d.label:<16} {before:>7} -> {after:<7} {d.unit:<14} {verdict}")
    for note in comparison.notes:
        lines.append(f"  note: {note}")
    lines.append(f"Results in {out_dir}/ (comparison.html, comparison.png, comparison.json)")
    return "\n".join(lines)


def comparison_inputs(
    before: str | os.PathLike[str],
    after: str | os.PathLike[str],
    kinds: list[str],
    calibration: str | os.PathLike[str] | None = None,
) -> tuple[Path, ...]:
    """Everything a comparison reads, which its outputs must never replace or hold."""
    from review.storing.store import results_folder

    found: list[Path] = []
    for path, kind in zip((before, after), kinds):
        found.append(Path(path))
        if kind == "video":
            found.append(results_folder(path))
    if calibration is not None:
        found.append(Path(calibration))
    return tuple(found)
