"""Cheaper ways to follow the hands, measured against what review runs, frame by frame.

Self-touch needs the hands 10 times a second while one is near the face; review gets them
from MediaPipe Holistic (pose and hands, its face branch gated off: 36-41 ms a frame on a real
1280x720 close-up here). On a person whose hands are at her face all the time (the signing
woman of bench/make_clips.py) that is most of the analysis. This runs each alternative on the
same frames (every third: 10 a second), interleaved with review's Holistic frame by frame so
that the machine's changes of speed hit both alike:

- ``lite``: the same graph with the Hands solution's lite hand landmark model (its
  model_complexity=0, in the wheel) selected in place of the full one;
- ``half``: the graph as shipped, given the frame at half size;
- ``crop``: MediaPipe Hands (full model, tracking) on a crop around the face (FaceMesh's face
  box widened by two face widths on each side), so that its palm detector sees large hands.

Printed for each: milliseconds a frame (review's Holistic beside it), hands found, and where
both found a hand on the same side of the body, the mean distance between their landmarks in
pixels of the frame.

Usage: python bench/hand_models.py [CLIP ...]
(default: the signing woman's 24 s clip, made by bench/make_clips.py in bench/data/real if
missing, as bench/speed.py does; it needs ../shared/footage/dev)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Callable

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import make_clips  # noqa: E402

from review.landmarks import holistic  # noqa: E402
from review.landmarks.holistic import N_HAND  # noqa: E402

CLIPS = ROOT / "bench" / "data" / "real"
EVERY = 3  # every third frame: 10 a second at 30 fps
CROP_MARGIN = 2.0  # face widths on each side of the face box

Hands = list[Any]  # per side (left, right): (21, 2) pixels of the frame, or None


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [
            np.ascontiguousarray(f.to_ndarray(format="rgb24"))
            for k, f in enumerate(container.decode(video=0))
            if k % EVERY == 0
        ]


def lite_hands_holistic() -> Any:
    """review's Holistic graph, expanded, with its hand model switches set to the lite model."""
    from mediapipe.framework import calculator_pb2
    from mediapipe.framework.tool import switch_container_pb2
    from mediapipe.python._framework_bindings import validated_graph_config

    expanded = validated_graph_config.ValidatedGraphConfig()
    expanded.initialize(graph_config=holistic.holistic_graph())
    graph = calculator_pb2.CalculatorGraphConfig()
    graph.ParseFromString(expanded.binary_config)
    switches = 0
    for node in graph.node:
        if node.name.startswith("handlandmarksleftandrightcpu__") and node.calculator in (
            "SwitchDemuxCalculator",
            "SwitchMuxCalculator",
        ):
            node.options.Extensions[switch_container_pb2.SwitchContainerOptions.ext].select = 0
            switches += 1
    assert switches == 4, switches  # a demultiplexer and a multiplexer per hand
    return holistic.holistic_solution(graph)


def _t(k: int) -> float:
    """The graphs' clock for frame ``k`` (10 a second; it must increase)."""
    return 1.0 + k / 10


def _xy(points: Any, n: int, size: tuple[int, int]) -> np.ndarray | None:
    """A landmark list's x, y in pixels of the frame (``size``), or None."""
    return None if points is None else holistic._points(points, n)[:, :2] * size


def holistic_hands(graph: Any, image: np.ndarray, t: float, size: tuple[int, int]) -> Hands:
    result = holistic.LandmarkExtractor._process(graph, image, t, False)
    return [
        _xy(result.left_hand_landmarks, N_HAND, size),
        _xy(result.right_hand_landmarks, N_HAND, size),
    ]


def face_boxes(frames: list[np.ndarray], size: tuple[int, int]) -> list[np.ndarray]:
    """The face box of each frame, pixels (NaN: none), from Holistic's face (review has it)."""
    graph = holistic._holistic_face_on_request()
    boxes = []
    for k, image in enumerate(frames):
        face = holistic.LandmarkExtractor._process(graph, image, _t(k), True).face_landmarks
        xy = _xy(face, 478, size)
        boxes.append(np.full(4, np.nan) if xy is None else np.r_[xy.min(axis=0), xy.max(axis=0)])
    graph.close()
    return boxes


