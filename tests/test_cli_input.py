"""Bad input: one clear line, a non-zero exit, no output folder, never a traceback."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from review.cli import main


def _run(args):
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def _assert_refused(tmp_path, args, fragment, out_name="video_review"):
    code, output = _run(args)
    assert code == 2, output
    assert "Traceback" not in output
    assert fragment in output
    assert output.strip().count("\n") == 0, "one line expected"
    assert not (tmp_path / out_name).exists()


def test_missing_file(tmp_path):
    _assert_refused(tmp_path, ["analyse", str(tmp_path / "video.mp4")], "no such file")


def test_a_folder_is_not_a_video(tmp_path):
    (tmp_path / "video.mp4").mkdir()
    _assert_refused(tmp_path, ["analyse", str(tmp_path / "video.mp4")], "is a folder")


def test_empty_file(tmp_path):
    (tmp_path / "video.mp4").write_bytes(b"")
    _assert_refused(tmp_path, ["analyse", str(tmp_path / "video.mp4")], "empty")


def test_text_file_with_a_video_extension(tmp_path):
    (tmp_path / "video.mp4").write_text("this is not a video\n" * 100)
    _assert_refused(tmp_path, ["analyse", str(tmp_path / "video.mp4")], "not a video")


def test_random_bytes_with_a_video_extension(tmp_path):
    rng = __import__("numpy").random.default_rng(0)
    (tmp_path / "video.mov").write_bytes(rng.integers(0, 256, 50_000, dtype="uint8").tobytes())
    code, output = _run(["analyse", str(tmp_path / "video.mov")])
    assert code == 2 and "Traceback" not in output
    assert not (tmp_path / "video_review").exists()


def test_output_that_is_an_existing_file_is_refused_and_untouched(tmp_path, sample):
    target = tmp_path / "results"
    target.write_text("keep me")
    code, output = _run(["analyse", str(sample("upright.mp4")), "-o", str(target)])
    assert code == 2 and "not a folder" in output
    assert target.read_text() == "keep me"


def test_help_explains_with_an_example():
    code, output = _run(["analyse", "--help"])
    assert code == 0 and "Example" in output and "review analyse answer.mp4" in output
    code, output = _run(["--help"])
    assert code == 0 and "analyse" in output and "evaluate" in output


def test_installed_command_reports_a_missing_file_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "review.cli", "analyse", str(tmp_path / "nope.mp4")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("review: error:") and "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.integration
def test_progress_bars_are_closed_when_a_recording_has_fewer_frames_than_announced(
    tmp_path, sample
):
    """no_face.mp4 announces 98 frames and decodes 95: its bar must not stay open at 97 %
    (an open bar is drawn again whenever it is garbage-collected, into later output)."""
    from tqdm import tqdm

    result = CliRunner().invoke(
        main, ["analyse", str(sample("no_face.mp4")), "-o", str(tmp_path / "out"), "--no-history"]
    )
    assert result.exit_code == 0, result.output
    assert "Analysing no_face.mp4" in result.output  # the bar was shown ...
    assert len(tqdm._instances) == 0  # ... and closed
