"""Odd recordings and broken files (issue 7): refused cleanly, or analysed correctly.

Every input is generated here from the real frames of a sample clip (tests/media.py), kept
to 2-4 s. Each case checks the exit status, the message, that no traceback is printed and
that nothing partial is left behind. Refusals run the command in this process
(tests/command.py: the same exit status and stderr, FFmpeg's own output included, without a
Python start-up per case); analyses and Ctrl-C run it as a user does, as a process of its
own (``python -m review.cli``; a refusal so: tests/test_cli_input.py).
"""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

import review
from review.errors import InputError
from review.landmarks import glance
from review.media import video
from review.storing.folders import OutputError
from tests import media
from tests.command import in_process


def run_review(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "review.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def assert_refused(proc, path: Path, fragment: str, folder: Path, before: set[str]) -> None:
    err = proc.stderr
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert err.startswith("review: error: ") and str(path) in err, err
    assert fragment in err, err
    assert len(err.strip().splitlines()) <= 2, err
    assert proc.stdout == ""
    assert listing(folder) == before, "nothing may be written"


def analyse_cli(path: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict, Path]:
    out = path.with_name(path.stem + "_review")
    proc = run_review("analyse", str(path), "-o", str(out), "-q", "--no-history", *extra)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc, json.loads((out / "summary.json").read_text()), out


@pytest.fixture(scope="module")
def clip():
    """3 s of upright.mp4 as (images, times)."""
    return media.sample_frames("upright.mp4", 3.0)


# Refused cleanly ------------------------------------------------------------------------------


def _text(p: Path) -> Path:
    p.write_text("this is not a video\n" * 200)
    return p


def _random(p: Path) -> Path:
    p.write_bytes(np.random.default_rng(7).integers(0, 256, 60_000, dtype=np.uint8).tobytes())
    return p


def _cut_before_index(p: Path) -> Path:
    images, times = media.sample_frames("upright.mp4", 2.0)
    full = media.write_video(p.with_name("whole.mp4"), images, times)  # index at the end
    media.truncate(full, p, 0.6)
    full.unlink()
    return p


def _audio_only(p: Path) -> Path:
    return media.write_audio_only(p)


def _still_png(p: Path) -> Path:
    images, _ = media.sample_frames("upright.mp4", 0.1)
    cv2.imwrite(str(p), images[0])
    return p


def _one_frame(p: Path) -> Path:
    images, times = media.sample_frames("upright.mp4", 0.1)
    return media.write_video(p, images[:1], times[:1])


REFUSED = {
    "text file with a video extension": ("notes.mp4", _text, "not a video FFmpeg can read"),
    "random bytes with a video extension": ("noise.mov", _random, "not a video FFmpeg can read"),
    "mp4 cut off before its index": ("cut.mp4", _cut_before_index, "index (the MP4 'moov' box"),
    "audio only": ("voice.mp4", _audio_only, "no video stream (audio only)"),
    "a still image": ("photo.png", _still_png, "single picture, not a recording"),
    "a single frame": ("one.mp4", _one_frame, "single picture, not a recording"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_broken_or_unusable_input_is_refused_cleanly(tmp_path, case):
    name, make, fragment = REFUSED[case]
    path = make(tmp_path / name)
    before = listing(tmp_path)
    proc = in_process("analyse", str(path), "--no-history")
    assert_refused(proc, path, fragment, tmp_path, before)


@pytest.mark.parametrize(
    "case, fragment",
    [("missing", "no such file"), ("folder", "is a folder"), ("empty", "empty (0 bytes)")],
)
def test_missing_folder_or_empty_path_is_refused_cleanly(tmp_path, case, fragment):
    path = tmp_path / "answer.mp4"
    if case == "folder":
        path.mkdir()
    elif case == "empty":
        path.write_bytes(b"")
    before = listing(tmp_path)
    proc = in_process("analyse", str(path), "--no-history")
    assert_refused(proc, path, fragment, tmp_path, before)


def _existing_file(tmp_path: Path) -> Path:
    out = tmp_path / "results"
    out.write_text("keep me")
    return out


def _under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "plain.txt").write_text("keep me")
    return tmp_path / "plain.txt" / "results"


def _a_folder_of_other_files(tmp_path: Path) -> Path:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "cv.txt").write_text("keep me")
    return out


OUTPUTS = {
    "an existing file": (_existing_file, "exists and is not a folder"),
    "a path under a regular file": (_under_a_file, "is a file, not a folder"),
    "a folder with other files (never deleted)": (_a_folder_of_other_files, "other files in it"),
    "a place nobody can write (/proc)": (lambda _: Path("/proc/review-results"), "cannot write"),
}


@pytest.mark.parametrize("case", list(OUTPUTS))
def test_unusable_output_is_refused_and_left_untouched(tmp_path, sample, case):
    make, fragment = OUTPUTS[case]
    out = make(tmp_path)
    before = listing(tmp_path)
    contents = {p: p.read_text() for p in tmp_path.rglob("*") if p.is_file()}
    proc = in_process("analyse", str(sample("upright.mp4")), "-o", str(out), "--no-history")
    assert_refused(proc, out, fragment, tmp_path, before)
    assert {p: p.read_text() for p in tmp_path.rglob("*") if p.is_file()} == contents
    assert not Path("/proc/review-results").exists()


# Broken part way: decoded up to the damage -----------------------------------------------------


@pytest.mark.integration
def test_file_cut_off_part_way_is_analysed_up_to_the_cut_with_a_warning(tmp_path):
    images, times = media.sample_frames("upright.mp4", 4.0)
    whole = media.write_video(tmp_path / "whole.mp4", images, times, faststart=True)
    cut = media.truncate(whole, tmp_path / "cut.mp4", 0.5)
    info = video.probe(cut)
    assert info.duration_s == pytest.approx(4.0, abs=0.05)  # the header still says 4 s
    proc, summary, out = analyse_cli(cut)
    assert "review: warning:" in proc.stderr and "ends early" in proc.stderr
    assert 1.0 < summary["duration_s"] < 3.0
    assert summary["person_visible_pct"] == 100.0
    assert any("ends early" in note for note in summary["notes"])
    assert listing(tmp_path) == {"whole.mp4", "cut.mp4", "cut_review"}


def test_a_damaged_packet_is_skipped_and_decoding_goes_on(tmp_path, clip):
    """PyAV raises for the damaged packet only; the frames after it still decode."""
    images, times = clip
    path = media.write_video(tmp_path / "a.mp4", images, times)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 3000] = bytes(3000)  # zero a stretch of one frame's data
    path.write_bytes(bytes(data))
    with pytest.warns(video.DecodeWarning, match="skipped"):
        decoded = [f.time_s for f in video.frames(path)]
    assert decoded[-1] == pytest.approx(times[-1], abs=1e-3)  # it went on to the end
    assert len(decoded) >= len(times) - 3


