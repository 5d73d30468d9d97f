"""The posture report: one self-contained HTML file a candidate reads in a minute.

``render_html`` fills the template (``review/presenting/templates/report.html.j2``) with the
verdicts of ``review.presenting.verdicts``, the timeline and the key-frame stills, all embedded as
data URIs (pure: no file is read or written); ``write_report`` grabs the key frames from the
recording and writes the file, and ``remake_report`` does the same from a saved analysis folder (the
edges).

The report loads nothing from anywhere (no scripts, fonts, styles or images by URL), so it
can be emailed or opened offline years later, and prints to PDF from a browser.
"""

from __future__ import annotations

import base64
import datetime
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from review.detectors import fidget, gaze, nods, slump, smile, touch, warmth
from review.errors import InputError
from review.judging.habits import HABITS
from review.judging.reference import UPRIGHT_PERCENTILE
from review.judging.session import Session
from review.media import atomic
from review.presenting import delivery_verdicts, reviewpage, verdicts
from review.presenting.keyframes import (
    FramesUnavailable,
    Moment,
    check_same_recording,
    choose_moments,
    grab_frames,
)
from review.presenting.plots import LANES
from review.presenting.timefmt import duration_text, mmss
from review.presenting.verdicts import habit_results, span_text

if TYPE_CHECKING:
    import jinja2

    from review.media.video import VideoInfo

#: Key-frame stills are scaled down to at most this many pixels on their longer side: a
#: 720p webcam's frame whole, sharp at two to a row and readable full screen (a hand at the
#: mouth), at about 130 kB each; a 1080p frame whole would double that for little more.
STILL_MAX_SIDE = 1280
#: JPEG quality of the stills.
STILL_JPEG_QUALITY = 85


# Figures ------------------------------------------------------------------------------------

#: How the key moments' numbers are drawn on the timeline.
_MARKER = {"boxstyle": "circle,pad=0.25", "fc": "white", "ec": "black", "lw": 0.8}


def timeline_png(session: Session, moments: list[Moment], title: str | None = None) -> bytes:
    """The timeline as PNG: one lane per habit, events shaded, m:ss axis, key moments numbered.

    The lanes are ``review.presenting.plots.draw_timeline``'s, with the key moments numbered on
    them. The same picture is the results folder's timeline.png (drawn once, see ``write_report``).
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from review.presenting.plots import draw_timeline, has_sound, legend_handles

    fig = Figure(figsize=(8, 2.9), dpi=150)
    ax = fig.subplots()
    draw_timeline(ax, session, title=title)
    lane_of = {column: len(LANES) - 1 - k for k, (column, _l, _c) in enumerate(LANES)}
    for number, moment in enumerate(moments, start=1):
        ax.annotate(
            str(number),
            (moment.time_s, lane_of[moment.column]),
            ha="center",
            va="center",
            fontsize=7,
            fontweight="bold",
            bbox=_MARKER,
        )
    ax.tick_params(labelsize=9)
    ax.xaxis.label.set_fontsize(9)
    handles = legend_handles(has_sound(session))
    if moments:
        handles.append(Patch(facecolor="white", edgecolor="black", label="Key moment (number)"))
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, fontsize=8.5)
    fig.tight_layout(rect=(0, 0.17, 1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def data_uri(data: bytes, mime: str) -> str:
    """``data:`` URI of some bytes."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass(frozen=True)
class Still:
    """A key moment with its picture.

    Attributes:
        moment: The key moment.
        jpeg: The annotated frame, JPEG bytes.
        size: Its width and height, pixels (the page keeps its room while it is enlarged).

    """

    moment: Moment
    jpeg: bytes
    size: tuple[int, int]


def still_size(width: int, height: int) -> tuple[int, int]:
    """Width and height of a still of a ``width`` x ``height`` frame (STILL_MAX_SIDE at most)."""
    longer = max(width, height)
    if longer <= STILL_MAX_SIDE:
        return width, height
    return round(width * STILL_MAX_SIDE / longer), round(height * STILL_MAX_SIDE / longer)


