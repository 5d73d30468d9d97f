"""Drawing what was measured onto video frames: skeleton, face box, gaze arrow, habit flags.

``overlay(session)`` gathers, once, everything drawn on any frame; ``Overlay.at(i)`` gives one
frame's ``FrameMarks`` and ``draw(image, marks)`` (pure: image in, new image out) draws them.
``write_annotated`` (the edge) re-decodes the recording and writes ``annotated.mp4``: H.264
yuv420p, the same frames with the same presentation times, playable in a browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import cv2
import numpy as np
from numpy.typing import NDArray

from review.detectors import fidget, touch
from review.detectors.geometry import MIN_VISIBILITY, head_point
from review.errors import ReviewError
from review.judging.habits import BY_COLUMN, HABITS
from review.judging.session import Session
from review.landmarks.holistic import FacePoint as F
from review.landmarks.holistic import PoseLandmark as P
from review.presenting.keyframes import decoded_quietly
from review.presenting.timefmt import mmss

if TYPE_CHECKING:
    import av

    _AudioPacket = av.Packet[av.audio.stream.AudioStream]

#: Okabe-Ito colours of the habits (as in the timeline), by habit column.
HABIT_COLOURS = {h.column: h.colour for h in HABITS}
#: Short flag texts drawn on the frame, by habit column (what is wrong when the flag is on).
FLAG_TEXT = {h.column: h.problem for h in HABITS}
#: Gaze arrow length per unit of sin(angle), in face widths: 10 degrees draw 0.35 face widths.
ARROW_FACE_WIDTHS = 2.0
#: Colour of the gaze arrow while eye contact holds (Okabe-Ito sky blue).
GAZE_OK_COLOUR = "#56B4E9"
#: The annotated video's time base: 1/90000 s, as MPEG uses, so container times survive.
TIME_BASE = Fraction(1, 90000)
#: Audio codecs copied unchanged into annotated.mp4 (what MP4 holds and browsers play).
COPY_AUDIO_CODECS = {"aac", "mp3", "opus", "flac", "alac"}


class _Body(IntEnum):
    """Pose landmarks drawn but not measured (MediaPipe Pose indices)."""

    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_HIP = 23
    RIGHT_HIP = 24


#: Pose skeleton segments drawn (the body; the face has its box and the gaze arrow).
POSE_SEGMENTS = (
    (P.LEFT_SHOULDER, P.RIGHT_SHOULDER),
    (P.LEFT_SHOULDER, _Body.LEFT_ELBOW),
    (_Body.LEFT_ELBOW, P.LEFT_WRIST),
    (P.RIGHT_SHOULDER, _Body.RIGHT_ELBOW),
    (_Body.RIGHT_ELBOW, P.RIGHT_WRIST),
    (P.LEFT_SHOULDER, _Body.LEFT_HIP),
    (P.RIGHT_SHOULDER, _Body.RIGHT_HIP),
    (_Body.LEFT_HIP, _Body.RIGHT_HIP),
)
#: Hand landmark chains (MediaPipe Hands: 0 wrist, then 4 points per finger, thumb first).
HAND_CHAINS = (
    (0, 1, 2, 3, 4),
    (0, 5, 6, 7, 8),
    (9, 10, 11, 12),
    (13, 14, 15, 16),
    (0, 17, 18, 19, 20),
    (5, 9, 13, 17),
)


@dataclass(frozen=True)
class FrameMarks:
    """What is drawn on one frame. Coordinates are normalised like ``Landmarks`` (x, y in 0-1).

    Attributes:
        time_s: Presentation time of the frame, seconds.
        person: A person is in view (else no landmarks are drawn: they would be a phantom).
        pose: (33, 4) x, y, z, visibility of the pose landmarks (NaN if absent).
        face_box: (4,) x0, y0, x1, y1 of the face mesh (NaN if no face).
        hands: (2, 21, 3) hand landmarks (NaN where a hand is absent).
        eyes: (2,) x, y between the two irises (NaN if no face).
        face_width: Width of the face box (normalised x), NaN if no face.
        gaze_deg: (2,) gaze yaw (+ image right) and pitch (+ down) relative to the person's
            "looking at the lens" reference, degrees; NaN when unknown.
        states: Habit column -> 1.0 (habit shown; for "eye_contact" 1.0 is eye contact), 0.0,
            or NaN (not judged).
        head: (2,) x, y of the head point the slump is measured at, near the ears
            (``geometry.head_point``, normalised); NaN if no face.
        upright_head_y: Where that point would be (normalised y) at the person's upright neck
            ratio with today's shoulder line; NaN when unknown.
        torso_track: (N, 2) positions of the torso (middle of the shoulders, or the nose when
            the shoulders are out of view) around this frame, NaN where unknown.
        hand_tracks: (2, N, 2) the centre of each hand over the same times.
        head_region: (4,) x0, y0, x1, y1 of the region where a hand counts as touching.

    """

    time_s: float
    person: bool
    pose: NDArray[np.float64]
    face_box: NDArray[np.float64]
    hands: NDArray[np.float64]
    eyes: NDArray[np.float64]
    face_width: float
    gaze_deg: NDArray[np.float64]
    states: dict[str, float]
    head: NDArray[np.float64]
    upright_head_y: float
    torso_track: NDArray[np.float64]
    hand_tracks: NDArray[np.float64]
    head_region: NDArray[np.float64]


class Overlay:
    """Everything drawn on a session's frames, computed once; ``at(i)`` gives one frame's marks.

    Args:
        session: An analysed session with its landmarks.
        track_before_s: Torso and hand tracks reach this far back from the frame, seconds.
        track_after_s: ... and this far ahead (0 in a video, where the future is unseen).

    """

    def __init__(
        self, session: Session, track_before_s: float = fidget.WINDOW_S, track_after_s: float = 0.0
    ) -> None:
        lm = session.landmarks
        if lm is None:
            raise ReviewError("drawing needs the landmarks (landmarks.npz); analyse again.")
        self.session = session
        self.lm = lm
        self.before_s, self.after_s = track_before_s, track_after_s
        w, h = lm.frame_size
        pose = lm.pose.astype(float)
        shoulders = session.columns["shoulders_in_view"] == 1.0
        mid = (pose[:, P.LEFT_SHOULDER, :2] + pose[:, P.RIGHT_SHOULDER, :2]) / 2
        torso = np.where(shoulders[:, None], mid, pose[:, P.NOSE, :2])
        self.torso = np.where((session.columns["person"] == 1.0)[:, None], torso, np.nan)
        # A hand is found whole or not at all, so a plain mean is NaN exactly when it is absent.
        self.hand_centres = lm.hands[..., :2].astype(float).mean(axis=2)
        iris = lm.face[:, [F.RIGHT_IRIS.slot, F.LEFT_IRIS.slot], :2].astype(float)
        self.eyes = iris.mean(axis=1)
        self.face_width = (lm.face_box[:, 2] - lm.face_box[:, 0]).astype(float)
        ref = session.reference
        yaw_ref = np.nan if ref.gaze_yaw_deg is None else ref.gaze_yaw_deg
        pitch_ref = np.nan if ref.gaze_pitch_deg is None else ref.gaze_pitch_deg
        self.gaze = np.stack(
            [
                session.columns["gaze_yaw_deg"] - yaw_ref,
                session.columns["gaze_pitch_deg"] - pitch_ref,
            ],
            axis=1,
        )
        neck_ref = np.nan if ref.upright_neck_ratio is None else ref.upright_neck_ratio
        px = pose[:, :, :2] * (w, h)
        width_px = np.hypot(*(px[:, P.LEFT_SHOULDER] - px[:, P.RIGHT_SHOULDER]).T)
        line_y_px = (px[:, P.LEFT_SHOULDER, 1] + px[:, P.RIGHT_SHOULDER, 1]) / 2
        upright = (line_y_px - neck_ref * width_px) / h
        self.upright_head_y = np.where(shoulders, upright, np.nan)
        self.head = head_point(lm) / (w, h) if len(lm) else np.zeros((0, 2))
        self.head_region = touch.head_region(lm) / (w, h, w, h) if len(lm) else np.zeros((0, 4))

    def __len__(self) -> int:
        return len(self.lm)

    def at(self, i: int) -> FrameMarks:
        """The marks of frame ``i``."""
        t = self.session.time_s
        lo = int(np.searchsorted(t, t[i] - self.before_s, side="left"))
        hi = int(np.searchsorted(t, t[i] + self.after_s, side="right"))
        with np.errstate(invalid="ignore"):
            return FrameMarks(
                time_s=float(t[i]),
                person=bool(self.session.columns["person"][i] == 1.0),
                pose=self.lm.pose[i].astype(float),
                face_box=self.lm.face_box[i].astype(float),
                hands=self.lm.hands[i].astype(float),
                eyes=self.eyes[i],
                face_width=float(self.face_width[i]),
                gaze_deg=self.gaze[i],
                states={c: float(self.session.columns[c][i]) for c in HABIT_COLOURS},
                head=self.head[i],
                upright_head_y=float(self.upright_head_y[i]),
                torso_track=self.torso[lo:hi],
                hand_tracks=np.transpose(self.hand_centres[lo:hi], (1, 0, 2)),
                head_region=self.head_region[i],
            )


def _bgr(colour: str) -> tuple[int, int, int]:
    """'#RRGGBB' -> (B, G, R)."""
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return b, g, r


def _text_colour(colour: str) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``colour``."""
    b, g, r = _bgr(colour)
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)


