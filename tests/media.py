"""Odd and broken recordings for the tests, made from the real frames of the sample clips.

Every helper writes a real file with PyAV (FFmpeg), so the tests exercise the same demuxers
and decoders a user's file would. Clips are kept short (a few seconds) to keep the tests fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"

#: Encoder and options per container: (format, codec, pixel format, codec options).
CONTAINERS = {
    ".mp4": ("mp4", "libx264", "yuv420p", {"preset": "ultrafast", "crf": "23"}),
    ".mov": ("mov", "libx264", "yuv420p", {"preset": "ultrafast", "crf": "23"}),
    ".mkv": ("matroska", "libx264", "yuv420p", {"preset": "ultrafast", "crf": "23"}),
    ".webm": ("webm", "libvpx-vp9", "yuv420p", {"deadline": "realtime", "cpu-used": "8"}),
    ".avi": ("avi", "mpeg4", "yuv420p", {"qscale": "3"}),
}


def sample_frames(
    name: str = "upright.mp4", seconds: float = 3.0, start_s: float = 0.0
) -> tuple[list[np.ndarray], list[float]]:
    """BGR frames of a sample clip and their presentation times (relative to ``start_s``)."""
    images, times = [], []
    with av.open(str(SAMPLES / name)) as container:
        for frame in container.decode(video=0):
            t = float(frame.time)
            if t < start_s - 1e-9:
                continue
            if t >= start_s + seconds - 1e-9:
                break
            images.append(frame.to_ndarray(format="bgr24"))
            times.append(t - start_s)
    return images, times


def write_video(
    path: Path,
    images: Sequence[np.ndarray],
    times: Sequence[float] | None = None,
    fps: float = 30.0,
    codec: str | None = None,
    rotation_ccw: int | None = None,
    faststart: bool = False,
    audio: bool = False,
) -> Path:
    """Write BGR ``images`` to ``path`` (container from the extension) at exact times.

    Args:
        path: Output file; its extension picks the container (see CONTAINERS).
        images: Frames, all the same size.
        times: Presentation time of each frame in seconds (default: ``i / fps``); any
            increasing times give a variable-frame-rate file (time base 1 ms).
        fps: Nominal frame rate told to the encoder.
        codec: Override the container's default video codec (e.g. "mjpeg", "libvpx").
        rotation_ccw: Display-matrix rotation, counter-clockwise degrees, as a phone writes
            it (PyAV's ``VideoStream.set_display_rotation``, read back as ``frame.rotation``).
        faststart: Put the mp4/mov index (moov) at the front.
        audio: Add a silent AAC (mp4/mov/mkv) or Opus (webm) or PCM (avi) track.

    """
    fmt, default_codec, pix_fmt, options = CONTAINERS[path.suffix.lower()]
    codec = codec or default_codec
    if codec != default_codec:
        options = {
            "mjpeg": {"qscale": "3"},
            "mpeg4": {"qscale": "3"},
            # One thread at a fixed speed (a negative cpu-used): VP8's threads wait busily for
            # each other, and with a positive cpu-used its real-time mode picks its speed from
            # how long frames took; 3 s of frames took 0.5-8 s of CPU, now 0.3 s.
            "libvpx": {"deadline": "realtime", "cpu-used": "-16", "threads": "1"},
        }.get(codec, {})
        if codec == "mjpeg":
            pix_fmt = "yuvj420p"
    times = [i / fps for i in range(len(images))] if times is None else list(times)
    container_options = {"movflags": "+faststart"} if faststart else {}
    h, w = images[0].shape[:2]
    with av.open(str(path), "w", format=fmt, options=container_options) as out:
        stream = out.add_stream(codec, rate=Fraction(fps).limit_denominator(1000), options=options)
        stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
        if codec == "libx264":
            stream.codec_context.options = {**options, "bf": "0"}
        # AVI stores frames at a constant rate; the others keep exact times in milliseconds.
        time_base = Fraction(1, 1000) if fmt != "avi" else 1 / Fraction(fps).limit_denominator(1000)
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if rotation_ccw is not None:
            if not hasattr(stream, "set_display_rotation"):
                import pytest

                pytest.skip("this PyAV cannot write rotation metadata (set_display_rotation)")
            stream.set_display_rotation(rotation_ccw)
        sound = None
        if audio:
            acodec = {"webm": "libopus", "avi": "pcm_s16le"}.get(fmt, "aac")
            sound = out.add_stream(acodec, rate=48000)
            sound.layout = "mono"
        for image, t in zip(images, times):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
            frame.pts = int(round(t / time_base))
            frame.time_base = time_base
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
        if sound is not None:
            _write_silence(out, sound, times[-1] + 1 / fps)
    return path


def _write_silence(out: av.container.OutputContainer, stream, seconds: float) -> None:
    rate = stream.codec_context.sample_rate
    size = stream.codec_context.frame_size or 1024
    fmt = stream.codec_context.format.name
    dtype = {"fltp": np.float32, "flt": np.float32, "s16": np.int16, "s16p": np.int16}[fmt]
    planar = fmt.endswith("p")
    for k in range(int(seconds * rate) // size):
        shape = (1, size) if planar else (1, size)
        frame = av.AudioFrame.from_ndarray(np.zeros(shape, dtype=dtype), format=fmt, layout="mono")
        frame.sample_rate = rate
        frame.pts = k * size
        out.mux(stream.encode(frame))
    out.mux(stream.encode())


def write_audio_only(path: Path, seconds: float = 2.0) -> Path:
    """An audio-only file (AAC in mp4/m4a) with a video-looking extension."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=48000)
        stream.layout = "mono"
        _write_silence(out, stream, seconds)
    return path


def truncate(src: Path, dst: Path, keep: float | int) -> Path:
    """Copy the first ``keep`` bytes (an int) or share (a float in 0..1) of ``src``."""
    data = src.read_bytes()
    n = keep if isinstance(keep, int) else int(len(data) * keep)
    dst.write_bytes(data[:n])
    return dst
