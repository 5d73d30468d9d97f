"""Reading a recording: upright frames with their presentation times from the container.

Decoding goes through PyAV (FFmpeg) rather than ``cv2.VideoCapture`` because it gives each
frame's exact presentation time (correct for variable frame rate and edit lists) and the
rotation metadata of phone recordings, and it raises clear errors on broken files.

Broken and odd files (measured with PyAV 18 / FFmpeg 8):

- A file that is not a video, or an MP4 cut off before its index (the ``moov`` box, written
  last by most recorders), does not open: ``probe`` refuses it with an InputError.
- An MP4 with its index at the front, cut off part way, opens and decodes up to the cut; with
  frame threading FFmpeg then simply stops (no error), so an early end is found by comparing
  the last decoded time with the duration the container states (``ended_early``).
- A damaged packet in the middle makes the decoder raise for that packet only: it is skipped
  and decoding goes on (the frames after it may be smeared until the next key frame), with a
  DecodeWarning.
- A phone recording stored sideways carries a display matrix; PyAV reports its angle as
  ``VideoFrame.rotation`` (counter-clockwise degrees) and frames are turned upright here.
"""

from __future__ import annotations

import hashlib
import math
import os
import struct
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar, cast

import av
import numpy as np
from numpy.typing import NDArray

from review.errors import InputError

#: A stated duration longer than this is a damaged header, taken as "unknown".
MAX_PLAUSIBLE_S = 12 * 3600.0
#: Decoding that stops more than this before the stated end means the file ended early.
EARLY_END_TOLERANCE_S = 1.0
_DECODE_ERRORS = (av.error.FFmpegError, ValueError, OverflowError, MemoryError)
_Pixel = TypeVar("_Pixel", bound=np.generic)


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
        start_s: Presentation time of the first frame in the container's clock, seconds.
        question: The interview question, for a recording made by ``review record`` (its
            title tag), else "".
        recording_date: When it was recorded, ISO 8601 in UTC (``recording_date``), or None.
        recording_date_from: Where that came from: "container" or "file" (its modification
            time), or None.

    """

    path: Path
    width: int
    height: int
    rotation: int
    fps: float
    duration_s: float
    frame_count: int
    start_s: float = 0.0
    question: str = ""
    recording_date: str | None = None
    recording_date_from: str | None = None


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
    image: NDArray[np.uint8]


@dataclass(frozen=True)
class DecodedFrame:
    """A decoded frame not yet turned into an array: skipping one costs nothing more.

    Turning a 720p frame into a BGR array takes about as long as decoding it, so a caller
    that looks at only some frames (see review.landmarks.pipeline) converts only those.

    Attributes:
        index: 0-based decode index, counting from the first frame yielded.
        time_s: Presentation time in seconds from the container, relative to the first frame.

    """

    index: int
    time_s: float
    _frame: av.VideoFrame
    _rotation: int

    def array(self, max_side: int | None = None, rgb: bool = False) -> NDArray[np.uint8] | None:
        """The upright image (BGR, or RGB), or None if the decoder gave an unusable frame.

        Args:
            max_side: If given, a frame whose longer side is larger is scaled down to it while
                being converted (cheaper than converting at full size and then resizing).
            rgb: Channels in RGB order (what MediaPipe takes) instead of OpenCV's BGR.

        """
        return _image(self._frame, self._rotation, max_side, "rgb24" if rgb else "bgr24")


class DecodeWarning(UserWarning):
    """Part of the recording could not be decoded (cut off, or damaged in places)."""


class _Decoded:
    """The frames of one stream, decoded packet by packet.

    A packet the decoder rejects is skipped (counted in ``skipped``) rather than ending the
    stream; a demuxer error ends it (its name in ``failed``).
    """

    def __init__(self, container: av.container.InputContainer, stream: av.video.VideoStream):
        self.container = container
        self.stream = stream
        self.skipped = 0
        self.first_skip_s: float | None = None
        self.failed = ""
        self.last_time_s: float | None = None

    def __iter__(self) -> Iterator[av.VideoFrame]:
        packets = self.container.demux(self.stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except (*_DECODE_ERRORS, OSError) as err:
                self.failed = err.__class__.__name__
                return
            try:
                decoded = packet.decode()
            except _DECODE_ERRORS:
                self.skipped += 1
                if self.first_skip_s is None:
                    self.first_skip_s = self.last_time_s or 0.0
                continue
            for frame in decoded:
                if frame.time is not None:
                    self.last_time_s = float(frame.time)
                yield frame


def _rotation_of(stream: av.video.stream.VideoStream) -> int:
    """Clockwise rotation (degrees) from the stream's "rotate" tag (older FFmpeg exports)."""
    rotate = (stream.metadata or {}).get("rotate")
    if rotate is None:
        return 0
    try:
        return _quarter_turns(float(rotate))
    except ValueError:
        return 0


