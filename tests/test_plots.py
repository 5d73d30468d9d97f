import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from review import plots  # noqa: E402
from review.analysis import analyse_landmarks  # noqa: E402
from tests import synth  # noqa: E402


def test_times_are_rounded_to_the_nearest_second():
    assert plots.mmss(3.9) == "0:04"
    assert plots.mmss(59.6) == "1:00"
    assert plots.mmss(0.4) == "0:00"
    assert plots.mmss(float("inf")) == "-:--"


def test_a_short_clip_has_no_repeated_tick_labels():
    session = analyse_landmarks(synth.still(2.4))
    fig, ax = plt.subplots()
    plots.draw_timeline(ax, session)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    plt.close(fig)
    assert len(labels) == len(set(labels)) >= 2


def test_a_file_name_the_font_cannot_draw_is_left_out_of_the_figure_without_warnings(tmp_path):
    session = analyse_landmarks(synth.still(3.0), video_path="/x/面接の練習.mp4")
    assert plots.titled("When each habit showed", "面接の練習.mp4") == "When each habit showed"
    assert plots.titled("When", "answer.mp4") == "When: answer.mp4"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.timeline(session, tmp_path / "t.png")
