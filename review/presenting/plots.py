"""Figures, drawn with matplotlib's object API.

No pyplot: no backend is chosen or changed, so importing review in a notebook leaves its
plotting as it was.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from review.detectors.events import spans
from review.judging.habits import BY_COLUMN, HABITS
from review.presenting.delivery_verdicts import COLOUR
from review.presenting.timefmt import mmss

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from review.judging.compare import Comparison, HabitComparison
    from review.judging.session import Session
    from review.presenting.delivery_verdicts import DeliveryComparison
    from review.storing.history import Entry

#: Lanes from top to bottom: (habit column, label, colour), from ``review.judging.habits``.
LANES = [(h.column, h.problem, h.colour) for h in HABITS]
NOT_JUDGED = "#d9d9d9"
NO_PERSON = "#8c8c8c"


def drawable(text: str) -> bool:
    """Whether matplotlib's font can draw every character of ``text`` (not CJK, say)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_manager.findfont(font_manager.FontProperties()))
    return all(ch.isspace() or font.get_char_index(ord(ch)) != 0 for ch in text)


def titled(prefix: str, name: str) -> str:
    """``prefix: name``, or the prefix alone when the font cannot draw the file name.

    The file name is on the report and the command's output in any script; in the figure a
    name in, say, Chinese would draw as boxes (and make matplotlib warn).
    """
    return f"{prefix}: {name}" if name and drawable(name) else prefix


def draw_timeline(ax: Axes, session: Session, title: str | None = None) -> None:
    """Draw the habit lanes of one session on ``ax``."""
    t = session.time_s
    end = float(t[0] + session.duration_s) if len(t) else 1.0
    no_person = session.columns["person"] != 1.0
    for lane, (column, _label, colour) in enumerate(LANES):
        y = len(LANES) - 1 - lane
        state = session.columns[column]
        habit = BY_COLUMN[column].problem_on(state)
        unknown = np.isnan(state) & ~no_person
        for a, b in spans(unknown, t, end):
            ax.broken_barh([(a, b - a)], (y - 0.35, 0.7), color=NOT_JUDGED, linewidth=0)
        for a, b in spans(habit, t, end):
            ax.broken_barh([(a, b - a)], (y - 0.35, 0.7), color=colour, linewidth=0)
    for a, b in spans(no_person, t, end):
        # Greyed and hatched, so it differs from "could not judge" in print and in grey scale.
        ax.axvspan(a, b, color=NO_PERSON, alpha=0.35, linewidth=0)
        ax.axvspan(a, b, facecolor="none", edgecolor=NO_PERSON, hatch="///", linewidth=0)
    labels = [label for _c, label, _k in reversed(LANES)]
    bottom = 0
    if session.delivery is not None:
        draw_speech_lane(ax, session, -1.0, end)
        labels.insert(0, SPEECH_LANE)
        bottom = -1
    ax.set_yticks(range(bottom, len(LANES)))
    ax.set_yticklabels(labels)
    ax.set_ylim(bottom - 0.6, len(LANES) - 0.4)
    ax.set_xlim(float(t[0]) if len(t) else 0.0, end)
    ax.xaxis.set_major_formatter(FuncFormatter(mmss))
    # Whole seconds (a 2 s clip would otherwise repeat "0:01" for 1.0 and 1.5), in steps that
    # read well as m:ss: 1, 2, 5, 10, 15, 20, 30 s, 1 min ...
    ax.xaxis.set_major_locator(MaxNLocator(nbins=10, steps=[1, 1.5, 2, 3, 5, 6, 10], integer=True))
    ax.set_xlabel("Time in the recording (m:ss)")
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, loc="left", fontsize=11)


#: The sound's lane, under the habits: speech, and long pauses (see review.detectors.delivery).
SPEECH_LANE = "Speaking"
SPEECH_COLOUR = COLOUR  # the Delivery card's
#: Black: vermillion (#D55E00) is the Blank face lane's colour, on the same timeline.
LONG_PAUSE_COLOUR = "#000000"


def draw_speech_lane(ax: Axes, session: Session, y: float, end: float) -> None:
    """Speech (blue) and long pauses (black) at height ``y``; words if no sound."""
    d = session.delivery
    assert d is not None
    start = float(session.time_s[0]) if len(session) else 0.0
    if not d.sound:
        ax.text((start + end) / 2, y, "no sound recorded", ha="center", va="center", fontsize=8)
        return
    bars = [(s.start_s, s.end_s - s.start_s) for s in d.speech]
    ax.broken_barh(bars, (y - 0.25, 0.5), color=SPEECH_COLOUR, linewidth=0)
    pauses = [(p.start_s, p.end_s - p.start_s) for p in d.long_pauses]
    ax.broken_barh(pauses, (y - 0.35, 0.7), color=LONG_PAUSE_COLOUR, linewidth=0)