# Rotation, containers, frame rate --------------------------------------------------------------

ROTATIONS = {  # display-matrix angle (counter-clockwise) -> how the frames are stored
    -90: 1,  # a phone held upright (iPhone: tkhd matrix 0 1 -1 0): stored turned left
    90: -1,
    180: 2,
}


@pytest.mark.parametrize("ccw", list(ROTATIONS))
def test_sideways_frames_with_rotation_metadata_come_out_upright(tmp_path, clip, ccw):
    images, times = clip
    stored = [np.ascontiguousarray(np.rot90(im, k=ROTATIONS[ccw])) for im in images[:10]]
    path = media.write_video(tmp_path / "phone.mp4", stored, times[:10], rotation_ccw=ccw)
    info = video.probe(path)
    assert (info.width, info.height) == (640, 360)
    first = next(video.frames(path, info)).image
    assert first.shape == images[0].shape
    assert np.abs(first.astype(int) - images[0]).mean() < 6  # the same picture, upright


@pytest.mark.integration
def test_phone_recording_stored_sideways_is_analysed_upright(tmp_path, clip):
    images, times = clip
    stored = [np.ascontiguousarray(np.rot90(im, k=1)) for im in images]
    path = media.write_video(tmp_path / "phone.mp4", stored, times, rotation_ccw=-90)
    _proc, summary, _out = analyse_cli(path)
    assert summary["frame_size"] == [640, 360]
    assert summary["person_visible_pct"] == 100.0
    assert summary["eye_contact_pct"] == 100.0


CODECS = [
    (".mp4", None),
    (".mov", None),
    (".mkv", None),
    (".webm", None),  # VP9
    (".webm", "libvpx"),  # VP8
    (".avi", None),  # MPEG-4 part 2
    (".avi", "mjpeg"),
]


