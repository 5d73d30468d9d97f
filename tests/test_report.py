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


# Key-moment stills: big enough to read, full screen on a click ---------------------------------


def test_stills_keep_a_720p_frame_whole_and_scale_larger_ones_by_their_longer_side():
    from review.presenting.report import STILL_MAX_SIDE, still_jpeg, still_size

    assert STILL_MAX_SIDE == 1280
    assert still_size(640, 360) == (640, 360)
    assert still_size(1280, 720) == (1280, 720)
    assert still_size(1920, 1080) == (1280, 720)
    assert still_size(1080, 1920) == (720, 1280)  # a phone held upright
    big = np.zeros((1080, 1920, 3), np.uint8)
    decoded = cv2.imdecode(np.frombuffer(still_jpeg(big), np.uint8), 1)
    assert decoded.shape == (720, 1280, 3)


def _report_with_stills(tmp_path, count=3, size=(1280, 720)):
    """A report of a synthetic session whose key moments have pictures of ``size``."""
    from review.presenting.report import Still, render_html, still_jpeg

    lm = synth.still(30.0)
    sink = np.zeros(len(lm))
    for start in (90, 360, 630)[:count]:  # three slumps of 4 s
        sink[start : start + 120] = 0.33
    session = analyse_landmarks(synth.sink_head(lm, sink), video_path="answer.mp4", fps=30.0)
    moments = choose_moments(session)  # the three slumps, and the still face's blank stretch
    assert [m.column for m in moments].count("slumped") == count
    w, h = size
    stills = []
    for k, m in enumerate(moments):
        image = np.full((h, w, 3), 60 + 40 * k, np.uint8)
        cv2.circle(image, (w // 2, h // 2), h // 4, (0, 0, 255), -1)
        stills.append(Still(m, still_jpeg(image), (w, h)))
    path = tmp_path / "report.html"
    path.write_text(render_html(session, stills=stills, moments=moments))
    return path, moments


def test_each_still_is_the_label_of_its_own_full_screen_switch_with_its_size(tmp_path):
    path, moments = _report_with_stills(tmp_path)
    html = path.read_text()
    _assert_self_contained(html)
    figures = re.findall(r"<figure[^>]*>(.*?)</figure>", html, flags=re.S)
    pictured = [f for f in figures if "data:image/jpeg" in f]
    assert len(pictured) == len(moments) == 4
    _assert_full_screen_switches(pictured, html)


def _assert_full_screen_switches(figures: list[str], html: str) -> None:
    """Each 1280x720 picture is the label of its own switch, the page says so, no script."""
    ids = []
    for figure in figures:
        box = re.search(r'<input type="checkbox" class="zoom" id="([^"]+)"', figure)
        assert box is not None
        ids.append(box.group(1))
        assert f'<label for="{box.group(1)}" style="aspect-ratio: 1280 / 720">' in figure
        assert 'width="1280" height="720"' in figure
    assert len(set(ids)) == len(ids)  # one switch per picture
    assert "Click a picture to see it full screen" in html
    assert "<script" not in html.lower()


def _comparison_with_stills(tmp_path, size=(1280, 720)):
    """A comparison page of two synthetic sessions with two stills a side, of ``size``."""
    from review.judging.compare import compare
    from review.presenting.compare_report import KeyFrame, render_html
    from review.presenting.report import still_jpeg

    session = analyse_landmarks(synth.still(10.0), video_path="a.mp4", fps=30.0)
    w, h = size
    stills = []
    for k, (side, column) in enumerate(
        [("before", "slumped"), ("before", "slumped"), ("after", "slumped"), ("after", "fidgeting")]
    ):
        image = np.full((h, w, 3), 60 + 40 * k, np.uint8)
        stills.append(KeyFrame(side, column, 1.0 + k, f"picture {k}", still_jpeg(image), (w, h)))
    path = tmp_path / "comparison.html"
    path.write_text(render_html(compare(session, session), b"\x89PNG", stills))
    return path


def test_each_comparison_still_is_the_label_of_its_own_full_screen_switch(tmp_path):
    html = _comparison_with_stills(tmp_path).read_text()
    figures = re.findall(r'<figure class="zoomable">(.*?)</figure>', html, flags=re.S)
    assert len(figures) == 4
    _assert_full_screen_switches(figures, html)


#: An element's box on the page (not in the window): x, y, width, height.
_PAGE_BOX = (
    "e => { const r = e.getBoundingClientRect(); return [r.x, r.y + scrollY, r.width, r.height]; }"
)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_stills_are_two_to_a_row_and_a_click_shows_one_full_screen_in_a_browser(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    path, _ = _report_with_stills(tmp_path)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            remote: list[str] = []
            page.on(
                "request",
                lambda r: None if r.url.startswith(("file:", "data:")) else remote.append(r.url),
            )
            page.goto(path.as_uri())
            stills = page.locator(".stills img")
            assert stills.count() == 4  # the three slumps first
            where = _PAGE_BOX
            boxes = [stills.nth(k).evaluate(where) for k in range(3)]
            # two to a row at the page's 960 px: each about 445 px wide (was 295 at three)
            assert all(w >= 400 for _x, _y, w, _h in boxes)
            assert boxes[0][1] == boxes[1][1] < boxes[2][1]
            assert boxes[0][3] == pytest.approx(boxes[0][2] * 720 / 1280, abs=2)
            height = page.evaluate("document.documentElement.scrollHeight")

            stills.nth(1).click()
            full = stills.nth(1).bounding_box()  # in the window
            assert (full["x"], full["y"], full["width"], full["height"]) == (0, 0, 1200, 800)
            # the page keeps the picture's room meanwhile (nothing under it moves)
            assert page.evaluate("document.documentElement.scrollHeight") == height
            room = page.locator(".stills label").nth(1).evaluate(where)
            assert room == pytest.approx(boxes[1], abs=1)  # the picture's border aside
            assert stills.nth(2).evaluate(where) == pytest.approx(boxes[2], abs=1)
            stills.nth(1).click()  # a second click closes it
            assert stills.nth(1).evaluate(where) == boxes[1]

            # printed: the pictures in the page, no switch and no "click" hint
            stills.nth(1).click()
            page.emulate_media(media="print")
            assert stills.nth(1).bounding_box()["width"] < 600
            assert page.locator(".zoom").first.is_hidden()
            assert page.get_by_text("Click a picture").is_hidden()
            assert remote == []
        finally:
            browser.close()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_a_click_shows_a_comparison_still_full_screen_in_a_browser(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    path = _comparison_with_stills(tmp_path)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(path.as_uri())
            stills = page.locator(".stills img")
            assert stills.count() == 4
            before = stills.nth(2).evaluate(_PAGE_BOX)
            assert before[2] < 600  # in its column
            stills.nth(2).click()
            full = stills.nth(2).bounding_box()
            assert (full["x"], full["y"], full["width"], full["height"]) == (0, 0, 1200, 800)
            stills.nth(2).click()
            assert stills.nth(2).evaluate(_PAGE_BOX) == before
            page.emulate_media(media="print")
            assert page.locator(".zoom").first.is_hidden()
            assert page.get_by_text("Click a picture").is_hidden()
        finally:
            browser.close()
