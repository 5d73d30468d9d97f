"""Agreement of the detectors with labelled clips, per clip, per person and overall.

A labels file lists clips and, per habit, time segments labelled "yes" and "no"::

    {"video_dirs": [".", "../../../shared/footage/dev"],
     "clips": [{"video": "slump.mp4", "who": "the sample man",
                "tuned": ["slumped"],
                "labels": {"slumped": {"yes": [[8.0, 12.0]], "no": [[0, 3.5]]}, ...}}]}

Times are presentation times in seconds, segments inclusive; frames in no segment are not
scored for that habit. A frame the detector left unjudged (unknown) counts as a
disagreement. ``video_dirs`` (default: the labels file's own folder) are searched in order for
each clip; a clip found in none of them is skipped and listed as such (clips whose licence
keeps them out of the repository live in ``../shared/footage/dev`` beside it). ``who`` names
the person or source, so agreement can be read per person. ``tuned`` lists the detectors
whose constants were chosen while looking at this clip: their figures on it say little about
the next face, so they are marked and summarised apart from the clips no constant was chosen
on (the "held-out" clips).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, TypedDict

import numpy as np
from numpy.typing import NDArray

from review.errors import InputError
from review.judging import habits

#: Detectors the evaluation scores, in the order of its tables: the habits, and parts of a
#: habit that have labels of their own (smiling, within warmth).
LABELLED_HABITS = ("person", *habits.COLUMNS, "smiling")
#: Habits a labels file may carry beyond those (labelled ahead of their detector): skipped.
LABELLED_LATER: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clip:
    """One labelled clip.

    Attributes:
        video: Its file name as the labels file gives it.
        path: Where it was found, or None if in none of the labels file's ``video_dirs``.
        who: The person or source in it (for the per-person view).
        labels: Per habit, ``{"yes": [[start_s, end_s], ...], "no": [...]}``.
        tuned: Detectors whose constants were chosen on this clip.
        labels_file: The labels file it comes from.

    """

    video: str
    path: Path | None
    who: str
    labels: dict[str, dict[str, list[list[float]]]]
    tuned: frozenset[str] = frozenset()
    labels_file: str = ""


@dataclass(frozen=True)
class Agreement:
    """One detector on one clip.

    Attributes:
        clip: The clip's file name.
        habit: The detector.
        yes_frames: Frames labelled "yes".
        yes_agree: Share of them the detector called "yes" (None if there are none).
        no_frames: Frames labelled "no".
        no_agree: Share of them the detector called "no" (None if there are none).
        unknown_frames: Labelled frames the detector left unjudged.
        who: The person or source.
        tuned: This clip was used to choose the detector's constants.
        labels_file: The labels file the clip comes from.

    """

    clip: str
    habit: str
    yes_frames: int
    yes_agree: float | None
    no_frames: int
    no_agree: float | None
    unknown_frames: int
    who: str = ""
    tuned: bool = False
    labels_file: str = ""

    @property
    def balanced_accuracy(self) -> float | None:
        """Mean of the per-class agreements that exist (one class only: that class's)."""
        parts = [a for a in (self.yes_agree, self.no_agree) if a is not None]
        return float(np.mean(parts)) if parts else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the balanced accuracy."""
        return {**asdict(self), "balanced_accuracy": self.balanced_accuracy}


@dataclass(frozen=True)
class Evaluation:
    """Every detector on every clip found, and the clips that were not.

    Attributes:
        results: One Agreement per clip and labelled detector.
        skipped: (clip, why) for clips that were not found.

    """

    results: list[Agreement]
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the per-clip results, the summary, the skipped clips."""
        return {
            "results": [r.to_dict() for r in self.results],
            "summary": {h: summarise(self.results, h) for h in LABELLED_HABITS},
            "skipped": [{"clip": c, "why": w} for c, w in self.skipped],
        }


def segment_mask(
    time_s: NDArray[np.float64], segments: Iterable[Sequence[float]]
) -> NDArray[np.bool_]:
    """(T,) bool: frames whose time falls in any [start, end] segment."""
    mask = np.zeros(len(time_s), dtype=bool)
    for start, end in segments:
        mask |= (time_s >= float(start) - 1e-6) & (time_s <= float(end) + 1e-6)
    return mask


def agreement(
    clip: str,
    habit: str,
    predicted: NDArray[np.float64],
    time_s: NDArray[np.float64],
    labels: Mapping[str, list[list[float]]],
) -> Agreement:
    """Compare one habit's per-frame states (1.0 / 0.0 / NaN) with its labelled segments."""
    yes = segment_mask(time_s, labels.get("yes", []))
    no = segment_mask(time_s, labels.get("no", []))
    if np.any(yes & no):
        raise InputError(f"{clip}: {habit} has frames labelled both yes and no.")

    def share(mask: NDArray[np.bool_], value: float) -> float | None:
        return float(np.mean(predicted[mask] == value)) if mask.any() else None

    return Agreement(
        clip=clip,
        habit=habit,
        yes_frames=int(yes.sum()),
        yes_agree=share(yes, 1.0),
        no_frames=int(no.sum()),
        no_agree=share(no, 0.0),
        unknown_frames=int(np.sum(np.isnan(predicted) & (yes | no))),
    )


def _video_dirs(path: Path, data: dict[str, Any]) -> list[Path]:
    dirs = data.get("video_dirs") or ["."]
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise InputError(f"{path}: video_dirs must be a list of folder names.")
    return [path.parent / d for d in dirs]


def read_labels(path: str | os.PathLike[str]) -> list[Clip]:
    """Read a labels file; each clip is looked for in the file's ``video_dirs`` in order.

    Raises:
        InputError: The file is missing, not a labels file, or names an unknown habit.

    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such labels file.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["clips"]
        dirs = _video_dirs(path, data)
        clips = []
        for entry in entries:
            labels = entry.get("labels", {})
            unknown = set(labels) - set(LABELLED_HABITS) - set(LABELLED_LATER)
            if unknown:
                raise InputError(f"{path}: {entry['video']}: unknown habits {sorted(unknown)}")
            found = next((d / entry["video"] for d in dirs if (d / entry["video"]).is_file()), None)
            clips.append(
                Clip(
                    video=entry["video"],
                    path=found,
                    who=str(entry.get("who", "")),
                    labels=labels,
                    tuned=frozenset(entry.get("tuned", [])),
                    labels_file=str(path),
                )
            )
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
        raise InputError(f"{path}: not a labels file ({err}).") from None
    return clips


def evaluate_session(clip: Clip, session: Any) -> list[Agreement]:
    """Agreement of every labelled habit of one analysed clip."""
    out = []
    for habit in LABELLED_HABITS:
        if habit in clip.labels and habit in session.columns:
            found = agreement(
                clip.video, habit, session.columns[habit], session.time_s, clip.labels[habit]
            )
            out.append(
                Agreement(
                    **{
                        **asdict(found),
                        "who": clip.who,
                        "tuned": habit in clip.tuned,
                        "labels_file": clip.labels_file,
                    }
                )
            )
    return out


#: Analyses one clip: ``(path, every_frame) -> Session``.
Analyser = Callable[[Path, bool], Any]


def _analyse(path: Path, every_frame: bool, progress: Any = None) -> Any:
    from review.judging.analysis import analyse
    from review.landmarks.pipeline import SAMPLE_HZ

    return analyse(path, progress=progress, sample_hz=None if every_frame else SAMPLE_HZ)


def evaluate_files(
    paths: Sequence[str | os.PathLike[str]],
    progress: Any = None,
    every_frame: bool = False,
    analyser: Analyser | None = None,
) -> Evaluation:
    """Analyse every clip of some labels files and compare with their labels.

    Args:
        paths: Labels files.
        progress: Optional progress-bar factory (see review.judging.analysis.analyse).
        every_frame: Run MediaPipe on every frame instead of the default sampling (to
            measure what sampling costs in agreement).
        analyser: Analyse a clip another way (e.g. from cached landmarks while developing).

    """
    results: list[Agreement] = []
    skipped: list[tuple[str, str]] = []
    for labels_path in paths:
        for clip in read_labels(labels_path):
            if clip.path is None:
                skipped.append((clip.video, f"not found beside {labels_path}"))
                continue
            if analyser is not None:
                session = analyser(clip.path, every_frame)
            else:
                session = _analyse(clip.path, every_frame, progress)
            results += evaluate_session(clip, session)
    return Evaluation(results, skipped)


# Summaries ---------------------------------------------------------------------------------


class Stats(TypedDict):
    """Balanced accuracy over some clips (``summarise``)."""

    clips: int
    macro: float | None
    worst: float | None
    worst_clip: str | None


class DetectorSummary(Stats):
    """One detector over every clip, and held out / tuned apart (``summarise``)."""

    yes_frames: int
    no_frames: int
    held_out: Stats
    tuned: Stats


def summarise(results: Sequence[Agreement], habit: str) -> DetectorSummary:
    """Macro (mean over clips) and worst balanced accuracy of one detector, all and held out.

    Returns:
        ``clips``, ``macro``, ``worst``, ``worst_clip``, ``yes_frames``, ``no_frames``, and
        ``held_out`` / ``tuned`` (clips, macro, worst) for the clips no constant was chosen
        on and those some were. Figures are None where no clip has labelled frames.

    """
    mine = [r for r in results if r.habit == habit and r.balanced_accuracy is not None]

    def stats(rows: list[Agreement]) -> Stats:
        accs = [r.balanced_accuracy for r in rows if r.balanced_accuracy is not None]
        if not accs:
            return {"clips": 0, "macro": None, "worst": None, "worst_clip": None}
        k = int(np.argmin(accs))
        return {
            "clips": len(accs),
            "macro": float(np.mean(accs)),
            "worst": float(accs[k]),
            "worst_clip": rows[k].clip,
        }

    return {
        **stats(mine),
        "yes_frames": sum(r.yes_frames for r in mine),
        "no_frames": sum(r.no_frames for r in mine),
        "held_out": stats([r for r in mine if not r.tuned]),
        "tuned": stats([r for r in mine if r.tuned]),
    }


def _f(value: float | None) -> str:
    return (
        "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"
    )


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def format_table(evaluation: Evaluation | Sequence[Agreement]) -> str:
    """Plain-text tables: per clip and detector, per person, then a summary per detector.

    A class with no labelled frames prints ``-``; ``*`` marks a figure on a clip that was used
    to choose that detector's constants.
    """
    if not isinstance(evaluation, Evaluation):
        evaluation = Evaluation(list(evaluation))
    results = evaluation.results
    lines = [
        f"{'clip':<34} {'who':<26} {'detector':<12} {'yes n':>6} {'yes ok':>6} {'no n':>6} "
        f"{'no ok':>6} {'unjudged':>8} {'bal.acc':>8}",
    ]
    for r in results:
        mark = "*" if r.tuned else " "
        lines.append(
            f"{_short(r.clip, 34):<34} {_short(r.who, 26):<26} {r.habit:<12} {r.yes_frames:>6} "
            f"{_f(r.yes_agree):>6} {r.no_frames:>6} {_f(r.no_agree):>6} {r.unknown_frames:>8} "
            f"{_f(r.balanced_accuracy):>7}{mark}"
        )
    lines += ["", "* the detector's constants were chosen on this clip", ""]
    lines += _per_person(results)
    lines += ["", "per detector (balanced accuracy over clips):"]
    lines.append(
        f"  {'detector':<12} {'clips':>5} {'macro':>6} {'worst':>6}  {'worst clip':<34} "
        f"{'held-out macro/worst':>21} {'yes/no frames':>15}"
    )
    for habit in LABELLED_HABITS:
        s = summarise(results, habit)
        held = s["held_out"]
        held_text = f"{_f(held['macro'])} / {_f(held['worst'])} ({held['clips']})"
        lines.append(
            f"  {habit:<12} {s['clips']:>5} {_f(s['macro']):>6} {_f(s['worst']):>6}  "
            f"{_short(s['worst_clip'] or '-', 34):<34} {held_text:>21} "
            f"{s['yes_frames']:>7}/{s['no_frames']:<7}"
        )
    if evaluation.skipped:
        lines += ["", f"skipped {len(evaluation.skipped)} clip(s) not found:"]
        lines += [f"  {clip}: {why}" for clip, why in evaluation.skipped]
    return "\n".join(lines)


def _per_person(results: Sequence[Agreement]) -> list[str]:
    """A column per person or source: the worst balanced accuracy of each detector."""
    people = list(dict.fromkeys(r.who for r in results))
    if not people:
        return []
    lines = ["per person (worst balanced accuracy over their clips; - nothing labelled):"]
    width = 12
    for k, who in enumerate(people):
        lines.append(f"  [{k + 1}] {who}")
    header = f"  {'detector':<12}" + "".join(f"{f'[{k + 1}]':>6}" for k in range(len(people)))
    lines.append(header)
    for habit in LABELLED_HABITS:
        cells = []
        for who in people:
            accs = [
                r.balanced_accuracy
                for r in results
                if r.who == who and r.habit == habit and r.balanced_accuracy is not None
            ]
            cells.append(f"{_f(min(accs)) if accs else '-':>6}")
        lines.append(f"  {habit:<{width}}" + "".join(cells))
    return lines
