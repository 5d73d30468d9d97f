"""Key moments: the worst stretches of each habit, and a still of each from the recording.

``choose_moments`` (pure) picks, per habit, the longest events and within each the frame
where the habit was most marked; ``grab_frames`` (the edge) decodes those frames again.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from review.errors import ReviewError
from review.events import Event
from review.session import HABITS, Session
from review.video import Frame

#: Key moments shown per habit (its longest events).
PER_HABIT = 3
#: Event times in summary.json are rounded to the millisecond; frames are matched within this.
TIME_TOLERANCE_S = 1e-3
#: Per habit column, the per-frame measure whose largest value marks the worst frame of an
#: event (None: the middle of the event, e.g. fidgeting, which is movement over time).
WORST_BY = {
    "eye_contact": "gaze_off_deg",
    "slumped": "slump_score",
    "fidgeting": None,
    "self_touch": "hand_points_on_head",
}


@dataclass(frozen=True)
class Moment:
    """One key moment: a frame inside one of a habit's longest events.

    Attributes:
        column: The habit column ("eye_contact", "slumped", "fidgeting", "self_touch").
        event: The event it comes from.
        rank: 1 for the habit's longest event, 2 for the next, ...
        index: The frame shown (decode index, as in frames.csv).
        time_s: That frame's presentation time, seconds.

    """

    column: str
    event: Event
    rank: int
    index: int
    time_s: float


def event_frames(time_s: np.ndarray, event: Event) -> tuple[int, int]:
    """First and last frame index (inclusive) of an event, tolerant of rounded event times."""
    first = int(np.searchsorted(time_s, event.start_s - TIME_TOLERANCE_S, side="left"))
    last = int(np.searchsorted(time_s, event.end_s + TIME_TOLERANCE_S, side="right")) - 1
    return first, max(first, min(last, len(time_s) - 1))


def worst_frame(values: np.ndarray | None, first: int, last: int) -> int:
    """The frame in first..last with the largest value (nearest the middle among equals).

    NaN values are ignored; with no values (or none known) the middle frame is chosen.
    """
    middle = (first + last) // 2
    if values is None:
        return middle
    window = np.asarray(values[first : last + 1], dtype=float)
    if np.isnan(window).all():
        return middle
    best = np.flatnonzero(window == np.nanmax(window)) + first
    return int(best[np.argmin(np.abs(best - (first + last) / 2))])


def choose_moments(session: Session, per_habit: int = PER_HABIT) -> list[Moment]:
    """The key moments of a session: per habit, its ``per_habit`` longest events.

    Returns:
        Moments grouped by habit (in HABITS order), longest event first within a habit.

    """
    moments: list[Moment] = []
    if len(session) == 0:
        return moments
    for column, habit in HABITS.items():
        longest = sorted(session.events_of(habit), key=lambda e: (-e.duration_s, e.start_s))
        measure = WORST_BY[column]
        values = session.columns[measure] if measure is not None else None
        for rank, event in enumerate(longest[:per_habit], start=1):
            first, last = event_frames(session.time_s, event)
            i = worst_frame(values, first, last)
            moments.append(Moment(column, event, rank, i, float(session.time_s[i])))
    return moments


def frames_quietly(video_path: str | os.PathLike[str]) -> Iterator[Frame]:
    """``video.frames`` without its DecodeWarning: the analysis has already reported it."""
    from review import video

    decoded = video.frames(video_path)
    while True:
        with warnings.catch_warnings():  # only around decoding, never around the caller's code
            warnings.simplefilter("ignore", video.DecodeWarning)
            frame = next(decoded, None)
        if frame is None:
            return
        yield frame


class FramesUnavailable(ReviewError):
    """The recording cannot give the frames of this analysis (moved, changed or unreadable)."""


def check_same_recording(video_path: str | os.PathLike[str], session: Session) -> None:
    """Refuse a recording whose frame size or length differs from the analysis'.

    Raises:
        FramesUnavailable: It cannot be read, or its frame size or duration differ.

    """
    from review import video
    from review.errors import InputError

    try:
        info = video.probe(video_path)
    except InputError as err:
        raise FramesUnavailable(str(err)) from None
    size = (info.width, info.height)
    step = session.duration_s / max(len(session), 1)
    long_enough = np.isnan(info.duration_s) or info.duration_s >= session.duration_s - 2 * step
    if size != tuple(session.frame_size) or not long_enough:
        raise FramesUnavailable(
            f"{video_path}: it is not the analysed recording ({size[0]}x{size[1]}, "
            f"{info.duration_s:.1f} s; the analysis has {session.frame_size[0]}x"
            f"{session.frame_size[1]}, {session.duration_s:.1f} s)"
        )


def grab_frames(
    video_path: str | os.PathLike[str], indices: list[int], time_s: np.ndarray
) -> dict[int, np.ndarray]:
    """Decode the recording again and keep the frames at ``indices``.

    Decoding stops after the last frame wanted. Each frame's time is checked against the
    analysis, so a different recording at the same path is refused rather than mislabelled.

    Args:
        video_path: The analysed recording.
        indices: Decode indices of the frames wanted.
        time_s: (T,) the analysis' frame times, to check the frames are the same.

    Returns:
        Index -> upright BGR image.

    Raises:
        FramesUnavailable: The file cannot be read or its frames differ from the analysis.

    """
    from review.errors import InputError

    wanted = set(int(i) for i in indices)
    if not wanted:
        return {}
    found: dict[int, np.ndarray] = {}
    try:
        for frame in frames_quietly(video_path):
            if frame.index >= len(time_s) or (
                abs(frame.time_s - time_s[frame.index]) > TIME_TOLERANCE_S
            ):
                break
            if frame.index in wanted:
                found[frame.index] = frame.image
                if len(found) == len(wanted):
                    return found
    except InputError as err:
        raise FramesUnavailable(str(err)) from None
    raise FramesUnavailable(
        f"{video_path}: its frames do not match this analysis (edited or a different recording)"
    )
