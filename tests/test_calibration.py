"""The reference: inferred from the session, or measured on a calibration clip."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from review.cli import main
from review.judging.analysis import analyse_landmarks, measure, reference_from
from tests import synth


@pytest.mark.integration  # MediaPipe on sample clips
def test_calibration_on_an_upright_clip_finds_the_slump(analysed):
    upright = analysed("upright.mp4")
    reference = reference_from(measure(upright.landmarks), source="calibration")
    assert reference.source == "calibration"
    slump = analyse_landmarks(analysed("slump.mp4").landmarks, reference)
    t, slumped = slump.time_s, slump.columns["slumped"]
    assert (slumped[(t > 7) & (t < 12)] == 1).all()
    assert (slumped[t < 4] == 0).all()
    assert slump.summary["reference"]["source"] == "calibration"


def test_a_session_slumped_almost_throughout_needs_a_calibration_clip():
    # Inferring "upright" from a session that is slumped 95 % of the time takes the slump as
    # the norm: that is the documented limit of inference, and what --calibration is for.
    lm = synth.still(10.0)
    synth.sink_head(lm, np.where(np.arange(len(lm)) < 15, 0.0, 0.33))
    inferred = analyse_landmarks(lm)
    assert np.nansum(inferred.columns["slumped"]) == 0
    calibration = reference_from(measure(synth.still(3.0)), source="calibration")
    calibrated = analyse_landmarks(lm, calibration)
    assert (calibrated.columns["slumped"][30:] == 1).all()


@pytest.mark.integration  # MediaPipe on sample clips
def test_cli_calibration_is_recorded_in_the_summary(tmp_path, sample):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "analyse",
            str(sample("upright.mp4")),
            "-o",
            str(out),
            "-q",
            "--calibration",
            str(sample("face_noface.mov")),
        ],
    )
    assert result.exit_code == 0, result.output
    reference = json.loads((out / "summary.json").read_text())["reference"]
    assert reference["source"] == "calibration"
    assert reference["calibration_video"].endswith("face_noface.mov")


@pytest.mark.integration  # MediaPipe on sample clips
def test_cli_calibration_clip_without_a_person_is_refused(tmp_path, sample):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "analyse",
            str(sample("upright.mp4")),
            "-o",
            str(out),
            "--calibration",
            str(sample("no_face.mp4")),
        ],
    )
    assert result.exit_code == 2
    assert "no person found in the calibration clip" in result.output
    assert not out.exists()


def test_judging_a_saved_analysis_again_keeps_what_the_frames_added(tmp_path):
    """Re-judging against a calibration reads the landmarks, not the video: the frames whose
    picture was too poor to judge movement, the people count and the notes must carry over."""
    from review.judging.analysis import rejudge
    from review.judging.session import Session

    t = np.arange(360) / 30.0
    lm = synth.translate(synth.still(12.0), 0.03 * np.sin(2 * np.pi * 1.0 * t), np.zeros(360))
    poor = t >= 6.0  # the second half filmed in the dark, say
    first = analyse_landmarks(lm, unjudged_movement=poor)
    first.people_max = 2
    first.notes.append("Another face was seen beside you.")
    saved = Session.load(first.save(tmp_path / "a"))

    calibration = reference_from(measure(synth.still(3.0)), source="calibration")
    again = rejudge(saved, calibration)
    fidgeting = again.columns["fidgeting"]
    assert np.isnan(fidgeting[poor]).all()
    assert np.nansum(fidgeting[~poor]) > 0  # the rocking is still seen where it was judged
    assert again.people_max == 2
    assert "Another face was seen beside you." in again.notes
    assert again.summary["reference"]["source"] == "calibration"
    # Without the carried-over gate the dark half would be judged from jittery landmarks.
    assert not np.isnan(
        analyse_landmarks(saved.landmarks, calibration).columns["fidgeting"][poor]
    ).all()
