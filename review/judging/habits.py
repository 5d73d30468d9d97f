"""The habits, each defined once: everything that shows, judges or compares a habit reads it here.

A habit is a per-frame state column (1.0 / 0.0 / NaN not judged) made by its detector module,
the events where the *problem* is on, and how it is named, drawn and compared. Eye contact is
the one habit whose column holds the good state (1.0 = eye contact); ``problem`` turns any
column into "the problem is on here", so nobody flips it by hand.

Adding a habit is one ``Habit`` in ``HABITS`` plus its detector module (and the words a
verdict says about it, in ``review.presenting.verdicts``).

This module imports nothing heavy, so the text-only parts of review can use it freely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class Habit:
    """One habit's definition.

    Attributes:
        column: Its per-frame state column in ``frames.csv`` and ``Session.columns``.
        event: Name of its events (where the problem is on) in ``summary.json``.
        good_when_on: The column's 1.0 is the good state (eye contact), not the problem.
        name: Short name of the habit, for figures, comparisons and the trend plot.
        title: Heading of its card in the report.
        problem: What is wrong while its problem is on: timeline lane, flag on the frame and
            key moment title.
        colour: Its colour everywhere (Okabe-Ito, colour-blind safe).
        figure: Its headline figure's key in ``summary.json`` and the history.
        kind: ``"percent"`` (share of judged time with the problem, or with eye contact) or
            ``"per_minute"`` (episodes starting per judged minute).
        unit: Unit of the figure, for display.
        min_meaningful: Smallest change worth calling progress in a comparison, in the
            figure's unit: below it the change is too small to notice or act on.
        worst_by: The per-frame measure whose largest value marks an event's worst frame
            (None: the middle of the event, e.g. fidgeting, which is movement over time).
        drawn: What its key moment's picture shows (``{window_s}`` is filled in by the report).
        detector: The module that decides it and holds its thresholds.

    """

    column: str
    event: str
    good_when_on: bool
    name: str
    title: str
    problem: str
    colour: str
    figure: str
    kind: str
    unit: str
    min_meaningful: float
    worst_by: str | None
    drawn: str
    detector: str

    @property
    def higher_is_better(self) -> bool:
        """Whether a higher figure is an improvement (the figure measures the good state)."""
        return self.good_when_on

    def problem_on(self, state: ArrayLike) -> NDArray[np.bool_]:
        """(T,) bool: frames where the problem is on (NaN, not judged, is never on)."""
        values = np.asarray(state, dtype=np.float64)
        on: NDArray[np.bool_] = (values == 0.0) if self.good_when_on else (values == 1.0)
        return on

    def problem_state(self, state: ArrayLike) -> NDArray[np.float64]:
        """(T,) 1.0 where the problem is on, 0.0 where not, NaN where not judged."""
        values = np.asarray(state, dtype=np.float64)
        if not self.good_when_on:
            return values
        flipped: NDArray[np.float64] = np.where(np.isnan(values), np.nan, 1.0 - values)
        return flipped


HABITS: tuple[Habit, ...] = (
    Habit(
        column="eye_contact",
        event="poor_eye_contact",
        good_when_on=True,
        name="Eye contact",
        title="Eye contact",
        problem="Looking away",
        colour="#E69F00",
        figure="eye_contact_pct",
        kind="percent",
        unit="%",
        min_meaningful=5.0,
        worst_by="gaze_off_deg",
        drawn="The arrow points where your gaze went, compared with looking at the lens "
        "(a dot means straight at it; orange means looking away).",
        detector="review.detectors.gaze",
    ),
    Habit(
        column="slumped",
        event="slumped",
        good_when_on=False,
        name="Slumped",
        title="Slumping",
        problem="Slumped",
        colour="#0072B2",
        figure="slumped_pct",
        kind="percent",
        unit="%",
        min_meaningful=5.0,
        worst_by="slump_score",
        drawn="The blue line is your shoulder line and the blue dot your head, where it turns "
        "(near the ears); the dashed line shows how high that point sits when you are upright.",
        detector="review.detectors.slump",
    ),
    Habit(
        column="fidgeting",
        event="fidgeting",
        good_when_on=False,
        name="Fidgeting",
        title="Fidgeting",
        problem="Fidgeting",
        colour="#009E73",
        figure="fidgeting_pct",
        kind="percent",
        unit="%",
        min_meaningful=5.0,
        worst_by=None,
        drawn="The green trail follows your shoulders and hands over the {window_s:.0f} "
        "seconds around this moment.",
        detector="review.detectors.fidget",
    ),
    Habit(
        column="self_touch",
        event="self_touch",
        good_when_on=False,
        name="Touching face",
        title="Touching your face",
        problem="Touching face",
        colour="#CC79A7",
        figure="self_touch_per_min",
        kind="per_minute",
        unit="touches/min",
        min_meaningful=1.0,
        worst_by="hand_points_on_head",
        drawn="Your hands are drawn in pink; the dashed box is the area that counts as "
        "your face and hair.",
        detector="review.detectors.touch",
    ),
    Habit(
        column="warmth",
        event="blank_face",
        good_when_on=True,
        name="Warmth",
        title="Warmth: smiles and a face that moves",
        problem="Blank face",
        colour="#D55E00",
        figure="warmth_pct",
        kind="percent",
        unit="%",
        min_meaningful=5.0,
        worst_by="blank_s",
        drawn="Your face stayed still, without a smile or a nod, for a long stretch around "
        "this moment.",
        detector="review.detectors.warmth",
    ),
)

#: The habits by column, in display order.
BY_COLUMN: dict[str, Habit] = {h.column: h for h in HABITS}
#: The habits' state columns, in display order.
COLUMNS: tuple[str, ...] = tuple(BY_COLUMN)
#: The habits' event names, in display order.
EVENTS: tuple[str, ...] = tuple(h.event for h in HABITS)


def habit(column: str) -> Habit:
    """The habit with this state column (KeyError names the known ones)."""
    try:
        return BY_COLUMN[column]
    except KeyError:
        raise KeyError(f"no habit {column!r}; the habits are {', '.join(COLUMNS)}") from None
