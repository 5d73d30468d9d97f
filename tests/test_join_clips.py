"""tools/join_clips.py: parts joined back to back, every frame kept, the person lined up."""

import sys

import av
import numpy as np
import pytest

from tests import media

sys.path.insert(0, str(media.ROOT / "tools"))
import join_clips  # noqa: E402
import make_clips  # noqa: E402

pytestmark = pytest.mark.integration  # lining up uses review's landmarks (MediaPipe)

#: The second take stands this far to the right of where the first one ended, pixels.
STEP_PX = 24.0


def _frames(path):
    with av.open(str(path)) as container:
        return [(float(f.time), f.to_ndarray(format="bgr24")) for f in container.decode(video=0)]


def test_a_person_who_stood_elsewhere_is_lined_up_and_every_frame_kept(tmp_path):
    images, _ = media.sample_frames(seconds=1.0)
    first = media.write_video(tmp_path / "a.mp4", images)
    moved = [make_clips.translate(image, STEP_PX, 0.0) for image in images]
    second = media.write_video(tmp_path / "b.mp4", moved)

    out = tmp_path / "joined.mp4"
    parts = join_clips.join(out, [first, second])

    joined = _frames(out)
    assert len(joined) == 2 * len(images)
    rate = 1 / (parts[0][2] / (len(images) - 1))
    assert np.allclose([t for t, _ in joined], np.arange(len(joined)) / rate, atol=1e-3)
    assert parts[1][1] == pytest.approx(len(images) / rate)
    _, _, _, dx, dy = parts[1]
    assert dx == pytest.approx(-STEP_PX, abs=3.0) and abs(dy) < 3.0
    end_of_first = join_clips.person_position([im for _, im in joined[: len(images)]][-10:])
    start_of_second = join_clips.person_position([im for _, im in joined[len(images) :]][:10])
    assert np.abs(start_of_second - end_of_first).max() < 3.0


def test_parts_of_another_size_are_refused(tmp_path):
    images, _ = media.sample_frames(seconds=0.3)
    first = media.write_video(tmp_path / "a.mp4", images)
    second = media.write_video(tmp_path / "b.mp4", [im[:-16, :-16].copy() for im in images])
    with pytest.raises(SystemExit, match="frame rate and size"):
        join_clips.join(tmp_path / "joined.mp4", [first, second])
