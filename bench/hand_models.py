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


def holistic_hands(graph: Any, image: np.ndarray, t: float, size: tuple[int, int]) -> Hands:
    result = holistic.LandmarkExtractor._process(graph, image, t, False)
    out = []
    for name in ("left_hand_landmarks", "right_hand_landmarks"):
        hand = getattr(result, name)
        out.append(None if hand is None else np.array([(p.x, p.y) for p in hand.landmark]) * size)
    return out


def face_boxes(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The face box of each frame, pixels (NaN: none), from Holistic's face (review has it)."""
    graph = holistic._holistic_face_on_request()
    boxes = []
    for k, image in enumerate(frames):
        h, w = image.shape[:2]
        face = holistic.LandmarkExtractor._process(graph, image, 1.0 + k / 10, True).face_landmarks
        if face is None:
            boxes.append(np.full(4, np.nan))
            continue
        xy = np.array([(p.x, p.y) for p in face.landmark]) * (w, h)
        boxes.append(np.concatenate([xy.min(axis=0), xy.max(axis=0)]))
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
            points = np.array([(p.x, p.y) for p in hand.landmark]) * (x1 - x0, y1 - y0) + (x0, y0)
            # Hands names the side as a mirror would show it; Holistic names the person's own.
            out[0 if side.classification[0].label == "Right" else 1] = points
        return out


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


def interleaved(
    n: int, shipped: Callable[[int], Hands], other: Callable[[int], Hands]
) -> tuple[list[Hands], list[Hands], tuple[float, float]]:
    """Both on frames 0..n-1, taking turns to go first; their hands and ms a frame."""
    spent = [0.0, 0.0]
    results: tuple[list[Hands], list[Hands]] = ([], [])
    for k in range(n):
        for which in (0, 1) if k % 2 else (1, 0):
            start = time.perf_counter()
            hands = (shipped, other)[which](k)
            spent[which] += time.perf_counter() - start
            results[which].append(hands)
    return results[0], results[1], (1000 * spent[0] / max(n, 1), 1000 * spent[1] / max(n, 1))


def measure(clip: Path) -> None:
    frames = frames_of(clip)
    size = (frames[0].shape[1], frames[0].shape[0])
    half = [np.ascontiguousarray(cv2.resize(f, (size[0] // 2, size[1] // 2))) for f in frames]
    boxes = face_boxes(frames)
    faces = sum(not np.isnan(b).any() for b in boxes)
    print(f"{clip.name}: {len(frames)} frames ({size[0]}x{size[1]}, every {EVERY}), {faces} faces")
    for name in ("lite", "half", "crop"):
        base = holistic._holistic_face_on_request()
        other = {
            "lite": lite_hands_holistic,
            "half": holistic._holistic_face_on_request,
            "crop": CropHands,
        }[name]()
        images = half if name == "half" else frames

        def shipped(k: int, base: Any = base) -> Hands:
            return holistic_hands(base, frames[k], 1.0 + k / 10, size)

        def alternative(k: int, other: Any = other, images: list[np.ndarray] = images) -> Hands:
            if isinstance(other, CropHands):
                return other(frames[k], boxes[k])
            return holistic_hands(other, images[k], 1.0 + k / 10, size)

        compare(name, *interleaved(len(frames), shipped, alternative))
        base.close()
        (other.hands if isinstance(other, CropHands) else other).close()


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
