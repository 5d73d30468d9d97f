"""Landmarks of a whole recording, fast: each part at its own rate, in chunks, on both cores.

Five measured choices make a 2-minute answer take a fraction of its length on two cores:

- **The face often, the body rarely.** On real 1280x720 footage Holistic (pose, face and
  hands) costs 41-59 ms a frame here, FaceMesh with irises alone 5-8 ms. The face, which
  eye contact and the head's movement are read from, is analysed by FaceMesh on about
  ``SAMPLE_HZ`` frames a second (see the Sampler), in a crop around it (review.landmarks.facecrop);
  the pose and the hands by Holistic on ``BODY_HZ`` of those frames a second, and on every
  one of them for ``HAND_DENSE_S`` after a hand was near the face (``BodySchedule``), and on
  any frame whose face FaceMesh did not find (Holistic then shows where it is). Where both
  ran, the face is FaceMesh's, unless FaceMesh found someone other than the person whose
  pose Holistic measured; Holistic finds its own face (a fifth of its cost on a webcam
  close-up) only where it is used (``LandmarkExtractor.row_rgb``'s ``face``).
- **Sampling.** The face is analysed on every frame for ``DENSE_S`` seconds whenever the head
  has turned back twice within ``REVERSAL_S`` (each time after moving at least ``MIN_STEP``
  face widths): posture, gaze and slow rocking are followed well at 10 Hz, fast small
  oscillation is not (at 10 Hz a 3 Hz bounce of 2 % of the frame height lost a third of its
  swings). The frames in between get each part interpolated linearly from the frames where
  that part was measured (NaN when either is NaN, so nothing is invented across a gap).
- **Chunks.** The recording is cut into chunks of about ``CHUNK_S`` seconds of presentation
  time, each boundary moved to a key frame near it when there is one (decoding can start only
  at a key frame; a chunk starting elsewhere decodes frames it then throws away). MediaPipe's
  tracking restarts at each chunk. The chunks depend on the file only, not on how many
  processes run, so the result is the same with one process or several.
- **Processes.** Each chunk is decoded (seeking to it) and analysed by a worker process
  (review.landmarks.workers); the chunks are shared among ``workers`` processes (default: one per
  core), longest first so that the short ones even out the end, and the glance at a few frames
  (review.landmarks.glance) comes last. No frame crosses between processes, so memory stays flat
  whatever the length of the recording.
- **Only what is analysed is converted.** A decoded frame becomes an RGB array only if
  MediaPipe is to see it (converting costs about as much as decoding), and the decoder runs
  on one thread (MediaPipe already keeps each core busy).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import types
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypedDict

import numpy as np
from numpy.typing import NDArray

from review.detectors.geometry import face_box_px, hands_px, head_point, pose_px, pose_visible
from review.landmarks import facecrop, glance, heap
from review.landmarks import workers as workers_module
from review.landmarks.holistic import (
    FACE_BOX_COLUMN,
    FACE_COLUMNS,
    MAX_INFERENCE_SIDE,
    ROW_SIZE,
    LandmarkExtractor,
    Landmarks,
    quiet_native_stderr,
)
from review.landmarks.holistic import PoseLandmark as P
from review.media import video

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

#: Frames a second whose face is analysed (the rest are interpolated). None: every frame.
#: 7.5 while Holistic analysed everything; 10 once the face was FaceMesh's alone (a sixth of
#: the cost): on the 38 labelled clips fidgeting went from 0.97 to 0.98 (held out: 0.97 to
#: 1.00, man G's bounce 0.94 to 0.97), the rest the same.
SAMPLE_HZ: float | None = 10.0
#: Two head reversals within this many seconds mean a fast oscillation (above about 1 Hz) ...
REVERSAL_S = 0.5
#: ... counting only steps between analysed frames of at least this many face widths ...
MIN_STEP = 0.03
#: ... and then every frame is analysed for this many seconds.
DENSE_S = 0.5
#: After the face is lost, every frame is analysed for this long to find it again. (A face
#: under 8 % of the frame's side was also followed on every frame while Holistic tracked it;
#: in FaceMesh's crop it is large: without that rule classroom.gif's slumping went from 0.82
#: to 0.91, the rest the same, and a signing woman set small in a 1280x720 frame took 22 s
#: instead of 29 s in one process.)
LOST_DENSE_S = 1.0
#: Frames a second on which the pose and hands are analysed too (Holistic, about six times
#: the face's cost); None when every frame is. On every-frame landmarks of the 38 labelled
#: clips, following the body at 7.5, 3.75, 2.5 and 1.5 frames a second gave the same macro
#: figures but for slumping (0.979, 0.978, 0.976, 0.975) and touching (2.5 and below lost a
#: 0.36 s touch of man H's, which the wider HAND_NEAR then found). 2.5 until Holistic's face
#: was gated; 2.0 since: on the 2-minute real answer 363 instead of 417 Holistic frames
#: (a thirteenth fewer), sampled figures the same but aslbook_slump's slumping (0.99 -> 0.96)
#: and cap12's fidgeting (0.99 -> 1.00).
BODY_HZ = 2.0
#: A hand (or the pose's wrist or index finger) within this many face widths of the face box
#: makes the body followed at the face's rate (at 1 face width man H's hand, on its way to
#: his mouth, was 2.2 face widths from his face's centre on the frame before) ...
HAND_NEAR = 2.0
#: ... for this many seconds.
HAND_DENSE_S = 1.0
#: Length of a chunk (seconds of presentation time); tracking restarts at each.
CHUNK_S = 6.0
#: A frame on which the tracked pose was lost is given to Holistic again this much later on
#: its clock (so that it detects the person afresh on it); so is a frame FaceMesh looks at
#: twice (each graph's clock must move on).
RETRY_S = 1e-3


_NOSE_COLUMN = P.NOSE * 4  # x of the pose's nose: NaN when no pose was found
_POSE_FACE_POINTS = P.MOUTH_RIGHT + 1  # the pose's points 0-10 are on the face
_POSE_HAND = (P.LEFT_WRIST, P.RIGHT_WRIST, P.LEFT_INDEX, P.RIGHT_INDEX)


@dataclass(frozen=True)
class Chunk:
    """A stretch of the recording analysed in one go: frames with start_s <= time < end_s."""

    start_s: float
    end_s: float


@dataclass(frozen=True)
class ChunkResult:
    """Landmarks of one chunk.

    Attributes:
        time_s: (N,) times of every frame of the chunk.
        rows: (N, ROW_SIZE) float32 landmark rows; NaN rows for frames not analysed.
        analysed: (N,) bool, the face was analysed on the frame.
        body_analysed: (N,) bool, so were the pose and hands.
        warning: A decoding warning to pass on, or "".

    """

    time_s: NDArray[np.float64]
    rows: NDArray[np.float32]
    analysed: NDArray[np.bool_]
    body_analysed: NDArray[np.bool_]
    warning: str = ""


def plan_chunks(
    duration_s: float, chunk_s: float = CHUNK_S, keyframes_s: NDArray[np.float64] | None = None
) -> list[Chunk]:
    """Chunks of about ``chunk_s`` covering the recording (one open-ended if its length is unknown).

    A boundary moves to the key frame nearest it within half a chunk, if there is one, so that
    the chunk after it starts decoding where it starts keeping frames: otherwise it decodes
    from the key frame before (up to 8 s of frames at x264's default spacing) and throws that
    away. Chunks stay at least half a chunk long.
    """
    if not math.isfinite(duration_s) or duration_s <= chunk_s:
        return [Chunk(0.0, math.inf)]
    keys = np.zeros(0) if keyframes_s is None else np.asarray(keyframes_s, dtype=float)
    n = math.ceil(duration_s / chunk_s)
    starts = [0.0]
    for k in range(1, n):
        target = k * chunk_s
        lo = max(target, starts[-1] + chunk_s) - chunk_s / 2
        hi = min(target + chunk_s / 2, duration_s - chunk_s / 2)
        near = keys[(keys >= lo) & (keys <= hi)]
        starts.append(float(near[np.argmin(np.abs(near - target))]) if len(near) else target)
    return [Chunk(s, starts[k + 1] if k + 1 < n else math.inf) for k, s in enumerate(starts)]


class Sampler:
    """Decides, frame by frame, which frames to analyse.

    About ``sample_hz`` frames a second are taken (a frame once a period, less a quarter of
    a frame gap, has passed since the last one taken: at 30 fps and 10 Hz, every third); every
    frame while the head oscillates fast and for a moment after the face is lost (see
    ``observe``). None takes every frame.
    """

    def __init__(self, sample_hz: float | None, fps: float) -> None:
        gap = 1.0 / fps if fps and math.isfinite(fps) and fps > 0 else 0.0
        self._had_face = False
        self.period = None if sample_hz is None else 1.0 / sample_hz - gap / 4
        self.last = -math.inf
        self.dense_until = -math.inf
        self._head: NDArray[np.float64] | None = None  # head position at the last analysed frame
        self._step: NDArray[np.float64] | None = None  # the last step of at least MIN_STEP
        self._reversals: list[float] = []
        self._observed = -math.inf  # time of the last frame observed

    def take(self, time_s: float) -> bool:
        """Whether to analyse the frame at ``time_s`` (times must increase)."""
        due = self.period is None or time_s - self.last >= self.period
        if not (due or time_s <= self.dense_until):
            return False
        self.last = time_s
        return True

    def observe(self, time_s: float, head_xy: NDArray[np.float64], face_width: float) -> None:
        """Report the head position (pixels) found in an analysed frame, NaN if none.

        Steps are measured over one sampling period even while every frame is analysed, so
        an oscillation keeps looking the same once the sampling has become dense.
        """
        found = bool(np.all(np.isfinite(head_xy)) and face_width > 0)
        if not found and self._had_face:
            self.dense_until = max(self.dense_until, time_s + LOST_DENSE_S)  # find it again
        self._had_face = found
        if self.period is not None and time_s - self._observed < self.period:
            return
        self._observed = time_s
        if not found:
            self._head, self._step = None, None
            return
        if self._head is not None:
            step = (head_xy - self._head) / face_width
            if float(np.hypot(*step)) >= MIN_STEP:
                if self._step is not None and float(np.dot(step, self._step)) < 0:
                    self._reversals = [t for t in self._reversals if time_s - t <= REVERSAL_S]
                    self._reversals.append(time_s)
                    if len(self._reversals) >= 2:
                        self.dense_until = time_s + DENSE_S
                self._step = step
        self._head = head_xy


def _head_and_face_width(
    row: NDArray[np.float32], frame_size: tuple[int, int]
) -> tuple[NDArray[np.float64], float]:
    lm = Landmarks.from_flat(np.zeros(1), row[None, :], frame_size)
    width = float((lm.face_box[0, 2] - lm.face_box[0, 0]) * frame_size[0])
    return head_point(lm)[0], width


def interpolate_rows(
    time_s: NDArray[np.float64], rows: NDArray[np.floating[Any]], analysed: NDArray[np.bool_]
) -> NDArray[np.float32]:
    """Fill frames not analysed by linear interpolation in time between analysed neighbours.

    A frame before the first or after the last analysed frame, or between two analysed frames
    of which either value is NaN, stays NaN.

    Args:
        time_s: (N,) frame times.
        rows: (N, R) values; rows of frames not analysed are ignored.
        analysed: (N,) bool.

    Returns:
        (N, R) float32.

    """
    out = np.array(rows, dtype=np.float32, copy=True)
    idx = np.flatnonzero(analysed)
    todo = np.flatnonzero(~analysed)
    out[todo] = np.nan
    if len(idx) < 2 or len(todo) == 0:
        return out
    pos = np.searchsorted(idx, todo)
    inside = (pos > 0) & (pos < len(idx))
    todo, pos = todo[inside], pos[inside]
    left, right = idx[pos - 1], idx[pos]
    w = ((time_s[todo] - time_s[left]) / (time_s[right] - time_s[left]))[:, None]
    out[todo] = (1 - w) * rows[left] + w * rows[right]
    return out


def _hand_near_face(row: NDArray[np.float32], frame_size: tuple[int, int]) -> bool:
    """A hand (or the pose's wrist or fingers) within HAND_NEAR face widths of the face box."""
    lm = Landmarks.from_flat(np.zeros(1), row[None, :], frame_size)
    box = face_box_px(lm)[0]
    if np.isnan(box).any():
        return False
    width = box[2] - box[0]
    hands = hands_px(lm)[0].reshape(-1, 2)
    points = [hands[np.isfinite(hands).all(axis=1)]]
    for point in _POSE_HAND:
        if pose_visible(lm, point)[0]:
            points.append(pose_px(lm, point))
    pts = np.concatenate(points)
    if not len(pts):
        return False
    margin = HAND_NEAR * width
    inside_x = (pts[:, 0] >= box[0] - margin) & (pts[:, 0] <= box[2] + margin)
    inside_y = (pts[:, 1] >= box[1] - margin) & (pts[:, 1] <= box[3] + margin)
    return bool(np.any(inside_x & inside_y))


class BodySchedule:
    """Decides, among the frames whose face is analysed, which also get the body (Holistic).

    About ``body_hz`` frames a second (posture changes over seconds; swaying and rocking also
    carry the head, which is followed at the face's rate), and ``dense_hz`` for
    ``HAND_DENSE_S`` after a hand was seen near the face (touches are brief). None: every
    frame. The caller also runs the body on any frame whose face FaceMesh did not find.
    """

    def __init__(
        self,
        body_hz: float | None,
        dense_hz: float | None,
        fps: float,
        frame_size: tuple[int, int],
    ) -> None:
        gap = 1.0 / fps if fps and math.isfinite(fps) and fps > 0 else 0.0
        self.period = None if body_hz is None else 1.0 / body_hz - gap / 4
        self.dense_period = 0.0 if dense_hz is None else 1.0 / dense_hz - gap / 4
        self.frame_size = frame_size
        self.last = -math.inf
        self.dense_until = -math.inf

    def due(self, time_s: float) -> bool:
        """Whether the body is due at ``time_s``."""
        since = time_s - self.last
        if self.period is None or since >= self.period:
            return True
        return time_s <= self.dense_until and since >= self.dense_period

    def taken(self, time_s: float, row: NDArray[np.float32]) -> None:
        """Report the landmarks found with the body at ``time_s``."""
        self.last = time_s
        if _hand_near_face(row, self.frame_size):
            self.dense_until = time_s + HAND_DENSE_S


def _face_box(row: NDArray[np.float32], frame_size: tuple[int, int]) -> NDArray[np.float64]:
    box = row[FACE_BOX_COLUMN : FACE_BOX_COLUMN + 4].astype(np.float64)
    return box * (frame_size[0], frame_size[1], frame_size[0], frame_size[1])


def _same_face(a: NDArray[np.float64], b: NDArray[np.float64]) -> bool:
    """Two face boxes (pixels) are one face: centres within half a face width."""
    if np.isnan(a).any() or np.isnan(b).any():
        return False
    return _near(_box_centre(a), _box_centre(b), max(a[2] - a[0], b[2] - b[0]))


def _box_centre(box: NDArray[np.float64]) -> NDArray[np.float64]:
    return (box[:2] + box[2:]) / 2


def _near(a: NDArray[np.float64], b: NDArray[np.float64], face_width: float) -> bool:
    """Two points (pixels) are within half a face width of each other."""
    return bool(np.hypot(*(a - b)) <= face_width / 2)


def _pose_face_centre(
    row: NDArray[np.float32], frame_size: tuple[int, int]
) -> NDArray[np.float64] | None:
    """The mean of the pose's face points (nose, eyes, ears, mouth) in pixels; None: no pose."""
    points = row[: _POSE_FACE_POINTS * 4].reshape(-1, 4)[:, :2].astype(np.float64)
    if np.isnan(points).any():
        return None
    return points.mean(axis=0) * frame_size  # type: ignore[no-any-return]


def _face_on_pose(
    box_px: NDArray[np.float64], row: NDArray[np.float32], frame_size: tuple[int, int]
) -> bool:
    """Whether a face box (pixels) is the face of the pose in ``row``.

    Its centre must be within half a face width of the pose's face points' mean
    (``_pose_face_centre``). True when there is no pose to tell by.
    """
    centre = _pose_face_centre(row, frame_size)
    if centre is None or np.isnan(box_px).any():
        return True
    return _near(centre, _box_centre(box_px), box_px[2] - box_px[0])


class _FaceFollower:
    """FaceMesh on a crop around the face last seen (see facecrop); the whole frame at first.

    The face is kept in the recording's pixels (``frame_size``); the crop is cut in the pixels
    of the image given, which MediaPipe gets at most MAX_INFERENCE_SIDE wide (a 1920x1080
    recording is analysed at 1280x720).
    """

    def __init__(self, extractor: LandmarkExtractor) -> None:
        self.extractor = extractor
        self.box: NDArray[np.float64] | None = None  # the face last seen, recording pixels

    def place(self, box_px: NDArray[np.float64], frame_size: tuple[int, int]) -> bool:
        """Look around this face box from now on; False (and no change) if it is no face."""
        found = facecrop.around(box_px, frame_size) is not None
        if found:
            self.box = np.asarray(box_px, dtype=np.float64)
        return found

    def recentre(self, row: NDArray[np.float32], frame_size: tuple[int, int]) -> None:
        """Look where the pose in ``row`` has its face, if the face last seen is not there."""
        centre = _pose_face_centre(row, frame_size)
        if self.box is None or centre is None or _face_on_pose(self.box, row, frame_size):
            return
        half = (self.box[2:] - self.box[:2]) / 2
        self.box = np.concatenate([centre - half, centre + half])

    def row(
        self, image: NDArray[np.uint8], t: float, frame_size: tuple[int, int]
    ) -> NDArray[np.float32]:
        """FaceMesh's landmarks, in the whole frame's units; the crop follows the face found."""
        if self.box is None:
            row = self.extractor.face_row_rgb(image, t)
        else:
            size = (image.shape[1], image.shape[0])
            box = self.box
            if size != frame_size:
                sx, sy = size[0] / frame_size[0], size[1] / frame_size[1]
                box = box * (sx, sy, sx, sy)
            crop = facecrop.around(box, size)
            assert crop is not None  # placed only where it makes one
            # The face nearest where it was: a crop around one of several people close
            # together (a teacher among children) may hold another face.
            near = (
                ((box[0] + box[2]) / 2 - crop.x0) / crop.width,
                ((box[1] + box[3]) / 2 - crop.y0) / crop.height,
            )
            row = self.extractor.face_row_rgb(crop.image(image), t, near)
            row[FACE_COLUMNS] = facecrop.to_frame(row[FACE_COLUMNS], crop, size)
        if not np.isnan(row[FACE_BOX_COLUMN]):
            self.place(_face_box(row, frame_size), frame_size)
        return row


def _body_rate(sample_hz: float | None) -> float | None:
    return None if sample_hz is None else min(BODY_HZ, sample_hz)


def extract_chunk(
    path: str,
    info: video.VideoInfo,
    chunk: Chunk,
    sample_hz: float | None,
    extractor: LandmarkExtractor,
    tick: Callable[[], None] | None = None,
) -> ChunkResult:
    """Decode one chunk and run MediaPipe on its sampled frames (tracking starts afresh).

    The face (FaceMesh) is analysed on the frames the ``Sampler`` takes; the pose and hands
    (Holistic) on those the ``BodySchedule`` also takes, and on any whose face FaceMesh did not
    find (Holistic finds small and turned faces from the pose). Where both ran, the face is
    FaceMesh's, so that the face is followed by one tracker throughout.

    The decision to analyse a frame needs the next frame's time only for the last frame, so
    one frame is held back: the chunk is streamed, never held in memory. Only the frames
    analysed are turned into arrays, and the decoder runs on one thread: MediaPipe keeps a
    core busy, so decoding threads would only compete with it (and with the other workers).
    """
    extractor.reset()
    times: list[float] = []
    rows: list[NDArray[np.float32]] = []
    analysed: list[bool] = []
    body_analysed: list[bool] = []
    nan_row = np.full(ROW_SIZE, np.nan, dtype=np.float32)
    size = (info.width, info.height)
    sampler = Sampler(sample_hz, info.fps)
    body = BodySchedule(_body_rate(sample_hz), sample_hz, info.fps, size)
    face = _FaceFollower(extractor)
    pose_tracked = [False]

    def whole_row(image: NDArray[np.uint8], t: float, with_face: bool) -> NDArray[np.float32]:
        row = extractor.row_rgb(image, t, face=with_face)
        if pose_tracked[0] and np.isnan(row[_NOSE_COLUMN]):
            # Lost: Holistic tracks from where the person was in the frame it saw last, which
            # with sampling is a while back; it finds them again by detecting afresh, which it
            # does on the next frame it is given: give it this one again.
            row = extractor.row_rgb(image, t + RETRY_S, face=with_face)
        pose_tracked[0] = not np.isnan(row[_NOSE_COLUMN])
        return row

    def body_for(
        image: NDArray[np.uint8], t: float, row: NDArray[np.float32]
    ) -> NDArray[np.float32]:
        """Holistic's pose and hands for the last frame, with FaceMesh's face ``row``."""
        if np.isnan(row[FACE_BOX_COLUMN]):
            return merged(whole_row(image, t, True), row)
        whole = whole_row(image, t, False)
        if not _face_on_pose(_face_box(row, size), whole, size):
            whole = whole_row(image, t + 3 * RETRY_S, True)  # after whole_row's own retry
        return merged(whole, row)

    def landmarks_of(
        frame: video.DecodedFrame, with_body: bool
    ) -> tuple[NDArray[np.float32], bool]:
        """FaceMesh's face and, with the body or where FaceMesh found no face, Holistic's.

        Holistic's face (from the pose) is asked for only where it is needed: to show FaceMesh
        where to look first, where FaceMesh did not find the face, and where FaceMesh found
        someone other than the person whose pose is measured. On the other body frames
        FaceMesh looks where the pose has its face, if the face it saw last is not there.
        """
        image = frame.array(MAX_INFERENCE_SIDE, rgb=True)
        if image is None:  # decoded but unusable: the frame stays, unjudged
            return nan_row, with_body
        t = frame.time_s - chunk.start_s + 1.0
        whole, whole_face = None, False
        if face.box is None:
            # FaceMesh alone does not find a face small in the frame: Holistic shows where.
            whole, whole_face = whole_row(image, t, True), True
            face.place(_face_box(whole, size), size)
        elif with_body:
            whole = whole_row(image, t, False)
            face.recentre(whole, size)
        row = face.row(image, t, size)
        found = not np.isnan(row[FACE_BOX_COLUMN])
        if not whole_face and (
            not found
            or (whole is not None and not _face_on_pose(_face_box(row, size), whole, size))
        ):
            # Not found where it was, or someone else: Holistic finds the person's face from
            # the pose, and FaceMesh looks again where Holistic found it.
            whole = whole_row(image, t + (3 * RETRY_S if whole is not None else 0.0), True)
            if not found and face.place(_face_box(whole, size), size):
                row = face.row(image, t + RETRY_S, size)  # a graph's clock must move on
        if whole is None:
            return row, False
        whole = merged(whole, row)
        body.taken(frame.time_s, whole)
        return whole, True

    def merged(whole: NDArray[np.float32], row: NDArray[np.float32]) -> NDArray[np.float32]:
        """Holistic's row with FaceMesh's face, if it is the face of the person measured."""
        if _same_face(_face_box(row, size), _face_box(whole, size)) or np.isnan(
            whole[FACE_BOX_COLUMN]
        ):
            whole[FACE_COLUMNS] = row[FACE_COLUMNS]
        else:
            # FaceMesh found someone else (two people side by side): the face must be the
            # person whose pose is measured, or the head is set on another's shoulders.
            face.place(_face_box(whole, size), size)
        return whole

    def body_of(frame: video.DecodedFrame, row: NDArray[np.float32]) -> NDArray[np.float32]:
        image = frame.array(MAX_INFERENCE_SIDE, rgb=True)
        if image is None:
            return row
        return body_for(image, frame.time_s - chunk.start_s + 1.0, row)

    last: video.DecodedFrame | None = None  # the latest frame decoded
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", video.DecodeWarning)
        for frame in video.decoded_frames(path, info, chunk.start_s, chunk.end_s, threads=1):
            take = sampler.take(frame.time_s)
            times.append(frame.time_s)
            if take:
                row, with_body = landmarks_of(frame, body.due(frame.time_s))
                rows.append(row)
                sampler.observe(frame.time_s, *_head_and_face_width(row, size))
            else:
                rows.append(nan_row)
                with_body = False
            last = frame
            analysed.append(take)
            body_analysed.append(with_body)
            if tick is not None:
                tick()
        # Always analyse the chunk's last frame, face and body, so that nothing after the
        # last analysed frame is left unknown.
        if last is not None and not analysed[-1]:
            rows[-1], _ = landmarks_of(last, True)
        elif last is not None and not body_analysed[-1]:
            rows[-1] = body_of(last, rows[-1])
        if last is not None:
            analysed[-1] = body_analysed[-1] = True
    warning = "; ".join(str(w.message) for w in caught if w.category is video.DecodeWarning)
    result = ChunkResult(
        time_s=np.asarray(times, dtype=np.float64),
        rows=np.asarray(rows, dtype=np.float32).reshape(len(rows), ROW_SIZE),
        analysed=np.asarray(analysed, dtype=bool),
        body_analysed=np.asarray(body_analysed, dtype=bool),
        warning=warning,
    )
    heap.give_back_freed_memory()  # what decoding and MediaPipe freed, before the next chunk
    return result


# Worker processes ---------------------------------------------------------------------------


class _WorkerState(TypedDict, total=False):
    """What a worker process keeps for its life (set by ``init_worker``)."""

    extractor: LandmarkExtractor
    counter: Synchronized[int]
    quiet: contextlib.AbstractContextManager[None]


_worker: _WorkerState = {}


def _exit_with_parent(parent: int) -> None:
    """End this worker when the process that started it is gone (e.g. killed with SIGKILL)."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _import_mediapipe_without_pyplot() -> None:
    """Import MediaPipe in a worker without the matplotlib it loads for drawing (0.7 s).

    ``mediapipe.solutions`` imports its drawing helpers, which import ``matplotlib.pyplot``:
    0.7 of the 1.1 s MediaPipe takes to import here, paid by every worker at every start, for
    plotting no worker does. While MediaPipe is imported, matplotlib is a placeholder; it is
    taken away at once, so anything importing matplotlib later gets the real one. Workers
    only: in the caller's process MediaPipe is imported as it is (its drawing helpers work).
    """
    placeholders = [name for name in ("matplotlib", "matplotlib.pyplot") if name not in sys.modules]
    for name in placeholders:
        sys.modules[name] = types.ModuleType(name)
    try:
        import mediapipe  # noqa: F401
    finally:
        for name in placeholders:
            del sys.modules[name]


def init_worker(counter: Synchronized[int], parent: int) -> None:
    """Set up a worker process (workers starts them): MediaPipe, its graphs, quiet."""
    _exit_with_parent(parent)
    _import_mediapipe_without_pyplot()
    quiet = quiet_native_stderr()
    quiet.__enter__()  # for the life of the worker: MediaPipe's native logs stay quiet
    extractor = LandmarkExtractor().__enter__()
    _worker.update({"extractor": extractor, "counter": counter, "quiet": quiet})


def _tick_shared() -> None:
    counter = _worker["counter"]
    with counter.get_lock():
        counter.value += 1


def _run_chunk(
    path: str, info: video.VideoInfo, chunk: Chunk, sample_hz: float | None
) -> ChunkResult:
    return extract_chunk(path, info, chunk, sample_hz, _worker["extractor"], _tick_shared)


def default_workers() -> int:
    """One worker process per core this process may use."""
    return workers_module.default_count()


def extract_landmarks(
    path: str | os.PathLike[str],
    info: video.VideoInfo | None = None,
    sample_hz: float | None = SAMPLE_HZ,
    workers: int | None = None,
    chunk_s: float = CHUNK_S,
    on_frames: Callable[[int], None] | None = None,
) -> Landmarks:
    """Landmarks of every frame of a recording (see the module's notes).

    Args:
        path: The video file.
        info: Its VideoInfo, to skip probing again.
        sample_hz: Frames analysed per second; None analyses every frame.
        workers: Processes to use; default one per core. With one, no process is started.
        chunk_s: Chunk length in seconds (results depend on it, not on ``workers``).
        on_frames: Called with the number of frames done so far (for progress bars).

    Returns:
        Landmarks with one row per decoded frame.

    """
    return read_recording(path, info, sample_hz, workers, chunk_s, on_frames, False)[0]


def read_recording(
    path: str | os.PathLike[str],
    info: video.VideoInfo | None = None,
    sample_hz: float | None = SAMPLE_HZ,
    workers: int | None = None,
    chunk_s: float = CHUNK_S,
    on_frames: Callable[[int], None] | None = None,
    with_glance: bool = True,
) -> tuple[Landmarks, glance.Glance | None]:
    """``extract_landmarks``, and a glance at a few frames (glance) in the same workers.

    The glance is the last task given to the worker processes, so it fills the time one of
    them would otherwise wait for the other to finish its last chunk. ``with_glance=False``
    skips it (the glance is then None).
    """
    path = os.fspath(path)
    info = info or video.probe(path)
    keyframes = video.keyframe_times(path, info) if math.isfinite(info.duration_s) else None
    chunks = plan_chunks(info.duration_s, chunk_s, keyframes)
    count = min(workers or default_workers(), len(chunks))
    # Workers started already (review.landmarks.workers) are used even for one chunk, unless one
    # process was asked for.
    started = workers_module.active() is not None and workers != 1
    if count <= 1 and not started:
        results = _extract_here(path, info, chunks, sample_hz, on_frames)
        look = glance.look(path, info) if with_glance else None
    else:
        results, look = _extract_in_processes(
            path, info, chunks, sample_hz, count, on_frames, with_glance
        )
    for r in results:
        if r.warning:
            warnings.warn(r.warning, video.DecodeWarning, stacklevel=2)
    time_s = np.concatenate([r.time_s for r in results]) if results else np.zeros(0)
    rows = np.concatenate([r.rows for r in results]) if results else np.zeros((0, ROW_SIZE))
    analysed = np.concatenate([r.analysed for r in results]) if results else np.zeros(0, bool)
    body = np.concatenate([r.body_analysed for r in results]) if results else np.zeros(0, bool)
    filled = interpolate_rows(time_s, rows, body)
    filled[:, FACE_COLUMNS] = interpolate_rows(time_s, rows[:, FACE_COLUMNS], analysed)
    lm = Landmarks.from_flat(time_s, filled, (info.width, info.height), analysed, body)
    return lm, look


def _extract_here(
    path: str,
    info: video.VideoInfo,
    chunks: list[Chunk],
    sample_hz: float | None,
    on_frames: Callable[[int], None] | None,
) -> list[ChunkResult]:
    done = [0]

    def tick() -> None:
        done[0] += 1
        if on_frames is not None:
            on_frames(done[0])

    with quiet_native_stderr(), LandmarkExtractor() as extractor:
        return [extract_chunk(path, info, c, sample_hz, extractor, tick) for c in chunks]


def _extract_in_processes(
    path: str,
    info: video.VideoInfo,
    chunks: list[Chunk],
    sample_hz: float | None,
    count: int,
    on_frames: Callable[[int], None] | None,
    with_glance: bool,
) -> tuple[list[ChunkResult], glance.Glance | None]:
    shared = workers_module.active()
    pool = shared or workers_module.Workers(count)
    pool.counter.value = 0
    try:
        # Longest first, so that the short chunks even out the end (results keep time order).
        longest_first = sorted(chunks, key=lambda c: -(min(c.end_s, info.duration_s) - c.start_s))
        with pool.starting():  # the processes start as tasks are submitted
            submitted = {
                c: pool.pool.submit(_run_chunk, path, info, c, sample_hz) for c in longest_first
            }
            look = pool.pool.submit(glance.look, path, info) if with_glance else None
        futures = [submitted[c] for c in chunks]
        pending: set[Future[Any]] = set(futures) | ({look} if look else set())
        while pending:
            _done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            if on_frames is not None:
                on_frames(pool.counter.value)
        results = [f.result() for f in futures], look.result() if look else None
    except BaseException:
        if shared is None:
            pool.kill()
        raise
    if shared is None:
        pool.close()  # the workers exit while the results are being judged
    return results
