"""From landmarks to per-frame habits and events (pure), and from a video file to a Session."""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
from numpy.typing import NDArray

from review.detectors import faceshape, fidget, gaze, person, slump, touch, warmth
from review.detectors.delivery import Delivery
from review.detectors.events import frame_durations
from review.detectors.geometry import face_centre_px, face_found, pose_found
from review.judging.reference import Reference, infer_reference
from review.judging.session import Session, habit_events
from review.landmarks import glance, pipeline
from review.landmarks.holistic import Landmarks
from review.media import video

#: Minimum hand landmarks at the head that explain a hidden face (see review.detectors.person).
_HAND_AT_HEAD = touch.MIN_HAND_POINTS


def measure(lm: Landmarks) -> dict[str, NDArray[np.float64]]:
    """Per-frame measures the detectors decide on; NaN where no person is in view.

    Returns:
        Ordered dict of (T,) arrays: ``person`` (0/1), ``shoulders_in_view`` (0/1),
        ``neck_ratio``, ``head_yaw_deg``, ``head_pitch_deg``, ``gaze_yaw_deg``,
        ``gaze_pitch_deg``, ``eye_openness``, ``body_turns``, ``hand_turns``,
        ``hand_points_on_head``, ``mouth_width_cm``, ``mouth_corner_*_cm``, ``chin_cm``.

    """
    t = lm.time_s
    hand_points = touch.hand_points_on_head(lm)
    present = person.person_present(face_found(lm), pose_found(lm), hand_points >= _HAND_AT_HEAD, t)
    absent = ~present

    def masked(values: NDArray[np.generic]) -> NDArray[np.float64]:
        out = np.asarray(values, dtype=float).copy()
        out[absent] = np.nan
        return out

    g = gaze.gaze_features(lm)
    scale = fidget.body_scale(lm)
    tracks = {k: masked(v) for k, v in fidget.movement_tracks(lm, scale).items()}
    body_turns, hand_turns = fidget.fidget_turns(tracks, t, lm.analysed, lm.body_analysed)
    return {
        "person": present.astype(float),
        "shoulders_in_view": masked(slump.shoulders_in_view(lm)),
        "neck_ratio": masked(slump.neck_ratio(lm)),
        "head_y": masked(slump.head_height(lm)),
        "shoulder_width_px": masked(slump.shoulder_width(lm)),
        "face_width_px": masked(slump.face_width(lm)),
        **{k: masked(v) for k, v in zip(("face_x_px", "face_y_px"), face_centre_px(lm).T)},
        "head_yaw_deg": masked(g.head_yaw_deg),
        "head_pitch_deg": masked(g.head_pitch_deg),
        "gaze_yaw_deg": masked(g.gaze_yaw_deg),
        "gaze_pitch_deg": masked(g.gaze_pitch_deg),
        "eye_openness": masked(g.openness),
        "body_turns": masked(body_turns),
        "hand_turns": masked(hand_turns),
        "hand_points_on_head": masked(hand_points),
        "hands_away": masked(touch.hands_seen_away(lm)),
        **{k: masked(v) for k, v in _face_shape_columns(faceshape.face_shape(lm)).items()},
    }


def _face_shape_columns(shape: faceshape.FaceShape) -> dict[str, NDArray[np.float64]]:
    return {
        "mouth_width_cm": shape.mouth_width,
        "mouth_corner_right_cm": shape.corner_y[:, 0],
        "mouth_corner_left_cm": shape.corner_y[:, 1],
        "chin_cm": shape.chin_y,
    }


def _warmth(
    measures: dict[str, NDArray[np.float64]], time_s: NDArray[np.float64]
) -> warmth.WarmthMeasures:
    shape = faceshape.FaceShape(
        mouth_width=measures["mouth_width_cm"],
        corner_y=np.stack(
            [measures["mouth_corner_right_cm"], measures["mouth_corner_left_cm"]], axis=1
        ),
        chin_y=measures["chin_cm"],
        fit_error=np.full(len(time_s), np.nan),
    )
    return warmth.warmth_measures(
        shape,
        measures["eye_openness"],
        measures["head_pitch_deg"],
        measures["head_yaw_deg"],
        time_s,
        measures["person"] == 1.0,
        np.stack([measures["face_x_px"], measures["face_y_px"]], axis=1),
        measures["face_width_px"],
    )


