"""The report: one self-contained file, complete, honest about what was not judged; renders."""

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from review.cli import main
from review.judging.analysis import analyse_landmarks
from review.judging.habits import BY_COLUMN, HABITS
from review.presenting.keyframes import choose_moments
from review.presenting.report import write_report
from review.presenting.verdicts import habit_results, span_text
from tests import synth


def _assert_self_contained(html):
    lower = html.lower()
    for banned in ("http://", "https://", "<script", "<link", "@import", "url(", "srcset", "href="):
        assert banned not in lower, f"report refers outside itself: {banned!r}"
    sources = re.findall(r"\bsrc\s*=\s*\"([^\"]*)\"", html, flags=re.I)
    assert len(sources) == len(re.findall(r"\bsrc\s*=", lower))
    assert all(s.startswith("data:") for s in sources)


def _images(html, mime):
    found = re.findall(rf"src=\"data:{mime};base64,([^\"]+)\"", html)
    return [cv2.imdecode(np.frombuffer(base64.b64decode(b), np.uint8), 1) for b in found]


def _cards(html):
    """Habit title -> the HTML of its headline card."""
    parts = html.split('<article class="card"')[1:]
    return {re.search(r"<h3>([^<]+)</h3>", p).group(1): p.split("</article>")[0] for p in parts}


@pytest.mark.integration  # analysed(): MediaPipe on a sample clip
def test_report_of_a_slump_is_self_contained_and_complete(tmp_path, analysed, sample):
    session = analysed("slump.mp4")
    written = write_report(session, tmp_path / "report.html", video=sample("slump.mp4"))
    assert written.note is None
    html = written.path.read_text()
    _assert_self_contained(html)
    cards = _cards(html)
    assert set(cards) == {h.title for h in HABITS}
    assert "Work on it" in cards["Slumping"]
    for title in ("Eye contact", "Fidgeting", "Touching your face"):
        assert "Good" in cards[title] and "Work on it" not in cards[title]
    (slump,) = session.events_of("slumped")
    assert span_text(slump) in cards["Slumping"]
    (timeline,) = _images(html, "image/png")
    assert timeline is not None and timeline.shape[1] >= 1000
    stills = _images(html, "image/jpeg")
    assert len(stills) == len(choose_moments(session)) >= 1
    assert all(s is not None and s.shape == (360, 640, 3) for s in stills)
    assert "Could not judge: 0% of the recording" in cards["Slumping"]
    assert "How this was measured" in html and "Your reference" in html


@pytest.mark.integration  # analysed(): MediaPipe on a sample clip
def test_report_says_how_much_could_not_be_judged_and_why(tmp_path, analysed, sample):
    session = analysed("face_noface.mov")
    html = write_report(session, tmp_path / "r.html", video=sample("face_noface.mov")).path
    html = html.read_text()
    _assert_self_contained(html)
    summary = session.summary
    assert f"You were in view for {summary['person_visible_pct']:.1f}%" in html
    cards = _cards(html)
    for result in habit_results(session):
        # The person is in view for the first 2.7 s of 6.4 s only.
        assert result.not_judged_pct >= 50
        assert result.not_judged_pct == pytest.approx(
            summary["not_judged_pct"][result.column], abs=0.05
        )
        assert (
            f"Could not judge: {result.not_judged_pct:.0f}% of the recording" in cards[result.title]
        )
        reasons = dict(result.not_judged)
        assert reasons["nobody in view"] == pytest.approx(
            100 - summary["person_visible_pct"], abs=0.1
        )
        for reason, share in result.not_judged:
            assert f"{reason}: {share:.1f}%" in html
    # 2.4 s in view is too little for a verdict: nothing may be called good.
    assert "Good</span>" not in html
    assert html.count("Not enough seen</span>") == len(HABITS)


def _synthetic_slump(seconds=8.0):
    lm = synth.still(seconds)
    synth.sink_head(lm, np.where(np.arange(len(lm)) >= 90, 0.33, 0.0))
    return analyse_landmarks(lm, video_path="answer.mp4", fps=30.0)


def test_without_the_recording_the_report_says_so_and_keeps_the_rest(tmp_path):
    session = _synthetic_slump()
    gone = tmp_path / "gone.mp4"
    written = write_report(session, tmp_path / "report.html", video=gone)
    assert written.note == "The recording gone.mp4 was not found, so this report has no key frames."
    html = written.path.read_text()
    _assert_self_contained(html)
    assert written.note in html
    assert _images(html, "image/jpeg") == []
    assert len(_images(html, "image/png")) == 1
    assert "Work on it" in _cards(html)["Slumping"]


