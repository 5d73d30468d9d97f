"""Recording a practice answer from a webcam (or any source OpenCV opens) to a timed video file.

The camera is read with ``cv2.VideoCapture`` on the main thread, which also shows the preview
window (OpenCV's windows must live there); frames go through a small queue to a writer thread
that encodes them with their real capture times (review.media.writer), so a slow encoder never
delays the capture clock. A video file can stand in for the camera: it is read at its own
pace with its own timestamps, as a live camera would deliver it.

The microphone (review.media.microphone: the default input device, or the sound track of the video
file standing in for the camera) is started before the countdown; its blocks, stamped with
the clock the frames are stamped with, are placed on the video's clock (review.media.soundclock)
and encoded to AAC by the same writer thread, never further than the picture has come, so
the sound and the picture of the file line up and end together. With no microphone the
video is recorded without sound, and the recorder says so.

Stopping: the asked time passes, the user presses q or Esc in the preview (or closes it),
Ctrl-C (SIGINT) in the terminal, or the source stops sending frames. In every case the frames
so far are finished into a playable file; stopping before the first frame leaves no file.
"""

from __future__ import annotations

import math
import os
import queue
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Protocol

import numpy as np
from numpy.typing import NDArray

from review.errors import InputError, ReviewError
from review.landmarks.holistic import quiet_native_stderr
from review.media.microphone import (
    FIRST_BLOCK_TIMEOUT_S,
    Microphone,
    MicrophoneError,
    choose_microphone,
    microphone_names,
    open_microphone,
)
from review.media.soundclock import Piece, SoundPlacer, split_at
from review.media.video import RECORDED_BY
from review.media.writer import TimedVideoWriter, check_target
from review.presenting.timefmt import mmss

DEFAULT_SECONDS = 120.0
DEFAULT_COUNTDOWN = 3
DEFAULT_QUESTION = "Tell me about yourself."
#: How long a camera may take to deliver its first frame, or to deliver again after a gap.
NO_FRAME_TIMEOUT_S = 5.0
#: Frames waiting for the encoder; a live camera drops frames beyond this (a file waits).
QUEUE_FRAMES = 32
#: cv2.utils.logging.LOG_LEVEL_SILENT (not exposed under that name by every cv2 build).
LOG_LEVEL_SILENT = 0
WINDOW = "review - recording (q or Esc to stop)"

#: ``report(text, transient)``: a status line; transient ones (countdown, time left) may be
#: shown in place and skipped where they cannot be (a log file).
Reporter = Callable[[str, bool], None]


class CameraError(ReviewError):
    """The camera could not be opened or sent no frames (none, busy, or access refused)."""

    exit_code = 1


class RecordingCancelled(ReviewError):
    """Stopped before the first frame was recorded; nothing was written."""

    exit_code = 130


@dataclass(frozen=True)
class Recording:
    """What was recorded.

    Attributes:
        path: The finished video file.
        frames: Frames written.
        duration_s: Playing time of the file, seconds (last frame's time plus its duration).
        fps: Frame rate measured from the capture times (frames per second).
        claimed_fps: The rate the source claims (NaN when it does not say).
        stopped_by: ``"time"`` (the asked seconds passed), ``"user"`` (q, Esc, closed
            preview, Ctrl-C) or ``"source"`` (the camera stopped sending, the file ended).
        dropped: Frames a live camera delivered faster than they could be encoded.
        sound: Whether the file has sound (False: not asked, or no microphone).
        sound_fixed_s: Seconds of silence put in for microphone samples that were lost, plus
            seconds dropped for a microphone running fast (review.media.soundclock).

    """

    path: Path
    frames: int
    duration_s: float
    fps: float
    claimed_fps: float
    stopped_by: str
    dropped: int = 0
    sound: bool = False
    sound_fixed_s: float = 0.0


# --- pure helpers ---------------------------------------------------------------------------


def dated_name(
    folder: str | os.PathLike[str] = ".", now: datetime | None = None, stem: str = "answer"
) -> Path:
    """A new recording's default name, by date and time: ``answer-2026-12-02-0930.mp4``.

    A name already taken (two recordings in one minute) gets ``-2``, ``-3``... so that no
    earlier recording is ever replaced by default. ``stem``: "calibration" for a
    calibration clip.
    """
    stamp = (now or datetime.now()).strftime("%Y-%m-%d-%H%M")
    base = Path(folder) / f"{stem}-{stamp}.mp4"
    candidate, n = base, 2
    while candidate.exists() or candidate.with_name(candidate.stem + "_review").exists():
        candidate = base.with_name(f"{base.stem}-{n}.mp4")
        n += 1
    return candidate


