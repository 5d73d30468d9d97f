"""Copies of the labelled clips as other cameras would give them, to probe how detectors generalise.

The detectors will meet faces, cameras and light they were never tuned on. Each labelled clip
is re-made in a few plain variants whose truth is the clip's own (the labels carry over
unchanged, frame times too):

- ``mirror``: flipped left to right (a webcam app's mirrored preview saved as the recording);
- ``dim``: a dim room: brightness down to 35 % with sensor noise (Gaussian, 4 levels of 255);
- ``roll``: the camera rolled by 6 degrees (a laptop on a cushion), corners left black.

Each variant goes into OUT/<variant>/ as H.264 .mp4 (crf 20) with every frame's presentation
time kept from the source, beside a labels.json naming the copies: evaluate it like any
labels file, e.g. ``review evaluate OUT/dim/labels.json`` (or ``tools/eval_cache.py`` with it).
Nothing is tuned on these: they show where a detector leans on one camera's look.

Usage: python tools/variants.py OUT [--variant mirror dim roll] [LABELS ...]
(default labels: the repository's three files; clips not found are left out)
"""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_cache import DEFAULT_LABELS  # noqa: E402  (it puts the repository on the path)

from review.media import video  # noqa: E402
from review.usecases import evaluation  # noqa: E402

DIM_GAIN = 0.35
DIM_NOISE = 4.0
ROLL_DEG = 6.0

Transform = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def mirror(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.ascontiguousarray(image[:, ::-1])


def dim(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noisy = image.astype(np.float32) * DIM_GAIN + rng.normal(0.0, DIM_NOISE, image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def roll(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = image.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), ROLL_DEG, 1.0)
    return cv2.warpAffine(image, turn, (w, h), flags=cv2.INTER_LINEAR)


VARIANTS: dict[str, Transform] = {"mirror": mirror, "dim": dim, "roll": roll}


def transform(source: Path, out: Path, change: Transform, seed: int = 0) -> None:
    """Re-encode ``source`` frame by frame through ``change``, keeping each frame's time.

    Frames are read upright (a phone clip's rotation applied, as ``review`` reads them) and
    the copy is written upright with no rotation: a copy of the stored, sideways frames would
    show a phone recording's person lying on their side.
    """
    rng = np.random.default_rng(seed)
    info = video.probe(source)
    rate = Fraction(info.fps).limit_denominator(1001) if info.fps == info.fps else Fraction(30)
    with av.open(str(out), "w") as written:
        encoder = written.add_stream("libx264", rate=rate)
        encoder.width = info.width // 2 * 2
        encoder.height = info.height // 2 * 2
        encoder.pix_fmt = "yuv420p"
        encoder.options = {"crf": "20"}
        encoder.time_base = encoder.codec_context.time_base = Fraction(1, 90000)
        last = -1
        for frame in video.frames(source, info):
            image = frame.image[: encoder.height, : encoder.width, ::-1]  # BGR to RGB
            copy = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(change(image, rng)), format="rgb24"
            )
            copy.pts = max(last + 1, round(frame.time_s * 90000))
            copy.time_base = Fraction(1, 90000)
            last = copy.pts
            for packet in encoder.encode(copy):
                written.mux(packet)
        for packet in encoder.encode():
            written.mux(packet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("labels", nargs="*", type=Path)
    parser.add_argument("--variant", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    files = args.labels or [p for p in DEFAULT_LABELS if p.is_file()]
    for name in args.variant:
        folder = args.out / name
        folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for labels_file in files:
            raw = json.loads(labels_file.read_text(encoding="utf-8"))["clips"]
            for clip, entry in zip(evaluation.read_labels(labels_file), raw):
                if clip.path is None:
                    continue
                copy = folder / f"{Path(clip.video).stem}.mp4"
                if not copy.exists():
                    transform(Path(clip.path), copy, VARIANTS[name])
                entries.append({**entry, "video": copy.name})
        (folder / "labels.json").write_text(json.dumps({"clips": entries}, indent=1) + "\n")
        print(f"{folder}/labels.json: {len(entries)} clips")


if __name__ == "__main__":
    main()