def reference_from(
    measures: dict[str, NDArray[np.float64]],
    source: str = "session",
    calibration_video: str | None = None,
) -> Reference:
    """Infer the person's reference from the measures of a session or calibration clip."""
    return infer_reference(
        measures["neck_ratio"],
        measures["gaze_yaw_deg"],
        measures["gaze_pitch_deg"],
        measures["eye_openness"],
        source=source,
        calibration_video=calibration_video,
        eye_pitch_deg=measures["gaze_pitch_deg"] - measures["head_pitch_deg"],
        head_y=measures["head_y"],
        shoulder_width=measures["shoulder_width_px"],
        face_width=measures["face_width_px"],
    )


def _ref(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def decide(
    measures: dict[str, NDArray[np.float64]],
    time_s: NDArray[np.float64],
    reference: Reference,
    unjudged_movement: NDArray[np.bool_] | None = None,
    frame_height: int = 0,
) -> dict[str, NDArray[np.float64]]:
    """Per-frame habit states (1.0, 0.0, NaN unknown) and their scores.

    ``frame_height`` (pixels) turns the head's height in the frame into shoulder widths for
    the slump detector; 0 leaves that cue out.

    ``unjudged_movement`` marks frames whose picture is too poor to judge movement (see
    review.landmarks.glance): fidgeting is NaN there.

    Returns:
        Dict of (T,) arrays: the habits ``eye_contact``, ``slumped``, ``fidgeting``,
        ``self_touch``, ``warmth``, the scores ``slump_score`` and ``gaze_off_deg`` and
        warmth's parts ``smile_score``, ``smiling``, ``expression``, ``nodding``, ``blank_s``.

    """
    present = measures["person"] == 1.0
    movement_judged = present if unjudged_movement is None else present & ~unjudged_movement
    score = slump.slump_score(measures["neck_ratio"], _ref(reference.upright_neck_ratio))
    upright = reference.upright()
    drop = face_scale = None
    if upright is not None and frame_height > 0:
        drop = slump.head_drop(measures["head_y"], upright, frame_height)
        face_scale = measures["face_width_px"] / upright.face_width
    eye, off_deg = gaze.eye_contact_state(
        gaze.GazeFeatures(
            head_yaw_deg=measures["head_yaw_deg"],
            head_pitch_deg=measures["head_pitch_deg"],
            gaze_yaw_deg=measures["gaze_yaw_deg"],
            gaze_pitch_deg=measures["gaze_pitch_deg"],
            openness=measures["eye_openness"],
        ),
        time_s,
        _ref(reference.gaze_yaw_deg),
        _ref(reference.gaze_pitch_deg),
        _ref(reference.eye_openness),
        eye_pitch_ref=_ref(reference.eye_pitch_deg),
    )
    warm = _warmth(measures, time_s)
    return {
        "eye_contact": eye,
        "slumped": slump.slumped_state(score, time_s, drop, face_scale),
        "fidgeting": fidget.fidgeting_state(
            np.nan_to_num(measures["body_turns"]),
            np.nan_to_num(measures["hand_turns"]),
            movement_judged,
            time_s,
        ),
        "self_touch": touch.self_touch_state(
            np.nan_to_num(measures["hand_points_on_head"]),
            present,
            time_s,
            np.nan_to_num(measures["hands_away"]) == 1.0,
        ),
        "warmth": warm.warmth,
        "slump_score": score,
        "head_drop": np.full(len(time_s), np.nan) if drop is None else drop,
        "gaze_off_deg": off_deg,
        "smile_score": warm.smile_score,
        "smiling": warm.smiling,
        "expression": warm.expression,
        "nodding": warm.nodding,
        "blank_s": warm.blank_s,
    }


def analyse_landmarks(
    lm: Landmarks,
    reference: Reference | None = None,
    video_path: str = "",
    fps: float = float("nan"),
    unjudged_movement: NDArray[np.bool_] | None = None,
) -> Session:
    """Analyse landmarks already extracted from a recording (no video needed)."""
    measures = measure(lm)
    if reference is None:
        reference = reference_from(measures)
    states = decide(measures, lm.time_s, reference, unjudged_movement, lm.frame_size[1])
    return Session.build(
        video=video_path,
        landmarks=lm,
        fps=fps,
        measures=measures,
        states=states,
        events=habit_events(states, lm.time_s),
        reference=reference,
    )


def rejudge(session: Session, reference: Reference) -> Session:
    """Judge a saved analysis again, from its landmarks, against another reference.

    For comparing sessions against one calibration. What the video's frames added when it was
    analysed is kept, since the video is not read again: the frames where the picture was too
    poor to judge movement (those where the person was in view and fidgeting was left
    unjudged: fidgeting does not depend on the reference), the people count and the notes
    about the recording.

    Raises:
        ValueError: The session has no landmarks (it was loaded without landmarks.npz).

    """
    if session.landmarks is None:
        raise ValueError("the analysis has no landmarks to judge again")
    present = session.columns["person"] == 1.0
    poor_picture = present & np.isnan(session.columns["fidgeting"])
    again = analyse_landmarks(
        session.landmarks,
        reference,
        video_path=session.video,
        fps=session.fps,
        unjudged_movement=poor_picture,
    )
    again.people_max = session.people_max
    again.recording = session.recording
    again.question = session.question
    again.who = session.who
    again.recording_date = session.recording_date
    again.recording_date_from = session.recording_date_from
    again.delivery = session.delivery  # the sound does not depend on the reference
    again.notes += [note for note in session.notes if note not in again.notes]
    return again


#: A progress-bar factory: ``(total_frames, label) -> update(frames_done)``.
ProgressFactory = Callable[[int, str], Callable[[int], None]]


def landmarks_of(
    path: str | os.PathLike[str],
    progress: ProgressFactory | None = None,
    sample_hz: float | None = pipeline.SAMPLE_HZ,
    workers: int | None = None,
) -> tuple[Landmarks, video.VideoInfo]:
    """Decode a recording and run MediaPipe on it (see review.landmarks.pipeline).

    Args:
        path: The video file.
        progress: Optional progress-bar factory.
        sample_hz: Frames analysed per second (others interpolated); None: every frame.
        workers: Processes to use (default: one per core).

    """
    lm, info, _look = _read(path, progress, sample_hz, workers, with_glance=False)
    return lm, info


def _read(
    path: str | os.PathLike[str],
    progress: ProgressFactory | None,
    sample_hz: float | None,
    workers: int | None,
    with_glance: bool,
    info: video.VideoInfo | None = None,
) -> tuple[Landmarks, video.VideoInfo, glance.Glance | None]:
    info = video.probe(path) if info is None else info
    update = progress(info.frame_count, Path(path).name) if progress else None
    lm, look = pipeline.read_recording(
        path, info, sample_hz=sample_hz, workers=workers, on_frames=update, with_glance=with_glance
    )
    for problem in _recording_problems(info, lm):
        warnings.warn(f"{path}: {problem}", video.DecodeWarning, stacklevel=3)
    return lm, info, look


def _recording_problems(info: video.VideoInfo, lm: Landmarks) -> list[str]:
    """Sentences about a recording that decoded oddly: it ended early, its times jump."""
    found = [video.ended_early(info, lm.time_s), video.timing_problem(lm.time_s)]
    return [p for p in found if p]


def analyse_file(
    path: str | os.PathLike[str],
    reference: Reference | None = None,
    progress: ProgressFactory | None = None,
    sample_hz: float | None = pipeline.SAMPLE_HZ,
    workers: int | None = None,
    sound: bool = True,
    info: video.VideoInfo | None = None,
) -> Session:
    """Read a recording (landmarks, and a glance at a few frames, together) and judge it.

    The sound is analysed in a thread while the landmark workers run (``sound_delivery``).

    Args:
        path: The video file.
        reference: A calibration's reference; default: inferred from the recording.
        progress: Optional progress-bar factory.
        sample_hz: Frames analysed per second (others interpolated); None: every frame.
        workers: Processes to use (default: one per core).
        sound: Analyse the delivery from the sound track too.
        info: The recording's header, if it was probed already (``video.probe``).

    """
    info = video.probe(path) if info is None else info
    heard = _SoundThread(path, info.start_s) if sound else None
    lm, info, look = _read(path, progress, sample_hz, workers, with_glance=True, info=info)
    session = analyse_recording(lm, info, reference, look=look)
    session.recording = _identify(path)
    if heard is not None:
        session.delivery = heard.result()
    return session


class _SoundThread(threading.Thread):
    """``sound_delivery`` of a recording, in the background (its model releases the GIL)."""

    def __init__(self, path: str | os.PathLike[str], video_start_s: float) -> None:
        super().__init__(name="review-sound", daemon=True)
        self.path = path
        self.video_start_s = video_start_s
        self._result: Delivery | None = None
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        # A damaged sound track warns from here (review.media.audio); warnings are process-wide,
        # so the command reports them with the video's.
        try:
            self._result = sound_delivery(self.path, self.video_start_s)
        except BaseException as err:  # handed to the caller in result()
            self._error = err

    def result(self) -> Delivery:
        """The delivery, once the thread is done (its exception, if it raised one)."""
        self.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def _identify(path: str | os.PathLike[str]) -> video.RecordingId:
    """The recording's identity (absolute path, size, fingerprint)."""
    from review.errors import InputError

    try:
        return video.RecordingId.of(path)
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror}).") from None