def still_jpeg(image: NDArray[np.uint8]) -> bytes:
    """A BGR image scaled down to ``still_size`` and encoded as JPEG."""
    import cv2

    h, w = image.shape[:2]
    size = still_size(w, h)
    if size != (w, h):
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, STILL_JPEG_QUALITY])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 BGR image
        raise ValueError("could not encode a still as JPEG")
    return buf.tobytes()


#: What a key moment shows, by habit column.
MOMENT_TITLES = {h.column: h.problem for h in HABITS}
#: What is drawn on a key moment's picture, by habit column.
DRAWN = {h.column: h.drawn.format(window_s=fidget.WINDOW_S) for h in HABITS}
_RANK = {1: "longest", 2: "2nd longest", 3: "3rd longest"}


def caption(moment: Moment, number: int) -> str:
    """E.g. "(2) Slumped at 0:11. Longest stretch: 0:05-0:12 (7 s)"."""
    which = _RANK.get(moment.rank, f"{moment.rank}th longest")
    return (
        f"({number}) {MOMENT_TITLES[moment.column]} at {mmss(moment.time_s)}. "
        f"{which.capitalize()} stretch: {span_text(moment.event)}"
    )


# The HTML -----------------------------------------------------------------------------------


def template_environment() -> jinja2.Environment:
    """The Jinja environment of review's page templates (review/presenting/templates)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("review.presenting", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _reference_rows(session: Session) -> list[tuple[str, str]]:
    ref = session.reference
    gaze_ref = (
        "not measured (eyes never seen)"
        if ref.gaze_yaw_deg is None or ref.gaze_pitch_deg is None
        else f"{ref.gaze_yaw_deg:+.1f}\u00b0 / {ref.gaze_pitch_deg:+.1f}\u00b0"
    )
    return [
        (
            "Upright: head height (at the ears) above the shoulder line, in shoulder widths",
            "not measured (shoulders never in view)"
            if ref.upright_neck_ratio is None
            else f"{ref.upright_neck_ratio:.2f}",
        ),
        (
            "Looking at the lens: gaze sideways (+ right in the picture) / up-down (+ down)",
            gaze_ref,
        ),
        (
            "Eyes open: usual lid gap / eye width",
            "not measured (eyes never seen)"
            if ref.eye_openness is None
            else f"{ref.eye_openness:.2f}",
        ),
    ]


def _method() -> dict[str, dict[str, float]]:
    """The detectors' own constants, quoted in "How this was measured"."""
    return {
        "eye": {
            "side": gaze.MAX_SIDEWAYS_DEG,
            "up": gaze.MAX_UP_DEG,
            "down": gaze.MAX_DOWN_DEG,
            "away_s": gaze.MIN_AWAY_S,
            "blink_s": gaze.MAX_BLINK_S,
            "closed_pct": 100 * gaze.CLOSED_RATIO,
        },
        "slump": {
            "neck_pct": 100 * slump.NECK_ON,
            "head_drop_pct": 100 * slump.HEAD_DROP_ON,
            "off_pct": 100 * slump.OFF_SHARE,
            "lean_pct": 100 * slump.LEAN_IN,
            "min_s": slump.MIN_SLUMP_S,
            "upright_percentile": UPRIGHT_PERCENTILE,
        },
        "fidget": {
            "swing_pct": 100 * fidget.MIN_SWING,
            "rhythm_swing_pct": 100 * fidget.RHYTHM_MIN_SWING,
            "rhythm_turns": fidget.RHYTHM_MIN_TURNS,
            "rhythm_cycle_s": 2 * fidget.RHYTHM_MAX_GAP_S,
            "noise_swings": fidget.NOISE_SWINGS,
            "window_s": fidget.WINDOW_S,
            "turns": fidget.MIN_TURNS,
            "hand_turns": fidget.MIN_HAND_TURNS,
            "min_s": fidget.MIN_FIDGET_S,
        },
        "touch": {
            "points": touch.MIN_HAND_POINTS,
            "top_pct": 100 * touch.TOP_MARGIN,
            "side_pct": 100 * touch.SIDE_MARGIN,
            "bottom_pct": 100 * touch.BOTTOM_MARGIN,
            "min_s": touch.MIN_TOUCH_S,
            "hold_s": touch.MAX_HOLD_S,
        },
        "warmth": {
            "smile_pct": 100 * smile.SMILE_ON,
            "smile_s": smile.MIN_SMILE_S,
            "window_s": warmth.WINDOW_S,
            "blank_s": warmth.BLANK_MIN_S,
            "nod_deg": nods.MIN_SWING_DEG,
            "nod_s": nods.MAX_DIP_S,
            "good_pct": verdicts.GOOD_WARMTH_PCT,
        },
        "verdict": {"min_judged_s": verdicts.MIN_JUDGED_S},
    }


