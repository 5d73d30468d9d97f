"""How times and durations are written for people: one formatter for every output."""

from __future__ import annotations

import math


def mmss(seconds: float, _pos: object = None) -> str:
    """Format seconds as m:ss, rounded to the nearest second ("-:--" for no number).

    The unused second argument lets matplotlib's ``FuncFormatter`` call it for tick labels.
    """
    seconds = float(seconds)
    if not math.isfinite(seconds):
        return "-:--"
    whole = int(round(max(0.0, seconds)))
    return f"{whole // 60}:{whole % 60:02d}"


def duration_text(seconds: float) -> str:
    """A duration in words: "0.4 s", "2.5 s", "7 s", "1 min 05 s"."""
    if seconds < 2.95:
        return f"{seconds:.1f} s"
    if seconds < 59.5:
        return f"{seconds:.0f} s"
    whole = int(round(seconds))
    return f"{whole // 60} min {whole % 60:02d} s"


def span_text(start_s: float, end_s: float) -> str:
    """A stretch of time as "m:ss-m:ss (duration)"."""
    return f"{mmss(start_s)}\u2013{mmss(end_s)} ({duration_text(end_s - start_s)})"
