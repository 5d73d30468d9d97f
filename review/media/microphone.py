"""The microphone for ``review record``: a live one, or a video file's sound standing in.

Both deliver blocks of mono float32 samples (-1..1), each stamped with the clock it arrived
at, on the clock the camera's frames are stamped with (review.media.soundclock places them):

- ``LiveMicrophone``: the system's default input device (or the one chosen by name or number
  from ``microphone_names``) through miniaudio (its C library
  is compiled into the wheel on Linux, macOS and Windows; on Linux it uses the desktop's own
  PulseAudio/PipeWire or ALSA client library). Blocks of 20 ms arrive on miniaudio's thread
  and are stamped with ``time.monotonic()``, as the camera's frames are.
- ``FileMicrophone``: the sound track of the video file standing in for the camera, stamped
  with its container times relative to the file's first video frame (as OpenCV and
  review.media.video count the frames' times), read at its own pace like a live microphone.

Opening raises ``MicrophoneError`` with a one-line reason; the recorder then records the
video only and says so.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Generator, Sequence
from typing import Any, Callable, Protocol

import numpy as np
from numpy.typing import NDArray

from review.errors import InputError, ReviewError

#: Samples per second asked of a live microphone (every sound card and AAC support it).
LIVE_RATE = 48000
#: Length of a live microphone's blocks, milliseconds.
BLOCK_MS = 20
#: How long a live microphone may take to deliver its first block.
FIRST_BLOCK_TIMEOUT_S = 2.0

Block = tuple[NDArray[np.float32], float]


class MicrophoneError(ReviewError):
    """No microphone could be opened, or it sent nothing; the video is recorded without it."""


class Microphone(Protocol):
    """What the recorder uses of a microphone."""

    rate: int
    live: bool

    def start(self) -> None:
        """Start delivering blocks."""

    def take(self) -> list[Block]:
        """The blocks that arrived since the last call, in order (never waits)."""

    def wait_first(self, timeout_s: float) -> bool:
        """Wait until a first block has arrived; False if none came in time."""

    def close(self) -> None:
        """Stop; blocks already delivered can still be taken."""


class _Queued:
    """Blocks handed from the capturing thread to the recorder."""

    rate: int
    live: bool

    def __init__(self) -> None:
        self._blocks: queue.SimpleQueue[Block] = queue.SimpleQueue()
        self._first = threading.Event()

    def _put(self, samples: NDArray[np.float32], clock_s: float) -> None:
        self._blocks.put((samples, clock_s))
        self._first.set()

    def take(self) -> list[Block]:
        out: list[Block] = []
        while True:
            try:
                out.append(self._blocks.get_nowait())
            except queue.Empty:
                return out

    def wait_first(self, timeout_s: float) -> bool:
        return self._first.wait(timeout_s)


#: miniaudio's backends in the order to try them; its "null" backend (which invents
#: silence) is left out, so that no microphone is an error rather than a silent track.
_BACKENDS = (
    "WASAPI",
    "DSOUND",
    "WINMM",
    "COREAUDIO",
    "PULSEAUDIO",
    "ALSA",
    "JACK",
    "SNDIO",
    "AUDIO4",
    "OSS",
)

NO_MICROPHONE = (
    "No microphone could be opened{why}: recording the video without sound. Connect one "
    "(on macOS/Windows allow microphone access for your terminal), or pass --no-audio."
)


def _capture_devices() -> list[dict[str, Any]]:
    """The input devices miniaudio finds (name, id, ...), in its order, on review's backends.

    Raises:
        MicrophoneError: miniaudio is missing or no backend could list devices.

    """
    try:
        import miniaudio
    except ImportError:  # pragma: no cover - a dependency; a broken install
        raise MicrophoneError(NO_MICROPHONE.format(why=" (miniaudio is not installed)")) from None
    from review.landmarks.holistic import quiet_native_stderr

    backends = [getattr(miniaudio.Backend, name) for name in _BACKENDS]
    try:
        with quiet_native_stderr():  # ALSA prints a page of its own on failure
            devices: list[dict[str, Any]] = miniaudio.Devices(backends=backends).get_captures()
    except miniaudio.MiniaudioError as err:
        raise MicrophoneError(NO_MICROPHONE.format(why=f" ({err.args[0]})")) from None
    return devices


def microphone_names() -> list[str]:
    """The names of the input devices, numbered from 0 as ``--microphone`` takes them.

    Raises:
        MicrophoneError: None can be listed (no sound system, or miniaudio missing).

    """
    return [str(d["name"]) for d in _capture_devices()]


def choose_microphone(choice: str, names: Sequence[str]) -> int:
    """The position in ``names`` of the microphone ``choice`` names.

    ``choice`` is its number in the list (as ``review record --list-microphones`` prints it)
    or a part of its name, in any case ("usb" for "USB Audio Device"); a part that fits
    several names, or none, is refused with the list.

    Raises:
        InputError: No microphone, or more than one, fits ``choice``.

    """
    listed = "; ".join(f"{i}: {name}" for i, name in enumerate(names)) or "none found"
    wanted = choice.strip()
    if wanted.isdigit():
        if int(wanted) < len(names):
            return int(wanted)
        raise InputError(f"there is no microphone {wanted}; the microphones are {listed}.")
    fits = [i for i, name in enumerate(names) if wanted.casefold() in name.casefold()]
    exact = [i for i in fits if names[i].casefold() == wanted.casefold()]
    if len(exact) == 1:
        return exact[0]
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise InputError(f"no microphone is called {choice!r}; the microphones are {listed}.")
    raise InputError(
        f"{choice!r} fits {len(fits)} microphones ({'; '.join(names[i] for i in fits)}): "
        "give more of the name, or its number from review record --list-microphones."
    )


class LiveMicrophone(_Queued):
    """An input device (the default one unless chosen), through miniaudio."""

    live = True

    def __init__(
        self,
        rate: int = LIVE_RATE,
        clock: Callable[[], float] = time.monotonic,
        device: str | None = None,
    ) -> None:
        """Open the microphone (nothing is recorded before ``start``).

        Args:
            rate: Samples per second.
            clock: The clock blocks are stamped with (the camera's).
            device: Its number or a part of its name (``choose_microphone``); None: the
                system's default input.

        Raises:
            MicrophoneError: miniaudio is missing, or the input device could not be opened.
            InputError: ``device`` names no microphone, or several.

        """
        super().__init__()
        self.rate = rate
        self._clock = clock
        try:
            import miniaudio
        except ImportError:  # pragma: no cover - a dependency; a broken install
            why = " (miniaudio is not installed)"
            raise MicrophoneError(NO_MICROPHONE.format(why=why)) from None
        from review.landmarks.holistic import quiet_native_stderr

        device_id = None
        self.name: str | None = None
        if device is not None:
            devices = _capture_devices()
            chosen = devices[choose_microphone(device, [str(d["name"]) for d in devices])]
            device_id, self.name = chosen["id"], str(chosen["name"])
        backends = [getattr(miniaudio.Backend, name) for name in _BACKENDS]
        try:
            with quiet_native_stderr():  # ALSA prints a page of its own on failure
                self._device = miniaudio.CaptureDevice(
                    input_format=miniaudio.SampleFormat.FLOAT32,
                    nchannels=1,
                    sample_rate=rate,
                    buffersize_msec=BLOCK_MS,
                    device_id=device_id,
                    backends=backends,
                    app_name="review",
                )
        except miniaudio.MiniaudioError as err:
            raise MicrophoneError(NO_MICROPHONE.format(why=f" ({err.args[0]})")) from None
        self.backend = str(self._device.backend)

    _device: Any

    def _receiver(self) -> Generator[None, bytearray, None]:
        """The callback miniaudio sends each block's bytes to (a generator)."""
        while True:
            data = yield
            self._put(np.frombuffer(data, dtype=np.float32).copy(), self._clock())

    def start(self) -> None:
        """Start capturing."""
        receiver = self._receiver()
        next(receiver)
        self._device.start(receiver)

    def close(self) -> None:
        """Stop capturing and free the device (again: nothing)."""
        if self._device is not None:
            self._device.close()
            self._device = None


class FileMicrophone(_Queued):
    """The sound track of a video file, delivered like a live microphone's blocks."""

    live = False

    def __init__(self, path: str | os.PathLike[str], pace: bool = True) -> None:
        """Open the file's first sound track.

        Args:
            path: The video file standing in for the camera.
            pace: Deliver at the file's own speed (False: as fast as it decodes).

        Raises:
            MicrophoneError: The file has no sound track, or it cannot be read.

        """
        import av

        from review.media.video import probe

        super().__init__()
        self.path = os.fspath(path)
        self._pace = pace
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        try:
            with av.open(self.path) as container:
                if not container.streams.audio:
                    raise MicrophoneError(
                        f"{self.path} has no sound track: recording its video without sound."
                    )
                self.rate = int(container.streams.audio[0].rate)
        except av.error.FFmpegError as err:
            raise MicrophoneError(f"{self.path}: its sound cannot be read ({err}).") from None
        self._origin_s = probe(self.path).start_s
        self.error: BaseException | None = None

    def start(self) -> None:
        """Start reading the track on a thread of its own."""
        self._thread = threading.Thread(target=self._run, name="review-file-mic", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import av

        started = time.monotonic()
        try:
            with av.open(self.path) as container:
                stream = container.streams.audio[0]
                resampler = av.AudioResampler(format="flt", layout="mono", rate=self.rate)
                for frame in container.decode(stream):
                    if self._stop.is_set() or frame.time is None:
                        return
                    t = float(frame.time) - self._origin_s
                    samples = np.concatenate(
                        [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
                        or [np.zeros(0, np.float32)]
                    ).astype(np.float32)
                    arrival = t + len(samples) / self.rate
                    if self._pace:
                        delay = started + arrival - time.monotonic()
                        if delay > 0 and self._stop.wait(delay):
                            return
                    self._put(samples, arrival)
        except av.error.FFmpegError as err:  # a damaged track: the sound ends there
            self.error = err

    def close(self) -> None:
        """Stop reading.

        Read at full speed (``pace=False``), the track is first read to its end, as its
        picture is: otherwise a busy machine could stop the sound before it reached the
        picture's end (a click at 1 s went missing from a 2 s recording in a loaded test run).
        """
        if not self._pace and self._thread is not None:
            self._thread.join()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def open_microphone(
    source: int | str, live: bool, pace: bool = True, device: str | None = None
) -> Microphone:
    """The microphone to record with the camera ``source``.

    Args:
        source: The camera (index, device, URL) or the video file standing in for it.
        live: True for a camera (then the microphone ``device``), False for a file (its track).
        pace: For a file: deliver at its own speed.
        device: For a camera: the microphone's number or a part of its name (None: the
            system's default input).

    Raises:
        MicrophoneError: None could be opened (the reason in one line).
        InputError: ``device`` names no microphone, or several.

    """
    if live:
        return LiveMicrophone(device=device)
    return FileMicrophone(str(source), pace=pace)