def _still_item(moment: Moment, number: int, still: Still | None) -> dict[str, object]:
    """What the template shows of one key moment: its caption and picture, if any."""
    item: dict[str, object] = {"number": number, "caption": caption(moment, number), "src": None}
    if still is not None:
        width, height = still.size
        item.update(src=data_uri(still.jpeg, "image/jpeg"), width=width, height=height)
    return item


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("review")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "(development copy)"


def render_html(
    session: Session,
    stills: list[Still] | None = None,
    moments: list[Moment] | None = None,
    frames_note: str | None = None,
    made_on: datetime.date | None = None,
    review_page: str | None = None,
    timeline: bytes | None = None,
) -> str:
    """The report as one self-contained HTML string (pure: reads and writes no file).

    Args:
        session: The analysis.
        stills: Key-frame pictures of (some of) ``moments``; None when the recording was not
            available.
        moments: The key moments (default: ``choose_moments(session)``), numbered in this
            order on the timeline and under the pictures.
        frames_note: One line saying why the key frames are missing, shown in the report.
        made_on: Date shown as the report's date (default: none shown).
        review_page: Address of the review page beside it (review.presenting.reviewpage),
            linked from the timeline; None: no link.
        timeline: The timeline picture (PNG), if drawn already (``timeline_png``).

    Returns:
        The HTML document.

    """
    moments = choose_moments(session) if moments is None else moments
    pictures = {(s.moment.column, s.moment.rank): s for s in stills or []}
    results = habit_results(session)
    groups = []
    for result in results:
        items = [
            _still_item(m, number, pictures.get((m.column, m.rank)))
            for number, m in enumerate(moments, start=1)
            if m.column == result.column
        ]
        if items:
            groups.append({"result": result, "items": items, "drawn": DRAWN[result.column]})
    summary = session.summary
    delivery_card = delivery_verdicts.card(session.delivery)
    said: dict[str, list[str]] = {"good": [], "work": [], "unknown": []}
    if delivery_card is not None:
        said[delivery_card.verdict].append("Delivery")
    context = {
        "video_name": os.path.basename(session.video) or "(unnamed recording)",
        "question": session.question,
        "calibration_name": os.path.basename(session.reference.calibration_video or ""),
        "duration": mmss(session.duration_s),
        "duration_text": duration_text(session.duration_s),
        "frames": len(session),
        "mediapipe_frames": session.mediapipe_frames,
        "frame_size": f"{session.frame_size[0]}\u00d7{session.frame_size[1]}",
        "fps": summary["fps"],
        "made_on": f"{made_on.day} {made_on:%B %Y}" if made_on else None,
        "results": results,
        "delivery": delivery_card,
        "delivery_colour": delivery_verdicts.COLOUR,
        "good": [r.title for r in results if r.verdict == "good"] + said["good"],
        "work": [r.title for r in results if r.verdict == "work"] + said["work"],
        "unknown": [r.title for r in results if r.verdict == "unknown"] + said["unknown"],
        "timeline_src": data_uri(
            timeline if timeline is not None else timeline_png(session, moments), "image/png"
        ),
        "groups": groups,
        "no_moments": [r.title for r in results if r.column not in {m.column for m in moments}],
        "frames_note": frames_note,
        "person_pct": summary["person_visible_pct"] or 0.0,
        "notes": session.notes,
        "reference": session.reference,
        "reference_rows": _reference_rows(session),
        "m": _method(),
        "version": _version(),
        "review_page": review_page,
    }
    return template_environment().get_template("report.html.j2").render(**context)