WHITE, DARK = (255, 255, 255), (30, 30, 30)


class _Canvas:
    """Drawing in normalised coordinates on a BGR image, lines outlined for contrast."""

    def __init__(self, image: NDArray[np.uint8]) -> None:
        self.image = image
        self.h, self.w = image.shape[:2]
        self.scale = min(self.w, self.h) / 360  # sizes are given for a 360-pixel-high frame
        self.unit = max(1, round(self.scale))  # line thickness unit, whole pixels

    def px(self, xy: NDArray[np.float64]) -> tuple[int, int] | None:
        if np.isnan(xy[0]) or np.isnan(xy[1]):
            return None
        return int(round(xy[0] * self.w)), int(round(xy[1] * self.h))

    def line(
        self,
        a: NDArray[np.float64],
        b: NDArray[np.float64],
        colour: tuple[int, int, int],
        width: int = 2,
    ) -> None:
        pa, pb = self.px(a), self.px(b)
        if pa is None or pb is None:
            return
        t = width * self.unit
        cv2.line(self.image, pa, pb, DARK, t + 2 * self.unit, cv2.LINE_AA)
        cv2.line(self.image, pa, pb, colour, t, cv2.LINE_AA)

    def dashed(
        self,
        a: NDArray[np.float64],
        b: NDArray[np.float64],
        colour: tuple[int, int, int],
        width: int = 1,
    ) -> None:
        pa, pb = self.px(a), self.px(b)
        if pa is None or pb is None:
            return
        length = float(np.hypot(pb[0] - pa[0], pb[1] - pa[1]))
        step = 8 * self.unit
        for k in range(0, int(length // step) + 1, 2):
            f0, f1 = k * step / max(length, 1), min((k + 1) * step / max(length, 1), 1.0)
            p0 = np.asarray(a) + (np.asarray(b) - np.asarray(a)) * f0
            p1 = np.asarray(a) + (np.asarray(b) - np.asarray(a)) * f1
            self.line(p0, p1, colour, width)

    def dot(self, xy: NDArray[np.float64], colour: tuple[int, int, int], radius: int = 2) -> None:
        p = self.px(xy)
        if p is None:
            return
        cv2.circle(self.image, p, (radius + 1) * self.unit, DARK, -1, cv2.LINE_AA)
        cv2.circle(self.image, p, radius * self.unit, colour, -1, cv2.LINE_AA)

    def polyline(
        self, points: NDArray[np.float64], colour: tuple[int, int, int], width: int = 2
    ) -> None:
        for a, b in zip(points[:-1], points[1:]):
            self.line(a, b, colour, width)

    def label_size(self, text: str, scale: float = 0.45) -> tuple[int, int]:
        """Width and height of ``label``'s tag for ``text``, pixels."""
        (tw, th), base = cv2.getTextSize(
            text, cv2.FONT_HERSHEY_SIMPLEX, scale * self.unit, self.unit
        )
        pad = 3 * self.unit
        return tw + 2 * pad, th + base + 2 * pad

    def label(self, xy: NDArray[np.float64], text: str, colour: str, scale: float = 0.45) -> None:
        """A filled tag with text; ``xy`` is its top-left corner (normalised)."""
        p = self.px(xy)
        if p is not None:
            self.label_at(p, text, colour, scale)

    def label_at(self, p: tuple[int, int], text: str, colour: str, scale: float = 0.45) -> None:
        """A filled tag with text, its top-left corner at pixel ``p`` (kept inside the frame)."""
        s = scale * self.unit
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, s, self.unit)
        pad = 3 * self.unit
        x = int(np.clip(p[0], 0, max(self.w - tw - 2 * pad, 0)))
        y = int(np.clip(p[1], 0, max(self.h - th - base - 2 * pad, 0)))
        cv2.rectangle(
            self.image, (x, y), (x + tw + 2 * pad, y + th + base + 2 * pad), _bgr(colour), -1
        )
        cv2.putText(
            self.image,
            text,
            (x + pad, y + pad + th),
            cv2.FONT_HERSHEY_SIMPLEX,
            s,
            _text_colour(colour),
            self.unit,
            cv2.LINE_AA,
        )


def _visible(pose: NDArray[np.float64], point: int) -> bool:
    return bool(np.nan_to_num(pose[point, 3]) >= MIN_VISIBILITY)


def _draw_skeleton(c: _Canvas, m: FrameMarks, colour: tuple[int, int, int]) -> None:
    for a, b in POSE_SEGMENTS:
        if _visible(m.pose, a) and _visible(m.pose, b):
            c.line(m.pose[a, :2], m.pose[b, :2], colour, 1)
    for hand in m.hands:
        _draw_hand(c, hand, colour, 1)


def _draw_hand(
    c: _Canvas, hand: NDArray[np.float64], colour: tuple[int, int, int], width: int
) -> None:
    for chain in HAND_CHAINS:
        c.polyline(hand[list(chain), :2], colour, width)


def _draw_face_box(c: _Canvas, m: FrameMarks, colour: tuple[int, int, int]) -> None:
    x0, y0, x1, y1 = m.face_box
    if np.isnan(x0):
        return
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])
    c.polyline(corners, colour, 1)


