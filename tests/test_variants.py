"""tools/variants.py: copies of a labelled clip keep every frame and its time, changed as named."""

import sys

import av
import numpy as np
import pytest

from tests import media

sys.path.insert(0, str(media.ROOT / "tools"))
import variants  # noqa: E402


def _frames(path):
    with av.open(str(path)) as container:
        return [(float(f.time), f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]


@pytest.fixture(scope="module")
def uneven_clip(tmp_path_factory):
    images, _ = media.sample_frames(seconds=1.0)
    times = np.cumsum([0.0] + [0.025, 0.05] * (len(images) // 2))[: len(images)]
    return media.write_video(tmp_path_factory.mktemp("v") / "in.mp4", images, times)


@pytest.mark.parametrize("name", sorted(variants.VARIANTS))
def test_every_frame_keeps_its_time(uneven_clip, tmp_path, name):
    out = tmp_path / f"{name}.mp4"
    variants.transform(uneven_clip, out, variants.VARIANTS[name])
    source, copy = _frames(uneven_clip), _frames(out)
    assert len(copy) == len(source)
    assert np.allclose([t for t, _ in copy], [t for t, _ in source], atol=1e-3)


def test_mirror_flips_and_dim_darkens(uneven_clip, tmp_path):
    source = _frames(uneven_clip)[5][1].astype(float)
    variants.transform(uneven_clip, tmp_path / "m.mp4", variants.mirror)
    variants.transform(uneven_clip, tmp_path / "d.mp4", variants.dim)
    mirrored = _frames(tmp_path / "m.mp4")[5][1].astype(float)
    dimmed = _frames(tmp_path / "d.mp4")[5][1].astype(float)
    assert np.abs(mirrored - source[:, ::-1]).mean() < 0.3 * np.abs(mirrored - source).mean()
    assert abs(dimmed.mean() - variants.DIM_GAIN * source.mean()) < 5


def test_a_phone_clip_stored_sideways_is_copied_upright(tmp_path):
    # A phone writes its frames turned and says so in the metadata; the copies are made from
    # the upright picture (as review reads it), not from the stored sideways frames.
    images, times = media.sample_frames(seconds=0.5)
    stored = [np.ascontiguousarray(np.rot90(im, k=1)) for im in images]
    phone = media.write_video(tmp_path / "phone.mp4", stored, times, rotation_ccw=-90)
    variants.transform(phone, tmp_path / "copy.mp4", variants.mirror)
    copy = _frames(tmp_path / "copy.mp4")
    assert len(copy) == len(images)
    first = copy[0][1].astype(float)
    assert first.shape == images[0].shape
    assert np.abs(first - images[0][:, ::-1, ::-1]).mean() < 8  # upright, mirrored, RGB
