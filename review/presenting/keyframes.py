"""Key moments: the worst stretches of each habit, and a still of each from the recording.

``choose_moments`` (pure) picks, per habit, the longest events and within each the frame
where the habit was most marked; ``grab_frames`` (the edge) decodes those frames again.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from review.detectors.events import Event
from review.errors import InputError, ReviewError
from review.judging.habits import HABITS
from review.judging.session import Session
from review.landmarks.workers import default_count
from review.media import video
from review.media.video import DecodedFrame, DecodeWarning, VideoInfo

T = TypeVar("T")

#: Key moments shown per habit (its longest events).
PER_HABIT = 3
#: Event times in summary.json are rounded to the millisecond; frames are matched within this.
TIME_TOLERANCE_S = 1e-3


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


def event_frames(time_s: NDArray[np.float64], event: Event) -> tuple[int, int]:
    """First and last frame index (inclusive) of an event, tolerant of rounded event times."""
    first = int(np.searchsorted(time_s, event.start_s - TIME_TOLERANCE_S, side="left"))
    last = int(np.searchsorted(time_s, event.end_s + TIME_TOLERANCE_S, side="right")) - 1
    return first, max(first, min(last, len(time_s) - 1))


def worst_frame(values: NDArray[np.float64] | None, first: int, last: int) -> int:
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
    for h in HABITS:
        column = h.column
        longest = sorted(session.events_of(h.event), key=lambda e: (-e.duration_s, e.start_s))
        measure = h.worst_by
        values = session.columns[measure] if measure is not None else None
        for rank, event in enumerate(longest[:per_habit], start=1):
            first, last = event_frames(session.time_s, event)
            i = worst_frame(values, first, last)
            moments.append(Moment(column, event, rank, i, float(session.time_s[i])))
    return moments


def decoded_quietly(
    video_path: str | os.PathLike[str], info: VideoInfo | None = None
) -> Iterator[DecodedFrame]:
    """``video.decoded_frames`` without its DecodeWarning: the analysis has already reported it.

    Every decoded frame is yielded, as in the analysis (one that cannot be turned into an
    image gives None from ``array()``), so indices match the analysis' frames.
    """
    return _quietly(video.decoded_frames(video_path, info))


def _quietly(decoded: Iterator[T]) -> Iterator[T]:
    while True:
        with warnings.catch_warnings():  # only around decoding, never around the caller's code
            warnings.simplefilter("ignore", DecodeWarning)
            frame = next(decoded, None)
        if frame is None:
            return
        yield frame


def decoding_runs(
    wanted: list[int], time_s: NDArray[np.float64], keyframes_s: NDArray[np.float64]
) -> list[tuple[float, list[int]]]:
    """Where to start decoding to reach the frames ``wanted`` (sorted indices), and which.

    Decoding can start only at a key frame. A wanted frame is reached by going on from the one
    before it unless a key frame lies between them: then decoding starts again at that key
    frame (the key frame at or before the wanted one). Without key frames: from the start.

    Returns:
        Runs of (start time, wanted indices decoded from there), in time order.

    """
    runs: list[tuple[float, list[int]]] = []
    for i in wanted:
        t = float(time_s[i])
        before = keyframes_s[keyframes_s <= t + TIME_TOLERANCE_S]
        key = float(before[-1]) if len(before) else 0.0
        if runs and key <= float(time_s[runs[-1][1][-1]]) + TIME_TOLERANCE_S:
            runs[-1][1].append(i)
        else:
            runs.append((key, [i]))
    return runs


class FramesUnavailable(ReviewError):
    """The recording cannot give the frames of this analysis (moved, changed or unreadable)."""


def check_same_recording(
    video_path: str | os.PathLike[str], session: Session, info: video.VideoInfo | None = None
) -> video.VideoInfo:
    """Refuse a recording whose frame size or length differs from the analysis'.

    Args:
        video_path: The recording.
        session: The analysis.
        info: The recording's header, if it was probed already.

    Returns:
        The recording's header.

    Raises:
        FramesUnavailable: It cannot be read, or its frame size or duration differ.

    """
    try:
        info = video.probe(video_path) if info is None else info
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
    return info


def grab_frames(
    video_path: str | os.PathLike[str],
    indices: list[int],
    time_s: NDArray[np.float64],
    info: video.VideoInfo | None = None,
) -> dict[int, NDArray[np.uint8]]:
    """Decode the recording again and keep the frames at ``indices``.

    Decoding starts at the key frame before each frame wanted (see ``decoding_runs``), not
    at the start of the recording, and only the frames wanted are turned into images: for a
    2-minute answer this took 8.8 s when every frame up to the last one wanted was decoded and
    converted. Every frame decoded is checked against the analysis (its time at its index), so
    a different recording at the same path is refused rather than mislabelled.

    Args:
        video_path: The analysed recording.
        indices: Decode indices of the frames wanted.
        time_s: (T,) the analysis' frame times, to check the frames are the same.
        info: The recording's header, if it was probed already.

    Returns:
        Index -> upright BGR image.

    Raises:
        FramesUnavailable: The file cannot be read or its frames differ from the analysis.

    """
    wanted = sorted(set(int(i) for i in indices))
    if not wanted:
        return {}
    mismatch = FramesUnavailable(
        f"{video_path}: its frames do not match this analysis (edited or a different recording)"
    )
    if wanted[0] < 0 or wanted[-1] >= len(time_s):
        raise mismatch
    found: dict[int, NDArray[np.uint8]] = {}

    def decode_run(start_s: float, run: list[int]) -> None:
        first = int(np.searchsorted(time_s, start_s - TIME_TOLERANCE_S, side="left"))
        end_s = float(time_s[run[-1]]) + TIME_TOLERANCE_S
        todo = set(run)
        for frame in _quietly(video.decoded_frames(video_path, info, start_s, end_s, threads=1)):
            i = first + frame.index
            if i >= len(time_s) or abs(frame.time_s - time_s[i]) > TIME_TOLERANCE_S:
                raise mismatch
            if i in todo:
                image = frame.array()
                if image is None:
                    raise mismatch
                found[i] = image

    try:
        info = video.probe(video_path) if info is None else info
        runs = decoding_runs(wanted, time_s, video.keyframe_times(video_path, info))
        # The runs are independent and PyAV decodes without the GIL: one run per core at a
        # time (the worker processes are done by now).
        with ThreadPoolExecutor(max_workers=max(1, min(len(runs), default_count()))) as pool:
            for done in [pool.submit(decode_run, start_s, run) for start_s, run in runs]:
                done.result()
    except InputError as err:
        raise FramesUnavailable(str(err)) from None
    if len(found) != len(wanted):
        raise mismatch
    return found