def _quarter_turns(degrees: float) -> int:
    """An angle rounded to the nearest multiple of 90, in 0..270."""
    if not math.isfinite(degrees):
        return 0
    return int(round(degrees / 90.0)) % 4 * 90


def _rotation_from_frame(frame: av.VideoFrame, stream: av.video.stream.VideoStream) -> int:
    """Clockwise rotation (degrees) that shows a decoded frame upright."""
    rotation = getattr(frame, "rotation", None)  # display matrix, counter-clockwise degrees
    if rotation:
        return _quarter_turns(-float(rotation))
    return _rotation_of(stream)


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file. Check the path and try again.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a video. Give the path of a video file.")
    if not path.is_file():
        raise InputError(f"{path}: is not a regular file (a device or pipe?). Give a video file.")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes). Record or copy the video again.")


def _mp4_without_index(path: Path) -> bool:
    """An MP4/MOV (starts with an ``ftyp`` box) whose top-level boxes hold no ``moov`` index.

    Recorders write the index last, so a recording or copy that was cut off lacks it.
    """
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            pos = 0
            while pos + 8 <= size:
                f.seek(pos)
                head = f.read(16)
                box_size, kind = struct.unpack(">I4s", head[:8])
                if pos == 0 and kind != b"ftyp":
                    return False
                if kind == b"moov":
                    return False
                if box_size == 1 and len(head) == 16:
                    box_size = struct.unpack(">Q", head[8:16])[0]
                elif box_size == 0:  # the last box runs to the end of the file
                    break
                if box_size < 8:
                    return False
                pos += box_size
            return pos > 0
    except OSError:
        return False


def _open(path: Path) -> av.container.InputContainer:
    try:
        container = av.open(os.fspath(path), mode="r")
    except PermissionError:
        raise InputError(f"{path}: cannot be read (permission denied).") from None
    except (*_DECODE_ERRORS, OSError, UnicodeDecodeError):
        if _mp4_without_index(path):
            raise InputError(
                f"{path}: the video is incomplete: its index (the MP4 'moov' box, written when "
                "a recording is finished) is missing, so it was cut off while being recorded "
                "or copied. Copy it again from the original, or record it again."
            ) from None
        raise InputError(
            f"{path}: not a video FFmpeg can read (damaged, or not a video at all). "
            "Give an mp4, mov, mkv, webm or avi recording."
        ) from None
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams})
        container.close()
        what = "audio only" if kinds == ["audio"] else "no streams" if not kinds else "no video"
        raise InputError(
            f"{path}: has no video stream ({what}). Give a recording with video in it."
        )
    return container


#: The comment tag ``review record`` writes, which marks the title tag as the question.
RECORDED_BY = "Interview practice answer recorded with review"


def _question(tags: Mapping[str, str]) -> str:
    """The question a ``review record`` recording answers (other files' titles are not)."""
    if tags.get("comment") != RECORDED_BY:
        return ""
    return str(tags.get("title", "")).strip()[:500]


