"""Speed and memory of `review analyse` against a plain every-frame MediaPipe Holistic loop.

Everything is measured in one run on the same machine, as ratios, each case in a fresh
process (peak memory is the largest total resident memory of that process and its children,
sampled every 50 ms):

1. plain: decode every frame with PyAV and run MediaPipe Holistic (complexity 1, refined face)
   on each, one process: what a straightforward script does;
2. review: `review.analyse` with its defaults (sampling, chunks, one process per core);
3. review, every frame, one process: what sampling and processes buy, apart;
4. review on a clip of at least 3 minutes, for memory against the 22 s clip.

Cases 1-3 run on the 22 s clip and on a 2-minute "answer" made by repeating it.

Usage: python bench/speed.py [--skip-long]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import make_clips  # noqa: E402

PLAIN = """
import sys, av, cv2, mediapipe as mp
h = mp.solutions.holistic.Holistic(model_complexity=1, refine_face_landmarks=True)
with av.open(sys.argv[1]) as c:
    for f in c.decode(video=0):
        h.process(cv2.cvtColor(f.to_ndarray(format="bgr24"), cv2.COLOR_BGR2RGB))
"""
REVIEW = """
import sys, review
sample_hz = None if sys.argv[2] == "every" else review.pipeline.SAMPLE_HZ
workers = 1 if sys.argv[2] == "every" else None
review.analyse(sys.argv[1], sample_hz=sample_hz, workers=workers)
"""


def _tree_rss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(code: str, *args: str) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of a Python snippet in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stderr=subprocess.DEVNULL, cwd=ROOT
    )
    peak = [0]

    def poll() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=poll)
    watcher.start()
    proc.wait()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"benchmark case failed: {args}")
    return time.perf_counter() - start, peak[0] / 1024


def _cpu() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-long", action="store_true", help="no 3-minute memory case")
    args = parser.parse_args()
    clip = (
        make_clips.CLIP
        if make_clips.CLIP.exists()
        else make_clips.write(
            make_clips.CLIP,
            [make_clips.SAMPLES / "upright.mp4", make_clips.SAMPLES / "rocking.mp4"],
        )
    )
    from review import video

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cores} cores, {_cpu()}; Python {platform.python_version()}")

    with tempfile.TemporaryDirectory() as tmp:
        answer = make_clips.write(Path(tmp) / "answer_720p.mp4", [clip], repeat=6)
        long_clip = (
            None
            if args.skip_long
            else make_clips.write(Path(tmp) / "long_720p.mp4", [clip], repeat=9)
        )
        for path in [clip, answer]:
            info = video.probe(path)
            print(
                f"\nclip: {path.name}, {info.width}x{info.height}, {info.fps:g} fps, "
                f"{info.duration_s:g} s"
            )
            plain_s, plain_mb = measure(PLAIN, str(path))
            review_s, review_mb = measure(REVIEW, str(path), "default")
            every_s, every_mb = measure(REVIEW, str(path), "every")
            rows = [
                ("plain every-frame Holistic loop", plain_s, plain_mb),
                ("review analyse (default)", review_s, review_mb),
                ("review analyse, every frame, 1 process", every_s, every_mb),
            ]
            print(f"{'case':<42} {'seconds':>8} {'x real time':>12} {'peak MB':>8}")
            for name, sec, mb in rows:
                print(f"{name:<42} {sec:8.1f} {info.duration_s / sec:12.2f} {mb:8.0f}")
            print(f"review analyse is {plain_s / review_s:.2f}x faster than the plain loop")
            if path == clip:
                short_mb, short_s = review_mb, info.duration_s
        if long_clip is not None:
            long_info = video.probe(long_clip)
            long_s, long_mb = measure(REVIEW, str(long_clip), "default")
            print(
                f"\n{long_info.duration_s / 60:.1f}-minute clip: {long_s:.1f} s "
                f"({long_info.duration_s / long_s:.2f}x real time), peak {long_mb:.0f} MB = "
                f"{long_mb / short_mb:.2f}x the peak for the {short_s:g} s clip"
            )


if __name__ == "__main__":
    main()