def _draw_gaze(c: _Canvas, m: FrameMarks, looking_away: bool) -> None:
    """Arrow from between the eyes along the gaze, relative to the person's lens direction.

    Its length grows with the angle away from the reference; looking at the lens it shrinks
    to a dot. Blue while eye contact holds, orange while looking away.
    """
    if np.isnan(m.eyes[0]) or np.isnan(m.face_width) or np.isnan(m.gaze_deg).any():
        return
    colour = _bgr(HABIT_COLOURS["eye_contact"]) if looking_away else _bgr(GAZE_OK_COLOUR)
    yaw, pitch = np.sin(np.radians(np.clip(m.gaze_deg, -75, 75)))
    tip = m.eyes + np.array([yaw, pitch * c.w / c.h]) * ARROW_FACE_WIDTHS * m.face_width
    pa, pb = c.px(m.eyes), c.px(tip)
    if pa is None or pb is None:
        return
    if np.hypot(pb[0] - pa[0], pb[1] - pa[1]) < 8 * c.unit:
        c.dot(m.eyes, colour, 2)
        return
    t = 2 * c.unit
    cv2.arrowedLine(c.image, pa, pb, DARK, t + 2 * c.unit, cv2.LINE_AA, tipLength=0.3)
    cv2.arrowedLine(c.image, pa, pb, colour, t, cv2.LINE_AA, tipLength=0.3)


