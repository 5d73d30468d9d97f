"""Many recordings at once (review.usecases.batch, ``review analyse A B ...`` / ``review analyse
FOLDER``) and ``review record --calibration-clip``."""

import json

import pytest
from click.testing import CliRunner

from review.cli import main
from review.errors import InputError, ReviewError
from review.landmarks import workers
from review.media import video
from review.storing import history
from review.usecases import batch
from review.usecases import to_folder as usecases
from tests import media
from tests.command import in_process


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A real 1 s recording (frames of the sample man), copied where a test needs it."""
    images, times = media.sample_frames("upright.mp4", 1.0)
    return media.write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", images, times)


def _copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src.read_bytes())
    return dst


def test_a_folder_gives_its_recordings_not_results_or_other_files(tmp_path, clip):
    for name in ("b.MOV", "a.mp4", "c.webm", "notes.txt", "photo.jpg", ".a.x1.part.mp4"):
        _copy(clip, tmp_path / name)
    _copy(clip, tmp_path / "a_review" / "annotated.mp4")  # review's own results: a folder
    _copy(clip, tmp_path / "sub" / "d.mp4")  # sub-folders are not entered
    assert [p.name for p in batch.recordings_in(tmp_path)] == ["a.mp4", "b.MOV", "c.webm"]


def test_expand_takes_each_recording_once_and_leaves_the_calibration_out(tmp_path, clip):
    a, b, cal = (_copy(clip, tmp_path / n) for n in ("a.mp4", "b.mp4", "cal.mp4"))
    got = batch.expand([tmp_path, a, tmp_path / "." / "b.mp4"], calibration=cal)
    assert got == [a, b]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no recording in it"):
        batch.expand([a, empty])


def test_plan_refuses_bad_files_and_shared_results_folders_and_says_why(tmp_path, clip):
    anna = _copy(clip, tmp_path / "anna" / "answer.mp4")
    ben = _copy(clip, tmp_path / "ben" / "answer.mp4")
    broken = tmp_path / "anna" / "broken.mp4"
    broken.write_bytes(b"not a video" * 100)
    # beside each recording: two answer.mp4 have their own folders
    plan = batch.plan_batch([anna, broken, ben], who="Anna")
    assert [type(i).__name__ for i in plan.items] == ["AnalysisPlan", "Refused", "AnalysisPlan"]
    assert [p.folder for p in plan.plans] == [
        tmp_path / "anna" / "answer_review",
        tmp_path / "ben" / "answer_review",
    ]
    assert all(p.who == "Anna" for p in plan.plans)
    assert "not a video" in plan.items[1].reason
    assert plan.frames[0] == plan.frames[2] == video.probe(anna).frame_count > 0
    # under one parent folder (-o): the second answer.mp4 would share the first's folder
    out = tmp_path / "results"
    plan = batch.plan_batch([anna, ben], out)
    assert plan.plans[0].folder == out / "answer_review"
    assert isinstance(plan.items[1], batch.Refused)
    assert "as those of" in plan.items[1].reason and str(anna) in plan.items[1].reason
    assert not out.exists()  # planning writes nothing


def test_a_recording_inside_anothers_results_folder_is_protected(tmp_path, clip):
    a = _copy(clip, tmp_path / "a.mp4")
    inside = _copy(clip, tmp_path / "a_review" / "take.mp4")
    plan = batch.plan_batch([a, inside])
    assert isinstance(plan.items[0], batch.Refused)  # writing a_review would replace take.mp4
    assert isinstance(plan.items[1], usecases.AnalysisPlan)


def test_run_batch_goes_on_past_failures_and_reports_each_in_order(tmp_path, clip, monkeypatch):
    """The loop alone (the analysis replaced): failures of every kind do not stop it."""
    paths = [_copy(clip, tmp_path / f"{n}.mp4") for n in ("ok1", "bad", "crash", "ok2")]
    broken = tmp_path / "refused.mp4"
    broken.write_bytes(b"x" * 2000)
    plan = batch.plan_batch([*paths, broken])
    analysed = []

    def fake_run(p, progress=None, annotate=False):
        analysed.append(p.video.stem)
        if p.video.stem == "bad":
            raise ReviewError(f"{p.video}: no frame could be analysed.")
        if p.video.stem == "crash":
            raise ValueError("a decoder said no")
        return usecases.Analysed(session=None, folder=p.folder)  # type: ignore[arg-type]

    monkeypatch.setattr(usecases, "run_analysis", fake_run)
    seen = []
    outcomes = batch.run_batch(plan, on_done=lambda i, o: seen.append((i, o.error is None)))
    assert analysed == ["ok1", "bad", "crash", "ok2"]
    assert seen == [(0, True), (1, False), (2, False), (3, True), (4, False)]
    assert [o.video.stem for o in outcomes] == ["ok1", "bad", "crash", "ok2", "refused"]
    assert "no frame" in outcomes[1].error
    assert "failed unexpectedly (ValueError: a decoder said no)" in outcomes[2].error
    # Ctrl-C is not a file's failure: it stops the batch
    monkeypatch.setattr(
        usecases, "run_analysis", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt())
    )
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch(plan)


def test_cli_refuses_a_bad_who_and_an_empty_folder_in_one_line(tmp_path, clip):
    run = CliRunner().invoke
    result = run(main, ["analyse", str(clip), "--who", "  ", "--no-history"])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "--who" in result.output
    (tmp_path / "empty").mkdir()
    result = run(main, ["analyse", str(clip), str(tmp_path / "empty"), "--no-history"])
    assert result.exit_code == 2 and "no recording in it" in result.output
    assert result.output.count("\n") == 1


def test_record_calibration_clip_records_5_s_and_says_how_to_use_it(tmp_path, sample):
    target = tmp_path / "cal.mp4"
    args = [
        "record",
        "--camera",
        str(sample("upright.mp4")),
        "--calibration-clip",
        "-o",
        str(target),
    ]
    args += ["--countdown", "0", "--no-preview", "--no-pace", "--no-audio"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert video.probe(target).duration_s == pytest.approx(5.0, abs=2 / 30)
    assert f"--calibration {target}" in result.output
    assert not (tmp_path / "cal_review").exists()  # recorded, not analysed
    result = CliRunner().invoke(main, [*args, "--who", "Anna", "--annotate"])
    assert result.exit_code == 2 and "leave out --who, --annotate" in result.output
    result = CliRunner().invoke(main, [*args[:3], "--no-analyse", "--who", "Anna"])
    assert result.exit_code == 2 and "--who is kept with the analysis" in result.output


@pytest.mark.integration
def test_analyse_a_folder_and_more_with_one_pool_and_a_line_each(tmp_path, sample, monkeypatch):
    anna = tmp_path / "anna"
    anna.mkdir()
    (tmp_path / "ben").mkdir()
    images, times = media.sample_frames("upright.mp4", 2.0)
    media.write_video(anna / "answer.mp4", images, times)
    images, times = media.sample_frames("slump.mp4", 2.0, start_s=8.0)  # (it starts as upright)
    media.write_video(anna / "later.mkv", images, times)
    (anna / "broken.mp4").write_bytes(b"not a video" * 100)
    other = tmp_path / "ben" / "answer.mp4"
    media.write_video(other, images, times)
    db = tmp_path / "h.sqlite3"
    pools = []
    real = workers.Workers.__init__

    def counting(self, *args, **kwargs):
        pools.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(workers.Workers, "__init__", counting)
    args = ["analyse", str(anna), str(other), "--who", "Anna", "--db", str(db)]
    result = in_process(*args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(pools) == 1  # one pool for all three recordings
    lines = result.stdout.splitlines()
    assert [line.split(" ")[0] for line in lines[:4]] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert "broken.mp4: failed: not a video" in lines[1]
    assert "eye contact" in lines[0] and "answer_review/" in lines[0]
    assert lines[-1] == "Analysed 3 of 4 recordings."
    assert "1 of 4 recordings could not be analysed" in result.stderr
    assert "broken.mp4" in result.stderr.splitlines()[-1]
    for folder in (anna / "answer_review", anna / "later_review", other.parent / "answer_review"):
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["who"] == "Anna" and summary["recording_date_from"] == "file"
    assert not (anna / "broken_review").exists()
    items = history.entries(db)
    assert len(items) == 3 and {e.who for e in items} == {"Anna"}
    # again, one file: its row is updated, not doubled; the single-file summary is unchanged
    result = CliRunner().invoke(main, ["analyse", str(other), "--db", str(db), "--who", "Ben"])
    assert result.exit_code == 0, result.output
    assert "person in view" in result.output
    items = history.entries(db)
    assert len(items) == 3 and sorted(e.who for e in items) == ["Anna", "Anna", "Ben"]
    table = history.format_table(items)
    assert "anna/answer.mp4" in table and "ben/answer.mp4" in table


@pytest.mark.integration
def test_record_who_and_question_reach_the_history(tmp_path, sample):
    db = tmp_path / "h.sqlite3"
    args = ["record", "--camera", str(sample("upright.mp4")), "--seconds", "2"]
    args += ["--countdown", "0", "--no-preview", "--no-pace", "--no-audio", "-q"]
    args += ["-o", str(tmp_path / "take.mp4"), "--db", str(db), "--who", "Cara"]
    args += ["--question", "Why this job?"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    (entry,) = history.entries(db)
    assert (entry.who, entry.question, entry.recording_date_from) == (
        "Cara",
        "Why this job?",
        "container",
    )
    summary = json.loads((tmp_path / "take_review" / "summary.json").read_text())
    assert summary["who"] == "Cara" and summary["question"] == "Why this job?"