def parse_camera(value: str | int) -> int | str:
    """Turn a ``--camera`` argument into what ``cv2.VideoCapture`` opens.

    Args:
        value: A camera index (``"0"``), a video file or device path, or a stream URL.

    Returns:
        The index as an int, or the path/URL as a string.

    Raises:
        InputError: An empty or negative value, or a path that does not exist or is a folder.

    """
    text = str(value).strip()
    if not text:
        raise InputError("--camera is empty. Give a camera index (0, 1, ...) or a video file.")
    if text.lstrip("+-").isdigit():
        index = int(text)
        if index < 0:
            raise InputError(f"--camera {text}: a camera index is 0 or more (0 = default webcam).")
        return index
    if "://" in text:
        return text
    path = Path(text).expanduser()
    if not path.exists():
        raise InputError(
            f"--camera {text}: no such file or device. Give a camera index (0, 1, ...), "
            "a video file or a stream URL."
        )
    if path.is_dir():
        raise InputError(f"--camera {text}: is a folder. Give a camera index or a video file.")
    return str(path)


def is_live(source: int | str) -> bool:
    """True for a camera (index, device, stream URL); False for a video file standing in."""
    if isinstance(source, int):
        return True
    return "://" in source or source.startswith("/dev/")


def preview_possible(platform: str, environ: Mapping[str, str]) -> tuple[bool, str]:
    """Whether a preview window can be opened, and why not.

    OpenCV's window toolkit (Qt with the X11 plugin in the opencv wheels) needs an X display
    on Linux; under Wayland the desktop's XWayland sets DISPLAY.

    Args:
        platform: ``sys.platform``.
        environ: The environment variables.

    Returns:
        ``(True, "")`` or ``(False, reason)``.

    """
    if platform.startswith("linux") or "bsd" in platform:
        if environ.get("DISPLAY"):
            return True, ""
        if environ.get("WAYLAND_DISPLAY"):
            return False, "OpenCV's preview window needs X11 or XWayland (DISPLAY is not set)"
        return False, "no display found"
    return True, ""


def time_left_text(elapsed_s: float, total_s: float) -> str:
    """``"1:23 left"``: the time left, rounded up to whole seconds."""
    return f"{mmss(math.ceil(max(0.0, total_s - elapsed_s) - 1e-9))} left"


def countdown_steps(seconds: int) -> list[int]:
    """The numbers shown before recording starts: ``[3, 2, 1]`` for 3, ``[]`` for 0."""
    return list(range(int(seconds), 0, -1))


def file_time_s(pos_msec: float) -> float:
    """A frame's time in a file source from ``CAP_PROP_POS_MSEC`` (ms), in seconds.

    OpenCV reports the first frame of some files (B-frames, edit lists) slightly before zero;
    times are clamped at zero, the recorder then counts from the first recorded frame.
    """
    if not math.isfinite(pos_msec):
        return 0.0
    return max(0.0, pos_msec) / 1000.0


def measured_fps(times_s: list[float] | NDArray[np.float64]) -> float:
    """Frames per second from capture times (NaN with fewer than two frames)."""
    t = np.asarray(times_s, dtype=float)
    if len(t) < 2 or t[-1] <= t[0]:
        return float("nan")
    return (len(t) - 1) / float(t[-1] - t[0])


def playing_time_s(times_s: list[float] | NDArray[np.float64]) -> float:
    """A recording's playing time: the last frame's time plus a typical frame gap."""
    t = np.asarray(times_s, dtype=float)
    if len(t) == 0:
        return 0.0
    gap = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    return float(t[-1] - t[0]) + gap


