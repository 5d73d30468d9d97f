"""review: find the nonverbal habits that cost interview offers, in your own practice recording.

Everything runs on your machine. The library API::

    import review
    session = review.analyse("answer.mp4")
    session.summary          # figures, events, reference
    session.rows()           # the per-frame table (or session.to_pandas())
    session.save("answer_review")
"""

from review.analysis import analyse, analyse_landmarks, calibrate
from review.errors import AnalysisError, InputError, ReviewError
from review.events import Event
from review.landmarks import Landmarks
from review.reference import Reference
from review.session import Session

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
    "calibrate",
    "load",
]
__version__ = "0.1.0"


def load(out_dir: str) -> Session:
    """Load an analysis folder written by ``review analyse`` or ``Session.save``."""
    return Session.load(out_dir)