@pytest.mark.parametrize("ext, codec", CODECS)
def test_every_container_decodes_with_the_times_it_stores(tmp_path, clip, ext, codec):
    images, times = clip
    path = media.write_video(tmp_path / f"clip{ext}", images, times, codec=codec)
    info = video.probe(path)
    decoded = np.array([f.time_s for f in video.frames(path, info)])
    np.testing.assert_allclose(decoded, times, atol=1e-3)
    # A chunk decoded after a seek (as the pipeline does) gives exactly its frames.
    part = np.array([f.time_s for f in video.frames(path, info, 1.0, 2.0)])
    np.testing.assert_allclose(part, [t for t in times if 1.0 - 1e-6 <= t < 2.0 - 1e-6], atol=1e-3)
    assert video.ended_early(info, decoded) is None


@pytest.mark.integration
@pytest.mark.parametrize(
    "ext, codec", [(".mov", None), (".mkv", None), (".webm", None), (".avi", "mjpeg")]
)
def test_every_container_is_analysed(tmp_path, ext, codec):
    images, times = media.sample_frames("upright.mp4", 2.0)
    path = media.write_video(tmp_path / f"clip{ext}", images, times, codec=codec)
    session = review.analyse(path)
    assert len(session) == len(images)
    assert session.summary["person_visible_pct"] == 100.0
    assert session.summary["eye_contact_pct"] == 100.0


@pytest.mark.integration
def test_variable_frame_rate_times_come_from_the_container(tmp_path):
    images, _ = media.sample_frames("upright.mp4", 3.0)
    gaps = np.random.default_rng(3).uniform(0.015, 0.09, len(images))
    times = np.concatenate([[0.0], np.cumsum(gaps)[:-1]]).round(3)
    path = media.write_video(tmp_path / "webcam.mp4", images, times)
    _proc, summary, out = analyse_cli(path)
    with open(out / "frames.csv", newline="") as f:
        written = [float(row["time_s"]) for row in csv.DictReader(f)]
    np.testing.assert_allclose(written, times, atol=1e-6)
    assert summary["frames_analysed"] == len(images)


@pytest.mark.integration
def test_real_variable_frame_rate_clip_keeps_its_presentation_times(analysed, sample):
    import av

    with av.open(str(sample("face_noface.mov"))) as container:
        stream = container.streams.video[0]
        pts = sorted(
            float(p.pts * p.time_base) for p in container.demux(stream) if p.pts is not None
        )
    gaps = np.diff(pts)
    assert gaps.max() > 1.3 * gaps.min()  # it really is variable
    session = analysed("face_noface.mov")
    np.testing.assert_allclose(session.time_s, np.array(pts[: len(session)]) - pts[0], atol=1e-6)


# Nobody, several people ------------------------------------------------------------------------


@pytest.mark.integration
def test_nobody_in_view_gives_no_habits_and_says_so(analysed):
    nobody = analysed("no_face.mp4")
    assert nobody.summary["person_visible_pct"] == 0.0
    assert nobody.events == []
    assert all(v == 100.0 for v in nobody.summary["not_judged_pct"].values())
    assert any("No person was found" in n for n in nobody.notes)
    assert nobody.summary["people_max"] == 0

    partly = analysed("face_noface.mov")
    absent = partly.columns["person"] == 0.0
    assert absent.sum() > 50
    for column in ("eye_contact", "slumped", "fidgeting", "self_touch"):
        assert np.isnan(partly.columns[column][absent]).all()
    assert all(e.end_s <= partly.time_s[absent][0] + 0.1 for e in partly.events)
    assert any("No person was in view for" in n for n in partly.notes)


def _two_people(image: np.ndarray, main_on_left: bool) -> np.ndarray:
    """The man at full size and a mirrored copy of him at 65 %, side by side on 1280x360."""
    canvas = np.full((360, 1280, 3), 200, np.uint8)
    other = cv2.resize(image[:, ::-1], (416, 234), interpolation=cv2.INTER_AREA)
    if main_on_left:
        canvas[:, 160:800] = image
        canvas[360 - 234 :, 1280 - 416 :] = other
    else:
        canvas[:, 480:1120] = image
        canvas[360 - 234 :, :416] = other
    return canvas


