"""The review page: the recording playing above its habit lanes, each key moment a click away.

``render_review_page`` fills ``review/presenting/templates/review.html.j2`` (pure: reads and writes
no file): the video, the lanes of the timeline drawn as SVG (each habit's problem spans, what
could not be judged, where nobody was in view), a cursor that follows the playing video, the
key moments as buttons that jump the video to them, and each habit's figure beside it.
``write_review_page`` writes it into a results folder (the edge).

The page is one local file with its script and styles inline; it loads nothing from anywhere
but the recording it plays, which it finds by a path relative to the results folder (so the
folder and the recording can move together). ``report.html`` stays the printable summary;
each page links to the other.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from review.detectors.events import spans
from review.judging.habits import BY_COLUMN, HABITS
from review.judging.session import Session
from review.media import atomic
from review.presenting.keyframes import Moment, choose_moments
from review.presenting.timefmt import duration_text, mmss
from review.presenting.verdicts import habit_results

#: The file's name in a results folder.
PAGE_NAME = "review.html"
#: Clicking a key moment starts the video this long before the moment's frame, so the
#: habit is seen coming.
LEAD_IN_S = 1.5
#: Spans shorter than this (seconds) are drawn this wide, so a brief touch stays visible.
MIN_DRAWN_S = 0.15


@dataclass(frozen=True)
class Lane:
    """One habit's lane: spans (start, end) in seconds of the recording's clock."""

    column: str
    label: str
    colour: str
    problem: list[tuple[float, float]]
    unknown: list[tuple[float, float]]


def lanes(session: Session) -> list[Lane]:
    """The timeline's lanes, top to bottom in ``HABITS`` order (pure)."""
    t = session.time_s
    end = float(t[0] + session.duration_s) if len(t) else 0.0
    no_person = session.columns["person"] != 1.0
    out = []
    for habit in HABITS:
        state = session.columns[habit.column]
        out.append(
            Lane(
                column=habit.column,
                label=habit.problem,
                colour=habit.colour,
                problem=spans(habit.problem_on(state), t, end),
                unknown=spans(np.isnan(state) & ~no_person, t, end),
            )
        )
    return out


def video_href(video: str | os.PathLike[str], folder: str | os.PathLike[str]) -> str:
    """The recording's address as the page in ``folder`` should name it: relative, URL-quoted."""
    relative = os.path.relpath(Path(video).absolute(), Path(folder).absolute())
    return urllib.parse.quote(Path(relative).as_posix())


def render_review_page(
    session: Session, video_src: str, moments: list[Moment] | None = None
) -> str:
    """The review page as one HTML string.

    Args:
        session: The analysis.
        video_src: The address of the video to play, relative to the page (see ``video_href``).
        moments: The key moments (default: ``choose_moments(session)``), numbered as in the
            report.

    Returns:
        The HTML document.

    """
    from review.presenting.report import template_environment

    moments = choose_moments(session) if moments is None else moments
    t = session.time_s
    start = float(t[0]) if len(t) else 0.0
    end = float(start + session.duration_s) if len(t) else 1.0
    length = max(end - start, 1e-6)
    results = {r.column: r for r in habit_results(session)}
    no_person = spans(session.columns["person"] != 1.0, t, end)

    def x(time_s: float) -> float:
        return round(1000.0 * (time_s - start) / length, 2)

    def w(a: float, b: float) -> float:
        return round(1000.0 * max(b - a, MIN_DRAWN_S) / length, 2)

    drawn = [
        {
            "lane": lane,
            "y": k,
            "problem": [(x(a), w(a, b)) for a, b in lane.problem],
            "unknown": [(x(a), w(a, b)) for a, b in lane.unknown],
            "result": results[lane.column],
        }
        for k, lane in enumerate(lanes(session))
    ]
    items = [
        {
            "number": number,
            "time_s": round(m.time_s, 3),
            "seek_s": round(max(start, m.time_s - LEAD_IN_S), 3),
            "x": x(m.time_s),
            "y": next(k for k, h in enumerate(HABITS) if h.column == m.column),
            "at": mmss(m.time_s),
            "title": BY_COLUMN[m.column].problem,
            "colour": BY_COLUMN[m.column].colour,
            "length": duration_text(m.event.end_s - m.event.start_s),
        }
        for number, m in enumerate(moments, start=1)
    ]
    speech = None
    if session.delivery is not None:
        from review.presenting.delivery_verdicts import COLOUR, card
        from review.presenting.plots import LONG_PAUSE_COLOUR, SPEECH_LANE

        d = session.delivery
        speech = {
            "label": SPEECH_LANE,
            "colour": COLOUR,
            "pause_colour": LONG_PAUSE_COLOUR,
            "sound": d.sound,
            "speech": [(x(p.start_s), w(p.start_s, p.end_s)) for p in d.speech],
            "pauses": [(x(p.start_s), w(p.start_s, p.end_s)) for p in d.long_pauses],
            "card": card(d),
        }
    ticks = _ticks(start, end)
    context = {
        "video_name": os.path.basename(session.video) or "(unnamed recording)",
        "question": session.question,
        "duration": mmss(session.duration_s),
        "video_src": video_src,
        "start_s": start,
        "end_s": end,
        "lanes": drawn,
        "no_person": [(x(a), w(a, b)) for a, b in no_person],
        "moments": items,
        "speech": speech,
        "ticks": [(x(s), mmss(s)) for s in ticks],
        "report": "report.html",
        "lead_in": f"{LEAD_IN_S:g}",
    }
    return template_environment().get_template("review.html.j2").render(**context)


def _ticks(start: float, end: float, most: int = 8) -> list[float]:
    """Whole-second tick times for the axis: 1, 2, 5, 10, 15, 30 or 60 s apart."""
    length = end - start
    step = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300) if length / s <= most), 600)
    first = np.ceil(start / step) * step
    return [float(v) for v in np.arange(first, end + 1e-9, step)]


def write_review_page(
    session: Session,
    path: str | os.PathLike[str],
    video_src: str,
    moments: list[Moment] | None = None,
) -> Path:
    """Write the review page (replaced atomically); returns its path."""
    path = Path(path)
    atomic.write_text(path, render_review_page(session, video_src, moments))
    return path
