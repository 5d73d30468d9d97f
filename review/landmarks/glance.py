"""A glance at a few frames spread over the recording: other people in view, picture quality.

MediaPipe Holistic follows one person and says nothing about anyone else. So a dozen frames
spread over the recording (``video.spread_frames``: one seek and one decoded key frame each,
a fraction of a second in all) go through MediaPipe's face detector (BlazeFace, full-range
model: the short-range one missed a second, smaller person beside the main one). This gives:

- **Other people.** The most faces seen at once (``people_max``), and whether the person
  Holistic followed was the main one: the largest, most central face.
- **Picture quality.** In a dark or noisy picture the landmarks jitter, and jitter looks like
  fidgeting: a still man filmed at a fifth of the light with noise was "fidgeting" 29-87 % of
  the time, while eye contact and posture were still read right. So the contrast of the main
  face (its detail, blurred over 3 px, at the face mesh's own 192 px scale) is compared with
  the picture's noise there; below ``MIN_CONTRAST_TO_NOISE`` movement is not judged in the
  frames nearest that glance. And a picture too dark for anyone to be found is said to be so.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from review.media import video

#: Frames looked at, spread evenly over the recording.
GLANCE_FRAMES = 12
#: BlazeFace score from which a face counts.
MIN_FACE_SCORE = 0.5
#: Face contrast over picture noise below which movement (fidgeting) is not judged. Measured
#: on ten darkened and noisy copies of a still man (upright.mp4): fidgeting was read right at
#: 3.1-77 and wrongly seen (29-96 % of the time) at 2.1-3.2, so the cut is on the safe side.
MIN_CONTRAST_TO_NOISE = 3.5
#: Mean brightness (0-255) under which a picture is called very dark.
DARK_BRIGHTNESS = 30.0
#: Width the face is scaled to before measuring (the face mesh's input size).
FACE_SIDE = 192

_LAPLACE = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


@dataclass(frozen=True)
class Glance:
    """What a few frames spread over the recording show.

    Attributes:
        time_s: (N,) times of the frames looked at, seconds.
        faces: N arrays (K, 4) of the faces found, x0, y0, x1, y1 normalised to the frame.
        contrast_to_noise: (N,) of the main face, NaN where no face was found.
        brightness: (N,) mean brightness of the frame, 0-255.

    """

    time_s: NDArray[np.float64]
    faces: list[NDArray[np.float64]]
    contrast_to_noise: NDArray[np.float64]
    brightness: NDArray[np.float64]

    @property
    def people_max(self) -> int:
        """The most faces seen in one frame."""
        return max((len(f) for f in self.faces), default=0)


def look(
    path: str | os.PathLike[str], info: video.VideoInfo | None = None, count: int = GLANCE_FRAMES
) -> Glance:
    """Look at ``count`` frames spread over a recording (see the module's notes)."""
    import mediapipe as mp

    from review.landmarks.holistic import quiet_native_stderr

    times, faces, ratios, brightness = [], [], [], []
    with (
        quiet_native_stderr(),
        mp.solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=MIN_FACE_SCORE
        ) as detector,
    ):
        for frame in video.spread_frames(path, info, count):
            gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
            boxes = face_boxes(detector.process(cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)))
            main = main_face(boxes)
            times.append(frame.time_s)
            faces.append(boxes)
            ratios.append(math.nan if main is None else contrast_to_noise(crop(gray, boxes[main])))
            brightness.append(float(gray.mean()))
    return Glance(
        time_s=np.asarray(times, dtype=float),
        faces=faces,
        contrast_to_noise=np.asarray(ratios, dtype=float),
        brightness=np.asarray(brightness, dtype=float),
    )


def face_boxes(result: object) -> NDArray[np.float64]:
    """(K, 4) x0, y0, x1, y1 of the faces in a MediaPipe face-detection result."""
    boxes = []
    for detection in getattr(result, "detections", None) or []:
        b = detection.location_data.relative_bounding_box
        boxes.append((b.xmin, b.ymin, b.xmin + b.width, b.ymin + b.height))
    return np.asarray(boxes, dtype=float).reshape(-1, 4)


def main_face(boxes: NDArray[np.float64]) -> int | None:
    """Index of the main face: the largest, most central (area times closeness to centre)."""
    if len(boxes) == 0:
        return None
    area = np.clip(boxes[:, 2] - boxes[:, 0], 0, 1) * np.clip(boxes[:, 3] - boxes[:, 1], 0, 1)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    off = np.hypot(centre[:, 0] - 0.5, centre[:, 1] - 0.5) / math.hypot(0.5, 0.5)
    return int(np.argmax(area * np.clip(1 - off, 0.05, 1)))


def crop(gray: NDArray[np.uint8], box: NDArray[np.float64]) -> NDArray[np.uint8]:
    """The part of a gray image inside a normalised box, scaled to FACE_SIDE wide."""
    h, w = gray.shape
    x0, x1 = (int(np.clip(v * w, 0, w)) for v in (box[0], box[2]))
    y0, y1 = (int(np.clip(v * h, 0, h)) for v in (box[1], box[3]))
    part = gray[y0:y1, x0:x1]
    if part.shape[0] < 8 or part.shape[1] < 8:
        return part
    height = max(8, round(part.shape[0] * FACE_SIDE / part.shape[1]))
    area = part.shape[1] > FACE_SIDE
    return cv2.resize(
        part, (FACE_SIDE, height), interpolation=cv2.INTER_AREA if area else cv2.INTER_LINEAR
    )


