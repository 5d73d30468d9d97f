"""Speed and memory of `review analyse` against a plain every-frame MediaPipe Holistic loop.

Everything is measured in one run on the same machine, as ratios, each case in a fresh
process (peak memory is the largest total resident memory of that process and its children,
sampled every 50 ms):

1. plain: decode every frame with PyAV and run MediaPipe Holistic (complexity 1, refined face)
   on each, one process: what a straightforward script does;
2. review library: `review.analyse` with its defaults (sampling, chunks, one process per core);
3. review command: `review analyse VIDEO -o DIR -q --no-history`, which also writes the report
   (with its key frames), the timeline and the tables: what a user waits for.

On real footage (bench/make_clips.py): four 24 s 1280x720 30 fps clips of four people other
than the sample man, and a 2-minute answer joined from whole clips of them; the peak memory of
the 2-minute answer is compared with the 24 s clips'. What the sound's analysis (delivery) adds
to the command: the same answer with a spoken sound track (``make_clips.answer_with_sound``),
with and without ``--no-sound``, alternating (``--repeat``, at least 3 rounds), medians and
their ratio (target: at most 1.10). Then, unless ``--skip-synthetic``, the
sample man's 22 s clip (with a fourth case: every frame, one process) and, for memory, a clip
of at least 3 minutes. ``--repeat N`` runs each short case N times, in turn, and reports the
median (with the range).

Usage: python bench/speed.py [--skip-long] [--skip-synthetic] [--repeat N] [--clips DIR]
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
from review.landmarks import pipeline
sample_hz = None if sys.argv[2] == "every" else pipeline.SAMPLE_HZ
workers = 1 if sys.argv[2] == "every" else None
review.analyse(sys.argv[1], sample_hz=sample_hz, workers=workers)
"""
COMMAND = """
import sys
from review.cli import main
main(["analyse", sys.argv[1], "-o", sys.argv[2], "-q", "--no-history", *sys.argv[3:]])
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


def _table_row(
    clip: str, name: str, secs: list[float], mb: float, length_s: float, plain_s: float | None
) -> str:
    sec = _median(secs)
    spread = f" ({min(secs):.1f}-{max(secs):.1f})" if len(secs) > 1 else ""
    versus = f"{plain_s / sec:.2f}" if plain_s else "1"
    return (
        f"| {clip} | {name} | {sec:.1f}{spread} | {length_s / sec:.2f} | {versus} | {mb:.0f} MB |"
    )


def run_clip(
    label: str, path: Path, out: str, repeat: int, every_frame: bool
) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Every case on one clip: {case: (median seconds, median peak MB)} and table rows."""
    from review.media import video

    info = video.probe(path)
    cases = [
        ("plain every-frame Holistic loop", PLAIN, []),
        ("`review.analyse()` (library)", REVIEW, ["default"]),
        ("`review analyse` (command, with report)", COMMAND, [out]),
    ]
    if every_frame:
        cases.append(("every frame, 1 process", REVIEW, ["every"]))
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in cases}
    for _ in range(repeat):  # in turn, so that a slow spell hits every case alike
        for name, code, extra in cases:
            runs[name].append(measure(code, str(path), *extra))
    medians, rows = {}, []
    plain_s = _median([r[0] for r in runs[cases[0][0]]])
    for name, _, _ in cases:
        secs = [r[0] for r in runs[name]]
        mb = _median([r[1] for r in runs[name]])
        medians[name] = (_median(secs), mb)
        first = name == cases[0][0]
        rows.append(_table_row(label, name, secs, mb, info.duration_s, None if first else plain_s))
        print(rows[-1], flush=True)
    return medians, rows


def sound_cost(clip: Path, tmp: Path, repeat: int) -> float:
    """The command on ``clip`` with and without its sound analysed, alternating: the ratio."""
    times: dict[bool, list[float]] = {True: [], False: []}
    for i in range(max(3, repeat)):  # alternating, so that the machine's drift hits both alike
        for sound in (True, False):
            extra = [] if sound else ["--no-sound"]
            times[sound].append(
                measure(COMMAND, str(clip), str(tmp / f"sound_{i}_{sound}"), *extra)[0]
            )
    with_s, without_s = _median(times[True]), _median(times[False])
    runs = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(times[True], times[False]))
    print(
        f"\nsound, 2-minute real answer with a spoken sound track, command: median {with_s:.1f} s "
        f"with the sound analysed, {without_s:.1f} s with --no-sound (runs {runs}): "
        f"ratio {with_s / without_s:.3f} (target at most 1.10)",
        flush=True,
    )
    return with_s / without_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-long", action="store_true", help="no 3-minute memory case")
    parser.add_argument("--skip-synthetic", action="store_true", help="real footage only")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each short case (median)")
    parser.add_argument(
        "--clips",
        type=Path,
        default=ROOT / "bench" / "data" / "real",
        help="folder for the real-footage clips (made once, then reused)",
    )
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cores} cores, {_cpu()}; Python {platform.python_version()}")
    real, answer = make_clips.real_clips(args.clips)
    command = "`review analyse` (command, with report)"
    print("| clip | case | seconds | x real time | x plain loop | peak memory |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        # one results folder per recording: review refuses to replace another's results
        out = str(Path(tmp) / "answer_out")
        short_peaks = []
        for name, path in real.items():
            medians, _ = run_clip(
                f"{name} (24 s)", path, str(Path(tmp) / f"{name}_out"), max(1, args.repeat), False
            )
            short_peaks.append(medians[command][1])
        medians, _ = run_clip("real answer (2 min)", answer, out, 1, False)
        answer_mb = medians[command][1]
        print(
            f"\npeak memory, 2-minute real answer: {answer_mb:.0f} MB = "
            f"{answer_mb / max(short_peaks):.2f}x the largest 24 s clip's "
            f"({max(short_peaks):.0f} MB; {answer_mb / _median(short_peaks):.2f}x the median)"
        )
        sound_cost(make_clips.answer_with_sound(args.clips, answer), Path(tmp), args.repeat)
        if args.skip_synthetic:
            return
        clip = (
            make_clips.CLIP
            if make_clips.CLIP.exists()
            else make_clips.write(
                make_clips.CLIP,
                [make_clips.SAMPLES / "upright.mp4", make_clips.SAMPLES / "rocking.mp4"],
            )
        )
        print("\nsynthetic (the sample man, upscaled and repeated):")
        out = str(Path(tmp) / "sample_out")
        medians, _ = run_clip("sample man (22 s)", clip, out, max(1, args.repeat), True)
        short_mb = medians[command][1]
        if not args.skip_long:
            long_clip = make_clips.write(Path(tmp) / "long_720p.mp4", [clip], repeat=9)
            long_s, long_mb = measure(COMMAND, str(long_clip), str(Path(tmp) / "long_out"))
            from review.media import video

            long_info = video.probe(long_clip)
            print(
                f"{long_info.duration_s / 60:.1f}-minute sample-man clip, command: "
                f"{long_s:.1f} s ({long_info.duration_s / long_s:.2f}x real time), peak "
                f"{long_mb:.0f} MB = {long_mb / short_mb:.2f}x the 22 s clip's"
            )


if __name__ == "__main__":
    main()