def _draw_slump(c: _Canvas, m: FrameMarks) -> None:
    """The head's height above the shoulder line, now and upright (dashed).

    These are the two lengths the neck ratio compares; the head point is near the ears
    (``geometry.head_point``), where the slump is measured.
    """
    if not (_visible(m.pose, P.LEFT_SHOULDER) and _visible(m.pose, P.RIGHT_SHOULDER)):
        return
    colour = _bgr(HABIT_COLOURS["slumped"])
    left, right = m.pose[P.LEFT_SHOULDER, :2], m.pose[P.RIGHT_SHOULDER, :2]
    mid = (left + right) / 2
    head = m.head
    c.line(left, right, colour, 3)
    if np.isnan(head).any():
        return
    if not np.isnan(m.upright_head_y):
        half = abs(left[0] - right[0]) / 2
        a = np.array([head[0] - half, m.upright_head_y])
        b = np.array([head[0] + half, m.upright_head_y])
        c.dashed(a, b, WHITE, 1)
        c.label(b + (0.01, -0.02), "upright", "#FFFFFF", 0.35)
    c.line(np.array([head[0], mid[1]]), head, colour, 2)
    c.dot(head, colour, 3)


#: The fidget arrow's text.
REACH_TEXT = "back and forth"
#: ... its size (OpenCV font scale for a 360-pixel-high frame).
REACH_TEXT_SCALE = 0.4


#: Length of the fidget arrow's heads, pixels on a 360-pixel-high frame (a fixed length: a
#: share of the arrow made long arrows' heads reach far off their line).
HEAD_PX = 7