class CropHands:
    """MediaPipe Hands (full model, tracking) on a crop around a face box."""

    def __init__(self) -> None:
        import mediapipe as mp

        self.hands = mp.solutions.hands.Hands(
            static_image_mode=False, max_num_hands=2, model_complexity=1
        )

    def __call__(self, image: np.ndarray, box: np.ndarray) -> Hands:
        """The hands by the person's side (left, right), in pixels of the frame."""
        if np.isnan(box).any():
            return [None, None]
        h, w = image.shape[:2]
        margin = CROP_MARGIN * (box[2] - box[0])
        x0, y0 = int(max(0, box[0] - margin)), int(max(0, box[1] - margin))
        x1, y1 = int(min(w, box[2] + margin)), int(min(h, box[3] + margin))
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        crop.flags.writeable = False
        result = self.hands.process(crop)
        out: Hands = [None, None]
        for hand, side in zip(result.multi_hand_landmarks or [], result.multi_handedness or []):
            points = _xy(hand, N_HAND, (x1 - x0, y1 - y0)) + (x0, y0)
            # Hands names the side as a mirror would show it; Holistic names the person's own.
            out[0 if side.classification[0].label == "Right" else 1] = points
        return out

    def close(self) -> None:
        self.hands.close()


def compare(name: str, shipped: list[Hands], other: list[Hands], ms: tuple[float, float]) -> None:
    found = [sum(h is not None for frame in run for h in frame) for run in (shipped, other)]
    gaps = [
        float(np.mean(np.hypot(*(a - b).T)))
        for s, o in zip(shipped, other)
        for a, b in zip(s, o)
        if a is not None and b is not None
    ]
    print(
        f"  {name:5s} {ms[1]:5.1f} ms a frame (Holistic as shipped beside it: {ms[0]:5.1f}); "
        f"hands {found[1]} (shipped: {found[0]}); both {len(gaps)}, landmarks "
        f"{np.median(gaps) if gaps else float('nan'):.1f} px apart (median)"
    )


def against_shipped(
    name: str, frames: list[np.ndarray], size: tuple[int, int], other: Callable[[int], Hands]
) -> None:
    """``other`` and Holistic as shipped on each frame, taking turns to go first; compared."""
    base = holistic._holistic_face_on_request()
    spent = [0.0, 0.0]
    results: tuple[list[Hands], list[Hands]] = ([], [])
    runs = (lambda k: holistic_hands(base, frames[k], _t(k), size), other)
    for k in range(len(frames)):
        for which in (0, 1) if k % 2 else (1, 0):
            start = time.perf_counter()
            results[which].append(runs[which](k))
            spent[which] += time.perf_counter() - start
    base.close()
    n = max(len(frames), 1)
    compare(name, *results, (1000 * spent[0] / n, 1000 * spent[1] / n))


def measure(clip: Path) -> None:
    frames = frames_of(clip)
    size = (frames[0].shape[1], frames[0].shape[0])
    boxes = face_boxes(frames, size)
    faces = sum(not np.isnan(b).any() for b in boxes)
    print(f"{clip.name}: {len(frames)} frames ({size[0]}x{size[1]}, every {EVERY}), {faces} faces")
    lite = lite_hands_holistic()
    against_shipped("lite", frames, size, lambda k: holistic_hands(lite, frames[k], _t(k), size))
    lite.close()
    half = [np.ascontiguousarray(cv2.resize(f, (size[0] // 2, size[1] // 2))) for f in frames]
    shipped = holistic._holistic_face_on_request()
    against_shipped("half", frames, size, lambda k: holistic_hands(shipped, half[k], _t(k), size))
    shipped.close()
    crop = CropHands()
    against_shipped("crop", frames, size, lambda k: crop(frames[k], boxes[k]))
    crop.close()


def main() -> None:
    clips = [Path(a) for a in sys.argv[1:]]
    if not clips:
        made = make_clips.real_clips(CLIPS)[0]
        if "signing_woman" not in made:
            sys.exit("hand_models: the signing woman's clip cannot be made here; name a clip")
        clips = [made["signing_woman"]]
    for clip in clips:
        if not clip.is_file():
            sys.exit(f"hand_models: {clip} is not a file")
        measure(clip)


if __name__ == "__main__":
    main()
