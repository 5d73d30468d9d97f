"""`review record`: a video file stands in for the webcam; everything headless."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from review.cli import main
from review.errors import InputError
from review.media import video
from review.media.writer import TimedVideoWriter, check_target, next_pts
from review.usecases.record import (
    Camera,
    CameraError,
    countdown_steps,
    draw_preview,
    file_time_s,
    is_live,
    measured_fps,
    parse_camera,
    playing_time_s,
    preview_possible,
    record,
    time_left_text,
    wrap,
)
from tests.command import in_process


def _times(path, until_s=None):
    """Frame times of ``path``; with ``until_s``, of the frames before it only."""
    times = []
    for frame in video.frames(path):
        if until_s is not None and frame.time_s >= until_s:
            break
        times.append(frame.time_s)
    return np.array(times)


def _leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name)


# --- pure helpers ---------------------------------------------------------------------------


def test_parse_camera_index_path_and_url(tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    assert parse_camera("0") == 0
    assert parse_camera(" 2 ") == 2
    assert parse_camera(str(clip)) == str(clip)
    assert parse_camera("rtsp://example.invalid/cam") == "rtsp://example.invalid/cam"


@pytest.mark.parametrize("bad", ["", "-1", "no/such/file.mp4"])
def test_parse_camera_refuses_bad_arguments_with_usage_exit(bad):
    with pytest.raises(InputError) as err:
        parse_camera(bad)
    assert err.value.exit_code == 2


def test_parse_camera_refuses_a_folder(tmp_path):
    with pytest.raises(InputError, match="folder"):
        parse_camera(str(tmp_path))


def test_live_sources():
    assert is_live(0) and is_live("/dev/video0") and is_live("rtsp://host/cam")
    assert not is_live("answer.mp4")


def test_preview_needs_an_x_display_on_linux():
    assert preview_possible("linux", {})[0] is False
    assert preview_possible("linux", {"DISPLAY": ":0"}) == (True, "")
    ok, why = preview_possible("linux", {"WAYLAND_DISPLAY": "wayland-0"})
    assert not ok and "X" in why
    assert preview_possible("darwin", {})[0] and preview_possible("win32", {})[0]


def test_time_left_counts_down_in_whole_seconds():
    assert time_left_text(0.0, 120) == "2:00 left"
    assert time_left_text(0.4, 120) == "2:00 left"
    assert time_left_text(1.0, 120) == "1:59 left"
    assert time_left_text(119.2, 120) == "0:01 left"
    assert time_left_text(125.0, 120) == "0:00 left"


def test_countdown_steps():
    assert countdown_steps(3) == [3, 2, 1]
    assert countdown_steps(0) == []


def test_file_time_clamps_opencvs_negative_first_frame():
    assert file_time_s(-16.7) == 0.0
    assert file_time_s(33.0) == pytest.approx(0.033)
    assert file_time_s(float("nan")) == 0.0


def test_next_pts_is_strictly_increasing_and_exact_when_it_can_be():
    rng = np.random.default_rng(1)
    times = np.cumsum(rng.choice([0.0, 0.0004, 0.033, 0.1, -0.002], size=500))
    pts, prev = [], None
    for t in times:
        prev = next_pts(t, prev)
        pts.append(prev)
    assert np.all(np.diff(pts) > 0)
    spaced = np.arange(50) * 0.0417
    pts, prev = [], None
    for t in spaced:
        prev = next_pts(t, prev)
        pts.append(prev)
    assert pts == [round(t * 1000) for t in spaced]


def test_measured_rate_and_playing_time():
    t = np.arange(25) / 12.5  # a camera delivering 12.5 frames/s
    assert measured_fps(t) == pytest.approx(12.5)
    assert playing_time_s(t) == pytest.approx(2.0)
    assert np.isnan(measured_fps([0.0]))
    assert playing_time_s([]) == 0.0


def test_wrap_keeps_every_word_within_the_width():
    text = "Tell me about a time you disagreed with your manager and what you did about it"
    lines = wrap(text, 20)
    assert all(len(line) <= 20 for line in lines)
    assert " ".join(lines) == text
    assert wrap("x" * 45, 20) == ["x" * 20, "x" * 20, "x" * 5]


def test_preview_is_the_mirrored_frame_with_text_only_where_drawn():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
    before = image.copy()
    assert np.array_equal(draw_preview(image, "", ""), image[:, ::-1])
    picture = draw_preview(image, "Tell me about yourself — “why”?", "REC 1:00 left")
    assert np.array_equal(image, before), "the recorded frame must not be drawn on"
    assert picture.shape == image.shape
    middle = slice(120, 240)
    assert np.array_equal(picture[middle], image[middle, ::-1])
    assert not np.array_equal(picture[:30], image[:30, ::-1])
    assert not np.array_equal(picture[-30:], image[-30:, ::-1])


# --- the writer -----------------------------------------------------------------------------


def _frame(i, shape=(48, 64)):
    return np.full((*shape, 3), (i * 7) % 256, dtype=np.uint8)


def test_writer_keeps_irregular_capture_times(tmp_path):
    rng = np.random.default_rng(2)
    times = np.concatenate([[0.0], np.cumsum(rng.uniform(0.03, 0.15, 59))])
    target = tmp_path / "vfr.mp4"
    with TimedVideoWriter(target, nominal_fps=30) as writer:
        for i, t in enumerate(times):
            writer.write(_frame(i), t)
    decoded = _times(target)
    assert len(decoded) == len(times)
    assert np.abs(decoded - np.round(times, 3)).max() < 1e-6
    gap = np.median(np.diff(np.round(times, 3)))
    assert video.probe(target).duration_s == pytest.approx(round(times[-1], 3) + gap, abs=2e-3)
    assert _leftovers(tmp_path) == []


def test_writer_pads_odd_sizes_to_even(tmp_path):
    target = tmp_path / "odd.mp4"
    with TimedVideoWriter(target) as writer:
        for i in range(3):
            writer.write(_frame(i, (49, 65)), i / 30)
    info = video.probe(target)
    assert (info.width, info.height) == (66, 50)


def test_writer_leaves_nothing_behind_on_an_error_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "answer.mp4"
    target.write_bytes(b"yesterday's answer")
    with pytest.raises(RuntimeError):
        with TimedVideoWriter(target) as writer:
            for i in range(10):
                writer.write(_frame(i), i / 30)
            raise RuntimeError("camera unplugged")
    assert target.read_bytes() == b"yesterday's answer"
    assert _leftovers(tmp_path) == []


def test_writer_without_frames_writes_nothing(tmp_path):
    writer = TimedVideoWriter(tmp_path / "none.mp4")
    assert writer.close() is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "fragment"), [("a.avi", "format"), ("missing/a.mp4", "no such folder")]
)
def test_writer_target_checks(tmp_path, name, fragment):
    with pytest.raises(InputError, match=fragment):
        check_target(tmp_path / name)


# --- recording from a file standing in for the camera ---------------------------------------


def _record(tmp_path, clip, seconds, **kw):
    kw = {"countdown": 0, "preview": False, "pace": False, **kw}
    return record(tmp_path / "answer.mp4", seconds=seconds, camera=str(clip), **kw)


def test_records_the_asked_time_with_the_sources_own_timestamps(tmp_path, sample):
    clip = sample("upright.mp4")
    rec = _record(tmp_path, clip, 3)
    assert rec.stopped_by == "time" and rec.path == tmp_path / "answer.mp4"
    info = video.probe(rec.path)
    assert info.duration_s == pytest.approx(3.0, abs=2 / 30)
    recorded, source = _times(rec.path), _times(clip, until_s=3.0)  # the clip is 10 s
    assert len(recorded) == rec.frames == len(source)
    assert np.abs(recorded - source[: len(recorded)]).max() < 1e-3
    assert rec.fps == pytest.approx(30.0, rel=0.01)
    assert _leftovers(tmp_path) == []


def test_a_variable_frame_rate_source_keeps_its_timing(tmp_path):
    rng = np.random.default_rng(3)
    times = np.concatenate([[0.0], np.cumsum(rng.uniform(0.04, 0.2, 40))])  # a slow camera
    clip = tmp_path / "slow.mp4"
    with TimedVideoWriter(clip, nominal_fps=30) as writer:
        for i, t in enumerate(times):
            writer.write(_frame(i, (120, 160)), t)
    out = tmp_path / "out"
    out.mkdir()
    rec = _record(out, clip, 60)
    assert rec.stopped_by == "source", "a stand-in shorter than the asked time is not looped"
    assert np.abs(_times(rec.path) - _times(clip)).max() < 1e-3
    assert rec.fps == pytest.approx(measured_fps(_times(clip)), rel=1e-3)


class _SlowFakeCamera:
    """A live camera that claims 30 frames/s and delivers 8, on a fake clock."""

    def __init__(self):
        self.ticks = 800
        self.released = False

    def clock(self):
        return self.ticks / 8

    def read(self):
        self.ticks += 1
        return True, _frame(self.ticks, (120, 160))

    def get(self, _prop):
        return 30.0

    def release(self):
        self.released = True


def test_a_slow_live_camera_gives_a_correctly_timed_file(tmp_path):
    fake = _SlowFakeCamera()
    cam = Camera(fake, 0, live=True, clock=fake.clock)
    cam.claimed_fps = 30.0
    rec = record(tmp_path / "live.mp4", seconds=2, camera=cam, countdown=0, preview=False)
    times = _times(rec.path)
    assert len(times) == 16 and rec.fps == pytest.approx(8.0)
    assert np.allclose(np.diff(times), 0.125, atol=1e-3)
    assert video.probe(rec.path).duration_s == pytest.approx(2.0, abs=0.1)
    assert fake.released


def test_a_camera_index_that_does_not_exist(tmp_path):
    with pytest.raises(CameraError, match="index 99") as err:
        record(tmp_path / "answer.mp4", camera=99, countdown=0, preview=False)
    assert err.value.exit_code == 1
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_video(tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_text("not a video\n" * 50)
    with pytest.raises(InputError, match="not a video"):
        record(tmp_path / "answer.mp4", camera=str(fake), countdown=0, preview=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake.mp4"]


def test_a_source_that_sends_no_frame_writes_nothing(tmp_path):
    class Silent(_SlowFakeCamera):
        def read(self):
            return False, None

    fake = Silent()
    cam = Camera(fake, "silent.mp4", live=False)
    with pytest.raises(CameraError, match="no frames"):
        record(tmp_path / "answer.mp4", seconds=1, camera=cam, countdown=0, preview=False)
    assert list(tmp_path.iterdir()) == [] and fake.released


# --- the command ----------------------------------------------------------------------------


@pytest.mark.integration
def test_record_command_records_then_analyses(tmp_path, sample):
    target = tmp_path / "answer.mp4"
    args = ["record", "-o", str(target), "--camera", str(sample("upright.mp4"))]
    args += ["--seconds", "3", "--countdown", "0", "--no-preview", "--no-pace"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert video.probe(target).duration_s == pytest.approx(3.0, abs=2 / 30)
    out = tmp_path / "answer_review"
    assert "Results in" in result.output and str(out) in result.output
    summary = __import__("json").loads((out / "summary.json").read_text())
    assert summary["duration_s"] == pytest.approx(3.0, abs=2 / 30)
    rows = (out / "frames.csv").read_text().strip().splitlines()
    assert len(rows) - 1 == len(_times(target))


def _command(*args):
    return [sys.executable, "-m", "review.cli", "record", "--no-preview", *args]


def test_record_command_with_a_missing_camera_says_so_in_one_line(tmp_path):
    # In this process; its stderr has what OpenCV writes to file descriptor 2 too.
    proc = in_process("record", "--no-preview", "-o", tmp_path / "a.mp4", "--camera", "99")
    assert proc.returncode == 1
    assert proc.stderr.startswith("review: error: no camera") and "index 99" in proc.stderr
    assert proc.stderr.count("\n") == 1, "OpenCV's own warnings must stay off the terminal"
    assert list(tmp_path.iterdir()) == []


def test_record_command_with_a_missing_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["record", "--camera", str(tmp_path / "nope.mp4")])
    assert result.exit_code == 2 and "no such file" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_record_help_has_an_example():
    result = CliRunner().invoke(main, ["record", "--help"])
    assert result.exit_code == 0 and "Example" in result.output
    assert "--no-pace" not in result.output


def _start(tmp_path, clip, *args):
    proc = subprocess.Popen(
        _command("-o", "answer.mp4", "--camera", str(clip), "--no-analyse", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
        # A test runner started in the background of a script may ignore SIGINT; the child
        # would inherit that. Give it the default, as in a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    return proc


def _wait_for(proc, fragment):
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if fragment in line:
            return
    proc.wait()
    raise AssertionError(f"{fragment!r} never printed: {''.join(seen)}")


def _wait_until_frames_are_written(folder, limit_s=60.0):
    """Until encoded frames reach the recording's temporary file.

    The writer opens ``.answer.*.part.mp4`` at the first frame and muxes a frame once the next
    one has come; the file has bytes in it once x264 has given out its first frames.
    """

    def written() -> bool:
        for part in folder.glob(".answer.*.part.mp4"):
            try:
                if part.stat().st_size > 0:
                    return True
            except FileNotFoundError:  # finished and moved into place meanwhile
                pass
        return False

    deadline = time.monotonic() + limit_s
    while not written():
        assert time.monotonic() < deadline, f"no frame written within {limit_s} s"
        time.sleep(0.01)


def test_ctrl_c_while_recording_finishes_a_valid_file_where_it_stopped(tmp_path, sample):
    clip = sample("slump.mp4")  # 16 s, paced like a live camera
    proc = _start(tmp_path, clip, "--seconds", "60", "--countdown", "0")
    try:
        _wait_for(proc, "Recording")
        _wait_until_frames_are_written(tmp_path)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "stopped early" in out
    target = tmp_path / "answer.mp4"
    info = video.probe(target)
    recorded = _times(target)
    assert len(recorded) >= 2 and info.frame_count == len(recorded)
    assert recorded[-1] < 8.0, "recording went on long after Ctrl-C"
    last = len(recorded) - 1
    source = []  # the source's frames up to 10 after the last recorded one
    for frame in video.frames(clip):
        if frame.index > last + 10:
            break
        source.append(frame)
    assert np.abs(recorded - np.array([f.time_s for f in source[: len(recorded)]])).max() < 1e-3
    # The last recorded picture is the source's picture at that time, of all pictures near it.
    last_recorded = list(video.frames(target))[-1].image.astype(float)
    near = {f.index: f.image for f in source if abs(f.index - last) <= 10}
    closest = min(near, key=lambda i: np.abs(last_recorded - near[i]).mean())
    assert closest == last
    assert _leftovers(tmp_path) == []


def test_ctrl_c_during_the_countdown_writes_nothing(tmp_path, sample):
    proc = _start(tmp_path, sample("upright.mp4"), "--countdown", "30")
    try:
        _wait_for(proc, "Get ready")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "cancelled" in err and "Traceback" not in err
    assert os.listdir(tmp_path) == []


def test_recordings_are_named_by_date_and_never_replace_an_earlier_one(tmp_path):
    from datetime import datetime

    from review.usecases.record import dated_name

    now = datetime(2026, 12, 2, 9, 30)
    first = dated_name(tmp_path, now)
    assert first == tmp_path / "answer-2026-12-02-0930.mp4"
    first.write_bytes(b"x")
    second = dated_name(tmp_path, now)
    assert second == tmp_path / "answer-2026-12-02-0930-2.mp4"
    (tmp_path / "answer-2026-12-02-0930-2_review").mkdir()  # results left from a deleted one
    assert dated_name(tmp_path, now).name == "answer-2026-12-02-0930-3.mp4"


@pytest.mark.integration
def test_record_takes_the_analyse_options_and_names_the_recording_by_date(
    tmp_path, sample, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    args = ["record", "--camera", str(sample("upright.mp4")), "--seconds", "2"]
    args += ["--countdown", "0", "--no-preview", "--no-pace", "--no-history", "-q", "--annotate"]
    args += ["--question", "Why <this> job?"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    (recorded,) = tmp_path.glob("answer-*.mp4")
    out = tmp_path / f"{recorded.stem}_review"
    assert (out / "report.html").is_file() and (out / "annotated.mp4").is_file()
    summary = __import__("json").loads((out / "summary.json").read_text())
    assert summary["question"] == "Why <this> job?"
    assert "Why &lt;this&gt; job?" in (out / "report.html").read_text()
    assert "eye contact" not in result.output  # -q: no summary


def test_only_review_s_own_recordings_have_a_question():
    from review.media.video import RECORDED_BY, _question

    assert _question({"title": " Why this job? ", "comment": RECORDED_BY}) == "Why this job?"
    assert _question({"title": "Canon EOS clip"}) == ""
