"""The one H.264 writer: each frame at its own time (variable frame rate), atomically.

Used for recordings from the webcam and for the annotated video.

Webcams often deliver fewer frames than they claim, and unevenly. A writer that assumes a
fixed rate (``cv2.VideoWriter``) stretches or squeezes time; this one gives every frame the
presentation time it was captured at, in milliseconds, so the file plays back (and is
analysed) at the speed it happened. H.264 (libx264) in yuv420p, without B-frames, so that
packets leave the encoder in presentation order and each frame's duration is exactly the
gap to the next one. An odd frame size is padded with one black row or column (yuv420p needs
even sizes), so every pixel keeps its place.

Sound goes in beside the picture either as another file's packets copied unchanged
(``mux_audio``, for the annotated video) or as samples encoded to AAC (``write_sound``, for
recordings): each piece at its own sample index on the video's clock, so a track that starts
after the first frame starts that much later (the MP4 muxer writes an edit list for it, and
another for the AAC encoder's priming samples, so players start the sound on time).

The file is written beside the target under a hidden temporary name and moved into place by
``close()``; ``abort()`` (or an exception inside ``with``) removes it, so the target is
never half-written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from review.errors import InputError, ReviewError
from review.media import atomic

#: Container format by file extension.
FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
#: Presentation times are counted in milliseconds.
TIME_BASE = Fraction(1, 1000)
#: libx264 settings: fast enough for 1080p in real time on a laptop, visually clean.
X264_OPTIONS = {"preset": "veryfast", "crf": "20", "bf": "0"}
#: AAC bit rate for a mono voice track (transparent for speech).
SOUND_BIT_RATE = 96_000


def next_pts(time_s: float, previous_pts: int | None, time_base: Fraction = TIME_BASE) -> int:
    """The presentation time, in units of ``time_base``, for a frame captured at ``time_s``.

    Rounded to the unit (a millisecond by default) and kept strictly after the previous
    frame's, so two frames stamped within the same unit (or a clock that stepped back) stay
    in order.

    Args:
        time_s: Capture time in seconds since the first frame.
        previous_pts: The previous frame's presentation time, or None for the first frame.
        time_base: The unit of presentation times, seconds.

    Returns:
        Presentation time in units of ``time_base``.

    """
    pts = int(round(max(0.0, float(time_s)) / time_base))
    if previous_pts is not None and pts <= previous_pts:
        pts = previous_pts + 1
    return pts


def even_pad(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Add a black last row or column where a side is odd, as yuv420p requires."""
    h, w = image.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return image
    return np.pad(image, ((0, h % 2), (0, w % 2), (0, 0)))


def check_target(path: str | os.PathLike[str]) -> Path:
    """Check that a recording can be written at ``path`` before the camera starts.

    Raises:
        InputError: Unknown extension, the path is a folder, or its folder is missing or
            not writable.

    """
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(
            f"{path}: unknown recording format {path.suffix or '(no extension)'!r}. "
            "Give a name ending in .mp4 (or .mov, .mkv)."
        )
    if path.is_dir():
        raise InputError(
            f"{path}: is a folder. Give a file name for the recording, e.g. -o answer.mp4"
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder. Create it first or choose another -o.")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{folder}: cannot write there (permission denied). Choose another -o.")
    return path