@pytest.mark.integration
@pytest.mark.parametrize("main_on_left", [True, False])
def test_several_people_main_subject_followed_and_others_reported(tmp_path, clip, main_on_left):
    images, times = clip
    path = media.write_video(
        tmp_path / "two.mp4", [_two_people(im, main_on_left) for im in images], times
    )
    session = review.analyse(path)
    assert session.summary["people_max"] == 2
    assert any("Up to 2 people" in n and "on every frame checked" in n for n in session.notes)
    centre_x = np.nanmedian(session.landmarks.face_box[:, [0, 2]].mean(axis=1)) * 1280
    main = (160, 800) if main_on_left else (480, 1120)
    assert main[0] < centre_x < main[1]  # Holistic followed the larger, more central man
    assert session.summary["person_visible_pct"] == 100.0


def test_main_face_is_the_largest_most_central():
    boxes = np.array([[0.0, 0.5, 0.2, 0.9], [0.35, 0.2, 0.65, 0.8], [0.8, 0.1, 0.95, 0.3]])
    assert glance.main_face(boxes) == 1
    assert glance.main_face(np.zeros((0, 4))) is None


# 4K, dark and noisy ----------------------------------------------------------------------------


def test_4k_frames_can_be_scaled_down_while_decoding(tmp_path, clip):
    images, times = clip
    big = [cv2.resize(im, (3840, 2160)) for im in images[:3]]
    path = media.write_video(tmp_path / "4k.mp4", big, times[:3])
    full = next(video.frames(path)).image
    small = next(video.frames(path, max_side=1280)).image
    assert full.shape == (2160, 3840, 3) and small.shape == (720, 1280, 3)
    reference = cv2.resize(full, (1280, 720), interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(int) - reference).mean() < 2


@pytest.mark.integration
def test_4k_recording_gives_the_same_results_as_its_small_copy(tmp_path):
    images, times = media.sample_frames("upright.mp4", 2.0)
    small = review.analyse(media.write_video(tmp_path / "small.mp4", images, times))
    big_images = [cv2.resize(im, (3840, 2160), interpolation=cv2.INTER_CUBIC) for im in images]
    big = review.analyse(media.write_video(tmp_path / "big.mp4", big_images, times))
    assert big.summary["frame_size"] == [3840, 2160]
    for key in ("person_visible_pct", "eye_contact_pct", "slumped_pct", "fidgeting_pct"):
        assert big.summary[key] == small.summary[key], key
    assert [e.habit for e in big.events] == [e.habit for e in small.events]
    diff = np.abs(big.columns["neck_ratio"] - small.columns["neck_ratio"])
    assert np.nanmax(diff) < 0.03


def _degraded(tmp_path: Path, name: str, gain: float, sigma: float) -> Path:
    images, times = media.sample_frames("upright.mp4", 3.0)
    rng = np.random.default_rng(0)
    out = [
        np.clip(im * gain + rng.normal(0, sigma, im.shape), 0, 255).astype(np.uint8)
        for im in images
    ]
    return media.write_video(tmp_path / name, out, times)


@pytest.mark.integration
def test_dim_noisy_webcam_movement_is_not_judged_rather_than_guessed(tmp_path):
    """A still man at a fifth of the light with noise: MediaPipe still finds him, but his
    landmarks jitter; without the picture check that jitter was read as fidgeting."""
    summary = review.analyse(_degraded(tmp_path, "dim.mp4", gain=0.2, sigma=15)).summary
    assert summary["person_visible_pct"] > 90
    assert summary["fidgeting_pct"] is None
    assert summary["not_judged_pct"]["fidgeting"] == 100.0
    assert not [e for e in summary["events"] if e["habit"] == "fidgeting"]
    assert summary["eye_contact_pct"] == 100.0  # the rest is still judged
    assert any("too dark or noisy to judge movement" in n for n in summary["notes"])


@pytest.mark.integration
def test_noisy_but_well_lit_webcam_is_still_fully_judged(tmp_path):
    summary = review.analyse(_degraded(tmp_path, "grainy.mp4", gain=1.0, sigma=20)).summary
    assert summary["fidgeting_pct"] == 0.0
    assert summary["not_judged_pct"]["fidgeting"] == 0.0
    assert summary["notes"] == []


