"""`review compare`: the files it writes, video and folder inputs, one yardstick, bad input."""

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from review.cli import main
from review.judging.analysis import analyse_landmarks
from review.storing import history
from tests import synth


def _run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def folders(tmp_path_factory, analysed):
    """slump.mp4 and upright.mp4 analysed and saved as `review analyse` would."""
    root = tmp_path_factory.mktemp("analyses")
    return {
        name: analysed(f"{name}.mp4").save(root / f"{name}_review") for name in ("slump", "upright")
    }


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A small analysis folder from a synthetic landmark sequence (no MediaPipe)."""
    root = tmp_path_factory.mktemp("synthetic")
    session = analyse_landmarks(synth.still(4.0), video_path="still.mp4", fps=30.0)
    return session.save(root / "still_review")


def _assert_self_contained(html):
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", html, re.I)
    assert "@import" not in html and "url(http" not in html
    images = re.findall(r"<img [^>]*src=\"([^\"]+)\"", html)
    assert images and all(src.startswith("data:image/") for src in images)


@pytest.mark.integration
def test_compare_two_analysis_folders(tmp_path, folders):
    out = tmp_path / "progress"
    code, output = _run("compare", folders["slump"], folders["upright"], "-o", out)
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.html",
        "comparison.json",
        "comparison.png",
        "manifest.json",
    ]
    result = json.loads((out / "comparison.json").read_text())
    assert result["habits"]["slumped"]["verdict"] == "better"
    assert result["before"]["video"].endswith("slump.mp4")
    assert result["after"]["video"].endswith("upright.mp4")
    assert result["before"]["reference"]["source"] == "session"
    assert result["inputs"]["before"]["analysed_now"] is False
    # The terminal summary: one line per habit, the verdicts, where the files are.
    assert re.search(r"Slumped\s+\d+% -> 0%.*better", output)
    assert "Each session was judged against a reference inferred" in output
    assert str(out) in output
    html = (out / "comparison.html").read_text()
    _assert_self_contained(html)
    slumped = html.index(f"Slumped: {result['habits']['slumped']['before']:.0f}%")
    assert html.index("What improved") < slumped < html.index("What got worse")
    assert "Key moments" in html and "Slumped at" in html  # a still from the slump clip
    assert (out / "comparison.png").stat().st_size > 30_000


@pytest.mark.integration
def test_compare_a_video_with_one_calibration_clip(tmp_path, folders, sample):
    # A video input is analysed first and saved beside it, like `review analyse` does, and
    # recorded in the history; with --calibration both sessions use that one reference,
    # the folder being re-judged from its landmarks.
    video = tmp_path / "upright.mp4"
    shutil.copy(sample("upright.mp4"), video)
    db = tmp_path / "h.sqlite3"
    out = tmp_path / "cmp"
    code, output = _run(
        "compare",
        folders["slump"],
        video,
        "-o",
        out,
        "--calibration",
        sample("upright.mp4"),
        "--db",
        db,
    )
    assert code == 0, output
    for name in ("summary.json", "frames.csv", "landmarks.npz", "report.html"):
        assert (tmp_path / "upright_review" / name).is_file(), name
    result = json.loads((out / "comparison.json").read_text())
    assert result["reference"]["same"] is True
    assert result["before"]["reference"]["source"] == "calibration"
    assert result["before"]["reference"] == result["after"]["reference"]
    assert result["inputs"]["before"]["rejudged_with_calibration"] is True
    assert result["inputs"]["after"]["analysed_now"] is True
    assert result["habits"]["slumped"]["verdict"] == "better"
    assert "Both judged against the calibration clip" in output
    items = history.entries(db)
    assert [e.video for e in items] == [str(video)]  # the folder was analysed before


@pytest.mark.integration
def test_a_folder_compared_with_itself_is_the_same_everywhere(tmp_path, folders):
    out = tmp_path / "same"
    code, output = _run("compare", folders["slump"], folders["slump"], "-o", out, "-q")
    assert code == 0
    assert output.startswith("review: warning: ") and "compared with itself" in output
    assert output.count("\n") == 1
    result = json.loads((out / "comparison.json").read_text())
    assert {h["verdict"] for h in result["habits"].values()} == {"same"}
    assert "No habit improved clearly" in (out / "comparison.html").read_text()


def _assert_refused(code, output, fragment):
    assert code == 2, output
    assert fragment in output and "Traceback" not in output
    assert output.strip().count("\n") == 0, "one line expected"


def test_missing_input(tmp_path):
    code, output = _run("compare", tmp_path / "a.mp4", tmp_path / "b.mp4", "-o", tmp_path / "c")
    _assert_refused(code, output, "no such file")
    assert not (tmp_path / "c").exists()


def test_folder_that_is_not_an_analysis(tmp_path):
    (tmp_path / "holiday").mkdir()
    (tmp_path / "holiday" / "photo.jpg").write_bytes(b"x")
    code, output = _run("compare", tmp_path / "holiday", tmp_path / "holiday")
    _assert_refused(code, output, "not one written by `review analyse`")


def test_calibration_needs_the_landmarks_of_a_folder(tmp_path, synthetic, sample):
    bare = tmp_path / "bare_review"
    shutil.copytree(synthetic, bare)
    (bare / "landmarks.npz").unlink()
    out = tmp_path / "c"
    code, output = _run(
        "compare", bare, synthetic, "-o", out, "--calibration", sample("upright.mp4")
    )
    _assert_refused(code, output, "landmarks.npz")
    assert not out.exists()


def test_output_folder_with_other_files_is_left_alone(tmp_path, synthetic):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    code, output = _run("compare", synthetic, synthetic, "-o", out)
    _assert_refused(code, output, "not an earlier comparison")
    assert (out / "thesis.docx").read_text() == "precious"


def test_an_earlier_comparison_is_replaced_but_not_one_edited_since(tmp_path, synthetic):
    out = tmp_path / "cmp"
    assert _run("compare", synthetic, synthetic, "-o", out, "-q")[0] == 0
    first = (out / "comparison.html").read_bytes()
    code, output = _run("compare", synthetic, synthetic, "-o", out)
    assert code == 0, output
    assert json.loads((out / "comparison.json").read_text())["habits"]
    assert "Touching face" in output
    (out / "comparison.json").write_text("{}")  # the user's own edit: no longer review's file
    code, output = _run("compare", synthetic, synthetic, "-o", out)
    assert code == 2 and "changed since" in output
    assert (out / "comparison.json").read_text() == "{}"
    assert (out / "comparison.html").read_bytes() == first


def test_help_has_an_example():
    code, output = _run("compare", "--help")
    assert code == 0 and "Example" in output and "review compare monday.mp4 friday.mp4" in output
    code, output = _run("--help")
    assert "compare" in output and "history" in output
