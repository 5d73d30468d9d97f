"""Never lose a user's file, never show the wrong video, never a traceback (issue 11).

Every input is made here. Most cases are refused before any analysis, so they need no
MediaPipe; the few that need a real analysis are marked ``integration``. Refusals run the
command in this process (``in_process``, tests/command.py: the same exit status and stderr,
native output included, without a Python start-up per case); Ctrl-C is tested on processes
of their own, and a refusal by a real process in tests/test_cli_input.py.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from review.cli import main
from review.judging.analysis import analyse_landmarks
from review.media.video import RecordingId, timing_problem
from review.storing import folders, history, store
from tests import media, synth
from tests.command import as_process as run_review
from tests.command import in_process


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> content)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def one_line_error(proc, code: int = 2) -> str:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("review: error: "), proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def short_video(tmp_path_factory) -> Path:
    """A real 2 s recording (frames of the sample man)."""
    images, times = media.sample_frames("upright.mp4", 2.0)
    return media.write_video(tmp_path_factory.mktemp("clip") / "short.mp4", images, times)


@pytest.fixture(scope="module")
def saved_analysis(tmp_path_factory):
    """``saved_analysis(folder, recording=None)``: an analysis folder written by review.

    From synthetic landmarks (no MediaPipe), of ``recording`` if given. Each is saved once
    and then copied: a save draws the timeline with matplotlib (0.4 s), and the files do not
    depend on the folder's name, so the copy is the same byte for byte.
    """
    saved: dict[str, Path] = {}

    def save(folder: Path, recording: Path | None = None) -> Path:
        ident = None if recording is None else RecordingId.of(recording)
        key = json.dumps(None if ident is None else ident.to_dict())
        if key not in saved:
            session = analyse_landmarks(synth.still(2.0), video_path=str(recording or "x.mp4"))
            if ident is not None:
                session.recording = ident
            saved[key] = session.save(tmp_path_factory.mktemp("saved") / "r_review")
        return Path(shutil.copytree(saved[key], folder))

    return save


# 1. Data loss ----------------------------------------------------------------------------------


def test_a_home_folder_with_a_stray_summary_and_frames_is_never_wiped(tmp_path, short_video):
    home = tmp_path / "fakehome"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("secret key")
    (home / "Documents").mkdir()
    (home / "Documents" / "cv.docx").write_text("my cv")
    (home / ".bashrc").write_text("alias ll='ls -l'")
    (home / "summary.json").write_text('{"video": "x", "events": [], "reference": {}}')
    (home / "frames.csv").write_text("frame,time_s\n")
    before = tree(home)
    line = one_line_error(in_process("analyse", short_video, "-o", home, "-q", "--no-history"))
    assert "left alone" in line
    assert tree(home) == before


def test_an_earlier_result_with_a_file_of_the_users_added_is_refused(
    tmp_path, saved_analysis, short_video
):
    out = saved_analysis(tmp_path / "short_review", short_video)
    (out / "notes.txt").write_text("what my coach said")
    before = tree(out)
    line = one_line_error(in_process("analyse", short_video, "-o", out, "-q", "--no-history"))
    assert "did not write there" in line
    assert tree(out) == before


def test_a_folder_holding_the_recording_itself_is_refused(tmp_path, short_video):
    folder = tmp_path / "work"
    folder.mkdir()
    video = folder / "short.mp4"
    shutil.copy(short_video, video)
    (folder / "keep.txt").write_text("keep")
    (folder / "summary.json").write_text("{}")
    (folder / "frames.csv").write_text("frame,time_s\n")
    before = tree(folder)
    line = one_line_error(in_process("analyse", video, "-o", folder, "-q", "--no-history"))
    assert "short.mp4, one of the inputs" in line
    assert tree(folder) == before


def _outputs_at_or_above(video: Path) -> dict[str, tuple[Path, Path]]:
    """-o values (and the folder to run in) that point at or above the recording."""
    here = video.parent
    return {
        "its folder": (here, here),
        "its parent": (here.parent, here),
        "the root": (Path("/"), here),
        "'.' where it is": (Path("."), here),
        "'..' below it": (Path(".."), here / "sub"),
    }


@pytest.mark.parametrize("case", list(_outputs_at_or_above(Path("/a/b/c.mp4"))))
def test_the_recording_survives_every_output_at_or_above_it(tmp_path, short_video, case):
    video = tmp_path / "home" / "me" / "answer.mp4"
    video.parent.mkdir(parents=True)
    shutil.copy(short_video, video)
    (video.parent / "sub").mkdir()
    out, cwd = _outputs_at_or_above(video)[case]
    before = tree(tmp_path / "home")
    for command in (
        ["analyse", video, "-o", out, "-q", "--no-history"],
        ["compare", video, video, "-o", out, "-q", "--no-history"],
    ):
        one_line_error(in_process(*command, cwd=cwd))
        assert tree(tmp_path / "home") == before, command


def test_an_earlier_result_listing_the_recording_by_name_never_takes_it(
    tmp_path, saved_analysis, short_video
):
    """The recording lives inside an earlier analysis under a name review writes."""
    out = saved_analysis(tmp_path / "r", short_video)
    # annotated.mp4 as if written by review (listed in the manifest), then analysed itself
    shutil.copy(short_video, out / "annotated.mp4")
    store.update_manifest(out)
    before = tree(out)
    line = one_line_error(
        in_process("analyse", out / "annotated.mp4", "-o", out, "-q", "--no-history")
    )
    assert "one of the inputs" in line
    assert tree(out) == before


def test_the_current_folder_as_output_is_refused_in_one_line(tmp_path, short_video):
    empty = tmp_path / "empty"
    empty.mkdir()
    line = one_line_error(
        in_process("analyse", short_video, "-o", ".", "-q", "--no-history", cwd=empty)
    )
    assert "the folder you are working in" in line
    assert list(empty.iterdir()) == []


@pytest.mark.parametrize("path", [".", "./", "/"])
def test_a_folder_without_recordings_is_refused_in_one_line(tmp_path, path):
    """A folder is analysed as the recordings in it (review.usecases.batch); with none, one line."""
    (tmp_path / "notes.txt").write_text("not a recording")
    line = one_line_error(in_process("analyse", path, "-q", "--no-history", cwd=tmp_path))
    assert "is a folder with no recording in it" in line


def test_results_of_another_recording_are_not_replaced(tmp_path, saved_analysis, short_video):
    """r.webm and r.mkv share the default folder r_review/: the second may not take it."""
    webm = tmp_path / "r.webm"
    mkv = tmp_path / "r.mkv"
    images, times = media.sample_frames("upright.mp4", 2.0)
    media.write_video(webm, images, times)
    media.write_video(mkv, images, times)
    out = saved_analysis(tmp_path / "r_review", webm)
    before = tree(out)
    line = one_line_error(in_process("analyse", mkv, "-q", "--no-history"))
    assert "results of another recording (r.webm)" in line
    assert tree(out) == before
    # The same recording, moved elsewhere with its results, is still the same recording.
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(webm, moved / "r.webm")
    shutil.copytree(out, moved / "r_review")
    assert (
        folders.refusal(
            moved / "r_review", store.ANALYSIS, [moved / "r.webm"], store.owner_of(moved / "r.webm")
        )
        is None
    )


def test_a_failed_save_says_so_in_one_line_and_leaves_nothing(tmp_path, short_video, monkeypatch):
    """Disk full while saving: the clean-up was right, the message must be too."""
    import review.judging.analysis

    def fake_analyse(path, reference=None, progress=None, **_kw):
        return analyse_landmarks(synth.still(2.0), video_path=str(Path(path).resolve()))

    def disk_full(session, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(review.judging.analysis, "analyse_file", fake_analyse)
    monkeypatch.setattr(store, "write_csv", disk_full)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["analyse", str(short_video), "-o", str(out), "-q"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("review: error: ") and result.output.count("\n") == 1
    assert "No space left on device" in result.output and "Free some disk space" in result.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"] or not list(tmp_path.iterdir())


# 2. The wrong video ------------------------------------------------------------------------------


def test_fingerprint_tells_recordings_of_the_same_size_apart(tmp_path, short_video):
    a = tmp_path / "a.mp4"
    b = tmp_path / "b.mp4"
    data = bytearray(short_video.read_bytes())
    a.write_bytes(data)
    data[-100] ^= 0xFF  # same size, one byte of the last frames changed
    b.write_bytes(data)
    ident = RecordingId.of(a)
    assert ident.matches(a) and not ident.matches(b)
    assert ident.path == str(a.resolve())
    assert RecordingId.from_dict(ident.to_dict()) == ident


@pytest.fixture(scope="module")
def real_analysis(tmp_path_factory, analysed, sample):
    """A real analysis of slump.mp4 (it has key moments), saved beside its recording."""
    home = tmp_path_factory.mktemp("A")
    video = home / "answer.mp4"
    shutil.copy(sample("slump.mp4"), video)
    session = dataclasses.replace(
        analysed("slump.mp4"), video=str(video.resolve()), recording=RecordingId.of(video)
    )
    out = store.save(session, home / "answer_review")
    return video, out


@pytest.mark.integration
def test_report_refuses_key_frames_from_a_different_recording(tmp_path, real_analysis, sample):
    video, out = real_analysis
    elsewhere = tmp_path / "B"
    shutil.copytree(out, elsewhere / "answer_review")
    shutil.copy(sample("upright.mp4"), elsewhere / "answer.mp4")  # another person's answer
    moved = video.with_name("moved.mp4")
    video.rename(moved)  # the analysed recording is no longer where it was
    try:
        proc = run_review("report", elsewhere / "answer_review", cwd=elsewhere)
        assert proc.returncode == 0, proc.stderr
        assert "not the analysed recording" in proc.stderr
        html = (elsewhere / "answer_review" / "report.html").read_text()
        assert "image/jpeg" not in html and "not the analysed recording" in html
        line = one_line_error(
            run_review("report", elsewhere / "answer_review", "--video", elsewhere / "answer.mp4")
        )
        assert "is not the recording this analysis is of" in line
        # The right recording given: key frames are back.
        proc = run_review("report", elsewhere / "answer_review", "--video", moved)
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        assert "image/jpeg" in (elsewhere / "answer_review" / "report.html").read_text()
    finally:
        moved.rename(video)


@pytest.mark.integration
def test_a_remade_report_keeps_the_folder_replaceable(tmp_path, real_analysis):
    _video, out = real_analysis
    copy = shutil.copytree(out, tmp_path / "answer_review")
    assert run_review("report", copy).returncode == 0
    assert folders.refusal(copy, store.ANALYSIS) is None


def test_summary_stores_the_absolute_path_and_a_fingerprint(tmp_path, saved_analysis, short_video):
    out = saved_analysis(tmp_path / "r", short_video)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["schema_version"] == store.SUMMARY_SCHEMA
    assert summary["recording"]["path"] == str(short_video.resolve())
    assert summary["recording"]["fingerprint"].startswith("sha256:")
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) == {p.name for p in out.iterdir()} - {"manifest.json"}


def test_the_report_names_the_file_only_never_its_folder(tmp_path):
    from review.presenting.report import render_html

    secret = "/home/someone/private/interviews"
    session = analyse_landmarks(synth.still(4.0), video_path=f"{secret}/answer.mp4")
    html = render_html(session)
    assert "answer.mp4" in html and secret not in html


# 3. Timestamps that jump ----------------------------------------------------------------------


def test_timing_problem_finds_a_jump_and_not_a_steady_or_variable_rate():
    steady = np.arange(90) / 30
    assert timing_problem(steady) is None
    rng = np.random.default_rng(0)
    variable = np.cumsum(rng.uniform(0.02, 0.06, 200))  # a webcam's uneven frames
    assert timing_problem(variable) is None
    jumped = np.concatenate([steady, steady[-1] + 4.2 + steady])
    message = timing_problem(jumped)
    assert message is not None and "jump by 4.2 s after 3.0 s" in message


@pytest.mark.integration
def test_a_recording_whose_times_jump_is_analysed_with_a_warning(tmp_path):
    images, times = media.sample_frames("upright.mp4", 2.0)
    times = [t if t < 1.0 else t + 4.0 for t in times]  # 4 s with no frame
    video = media.write_video(tmp_path / "jump.mp4", images, times)
    proc = run_review("analyse", video, "-o", tmp_path / "out", "-q", "--no-history")
    assert proc.returncode == 0, proc.stderr
    assert "review: warning:" in proc.stderr and "jump by 4.0 s" in proc.stderr
    notes = json.loads((tmp_path / "out" / "summary.json").read_text())["notes"]
    assert any("jump" in n for n in notes)


# 4. Damaged saved folders -----------------------------------------------------------------------


def _damage(folder: Path, how: str) -> None:
    summary = json.loads((folder / "summary.json").read_text())
    if how == "frames.csv empty":
        (folder / "frames.csv").write_text("")
    elif how == "frames.csv header only":
        lines = (folder / "frames.csv").read_text().splitlines()
        (folder / "frames.csv").write_text(lines[0] + "\n")
    elif how == "frames.csv cut short":
        text = (folder / "frames.csv").read_text()
        (folder / "frames.csv").write_text(text[: len(text) // 2])
    elif how == "strings in summary.json":
        summary["duration_s"] = "long"
        summary["frame_size"] = ["wide", "tall"]
        (folder / "summary.json").write_text(json.dumps(summary))
    elif how == "NaN event times":
        summary["events"] = [{"habit": "slumped", "start_s": float("nan"), "end_s": "x"}]
        (folder / "summary.json").write_text(json.dumps(summary))
    elif how == "landmarks.npz truncated":
        data = (folder / "landmarks.npz").read_bytes()
        (folder / "landmarks.npz").write_bytes(data[: len(data) // 2])
    elif how == "landmarks.npz empty":
        (folder / "landmarks.npz").write_bytes(b"")
    elif how == "newer schema":
        summary["schema_version"] = store.SUMMARY_SCHEMA + 1
        (folder / "summary.json").write_text(json.dumps(summary))
    else:  # pragma: no cover
        raise AssertionError(how)


DAMAGE = [
    "frames.csv empty",
    "frames.csv header only",
    "frames.csv cut short",
    "strings in summary.json",
    "NaN event times",
    "landmarks.npz truncated",
    "landmarks.npz empty",
    "newer schema",
]


def _good_folder(saved_analysis, tmp_path: Path, name: str = "r") -> Path:
    out = saved_analysis(tmp_path / name)
    (out / "report.html").write_text("<p>a good report</p>")
    return out


@pytest.mark.parametrize("how", DAMAGE)
def test_report_and_compare_refuse_a_damaged_folder_in_one_line(tmp_path, saved_analysis, how):
    out = _good_folder(saved_analysis, tmp_path)
    other = _good_folder(saved_analysis, tmp_path, "other")
    _damage(out, how)
    before = tree(out)
    runner = CliRunner()
    cmp = str(tmp_path / "cmp")
    for args in (["report", str(out)], ["compare", str(other), str(out), "-o", cmp, "-q"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        ), result.exception
        assert result.output.startswith("review: error: ") and result.output.count("\n") == 1
        fragment = "newer version of review" if how == "newer schema" else "damaged"
        assert fragment in result.output, result.output
        assert tree(out) == before


#: Damaged folders fuzzed: the fast tier checks the first FUZZ_FAST cases, the integration
#: tier the rest (the cases are the same every run; 36 cost about 5 s).
FUZZ_CASES, FUZZ_FAST = 36, 12


def _fuzzed_folders(saved_analysis, tmp_path: Path, cases: range):
    """(label, folder, other) for the chosen cases of one seeded sequence of damage."""
    rng = np.random.default_rng(11)
    source = _good_folder(saved_analysis, tmp_path, "source")
    other = _good_folder(saved_analysis, tmp_path, "other")
    for k in range(FUZZ_CASES):
        name = ("summary.json", "frames.csv", "landmarks.npz")[k % 3]
        data = bytearray((source / name).read_bytes())
        kind = ("cut", "flip", "splice", "json")[int(rng.integers(0, 4))]
        if kind == "cut":
            data = data[: int(rng.integers(0, len(data)))]
        elif kind == "flip":
            for _ in range(int(rng.integers(1, 20))):
                data[int(rng.integers(0, len(data)))] ^= 1 << int(rng.integers(0, 8))
        elif kind == "splice":
            at = int(rng.integers(0, len(data)))
            data[at:at] = bytes(rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8))
        elif name == "summary.json":
            summary = json.loads(bytes(data))
            key = list(summary)[int(rng.integers(0, len(summary)))]
            summary[key] = [None, "x", -1, 1e308, [], {}, True][int(rng.integers(0, 7))]
            data = bytearray(json.dumps(summary).encode())
        else:
            data = data[: int(rng.integers(0, len(data)))]
        if k in cases:
            folder = shutil.copytree(source, tmp_path / f"case{k}")
            (folder / name).write_bytes(bytes(data))
            yield f"case {k}: {name} {kind}", folder, other


def _check_damaged_folders(saved_analysis, tmp_path: Path, cases: range) -> set[int]:
    runner = CliRunner()
    outcomes = set()
    for case, folder, other in _fuzzed_folders(saved_analysis, tmp_path, cases):
        report_before = (folder / "report.html").read_bytes()
        cmp = str(tmp_path / f"c{folder.name}")
        for args in (["report", str(folder)], ["compare", str(other), str(folder), "-o", cmp]):
            result = runner.invoke(main, [*args, *(["-q"] if args[0] == "compare" else [])])
            label = f"{case}: {result.output[-400:]}"
            assert result.exit_code in (0, 2), label
            assert result.exception is None or isinstance(result.exception, SystemExit), label
            assert "Traceback" not in result.output, label
            if result.exit_code == 2:
                assert result.output.startswith("review: error: "), label
                assert (folder / "report.html").read_bytes() == report_before, label
            outcomes.add(result.exit_code)
    return outcomes


def test_damaged_folders_fuzzed_never_give_a_traceback_or_replace_a_good_file(
    tmp_path, saved_analysis
):
    assert 2 in _check_damaged_folders(saved_analysis, tmp_path, range(FUZZ_FAST))


@pytest.mark.integration  # not MediaPipe: the rest of the fuzz cases, for the full suite
def test_the_rest_of_the_damaged_folders_fuzzed(tmp_path, saved_analysis):
    _check_damaged_folders(saved_analysis, tmp_path, range(FUZZ_FAST, FUZZ_CASES))


# 5. Tracebacks where one line is promised -------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "1e9", "abc"])
def test_record_refuses_a_duration_that_is_not_a_length_of_time(value):
    line = one_line_error(in_process("record", "--seconds", value, "--camera", "none.mp4"))
    assert "--seconds" in line


def test_usage_errors_have_the_documented_form():
    for args in (["analyse"], ["nonsense"], ["analyse", "--bogus", "x.mp4"]):
        line = one_line_error(in_process(*args))
        assert "--help" in line


def test_a_history_that_is_not_usable_is_always_exit_status_two(tmp_path):
    folder = tmp_path / "folder.sqlite3"
    folder.mkdir()
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"garbage " * 500)
    for db in (folder, corrupt):
        one_line_error(in_process("history", "--db", db))


def test_a_read_only_history_is_refused_before_the_analysis_and_still_listed(
    tmp_path, short_video, monkeypatch
):
    import sqlite3

    import review.judging.analysis

    db = tmp_path / "h.sqlite3"
    history.record({"video": "a.mp4", "duration_s": 60.0, "eye_contact_pct": 80.0}, None, db)
    real_connect = sqlite3.connect

    def read_only(target, *args, **kwargs):  # as the OS does for a file we may not write
        if str(target) == str(db):
            return real_connect(f"{db.as_uri()}?mode=ro", *args, uri=True, **kwargs)
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(history.sqlite3, "connect", read_only)
    analysed = []
    monkeypatch.setattr(review.judging.analysis, "analyse_file", lambda *a, **k: analysed.append(a))
    result = CliRunner().invoke(main, ["analyse", str(short_video), "--db", str(db), "-q"])
    assert result.exit_code == 2, result.output
    assert "read-only" in result.output and result.output.count("\n") == 1
    assert analysed == [], "the history is checked before the long part"
    result = CliRunner().invoke(main, ["history", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "a.mp4" in result.output


def _loaded(pid: int, library: str) -> bool:
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(
    "library",
    [
        "_multiarray_umath",
        "cv2",
        "libavcodec",
        # matplotlib loads while the worker processes start (review.landmarks.workers): they are
        # starting too, MediaPipe and all
        pytest.param("ft2font", marks=pytest.mark.integration),
    ],
)
def test_ctrl_c_while_the_modules_load_gives_one_line(tmp_path, short_video, library):
    """Ctrl-C the moment a library's native code is loaded: one line, exit 130, nothing."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "review", "analyse", str(short_video), "-o", str(tmp_path / "o")]
        + ["-q", "--no-history"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        # SIGINT as in a terminal, even when this run was started in the background (where
        # it is ignored, and Python then never raises KeyboardInterrupt).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not _loaded(proc.pid, library) and proc.poll() is None:
        assert time.monotonic() < deadline, f"{library} never loaded"
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    assert proc.returncode == 130, (proc.returncode, err)
    assert err.strip() == "review: interrupted; nothing was written.", err
    assert not (tmp_path / "o").exists()


@pytest.mark.integration
def test_an_interrupt_after_the_results_are_saved_does_not_fail_the_run(tmp_path, short_video):
    """Ctrl-C while the history row is written, after the results were moved into place.

    Run in a process of its own: numpy must first be imported inside the command (as it is
    for a user), so that its threads inherit the signal mask.
    """
    script = (
        "import os, signal, sys, time\n"
        "import review.cli\n"
        "real = review.cli._record_history\n"
        "def late(summary, out, db):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(0.3)\n"
        "    real(summary, out, db)\n"
        "review.cli._record_history = late\n"
        "review.cli.main()\n"
    )
    out = tmp_path / "out"
    db = tmp_path / "h.sqlite3"
    proc = subprocess.run(
        [sys.executable, "-c", script, "analyse", str(short_video), "-o", str(out), "-q"]
        + ["--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "was saved" in proc.stderr and "Traceback" not in proc.stderr
    assert (out / "summary.json").is_file()
    assert len(history.entries(db)) == 1


@pytest.mark.integration
def test_a_script_without_a_main_guard_can_analyse(tmp_path, sample):
    script = tmp_path / "first.py"
    script.write_text(
        "import review\n"
        f"session = review.analyse({str(sample('upright.mp4'))!r})\n"
        "print(session.summary['frames_analysed'])\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "300" and "Traceback" not in proc.stderr


# Frame sizes, through the whole pipeline --------------------------------------------------------


def _sized(images: list[np.ndarray], size: tuple[int, int], people: int) -> list[np.ndarray]:
    import cv2

    w, h = size
    out = []
    for image in images:
        if people == 1:
            out.append(cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA))
        else:  # the man and a smaller copy of him beside him
            big = cv2.resize(image, (w * 2 // 3, h), interpolation=cv2.INTER_AREA)
            small = cv2.resize(image, (w - big.shape[1], h // 2), interpolation=cv2.INTER_AREA)
            right = np.vstack([small, np.zeros((h - small.shape[0], small.shape[1], 3), np.uint8)])
            out.append(np.hstack([big, right]))
    return out


SIZES = {
    "360x288 camera": ((360, 288), ".mp4", 1),
    "1000x666 two people": ((1000, 666), ".mp4", 2),
    "322x242 (not /4)": ((322, 242), ".mkv", 1),
    "333x251 odd": ((333, 251), ".mkv", 1),
}


@pytest.mark.integration
@pytest.mark.parametrize("case", list(SIZES))
def test_frame_sizes_that_are_not_multiples_of_4_16_32_go_through(tmp_path, case):
    from review.landmarks import pipeline
    from review.media import video

    size, ext, people = SIZES[case]
    images, times = media.sample_frames("upright.mp4", 3.0)
    codec = "ffv1" if size[0] % 2 or size[1] % 2 else None
    path = media.write_video(tmp_path / f"s{ext}", _sized(images, size, people), times, codec=codec)
    info = video.probe(path)
    assert (info.width, info.height) == size
    lm = pipeline.extract_landmarks(path, info, workers=2, chunk_s=1.0)  # sampled, 3 chunks
    assert len(lm) == len(times)
    assert np.mean(np.isfinite(lm.face_box[:, 0])) > 0.9, "the face is found"
    session = analyse_landmarks(lm)
    assert session.percent("person") > 90
