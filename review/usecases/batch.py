"""Many recordings in one go (a coach's folder of clients' answers): ``review analyse a b ...``.

Each recording is analysed in turn into its own results folder, exactly as ``review
analyse`` does for one; a recording that cannot be analysed is reported and the others go
on. Everything that can be checked is checked first (``plan_batch``): every input, every
results folder, and that no two recordings would share one, so a mistake in the request is
said before the long part, and a file that will not decode is known to have failed at once.

``-o DIR`` with several recordings (or a folder) is the parent of their results folders,
``DIR/NAME_review``: a coach may keep the results apart from the recordings (a shared or
synced folder). Two recordings of the same name would then share a folder: the second is
refused while planning, with its reason.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from review.errors import InputError, ReviewError
from review.judging import analysis
from review.judging.reference import Reference
from review.media import video
from review.storing import store
from review.usecases import to_folder as usecases

#: Extensions of the recordings taken from a folder: the video containers FFmpeg reads that
#: cameras, phones, screen recorders and browsers write. Other files there are left alone.
VIDEO_EXTENSIONS = frozenset(
    {
        ".mp4",
        ".m4v",
        ".mov",
        ".qt",
        ".mkv",
        ".webm",
        ".avi",
        ".wmv",
        ".asf",
        ".flv",
        ".mpg",
        ".mpeg",
        ".mts",
        ".m2ts",
        ".ts",
        ".3gp",
        ".3g2",
        ".ogv",
    }
)


def recordings_in(folder: str | os.PathLike[str]) -> list[Path]:
    """The recordings directly in ``folder``, by name: files with a video extension.

    Sub-folders are not entered (results folders review wrote, ``NAME_review``, hold
    ``annotated.mp4``: never taken as a recording), and hidden files (a recording or
    results folder still being written, ``.NAME.part...``) are skipped.
    """
    found = [
        p
        for p in Path(folder).iterdir()
        if not p.name.startswith(".") and p.suffix.lower() in VIDEO_EXTENSIONS and p.is_file()
    ]
    return sorted(found, key=lambda p: p.name.casefold())


def expand(
    inputs: Iterable[str | os.PathLike[str]], calibration: str | os.PathLike[str] | None = None
) -> list[Path]:
    """The recordings named: folders replaced by the recordings in them, each file once.

    The calibration clip, when it is in a folder given, is not one of the recordings.

    Raises:
        InputError: A folder holds no recording (nothing to do there is a mistake).

    """
    skip = {Path(calibration).resolve()} if calibration is not None else set()
    seen: set[Path] = set()
    out: list[Path] = []
    for given in map(Path, inputs):
        if given.is_dir():
            found = [p for p in recordings_in(given) if p.resolve() not in skip]
            if not found:
                raise InputError(
                    f"{given}: is a folder with no recording in it (mp4, mov, mkv, webm, avi, "
                    "...). Give a recording, or a folder of recordings."
                )
        else:
            found = [given]
        for p in found:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                out.append(p)
    return out


@dataclass(frozen=True)
class Refused:
    """A recording that will not be analysed, and why (one sentence)."""

    video: Path
    reason: str


@dataclass(frozen=True)
class Batch:
    """A checked request to analyse several recordings.

    Attributes:
        items: In the order given, each a plan or the reason it cannot be done.
        calibration: A calibration clip measured once for all (or None).
        frames: For each item, the frames its container claims (0: it does not say).

    """

    items: tuple[usecases.AnalysisPlan | Refused, ...]
    calibration: Path | None = None
    frames: tuple[int, ...] = ()

    @property
    def plans(self) -> list[usecases.AnalysisPlan]:
        """The recordings that will be analysed."""
        return [i for i in self.items if isinstance(i, usecases.AnalysisPlan)]


def plan_batch(
    inputs: Sequence[str | os.PathLike[str]],
    parent: str | os.PathLike[str] | None = None,
    calibration: str | os.PathLike[str] | None = None,
    who: str = "",
    sound: bool = True,
) -> Batch:
    """Check every recording and results folder; say what will be done and what cannot.

    Args:
        inputs: Recordings and folders of recordings (``expand``).
        parent: Folder for the results folders (``parent/NAME_review``); default: each
            beside its recording.
        calibration: One calibration clip for all.
        who: Whose sessions these are.
        sound: Measure the delivery from the sound too.

    Raises:
        InputError: A folder holds no recording, or the calibration clip does not decode
            (the request itself is wrong: nothing is done).

    """
    videos = expand(inputs, calibration)
    calib = Path(calibration) if calibration is not None else None
    if calib is not None:
        video.probe(calib)
    items: list[usecases.AnalysisPlan | Refused] = []
    frames: list[int] = []
    taken: dict[Path, Path] = {}
    for path in videos:
        others = tuple(p for p in videos if p != path)
        folder = None if parent is None else Path(parent) / store.results_folder(path).name
        try:
            info = video.probe(path)
            plan = usecases.check_analysis_output(
                path, folder, protect=(*others, *([calib] if calib else []))
            )
        except ReviewError as err:
            items.append(Refused(path, str(err)))
            frames.append(0)
            continue
        key = plan.folder.absolute()
        if key in taken:
            items.append(
                Refused(
                    path,
                    f"{path}: its results would go to {plan.folder}, as those of "
                    f"{taken[key]} do. Analyse it on its own with -o.",
                )
            )
            frames.append(0)
            continue
        taken[key] = path
        items.append(dataclasses.replace(plan, calibration=calib, who=who, sound=sound))
        frames.append(_expected_frames(info))
    return Batch(tuple(items), calib, tuple(frames))


def _expected_frames(info: video.VideoInfo) -> int:
    if info.frame_count > 0:
        return info.frame_count
    if info.duration_s == info.duration_s and info.fps == info.fps:
        return max(0, round(info.duration_s * info.fps))
    return 0


@dataclass
class Outcome:
    """What became of one recording of a batch: its analysis, or why it failed."""

    video: Path
    result: usecases.Analysed | None = None
    error: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def run_batch(
    batch: Batch,
    progress: Callable[[int], analysis.ProgressFactory | None] = lambda _i: None,
    on_done: Callable[[int, Outcome], None] = lambda _i, _o: None,
    annotate: bool = False,
    reference: Reference | None = None,
) -> list[Outcome]:
    """Analyse the batch's recordings in turn, going on past any that fails.

    Args:
        batch: ``plan_batch``'s result.
        progress: ``progress(i)`` gives item i's progress-bar factory (or None).
        on_done: Called with each item's index and outcome as soon as it is known (a
            refused item's at once): the CLI prints its line and records the history here;
            an exception it raises (a ReviewError) makes that item a failure.
        annotate: Also write annotated.mp4 for each.
        reference: The calibration's reference, if already measured (else measured here,
            once, from ``batch.calibration``).

    Returns:
        One outcome per item, in order. Ctrl-C stops the batch (KeyboardInterrupt): those
        done before stay saved.

    Raises:
        ReviewError: The calibration clip could not be measured (nothing was analysed).

    """
    if batch.calibration is not None and reference is None and batch.plans:
        reference = analysis.calibrate(batch.calibration, progress(-1))
    outcomes = []
    for i, item in enumerate(batch.items):
        if isinstance(item, Refused):
            outcome = Outcome(item.video, error=item.reason)
        else:
            plan = dataclasses.replace(item, reference=reference)
            try:
                outcome = Outcome(plan.video, usecases.run_analysis(plan, progress(i), annotate))
            except ReviewError as err:
                outcome = Outcome(plan.video, error=str(err))
            except (OSError, ValueError, RuntimeError, ArithmeticError) as err:
                # Not one of review's own errors: a fault in review, or in a decoder, on this
                # file alone. Said with its type, so it can be reported; the others go on.
                outcome = Outcome(
                    plan.video,
                    error=f"{plan.video}: failed unexpectedly ({type(err).__name__}: {err}).",
                )
        try:
            on_done(i, outcome)
        except ReviewError as err:
            outcome.error = str(err)
        outcomes.append(outcome)
    return outcomes
