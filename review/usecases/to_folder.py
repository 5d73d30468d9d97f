"""What a user does with review, as calls the CLI and a notebook share.

``analyse_to_folder`` is ``review analyse``: the recording analysed and its results folder
written (frames.csv, summary.json, timeline.png, landmarks.npz, report.html, and
annotated.mp4 if asked), with every check the command makes. The command only parses its
options, calls this and prints; ``review compare`` uses it for a video it is given.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from review.errors import ReviewError
from review.judging import analysis
from review.judging.reference import Reference
from review.judging.session import Session
from review.media import video
from review.media.video import VideoInfo
from review.storing import folders, store

if TYPE_CHECKING:
    from review.judging.compare import Comparison


@dataclass(frozen=True)
class AnalysisPlan:
    """A checked request to analyse one recording into a results folder.

    Attributes:
        video: The recording (it decodes: probed once when planned).
        folder: The results folder (checked: it may be written or replaced).
        calibration: A calibration clip, or None.
        reference: A reference already measured (e.g. one calibration for many recordings).
        protect: Every input the folder must never replace or hold.
        sound: Measure the delivery from the sound track too.
        info: The recording's header, probed when planned (None: not recorded yet when
            planned), so that the analysis does not probe it again.
        who: Whose answer it is (``--who``), kept in summary.json and the history; "" none.

    """

    video: Path
    folder: Path
    calibration: Path | None = None
    reference: Reference | None = None
    protect: tuple[Path, ...] = ()
    sound: bool = True
    info: VideoInfo | None = None
    who: str = ""


@dataclass
class Analysed:
    """The result of ``analyse_to_folder``.

    Attributes:
        session: The analysis.
        folder: Where its results were written.
        warnings: Sentences about what could not be written as usual (e.g. the report's
            key frames, when the recording could not be read again).

    """

    session: Session
    folder: Path
    warnings: list[str] = field(default_factory=list)


def plan_analysis(
    recording: str | os.PathLike[str],
    folder: str | os.PathLike[str] | None = None,
    calibration: str | os.PathLike[str] | None = None,
    reference: Reference | None = None,
    protect: tuple[str | os.PathLike[str], ...] = (),
) -> AnalysisPlan:
    """Check everything that can be checked before the long part, and say what will be done.

    Raises:
        InputError: The recording or calibration clip does not decode, or the folder may not
            be written (it holds an input, files review did not write, or another
            recording's results).

    """
    path = Path(recording)
    info = video.probe(path)  # refuse a bad input before doing anything else
    plan = check_analysis_output(path, folder, calibration, reference, protect)
    return dataclasses.replace(plan, info=info)


def check_analysis_output(
    recording: str | os.PathLike[str],
    folder: str | os.PathLike[str] | None = None,
    calibration: str | os.PathLike[str] | None = None,
    reference: Reference | None = None,
    protect: tuple[str | os.PathLike[str], ...] = (),
) -> AnalysisPlan:
    """``plan_analysis`` without reading the recording: for one not recorded yet.

    Raises:
        InputError: The calibration clip does not decode, or the folder may not be written.

    """
    path = Path(recording)
    out = Path(folder) if folder is not None else store.results_folder(path)
    calib = Path(calibration) if calibration is not None else None
    if calib is not None:
        video.probe(calib)
    inputs = (path, *([calib] if calib is not None else []), *map(Path, protect))
    inputs = tuple(p for p in inputs if p.absolute() != out.absolute())
    folders.check_output(out, store.ANALYSIS, list(inputs), store.owner_of(path))
    return AnalysisPlan(path, out, calib, reference, inputs)


def run_analysis(
    plan: AnalysisPlan,
    progress: analysis.ProgressFactory | None = None,
    annotate: bool = False,
    annotate_progress: analysis.ProgressFactory | None = None,
) -> Analysed:
    """Analyse the planned recording and write its results folder (see ``analyse_to_folder``)."""
    from review.presenting.report import write_report
    from review.presenting.reviewpage import video_href

    if plan.calibration is not None and plan.reference is None:
        session = analysis.analyse(
            plan.video,
            calibration=plan.calibration,
            progress=progress,
            sound=plan.sound,
            info=plan.info,
        )
    else:
        session = analysis.analyse_file(
            plan.video, plan.reference, progress, sound=plan.sound, info=plan.info
        )
    if len(session) == 0:
        raise ReviewError(f"{plan.video}: no frame could be analysed.")
    session.who = plan.who.strip()
    said: list[str] = []

    def extra(tmp: Path, saved: Session) -> None:
        if annotate:
            from review.presenting.annotate import write_annotated

            write_annotated(saved, plan.video, tmp / "annotated.mp4", progress=annotate_progress)
        src = "annotated.mp4" if annotate else video_href(plan.video, plan.folder)
        written = write_report(
            saved,
            tmp / "report.html",
            video=plan.video,
            review_video_src=src,
            info=plan.info,
            timeline_path=tmp / "timeline.png",
        )
        if written.note:
            said.append(written.note)

    session.save(plan.folder, extra=extra, protect=plan.protect, timeline=False)
    return Analysed(session, plan.folder, said)


def analyse_to_folder(
    recording: str | os.PathLike[str],
    folder: str | os.PathLike[str] | None = None,
    calibration: str | os.PathLike[str] | None = None,
    progress: analysis.ProgressFactory | None = None,
    annotate: bool = False,
    who: str = "",
) -> Analysed:
    """Analyse a recording and write its results folder, report included, as ``review analyse``.

    Args:
        recording: The recording (any container FFmpeg reads).
        folder: The results folder (default: the recording's name + ``_review`` beside it).
        calibration: Optional clip of the person sitting upright, looking at the lens.
        progress: Optional progress-bar factory ``(total_frames, label) -> update(done)``.
        annotate: Also write annotated.mp4.
        who: Whose answer it is (summary.json's ``who``), e.g. a coach's client.

    Returns:
        The session, its folder, and any warnings.

    Example:
        >>> import review
        >>> result = review.analyse_to_folder("answer.mp4")  # doctest: +SKIP
        >>> result.folder / "report.html"  # doctest: +SKIP

    """
    plan = dataclasses.replace(plan_analysis(recording, folder, calibration), who=who)
    return run_analysis(plan, progress, annotate, annotate_progress=progress)


@dataclass(frozen=True)
class ComparisonPlan:
    """A checked request to compare two sessions into a folder.

    Attributes:
        kinds: "video" or "folder", for before and after.
        protect: Everything the comparison reads, which no output may replace or hold.
        warnings: Sentences about the request itself (e.g. a session compared with itself).

    """

    kinds: tuple[str, str]
    protect: tuple[Path, ...]
    warnings: tuple[str, ...] = ()


def plan_comparison(
    before: str | os.PathLike[str],
    after: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    calibration: str | os.PathLike[str] | None = None,
) -> ComparisonPlan:
    """Check both inputs, the calibration clip and every folder that will be written.

    Raises:
        InputError: An input is missing, not a video or analysis folder, or a folder that
            would be written may not be.

    """
    from review.presenting.compare_report import COMPARISON, comparison_inputs
    from review.usecases import inputs

    needs_landmarks = calibration is not None
    before_kind, after_kind = (inputs.check(p, needs_landmarks) for p in (before, after))
    kinds = (before_kind, after_kind)
    if calibration is not None:
        video.probe(calibration)
    protect = comparison_inputs(before, after, list(kinds), calibration)
    folders.check_output(Path(out_dir), COMPARISON, protect)
    for path, kind in zip((before, after), kinds):
        if kind == "video":
            folder = store.results_folder(path)
            others = [p for p in protect if Path(p).absolute() != folder.absolute()]
            folders.check_output(folder, store.ANALYSIS, others, store.owner_of(path))
    said = []
    if Path(before).resolve() == Path(after).resolve():
        said.append(f"{before} is compared with itself: every habit will be the same.")
    return ComparisonPlan(kinds, protect, tuple(said))


def compare_to_folder(
    before: str | os.PathLike[str],
    after: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] = "comparison",
    calibration: str | os.PathLike[str] | None = None,
    progress: analysis.ProgressFactory | None = None,
    on_analysed: Callable[[Session, Path], None] | None = None,
    with_stills: bool = True,
    plan: ComparisonPlan | None = None,
) -> Comparison:
    """Compare two sessions given as videos or analysis folders, and write the comparison.

    Args:
        before: The earlier session: a video (analysed now and saved as ``review analyse``
            would, in VIDEO_review/) or a folder written by ``review analyse``.
        after: The later session, likewise.
        out_dir: Folder for comparison.json, comparison.png and comparison.html.
        calibration: Optional calibration clip: both sessions are judged against its
            reference (a folder is re-judged from its landmarks.npz).
        progress: Optional progress-bar factory ``(total_frames, label) -> tick``.
        on_analysed: Optional callable ``(session, folder)`` called for each video analysed
            and saved here (the CLI records it in the history).
        with_stills: Put key-frame stills of both recordings on the page.
        plan: ``plan_comparison``'s result for these arguments, if already made.

    Returns:
        The comparison, with its inputs (``to_dict()`` is what comparison.json holds).

    Example:
        >>> from review.usecases.to_folder import compare_to_folder
        >>> result = compare_to_folder("monday.mp4", "friday_review", "progress")  # doctest: +SKIP
        >>> result.improved  # doctest: +SKIP
        ['slumped']

    """
    from review.judging.compare import ComparedInput, compare
    from review.presenting.compare_report import KeyFrame, keyframes, write_comparison
    from review.usecases import inputs

    plan = plan or plan_comparison(before, after, out_dir, calibration)
    protect = plan.protect
    reference = analysis.calibrate(calibration, progress) if calibration is not None else None
    loaded: list[inputs.Loaded] = []
    for path in (before, after):
        if loaded and Path(path).resolve() == Path(before).resolve():
            loaded.append(loaded[0])  # the same session twice: analyse (and record) it once
            continue
        item = inputs.load(path, reference, progress, protect=protect)
        if item.analysed_now and on_analysed is not None:
            on_analysed(item.session, item.folder)
        loaded.append(item)
    b, a = loaded
    given = {
        side: ComparedInput(str(path), str(item.folder), item.analysed_now, item.rejudged)
        for side, path, item in (("before", before, b), ("after", after, a))
    }
    result = dataclasses.replace(compare(b.session, a.session), inputs=given)
    stills: list[KeyFrame] = []
    problems: list[str] = []
    if with_stills:
        for side, item in (("before", b), ("after", a)):
            found, problem = keyframes(item.session, side, item.folder)
            stills += found
            if problem:
                problems.append(f"{side.capitalize()}: {problem}.")
    write_comparison(out_dir, b.session, a.session, result, stills, problems, protect)
    return result
