import subprocess
import sys
import warnings

from matplotlib.figure import Figure

from review.judging.analysis import analyse_landmarks
from review.judging.compare import HabitComparison
from review.judging.habits import HABITS
from review.presenting import plots, timefmt
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
        "import review.presenting.plots, review.presenting.report, review.presenting.verdicts; "
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


def _legend_labels(fig: Figure) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_the_speaking_lane_is_in_the_legend_only_when_sound_was_measured(tmp_path, monkeypatch):
    import dataclasses

    from review.detectors import delivery

    silent = analyse_landmarks(synth.still(6.0))
    no_sound = dataclasses.replace(silent, delivery=delivery.no_sound())
    heard = dataclasses.replace(
        silent,
        delivery=dataclasses.replace(delivery.no_sound(), sound=True),
    )
    drawn: list[Figure] = []
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: drawn.append(fig))
    for session in (silent, no_sound, heard):
        plots.timeline(session, tmp_path / "t.png")
    plots.comparison_figure(silent, no_sound, _comparison(silent, no_sound), tmp_path / "c.png")
    plots.comparison_figure(no_sound, heard, _comparison(no_sound, heard), tmp_path / "c.png")
    speaking = ["Speaking" in _legend_labels(fig) for fig in drawn]
    assert speaking == [False, False, True, False, True]
    assert ["Long pause" in _legend_labels(fig) for fig in drawn] == speaking
    assert all("Could not judge" in _legend_labels(fig) for fig in drawn)


def test_the_comparison_figure_has_the_sound_figures_only_when_sound_was_measured(
    tmp_path, monkeypatch
):
    import dataclasses

    from review.detectors import delivery

    silent = analyse_landmarks(synth.still(6.0))
    heard = dataclasses.replace(
        silent,
        delivery=dataclasses.replace(
            delivery.no_sound(), sound=True, syllables_per_min=150.0, pitch_sd_st=2.5
        ),
    )
    drawn: list[Figure] = []
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: drawn.append(fig))
    plots.comparison_figure(silent, silent, _comparison(silent, silent), tmp_path / "c.png")
    plots.comparison_figure(silent, heard, _comparison(silent, heard), tmp_path / "c.png")
    titles = [[ax.get_title().split("\n")[0] for ax in fig.axes] for fig in drawn]
    sound_figures = ["Speaking rate", "Long pauses", "Pitch variation"]
    assert not set(sound_figures) & set(titles[0])
    assert [t for t in titles[1] if t in sound_figures] == sound_figures
    # Each habit's bars are drawn in both, above the two timelines.
    for fig_titles in titles:
        assert [h.name for h in HABITS] == fig_titles[: len(HABITS)]
    texts = [t.get_text() for ax in drawn[1].axes for t in ax.texts]
    assert "150" in texts and "2.5" in texts  # the heard session's figures are written on


def _comparison(before, after):
    from review.judging.compare import compare

    return compare(before, after)
