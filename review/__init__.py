"""review: find the nonverbal habits that cost interview offers, in your own practice recording.

Everything runs on your machine. The library API::

    import review
    session = review.analyse("answer.mp4")
    session.summary          # figures, events, reference
    session.rows()           # the per-frame table (or session.to_pandas())
    session.save("answer_review")

    # or, as `review analyse` does: the folder with report.html
    result = review.analyse_to_folder("answer.mp4")
    result.folder / "report.html"

The names below are imported on first use, so ``import review`` (and the ``review`` command's
start, which a Ctrl-C may interrupt) loads nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from review.detectors.events import Event
    from review.errors import AnalysisError, InputError, ReviewError
    from review.judging.analysis import analyse, analyse_landmarks, calibrate
    from review.judging.reference import Reference
    from review.judging.session import Session
    from review.landmarks.holistic import Landmarks
    from review.usecases.to_folder import analyse_to_folder, compare_to_folder

#: Public name -> module it lives in.
_EXPORTS = {
    "AnalysisError": "review.errors",
    "Event": "review.detectors.events",
    "InputError": "review.errors",
    "Landmarks": "review.landmarks.holistic",
    "Reference": "review.judging.reference",
    "ReviewError": "review.errors",
    "Session": "review.judging.session",
    "analyse": "review.judging.analysis",
    "analyse_landmarks": "review.judging.analysis",
    "analyse_to_folder": "review.usecases.to_folder",
    "compare_to_folder": "review.usecases.to_folder",
    "calibrate": "review.judging.analysis",
}

__all__ = [
    "AnalysisError",
    "Event",
    "InputError",
    "Landmarks",
    "Reference",
    "ReviewError",
    "Session",
    "analyse",
    "analyse_landmarks",
    "analyse_to_folder",
    "calibrate",
    "compare_to_folder",
    "load",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'review' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load(out_dir: str) -> Session:
    """Load an analysis folder written by ``review analyse`` or ``Session.save``."""
    from review.judging.session import Session

    return Session.load(out_dir)