@pytest.mark.integration
def test_very_dark_recording_judges_only_the_face_and_says_why(tmp_path):
    """At 15 % of the light with noise Holistic finds nobody; FaceMesh, looking at the face
    alone, still finds it (he is at the lens throughout). Posture and movement are not
    judged, nothing is flagged, and the summary says the picture is very dark."""
    summary = review.analyse(_degraded(tmp_path, "dark.mp4", gain=0.15, sigma=15)).summary
    assert summary["person_visible_pct"] > 90
    assert summary["eye_contact_pct"] == 100.0
    assert summary["slumped_pct"] is None and summary["fidgeting_pct"] is None
    assert summary["events"] == []
    assert any("very dark" in n for n in summary["notes"])


def test_contrast_to_noise_falls_with_noise():
    images, _ = media.sample_frames("upright.mp4", 0.1)
    face = cv2.cvtColor(images[0][60:300, 200:380], cv2.COLOR_BGR2GRAY)
    noisy = np.clip(face + np.random.default_rng(0).normal(0, 25, face.shape), 0, 255)
    clean = glance.contrast_to_noise(face)
    assert clean > 10 * glance.MIN_CONTRAST_TO_NOISE
    assert glance.contrast_to_noise(noisy.astype(np.uint8)) < clean / 4


def test_poor_picture_marks_frames_by_their_nearest_glance():
    look = glance.Glance(
        time_s=np.array([0.0, 10.0]),
        faces=[np.zeros((1, 4)), np.zeros((1, 4))],
        contrast_to_noise=np.array([50.0, 1.0]),
        brightness=np.array([120.0, 20.0]),
    )
    t = np.array([0.0, 4.9, 5.1, 12.0])
    assert glance.poor_picture(look, t).tolist() == [False, False, True, True]


# Interrupted runs ------------------------------------------------------------------------------


