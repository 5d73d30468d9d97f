"""A Session from what the user names: a folder written by `review analyse`, or a video.

A video is analysed and its results saved beside it as ``review analyse`` would
(``VIDEO_review/`` with report.html); a folder is loaded. Given a reference (e.g. from one
calibration clip), both are judged against it: a folder is re-judged from its landmarks.npz.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from review.errors import InputError
from review.judging import analysis
from review.judging.reference import Reference
from review.judging.session import Session
from review.storing import store

#: Files that make a folder an analysis folder (see review.storing.store).
REQUIRED = store.ANALYSIS.markers


@dataclass
class Loaded:
    """A session and where it came from.

    Attributes:
        session: The session (re-judged if a reference was given).
        folder: Its analysis folder.
        analysed_now: True if a video was analysed (and saved) for it just now.
        rejudged: True if a saved analysis was re-judged against a given reference.

    """

    session: Session
    folder: Path
    analysed_now: bool
    rejudged: bool


results_folder = store.results_folder


def check(path: str | os.PathLike[str], needs_landmarks: bool = False) -> str:
    """Check that ``path`` is something to compare, before any work is done.

    Args:
        path: A video or an analysis folder.
        needs_landmarks: A folder must hold landmarks.npz (it will be re-judged).

    Returns:
        "folder" or "video".

    Raises:
        InputError: It is missing, a folder without an analysis, or not a video.

    """
    from review.media import video

    p = Path(path)
    if p.is_dir():
        missing = [name for name in REQUIRED if not (p / name).is_file()]
        if missing:
            raise InputError(
                f"{p}: is a folder but not one written by `review analyse` (no {missing[0]}). "
                "Give a video or an analysis folder."
            )
        if needs_landmarks and not (p / "landmarks.npz").is_file():
            raise InputError(
                f"{p}: has no landmarks.npz, so it cannot be re-judged against the "
                "calibration clip. Give the video instead."
            )
        return "folder"
    if not p.exists():
        raise InputError(f"{p}: no such file or folder.")
    video.probe(p)
    return "video"


def load(
    path: str | os.PathLike[str],
    reference: Reference | None = None,
    progress: analysis.ProgressFactory | None = None,
    protect: tuple[Path, ...] = (),
) -> Loaded:
    """The session of a video or analysis folder, judged against ``reference`` if given.

    Args:
        path: A video (analysed now, results saved in ``results_folder(path)``) or a folder
            written by ``review analyse``.
        reference: Reference to judge against (e.g. ``review.calibrate(clip)``); None keeps a
            folder's own judgement and lets a video's reference be inferred from itself.
        progress: Optional progress-bar factory for the analysis of a video.
        protect: Other inputs that its results folder must not replace or hold.

    Returns:
        The Loaded session.

    Raises:
        InputError: See ``check``.
        ReviewError: A video in which no frame could be analysed.

    """
    p = Path(path)
    if check(p, needs_landmarks=reference is not None) == "folder":
        session = load_folder(p)
        if reference is None:
            return Loaded(session, p, analysed_now=False, rejudged=False)
        assert session.landmarks is not None  # check() made sure landmarks.npz is there
        rejudged = analysis.rejudge(session, reference)
        return Loaded(rejudged, p, analysed_now=False, rejudged=True)
    from review.usecases import to_folder as usecases

    plan = usecases.plan_analysis(p, reference=reference, protect=protect)
    result = usecases.run_analysis(plan, progress)
    return Loaded(result.session, result.folder, analysed_now=True, rejudged=False)


def load_folder(folder: Path) -> Session:
    """Load an analysis folder; a damaged one is an InputError, not a traceback."""
    return store.load(folder)
