"""Reading a recording: upright frames with their presentation times from the container.

Decoding goes through PyAV (FFmpeg) rather than ``cv2.VideoCapture`` because it gives each
frame's exact presentation time (correct for variable frame rate and edit lists) and the
rotation metadata of phone recordings, and it raises clear errors on broken files.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from review.errors import InputError

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a recording.

    Attributes:
        path: The file.
        width: Frame width in pixels as displayed (after rotation).
        height: Frame height in pixels as displayed (after rotation).
        rotation: Clockwise rotation in degrees applied to the stored frames (0, 90, 180, 270).
        fps: Average frame rate from the container (frames per second, float).
        duration_s: Duration from the container in seconds, or NaN when it does not say.
        frame_count: Number of frames the container claims, or 0 when it does not say.

    """

    path: Path
    width: int
    height: int
    rotation: int
    fps: float
    duration_s: float
    frame_count: int
    start_s: float = 0.0


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes:
        index: 0-based decode index.
        time_s: Presentation time in seconds from the container, relative to the first frame.
        image: Upright BGR image, shape (height, width, 3), uint8.

    """

    index: int
    time_s: float
    image: np.ndarray


def _rotation_of(stream: av.video.stream.VideoStream) -> int:
    """Clockwise rotation (degrees) needed to show the stored frames upright."""
    meta = stream.metadata or {}
    rotate = meta.get("rotate")
    if rotate is not None:
        try:
            return int(float(rotate)) % 360
        except ValueError:
            return 0
    return 0


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file. Check the path and try again.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a video. Give the path of a video file.")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes). Record or copy the video again.")


def _open(path: Path) -> av.container.InputContainer:
    try:
        container = av.open(os.fspath(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as err:
        raise InputError(
            f"{path}: not a video FFmpeg can read ({err.__class__.__name__}). "
            "Give an mp4, mov, mkv, webm or avi recording."
        ) from None
    if not container.streams.video:
        container.close()
        raise InputError(f"{path}: has no video stream (audio only?). Give a recording with video.")
    return container


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Read a recording's header and check that at least one frame decodes.

    Args:
        path: The video file.

    Returns:
        The recording's VideoInfo.

    Raises:
        InputError: The path is missing, not a file, empty, not a video, or nothing decodes.

    """
    path = Path(path)
    _check_path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        rotation, start_s = _first_frame(container, stream, path)
        width, height = stream.codec_context.width, stream.codec_context.height
        if rotation in (90, 270):
            width, height = height, width
        fps = float(stream.average_rate) if stream.average_rate else float("nan")
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        else:
            duration = float("nan")
        return VideoInfo(
            path=path,
            width=int(width),
            height=int(height),
            rotation=rotation,
            fps=fps,
            duration_s=duration,
            frame_count=int(stream.frames or 0),
            start_s=start_s,
        )
    finally:
        container.close()


def _first_frame(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, path: Path
) -> tuple[int, float]:
    """Decode the first frame to prove the file decodes; its rotation and presentation time."""
    try:
        for frame in container.decode(stream):
            return _rotation_from_frame(frame, stream), float(frame.time or 0.0)
    except (av.error.FFmpegError, ValueError):
        pass
    raise InputError(
        f"{path}: no video frame could be decoded (damaged or incomplete file?). "
        "Record or copy the video again."
    )


def _rotation_from_frame(frame: av.VideoFrame, stream: av.video.stream.VideoStream) -> int:
    rotation = getattr(frame, "rotation", None)
    if rotation is not None:
        # PyAV reports the display-matrix angle counter-clockwise; we rotate clockwise.
        return int(-rotation) % 360
    return _rotation_of(stream)


_ROT90_K = {90: -1, 180: 2, 270: 1}


def upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate a stored frame clockwise by ``rotation`` degrees so that it shows upright."""
    if rotation == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=_ROT90_K[rotation]))


class DecodeWarning(UserWarning):
    """The recording ended early: frames after a damaged part could not be decoded."""


def frames(
    path: str | os.PathLike[str],
    info: VideoInfo | None = None,
    start_s: float = 0.0,
    end_s: float = float("inf"),
) -> Iterator[Frame]:
    """Stream upright BGR frames with container presentation times, in decode order.

    Frames are decoded one at a time; the video is never held in memory. If the file is
    damaged part way, iteration stops at the last good frame and a DecodeWarning is issued.

    Args:
        path: The video file.
        info: Its VideoInfo from probe(), to skip probing again.
        start_s: Yield only frames whose time is at least this (seeks there first).
        end_s: Stop before the first frame whose time is at least this.

    Yields:
        Frame objects; ``time_s`` is relative to the first frame's presentation time and
        ``index`` counts from the first frame yielded.

    """
    info = info or probe(path)
    container = _open(Path(path))
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if start_s > 0:
            _seek(container, stream, info.start_s + start_s)
        step = 1.0 / info.fps if info.fps == info.fps and info.fps > 0 else 1e-3
        index = 0
        last_time = -float("inf")
        decoder = container.decode(stream)
        while True:
            try:
                frame = next(decoder)
            except StopIteration:
                break
            except (av.error.FFmpegError, ValueError) as err:
                warnings.warn(
                    f"{info.path}: decoding stopped near {max(last_time, 0):.1f} s "
                    f"({err.__class__.__name__}); the rest of the file is damaged and was "
                    "not analysed.",
                    DecodeWarning,
                    stacklevel=2,
                )
                break
            t = frame.time
            time_s = (float(t) - info.start_s) if t is not None else last_time + step
            if time_s <= last_time:  # a broken or missing timestamp: keep times increasing
                time_s = last_time + step
            last_time = time_s
            if time_s < start_s - 1e-9:
                continue
            if time_s >= end_s - 1e-9:
                break
            yield Frame(index=index, time_s=time_s, image=_image(frame, info.rotation))
            index += 1
    finally:
        container.close()


def _image(frame: av.VideoFrame, rotation: int) -> np.ndarray:
    return upright(frame.to_ndarray(format="bgr24"), rotation)


def _seek(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, time_s: float
) -> None:
    """Seek to the last keyframe at or before ``time_s`` (container clock); stay put on failure."""
    try:
        container.seek(int(time_s / stream.time_base), stream=stream, backward=True)
    except (av.error.FFmpegError, ValueError, OverflowError):
        container.seek(0)