# Writing (the edges) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportWritten:
    """Where the report went, and why it has no key frames if so.

    Attributes:
        path: The report file.
        note: One line saying why the key frames are missing, or None.

    """

    path: Path
    note: str | None = None


def make_stills(
    session: Session,
    video_path: str | os.PathLike[str],
    moments: list[Moment],
    info: VideoInfo | None = None,
) -> list[Still]:
    """Decode the key moments' frames from the recording and draw each one's habit on it.

    Raises:
        FramesUnavailable: The recording cannot be read or does not match the analysis.

    """
    from review.presenting.annotate import Overlay, draw

    if not moments:
        return []
    half = fidget.WINDOW_S / 2
    overlay = Overlay(session, track_before_s=half, track_after_s=half)
    info = check_same_recording(video_path, session, info)
    images = grab_frames(video_path, [m.index for m in moments], session.time_s, info)
    stills = []
    for m in moments:
        image = images[m.index]
        jpeg = still_jpeg(draw(image, overlay.at(m.index), focus=m.column))
        stills.append(Still(m, jpeg, still_size(image.shape[1], image.shape[0])))
    return stills


def write_report(
    session: Session,
    path: str | os.PathLike[str],
    video: str | os.PathLike[str] | None = None,
    made_on: datetime.date | None = None,
    missing: str | None = None,
    review_video_src: str | None = None,
    info: VideoInfo | None = None,
    timeline_path: str | os.PathLike[str] | None = None,
) -> ReportWritten:
    """Write report.html for a session, with key frames from the recording when it is found.

    Args:
        session: The analysis (with landmarks, for the key frames).
        path: The report file to write (replaced atomically).
        video: The recording (default: ``session.video``, if it is still the analysed
            recording). When it is missing or does not match the analysis, the report is
            written without key frames and says why.
        made_on: Date shown in the report (default: today).
        missing: Why there is no recording, when the caller has looked for it already
            (``video`` is then None).
        review_video_src: The address, relative to the report's folder, of the video the
            review page (review.html, written beside the report and linked from it) plays;
            None: no review page.
        info: ``video``'s header, if it was probed already.
        timeline_path: Also write the report's timeline picture here (the folder's
            timeline.png), so it is drawn once.

    Returns:
        The path and, if the key frames are missing, a one-line note why.

    Example:
        >>> import review
        >>> from review.presenting.report import write_report
        >>> session = review.load("answer_review")  # doctest: +SKIP
        >>> write_report(session, "answer_review/report.html")  # doctest: +SKIP

    """
    path = Path(path)
    if video is None and missing is None:
        located = locate_recording(None, session)
        video, missing = located.path, located.problem
    moments = choose_moments(session)
    stills: list[Still] = []
    note = None
    if moments:
        if session.landmarks is None:
            note = "The landmarks (landmarks.npz) are missing, so this report has no key frames."
        elif video is None or not Path(video).is_file():
            missing = missing or f"The recording {Path(video or session.video).name} was not found"
            note = f"{missing}, so this report has no key frames."
        else:
            try:
                stills = make_stills(session, video, moments, info)
            except FramesUnavailable as err:
                note = f"{err}, so this report has no key frames."
    from review.presenting.plots import titled

    picture = timeline_png(
        session, moments, titled("When each habit showed", os.path.basename(session.video))
    )
    html = render_html(
        session,
        stills=stills,
        moments=moments,
        frames_note=note,
        made_on=made_on or datetime.date.today(),
        review_page=None if review_video_src is None else reviewpage.PAGE_NAME,
        timeline=picture,
    )
    if timeline_path is not None:
        atomic.write_bytes(timeline_path, picture)
    if review_video_src is not None:
        reviewpage.write_review_page(
            session, path.with_name(reviewpage.PAGE_NAME), review_video_src, moments
        )
    atomic.write_text(path, html)
    return ReportWritten(path, note)