class TimedVideoWriter:
    """H.264 writer taking BGR frames with their capture times (seconds since the first).

    Use as a context manager: leaving the block normally finishes the file and moves it into
    place; leaving it with an exception removes the temporary file.

    Example:
        >>> with TimedVideoWriter("answer.mp4", nominal_fps=30) as w:  # doctest: +SKIP
        ...     w.write(image, 0.0)
        ...     w.write(image2, 0.041)

    Attributes:
        path: The target file.
        frames: Frames written so far.

    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        nominal_fps: float = 30.0,
        time_base: Fraction = TIME_BASE,
        audio: av.audio.stream.AudioStream | None = None,
        sound_rate: int | None = None,
    ) -> None:
        """Prepare to write ``path`` (nothing is created until the first frame).

        Args:
            path: Target file; its extension picks the container (see FORMATS).
            nominal_fps: The rate the source claims; only a hint for players, every frame
                keeps its own timestamp.
            time_base: Unit of the presentation times written (a millisecond by default;
                1/90000 s keeps another file's container times, as MPEG counts them).
            audio: An audio stream of another file whose packets will be copied unchanged
                (``mux_audio``); None: no sound.
            sound_rate: Samples per second of a mono track encoded to AAC from samples
                (``write_sound``); None: none.

        """
        self.path = check_target(path)
        self.frames = 0
        self._fps = nominal_fps if nominal_fps and nominal_fps == nominal_fps else 30.0
        self._time_base = time_base
        self._audio_template = audio
        self._audio: av.audio.stream.AudioStream | None = None
        self._sound_rate = sound_rate
        self._sound: av.audio.stream.AudioStream | None = None
        self._sound_next: int | None = None
        #: Sound samples encoded so far.
        self.sound_samples = 0
        self._tmp: Path | None = None
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._size: tuple[int, int] | None = None
        self._pts: list[int] = []
        self._pending: list[av.Packet[av.video.stream.VideoStream]] = []
        self.metadata: dict[str, str] = {}

    def __enter__(self) -> TimedVideoWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    @property
    def last_time_s(self) -> float:
        """Presentation time of the last frame written, seconds (NaN before any)."""
        return float(self._pts[-1] * self._time_base) if self._pts else float("nan")

    def _open(self, width: int, height: int) -> None:
        self._tmp = atomic.temporary_beside(self.path)
        tmp = os.fspath(self._tmp)
        fmt = FORMATS[self.path.suffix.lower()]
        # The index at the front, so a browser (the HTML report) can play it while loading.
        options = {"movflags": "+faststart"} if fmt in ("mp4", "mov") else {}
        self._container = av.open(tmp, mode="w", format=fmt, options=options)
        for key, value in self.metadata.items():
            self._container.metadata[key] = value
        rate = Fraction(self._fps).limit_denominator(1001)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.time_base = self._time_base
        stream.codec_context.time_base = self._time_base
        stream.options = dict(X264_OPTIONS)
        self._stream = stream
        self._size = (width, height)
        if self._audio_template is not None:
            self._audio = self._container.add_stream_from_template(self._audio_template)
        if self._sound_rate is not None:
            sound = self._container.add_stream("aac", rate=self._sound_rate)
            sound.layout = "mono"
            sound.bit_rate = SOUND_BIT_RATE
            sound.time_base = Fraction(1, self._sound_rate)
            self._sound = sound

    @property
    def opened(self) -> bool:
        """Whether the first frame has been written (the file is open)."""
        return self._container is not None

    def write_sound(self, samples: NDArray[np.float32], start: int) -> None:
        """Encode mono samples at track index ``start`` (``start / sound_rate`` s after frame 0).

        Pieces must follow each other without gaps or overlaps (the first may start late);
        call only after the first frame.

        Args:
            samples: (n,) float32, -1..1.
            start: Index of the first sample on the track.

        """
        if self._container is None or self._sound is None or self._sound_rate is None:
            raise RuntimeError("write_sound needs sound_rate and a first frame")
        if self._sound_next is not None and start != self._sound_next:
            raise ValueError(f"sound piece at {start}, expected {self._sound_next}")
        block = np.ascontiguousarray(np.asarray(samples, dtype=np.float32).reshape(1, -1))
        if block.shape[1] == 0:
            return
        frame = av.AudioFrame.from_ndarray(block, format="flt", layout="mono")
        frame.sample_rate = self._sound_rate
        frame.pts = start
        frame.time_base = Fraction(1, self._sound_rate)
        for packet in self._sound.encode(frame):
            self._container.mux(packet)
        self._sound_next = start + block.shape[1]
        self.sound_samples += block.shape[1]

    def mux_audio(self, packets: Iterable[av.Packet[av.audio.stream.AudioStream]]) -> None:
        """Copy audio packets of the ``audio`` stream given at creation (after a frame)."""
        if self._container is None or self._audio is None:
            raise RuntimeError("mux_audio needs an audio stream and a first frame")
        for packet in packets:
            packet.stream = self._audio
            self._container.mux(packet)

    def write(self, image: NDArray[np.uint8], time_s: float) -> int:
        """Encode one BGR frame captured ``time_s`` seconds after the first.

        Args:
            image: (H, W, 3) uint8 BGR; every frame must have the first frame's size.
            time_s: Capture time; frames must come in capture order.

        Returns:
            The presentation time given to the frame, in units of the time base.

        """
        image = even_pad(image)
        h, w = image.shape[:2]
        if self._container is None:
            self._open(w, h)
        elif (w, h) != self._size:
            raise ReviewError(
                f"the camera changed its picture size during recording ({self._size} -> "
                f"{(w, h)}); record again."
            )
        pts = next_pts(time_s, self._pts[-1] if self._pts else None, self._time_base)
        self._pts.append(pts)
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
        frame.pts = pts
        frame.time_base = self._time_base
        assert self._stream is not None, "opened with the first frame"
        self._mux(self._stream.encode(frame))
        self.frames += 1
        return pts

    def _durations(self, final: bool) -> dict[int, int]:
        """Each frame's duration (gap to the next frame); the last one's at the end only."""
        pts = self._pts
        out = {a: b - a for a, b in zip(pts, pts[1:])}
        if final and pts:
            gaps = np.diff(pts)
            out[pts[-1]] = (
                int(np.median(gaps)) if len(gaps) else int(round(1 / (self._fps * self._time_base)))
            )
        return out

    def _mux(
        self, packets: list[av.Packet[av.video.stream.VideoStream]], final: bool = False
    ) -> None:
        """Mux packets in order once their durations are known (the next frame has come)."""
        container = self._container
        assert container is not None, "muxing before the first frame opened the file"
        self._pending.extend(packets)
        durations = self._durations(final)
        while self._pending:
            packet = self._pending[0]
            if packet.pts is not None:
                if packet.pts not in durations:
                    break
                packet.duration = durations[packet.pts]
            container.mux(self._pending.pop(0))

    def close(self) -> Path | None:
        """Finish the file and move it into place.

        Returns:
            The target path, or None if no frame was written (then no file is left).

        """
        if self._container is None:
            return None
        try:
            assert self._stream is not None and self._tmp is not None, "opened with the container"
            self._mux(self._stream.encode(None), final=True)
            if self._sound is not None:
                for packet in self._sound.encode(None):
                    self._container.mux(packet)
            self._container.close()
            self._container = None
            os.replace(self._tmp, self.path)
        except BaseException as err:
            self.abort()
            if isinstance(err, (OSError, av.error.FFmpegError)):
                raise ReviewError(f"{self.path}: could not finish the recording ({err}).") from None
            raise
        self._tmp = None
        return self.path

    def abort(self) -> None:
        """Stop writing and remove the temporary file; the target is left as it was."""
        if self._container is not None:
            try:
                self._container.close()
            except Exception:  # noqa: BLE001 - the file is being thrown away anyway
                pass
            self._container = None
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None
