"""The `review` command: a thin layer over the library (parse, call, render)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Callable

import click

from review.errors import ReviewError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Stderr:
    """Writes to whatever ``sys.stderr`` is at the time (MediaPipe's log silencer swaps it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _progress(enabled: bool) -> Callable[[int, str], Callable[[], None]] | None:
    """A tqdm progress-bar factory for analysis.landmarks_of, or None when disabled."""
    if not enabled:
        return None

    def factory(total: int, label: str) -> Callable[[], None]:
        from tqdm import tqdm

        bar = tqdm(
            total=total or None,
            desc=f"Analysing {label}",
            unit="frame",
            leave=False,
            file=_Stderr(),
            dynamic_ncols=True,
        )

        def tick() -> None:
            bar.update(1)
            if total and bar.n >= total:
                bar.close()

        return tick

    return factory


def _fmt_pct(value: float | None) -> str:
    return "not judged" if value is None else f"{value:.0f}%"


def _print_summary(summary: dict, out_dir: Path) -> None:
    from review.plots import mmss

    click.echo(f"{summary['video']}: {mmss(summary['duration_s'])} analysed")
    click.echo(f"  person in view   {_fmt_pct(summary['person_visible_pct'])}")
    click.echo(f"  eye contact      {_fmt_pct(summary['eye_contact_pct'])} of the time")
    click.echo(f"  slumped          {_fmt_pct(summary['slumped_pct'])} of the time")
    click.echo(f"  fidgeting        {_fmt_pct(summary['fidgeting_pct'])} of the time")
    click.echo(f"  touched face     {summary['self_touch_count']} time(s)")
    for note in summary.get("notes", []):
        click.echo(f"  note: {note}")
    click.echo(f"Results in {out_dir}/")


class _Group(click.Group):
    """Turns the library's errors into one clear line and an exit status, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ReviewError as err:
            click.echo(f"review: error: {err}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("review: interrupted; nothing was written.", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="review")
def main() -> None:
    r"""Review a recorded interview practice answer, on your own machine.

    Finds the nonverbal habits interviewers notice: poor eye contact, slumping, fidgeting
    and touching your face, frame by frame, and shows when they happened. Nothing is
    uploaded anywhere.

    \b
    Example:
        review analyse answer.mp4
    """


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Folder for the results (default: VIDEO's name + _review, beside the video).",
)
@click.option(
    "--calibration",
    type=click.Path(path_type=Path),
    help="A few seconds of you sitting upright and looking at the lens; used as your "
    "reference instead of inferring it from the recording.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
def analyse(video: Path, out_dir: Path | None, calibration: Path | None, quiet: bool) -> None:
    r"""Analyse a recorded answer and write frames.csv, summary.json and timeline.png.

    VIDEO is any recording FFmpeg reads (mp4, mov, mkv, webm, avi).

    \b
    Example:
        review analyse answer.mp4              # results in answer_review/
        review analyse answer.mp4 -o results --calibration upright.mp4
    """
    from review import analysis
    from review import video as video_mod

    out = out_dir if out_dir is not None else video.with_name(video.stem + "_review")
    video_mod.probe(video)  # refuse a bad input before doing anything else
    if calibration is not None:
        video_mod.probe(calibration)
    _check_output(out)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", video_mod.DecodeWarning)
        session = analysis.analyse(video, calibration=calibration, progress=_progress(not quiet))
    for w in caught:
        if issubclass(w.category, video_mod.DecodeWarning):
            click.echo(f"review: warning: {w.message}", err=True)
    if len(session) == 0:
        raise ReviewError(f"{video}: no frame could be analysed.")
    session.save(out)
    if not quiet:
        _print_summary(session.summary, out)


def _check_output(out: Path) -> None:
    from review.errors import InputError

    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder. Choose another output with -o.")
    parent = out.parent if str(out.parent) else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    import os

    if not os.access(probe, os.W_OK):
        raise InputError(f"{out}: cannot write there (permission denied). Choose another -o.")


@main.command()
@click.argument("labels", type=click.Path(path_type=Path), required=False)
@click.option(
    "--json", "json_out", type=click.Path(path_type=Path), help="Also write the table as JSON."
)
def evaluate(labels: Path | None, json_out: Path | None) -> None:
    r"""Measure the detectors against labelled clips and print their agreement.

    LABELS is a labels file (default: sample_videos/labels.json). For each clip and
    detector it prints the agreement on labelled "yes" frames and "no" frames and the
    balanced accuracy (their mean), plus how many labelled frames the detector left
    unjudged (those count as wrong).

    \b
    Example:
        review evaluate sample_videos/labels.json
    """
    from review import evaluation

    labels = labels or Path("sample_videos/labels.json")
    results = evaluation.evaluate_file(labels, progress=_progress(True))
    click.echo(evaluation.format_table(results))
    if json_out is not None:
        import json

        json_out.write_text(json.dumps([r.to_dict() for r in results], indent=2) + "\n")


if __name__ == "__main__":  # pragma: no cover
    main()
