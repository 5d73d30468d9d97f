"""Speed and memory of `review analyse` against a plain every-frame MediaPipe Holistic loop.

Everything is measured in one run on the same machine, as ratios, each case in a fresh
process (peak memory is the largest total resident memory of that process and its children,
sampled every 50 ms):

1. plain: decode every frame with PyAV and run MediaPipe Holistic (complexity 1, refined face)
   on each, one process: what a straightforward script does;
2. review library: `review.analyse` with its defaults (sampling, chunks, one process per core);
3. review command: `review analyse VIDEO -o DIR -q --no-history`, which also writes the report
   (with its key frames), the timeline and the tables: what a user waits for;
4. review, every frame, one process: what sampling and processes buy, apart;
5. review command on a clip of at least 3 minutes, for memory against the 22 s clip.

Cases 1-4 run on the 22 s clip and on a 2-minute "answer" made by repeating it. On the 22 s
clip, where a second of noise is 5 % of the time, cases 1-3 run ``--repeat`` times, in turn,
and the median is reported (with the range).

Usage: python bench/speed.py [--skip-long] [--repeat N]
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
COMMAND = """
import sys
from review.cli import main
main(["analyse", sys.argv[1], "-o", sys.argv[2], "-q", "--no-history"])
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


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-long", action="store_true", help="no 3-minute memory case")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each 22 s case (median)")
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
        out = str(Path(tmp) / "out")
        cases = [
            ("plain every-frame Holistic loop", PLAIN, []),
            ("review.analyse() (library, default)", REVIEW, ["default"]),
            ("review analyse (command, with report)", COMMAND, [out]),
        ]
        for path in [clip, answer]:
            info = video.probe(path)
            repeat = max(1, args.repeat) if path == clip else 1
            print(
                f"\nclip: {path.name}, {info.width}x{info.height}, {info.fps:g} fps, "
                f"{info.duration_s:g} s" + (f"; median of {repeat} runs" if repeat > 1 else "")
            )
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in cases}
            for _ in range(repeat):  # in turn, so that a slow spell hits every case alike
                for name, code, extra in cases:
                    runs[name].append(measure(code, str(path), *extra))
            every = measure(REVIEW, str(path), "every")
            print(f"{'case':<42} {'seconds':>8} {'range':>11} {'x real time':>12} {'peak MB':>8}")
            medians = {}
            for name, _, _ in cases:
                secs = [r[0] for r in runs[name]]
                sec, mb = _median(secs), _median([r[1] for r in runs[name]])
                medians[name] = (sec, mb)
                spread = f"{min(secs):.1f}-{max(secs):.1f}" if repeat > 1 else ""
                print(f"{name:<42} {sec:8.1f} {spread:>11} {info.duration_s / sec:12.2f} {mb:8.0f}")
            name = "review, every frame, 1 process"
            print(
                f"{name:<42} {every[0]:8.1f} {'':>11} {info.duration_s / every[0]:12.2f} "
                f"{every[1]:8.0f}"
            )
            plain_s = medians["plain every-frame Holistic loop"][0]
            for name, _, _ in cases[1:]:
                print(f"{name} is {plain_s / medians[name][0]:.2f}x faster than the plain loop")
            if path == clip:
                short_mb = medians["review analyse (command, with report)"][1]
                short_s = info.duration_s
        if long_clip is not None:
            long_info = video.probe(long_clip)
            long_s, long_mb = measure(COMMAND, str(long_clip), out)
            print(
                f"\n{long_info.duration_s / 60:.1f}-minute clip, review analyse (command): "
                f"{long_s:.1f} s ({long_info.duration_s / long_s:.2f}x real time), peak "
                f"{long_mb:.0f} MB = {long_mb / short_mb:.2f}x the peak for the {short_s:g} s clip"
            )


if __name__ == "__main__":
    main()
