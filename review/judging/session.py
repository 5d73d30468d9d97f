"""A session's results: the per-frame table, events and summary; saving and loading them.

Output folder contract (other commands and outside checks read these exactly):

- ``frames.csv``: one row per decoded frame; columns ``frame``, ``time_s``, ``person``,
  ``eye_contact``, ``slumped``, ``fidgeting``, ``self_touch`` (1, 0 or empty = not judged),
  then the continuous measures (see ``MEASURES``).
- ``summary.json``: figures, events and the reference used.
- ``timeline.png``: the habits over time.
- ``landmarks.npz``: the landmarks, so a report can be re-made without the video.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypedDict, cast

import numpy as np
from numpy.typing import NDArray

from review.detectors.delivery import Delivery, speech_mask
from review.detectors.events import Event, frame_durations, percent_of_known, to_events
from review.judging import habits
from review.judging.reference import Reference
from review.landmarks.holistic import Landmarks
from review.media.video import RecordingId

if TYPE_CHECKING:
    from collections.abc import Iterable

#: Continuous measures written after the habit columns: name -> (unit, meaning).
MEASURES = {
    "shoulders_in_view": ("0/1", "both shoulders found inside the frame"),
    "neck_ratio": ("ratio", "shoulder line's midpoint to the head (at the ears) / shoulder width"),
    "slump_score": ("fraction", "share of the upright neck ratio lost (0.10 = 10 % shorter)"),
    "head_y": ("fraction", "the head's height in the frame, at the ears (0 top, 1 bottom)"),
    "head_drop": ("shoulder widths", "how much lower the head is than sitting upright"),
    "shoulder_width_px": ("pixels", "distance between the shoulders"),
    "face_width_px": ("pixels", "width of the face mesh (grows when leaning in)"),
    "face_x_px": ("pixels", "the face mesh's centre, across the picture from its left"),
    "face_y_px": ("pixels", "the face mesh's centre, down the picture from its top"),
    "head_yaw_deg": ("degrees", "head turned to the image's right (+) / left (-)"),
    "head_pitch_deg": ("degrees", "head tilted down (+) / up (-)"),
    "gaze_yaw_deg": ("degrees", "head plus eye rotation, sideways"),
    "gaze_pitch_deg": ("degrees", "head plus eye rotation, down (+) / up (-)"),
    "gaze_off_deg": ("degrees", "how far the smoothed gaze is outside the eye-contact cone"),
    "eye_openness": ("ratio", "eyelid gap / eye width, both eyes averaged"),
    "body_turns": ("count", "most torso/head turning points within 3 s spanning the frame"),
    "hand_turns": ("count", "most hand turning points within 3 s spanning the frame"),
    "hand_points_on_head": ("count", "most landmarks of one hand inside the head region"),
    "hands_away": (
        "0/1",
        "the hands are seen away from the head (a guess: after 0.5 s); ends a held touch",
    ),
    "mouth_width_cm": ("cm", "mouth corner to corner, on the canonical face's scale"),
    "mouth_corner_right_cm": ("cm", "the right mouth corner's height in the face (+ up)"),
    "mouth_corner_left_cm": ("cm", "the left mouth corner's height in the face (+ up)"),
    "chin_cm": ("cm", "the chin's height in the face (lower when the jaw opens)"),
    "smile_score": ("fraction", "mouth widening plus corner raise against the neutral face"),
    "smiling": ("0/1", "a smile (both mouth corners out and up), empty: no face"),
    "expression": ("thresholds", "how much the face's shape changes within 2 s (1: it moves)"),
    "nodding": ("0/1", "inside a nod (a short down-and-up swing of the head)"),
    "blank_s": ("seconds", "how long the face has stayed blank by this frame"),
}
FRAME_COLUMNS = ["frame", "time_s", "person", *habits.COLUMNS, *MEASURES]
#: frames.csv's last columns, from the sound rather than the picture. ``speaking`` is
#: derived from ``delivery.speech`` (summary.json keeps the stretches), so it is written for
#: the reader of the table and never read back.
SOUND_COLUMNS = {
    "speaking": ("0/1", "a stretch of speech covers this frame's time; empty: no sound recorded"),
}
#: The per-frame table as written (frames.csv, ``Session.rows``, ``Session.to_pandas``).
TABLE_COLUMNS = [*FRAME_COLUMNS, *SOUND_COLUMNS]
#: Columns frames.csv gained after its first layout. A folder written by an older review
#: lacks them: they read as "not measured" (empty, NaN), never as damage, and the habits
#: among them get no verdict (``Session.not_measured``). Every column added later goes here.
LATER_COLUMNS = frozenset(
    {
        "warmth",
        "face_x_px",
        "face_y_px",
        "mouth_width_cm",
        "mouth_corner_right_cm",
        "mouth_corner_left_cm",
        "chin_cm",
        "smile_score",
        "smiling",
        "expression",
        "nodding",
        "blank_s",
    }
)
#: Columns that hold 0/1 (or empty): written as integers in frames.csv.
BINARY_COLUMNS = frozenset(
    {"person", "shoulders_in_view", "hands_away", "smiling", "nodding", "speaking", *habits.COLUMNS}
)


class Summary(TypedDict):
    """``Session.summary``: what summary.json holds (schema ``storing.store.SUMMARY_SCHEMA``).

    Percentages are of the judged time, rounded to 0.1, None when never judged.
    """

    schema_version: int
    video: str
    recording: dict[str, object] | None
    question: str | None
    who: str | None
    recording_date: str | None
    recording_date_from: str | None
    duration_s: float
    frame_size: list[int]
    fps: float | None
    frames_analysed: int
    mediapipe_frames: int | None
    people_max: int | None
    person_visible_pct: float | None
    eye_contact_pct: float | None
    slumped_pct: float | None
    fidgeting_pct: float | None
    self_touch_pct: float | None
    warmth_pct: float | None
    self_touch_count: int
    not_judged_pct: dict[str, float]
    warmth: dict[str, float | int | None]
    events: list[dict[str, str | float]]
    reference: dict[str, str | float | None]
    notes: list[str]
    delivery: dict[str, Any] | None


@dataclass
class Session:
    """The analysis of one recording.

    Attributes:
        video: Path of the analysed recording.
        time_s: (T,) presentation times of every decoded frame, seconds.
        columns: Per-frame arrays by name (see FRAME_COLUMNS); habits are 1.0 / 0.0 / NaN.
        events: Habit events in time order.
        reference: The reference the detectors used.
        frame_size: (width, height) as displayed.
        fps: Average frame rate from the container.
        landmarks: The landmarks, when available (not needed to read results).
        notes: Plain-language remarks about the recording (e.g. long stretches with nobody).
        mediapipe_frames: Frames MediaPipe ran on (the others were interpolated), if known.
        people_max: Most faces seen at once on the frames checked for other people (see
            review.landmarks.glance), or None when not checked.
        recording: Which file was analysed (absolute path, size, fingerprint), if known.
        question: The interview question answered (recorded by ``review record``), or "".
        who: Whose answer it is (``--who``: a coach's client, say), or "".
        recording_date: When the recording was made, ISO 8601 UTC (its container's creation
            time, else the file's modification time), or None when not known.
        recording_date_from: "container" or "file": where ``recording_date`` came from.
        delivery: How the answer was spoken, from the sound track (``review.detectors.delivery``);
            its ``sound`` is False when the recording has none; None when not analysed.
        not_measured: Columns the analysis did not have (a folder written by an older
            review, see ``LATER_COLUMNS``): NaN here, and such habits are not judged.

    """

    video: str
    time_s: NDArray[np.float64]
    columns: dict[str, NDArray[np.float64]]
    events: list[Event]
    reference: Reference
    frame_size: tuple[int, int]
    fps: float
    landmarks: Landmarks | None = None
    notes: list[str] = field(default_factory=list)
    mediapipe_frames: int | None = None
    people_max: int | None = None
    recording: RecordingId | None = None
    question: str = ""
    delivery: Delivery | None = None
    not_measured: frozenset[str] = frozenset()
    who: str = ""
    recording_date: str | None = None
    recording_date_from: str | None = None

    @classmethod
    def build(
        cls,
        video: str,
        landmarks: Landmarks,
        fps: float,
        measures: dict[str, NDArray[np.float64]],
        states: dict[str, NDArray[np.float64]],
        events: list[Event],
        reference: Reference,
    ) -> Session:
        """Assemble a Session from the analysis' parts."""
        merged = {**measures, **states}
        columns = {name: np.asarray(merged[name], dtype=float) for name in FRAME_COLUMNS[2:]}
        session = cls(
            video=video,
            time_s=np.asarray(landmarks.time_s, dtype=float),
            columns=columns,
            events=events,
            reference=reference,
            frame_size=landmarks.frame_size,
            fps=fps,
            landmarks=landmarks,
            mediapipe_frames=None if landmarks.analysed is None else int(landmarks.analysed.sum()),
        )
        session.notes = session._notes()
        return session

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def duration_s(self) -> float:
        """Time from the first frame to the end of the last one, seconds."""
        if len(self.time_s) == 0:
            return 0.0
        step = float(np.median(np.diff(self.time_s))) if len(self.time_s) > 1 else 0.0
        if not math.isfinite(step) or step <= 0:
            step = 1 / self.fps if self.fps and self.fps > 0 else 0.0
        return float(self.time_s[-1] - self.time_s[0] + step)

    def percent(self, column: str) -> float | None:
        """Share (%) of the judged time in which a 0/1 column is 1; None if never judged."""
        return percent_of_known(self.columns[column], self.time_s)

    def unknown_percent(self, column: str) -> float:
        """Share (%) of the whole recording in which a habit could not be judged."""
        if len(self) == 0:
            return 100.0
        w = frame_durations(self.time_s)
        return float(100.0 * np.sum(w * np.isnan(self.columns[column])) / np.sum(w))

    def _notes(self) -> list[str]:
        notes = []
        absent = 100.0 - (self.percent("person") or 0.0)
        if absent >= 99.5:
            notes.append("No person was found in the recording: nothing could be judged.")
        elif absent >= 10:
            notes.append(
                f"No person was in view for {absent:.0f}% of the recording; "
                "those stretches are not judged."
            )
        present = self.columns["person"] == 1.0
        if present.any():
            shoulders = np.nan_to_num(self.columns["shoulders_in_view"][present]) == 1.0
            hidden = 100.0 * (1 - shoulders.mean())
            if hidden >= 10:
                notes.append(
                    f"Shoulders were out of view for {hidden:.0f}% of the time you were in "
                    "view; slumping is not judged there. Sit so that your shoulders show."
                )
        return notes

    @property
    def summary(self) -> Summary:
        """The summary written to summary.json."""

        def pct(column: str) -> float | None:
            value = self.percent(column)
            return None if value is None else round(value, 1)

        from review.storing.store import SUMMARY_SCHEMA

        # The habits' keys come from review.judging.habits; Summary spells them out for readers and
        # the type checker (tests/test_habits.py checks that the two agree).
        summary: dict[str, Any] = {
            "schema_version": SUMMARY_SCHEMA,
            "video": self.video,
            "recording": None if self.recording is None else self.recording.to_dict(),
            "question": self.question or None,
            "who": self.who or None,
            "recording_date": self.recording_date,
            "recording_date_from": self.recording_date_from,
            "duration_s": round(self.duration_s, 3),
            "frame_size": [int(self.frame_size[0]), int(self.frame_size[1])],
            "fps": round(self.fps, 3) if math.isfinite(self.fps) else None,
            "frames_analysed": len(self),
            "mediapipe_frames": self.mediapipe_frames,
            "people_max": self.people_max,
            "person_visible_pct": pct("person"),
            **{f"{h.column}_pct": pct(h.column) for h in habits.HABITS},
            **{
                f"{h.column}_count": sum(1 for e in self.events if e.habit == h.event)
                for h in habits.HABITS
                if h.kind == "per_minute"
            },
            "not_judged_pct": {c: round(self.unknown_percent(c), 1) for c in habits.COLUMNS},
            "warmth": self.warmth_details(),
            "events": [e.to_dict() for e in self.events],
            "reference": self.reference.to_dict(),
            "notes": self.notes,
            "delivery": None if self.delivery is None else self.delivery.to_dict(),
        }
        return cast(Summary, summary)

    def warmth_details(self) -> dict[str, float | int | None]:
        """The warmth habit's parts for summary.json's ``warmth`` block (see README)."""
        from review.detectors.warmth import details

        return details(self.columns, self.time_s)

    def speaking(self) -> NDArray[np.float64]:
        """(T,) 1.0 where a stretch of speech covers the frame's time, else 0.0.

        NaN (not known) on every frame when no sound was measured.
        """
        if self.delivery is None or not self.delivery.sound:
            return np.full(len(self), np.nan)
        return speech_mask(self.delivery.speech, self.time_s).astype(float)

    def table(self) -> dict[str, NDArray[Any]]:
        """The per-frame table's columns by name, in TABLE_COLUMNS order (NaN: not judged)."""
        frame = np.arange(len(self))
        return {"frame": frame, "time_s": self.time_s, **self.columns, "speaking": self.speaking()}

    def rows(self) -> list[dict[str, Any]]:
        """The per-frame table as a list of dicts (NaN as None), in TABLE_COLUMNS order."""
        table = self.table()
        out = []
        for i in range(len(self)):
            row: dict[str, Any] = {"frame": i, "time_s": float(self.time_s[i])}
            for name in TABLE_COLUMNS[2:]:
                v = float(table[name][i])
                row[name] = None if math.isnan(v) else v
            out.append(row)
        return out

    def to_pandas(self) -> Any:
        """The per-frame table as a pandas DataFrame (needs pandas installed)."""
        import pandas as pd

        return pd.DataFrame(self.table(), columns=TABLE_COLUMNS)

    def events_of(self, habit: str) -> list[Event]:
        """The events of one habit ("poor_eye_contact", "slumped", ...)."""
        return [e for e in self.events if e.habit == habit]

    # Saving and loading (see review.storing.store) ------------------------------------------------

    def save(
        self,
        out_dir: str | os.PathLike[str],
        extra: Callable[[Path, Session], None] | None = None,
        protect: Iterable[str | os.PathLike[str]] = (),
        timeline: bool = True,
    ) -> Path:
        """Write frames.csv, summary.json, timeline.png and landmarks.npz into ``out_dir``.

        Everything is written to a hidden temporary folder beside ``out_dir``
        (``.NAME.partial-PID-xxxx``), summary.json last, and moved into place at the end, so
        an interrupted run never leaves a folder that looks complete. An existing ``out_dir``
        is replaced only when it holds nothing but an earlier analysis of the same recording
        (see review.storing.folders); any other folder is refused, never deleted, and so is one that
        holds the recording.

        Args:
            out_dir: The output folder.
            extra: Optional callable ``(tmp_dir: Path, session) -> None`` writing more files
                (e.g. the report) into the folder before it is moved into place.
            protect: More inputs that must survive (e.g. a calibration clip).
            timeline: Draw timeline.png (False when ``extra`` writes it: the report draws it
                once for itself and the folder).

        Returns:
            The output folder.

        Raises:
            InputError: ``out_dir`` is refused.
            OutputError: Writing failed (e.g. the disk is full); nothing was left behind.

        """
        from review.storing import store

        return store.save(self, out_dir, extra, protect, timeline)

    @classmethod
    def load(cls, out_dir: str | os.PathLike[str]) -> Session:
        """Read a folder written by ``save``.

        Raises:
            InputError: It is not an analysis folder, is damaged, or is from a newer review.

        """
        from review.storing import store

        return store.load(out_dir)


def habit_events(
    states: dict[str, NDArray[np.float64]], time_s: NDArray[np.float64]
) -> list[Event]:
    """Events of every habit from the per-frame habit states, in time order."""
    found: list[Event] = []
    for h in habits.HABITS:
        found += to_events(h.event, h.problem_state(states[h.column]), time_s)
    return sorted(found, key=lambda e: (e.start_s, e.habit))