#: A rectangle x0, y0, x1, y1, pixels.
Box = tuple[float, float, float, float]


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _overlap(a: Box, b: Box) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _within(a: Box, area: Box) -> bool:
    return a[0] >= area[0] and a[1] >= area[1] and a[2] <= area[2] and a[3] <= area[3]


@dataclass(frozen=True)
class ReachArrow:
    """Where the fidget trail's double arrow and its tag go on a frame, in pixels.

    Attributes:
        start: One end of the arrow (x, y).
        end: The other end; the arrow spans the trail's reach, sideways or up and down.
        half_width: How far the arrow's heads and outline reach either side of its line.
        label: Top-left corner (x, y) of the tag, or None when no place clear of the trail
            has room for it (a small frame filled by the person).

    """

    start: tuple[int, int]
    end: tuple[int, int]
    half_width: int
    label: tuple[int, int] | None = None

    def arrow_box(self) -> Box:
        """x0, y0, x1, y1 of everything the arrow covers (heads and outline included)."""
        (x0, y0), (x1, y1) = self.start, self.end
        k = self.half_width
        return min(x0, x1) - k, min(y0, y1) - k, max(x0, x1) + k, max(y0, y1) + k


def _fit(lo: float, hi: float, low: int, high: int) -> tuple[int, int]:
    """A span moved (not shortened, unless it is longer than the room) into [low, high]."""
    length = min(hi - lo, high - low)
    start = float(np.clip(lo, low, high - length))
    return round(start), round(start + length)


def place_reach_arrow(
    trail: NDArray[np.float64],
    keep_clear: Box,
    prefer_clear: Box,
    frame: tuple[int, int],
    top: int,
    label_size: tuple[int, int],
    unit: int,
    face_top: float | None = None,
) -> ReachArrow | None:
    """Put the fidget arrow beside what it explains, never on it (pure).

    The arrow is as long as the trail's reach and lies along it, so it still measures the
    movement, but it is moved clear of the body: a sideways reach above the head (else below
    the body), an up-and-down reach beside the body (else on its other side). On the trail
    or the shoulder line, where the torso is followed, it hid the very path it explains.
    Its tag goes beside it, else above or below it, wherever it is clear of the trail too.

    Args:
        trail: (N, 2) the torso's path, pixels, every row finite.
        keep_clear: Box (x0, y0, x1, y1, pixels) the arrow and its tag must not touch: the
            trail and the shoulder line, with their drawn thickness.
        prefer_clear: A larger box (the head too) the arrow keeps clear of when it can.
        frame: Width and height of the frame, pixels.
        top: The first row below the strip of flags along the top.
        label_size: Width and height of the tag, pixels.
        unit: The frame's line thickness unit (``_Canvas.unit``).
        face_top: The top of the face (pixels), when seen: with no room above the hair,
            the arrow may lie on the hair, still well apart from the shoulders.

    Returns:
        The arrow's ends and its tag's corner; None when the reach is too short to draw,
        or when no place in the frame is clear of the trail and the shoulder line.

    """
    w, h = frame
    lw, lh = label_size
    lo, hi = trail.min(axis=0), trail.max(axis=0)
    sideways = bool(hi[0] - lo[0] >= hi[1] - lo[1])
    along = 0 if sideways else 1
    if hi[along] - lo[along] < 6 * unit:
        return None
    band = round(HEAD_PX * unit * 0.75) + 2 * unit  # the heads (at 45 degrees) and outline
    gap, edge = 6 * unit, 2 * unit
    area: Box = (edge, top + edge, w - edge, h - edge)
    arrows: list[tuple[tuple[int, int], tuple[int, int]]] = []
    if sideways:
        x0, x1 = _fit(lo[0], hi[0], edge + band, w - edge - band)
        # above the head, on the hair above the face, below the body; then just off the
        # trail and the shoulder line
        for y in (
            prefer_clear[1] - gap - band,
            (face_top if face_top is not None else prefer_clear[1]) - gap - band,
            prefer_clear[3] + gap + band,
            keep_clear[1] - gap - band,
            keep_clear[3] + gap + band,
        ):
            arrows.append(((x0, round(y)), (x1, round(y))))
    else:
        y0, y1 = _fit(lo[1], hi[1], top + edge + band, h - edge - band)
        for box in (prefer_clear, keep_clear):  # beside the body, right then left
            for x in (box[2] + gap + band, box[0] - gap - band):
                arrows.append(((round(x), y0), (round(x), y1)))
    fallback = None
    for start, end in arrows:
        arrow = ReachArrow(start, end, band)
        box = arrow.arrow_box()
        if not _within(box, area) or _overlap(box, keep_clear):
            continue
        (ax0, ay0), (ax1, ay1) = start, end
        mid_x, mid_y = (ax0 + ax1 - lw) // 2, (ay0 + ay1 - lh) // 2
        beside = [(ax1 + band + gap, mid_y), (ax0 - band - gap - lw, mid_y)]
        ends = [(mid_x, min(ay0, ay1) - band - unit - lh), (mid_x, max(ay0, ay1) + band + unit)]
        if not sideways and ax0 < keep_clear[0]:
            beside.reverse()  # an arrow left of the body has its tag on its left
        if sideways and ay0 > keep_clear[3]:
            ends.reverse()  # an arrow below the body has its tag below it
        tags = beside + ends
        for lx, ly in tags:
            tag: Box = (lx, ly, lx + lw, ly + lh)
            if _within(tag, area) and not _overlap(tag, keep_clear) and not _overlap(tag, box):
                return ReachArrow(start, end, band, (int(lx), int(ly)))
        fallback = fallback or arrow
    return fallback