def _parse_date(text: object) -> datetime | None:
    """A container's ``creation_time`` tag as an aware UTC datetime, or None if unusable.

    FFmpeg writes it as ISO 8601 (``2026-03-01T09:30:00.000000Z``); a zero date (1904 or
    1970, what a muxer leaves when nobody set it) is no date.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        try:  # Python < 3.11 reads at most 6 fraction digits and no "T...Z" variants
            when = datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if when.year < 1980:
        return None
    return when.astimezone(timezone.utc)


def recording_date(tags: Mapping[str, Any], mtime_s: float | None) -> tuple[str | None, str | None]:
    """When a recording was made: its container's creation time, else the file's mtime.

    Args:
        tags: The container's metadata (``creation_time`` read; the video stream's tags can
            be merged in by the caller).
        mtime_s: The file's modification time (seconds since the epoch), or None.

    Returns:
        ``(ISO 8601 UTC to the second, "container" | "file")``, or ``(None, None)``.

    """
    when = _parse_date(tags.get("creation_time"))
    if when is not None:
        return when.isoformat(timespec="seconds"), "container"
    if mtime_s is not None and math.isfinite(mtime_s):
        stamp = datetime.fromtimestamp(mtime_s, tz=timezone.utc)
        return stamp.isoformat(timespec="seconds"), "file"
    return None, None


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Read a recording's header and check that it decodes into more than one frame.

    Args:
        path: The video file.

    Returns:
        The recording's VideoInfo.

    Raises:
        InputError: The path is missing, not a file, empty, not a video, nothing decodes,
            or it holds a single picture (a still image).

    """
    path = Path(path)
    _check_path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        rotation, start_s, width, height = _first_frames(container, stream, path)
        if rotation in (90, 270):
            width, height = height, width
        fps = float(stream.average_rate) if stream.average_rate else float("nan")
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        else:
            duration = float("nan")
        if not (0 < duration <= MAX_PLAUSIBLE_S):
            duration = float("nan")
        if not (math.isfinite(fps) and 0 < fps <= 1000):
            fps = float("nan")
        try:
            mtime: float | None = path.stat().st_mtime
        except OSError:
            mtime = None
        tags = {**dict(stream.metadata), **dict(container.metadata)}
        date, date_from = recording_date(tags, mtime)
        return VideoInfo(
            path=path,
            width=int(width),
            height=int(height),
            rotation=rotation,
            fps=fps,
            duration_s=duration,
            frame_count=max(0, int(stream.frames or 0)),
            start_s=start_s if math.isfinite(start_s) else 0.0,
            question=_question(container.metadata),
            recording_date=date,
            recording_date_from=date_from,
        )
    finally:
        container.close()


def _first_frames(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, path: Path
) -> tuple[int, float, int, int]:
    """Decode the first two frames: the file decodes and is more than a still picture.

    Returns:
        The first frame's rotation, presentation time, stored width and height.

    """
    decoded = iter(_Decoded(container, stream))
    first = next(decoded, None)
    if first is None or first.width < 1 or first.height < 1:
        raise InputError(
            f"{path}: no video frame could be decoded (damaged or incomplete file?). "
            "Record or copy the video again."
        )
    if next(decoded, None) is None:
        raise InputError(
            f"{path}: holds a single picture, not a recording. review judges habits over time "
            "against your own posture in the recording: give a video of a few seconds or more."
        )
    return (
        _rotation_from_frame(first, stream),
        float(first.time or 0.0),
        first.width,
        first.height,
    )


_ROT90_K = {90: -1, 180: 2, 270: 1}


def upright(image: NDArray[_Pixel], rotation: int) -> NDArray[_Pixel]:
    """Rotate a stored frame clockwise by ``rotation`` degrees so that it shows upright."""
    if rotation == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=_ROT90_K[rotation]))