def timeline(session: Session, path: str | os.PathLike[str]) -> None:
    """Write the timeline figure: one lane per habit, events shaded, no-person greyed."""
    fig = Figure(figsize=(10, 3.2), dpi=110)
    ax = fig.subplots()
    draw_timeline(
        ax, session, title=titled("When each habit showed", os.path.basename(session.video))
    )
    handles = legend_handles(has_sound(session))
    fig.legend(handles=handles, loc="lower center", ncol=6, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path)


#: Colours of the comparison verdicts (Okabe-Ito: bluish green, vermillion, greys).
VERDICT_COLOURS = {"better": "#009E73", "worse": "#D55E00", "same": "#666666", "unknown": "#999999"}
BEFORE_COLOUR = "#B8B8B8"
AFTER_COLOUR = "#404040"


def has_sound(*sessions: Session) -> bool:
    """Whether any of the sessions drawn has a measured sound track (a "Speaking" lane)."""
    return any(s.delivery is not None and s.delivery.sound for s in sessions)


def legend_handles(sound: bool = True) -> list[Patch]:
    """Legend entries of the timeline: the habit lanes, "could not judge", "nobody in view".

    ``sound``: the speaking lane's entries too (left out when no sound was measured, so the
    legend names nothing the picture does not show).
    """
    handles = [Patch(color=c, label=label) for _col, label, c in LANES]
    if sound:
        handles += [
            Patch(color=SPEECH_COLOUR, label="Speaking"),
            Patch(color=LONG_PAUSE_COLOUR, label="Long pause"),
        ]
    return handles + [
        Patch(color=NOT_JUDGED, label="Could not judge"),
        Patch(facecolor=NO_PERSON, alpha=0.35, hatch="///", label="Nobody in view"),
    ]


