import subprocess
import sys
import warnings

from matplotlib.figure import Figure

from review import plots, timefmt
from review.analysis import analyse_landmarks
from review.compare import HabitComparison
from tests import synth


def test_times_are_rounded_to_the_nearest_second():
    assert timefmt.mmss(3.9) == "0:04"
    assert timefmt.mmss(59.6) == "1:00"
    assert timefmt.mmss(0.4) == "0:00"
    assert timefmt.mmss(float("inf")) == "-:--"
    assert timefmt.duration_text(2.5) == "2.5 s"
    assert timefmt.duration_text(3.9) == "4 s"
    assert timefmt.duration_text(65) == "1 min 05 s"
    assert timefmt.span_text(5.0, 12.0) == "0:05\u20130:12 (7 s)"


def test_importing_review_leaves_the_notebook_backend_alone():
    code = (
        "import matplotlib; matplotlib.use('svg'); "
        "import review.plots, review.report, review.verdicts; "
        "print(matplotlib.get_backend())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"


def test_a_short_clip_has_no_repeated_tick_labels():
    session = analyse_landmarks(synth.still(2.4))
    fig = Figure()
    ax = fig.subplots()
    plots.draw_timeline(ax, session)
    fig.draw_without_rendering()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(labels) == len(set(labels)) >= 2


def test_a_file_name_the_font_cannot_draw_is_left_out_of_the_figure_without_warnings(tmp_path):
    session = analyse_landmarks(synth.still(3.0), video_path="/x/面接の練習.mp4")
    assert plots.titled("When each habit showed", "面接の練習.mp4") == "When each habit showed"
    assert plots.titled("When", "answer.mp4") == "When: answer.mp4"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.timeline(session, tmp_path / "t.png")


def test_a_rate_axis_of_two_zeros_ends_at_one():
    fig = Figure()
    ax = fig.subplots()
    habit = HabitComparison(
        label="Touching face",
        unit="touches/min",
        better_when="lower",
        before=0.0,
        after=0.0,
        change=0.0,
        interval=(0.0, 0.0),
        min_meaningful=1.0,
        block_s=2.0,
        verdict="same",
        reason="no change",
    )
    plots.draw_habit_bars(ax, habit)
    assert ax.get_ylim() == (0.0, 1.0)