def frames(
    path: str | os.PathLike[str],
    info: VideoInfo | None = None,
    start_s: float = 0.0,
    end_s: float = float("inf"),
    max_side: int | None = None,
) -> Iterator[Frame]:
    """Stream upright BGR frames with container presentation times, in decode order.

    Frames are decoded one at a time; the video is never held in memory. A damaged packet is
    skipped and decoding goes on; if the file cannot be read further, iteration stops at the
    last good frame. Either way a DecodeWarning says so.

    Args:
        path: The video file.
        info: Its VideoInfo from probe(), to skip probing again.
        start_s: Yield only frames whose time is at least this (seeks there first).
        end_s: Stop before the first frame whose time is at least this.
        max_side: If given, frames whose longer side is larger are scaled down to it while
            being converted (cheaper than converting at full size and resizing: a 4K frame is
            never held as a full-size BGR array).

    Yields:
        Frame objects; ``time_s`` is relative to the first frame's presentation time and
        ``index`` counts from the first frame yielded.

    """
    index = 0
    for decoded in decoded_frames(path, info, start_s, end_s):
        image = decoded.array(max_side)
        if image is None:
            continue
        yield Frame(index=index, time_s=decoded.time_s, image=image)
        index += 1


def decoded_frames(
    path: str | os.PathLike[str],
    info: VideoInfo | None = None,
    start_s: float = 0.0,
    end_s: float = float("inf"),
    threads: int = 0,
) -> Iterator[DecodedFrame]:
    """Like ``frames``, but each frame is turned into an array only when asked.

    A frame the decoder gives but that cannot be converted is still yielded here (its
    ``array()`` is None); ``frames`` skips such frames. ``threads``: decoder threads (0: as
    many as FFmpeg likes; 1 for the least CPU per frame).
    """
    info = info or probe(path)
    container = _open(Path(path))
    try:
        stream = container.streams.video[0]
        if threads == 1:
            stream.thread_type = "NONE"
        else:
            stream.thread_type = "AUTO"
            stream.codec_context.thread_count = threads
        if start_s > 0:
            _seek(container, stream, info.start_s + start_s)
        step = 1.0 / info.fps if info.fps == info.fps and info.fps > 0 else 1e-3
        index = 0
        patched = 0
        last_time = -float("inf")
        decoded = _Decoded(container, stream)
        for frame in decoded:
            t = frame.time
            time_s = (float(t) - info.start_s) if t is not None else last_time + step
            if not time_s > last_time:  # a broken or missing timestamp: keep times increasing
                patched += t is None or math.isfinite(last_time)
                time_s = last_time + step if math.isfinite(last_time) else 0.0
            last_time = time_s
            if time_s < start_s - 1e-9:
                continue
            if time_s >= end_s - 1e-9:
                break
            yield DecodedFrame(index=index, time_s=time_s, _frame=frame, _rotation=info.rotation)
            index += 1
        if decoded.skipped:
            warnings.warn(
                f"{info.path}: damaged video data was skipped near "
                f"{max(decoded.first_skip_s or 0.0, 0.0) - info.start_s:.1f} s "
                f"({decoded.skipped} place(s)); frames there may be missing or smeared.",
                DecodeWarning,
                stacklevel=2,
            )
        if patched:
            warnings.warn(
                f"{info.path}: {patched} frame(s) had a missing or out-of-order time and were "
                "placed one frame after the frame before; the timing there may be off.",
                DecodeWarning,
                stacklevel=2,
            )
        if decoded.failed:
            warnings.warn(
                f"{info.path}: decoding stopped near {max(last_time, 0.0):.1f} s "
                f"({decoded.failed}); the rest of the file is damaged and was not analysed.",
                DecodeWarning,
                stacklevel=2,
            )
    finally:
        container.close()