def draw_habit_bars(ax: Axes, habit: HabitComparison | DeliveryComparison) -> None:
    """Draw one figure's before/after bars on ``ax``.

    ``habit`` is an entry of ``Comparison.habits`` (a habit) or of ``Comparison.delivery`` (a
    figure of the sound: speaking rate, long pauses, pitch variation); for the speaking rate
    the comfortable range is shaded.
    """
    values = [habit.before, habit.after]
    heights = [0.0 if v is None else float(v) for v in values]
    percent = habit.unit == "%"
    nearer = habit.better_when.startswith("nearer")
    if nearer:
        from review.detectors.delivery import COMFORTABLE_SPM

        ax.axhspan(*COMFORTABLE_SPM, color=COLOUR, alpha=0.12, linewidth=0)
        heights_top = max(*heights, float(COMFORTABLE_SPM[1]))
    else:
        heights_top = max(heights)
    bars = ax.bar([0, 1], heights, color=[BEFORE_COLOUR, AFTER_COLOUR], width=0.6)
    top = 100.0 if percent else max(1.0, heights_top) * 1.25
    decimals = 0 if percent or nearer else 1
    for bar, value in zip(bars, values):
        text = (
            "not\njudged"  # on two lines: side by side, two of them would run together
            if value is None
            else f"{value:.0f}%"
            if percent
            else f"{value:.{decimals}f}"
        )
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height() + top * 0.02,
            text,
            ha="center",
            va="bottom",
            fontsize=9,
        )
    # A rate axis ends at a whole touch a minute when nothing happened (not at 1.4).
    ax.set_ylim(0, top * 1.12 if percent else max(1.0, heights_top * 1.4))
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["Before", "After"])
    ax.set_ylabel(_bar_unit(habit), fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    verdict = habit.verdict
    arrow = f"{habit.better_when} is better"
    ax.set_title(f"{habit.label}\n({arrow})", fontsize=10)
    ax.text(
        0.5,
        -0.28,
        verdict.upper() if verdict != "unknown" else "NOT JUDGED",
        transform=ax.transAxes,
        ha="center",
        fontsize=10,
        fontweight="bold",
        color=VERDICT_COLOURS[verdict],
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _bar_unit(item: HabitComparison | DeliveryComparison) -> str:
    if item.unit == "%":
        return "% of judged time"
    return "per minute" if item.unit == "per min" else item.unit.replace("/min", " per minute")


def comparison_figure(
    before: Session, after: Session, comparison: Comparison, path: str | os.PathLike[str]
) -> None:
    """Write one figure: before/after bars per habit above the two timelines, aligned in time.

    Args:
        before: The earlier session.
        after: The later session.
        comparison: The result of ``review.judging.compare.compare(before, after)``.
        path: The image to write (PNG).

    """
    habits = comparison.habits
    sound = has_sound(before, after)
    # The sound's figures get a row of their own when either session's sound was measured.
    delivery = list(comparison.delivery.values()) if sound else []
    bar_rows = 2 if delivery else 1
    fig = Figure(figsize=(10, 8 + 2.4 * (bar_rows - 1)), dpi=110)
    grid = fig.add_gridspec(bar_rows + 2, 1, height_ratios=[1.5] * bar_rows + [1, 1], hspace=0.75)
    habit_row = grid[0].subgridspec(1, len(habits), wspace=0.45)
    for i, habit in enumerate(habits.values()):
        draw_habit_bars(fig.add_subplot(habit_row[0, i]), habit)
    if delivery:
        # Centred under the habits, each bar pair as wide as a habit's.
        sound_row = grid[1].subgridspec(1, len(habits), wspace=0.45)
        first = (len(habits) - len(delivery)) // 2
        for i, figure in enumerate(delivery):
            draw_habit_bars(fig.add_subplot(sound_row[0, first + i]), figure)
    end = max(float(s.time_s[0] + s.duration_s) if len(s) else 1.0 for s in (before, after))
    for row, (which, session) in enumerate((("Before", before), ("After", after)), start=bar_rows):
        ax = fig.add_subplot(grid[row])
        draw_timeline(ax, session, title=titled(which, os.path.basename(session.video)))
        own_end = float(session.time_s[0] + session.duration_s) if len(session) else 0.0
        if own_end < end:  # the shorter recording: mark where it ended
            ax.axvspan(own_end, end, facecolor="white", edgecolor="#cccccc", hatch="//", lw=0)
            ax.text(
                (own_end + end) / 2,
                1.5,
                "recording ended",
                ha="center",
                va="center",
                fontsize=8,
                color="#777777",
                bbox={"facecolor": "white", "edgecolor": "none"},
            )
        ax.set_xlim(0.0, end)  # same time scale for both, so lengths compare at a glance
    handles = legend_handles(sound)
    fig.legend(handles=handles, loc="lower center", ncol=6, frameon=False, fontsize=8)
    # Room under the last timeline for its axis label and the legend's two rows (inches).
    height_in = fig.get_size_inches()[1]
    fig.subplots_adjust(left=0.15, right=0.97, top=1 - 0.56 / height_in, bottom=1.15 / height_in)
    fig.savefig(path)


#: History trend panels: (Entry attribute, title, better-when), from ``review.judging.habits``.
TREND_PANELS = [
    (
        h.figure,
        f"{h.name} ({'% of judged time' if h.kind == 'percent' else 'per minute'})",
        "higher" if h.higher_is_better else "lower",
    )
    for h in HABITS
]
#: The sound's panels (review.detectors.delivery), drawn when any session had its sound analysed.
DELIVERY_TREND_PANELS = [
    ("syllables_per_min", "Speaking rate (syllables a minute)", "nearer 180-270"),
    ("long_pauses_per_min", "Long pauses (per minute)", "fewer"),
    ("pitch_sd_st", "Pitch variation (semitones)", "more"),
]


def history_trend(items: list[Entry], path: str | os.PathLike[str]) -> None:
    """Write each habit's figure over the recorded sessions (``review.storing.history.Entry`` list).

    Sessions come in the order recorded (``Entry.when``), each named by its date and short
    name (``review.storing.history_export.session_labels``); a habit not judged leaves a gap.
    """
    x = np.arange(1, len(items) + 1)
    colours = {h.figure: h.colour for h in HABITS}
    panels = list(TREND_PANELS)
    if any(e.sound for e in items):
        panels += DELIVERY_TREND_PANELS
        colours.update({attr: SPEECH_COLOUR for attr, _t, _b in DELIVERY_TREND_PANELS})
    fig = Figure(figsize=(9, 2 * len(panels)), dpi=110)
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (attr, title, better) in zip(axes, panels):
        y = np.array([np.nan if getattr(e, attr) is None else getattr(e, attr) for e in items])
        if attr == "syllables_per_min":
            from review.detectors.delivery import COMFORTABLE_SPM

            ax.axhspan(*COMFORTABLE_SPM, color=colours[attr], alpha=0.12, linewidth=0)
        ax.plot(x, y, marker="o", color=colours[attr], linewidth=1.5)
        ax.set_title(f"{title}: {better} is better", loc="left", fontsize=10)
        finite = y[np.isfinite(y)]
        highest = float(finite.max()) if len(finite) else 0.0
        top = 100.0 if attr.endswith("_pct") else max(1.0, highest)
        if attr == "syllables_per_min":
            top = max(top, 300.0)
        ax.set_ylim(0, top * 1.08)
        ax.grid(axis="y", color="#eeeeee")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    from review.storing.history_export import session_labels

    labels = session_labels(items)
    if len(items) <= 12:  # few sessions: date and name under each
        axes[-1].set_xticks(x)
        axes[-1].set_xticklabels(labels, fontsize=7)
    else:  # many: on one slanted line each, at most 40 of them named
        step = max(1, math.ceil(len(items) / 40))
        axes[-1].set_xticks(x[::step])
        axes[-1].set_xticklabels(
            [label.replace("\n", " ") for label in labels[::step]],
            fontsize=6,
            rotation=60,
            ha="right",
            rotation_mode="anchor",
        )
    axes[-1].set_xlim(0.5, len(items) + 0.5)
    axes[-1].set_xlabel("Session (in the order recorded)")
    fig.tight_layout()
    fig.savefig(path)
