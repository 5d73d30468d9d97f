"""Figures (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

if TYPE_CHECKING:
    from review.session import Session

#: Lanes from top to bottom: (habit column, label, colour). Okabe-Ito colours (colour-blind safe).
LANES = [
    ("eye_contact", "Poor eye contact", "#E69F00"),
    ("slumped", "Slumped", "#0072B2"),
    ("fidgeting", "Fidgeting", "#009E73"),
    ("self_touch", "Touching face", "#CC79A7"),
]
NOT_JUDGED = "#d9d9d9"
NO_PERSON = "#8c8c8c"


def mmss(seconds: float, _pos: object = None) -> str:
    """Format seconds as m:ss."""
    seconds = max(0.0, float(seconds))
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _spans(mask: np.ndarray, time_s: np.ndarray, end_s: float) -> list[tuple[float, float]]:
    """Time spans (start, end) covered by runs of True, each frame lasting to the next."""
    from review.events import runs

    edges = np.append(time_s, end_s)
    return [(float(edges[a]), float(edges[b + 1])) for a, b in runs(mask)]


def draw_timeline(ax: plt.Axes, session: Session, title: str | None = None) -> None:
    """Draw the habit lanes of one session on ``ax``."""
    t = session.time_s
    end = float(t[0] + session.duration_s) if len(t) else 1.0
    no_person = session.columns["person"] != 1.0
    for lane, (column, _label, colour) in enumerate(LANES):
        y = len(LANES) - 1 - lane
        state = session.columns[column]
        habit = (state == 0.0) if column == "eye_contact" else (state == 1.0)
        unknown = np.isnan(state) & ~no_person
        for a, b in _spans(unknown, t, end):
            ax.broken_barh([(a, b - a)], (y - 0.35, 0.7), color=NOT_JUDGED, linewidth=0)
        for a, b in _spans(habit, t, end):
            ax.broken_barh([(a, b - a)], (y - 0.35, 0.7), color=colour, linewidth=0)
    for a, b in _spans(no_person, t, end):
        ax.axvspan(a, b, color=NO_PERSON, alpha=0.35, linewidth=0)
    ax.set_yticks(range(len(LANES)))
    ax.set_yticklabels([label for _c, label, _k in reversed(LANES)])
    ax.set_ylim(-0.6, len(LANES) - 0.4)
    ax.set_xlim(float(t[0]) if len(t) else 0.0, end)
    ax.xaxis.set_major_formatter(FuncFormatter(mmss))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=10, steps=[1, 2, 5, 10]))
    ax.set_xlabel("Time in the recording (m:ss)")
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, loc="left", fontsize=11)


def timeline(session: Session, path: str | os.PathLike[str]) -> None:
    """Write the timeline figure: one lane per habit, events shaded, no-person greyed."""
    fig, ax = plt.subplots(figsize=(10, 3.2), dpi=110)
    draw_timeline(ax, session, title=f"When each habit showed: {os.path.basename(session.video)}")
    handles = [Patch(color=c, label=label) for _col, label, c in LANES]
    handles += [
        Patch(color=NOT_JUDGED, label="Could not judge"),
        Patch(color=NO_PERSON, alpha=0.35, label="Nobody in view"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=6, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path)
    plt.close(fig)
