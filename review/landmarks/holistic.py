"""Landmarks per frame as numpy arrays: MediaPipe Holistic at the edge, NaN when absent.

Only the landmarks the detectors use are kept (the whole pose, both hands, a named subset of
the 478-point face mesh and the face's bounding box), as float32, so a 30-minute recording
stays well under 100 MB.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray


class PoseLandmark(IntEnum):
    """MediaPipe Pose landmark indices used here (as in mediapipe.solutions.pose)."""

    NOSE = 0
    LEFT_EYE = 2
    RIGHT_EYE = 5
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22


class FacePoint(IntEnum):
    """The face-mesh points kept, by position in ``Landmarks.face``; values are mesh indices.

    Use ``Landmarks.face[:, FacePoint.NOSE_TIP.slot]`` to read one.
    """

    NOSE_TIP = 1
    CHIN = 152
    FOREHEAD = 10
    RIGHT_EYE_OUTER = 33
    RIGHT_EYE_INNER = 133
    LEFT_EYE_INNER = 362
    LEFT_EYE_OUTER = 263
    RIGHT_UPPER_LID = 159
    RIGHT_LOWER_LID = 145
    LEFT_UPPER_LID = 386
    LEFT_LOWER_LID = 374
    RIGHT_UPPER_LID_2 = 160
    RIGHT_LOWER_LID_2 = 144
    RIGHT_UPPER_LID_3 = 158
    RIGHT_LOWER_LID_3 = 153
    LEFT_UPPER_LID_2 = 385
    LEFT_LOWER_LID_2 = 380
    LEFT_UPPER_LID_3 = 387
    LEFT_LOWER_LID_3 = 373
    MOUTH_RIGHT = 61
    MOUTH_LEFT = 291
    RIGHT_CHEEK = 234
    LEFT_CHEEK = 454
    RIGHT_IRIS = 468
    LEFT_IRIS = 473

    @property
    def slot(self) -> int:
        """Column of this point in ``Landmarks.face``."""
        return _FACE_SLOTS[self]


_FACE_SLOTS = {p: i for i, p in enumerate(FacePoint)}
FACE_MESH_INDICES = np.array([p.value for p in FacePoint], dtype=np.int64)
N_POSE = 33
N_HAND = 21
N_FACE = len(FacePoint)


@dataclass
class Landmarks:
    """Landmarks of one recording, one row per decoded frame (none dropped).

    Coordinates are normalised to the upright frame: x in [0, 1] left to right, y in [0, 1]
    top to bottom (values slightly outside happen when a point is just out of view); z is
    MediaPipe's relative depth. Absent landmarks are NaN.

    Attributes:
        time_s: (T,) float64 presentation times in seconds.
        pose: (T, 33, 4) float32 x, y, z, visibility of MediaPipe Pose landmarks.
        face: (T, len(FacePoint), 3) float32 x, y, z of the kept face-mesh points.
        face_box: (T, 4) float32 x0, y0, x1, y1 of all 478 face-mesh points.
        hands: (T, 2, 21, 3) float32 x, y, z of the hand landmarks, [left, right] as
            MediaPipe Holistic names them.
        frame_size: (width, height) of the upright frame in pixels.
        analysed: (T,) bool, the face was measured on the frame (MediaPipe ran on it; the
            other frames are interpolated); None: every frame.
        body_analysed: (T,) bool, the pose and hands were measured on the frame (they are
            followed less often than the face: see review.landmarks.pipeline); None: as
            ``analysed``.

    """

    time_s: NDArray[np.float64]
    pose: NDArray[np.float32]
    face: NDArray[np.float32]
    face_box: NDArray[np.float32]
    hands: NDArray[np.float32]
    frame_size: tuple[int, int]
    analysed: NDArray[np.bool_] | None = None
    body_analysed: NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        t = len(self.time_s)
        expected = {
            "pose": (t, N_POSE, 4),
            "face": (t, N_FACE, 3),
            "face_box": (t, 4),
            "hands": (t, 2, N_HAND, 3),
        }
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise ValueError(f"Landmarks.{name}: expected shape {shape}, got {actual}")

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def aspect(self) -> float:
        """Width divided by height, to turn normalised x and y into one square unit."""
        return self.frame_size[0] / self.frame_size[1]

    @classmethod
    def from_flat(
        cls,
        time_s: NDArray[np.float64],
        flat: NDArray[np.float32],
        frame_size: tuple[int, int],
        analysed: NDArray[np.bool_] | None = None,
        body_analysed: NDArray[np.bool_] | None = None,
    ) -> Landmarks:
        """Inverse of ``to_flat``."""
        t = len(time_s)
        parts = np.split(flat, np.cumsum(_ROW_PARTS)[:-1], axis=1)
        return cls(
            time_s=time_s,
            pose=parts[0].reshape(t, N_POSE, 4),
            face=parts[1].reshape(t, N_FACE, 3),
            face_box=parts[2].reshape(t, 4),
            hands=parts[3].reshape(t, 2, N_HAND, 3),
            frame_size=(int(frame_size[0]), int(frame_size[1])),
            analysed=analysed,
            body_analysed=body_analysed,
        )

    def to_flat(self) -> NDArray[np.float32]:
        """(T, ROW_SIZE) float32: every landmark of a frame in one row."""
        t = len(self)
        flat: NDArray[np.float32] = np.concatenate(
            [
                self.pose.reshape(t, -1),
                self.face.reshape(t, -1),
                self.face_box.reshape(t, -1),
                self.hands.reshape(t, -1),
            ],
            axis=1,
        ).astype(np.float32)
        return flat

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write to a compressed .npz file."""
        extra = {
            name: mask
            for name, mask in (("analysed", self.analysed), ("body_analysed", self.body_analysed))
            if mask is not None
        }
        np.savez_compressed(
            path,
            time_s=self.time_s,
            flat=self.to_flat(),
            frame_size=np.array(self.frame_size),
            **extra,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Landmarks:
        """Read what ``save`` wrote."""
        with np.load(path) as data:
            return cls.from_flat(
                data["time_s"],
                data["flat"],
                (int(data["frame_size"][0]), int(data["frame_size"][1])),
                data["analysed"] if "analysed" in data.files else None,
                data["body_analysed"] if "body_analysed" in data.files else None,
            )


_ROW_PARTS = [N_POSE * 4, N_FACE * 3, 4, 2 * N_HAND * 3]
ROW_SIZE = sum(_ROW_PARTS)
#: Column of a flat row holding the face box's x0 (NaN when no face was found).
FACE_BOX_COLUMN = N_POSE * 4 + N_FACE * 3

#: Frames are downscaled so that their longer side is at most this before inference: the
#: face and hand models work on small crops anyway, and 4K frames would only cost time.
MAX_INFERENCE_SIDE = 1280


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Hide what MediaPipe's C++ side writes to file descriptor 2 (TFLite and absl logs).

    File descriptor 2 points at the null device inside the block, while Python's
    ``sys.stderr`` (progress bars, warnings, our own messages) keeps writing to the real one.
    """
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    old_stderr = sys.stderr
    try:
        sys.stderr.flush()
        real = os.fdopen(saved, "w", buffering=1, closefd=False)
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            sys.stderr = real
            try:
                yield
            finally:
                real.flush()
                sys.stderr = old_stderr
                os.dup2(saved, 2)
    finally:
        os.close(saved)


class _Point(Protocol):
    """A landmark of a MediaPipe result (mediapipe ships no types: what is read of it)."""

    x: float
    y: float
    z: float
    visibility: float


class _PointList(Protocol):
    """A MediaPipe landmark list (a protobuf message)."""

    @property
    def landmark(self) -> Sequence[_Point]: ...


class HolisticResult(Protocol):
    """What is read of a MediaPipe Holistic result; a landmark list is None when not found."""

    pose_landmarks: _PointList | None
    face_landmarks: _PointList | None
    left_hand_landmarks: _PointList | None
    right_hand_landmarks: _PointList | None


class _Solution(Protocol):
    """What is used of a ``mediapipe.solutions`` graph (Holistic, FaceMesh)."""

    def process(self, image: NDArray[np.uint8] | dict[str, object]) -> object: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...


class FaceMeshResult(Protocol):
    """What is read of a MediaPipe FaceMesh result: None when no face was found."""

    multi_face_landmarks: Sequence[_PointList] | None


#: Columns of a flat row that the face mesh fills (its points and its box); the rest are the
#: pose's and the hands'.
FACE_COLUMNS = slice(N_POSE * 4, N_POSE * 4 + N_FACE * 3 + 4)


#: Faces FaceMesh looks for in its crop, of which the one where the face was is kept.
MAX_FACES = 2


class LandmarkExtractor:
    """MediaPipe in video mode (tracking), one frame at a time: two graphs.

    ``row_rgb`` runs Holistic (pose, face and hands: the whole row, the face only when asked
    for, see ``_holistic_face_on_request``) in video mode, tracking;
    ``face_row_rgb`` runs FaceMesh with irises alone (the face columns; NaN elsewhere), which
    costs about a sixth of Holistic (7 against 41 ms a frame on real 1280x720 webcam footage
    here, pose being most of the rest), so the face can be followed far more often than the
    body. FaceMesh detects the face on every frame it is given (static image mode): tracking
    from a frame a sampling period back put its landmarks where the face had been (a swaying
    man's head turned 20-45 degrees in the estimate while it stayed frontal), and the caller
    gives it a crop around the face (review.landmarks.facecrop), where detection is cheap.

    Use as a context manager, inside ``quiet_native_stderr()`` to keep MediaPipe's native logs
    off the terminal.
    """

    def __init__(self) -> None:
        self._holistic: _Solution | None = None
        self._face_mesh: _Solution | None = None

    def __enter__(self) -> LandmarkExtractor:
        from review.interrupts import deferred

        with deferred():  # protobuf's import code prints an interrupt and goes on
            import mediapipe as mp

        self._holistic = _holistic_face_on_request()
        self._face_mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True,
            max_num_faces=MAX_FACES,
            refine_landmarks=True,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        for graph in (self._holistic, self._face_mesh):
            if graph is not None:
                graph.close()
        self._holistic = self._face_mesh = None

    def reset(self) -> None:
        """Forget the tracked person: the next frame is analysed as if it were the first."""
        for graph in (self._holistic, self._face_mesh):
            if graph is not None:
                graph.reset()
                # Restart MediaPipe's clock too, so a chunk's result does not depend on what
                # the same process analysed before it.
                if hasattr(graph, "_simulated_timestamp"):
                    graph._simulated_timestamp = 0

    def row_rgb(
        self, image_rgb: NDArray[np.uint8], time_s: float | None = None, face: bool = True
    ) -> NDArray[np.float32]:
        """Landmarks of one upright RGB frame as a flat float32 row of ROW_SIZE (NaN if absent).

        Args:
            image_rgb: The frame, at most MAX_INFERENCE_SIDE on its longer side.
            time_s: Its presentation time. MediaPipe's solutions API stamps every frame 1/30 s
                after the one before; its landmark smoothing (a One Euro filter, which depends
                on speed) then misjudges variable frame rates and sampled frames. With the
                real time (increasing from the last ``reset``) it filters in real time.
            face: Also the face, from the pose (False: the face columns stay NaN, and the
                frame costs a fifth less; the pose and hands are the same either way).

        """
        result = self._process(self._holistic, image_rgb, time_s, face)
        return results_to_row(result)  # type: ignore[arg-type]

    def face_row_rgb(
        self,
        image_rgb: NDArray[np.uint8],
        time_s: float | None = None,
        near: tuple[float, float] | None = None,
    ) -> NDArray[np.float32]:
        """As ``row_rgb``, from FaceMesh alone: only ``FACE_COLUMNS`` are filled.

        Of the faces found (up to ``MAX_FACES``), the one whose box centre is nearest ``near``
        (x, y normalised to the image), or the first one found.
        """
        result: FaceMeshResult = self._process(self._face_mesh, image_rgb, time_s)  # type: ignore[assignment]
        row = np.full(ROW_SIZE, np.nan, dtype=np.float32)
        faces = [_face_part(face) for face in result.multi_face_landmarks or []]
        if faces and near is not None and np.all(np.isfinite(near)):
            box = N_FACE * 3
            faces.sort(
                key=lambda f: math.hypot(
                    (f[box] + f[box + 2]) / 2 - near[0], (f[box + 1] + f[box + 3]) / 2 - near[1]
                )
            )
        if faces:
            row[FACE_COLUMNS] = faces[0]
        return row

    @staticmethod
    def _process(
        graph: _Solution | None,
        image_rgb: NDArray[np.uint8],
        time_s: float | None,
        face: bool | None = None,
    ) -> object:
        if graph is None:
            raise RuntimeError("LandmarkExtractor must be used inside a `with` block")
        # MediaPipe takes the pixels by reference and refuses a strided array.
        rgb = np.ascontiguousarray(image_rgb)
        rgb.flags.writeable = False
        if time_s is not None and hasattr(graph, "_simulated_timestamp"):
            # process() adds 1/30 s (33333 us) to this before stamping the frame.
            graph._simulated_timestamp = round(time_s * 1e6) - 33333
        if face is None:
            return graph.process(rgb)
        return graph.process({"image": rgb, "face_wanted": face})


def _holistic_face_on_request() -> _Solution:
    """MediaPipe Holistic (pose, hands and face) whose face is found only when asked for.

    Holistic finds the face from the pose, in a branch of its graph that neither the pose nor
    the hands depend on; the caller has the face from FaceMesh on most frames, so the branch
    is gated: a packet ``face_wanted`` (bool) beside each image lets the pose's face points
    through to it or not (MediaPipe's GateCalculator). Pose and hands are those of
    ``mp.solutions.holistic.Holistic`` (same graph, models, options and thresholds).
    """
    return holistic_solution(holistic_graph())


def holistic_graph() -> Any:
    """The graph of ``_holistic_face_on_request`` (a CalculatorGraphConfig), to be started."""
    import mediapipe as mp
    from mediapipe.framework import calculator_pb2
    from mediapipe.python.solutions import holistic

    graph = calculator_pb2.CalculatorGraphConfig()
    package = os.path.dirname(os.path.dirname(mp.__file__))
    with open(os.path.join(package, holistic._BINARYPB_FILE_PATH), "rb") as f:
        graph.ParseFromString(f.read())
    (face,) = [n for n in graph.node if n.calculator == "FaceLandmarksFromPoseCpu"]
    streams = [s for s in face.input_stream if not s.startswith("FACE_LANDMARKS_FROM_POSE:")]
    (pose_face,) = [s for s in face.input_stream if s.startswith("FACE_LANDMARKS_FROM_POSE:")]
    del face.input_stream[:]
    face.input_stream.extend([*streams, "FACE_LANDMARKS_FROM_POSE:gated_face_from_pose"])
    gate = graph.node.add()
    gate.calculator = "GateCalculator"
    gate.input_stream.extend([pose_face.split(":", 1)[1], "ALLOW:face_wanted"])
    gate.output_stream.append("gated_face_from_pose")
    graph.input_stream.append("FACE_WANTED:face_wanted")
    return graph


def holistic_solution(graph: Any) -> _Solution:
    """``holistic_graph`` (or a variant of it) started with Holistic's own options."""
    from mediapipe.python import solution_base

    prefix = "poselandmarkcpu__"
    return solution_base.SolutionBase(  # type: ignore[no-any-return]
        graph_config=graph,
        side_inputs={
            "model_complexity": 1,
            "smooth_landmarks": True,
            "enable_segmentation": False,
            "smooth_segmentation": False,
            "refine_face_landmarks": True,
            "use_prev_landmarks": True,
        },
        calculator_params={
            f"{prefix}posedetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": 0.5,
            f"{prefix}poselandmarkbyroicpu__tensorstoposelandmarksandsegmentation__"
            "ThresholdingCalculator.threshold": 0.5,
        },
        outputs=["pose_landmarks", "left_hand_landmarks", "right_hand_landmarks", "face_landmarks"],
    )


def _points(
    landmark_list: _PointList | None, n: int, with_visibility: bool = False
) -> NDArray[np.float32]:
    cols = 4 if with_visibility else 3
    if landmark_list is None:
        return np.full((n, cols), np.nan, dtype=np.float32)
    fast = _points_from_wire(landmark_list, cols)
    if fast is not None:
        return fast
    lms = landmark_list.landmark
    if with_visibility:
        return np.array([(p.x, p.y, p.z, p.visibility) for p in lms], dtype=np.float32)
    return np.array([(p.x, p.y, p.z) for p in lms], dtype=np.float32)


def _wire_record(cols: int) -> np.dtype[np.void]:
    """One serialised point of ``cols`` fields (see ``_points_from_wire``)."""
    fields = [("tag", "u1"), ("length", "u1")]
    for k in range(cols):
        fields += [(f"key{k}", "u1"), (f"v{k}", "<f4")]
    return np.dtype(fields)


_WIRE_RECORDS = {cols: _wire_record(cols) for cols in (3, 4)}


def _points_from_wire(landmark_list: _PointList, cols: int) -> NDArray[np.float32] | None:
    """The points of a landmark list read from its protobuf wire form at once, or None.

    Reading x, y, z of 478 face points one attribute at a time costs about 0.2 ms a face; the
    serialised message is, when every point has just its first ``cols`` fields (x=1, y=2,
    z=3, visibility=4: what MediaPipe writes), a run of equal records: tag 0x0A, length
    ``5 * cols``, then ``cols`` times a fixed32 tag (0x0D, 0x15, ...) and a little-endian
    float. Any other layout returns None (the caller reads the attributes).
    """
    serialise = getattr(landmark_list, "SerializeToString", None)
    if serialise is None:
        return None
    data = serialise()
    record = _WIRE_RECORDS[cols]
    if not data or len(data) % record.itemsize:
        return None
    rows = np.frombuffer(data, dtype=record)
    if (rows["tag"] != 0x0A).any() or (rows["length"] != 5 * cols).any():
        return None
    for k in range(cols):
        if (rows[f"key{k}"] != ((k + 1) << 3 | 5)).any():
            return None
    return np.stack([rows[f"v{k}"] for k in range(cols)], axis=1).astype(np.float32)  # type: ignore[no-any-return]


def _face_part(face: _PointList | None) -> NDArray[np.float32]:
    """The kept face-mesh points and the box of all 478, flat (NaN when no face)."""
    face_all = _points(face, 478)
    if face is None or len(face_all) < 478:
        return np.full(N_FACE * 3 + 4, np.nan, dtype=np.float32)
    box = np.array(
        [face_all[:, 0].min(), face_all[:, 1].min(), face_all[:, 0].max(), face_all[:, 1].max()],
        dtype=np.float32,
    )
    return np.concatenate([face_all[FACE_MESH_INDICES].ravel(), box])


def results_to_row(result: HolisticResult) -> NDArray[np.float32]:
    """Turn a MediaPipe Holistic result into one flat float32 row (NaN where absent)."""
    pose = _points(result.pose_landmarks, N_POSE, with_visibility=True)
    left = _points(result.left_hand_landmarks, N_HAND)
    right = _points(result.right_hand_landmarks, N_HAND)
    return np.concatenate(
        [pose.ravel(), _face_part(result.face_landmarks), left.ravel(), right.ravel()]
    )