def test_no_events_means_no_key_moments_and_all_good(tmp_path):
    session = analyse_landmarks(synth.answering(6.0), video_path="answer.mp4", fps=30.0)
    written = write_report(session, tmp_path / "report.html", video=tmp_path / "gone.mp4")
    html = written.path.read_text()
    assert written.note is None  # nothing to picture, so nothing is missing
    assert "nothing to picture here" in html
    assert html.count("Good</span>") == len(HABITS)  # every habit's card
    assert {r.verdict for r in habit_results(session)} == {"good"}


def _run(args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


@pytest.mark.integration  # analysed(): MediaPipe on a sample clip
def test_review_report_remakes_the_report_from_a_saved_folder(tmp_path, analysed, sample):
    folder = analysed("slump.mp4").save(tmp_path / "slump_review")
    assert not (folder / "report.html").exists()
    result = _run(["report", folder])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == f"Report: {folder / 'report.html'}"
    assert len(_images((folder / "report.html").read_text(), "image/jpeg")) >= 1

    # The recording has moved: the report is still made, without key frames, and says so.
    summary = json.loads((folder / "summary.json").read_text())
    summary["video"] = str(tmp_path / "moved_away.mp4")
    (folder / "summary.json").write_text(json.dumps(summary))
    result = _run(["report", folder])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("\n") == 1 and "not found" in result.stderr
    html = (folder / "report.html").read_text()
    assert _images(html, "image/jpeg") == [] and "not found" in html

    # ... and --video gives it back.
    result = _run(["report", folder, "--video", sample("slump.mp4")])
    assert result.exit_code == 0 and result.stderr == ""
    assert len(_images((folder / "report.html").read_text(), "image/jpeg")) >= 1


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_review_report_refuses_what_is_not_an_analysis_folder(tmp_path, make):
    target = tmp_path / "answer_review"
    if make == "empty":
        target.mkdir()
    elif make == "file":
        target.write_text("not a folder")
    result = _run(["report", target])
    assert result.exit_code == 2
    assert result.stderr.startswith("review: error:") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "answer_review" / "report.html").exists()


@pytest.mark.integration
def test_analyse_writes_the_report_and_the_annotated_video(tmp_path, sample):
    out = tmp_path / "out"
    result = _run(["analyse", sample("face_noface.mov"), "-o", out, "--annotate"])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file() and (out / "annotated.mp4").is_file()
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == f"Report: {out / 'report.html'}"
    assert f"Annotated video: {out / 'annotated.mp4'}" in lines


CHROMIUM = shutil.which("chromium")


@pytest.mark.integration  # analysed(): MediaPipe on a sample clip
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_report_renders_in_a_real_browser(tmp_path, analysed, sample):
    report = write_report(
        analysed("slump.mp4"), tmp_path / "report.html", video=sample("slump.mp4")
    )
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,2000",
            report.path.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = cv2.imread(str(shot))
    assert image is not None and image.shape == (2000, 1200, 3)
    assert image.std() > 20
    assert np.mean(np.any(image < 235, axis=2)) > 0.05  # not a blank page
    # The slump lane of the embedded timeline is a long blue bar: the picture was drawn.
    slump_blue = np.array([int(BY_COLUMN["slumped"].colour[k : k + 2], 16) for k in (5, 3, 1)])
    blue = np.all(np.abs(image.astype(int) - slump_blue) <= 10, axis=2)
    assert blue.sum() > 8000


@pytest.mark.integration  # MediaPipe on a sample clip
def test_one_analyse_command_probes_once_and_draws_the_timeline_once(tmp_path, sample, monkeypatch):
    import base64
    import re

    from review.media import video
    from review.presenting import plots

    calls = []
    real_probe = video.probe

    def counting(path, *args, **kwargs):
        calls.append(Path(path).name)
        return real_probe(path, *args, **kwargs)

    monkeypatch.setattr(video, "probe", counting)
    drawn = []
    real_timeline = plots.draw_timeline

    def counting_timeline(*args, **kwargs):
        drawn.append(1)
        return real_timeline(*args, **kwargs)

    monkeypatch.setattr(plots, "draw_timeline", counting_timeline)
    clip = tmp_path / "slump.mp4"
    shutil.copy(sample("slump.mp4"), clip)
    result = _run(["analyse", clip, "-q", "--no-history"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "slump_review" / "report.html").is_file()
    assert calls == ["slump.mp4"]
    assert len(drawn) == 1
    # the folder's timeline.png is the picture in the report
    folder = tmp_path / "slump_review"
    uri = re.search(
        r'<img src="data:image/png;base64,([^"]+)"', (folder / "report.html").read_text()
    )
    assert uri is not None
    assert base64.b64decode(uri.group(1)) == (folder / "timeline.png").read_bytes()