@dataclass(frozen=True)
class Located:
    """Where a saved analysis' recording is now, or why it is not to be used.

    Attributes:
        path: The recording, or None.
        problem: Why none was taken (not found; a different recording there), or None.

    """

    path: Path | None
    problem: str | None = None


def locate_recording(folder: Path | None, session: Session) -> Located:
    """The recording of a saved analysis: where summary.json says, else beside its folder.

    A file found there is taken only if it is the analysed recording: same size and content
    fingerprint (``session.recording``). Folders from before fingerprints were recorded fall
    back to the checks of review.presenting.keyframes (frame size, length, every frame's time).
    A relative path (written by older versions) is tried against the folder's parent too.
    """
    recorded = Path(session.video) if session.video else None
    candidates: list[Path] = []
    if recorded is not None:
        candidates.append(recorded)
        if folder is not None:
            candidates.append(folder.parent / recorded.name)
            if not recorded.is_absolute():
                candidates.append(folder / recorded)
    different = None
    for candidate in dict.fromkeys(candidates):
        if not candidate.is_file():
            continue
        if session.recording is None or session.recording.matches(candidate):
            return Located(candidate)
        different = different or candidate
    if different is not None:
        return Located(
            None,
            f"The file {different.name} found is not the analysed recording (its content differs)",
        )
    name = recorded.name if recorded is not None else "(unnamed)"
    return Located(None, f"The recording {name} was not found")


def check_given_recording(video: Path, session: Session) -> None:
    """Refuse a recording given by the user (``--video``) that is not the analysed one.

    Raises:
        InputError: It is missing, or its content differs from the analysed recording's.

    """
    if not video.is_file():
        raise InputError(f"{video}: no such file. Give the recording's current path.")
    if session.recording is not None and not session.recording.matches(video):
        raise InputError(
            f"{video}: is not the recording this analysis is of (its content differs from "
            f"{Path(session.recording.path).name} as analysed). Give that recording."
        )


def remake_report(
    folder: str | os.PathLike[str], video: str | os.PathLike[str] | None = None
) -> ReportWritten:
    """Re-make report.html in a folder written by ``review analyse``.

    Args:
        folder: The analysis folder (summary.json, frames.csv, landmarks.npz).
        video: The recording, if it has moved since the analysis.

    Returns:
        The report's path and, if the key frames are missing, a one-line note why.

    Raises:
        InputError: The folder is not an analysis folder, or ``video`` does not exist.

    """
    from review.storing import store

    folder = Path(folder)
    for name in ("summary.json", "frames.csv", "landmarks.npz"):
        if folder.is_dir() and not (folder / name).is_file():
            raise InputError(
                f"{folder}: not a complete analysis folder (no {name}). Give the folder "
                "`review analyse` wrote, or analyse the recording again."
            )
    session = store.load(folder)
    if video is not None:
        check_given_recording(Path(video), session)
        found = Located(Path(video))
    else:
        found = locate_recording(folder, session)
    if (folder / "annotated.mp4").is_file():
        src = "annotated.mp4"
    else:
        src = reviewpage.video_href(found.path or session.video or "", folder)
    written = write_report(
        session,
        folder / "report.html",
        video=found.path,
        missing=found.problem,
        review_video_src=src,
        timeline_path=folder / "timeline.png",
    )
    store.update_manifest(folder)
    return written
