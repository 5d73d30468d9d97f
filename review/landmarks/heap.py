"""Freed memory handed back to the system between chunks.

A worker decodes and analyses one chunk after another. On Linux, glibc's allocator keeps what
a chunk freed (frames, MediaPipe's buffers) in the process' heap, in pieces too scattered to
be reused whole: measured on the 2-minute benchmark answer, a worker grew from 426 MB after its
first chunk to 678 MB after its twelfth, so a long recording took more memory than a short one
for nothing. ``malloc_trim`` returns the free pages at the end of each chunk: the same worker
then stayed at 396-417 MB. Elsewhere (macOS, Windows, other C libraries) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from typing import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    return function


def give_back_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc only; elsewhere nothing happens)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