def ascii_text(text: str) -> str:
    """Text OpenCV's Hershey fonts can draw: accents dropped, typographic quotes made plain."""
    text = text.translate(str.maketrans("\u2018\u2019\u201c\u201d\u2013\u2014\u2026", "''\"\"--."))
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def wrap(text: str, max_chars: int) -> list[str]:
    """Split text into lines of at most ``max_chars`` characters at spaces (long words cut)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > max_chars:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:max_chars])
            word = word[max_chars:]
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= max_chars:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def draw_preview(
    image: NDArray[np.uint8], question: str, status: str, big: str | None = None
) -> NDArray[np.uint8]:
    """The preview picture: the frame mirrored (as in a mirror), the question, the status.

    Args:
        image: BGR frame as captured (not modified).
        question: Shown at the top, wrapped; empty for none.
        status: Shown at the bottom (e.g. ``"REC  1:23 left   q / Esc: stop"``).
        big: Large text in the middle (the countdown number), or None.

    Returns:
        A new BGR image of the same size.

    """
    import cv2

    out = np.ascontiguousarray(image[:, ::-1])
    h, w = out.shape[:2]
    scale = max(0.4, w / 1100)
    thick = max(1, round(scale * 2))
    font = cv2.FONT_HERSHEY_SIMPLEX
    line_h = int(32 * scale) + 6

    def band(y0: int, y1: int) -> None:
        region = out[max(0, y0) : min(h, y1)]
        region[:] = (region * 0.45).astype(np.uint8)

    question = ascii_text(question).strip()
    if question:
        char_w = cv2.getTextSize("M", font, scale, thick)[0][0] * 0.8
        lines = wrap(question, max(10, int((w - 20) / max(char_w, 1))))[:3]
        band(0, line_h * len(lines) + 12)
        for i, line in enumerate(lines):
            y = 6 + line_h * (i + 1) - 8
            cv2.putText(out, line, (10, y), font, scale, (255, 255, 255), thick, cv2.LINE_AA)
    if status:
        band(h - line_h - 10, h)
        if status.startswith("REC"):  # a red dot while recording
            center = (10 + line_h // 3, h - 10 - line_h // 3)
            cv2.circle(out, center, line_h // 4, (0, 0, 230), -1)
        org = (10 + line_h, h - 14)
        cv2.putText(out, ascii_text(status), org, font, scale, (255, 255, 255), thick, cv2.LINE_AA)
    if big:
        big_scale = scale * 6
        (tw, th), _ = cv2.getTextSize(big, font, big_scale, thick * 4)
        org = ((w - tw) // 2, (h + th) // 2)
        cv2.putText(out, big, org, font, big_scale, (0, 0, 0), thick * 8, cv2.LINE_AA)
        cv2.putText(out, big, org, font, big_scale, (255, 255, 255), thick * 4, cv2.LINE_AA)
    return out


# --- the camera -----------------------------------------------------------------------------


@contextmanager
def quiet_opencv() -> Iterator[None]:
    """Keep OpenCV's own warnings (e.g. "can't open camera by index") off the terminal."""
    import cv2

    previous = cv2.getLogLevel()
    cv2.setLogLevel(LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        cv2.setLogLevel(previous)


def _describe(source: int | str) -> str:
    return f"camera {source}" if isinstance(source, int) else str(source)


class Capture(Protocol):
    """What a Camera uses of its capture (``cv2.VideoCapture``, or a stand-in in tests)."""

    def read(self) -> tuple[bool, NDArray[np.uint8] | None]:
        """(True, the next BGR frame), or (False, None or anything) when there is none."""

    def get(self, prop: int) -> float:
        """A property (``cv2.CAP_PROP_*``)."""

    def release(self) -> None:
        """Free the device or file."""


class Camera:
    """A ``cv2.VideoCapture`` that proved it delivers frames, with capture clocks.

    ``read()`` gives ``(image, clock_s)``: for a live camera the monotonic time the frame
    arrived, for a video file the frame's own timestamp. Use ``open_camera`` to make one.

    Attributes:
        source: What was opened (index, path or URL).
        live: False for a video file standing in for a camera.
        size: (width, height) of the first frame.
        claimed_fps: The rate the source claims (NaN when it does not say).

    """

    def __init__(
        self,
        capture: Capture,
        source: int | str,
        live: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Wrap an opened capture (anything with ``read``, ``get`` and ``release``).

        Args:
            capture: The ``cv2.VideoCapture``.
            source: What it was opened from.
            live: True for a camera, False for a video file standing in for one.
            clock: Arrival-time clock of a live camera, seconds.

        """
        self._cap = capture
        self.source = source
        self.live = live
        self._clock = clock
        self.size = (0, 0)
        self.claimed_fps = float("nan")
        self._first: tuple[NDArray[np.uint8], float] | None = None

    def _read_once(self) -> tuple[NDArray[np.uint8], float] | None:
        import cv2

        ok, image = self._cap.read()
        if not ok or image is None:
            return None
        if self.live:
            return image, self._clock()
        return image, file_time_s(self._cap.get(cv2.CAP_PROP_POS_MSEC))

    def read(self) -> tuple[NDArray[np.uint8], float] | None:
        """The next frame and its clock, or None when the source has stopped sending.

        A live camera is given NO_FRAME_TIMEOUT_S to recover from failed reads.
        """
        if self._first is not None:
            first, self._first = self._first, None
            return first
        got = self._read_once()
        if got is not None or not self.live:
            return got
        deadline = time.monotonic() + NO_FRAME_TIMEOUT_S
        while got is None and time.monotonic() < deadline:
            time.sleep(0.02)
            got = self._read_once()
        return got

    def discard_first(self) -> None:
        """Forget the frame read while opening (a live camera's is stale by now)."""
        self._first = None

    def release(self) -> None:
        """Free the camera."""
        self._cap.release()


def open_camera(source: int | str, timeout_s: float = NO_FRAME_TIMEOUT_S) -> Camera:
    """Open a camera (or a video file standing in for one) and wait for its first frame.

    Args:
        source: From parse_camera: an index, a video file or device path, or a stream URL.
        timeout_s: How long to wait for the first frame.

    Returns:
        The Camera, its first frame already read (a file source replays it first).

    Raises:
        CameraError: No camera at that index, it is busy or access is refused, or it sent
            no frame within ``timeout_s``.
        InputError: A video file that OpenCV cannot open or that has no frames.

    """
    import cv2

    live = is_live(source)
    name = _describe(source)
    with quiet_opencv(), quiet_native_stderr():
        cap = cv2.VideoCapture(source)
    if not cap.isOpened():
        cap.release()
        if isinstance(source, int):
            raise CameraError(
                f"no camera could be opened at index {source} (none connected, in use by "
                "another program, or camera access not allowed). Close other apps using the "
                "camera, or try another --camera index."
            )
        if live:
            raise CameraError(f"{name}: could not be opened. Check the device or stream address.")
        raise InputError(f"{name}: not a video OpenCV can open. Give a camera index or a video.")
    camera = Camera(cap, source, live)
    fps = cap.get(cv2.CAP_PROP_FPS)
    camera.claimed_fps = float(fps) if fps and fps > 0 and math.isfinite(fps) else float("nan")

    result: list[tuple[NDArray[np.uint8], float] | None] = [None]

    def first_frame() -> None:
        result[0] = camera.read()

    reader = threading.Thread(target=first_frame, name="review-first-frame", daemon=True)
    with quiet_opencv(), quiet_native_stderr():
        reader.start()
        reader.join(timeout_s + 1.0)
    if reader.is_alive():
        # The capture is stuck inside OpenCV; it cannot be released safely from here.
        raise CameraError(
            f"{name}: opened but sent no picture within {timeout_s:.0f} s (in use by another "
            "program?). Close other apps using the camera and try again."
        )
    if result[0] is None:
        cap.release()
        if live:
            raise CameraError(
                f"{name}: opened but sent no picture within {timeout_s:.0f} s (in use by "
                "another program, or camera access not allowed?). Close other apps using the "
                "camera and try again."
            )
        raise InputError(f"{name}: no video frame could be read. Give another video.")
    camera._first = result[0]
    h, w = result[0][0].shape[:2]
    camera.size = (w, h)
    return camera


# --- preview and stop -----------------------------------------------------------------------


class _Preview:
    """The preview window; ``show`` returns True when the user asks to stop."""

    def __init__(self) -> None:
        import cv2

        self._cv2 = cv2
        self._sized = False
        flags = cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL
        cv2.namedWindow(WINDOW, flags)

    def show(self, picture: NDArray[np.uint8], wait_ms: int = 1) -> bool:
        cv2 = self._cv2
        if not self._sized:  # the camera's own size, at most 1280 pixels wide
            h, w = picture.shape[:2]
            scale = min(1.0, 1280 / w)
            cv2.resizeWindow(WINDOW, int(w * scale), int(h * scale))
            self._sized = True
        cv2.imshow(WINDOW, picture)
        key = cv2.waitKey(max(1, wait_ms)) & 0xFF
        closed = cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1
        return key in (ord("q"), ord("Q"), 27) or closed

    def close(self) -> None:
        try:
            self._cv2.destroyWindow(WINDOW)
            self._cv2.waitKey(1)
        except self._cv2.error:
            pass


def _open_preview(report: Reporter) -> _Preview | None:
    import cv2

    try:
        return _Preview()
    except cv2.error as err:
        reason = str(err).strip().splitlines()[-1]
        report(f"No preview window ({reason}); recording headless.", False)
        return None


@contextmanager
def _stop_on_sigint(stop: threading.Event) -> Iterator[None]:
    """Inside the block, Ctrl-C (SIGINT) sets ``stop`` instead of raising KeyboardInterrupt.

    Left alone outside the main thread (signals go there) and where SIGINT is ignored (a
    background job of a script), as Unix programs do.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    ):
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda _sig, _frame: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Sound:
    """The microphone's blocks on their way to the writer (used on the encoder thread only).

    Pieces are written only as far as the picture has come (``limit``), and cut at the
    video's end when the recording finishes, so sound never runs past the picture.
    """

    def __init__(self, mic: Microphone, writer: TimedVideoWriter) -> None:
        self.mic = mic
        self.writer = writer
        self.placer = SoundPlacer(mic.rate)
        #: The first frame's clock, set by the capture loop (read here: one assignment).
        self.origin: float | None = None
        self._origin_given = False
        self._held: list[Piece] = []
        self.peak = 0.0

    def feed(self, limit_s: float, final: bool = False) -> None:
        if self.origin is not None and not self._origin_given:
            self._origin_given = True
            self._held += self.placer.set_origin(self.origin)
        for samples, clock in self.mic.take():
            self._held += self.placer.add(samples, clock)
        if final:
            self._held += self.placer.finish()
        if not self.writer.opened or not math.isfinite(limit_s):
            return
        ready, self._held = split_at(self._held, int(round(limit_s * self.mic.rate)))
        for piece in ready:
            if len(piece.samples):
                self.peak = max(self.peak, float(np.abs(piece.samples).max()))
            self.writer.write_sound(piece.samples, piece.start)
        if final:
            self._held = []


class _Encoder(threading.Thread):
    """Encodes queued frames (and the sound) on its own thread so capture is taken on time."""

    def __init__(self, writer: TimedVideoWriter, block: bool, sound: _Sound | None = None) -> None:
        super().__init__(name="review-encoder", daemon=True)
        self.writer = writer
        self.block = block
        self.sound = sound
        self.dropped = 0
        self.error: BaseException | None = None
        self.discard = False
        self.end_s = float("nan")
        self._queue: queue.Queue[tuple[NDArray[np.uint8], float] | None] = queue.Queue(
            maxsize=QUEUE_FRAMES
        )

    def put(self, image: NDArray[np.uint8], time_s: float) -> None:
        if self.block:
            self._queue.put((image, time_s))
            return
        try:
            self._queue.put_nowait((image, time_s))
        except queue.Full:
            self.dropped += 1

    def run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=0.05)
            except queue.Empty:  # no new frame: only the sound moves on
                self._work(None, final=False)
                continue
            if item is None:
                self._work(None, final=True)
                return
            self._work(item, final=False)

    def _work(self, item: tuple[NDArray[np.uint8], float] | None, final: bool) -> None:
        """Encode one frame (if any), then the sound that has come as far as the picture."""
        if self.error is not None or self.discard:
            return
        try:
            if item is not None:
                self.writer.write(*item)
            if self.sound is not None:
                self.sound.feed(self.end_s if final else self.writer.last_time_s, final=final)
        except BaseException as err:  # noqa: BLE001 - reported by finish()
            self.error = err

    def drain(self) -> None:
        """Stop without encoding what is queued and without raising (the file is thrown away)."""
        self.discard = True
        self._queue.put(None)
        self.join()

    def finish(self, end_s: float) -> None:
        """Encode what is queued, the sound up to ``end_s``; raise the encoder's error if any."""
        self.end_s = end_s
        self._queue.put(None)
        self.join()
        if self.error is not None:
            if isinstance(self.error, ReviewError):
                raise self.error
            raise ReviewError(
                f"{self.writer.path}: could not write the recording ({self.error})."
            ) from None


# --- recording ------------------------------------------------------------------------------


def _ignore(_text: str, _transient: bool) -> None:
    pass


def record(
    path: str | os.PathLike[str],
    seconds: float = DEFAULT_SECONDS,
    camera: int | str | Camera = 0,
    question: str = DEFAULT_QUESTION,
    preview: bool = True,
    countdown: int = DEFAULT_COUNTDOWN,
    pace: bool = True,
    report: Reporter | None = None,
    sound: bool | Microphone = True,
    microphone: str | None = None,
) -> Recording:
    """Record an answer from a camera to ``path``, with each frame's real capture time.

    Args:
        path: The video file to write (.mp4, .mov or .mkv); replaced only when finished.
        seconds: Stop after this many seconds of recording.
        camera: Camera index, device path, stream URL, or a video file standing in for a
            camera (as a string it is parsed like ``--camera``); or an opened Camera.
        question: Shown in the preview window while recording ("" for none).
        preview: Show a preview window when a display exists (False: never).
        countdown: Seconds of countdown before recording starts.
        pace: Read a file source at its own frame rate, like a live camera (False reads it
            as fast as it decodes; for tests).
        report: ``report(text, transient)`` receives status lines.
        sound: Record sound: True for the default microphone (for a video file standing in
            for the camera, its sound track), False for none, or a Microphone to use. When
            none can be opened one line is reported and the video is recorded without sound.
        microphone: With a live camera and ``sound=True``: the microphone's number or a part
            of its name, as ``review.media.microphone.microphone_names`` lists them (None:
            the system's default input). Checked before the camera is opened.

    Returns:
        The Recording.

    Raises:
        CameraError: The camera could not be opened or sent no frames.
        InputError: Bad ``camera``, ``seconds``, ``path`` or ``microphone``.
        RecordingCancelled: Stopped before the first frame; nothing was written.

    Example:
        >>> from review.usecases.record import record
        >>> rec = record("answer.mp4", seconds=60)  # doctest: +SKIP
        >>> rec.duration_s, rec.fps, rec.sound  # doctest: +SKIP

    """
    report = report or _ignore
    if not seconds > 0:
        raise InputError(f"--seconds {seconds}: give a recording length above 0.")
    target = check_target(path)
    if isinstance(camera, Camera):
        cam, source = camera, camera.source
    else:
        source = parse_camera(camera) if isinstance(camera, str) else camera
        if isinstance(source, int) and source < 0:
            source = parse_camera(str(source))
        if microphone is not None and sound is True and is_live(source):
            check_microphone(microphone)
        cam = open_camera(source)
    mic: Microphone | None = None
    try:
        mic = _start_microphone(sound, cam, pace, report, microphone)
    except BaseException:
        cam.release()
        raise
    stop = threading.Event()
    window: _Preview | None = None
    writer = TimedVideoWriter(
        target, nominal_fps=cam.claimed_fps, sound_rate=mic.rate if mic is not None else None
    )
    if question:
        writer.metadata["title"] = question
    writer.metadata["comment"] = RECORDED_BY
    # When it was recorded, in the container (read back by review.media.video.recording_date).
    writer.metadata["creation_time"] = datetime.now(timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.000000Z"
    )
    feed = _Sound(mic, writer) if mic is not None else None
    encoder: _Encoder | None = None
    try:
        if preview:
            preview, why_not = preview_possible(sys.platform, os.environ)
            if not preview:
                report(f"No preview window ({why_not}); recording headless.", False)
        with quiet_opencv(), _stop_on_sigint(stop):
            if preview:
                window = _open_preview(report)
            _countdown(cam, countdown, question, window, stop, report)
            if stop.is_set():
                raise RecordingCancelled("cancelled before recording started; nothing was written.")
            if cam.live:
                cam.discard_first()
            encoder = _Encoder(writer, block=not cam.live, sound=feed)
            encoder.start()
            stopped_by, times = _capture(
                cam, seconds, question, window, stop, encoder, pace, report
            )
            if mic is not None:
                mic.close()
            encoder.finish(playing_time_s(times))
        if not times:
            writer.abort()
            if stopped_by == "user":
                raise RecordingCancelled("stopped before the first frame; nothing was written.")
            raise CameraError(f"{_describe(source)}: sent no frames; nothing was written.")
        writer.close()
    except BaseException:
        if encoder is not None and encoder.is_alive():
            encoder.drain()
        writer.abort()
        raise
    finally:
        if window is not None:
            window.close()
        if mic is not None:
            mic.close()
        cam.release()
    if feed is not None and writer.sound_samples and feed.peak == 0.0:
        report(
            "note: the microphone sent only silence (muted, or microphone access not allowed "
            "for this terminal).",
            False,
        )
    return Recording(
        path=target,
        frames=len(times),
        duration_s=playing_time_s(times),
        fps=measured_fps(times),
        claimed_fps=cam.claimed_fps,
        stopped_by=stopped_by,
        dropped=encoder.dropped,
        sound=writer.sound_samples > 0,
        sound_fixed_s=feed.placer.inserted_s + feed.placer.dropped_s if feed else 0.0,
    )


def check_microphone(choice: str) -> None:
    """Refuse a ``--microphone`` that names no microphone, or several, before recording.

    When no microphone can be listed at all (no sound system), nothing is refused here: the
    recording then goes ahead without sound and says why, as without a choice.

    Raises:
        InputError: ``choice`` fits no microphone, or several (the list in the message).

    """
    try:
        names = microphone_names()
    except MicrophoneError:
        return
    choose_microphone(choice, names)


def _start_microphone(
    sound: bool | Microphone,
    cam: Camera,
    pace: bool,
    report: Reporter,
    device: str | None = None,
) -> Microphone | None:
    """Open and start the microphone and wait for its first block; None (said) if it cannot."""
    if sound is False:
        return None
    try:
        if sound is True:
            mic = open_microphone(cam.source, cam.live, pace, device=device if cam.live else None)
        else:
            mic = sound
    except MicrophoneError as err:
        report(str(err), False)
        return None
    chosen = getattr(mic, "name", None)
    if chosen:
        report(f"Sound from: {chosen}", False)
    mic.start()
    if not mic.wait_first(FIRST_BLOCK_TIMEOUT_S):
        mic.close()
        report(
            f"the microphone sent no sound within {FIRST_BLOCK_TIMEOUT_S:.0f} s: recording the "
            "video without sound. Check it is not used by another program, or pass --no-audio.",
            False,
        )
        return None
    return mic


def _countdown(
    cam: Camera,
    seconds: int,
    question: str,
    window: _Preview | None,
    stop: threading.Event,
    report: Reporter,
) -> None:
    """Count down before recording; a live camera keeps running (and showing) meanwhile."""
    if question:
        report(f"Question: {question}", False)
    if seconds > 0:
        report(f"Get ready: recording starts in {seconds} s (Ctrl-C to cancel).", False)
    for n in countdown_steps(seconds):
        report(f"{n}...", True)
        end = time.monotonic() + 1.0
        while time.monotonic() < end and not stop.is_set():
            if cam.live:
                got = cam.read()
                if got is None:
                    raise CameraError(f"{_describe(cam.source)}: stopped sending frames.")
                image: NDArray[np.uint8] | None = got[0]
            else:
                image = cam._first[0] if cam._first is not None else None
                time.sleep(0.03)
            if window is not None and image is not None:
                picture = draw_preview(image, question, "Get ready", big=str(n))
                if window.show(picture):
                    stop.set()
        if stop.is_set():
            return


def _capture(
    cam: Camera,
    seconds: float,
    question: str,
    window: _Preview | None,
    stop: threading.Event,
    encoder: _Encoder,
    pace: bool,
    report: Reporter,
) -> tuple[str, list[float]]:
    """The capture loop: read, stamp, queue for encoding, preview, until a stop."""
    hint = "q / Esc: stop" if window is not None else "Ctrl-C to stop"
    report(f"Recording {mmss(seconds)} ({hint})...", False)
    times: list[float] = []
    first_clock: float | None = None
    started = time.monotonic()
    shown_second = -1
    while True:
        if stop.is_set():
            return "user", times
        if encoder.error is not None:
            return "error", times
        got = cam.read()
        if got is None:
            return "source", times
        image, clock = got
        if first_clock is None:
            first_clock = clock
        t = clock - first_clock
        if t >= seconds:
            return "time", times
        if pace and not cam.live:
            delay = started + t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        if encoder.sound is not None and encoder.sound.origin is None:
            encoder.sound.origin = first_clock
        encoder.put(image, t)
        times.append(t)
        left = time_left_text(t, seconds)
        if window is not None:
            if window.show(draw_preview(image, question, f"REC  {left}   q / Esc: stop")):
                stop.set()
        if int(t) != shown_second:
            shown_second = int(t)
            report(f"Recording: {left} ({hint})", True)
