"""The heap's free pages are handed back between chunks (review.landmarks.heap)."""

import platform
import sys

import pytest

from review.landmarks import heap


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="malloc_trim is glibc's",
)
def test_glibc_trim_is_found_and_runs():
    assert heap._malloc_trim() is not None
    heap.give_back_freed_memory()  # returns nothing, raises nothing
