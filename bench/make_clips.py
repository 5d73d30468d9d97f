"""Benchmark clips made from the real sample footage (see sample_videos/SOURCES.md).

- ``bench/data/interview_720p.mp4`` (kept in the repo): 22 s at 1280x720, 30 fps: the sample
  clips ``upright.mp4`` then ``rocking.mp4`` (a still stretch, then rocking), upscaled.
- ``long_720p.mp4`` (made on demand, not kept): the same clip repeated to at least 3 minutes,
  for the memory measurement.

Usage: python bench/make_clips.py [--long DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import av
import cv2

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
CLIP = ROOT / "bench" / "data" / "interview_720p.mp4"
SIZE = (1280, 720)
FPS = 30


def _frames(paths: list[Path]):
    for path in paths:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                img = frame.to_ndarray(format="bgr24")
                yield cv2.resize(img, SIZE, interpolation=cv2.INTER_CUBIC)


def write(out: Path, sources: list[Path], repeat: int = 1, crf: int = 26) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"crf": str(crf)})
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        for _ in range(repeat):
            for img in _frames(sources):
                frame = av.VideoFrame.from_ndarray(img, format="bgr24")
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", type=Path, help="also write long_720p.mp4 into this folder")
    args = parser.parse_args()
    if not CLIP.exists():
        write(CLIP, [SAMPLES / "upright.mp4", SAMPLES / "rocking.mp4"])
    print(CLIP)
    if args.long:
        print(write(args.long / "long_720p.mp4", [CLIP], repeat=9))


if __name__ == "__main__":
    main()
