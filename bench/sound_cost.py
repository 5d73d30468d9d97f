"""What the delivery analysis (the sound) adds to `review analyse`'s wall time.

The sample man's 22 s 1280x720 clip (bench/data/interview_720p.mp4) with a synthesised
spoken answer muxed in (tools/make_speech.py --video: espeak-ng at 160 words a minute, pink
noise at 20 dB SNR, AAC), then `review analyse CLIP -o DIR -q --no-history` with and without
`--no-sound`, each in a fresh process, alternating (with, without, with, without, ...) so
that the machine's drift falls on both alike. Prints each time, the medians and their ratio
(target: at most 1.10).

Usage: python bench/sound_cost.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT / "bench" / "data" / "interview_720p.mp4"


def timed(clip: Path, out: Path, sound: bool) -> float:
    args = ["analyse", str(clip), "-o", str(out), "-q", "--no-history"]
    if not sound:
        args.append("--no-sound")
    code = f"from review.cli import main; main({args!r})"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "tools" / "make_speech.py"),
                "--video",
                str(VIDEO),
                "--out",
                str(folder),
                "--name",
                "with_sound.mp4",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        clip = folder / "with_sound.mp4"
        times: dict[bool, list[float]] = {True: [], False: []}
        for i in range(args.rounds):
            for sound in (True, False):
                t = timed(clip, folder / f"out_{i}_{sound}", sound)
                times[sound].append(t)
                print(f"round {i + 1}: {'with sound   ' if sound else 'without sound'} {t:6.2f} s")
    with_s, without_s = statistics.median(times[True]), statistics.median(times[False])
    print(
        f"median with the sound {with_s:.2f} s, without {without_s:.2f} s: "
        f"ratio {with_s / without_s:.3f} (target at most 1.10)"
    )


if __name__ == "__main__":
    main()