def analyse_recording(
    lm: Landmarks,
    info: video.VideoInfo,
    reference: Reference | None = None,
    video_path: str | None = None,
    look: glance.Glance | None = None,
) -> Session:
    """Judge a decoded recording's landmarks, with what its frames add (see landmarks.glance).

    A glance at a dozen frames spread over the recording counts the people in view
    (``people_max``; a note when there were several and whether the main one was followed)
    and finds a picture too dark or noisy to judge movement (fidgeting not judged there).
    A recording that ended early gets a note. ``look``: that glance, if already taken.
    """
    look = look if look is not None else glance.look(info.path, info)
    poor = glance.poor_picture(look, lm.time_s)
    session = analyse_landmarks(
        lm,
        reference,
        video_path=str(Path(info.path).resolve()) if video_path is None else video_path,
        fps=info.fps,
        unjudged_movement=poor,
    )
    session.people_max = look.people_max
    session.question = info.question
    session.recording_date = info.recording_date
    session.recording_date_from = info.recording_date_from
    followed = glance.followed_main(look, lm.face_box, lm.time_s)
    weights = frame_durations(lm.time_s) if len(lm) else np.zeros(0)
    present_poor = poor & (session.columns["person"] == 1.0)
    session.notes += glance.notes(look, present_poor, followed, session.percent("person"), weights)
    session.notes += _recording_problems(info, lm)
    return session


