"""Join short clips of one person from one camera into one clip, the person lined up at each cut.

Used for the signing clips in ``sample_videos/dev/``: each ASL clip of the Intel sample videos
is one sign of 1.6-3.7 s, too short for the 5 s window in which fidgeting is judged, and the
question they answer (do hands that move a lot while communicating count as fidgeting?) needs
several signs in a row. Each signer's clips were taken by the same camera in the same room,
each starting and ending with the hands down, but the signer stood up to 37 px (a quarter of a
shoulder width) elsewhere from one take to the next: joined as they are, those jumps back and
forth would be swings of the body that nobody made. So every part after the first is shifted
(whole frame, border replicated) so that the person's head point and shoulder midpoint in its
first frames sit where they were in the previous part's last frames (``review``'s own
landmarks; the mean of the two offsets: on these clips they differ by up to 9 px where a signer's
posture changed between takes). The frames are otherwise unchanged; what is left at a cut is a
jump of the background and of the posture.

The output is H.264 (yuv420p, crf 20, as ``tools/variants.py``) in .mp4 at the first clip's
frame rate, with presentation times frame index / rate (the sources are exactly 30 fps, so
each part keeps its own timing). Every part's start and end in the joined clip and its shift
are printed, for the labels and ``SOURCES.md``.

Usage: python tools/join_clips.py OUT.mp4 CLIP [CLIP ...]
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_clips import landmarks_of, translate  # noqa: E402  (it puts the repository on the path)

from review.detectors.geometry import head_point, pose_px  # noqa: E402
from review.landmarks.holistic import PoseLandmark as P  # noqa: E402

CRF = "20"
#: Frames at each end of a part whose person position is compared across a cut.
EDGE_FRAMES = 10


def read_part(path: Path) -> tuple[list[np.ndarray], Fraction]:
    """Every frame of ``path`` as BGR, and its frame rate."""
    with av.open(str(path)) as source:
        stream = source.streams.video[0]
        frames = [f.to_ndarray(format="bgr24") for f in source.decode(stream)]
        return frames, Fraction(stream.average_rate)


def person_position(frames: list[np.ndarray]) -> np.ndarray:
    """(2,) pixels: the median over ``frames`` of the mean of head point and shoulder midpoint."""
    lm = landmarks_of(frames)
    shoulders = (pose_px(lm, P.LEFT_SHOULDER) + pose_px(lm, P.RIGHT_SHOULDER)) / 2
    both = (head_point(lm) + shoulders) / 2
    if not np.isfinite(both).all(axis=1).any():
        raise SystemExit("no person found at the end of a part: cannot line the parts up")
    return np.nanmedian(both, axis=0)


def join(out: Path, clips: list[Path]) -> list[tuple[str, float, float, float, float]]:
    """Write ``clips`` back to back into ``out``; per part (name, start_s, end_s, dx, dy)."""
    parts: list[tuple[str, float, float, float, float]] = []
    count = 0
    rate: Fraction | None = None
    shift = np.zeros(2)
    previous_end: np.ndarray | None = None
    with av.open(str(out), "w", options={"movflags": "+faststart"}) as container:
        stream = None
        for clip in clips:
            frames, clip_rate = read_part(clip)
            if stream is None:
                rate = clip_rate
                stream = container.add_stream("libx264", rate=rate, options={"crf": CRF})
                stream.pix_fmt = "yuv420p"
                stream.height, stream.width = frames[0].shape[:2]
            elif clip_rate != rate or frames[0].shape[:2] != (stream.height, stream.width):
                raise SystemExit(f"{clip}: not the first clip's frame rate and size")
            assert rate is not None
            if previous_end is not None:
                shift = previous_end - person_position(frames[:EDGE_FRAMES])
            first = count
            for image in frames:
                moved = translate(image, *shift) if shift.any() else image
                frame = av.VideoFrame.from_ndarray(moved, format="bgr24")
                frame.pts = count
                frame.time_base = 1 / rate
                container.mux(stream.encode(frame))
                count += 1
            previous_end = person_position(frames[-EDGE_FRAMES:]) + shift
            dx, dy = (float(v) for v in shift)
            parts.append((clip.stem, float(first / rate), float((count - 1) / rate), dx, dy))
        if stream is not None:
            container.mux(stream.encode(None))
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("clips", type=Path, nargs="+")
    args = parser.parse_args()
    for name, start, end, dx, dy in join(args.out, args.clips):
        print(f"{name}: {start:.3f}-{end:.3f} s, shifted {dx:+.1f}, {dy:+.1f} px")


if __name__ == "__main__":
    main()