def _start(video_path: Path, out: Path, *more: Path):
    """Start ``review analyse`` (of ``more`` recordings too) as a terminal job; its stderr is
    collected as it comes."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "review.cli", "analyse", str(video_path), *map(str, more)]
        + ["-o", str(out), "--no-history"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal job is
        # A test run started in the background of a script ignores SIGINT, and the child
        # would inherit that; give it the default, as in a terminal (as tests/test_record.py).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen: list[bytes] = []

    def read() -> None:
        while chunk := proc.stderr.read1(4096):  # type: ignore[union-attr]
            seen.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return proc, reader, seen


def _running_in_session(sid: int) -> list[int]:
    """Processes of a session still running (Linux /proc; zombies excluded)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _session_emptied(proc) -> bool:
    """Whether the job's session has no process left, allowing a short grace.

    The session empties at once, but on a loaded machine one process was still exiting (its
    command line already gone) when the main process had been reaped, once in 16 runs: most
    likely multiprocessing's resource tracker, which ends on its own when its pipe closes. A
    process left running would still be there after the grace.
    """
    deadline = time.monotonic() + 3.0
    while _running_in_session(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _running_in_session(proc.pid) == []


def _end_session(proc) -> None:
    """Kill the job and any orphaned worker of its session (a test never leaves them)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    for pid in _running_in_session(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wait_until(condition, seen: list[bytes], limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, b"".join(seen).decode(errors="replace")
        time.sleep(0.02)


def _workers_starting(proc, seen) -> bool:
    # main process, multiprocessing's resource tracker and a worker process (still loading)
    return len(_running_in_session(proc.pid)) >= 3


def _part_way(proc, seen) -> bool:
    return re.search(rb"\| *[1-9]\d*/\d+ \[", b"".join(seen)) is not None  # a frame done


WHEN = {"while the workers start": _workers_starting, "part way": _part_way}


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(
    "how, when",
    [("ctrl-c", "while the workers start"), ("ctrl-c", "part way"), ("kill", "part way")],
)
def test_interrupted_analysis_leaves_no_folder(tmp_path, sample, how, when):
    from review.landmarks.pipeline import default_workers

    if default_workers() < 2:
        pytest.skip("needs two cores for worker processes")
    out = tmp_path / "answer_review"
    proc, reader, seen = _start(sample("rocking.mp4"), out)
    try:
        _wait_until(lambda: WHEN[when](proc, seen), seen)
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends the whole job
        else:
            os.kill(proc.pid, signal.SIGTERM)  # `kill PID`
        assert proc.wait(timeout=120) == (130 if how == "ctrl-c" else 128 + signal.SIGTERM)
        reader.join(timeout=10)
        err = b"".join(seen).decode(errors="replace")
        assert "Traceback" not in err
        assert "review: interrupted; nothing was written." in err
        assert listing(tmp_path) == set(), "no output folder and no hidden temporary folder"
        assert _session_emptied(proc), "no worker process left running"
    finally:  # never leave this test's processes behind, even when it fails
        _end_session(proc)


def _second_under_way(proc, seen) -> bool:
    """The batch's progress bar is on the second recording, with one of its frames done."""
    text = b"".join(seen).decode(errors="replace")
    done = [int(n) for n in re.findall(r"\[2/3\] b\.mp4: +\d+%\|[^|]*\| *(\d+)/", text)]
    first = re.findall(r"\[1/3\] a\.mp4: +\d+%\|[^|]*\| *(\d+)/", text)
    return bool(done and first) and max(done) > max(map(int, first))


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_ctrl_c_during_a_batch_keeps_the_finished_folder_and_leaves_no_other(tmp_path, sample):
    """``review analyse a b c``, Ctrl-C while b is analysed: a's folder stays (complete), b's
    half-written one is gone, c is never started; exit 130, one line, no traceback."""
    from review.landmarks.pipeline import default_workers
    from review.storing import store

    if default_workers() < 2:
        pytest.skip("needs two cores for worker processes")
    clips = tmp_path / "clips"
    clips.mkdir()
    videos = []
    for name, source in (("a", "rocking.mp4"), ("b", "slump.mp4"), ("c", "rocking.mp4")):
        videos.append(clips / f"{name}.mp4")
        videos[-1].write_bytes(sample(source).read_bytes())
    out = tmp_path / "results"
    proc, reader, seen = _start(videos[0], out, *videos[1:])
    try:
        _wait_until(lambda: _second_under_way(proc, seen), seen, limit_s=240)
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends the whole job
        assert proc.wait(timeout=120) == 130
        reader.join(timeout=10)
        err = b"".join(seen).decode(errors="replace")
        assert "Traceback" not in err
        said = [line for line in re.split(r"[\r\n]", err) if line.startswith("review:")]
        assert said == [
            "review: interrupted; the 1 recording(s) finished before it are saved (listed "
            "above), the one under way and those after it were not analysed."
        ], err
        stdout = proc.stdout.read().decode()  # type: ignore[union-attr]
        assert stdout.startswith(f"[1/3] {videos[0]}: ") and "[2/3]" not in stdout, stdout
        # a's folder is complete and loads; nothing of b (no hidden temporary folder) or c
        assert listing(out) == {"a_review"}
        assert store.load(out / "a_review").summary["duration_s"] > 10
        assert (out / "a_review" / "report.html").is_file()
        assert listing(clips) == {"a.mp4", "b.mp4", "c.mp4"}  # the recordings untouched
        assert _session_emptied(proc), "no worker process left running"
    finally:  # never leave this test's processes behind, even when it fails
        _end_session(proc)


def test_killed_while_saving_leaves_nothing_that_looks_like_a_result(tmp_path):
    from review.usecases import inputs

    script = (
        "import os, signal, sys\n"
        "from review.judging.session import Session\n"
        "session = Session.load(sys.argv[1])\n"
        "session.save(sys.argv[2], extra=lambda tmp, s: os.kill(os.getpid(), signal.SIGKILL))\n"
    )
    saved = _small_session().save(tmp_path / "saved_review")
    out = tmp_path / "answer_review"
    proc = subprocess.run([sys.executable, "-c", script, str(saved), str(out)], timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".answer_review.")]
    assert len(leftovers) == 1 and leftovers[0].is_dir()
    assert not (leftovers[0] / "summary.json").exists()
    with pytest.raises(InputError, match="not one written by `review analyse`"):
        inputs.check(leftovers[0])
    # The next save to the same place removes what the killed run left.
    _small_session().save(out)
    assert (out / "summary.json").is_file()
    assert not leftovers[0].exists()


# Fuzz ------------------------------------------------------------------------------------------