def calibrate(path: str | os.PathLike[str], progress: ProgressFactory | None = None) -> Reference:
    """Measure the reference on a calibration clip (sitting upright, looking at the lens)."""
    lm, _info = landmarks_of(path, progress)
    measures = measure(lm)
    if not np.any(measures["person"] == 1.0):
        from review.errors import InputError

        raise InputError(
            f"{path}: no person found in the calibration clip. Record a few seconds of "
            "yourself sitting upright and looking at the lens."
        )
    return reference_from(
        measures, source="calibration", calibration_video=str(Path(path).resolve())
    )


def analyse(
    path: str | os.PathLike[str],
    calibration: str | os.PathLike[str] | None = None,
    progress: ProgressFactory | None = None,
    sample_hz: float | None = pipeline.SAMPLE_HZ,
    workers: int | None = None,
    sound: bool = True,
    info: video.VideoInfo | None = None,
) -> Session:
    """Analyse a recorded practice answer.

    Args:
        path: The recording (any container FFmpeg reads: mp4, mov, mkv, webm, avi).
        calibration: Optional clip of the person sitting upright looking at the lens; its
            reference replaces the one inferred from the recording itself.
        progress: Optional progress-bar factory ``(total_frames, label) -> update(done)``.
        sample_hz: Frames analysed per second, the others interpolated (see
            review.landmarks.pipeline); None analyses every frame.
        workers: Processes to use (default: one per core).
        sound: Also measure the delivery from the sound track (``Session.delivery``).
        info: The recording's header, if it was probed already (``video.probe``).

    Returns:
        The Session: per-frame table, events, summary.

    Example:
        >>> import review
        >>> session = review.analyse("answer.mp4")  # doctest: +SKIP
        >>> session.summary["eye_contact_pct"]  # doctest: +SKIP

    """
    reference = calibrate(calibration, progress) if calibration is not None else None
    return analyse_file(
        path, reference, progress, sample_hz=sample_hz, workers=workers, sound=sound, info=info
    )


def sound_delivery(path: str | os.PathLike[str], video_start_s: float | None = None) -> Delivery:
    """Delivery from a recording's first audio track (see review.detectors.delivery).

    Args:
        path: The recording.
        video_start_s: The first video frame's time in the container (``VideoInfo.start_s``),
            so that the sound's times are the frames' (default: probed here).

    Returns:
        The Delivery; ``sound`` is False when the recording has no audio track.

    """
    from review.detectors import delivery as speech
    from review.detectors import vad
    from review.media import audio

    start = video.probe(path).start_s if video_start_s is None else video_start_s
    sound = audio.read_sound(path, start)
    if sound is None:
        return speech.no_sound()
    probability, hop_s = vad.speech_probability(sound.samples, sound.rate)
    return speech.measure(sound.samples, sound.rate, probability, hop_s, sound.start_s)
