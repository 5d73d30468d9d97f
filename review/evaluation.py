"""Agreement of the detectors with labelled clips.

A labels file lists clips and, per habit, time segments labelled "yes" and "no"::

    {"clips": [{"video": "slump.mp4",
                "labels": {"slumped": {"yes": [[8.0, 12.0]], "no": [[0, 3.5]]}, ...}}]}

Times are presentation times in seconds, segments inclusive; frames in no segment are not
scored for that habit. Habits: "person", "eye_contact", "slumped", "fidgeting", "self_touch".
A frame the detector left unjudged (unknown) counts as a disagreement.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from review.errors import InputError

LABELLED_HABITS = ("person", "eye_contact", "slumped", "fidgeting", "self_touch")


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

    """

    clip: str
    habit: str
    yes_frames: int
    yes_agree: float | None
    no_frames: int
    no_agree: float | None
    unknown_frames: int

    @property
    def balanced_accuracy(self) -> float | None:
        """Mean of the per-class agreements that exist (one class only: that class's)."""
        parts = [a for a in (self.yes_agree, self.no_agree) if a is not None]
        return float(np.mean(parts)) if parts else None

    def to_dict(self) -> dict:
        """JSON-ready form, with the balanced accuracy."""
        return {**asdict(self), "balanced_accuracy": self.balanced_accuracy}


def segment_mask(time_s: np.ndarray, segments: list) -> np.ndarray:
    """(T,) bool: frames whose time falls in any [start, end] segment."""
    mask = np.zeros(len(time_s), dtype=bool)
    for start, end in segments:
        mask |= (time_s >= float(start) - 1e-6) & (time_s <= float(end) + 1e-6)
    return mask


def agreement(
    clip: str, habit: str, predicted: np.ndarray, time_s: np.ndarray, labels: dict
) -> Agreement:
    """Compare one habit's per-frame states (1.0 / 0.0 / NaN) with its labelled segments."""
    yes = segment_mask(time_s, labels.get("yes", []))
    no = segment_mask(time_s, labels.get("no", []))
    if np.any(yes & no):
        raise InputError(f"{clip}: {habit} has frames labelled both yes and no.")

    def share(mask: np.ndarray, value: float) -> float | None:
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


def read_labels(path: str | os.PathLike[str]) -> list[dict]:
    """Read a labels file; each clip's ``video`` is resolved against the file's folder."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such labels file.")
    try:
        data = json.loads(path.read_text())
        clips = data["clips"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise InputError(f"{path}: not a labels file ({err}).") from None
    for clip in clips:
        clip["path"] = path.parent / clip["video"]
        unknown = set(clip.get("labels", {})) - set(LABELLED_HABITS)
        if unknown:
            raise InputError(f"{path}: {clip['video']}: unknown habits {sorted(unknown)}")
    return clips


def evaluate_session(clip: str, session: object, labels: dict) -> list[Agreement]:
    """Agreement of every labelled habit of one analysed clip."""
    out = []
    for habit in LABELLED_HABITS:
        if habit in labels:
            predicted = session.columns[habit]
            out.append(agreement(clip, habit, predicted, session.time_s, labels[habit]))
    return out


def evaluate_file(
    path: str | os.PathLike[str], progress: object = None, every_frame: bool = False
) -> list[Agreement]:
    """Analyse every clip of a labels file and compare with its labels.

    Args:
        path: The labels file.
        progress: Optional progress-bar factory (see review.analysis.analyse).
        every_frame: Run MediaPipe on every frame instead of the default sampling (to
            measure what sampling costs in agreement).

    """
    from review.analysis import analyse
    from review.pipeline import SAMPLE_HZ

    results: list[Agreement] = []
    for clip in read_labels(path):
        session = analyse(
            clip["path"], progress=progress, sample_hz=None if every_frame else SAMPLE_HZ
        )
        results += evaluate_session(clip["video"], session, clip.get("labels", {}))
    return results


def _f(value: float | None) -> str:
    return "   -" if value is None else f"{value:4.2f}"


def format_table(results: list[Agreement]) -> str:
    """A plain-text table: per clip and detector, then the worst balanced accuracy per detector."""
    lines = [
        f"{'clip':<18} {'detector':<12} {'yes n':>6} {'yes ok':>6} {'no n':>6} {'no ok':>6}"
        f" {'unknown':>7} {'bal.acc':>7}",
    ]
    for r in results:
        lines.append(
            f"{r.clip:<18} {r.habit:<12} {r.yes_frames:>6} {_f(r.yes_agree):>6} "
            f"{r.no_frames:>6} {_f(r.no_agree):>6} {r.unknown_frames:>7} "
            f"{_f(r.balanced_accuracy):>7}"
        )
    lines.append("")
    lines.append("worst balanced accuracy per detector (over clips):")
    for habit in LABELLED_HABITS:
        accs = [r.balanced_accuracy for r in results if r.habit == habit]
        accs = [a for a in accs if a is not None]
        yes_n = sum(r.yes_frames for r in results if r.habit == habit)
        no_n = sum(r.no_frames for r in results if r.habit == habit)
        if accs:
            lines.append(
                f"  {habit:<12} {min(accs):.2f}   ({yes_n} yes / {no_n} no labelled frames)"
            )
    return "\n".join(lines)