def _trail_box(points: NDArray[np.float64], pad: float) -> Box:
    return (
        float(points[:, 0].min() - pad),
        float(points[:, 1].min() - pad),
        float(points[:, 0].max() + pad),
        float(points[:, 1].max() + pad),
    )


def _draw_fidget(c: _Canvas, m: FrameMarks) -> None:
    """The torso's (and hands') path over the window, and a double arrow over its reach.

    The arrow goes beside the body (``place_reach_arrow``), clear of the path it explains.
    """
    colour = HABIT_COLOURS["fidgeting"]
    bgr = _bgr(colour)
    for track in m.hand_tracks:
        c.polyline(track, bgr, 1)
    c.polyline(m.torso_track, bgr, 3)
    seen = m.torso_track[np.isfinite(m.torso_track).all(axis=1)] * (c.w, c.h)
    if len(seen) < 2:
        return
    pad = 3 * c.unit + 1  # half the trail's drawn width (3 units and the outline's 2), and 1
    clear = [_trail_box(seen, pad)]
    if _visible(m.pose, P.LEFT_SHOULDER) and _visible(m.pose, P.RIGHT_SHOULDER):
        shoulders = m.pose[[P.LEFT_SHOULDER, P.RIGHT_SHOULDER], :2] * (c.w, c.h)
        if np.isfinite(shoulders).all():
            clear.append(_trail_box(shoulders, pad))
    keep = _union(clear)
    prefer = [keep]
    face_top = None
    x0, y0, x1, y1 = m.face_box * (c.w, c.h, c.w, c.h)
    if np.isfinite([x0, y0, x1, y1]).all():
        # the face mesh ends at the forehead: the hair above it is part of the head
        prefer.append((x0, y0 - 0.25 * (y1 - y0), x1, y1))
        face_top = float(y0)
    strip = int(round(22 * c.scale))
    place = place_reach_arrow(
        seen,
        keep,
        _union(prefer),
        (c.w, c.h),
        strip,
        c.label_size(REACH_TEXT, REACH_TEXT_SCALE),
        c.unit,
        face_top=face_top,
    )
    if place is None:
        return
    t = 2 * c.unit
    length = float(np.hypot(*np.subtract(place.end, place.start)))
    tip = min(0.45, HEAD_PX * c.unit / max(length, 1.0))
    for thickness, line_colour in ((t + 2 * c.unit, DARK), (t, bgr)):
        for p, q in ((place.start, place.end), (place.end, place.start)):
            cv2.arrowedLine(c.image, p, q, line_colour, thickness, cv2.LINE_AA, tipLength=tip)
    if place.label is not None:
        c.label_at(place.label, REACH_TEXT, colour, REACH_TEXT_SCALE)