def spread_frames(
    path: str | os.PathLike[str], info: VideoInfo | None = None, count: int = 12
) -> Iterator[Frame]:
    """A few frames spread over the recording, decoded cheaply (one seek and one frame each).

    The frame taken for each of ``count`` evenly spaced times is the key frame at or before
    it, so sparse key frames give fewer frames (repeats are skipped). For checks that need a
    look at the picture but no tracking (how many faces, how dark).

    Args:
        path: The video file.
        info: Its VideoInfo from probe().
        count: How many times to look at (fewer frames when key frames are sparse).

    Yields:
        Frame objects in time order; ``index`` numbers them.

    """
    info = info or probe(path)
    duration = info.duration_s if math.isfinite(info.duration_s) else 0.0
    targets = [duration * (k + 0.5) / count for k in range(count)] if duration else [0.0]
    container = _open(Path(path))
    try:
        stream = container.streams.video[0]
        seen: set[float] = set()
        index = 0
        for target in targets:
            _seek(container, stream, info.start_s + target)
            frame = next(iter(_Decoded(container, stream)), None)
            if frame is None or frame.time is None:
                continue
            time_s = float(frame.time) - info.start_s
            if time_s in seen:
                continue
            seen.add(time_s)
            image = _image(frame, info.rotation, None)
            if image is not None:
                yield Frame(index=index, time_s=time_s, image=image)
                index += 1
    finally:
        container.close()


def keyframe_times(
    path: str | os.PathLike[str], info: VideoInfo | None = None
) -> NDArray[np.float64]:
    """Times of the key frames (seconds, relative as ``frames`` gives them), from the packets.

    Reading packets without decoding them is fast (20 ms for a 2-minute 720p MP4). Decoding
    can start only at a key frame, so a reader that starts elsewhere decodes frames it then
    throws away. Empty if the container gives no key-frame marks or cannot be read.
    """
    info = info or probe(path)
    times: list[float] = []
    try:
        container = _open(Path(path))
    except InputError:
        return np.zeros(0)
    try:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if packet.is_keyframe and packet.pts is not None and packet.time_base is not None:
                times.append(float(packet.pts * packet.time_base) - info.start_s)
    except (*_DECODE_ERRORS, OSError):
        pass
    finally:
        container.close()
    found: NDArray[np.float64] = np.unique(np.asarray(times, dtype=float))
    return found


#: Bytes hashed at each end of a file for its fingerprint.
FINGERPRINT_BYTES = 1 << 20


@dataclass(frozen=True)
class RecordingId:
    """Which file an analysis is of: where it was, and what it held.

    Attributes:
        path: Absolute path of the recording when it was analysed.
        size_bytes: Its size.
        fingerprint: ``fingerprint(path)``: tells it apart from another file at that path.

    """

    path: str
    size_bytes: int
    fingerprint: str

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> RecordingId:
        """Identify the file at ``path`` (reads 2 MB of it).

        Raises:
            OSError: It cannot be read.

        """
        p = Path(path)
        return cls(str(p.resolve()), p.stat().st_size, fingerprint(p))

    def matches(self, path: str | os.PathLike[str]) -> bool:
        """Whether the file at ``path`` is this recording (same size and fingerprint)."""
        try:
            p = Path(path)
            return p.stat().st_size == self.size_bytes and fingerprint(p) == self.fingerprint
        except OSError:
            return False

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"path": self.path, "size_bytes": self.size_bytes, "fingerprint": self.fingerprint}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordingId:
        """Inverse of ``to_dict`` (``data`` as parsed from JSON, checked by storing.store)."""
        return cls(str(data["path"]), int(data["size_bytes"] or 0), str(data["fingerprint"]))


