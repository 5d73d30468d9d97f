"""Reading a recording's sound: the first audio track, mono, at the voice detector's rate.

The edge for ``review.detectors.delivery``: a file in, a ``Sound`` (samples and the time of the
first one) out. Times are on the video's clock: the container's presentation time minus the first
video frame's (``VideoInfo.start_s``), exactly as ``review.media.video`` times the frames, so a
sound at 2.0 s is heard with the frame shown at 2.0 s.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from review.media.video import DecodeWarning

#: Samples a second the voice detector takes (Silero VAD: 8000 or 16000).
RATE = 16000


@dataclass(frozen=True)
class Sound:
    """A recording's sound track, mono.

    Attributes:
        samples: (N,) float32 samples in [-1, 1] (the channels averaged).
        rate: Samples a second.
        start_s: Time of the first sample on the video's clock, seconds (negative when the
            sound starts before the first frame).

    """

    samples: NDArray[np.float32]
    rate: int
    start_s: float

    def __post_init__(self) -> None:
        if self.samples.ndim != 1:
            raise ValueError(f"Sound.samples: expected shape (N,), got {self.samples.shape}")
        if self.rate <= 0:
            raise ValueError(f"Sound.rate: expected a positive rate, got {self.rate}")

    @property
    def duration_s(self) -> float:
        """Length of the sound, seconds."""
        return len(self.samples) / self.rate


def has_audio(path: str | os.PathLike[str]) -> bool:
    """Whether the file has an audio track at all."""
    with av.open(os.fspath(path)) as container:
        return bool(container.streams.audio)


def read_sound(
    path: str | os.PathLike[str], video_start_s: float = 0.0, rate: int = RATE
) -> Sound | None:
    """Decode the first audio track, averaged to mono and resampled to ``rate``.

    Args:
        path: The recording (already checked to decode as a video by ``review.media.video``).
        video_start_s: The first video frame's time in the container (``VideoInfo.start_s``).
        rate: Samples a second wanted.

    Returns:
        The sound, or None when the recording has no audio track. A track that is damaged
        part way gives what decoded before the damage, with a ``DecodeWarning``.

    """
    with av.open(os.fspath(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks: list[NDArray[np.float32]] = []
        first: float | None = None
        try:
            for frame in container.decode(stream):
                if first is None and frame.time is not None:
                    first = float(frame.time)
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except (av.FFmpegError, ValueError) as err:
            warnings.warn(
                f"{Path(path)}: the sound is damaged after {sum(map(len, chunks)) / rate:.1f} s "
                f"({err.__class__.__name__}); the rest of it is not analysed.",
                DecodeWarning,
                stacklevel=2,
            )
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    start = (first if first is not None else video_start_s) - video_start_s
    return Sound(np.clip(samples, -1.0, 1.0).astype(np.float32), rate, start)