def _draw_touch(c: _Canvas, m: FrameMarks) -> None:
    """The hands (the pose's hand points where the hand model lost a hand), and the head region."""
    colour = _bgr(HABIT_COLOURS["self_touch"])
    x0, y0, x1, y1 = m.head_region
    if not np.isnan(x0):
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        for a, b in zip(corners[:-1], corners[1:]):
            c.dashed(np.array(a), np.array(b), colour, 1)
    for k, side in enumerate(("left", "right")):  # Holistic's hand order, as in touch.py
        if not np.isnan(m.hands[k, 0, 0]):
            _draw_hand(c, m.hands[k], colour, 2)
            continue
        wrist, *tips = touch.POSE_HAND_POINTS[side]
        for tip in tips:
            if _visible(m.pose, wrist) and _visible(m.pose, tip):
                c.line(m.pose[wrist, :2], m.pose[tip, :2], colour, 2)


def _draw_flags(c: _Canvas, m: FrameMarks) -> None:
    """A strip along the top: the time, then one tag per habit, filled while the habit shows.

    A habit that cannot be judged on this frame is greyed with a question mark; with nobody
    in view the strip says so instead.
    """
    font, scale, thick = cv2.FONT_HERSHEY_SIMPLEX, 0.45 * c.scale, c.unit
    strip = int(round(22 * c.scale))
    roi = c.image[:strip]
    roi[:] = (roi * 0.4).astype(np.uint8)
    gap = int(round(10 * c.scale))
    x, y = int(round(6 * c.scale)), strip - int(round(7 * c.scale))

    def text(s: str, colour: tuple[int, int, int]) -> int:
        cv2.putText(c.image, s, (x, y), font, scale, colour, thick, cv2.LINE_AA)
        return cv2.getTextSize(s, font, scale, thick)[0][0]

    x += text(mmss(m.time_s), WHITE) + 2 * gap
    if not m.person:
        text("Nobody in view: not judged", (170, 170, 170))
        return
    for column, flag in FLAG_TEXT.items():
        state = m.states[column]
        shown = bool(BY_COLUMN[column].problem_on(state))
        label = flag + " ?" if np.isnan(state) else flag
        tw = cv2.getTextSize(label, font, scale, thick)[0][0]
        if x + tw > c.w:
            break
        if shown:
            colour = HABIT_COLOURS[column]
            pad = int(round(4 * c.scale))
            top, bottom = int(round(3 * c.scale)), strip - int(round(3 * c.scale))
            cv2.rectangle(c.image, (x - pad, top), (x + tw + pad, bottom), _bgr(colour), -1)
            text(label, _text_colour(colour))
        else:
            text(label, (120, 120, 120) if np.isnan(state) else (175, 175, 175))
        x += tw + gap


def draw(
    image: NDArray[np.uint8], marks: FrameMarks, focus: str | None = None, flags: bool = True
) -> NDArray[np.uint8]:
    """Draw one frame's marks on a copy of ``image``.

    Without ``focus``, everything is drawn and a habit's own marks are highlighted while it
    shows (the annotated video). With ``focus`` (a habit column), the skeleton is drawn lightly
    and only that habit's marks are highlighted (a key frame).

    Args:
        image: (H, W, 3) BGR uint8 frame (the upright frame the landmarks came from).
        marks: From ``Overlay.at``.
        focus: "eye_contact", "slumped", "fidgeting", "self_touch" or None.
        flags: Draw the strip of habit flags and the time along the top.

    Returns:
        A new (H, W, 3) BGR uint8 image.

    """
    c = _Canvas(image.copy())
    if not marks.person:
        if flags:
            _draw_flags(c, marks)
        return c.image
    s = marks.states
    on = {col: bool(BY_COLUMN[col].problem_on(s[col])) for col in s}
    light = (235, 235, 235)
    _draw_skeleton(c, marks, light)
    if focus in (None, "eye_contact"):
        _draw_face_box(c, marks, light)
    if focus is None or focus == "slumped":
        if on["slumped"] or focus == "slumped":
            _draw_slump(c, marks)
    if focus is None or focus == "fidgeting":
        if on["fidgeting"] or focus == "fidgeting":
            _draw_fidget(c, marks)
    if focus is None or focus == "self_touch":
        if on["self_touch"] or focus == "self_touch":
            _draw_touch(c, marks)
    if focus is None or focus == "eye_contact":
        _draw_gaze(c, marks, looking_away=on["eye_contact"])
    if flags:
        _draw_flags(c, marks)
    return c.image


# Writing the annotated video (the edge) -----------------------------------------------------


