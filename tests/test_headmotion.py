"""The face's travel in the picture (review.detectors.headmotion), on synthetic positions."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from review.detectors import headmotion


def test_a_still_face_does_not_travel():
    centre = np.tile([200.0, 150.0], (30, 1))
    assert headmotion.travel(centre, np.full(30, 80.0), 0, 29) == 0.0


@given(
    shift=st.floats(0.0, 3.0),
    width=st.floats(20.0, 400.0),
    vertical=st.booleans(),
)
def test_travel_is_in_face_widths_whatever_the_face_size(shift, width, vertical):
    path = np.linspace(0.0, shift * width, 20)
    centre = np.stack(
        [np.full(20, 300.0), 200.0 + path] if vertical else [300.0 + path, np.full(20, 200.0)],
        axis=1,
    )
    assert abs(headmotion.travel(centre, np.full(20, width), 0, 19) - shift) < 1e-9


def test_frames_without_a_face_are_left_out_and_none_is_no_travel():
    centre = np.tile([200.0, 150.0], (10, 1))
    centre[3:6] = np.nan
    centre[8] = [240.0, 150.0]
    assert headmotion.travel(centre, np.full(10, 80.0), 0, 9) == 0.5
    assert headmotion.travel(centre, np.full(10, 80.0), 3, 5) == 0.0
