"""The review page: lanes from the session, moments as seek buttons, a real browser playing it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from review.judging import analysis
from review.judging.habits import HABITS
from review.presenting import reviewpage
from tests import synth


def _slumping_session():
    lm = synth.still(20.0)
    fraction = np.zeros(len(lm))
    fraction[(lm.time_s >= 8.0) & (lm.time_s < 14.0)] = 0.5
    lm = synth.sink_head(lm, fraction)
    lm = synth.remove_person(lm, (lm.time_s >= 16.0) & (lm.time_s < 17.0))
    return analysis.analyse_landmarks(lm)


def test_lanes_follow_the_habit_states_and_what_could_not_be_judged():
    session = _slumping_session()
    lanes = {lane.column: lane for lane in reviewpage.lanes(session)}
    assert [lane.column for lane in reviewpage.lanes(session)] == [h.column for h in HABITS]
    (start, end), *more = lanes["slumped"].problem
    assert not more and 7.0 < start < 10.0 and 13.0 < end < 15.5
    # Nobody in view is drawn once across all lanes, not as each habit's "could not judge".
    for lane in lanes.values():
        assert not any(a < 16.5 < b for a, b in lane.unknown)
    assert lanes["fidgeting"].problem == []


def test_the_page_has_a_seek_button_per_key_moment_and_loads_nothing_from_anywhere():
    session = _slumping_session()
    html = reviewpage.render_review_page(session, "../answer%20one.mp4")
    seeks = [float(s) for s in re.findall(r'data-seek="([0-9.]+)"', html)]
    times = [float(s) for s in re.findall(r'data-time="([0-9.]+)"', html)]
    assert len(seeks) == len(times) >= 1
    for seek, t in zip(seeks, times):
        assert seek == pytest.approx(max(0.0, t - reviewpage.LEAD_IN_S), abs=1e-3)
    assert 'src="../answer%20one.mp4"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert 'href="report.html"' in html


def test_the_video_is_named_relative_to_the_results_folder(tmp_path):
    video = tmp_path / "my answers" / "mon day.mp4"
    folder = tmp_path / "my answers" / "mon day_review"
    assert reviewpage.video_href(video, folder) == "../mon%20day.mp4"
    assert reviewpage.video_href(tmp_path / "a.mp4", tmp_path / "x" / "y") == "../../a.mp4"


CHROMIUM = shutil.which("chromium")


@pytest.mark.integration  # analysed(): MediaPipe on a sample clip; a real browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_review_page_plays_and_seeks_in_a_real_browser(tmp_path, analysed, sample):
    playwright = pytest.importorskip("playwright.sync_api")
    from review.presenting.report import write_report

    session = analysed("slump.mp4")
    video = tmp_path / "slump.mp4"
    shutil.copy(sample("slump.mp4"), video)
    folder = tmp_path / "slump_review"
    folder.mkdir()
    write_report(
        session,
        folder / "report.html",
        video=video,
        review_video_src=reviewpage.video_href(video, folder),
    )
    page_file = folder / reviewpage.PAGE_NAME
    assert 'href="review.html"' in (folder / "report.html").read_text()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        errors: list[str] = []
        remote: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith("file:") else remote.append(r.url))
        page.goto(Path(page_file).as_uri())
        page.wait_for_function("document.getElementById('video').readyState >= 1", timeout=20000)
        duration = page.evaluate("document.getElementById('video').duration")
        assert duration == pytest.approx(session.duration_s, abs=0.2)

        # It plays: the time moves on, and the cursor with it.
        page.evaluate("v = document.getElementById('video'); v.muted = true; v.play()")
        page.wait_for_function("document.getElementById('video').currentTime > 0.5", timeout=20000)
        page.evaluate("document.getElementById('video').pause()")
        left_playing = page.evaluate("parseFloat(document.getElementById('cursor').style.left)")

        # A click on a key moment jumps there (its lead-in before the moment's frame).
        button = page.locator("button.moment").first
        seek = float(button.get_attribute("data-seek"))
        assert seek > 3.0  # the slump is in the middle, so the jump is visible
        button.click()
        page.evaluate("document.getElementById('video').pause()")
        now = page.evaluate("document.getElementById('video').currentTime")
        assert seek - 0.05 <= now <= seek + 1.0
        left_moment = page.evaluate("parseFloat(document.getElementById('cursor').style.left)")
        assert left_moment > left_playing

        # A click on a lane, a quarter of the way along, jumps a quarter of the way in.
        track = page.locator(".track svg").first.bounding_box()
        page.mouse.click(track["x"] + 0.25 * track["width"], track["y"] + track["height"] / 2)
        now = page.evaluate("document.getElementById('video').currentTime")
        assert now == pytest.approx(0.25 * duration, abs=0.5)
        browser.close()
    assert errors == [] and remote == []