def _mutations(source: bytes, count: int, seed: int) -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(seed)
    cases = [("header only", source[:1500])]
    for k in range(count):
        data = bytearray(source)
        kind = ("cut", "flip", "cut+flip", "zeros")[k % 4]
        if "cut" in kind:
            data = data[: int(rng.integers(1, len(data)))]
        if "flip" in kind:
            for _ in range(int(rng.integers(1, 40))):
                # half in the first 6 kB (headers, index), half anywhere
                limit = min(len(data), 6000) if rng.random() < 0.5 else len(data)
                data[int(rng.integers(0, limit))] ^= 1 << int(rng.integers(0, 8))
        if kind == "zeros":
            start = int(rng.integers(0, len(data)))
            end = min(len(data), start + int(rng.integers(1, 5000)))
            data[start:end] = bytes(end - start)
        cases.append((kind, bytes(data)))
    return cases


@pytest.mark.integration
def test_fuzzed_recordings_never_give_a_traceback_or_hang(tmp_path):
    images, times = media.sample_frames("upright.mp4", 1.5)
    sources = {
        ".mp4": media.write_video(tmp_path / "s.mp4", images, times, faststart=True),
        ".mkv": media.write_video(tmp_path / "s.mkv", images, times, audio=True),
        ".webm": media.write_video(tmp_path / "s.webm", images, times),
    }
    cases = []
    for n, (ext, source) in enumerate(sources.items()):
        for k, (kind, data) in enumerate(_mutations(source.read_bytes(), 7, seed=n)):
            path = tmp_path / f"case{n}{k}{ext}"
            path.write_bytes(data)
            cases.append((kind, path))

    def run(case):
        kind, path = case
        out = path.with_name(path.stem + "_review")
        proc = run_review("analyse", str(path), "-o", str(out), "-q", "--no-history", timeout=120)
        return kind, path, out, proc

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, cases))
    outcomes = set()
    for kind, path, out, proc in results:
        label = f"{path.name} ({kind}): {proc.stderr[-600:]}"
        assert proc.returncode in (0, 2), label
        assert "Traceback" not in proc.stderr, label
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert all(ln.startswith("review: ") for ln in lines), label
        if proc.returncode == 0:
            assert (out / "summary.json").is_file(), label
        else:
            assert not out.exists(), label
        outcomes.add(proc.returncode)
    assert outcomes == {0, 2}, "the mutations should give both refusals and analyses"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# Saving: never over someone's files, never half a result ----------------------------------


def _small_session():
    from review.judging.analysis import analyse_landmarks
    from tests.synth import still

    return analyse_landmarks(still(2.0))


def test_save_refuses_a_folder_that_is_not_an_earlier_analysis(tmp_path):
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "cv.docx").write_text("keep me")
    with pytest.raises(InputError, match="other files in it"):
        _small_session().save(folder)
    assert listing(folder) == {"cv.docx"} and listing(tmp_path) == {"Documents"}


def test_a_failed_save_keeps_the_earlier_result(tmp_path):
    out = _small_session().save(tmp_path / "r")
    before = (out / "summary.json").read_text()

    def fail(tmp: Path, session) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match="No space left on device.*Free some disk space"):
        _small_session().save(out, extra=fail)
    assert (out / "summary.json").read_text() == before
    assert listing(tmp_path) == {"r"}


def test_leftovers_of_a_dead_run_are_removed_and_of_a_live_one_kept(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], text=True, capture_output=True
    ).stdout.strip()
    stale = tmp_path / f".r.partial-{dead}-abcd"
    live = tmp_path / f".r.partial-{os.getpid()}-efgh"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "frames.csv").write_text("")
    _small_session().save(tmp_path / "r")
    assert not stale.exists()
    assert live.exists()


def test_a_comparison_never_replaces_a_folder_of_other_files(tmp_path):
    """The library call, not only the command: a notebook user's -o is checked too."""
    from review.judging import compare
    from review.presenting.compare_report import write_comparison

    before, after = _small_session(), _small_session()
    result = compare.compare(before, after, resamples=50)
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "cv.docx").write_text("keep me")
    with pytest.raises(InputError, match="other files in it"):
        write_comparison(folder, before, after, result)
    assert listing(folder) == {"cv.docx"} and listing(tmp_path) == {"Documents"}
    # An earlier comparison is replaced, leaving nothing else behind.
    out = write_comparison(tmp_path / "c", before, after, result)
    write_comparison(out, before, after, result)
    assert listing(out) == {"comparison.json", "comparison.png", "comparison.html", "manifest.json"}
    assert listing(tmp_path) == {"Documents", "c"}
