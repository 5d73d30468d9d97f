"""Evaluate detectors from cached landmarks, for developing them (seconds instead of minutes).

MediaPipe's landmarks of every labelled clip are computed once (sampled as shipped, and every
frame) and kept in a cache folder with the recording's header and its glance (people, picture
quality); the evaluation then re-judges them with the current detectors exactly as
``review.analyse`` does (``analysis.analyse_recording``). ``review evaluate`` remains the
measure that counts: run it before quoting figures.

Usage:
    python tools/eval_cache.py [--cache DIR] [--every-frame] [--refresh] [LABELS ...]
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from review.judging import analysis  # noqa: E402
from review.landmarks import pipeline  # noqa: E402
from review.landmarks.holistic import Landmarks  # noqa: E402
from review.media import video  # noqa: E402
from review.usecases import evaluation  # noqa: E402

DEFAULT_LABELS = [
    REPO / "sample_videos" / "labels.json",
    REPO / "sample_videos" / "synthetic" / "labels.json",
    REPO / "sample_videos" / "dev" / "labels.json",
]


def cached(cache: Path, path: Path, every_frame: bool, refresh: bool = False):
    """(landmarks, info, glance) of a clip, computed once."""
    key = f"{path.parent.name}__{path.name}__{'every' if every_frame else 'sampled'}"
    lm_file, meta_file = cache / f"{key}.npz", cache / f"{key}.pkl"
    if not refresh and lm_file.is_file() and meta_file.is_file():
        info, look = pickle.loads(meta_file.read_bytes())
        return Landmarks.load(lm_file), info, look
    info = video.probe(path)
    rate = None if every_frame else pipeline.SAMPLE_HZ
    lm, look = pipeline.read_recording(path, info, sample_hz=rate, with_glance=True)
    cache.mkdir(parents=True, exist_ok=True)
    lm.save(lm_file)
    meta_file.write_bytes(pickle.dumps((info, look)))
    return lm, info, look


def analyser(cache: Path, refresh: bool = False):
    """An ``evaluation.Analyser`` judging cached landmarks with the current detectors."""

    def analyse(path: Path, every_frame: bool):
        lm, info, look = cached(cache, path, every_frame, refresh)
        return analysis.analyse_recording(lm, info, look=look)

    return analyse


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("labels", nargs="*", type=Path)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/review-eval-cache"))
    ap.add_argument("--every-frame", action="store_true")
    ap.add_argument("--refresh", action="store_true", help="run MediaPipe again")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    files = a.labels or [p for p in DEFAULT_LABELS if p.is_file()]
    result = evaluation.evaluate_files(
        files, every_frame=a.every_frame, analyser=analyser(a.cache, a.refresh)
    )
    print(evaluation.format_table(result))
    if a.json:
        import json

        a.json.write_text(json.dumps(result.to_dict(), indent=2) + "\n")


if __name__ == "__main__":
    main()