class _AudioCopy:
    """The source's first audio stream that MP4 can hold, re-timed to start with the video."""

    def __init__(self, path: Path, start_s: float) -> None:
        import av

        self.container = av.open(os.fspath(path))
        audio = [
            s for s in self.container.streams.audio if s.codec_context.name in COPY_AUDIO_CODECS
        ]
        self.stream = audio[0] if audio else None
        self._offset = 0
        if self.stream is not None:
            assert self.stream.time_base is not None, "FFmpeg gives every stream a time base"
            self._offset = round(start_s / self.stream.time_base)
        self._packets = self.container.demux(self.stream) if self.stream is not None else iter(())
        self._next: _AudioPacket | None = None

    def until(self, time_s: float) -> Iterator[_AudioPacket]:
        """Packets (re-timed) starting before ``time_s``, seconds from the first video frame."""
        while True:
            if self._next is None:
                self._next = self._read()
                if self._next is None:
                    return
            assert self._next.pts is not None, "_read keeps only packets with a time"
            if float(self._next.pts * self._next.time_base) >= time_s:
                return
            packet, self._next = self._next, None
            yield packet

    def _read(self) -> _AudioPacket | None:
        for packet in self._packets:
            if packet.pts is None or packet.dts is None or packet.pts < self._offset:
                continue
            packet.pts -= self._offset
            packet.dts -= self._offset
            return packet
        return None

    def close(self) -> None:
        self.container.close()


def _first_video_time(path: Path) -> float:
    """Presentation time of the first decoded video frame (what ``video.frames`` counts from)."""
    import av

    with av.open(os.fspath(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            return float(frame.time or 0.0)
    return 0.0


#: A progress-bar factory: ``(total_frames, label) -> update(frames_done)``.
ProgressFactory = Callable[[int, str], Callable[[int], None]]


def write_annotated(
    session: Session,
    video_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    progress: ProgressFactory | None = None,
) -> Path:
    """Write the recording with landmarks, gaze arrow and habit flags drawn on every frame.

    Every decoded frame is written, with its presentation time from the source (so the
    annotated video has the same length and frame count and stays in step with frames.csv).
    Written by review's one H.264 writer (``review.media.writer``): plays in a browser, an odd frame
    size padded by one black pixel, moved into place only when complete. Audio is copied
    unchanged when it is AAC, MP3, Opus, FLAC or ALAC; otherwise the annotated video is silent.

    Args:
        session: The analysis of ``video_path``, with landmarks.
        video_path: The analysed recording.
        out_path: Where to write (``.mp4``).
        progress: Optional progress-bar factory ``(total_frames, label) -> update(frames_done)``.

    Returns:
        ``out_path``.

    Raises:
        ReviewError: The recording does not match the analysis, or the session has no landmarks.

    """
    from review.media import video
    from review.media.writer import TimedVideoWriter

    out_path = Path(out_path)
    info = video.probe(video_path)
    if (info.width, info.height) != tuple(session.frame_size):
        raise ReviewError(
            f"{video_path}: frames are {info.width}x{info.height} but the analysis was of "
            f"{session.frame_size[0]}x{session.frame_size[1]} frames; is it the same recording?"
        )
    marks = Overlay(session)
    update = progress(len(session), out_path.name) if progress else None
    end_s = session.time_s[0] + session.duration_s if len(session) else 0.0
    audio = _AudioCopy(Path(video_path), _first_video_time(Path(video_path)))
    try:
        writer = TimedVideoWriter(
            out_path, nominal_fps=info.fps, time_base=TIME_BASE, audio=audio.stream
        )
        with writer:
            count = 0
            blank = np.zeros((info.height, info.width, 3), dtype=np.uint8)
            for frame in decoded_quietly(video_path, info):
                i = frame.index
                if i >= len(session) or abs(frame.time_s - session.time_s[i]) > 1e-3:
                    raise ReviewError(
                        f"{video_path}: frame {i} does not match the analysis (different "
                        "recording?); analyse it again."
                    )
                picture = frame.array()  # None: the decoder gave an unusable frame (kept, black)
                writer.write(
                    draw(blank.copy() if picture is None else picture, marks.at(i)),
                    session.time_s[i],
                )
                if audio.stream is not None:
                    writer.mux_audio(audio.until(min(session.time_s[i] + 1.0, end_s)))
                count += 1
                if update is not None:
                    update(count)
            if count != len(session):
                raise ReviewError(
                    f"{video_path}: decoded {count} frames but the analysis has {len(session)}; "
                    "analyse it again."
                )
            if audio.stream is not None and count:
                writer.mux_audio(audio.until(end_s))
    finally:
        audio.close()
    return out_path