def fingerprint(path: str | os.PathLike[str]) -> str:
    """A short content fingerprint that tells two recordings apart without reading them whole.

    SHA-256 of the file's size and its first and last ``FINGERPRINT_BYTES``: a different
    recording (even of the same size and length) differs in its headers and its last frames.
    Reading 2 MB takes milliseconds whatever the length of the recording.

    Raises:
        OSError: The file cannot be read.

    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        digest.update(size.to_bytes(8, "little"))
        digest.update(f.read(FINGERPRINT_BYTES))
        if size > FINGERPRINT_BYTES:
            f.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
            digest.update(f.read(FINGERPRINT_BYTES))
    return "sha256:" + digest.hexdigest()[:32]


#: A gap between two frames longer than this many typical frame steps (and than
#: MIN_JUMP_S) means the timestamps jump (a damaged index, or a recorder that stalled).
JUMP_STEPS = 20
MIN_JUMP_S = 1.0


def timing_problem(time_s: NDArray[np.float64]) -> str | None:
    """A plain sentence if the frames' times jump (a long gap with no frame), else None.

    Args:
        time_s: (T,) times of every decoded frame, increasing.

    """
    if len(time_s) < 3:
        return None
    time_s = np.asarray(time_s, dtype=float)
    steps = np.diff(time_s)
    limit = max(MIN_JUMP_S, JUMP_STEPS * float(np.median(steps)))
    jumps = np.flatnonzero(steps > limit)
    if not len(jumps):
        return None
    k = int(jumps[np.argmax(steps[jumps])])
    more = f" ({len(jumps)} such gaps)" if len(jumps) > 1 else ""
    return (
        f"The recording's timing looks wrong: the frames' times jump by {steps[k]:.1f} s "
        f"after {time_s[k]:.1f} s{more} (a damaged file, or the recorder paused). Times in "
        "the results are as the file states them; check that it plays as you expect."
    )


def ended_early(info: VideoInfo, time_s: NDArray[np.float64]) -> str | None:
    """A plain sentence if decoding stopped well before the end the container states.

    Args:
        info: The recording's VideoInfo.
        time_s: Times of every decoded frame (relative, as ``frames`` gives them).

    Returns:
        The message, or None when the recording decoded to its end (or its length is unknown).

    """
    if not math.isfinite(info.duration_s):
        return None
    step = 1.0 / info.fps if math.isfinite(info.fps) and info.fps > 0 else 0.0
    decoded_s = float(time_s[-1]) + step if len(time_s) else 0.0
    if decoded_s >= info.duration_s - max(EARLY_END_TOLERANCE_S, 3 * step):
        return None
    return (
        f"The recording ends early: frames decode up to {decoded_s:.1f} s of the "
        f"{info.duration_s:.1f} s the file states (cut off, or damaged from there on). "
        "Only that part was analysed."
    )


def _image(
    frame: av.VideoFrame, rotation: int, max_side: int | None, pixels: str = "bgr24"
) -> NDArray[np.uint8] | None:
    """The frame as an upright ``pixels`` array (None if the decoder gave an unusable frame)."""
    try:
        w, h = frame.width, frame.height
        if max_side is not None and max(w, h) > max_side:
            scale = max_side / max(w, h)
            size = {"width": max(2, round(w * scale)), "height": max(2, round(h * scale))}
            image = frame.reformat(**size, format=pixels, interpolation="AREA").to_ndarray()
        else:
            image = frame.to_ndarray(format=pixels)
    except _DECODE_ERRORS:
        return None
    # bgr24 and rgb24 give uint8 (PyAV's types give the union over every pixel format).
    pixels_u8 = cast("NDArray[np.uint8]", image)
    # FFmpeg pads each row to its alignment (360 px of RGB is 1080 bytes, stored in 1104):
    # such an array is a strided view, and MediaPipe (and OpenCV in places) need one block.
    return np.ascontiguousarray(upright(pixels_u8, rotation))


def _seek(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, time_s: float
) -> None:
    """Seek to the last keyframe at or before ``time_s`` (container clock); stay put on failure."""
    try:
        if stream.time_base is None:
            raise TypeError("the stream has no time base")
        # Rounded, so that seeking to a key frame's own time lands on it, not the one before.
        container.seek(round(time_s / stream.time_base), stream=stream, backward=True)
    except (*_DECODE_ERRORS, ZeroDivisionError, TypeError):
        try:
            container.seek(0)
        except _DECODE_ERRORS:
            pass