def contrast_to_noise(gray: NDArray[np.uint8]) -> float:
    """Detail of an image (spread of its 3-px blur) over its noise (Immerkaer's estimate).

    Immerkaer (1996), "Fast noise variance estimation": the noise's standard deviation from
    the mean absolute response to a Laplacian difference mask, which cancels smooth image
    structure. NaN for an image too small to measure.
    """
    if gray.shape[0] < 8 or gray.shape[1] < 8:
        return math.nan
    g = gray.astype(np.float32)
    response = cv2.filter2D(g, -1, _LAPLACE)[1:-1, 1:-1]
    noise = float(np.mean(np.abs(response)) * math.sqrt(math.pi / 2) / 6)
    detail = float(cv2.GaussianBlur(g, (0, 0), 3).std())
    return detail / max(noise, 0.5)


def poor_picture(glance: Glance, time_s: NDArray[np.float64]) -> NDArray[np.bool_]:
    """(T,) bool: frames whose nearest glance showed a face too dark or noisy to judge movement."""
    poor = np.zeros(len(time_s), dtype=bool)
    if len(glance.time_s) == 0 or len(time_s) == 0:
        return poor
    order = np.argsort(glance.time_s)
    t, ratio = glance.time_s[order], glance.contrast_to_noise[order]
    right = np.clip(np.searchsorted(t, time_s), 1, max(len(t) - 1, 1))
    left = right - 1
    if len(t) == 1:
        nearest = np.zeros(len(time_s), dtype=int)
    else:
        nearest = np.where(np.abs(time_s - t[left]) <= np.abs(t[right] - time_s), left, right)
    with np.errstate(invalid="ignore"):
        too_poor: NDArray[np.bool_] = ratio[nearest] < MIN_CONTRAST_TO_NOISE
    return too_poor


def followed_main(
    glance: Glance, face_box: NDArray[np.float32], time_s: NDArray[np.float64]
) -> tuple[int, int]:
    """On glance frames with more than one face, how often the tracked face was the main one.

    Args:
        glance: The glance.
        face_box: (T, 4) the face box Holistic tracked per frame (normalised; NaN if none).
        time_s: (T,) frame times.

    Returns:
        (frames where it was the main face, frames with several faces and a tracked face).

    """
    hits = total = 0
    if len(time_s) == 0:
        return 0, 0
    for t, boxes in zip(glance.time_s, glance.faces):
        if len(boxes) < 2:
            continue
        tracked = face_box[int(np.argmin(np.abs(time_s - t)))]
        if not np.all(np.isfinite(tracked)):
            continue
        total += 1
        cx, cy = (tracked[0] + tracked[2]) / 2, (tracked[1] + tracked[3]) / 2
        x0, y0, x1, y1 = boxes[main_face(boxes)]
        hits += int(x0 <= cx <= x1 and y0 <= cy <= y1)
    return hits, total


def notes(
    glance: Glance,
    poor: NDArray[np.bool_],
    followed: tuple[int, int],
    person_pct: float | None,
    weights: NDArray[np.float64],
) -> list[str]:
    """Plain-language notes on other people and the picture, for the summary.

    Args:
        glance: The glance.
        poor: (T,) frames with a person where movement was not judged (``poor_picture``).
        followed: ``followed_main``'s result.
        person_pct: Share of the recording with a person in view (%), None if unknown.
        weights: (T,) how long each frame is shown (``events.frame_durations``).

    """
    out = []
    n = glance.people_max
    if n >= 2:
        hits, total = followed
        if total and hits == total:
            whom = "the main one (the largest, most central face) on every frame checked"
        elif total:
            whom = (
                f"the main one (the largest, most central face) on only {hits} of the {total} "
                "frames checked, so the results may mix people"
            )
        else:
            whom = "one of them"
        out.append(
            f"Up to {n} people were in view (faces counted on {len(glance.time_s)} "
            f"frame{'s' if len(glance.time_s) != 1 else ''} spread over the recording). "
            f"The analysis follows one person: {whom}. "
            "Record alone for the clearest results."
        )
    share = float(np.sum(weights * poor) / np.sum(weights)) * 100 if np.sum(weights) > 0 else 0
    if share >= 0.5:
        out.append(
            f"The picture was too dark or noisy to judge movement for {share:.0f}% of the "
            "recording: there the landmarks jitter as fidgeting would, so fidgeting is not "
            "judged. Light your face from the front."
        )
    if len(glance.brightness):
        level = float(np.median(glance.brightness))
        if level < DARK_BRIGHTNESS:
            why = (
                ", which is probably why nobody was found for much of it."
                if (person_pct or 0.0) < 50
                else ": what could be judged was judged from a face barely seen."
            )
            out.append(
                f"The picture is very dark (brightness {level:.0f} of 255){why} "
                "Light your face from the front."
            )
    return out
