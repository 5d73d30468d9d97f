"""The `review` command: a thin layer over the library (parse, call, render)."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn

import click

from review.errors import ReviewError

if TYPE_CHECKING:
    from tqdm import tqdm

    from review.judging.habits import Habit
    from review.judging.session import Session, Summary
    from review.storing.history import Entry, Saved


class _Stderr:
    """Writes to whatever ``sys.stderr`` is at the time (MediaPipe's log silencer swaps it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


@contextlib.contextmanager
def _progress(
    enabled: bool, verb: str = "Analysing"
) -> Iterator[Callable[[int, str], Callable[[int], None]] | None]:
    """A tqdm progress-bar factory for analysis.landmarks_of, or None when disabled.

    Every bar it made is closed when the block ends: a recording often decodes to fewer
    frames than its container claims, and a bar left open at 97 % would be drawn again later.
    """
    if not enabled:
        yield None
        return
    bars: list[tqdm[NoReturn]] = []

    def factory(total: int, label: str) -> Callable[[int], None]:
        from tqdm import tqdm

        bar = tqdm(
            total=total or None,
            desc=f"{verb} {label}",
            unit="frame",
            leave=False,
            file=_Stderr(),
            dynamic_ncols=True,
        )
        bars.append(bar)

        def update(done: int) -> None:
            bar.update(done - bar.n)
            if total and bar.n >= total:
                bar.close()

        return update

    try:
        yield factory
    finally:
        for bar in bars:
            bar.close()


def _fmt_pct(value: float | None) -> str:
    return "not judged" if value is None else f"{value:.0f}%"


def _print_summary(summary: Summary, out_dir: Path, video: Path) -> None:
    from review.judging.habits import HABITS
    from review.presenting.timefmt import mmss

    click.echo(f"{video}: {mmss(summary['duration_s'])} analysed")
    click.echo(f"  person in view   {_fmt_pct(summary['person_visible_pct'])}")
    for h in HABITS:
        figure = _habit_figure(summary, h)
        if figure is None:
            click.echo(f"  {h.name.lower():<16} not enough seen to judge")
        else:
            of_time = " of the time" if h.kind == "percent" else ""
            click.echo(f"  {h.name.lower():<16} {figure}{of_time}")
    from review.presenting.delivery_verdicts import terminal_lines

    for line in terminal_lines(summary.get("delivery")):
        click.echo(f"  {line}")
    for note in summary.get("notes", []):
        click.echo(f"  note: {note}")
    click.echo(f"Results in {out_dir}/")
    if (out_dir / "annotated.mp4").is_file():
        click.echo(f"Annotated video: {out_dir / 'annotated.mp4'}")
    if (out_dir / "review.html").is_file():
        click.echo(f"Watch the moments: {out_dir / 'review.html'}")
    if (out_dir / "report.html").is_file():
        click.echo(f"Report: {out_dir / 'report.html'}")


@contextlib.contextmanager
def _decode_warnings_reported() -> Iterator[None]:
    """Print each distinct decoding warning raised inside the block once, after it."""
    from review.media.video import DecodeWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DecodeWarning)
        yield
    for message in dict.fromkeys(
        str(w.message) for w in caught if issubclass(w.category, DecodeWarning)
    ):
        click.echo(f"review: warning: {message}", err=True)


#: Commands that analyse or draw, and so load numpy, OpenCV, PyAV and matplotlib.
_HEAVY_COMMANDS = {"analyse", "compare", "report", "evaluate", "record", "history"}
#: Commands that analyse a recording at once, and so start the worker processes first.
_ANALYSING_COMMANDS = {"analyse", "compare"}


def _load_modules(drawing: bool = True) -> None:
    """Import what the heavy commands need, up front (see ``_Group.resolve_command``).

    The commands that analyse load matplotlib (``drawing``) later, while their worker
    processes start (``_workers_started``).
    """
    import review.judging.analysis  # noqa: F401  (numpy, OpenCV, PyAV and the detectors)

    if drawing:
        import review.presenting.plots  # noqa: F401  (matplotlib)


@contextlib.contextmanager
def _workers_started(needed: bool = True) -> Iterator[None]:
    """Start the worker processes, and load matplotlib while they get ready (workers).

    Called once the inputs and the results folder have been checked, so that a mistake is
    reported without starting anything. Not ``needed`` (nothing to analyse): matplotlib only.
    """
    from review.interrupts import deferred
    from review.landmarks import workers

    with workers.started() if needed else contextlib.nullcontext():
        with deferred():
            import review.presenting.plots  # noqa: F401  (matplotlib: 0.5 s, while the workers start)
        yield


class _Group(click.Group):
    """Turns the library's errors into one clear line and an exit status, never a traceback.

    Usage errors found by click (a bad option value, a missing argument) get the same form
    as the library's: ``review: error: ...`` on one line, exit status 2.
    """

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: object,
    ) -> int:
        try:
            value = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as err:
            hint = ""
            if isinstance(err, click.UsageError) and err.ctx is not None:
                hint = f" (see: {err.ctx.command_path} --help)"
            message = " ".join(err.format_message().split())
            click.echo(f"review: error: {message}{hint}", err=True)
            code = err.exit_code
        except click.Abort:
            click.echo("review: interrupted; nothing was written.", err=True)
            code = 130
        else:
            code = value if isinstance(value, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Find the command; load the modules a heavy one needs with interrupts held.

        Runs inside ``invoke``'s ``stop_cleanly``: a Ctrl-C while numpy, OpenCV or matplotlib
        are imported would otherwise be garbled by their import code (an ImportError, or a
        printed traceback and the run going on); held, it stops the run cleanly after them.
        """
        from review.interrupts import deferred

        name, command, rest = super().resolve_command(ctx, args)
        if name in _HEAVY_COMMANDS and not {"-h", "--help"} & set(rest):
            with deferred():
                _load_modules(drawing=name not in _ANALYSING_COMMANDS)
        return name, command, rest

    def invoke(self, ctx: click.Context) -> object:
        from review.interrupts import held_signal, stop_cleanly

        try:
            with stop_cleanly():  # Ctrl-C, kill, hang-up: clean up, no traceback
                result = super().invoke(ctx)
            held, saved = held_signal()
            if held is not None:
                click.echo(
                    f"review: interrupted after {saved} was saved; it is complete.", err=True
                )
            return result
        except ReviewError as err:
            click.echo(f"review: error: {err}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt as err:
            click.echo("review: interrupted; nothing was written.", err=True)
            ctx.exit(128 + getattr(err, "signal", 2))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="review")
def main() -> None:
    """Review a recorded interview practice answer, on your own machine.

    Finds the nonverbal habits interviewers notice: poor eye contact, slumping, fidgeting
    and touching your face, frame by frame, and how you come across: warmth (smiles, an
    expressive face, nods) and, from the sound, delivery (speaking time, long pauses, pace,
    monotone). Shows when each happened, and compares sessions. Nothing is uploaded anywhere.

    \b
    Example:
        review analyse answer.mp4
    """


_DB_HELP = (
    "History database to record in (default: $REVIEW_DB, else history.sqlite3 in review's "
    "folder of your user data, e.g. ~/.local/share/review/)."
)


_WHO_HELP = (
    "Whose answer this is (a coach's client, say): kept in summary.json and the history, "
    "where `review history --who NAME` lists only theirs."
)


def _who(value: str | None) -> str:
    """``--who``: one line of text, not empty."""
    if value is None:
        return ""
    name = " ".join(value.split())
    if not name:
        raise click.BadParameter("give a name (it is empty).", param_hint="'--who'")
    if len(name) > 100:
        raise click.BadParameter("give a name of at most 100 characters.", param_hint="'--who'")
    return name


@main.command()
@click.argument(
    "videos", metavar="VIDEO...", type=click.Path(path_type=Path), nargs=-1, required=True
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Folder for the results (default: VIDEO's name + _review, beside the video). With "
    "several recordings or a folder: the folder to put each one's NAME_review in.",
)
@click.option(
    "--calibration",
    type=click.Path(path_type=Path),
    help="A few seconds of you sitting upright and looking at the lens; used as your "
    "reference instead of inferring it from the recording (`review record "
    "--calibration-clip` records one).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--db", type=click.Path(path_type=Path), help=_DB_HELP)
@click.option("--no-history", is_flag=True, help="Do not record this session in the history.")
@click.option(
    "--annotate",
    is_flag=True,
    help="Also write annotated.mp4: the recording with the landmarks, gaze arrow and habit "
    "flags drawn on every frame.",
)
@click.option(
    "--no-sound", is_flag=True, help="Do not analyse the sound (speaking rate, pauses, pitch)."
)
@click.option("--who", "who", metavar="NAME", help=_WHO_HELP)
def analyse(
    videos: tuple[Path, ...],
    out_dir: Path | None,
    calibration: Path | None,
    quiet: bool,
    db: Path | None = None,
    no_history: bool = False,
    annotate: bool = False,
    no_sound: bool = False,
    who: str | None = None,
) -> None:
    """Analyse a recorded answer; write report.html, frames.csv, summary.json, timeline.png.

    VIDEO is any recording FFmpeg reads (mp4, mov, mkv, webm, avi). report.html is one
    self-contained file (open it in any browser, print it, or send it to a coach).

    Several recordings, or a folder of them, are analysed in turn, each into its own
    results folder, with one progress bar and a line for each; one that fails does not
    stop the others, and all failures are listed at the end (exit status 1).

    \b
    Example:
        review analyse answer.mp4              # results in answer_review/
        review analyse answer.mp4 -o results --calibration upright.mp4
        review analyse answer.mp4 --annotate   # also answer_review/annotated.mp4
        review analyse clients/anna/ --who Anna -o results   # results/NAME_review/ each
    """
    from review.usecases import to_folder as usecases

    name = _who(who)
    if len(videos) > 1 or videos[0].is_dir():
        _analyse_many(videos, out_dir, calibration, quiet, db, no_history, annotate, no_sound, name)
        return
    video = videos[0]
    plan = usecases.plan_analysis(video, out_dir, calibration)
    plan = dataclasses.replace(plan, sound=not no_sound, who=name)
    if not no_history:
        _check_history(db)  # refuse an unusable database before the long part
    with _workers_started(), _decode_warnings_reported(), _progress(not quiet) as progress:
        with _progress(not quiet, "Writing") as writing:
            result = usecases.run_analysis(plan, progress, annotate, annotate_progress=writing)
    for warning in result.warnings:
        click.echo(f"review: warning: {warning}", err=True)
    out = result.folder
    _saved(out)
    if not no_history:
        _record_history(result.session.summary, out, db)
    if not quiet:
        _print_summary(result.session.summary, out, video)


class _Overall:
    """One progress bar over a batch's recordings (frames their containers claim, summed)."""

    def __init__(self, enabled: bool, frames: tuple[int, ...]) -> None:
        self.frames = frames
        self.starts = [sum(frames[:i]) for i in range(len(frames) + 1)]
        self.bar: tqdm[NoReturn] | None = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                total=self.starts[-1] or None,
                desc=f"Analysing {len(frames)} recordings",
                unit="frame",
                file=_Stderr(),
                dynamic_ncols=True,
                leave=False,
            )

    def factory(self, i: int) -> Callable[[int, str], Callable[[int], None]] | None:
        """Item i's progress-bar factory, moving the overall bar (i = -1: the calibration)."""
        bar = self.bar
        if bar is None:
            return None

        def make(_total: int, label: str) -> Callable[[int], None]:
            if i < 0:
                bar.set_description(f"Calibrating on {label}")
                return lambda _done: None
            bar.set_description(f"[{i + 1}/{len(self.frames)}] {label}")
            base, expected = self.starts[i], self.frames[i]

            def update(done: int) -> None:
                bar.n = base + min(done, expected)
                bar.refresh()

            return update

        return make

    def done(self, i: int) -> None:
        if self.bar is not None:
            self.bar.n = self.starts[i + 1]
            self.bar.refresh()

    def echo(self, line: str, err: bool = False) -> None:
        """A line on stdout (or stderr), the bar cleared for it and drawn again after."""
        if self.bar is None:
            click.echo(line, err=err)
            return
        with self.bar.external_write_mode(file=sys.stderr):
            click.echo(line, err=err)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _habit_figure(summary: Summary, habit: Habit) -> str | None:
    """A habit's figure as the summaries word it ("44%", "2 time(s)"); None: not enough seen."""
    from review.presenting.verdicts import enough_seen

    figures: Mapping[str, Any] = summary  # the habits' keys, named by review.judging.habits
    if not enough_seen(figures, habit.column):
        return None
    if habit.kind == "percent":
        return _fmt_pct(figures[f"{habit.column}_pct"])
    return f"{figures[f'{habit.column}_count']} time(s)"


def _figures_line(summary: Summary) -> str:
    """A session's habit figures on one line, as the single-file summary words them."""
    from review.judging.habits import HABITS

    parts = []
    for h in HABITS:
        figure = _habit_figure(summary, h)
        parts.append(f"{h.name.lower()} {'not enough seen' if figure is None else figure}")
    return ", ".join(parts)


def _analyse_many(
    videos: tuple[Path, ...],
    parent: Path | None,
    calibration: Path | None,
    quiet: bool,
    db: Path | None,
    no_history: bool,
    annotate: bool,
    no_sound: bool,
    who: str,
) -> None:
    """``review analyse`` of several recordings or a folder (review.usecases.batch)."""
    from review.presenting.timefmt import mmss
    from review.usecases import batch as batch_mod

    plan = batch_mod.plan_batch(videos, parent, calibration, who=who, sound=not no_sound)
    if not no_history and plan.plans:
        _check_history(db)
    n = len(plan.items)
    finished: list[batch_mod.Outcome] = []
    overall = _Overall(not quiet, plan.frames)

    def on_done(i: int, outcome: batch_mod.Outcome) -> None:
        overall.done(i)
        finished.append(outcome)
        head = f"[{i + 1}/{n}] {outcome.video}"
        result = outcome.result
        if result is not None:
            for warning in result.warnings:
                overall.echo(f"review: warning: {outcome.video}: {warning}", err=True)
            note = ""
            if not no_history:
                try:
                    saved = _record_history(result.session.summary, result.folder, db)
                except ReviewError as err:
                    outcome.error = str(err)
                else:
                    note = f" (history: session {saved.id} updated)" if saved.updated else ""
            if outcome.error is None:
                summary = result.session.summary
                if not quiet:
                    overall.echo(
                        f"{head}: {mmss(summary['duration_s'])}; {_figures_line(summary)}"
                        f" -> {result.folder}/{note}"
                    )
                return
        if not quiet:
            why = str(outcome.error)
            why = why[len(f"{outcome.video}: ") :] if why.startswith(f"{outcome.video}: ") else why
            overall.echo(f"{head}: failed: {why}")

    try:
        with _workers_started(bool(plan.plans)), _decode_warnings_reported():
            batch_mod.run_batch(plan, progress=overall.factory, on_done=on_done, annotate=annotate)
    except KeyboardInterrupt as err:
        overall.close()
        saved = sum(1 for o in finished if o.error is None)
        listed = "" if quiet else " (listed above)"
        click.echo(
            f"review: interrupted; the {saved} recording(s) finished before it are saved"
            f"{listed}, the one under way and those after it were not analysed.",
            err=True,
        )
        click.get_current_context().exit(128 + getattr(err, "signal", 2))
    overall.close()
    failed = [o for o in finished if o.error is not None]
    if not quiet:
        where = f" (results in {parent}/)" if parent is not None else ""
        click.echo(f"Analysed {n - len(failed)} of {n} recordings{where}.")
    if failed:
        click.echo(
            f"review: error: {len(failed)} of {n} recordings could not be analysed:", err=True
        )
        for o in failed:
            click.echo(f"  {o.error}", err=True)
        click.get_current_context().exit(1)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--video",
    type=click.Path(path_type=Path),
    help="The recording, if it has moved since it was analysed (for the key frames).",
)
def report(folder: Path, video: Path | None) -> None:
    """Re-make report.html in a folder written by `review analyse`.

    FOLDER needs summary.json, frames.csv and landmarks.npz. The key frames are taken from
    the recording named in summary.json (or given with --video); if it cannot be found,
    the report is written without them and says so.

    \b
    Example:
        review report answer_review
        review report answer_review --video moved/answer.mp4
    """
    from review.presenting.report import remake_report

    written = remake_report(folder, video=video)
    if written.note:
        click.echo(f"review: warning: {written.note} Give the recording with --video.", err=True)
    click.echo(f"Report: {written.path}")


#: Labels files evaluated by default, those that exist (run from a clone of the repository).
DEFAULT_LABELS = (
    Path("sample_videos/labels.json"),
    Path("sample_videos/synthetic/labels.json"),
    Path("sample_videos/dev/labels.json"),
)


@main.command()
@click.argument("labels", type=click.Path(path_type=Path), nargs=-1)
@click.option(
    "--json", "json_out", type=click.Path(path_type=Path), help="Also write the results as JSON."
)
@click.option(
    "--every-frame",
    is_flag=True,
    help="Run MediaPipe on every frame (slower) instead of sampling as `review analyse` does "
    "(the face about 10 times a second, the body twice), to measure what the sampling costs.",
)
def evaluate(labels: tuple[Path, ...], json_out: Path | None, every_frame: bool) -> None:
    """Measure the detectors against labelled clips and print their agreement.

    LABELS are labels files (default: the sample clips, the synthetic clips of several
    people and the real clips of other people, sample_videos/{,synthetic/,dev/}labels.json).
    For each clip and detector it prints the agreement on labelled "yes" and "no" frames and
    the balanced accuracy (their mean; "-" where a class has no labelled frames), plus how
    many labelled frames the detector left unjudged (those count as wrong); then the worst
    figure per person, and per detector the macro (mean over clips), the worst clip and the
    same over the clips no constant was chosen on. Clips that are not found (those kept
    outside the repository for their licence) are skipped and listed.

    \b
    Example:
        review evaluate
        review evaluate sample_videos/dev/labels.json --json dev.json
    """
    from review.errors import InputError
    from review.usecases import evaluation

    files = list(labels) or [p for p in DEFAULT_LABELS if p.is_file()]
    if not files:
        raise InputError("no labels file given, and none in sample_videos/. Give LABELS.")
    with _progress(True) as progress:
        result = evaluation.evaluate_files(files, progress=progress, every_frame=every_frame)
    click.echo(evaluation.format_table(result))
    if json_out is not None:
        import json

        json_out.write_text(json.dumps(result.to_dict(), indent=2) + "\n")


def _a_number(value: float) -> float:
    """Refuse NaN, which passes click's range checks (every comparison with it is false)."""
    if value != value:
        raise click.BadParameter(f"{value} is not a number of seconds.")
    return value


class _StatusLine:
    """Status lines on stderr; transient ones rewrite one line on a terminal, else are skipped."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self._open = False

    def __call__(self, text: str, transient: bool) -> None:
        if transient:
            if self.tty:
                sys.stderr.write(f"\r{text}\x1b[K")
                sys.stderr.flush()
                self._open = True
            return
        self.end()
        click.echo(text, err=True)

    def end(self) -> None:
        if self._open:
            sys.stderr.write("\n")
            self._open = False


def _list_microphones(ctx: click.Context) -> None:
    """Print the microphones, numbered as --microphone takes them, and exit (1 if none)."""
    from review.media.microphone import MicrophoneError, microphone_names

    try:
        names = microphone_names()
    except MicrophoneError as err:
        click.echo(f"review: {err}", err=True)
        ctx.exit(1)
    if not names:
        click.echo("review: no microphone found.", err=True)
        ctx.exit(1)
    for i, name in enumerate(names):
        click.echo(f"{i}: {name}")
    ctx.exit(0)


@main.command()
@click.option(
    "-o",
    "--output",
    "target",
    type=click.Path(path_type=Path),
    help="The video file to write (.mp4, .mov or .mkv; default: answer-DATE-TIME.mp4 here, so "
    "practice sessions accumulate). An existing one is replaced.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True, max=4 * 3600),
    callback=lambda _ctx, _param, value: _a_number(value),
    default=120,
    show_default=True,
    help="Stop recording after this long (at most 4 hours).",
)
@click.option(
    "--camera",
    default="0",
    show_default=True,
    help="Camera index (0 = default webcam, 1 = the next one), or a video file or stream URL "
    "to record from instead.",
)
@click.option(
    "--question",
    default="Tell me about yourself.",
    show_default=True,
    help='The question you answer, shown in the preview ("" for none).',
)
@click.option(
    "--countdown",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Seconds to get ready before recording starts.",
)
@click.option("--no-preview", is_flag=True, help="No preview window (record headless).")
@click.option(
    "--no-audio", is_flag=True, help="Do not record sound (default: the default microphone)."
)
@click.option(
    "--microphone",
    metavar="NAME",
    help="The microphone to record from: its number or a part of its name, as "
    "--list-microphones shows them (default: the system's default input).",
)
@click.option(
    "--list-microphones",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=lambda ctx, _param, value: _list_microphones(ctx) if value else None,
    help="List the microphones, numbered for --microphone, and exit.",
)
@click.option("--no-analyse", is_flag=True, help="Only record; analyse later.")
@click.option("--no-pace", is_flag=True, hidden=True, help="Read a file source at full speed.")
@click.option(
    "--calibration",
    type=click.Path(path_type=Path),
    help="Analyse against this calibration clip (as `review analyse --calibration`).",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary after the analysis.")
@click.option("--db", type=click.Path(path_type=Path), help=_DB_HELP)
@click.option("--no-history", is_flag=True, help="Do not record this session in the history.")
@click.option("--annotate", is_flag=True, help="Also write annotated.mp4 (see `review analyse`).")
@click.option("--who", "who", metavar="NAME", help=_WHO_HELP)
@click.option(
    "--calibration-clip",
    is_flag=True,
    help="Record a 5 s calibration clip instead of an answer (sit upright, look at the lens), "
    "into calibration-DATE-TIME.mp4; pass it to later recordings with --calibration.",
)
@click.pass_context
def record(
    ctx: click.Context,
    target: Path | None,
    seconds: float,
    camera: str,
    question: str,
    countdown: int,
    no_preview: bool,
    no_audio: bool,
    no_analyse: bool,
    no_pace: bool,
    microphone: str | None = None,
    calibration: Path | None = None,
    quiet: bool = False,
    db: Path | None = None,
    no_history: bool = False,
    annotate: bool = False,
    who: str | None = None,
    calibration_clip: bool = False,
) -> None:
    """Record an answer from your webcam, then analyse it.

    Shows a countdown, then records until --seconds pass or you stop: q or Esc in the
    preview window, Ctrl-C in the terminal. Either way the video is finished and kept.
    Sound comes from the default microphone (a video file given as --camera brings its own
    sound track); without one it records the video only and says so.
    Without a display (or with --no-preview) it records without a window. Then the
    recording is analysed exactly as `review analyse` does, into VIDEO's name + _review.

    Exit status: 0 recorded (and analysed); 1 no camera, camera busy or sending no
    picture; 2 bad option (e.g. --camera names a missing file); 130 cancelled before
    recording started.

    \b
    Example:
        review record                          # 2 minutes, into answer-DATE-TIME.mp4
        review record -o monday.mp4 --seconds 90 --question "Why this job?"
        review record --camera 1 --no-analyse --no-audio
        review record --microphone usb         # the microphone whose name has "usb"
        review record --calibration-clip       # 5 s: sit upright, look at the lens
    """
    from review.media.writer import check_target
    from review.presenting.timefmt import mmss
    from review.usecases import record as record_mod
    from review.usecases import to_folder as usecases

    name = _who(who)
    if name and no_analyse and not calibration_clip:
        raise click.UsageError(
            "--who is kept with the analysis: with --no-analyse, give it to `review analyse` later."
        )
    if calibration_clip:
        seconds, question, no_analyse = _calibration_request(ctx)
        target = target if target is not None else record_mod.dated_name(stem="calibration")
    target = target if target is not None else record_mod.dated_name()
    check_target(target)
    if not no_analyse:
        usecases.check_analysis_output(target, calibration=calibration)
        if not no_history:
            _check_history(db)
    source = record_mod.parse_camera(camera)
    if microphone is not None:
        if no_audio:
            raise click.UsageError("--microphone and --no-audio: choose one.")
        if not record_mod.is_live(source):
            raise click.UsageError(
                "--microphone is for a live camera: a video file given as --camera brings its "
                "own sound track."
            )
        record_mod.check_microphone(microphone)
    status = _StatusLine()
    if target.exists():
        status(f"{target} exists: it is replaced when this recording is finished.", False)
    try:
        rec = record_mod.record(
            target,
            seconds=seconds,
            camera=source,
            question=question,
            preview=not no_preview,
            countdown=countdown,
            pace=not no_pace,
            report=status,
            sound=not no_audio,
            microphone=microphone,
        )
    except record_mod.RecordingCancelled as err:
        status.end()
        click.echo(f"review: {err}", err=True)
        ctx.exit(err.exit_code)
    finally:
        status.end()
    ended = {
        "time": "",
        "user": " (stopped early)",
        "source": " (the camera stopped sending frames)"
        if record_mod.is_live(source)
        else " (the video ended)",
    }[rec.stopped_by]
    claimed = "" if rec.claimed_fps != rec.claimed_fps else f"; camera claims {rec.claimed_fps:g}"
    sound = "with sound" if rec.sound else "no sound"
    click.echo(
        f"Recorded {target}: {mmss(rec.duration_s)}{ended}, {rec.frames} frames at "
        f"{rec.fps:.1f} frames/s{claimed}; {sound}."
    )
    if rec.sound_fixed_s >= 0.05:
        click.echo(
            f"  note: {rec.sound_fixed_s:.1f} s of sound were lost or resynchronised on the way "
            "(a busy machine); the sound stays in step with the picture."
        )
    if rec.dropped:
        click.echo(f"  note: {rec.dropped} frames came faster than they could be saved.")
    if calibration_clip:
        click.echo(
            f"Calibration clip: {target}. Use it as your reference with: review analyse "
            f"answer.mp4 --calibration {target} (or review record --calibration {target})."
        )
        return
    if no_analyse:
        click.echo(f"Analyse it with: review analyse {target}")
        return
    try:
        ctx.invoke(
            analyse,
            videos=(target,),
            who=name or None,
            out_dir=None,
            calibration=calibration,
            quiet=quiet,
            db=db,
            no_history=no_history,
            annotate=annotate,
        )
    except KeyboardInterrupt:
        click.echo(
            f"review: analysis interrupted; the recording is kept. Analyse it with: "
            f"review analyse {target}",
            err=True,
        )
        ctx.exit(130)
    except ReviewError as err:
        raise type(err)(f"{err} The recording is kept in {target}.") from None


#: How long ``review record --calibration-clip`` records, and what it shows in the preview.
CALIBRATION_SECONDS = 5.0
CALIBRATION_PROMPT = "Calibration: sit upright and look at the camera lens."
#: ``record`` options that only make sense for an answer, not a calibration clip.
_ANSWER_ONLY = ("calibration", "who", "annotate", "no_history", "db", "question")


def _calibration_request(ctx: click.Context) -> tuple[float, str, bool]:
    """``review record --calibration-clip``: its length, preview text, and no analysis.

    A length given with --seconds is kept (a longer clip for a restless person); the
    options that only make sense for an answer are refused in one line.
    """
    given = [
        f"--{name.replace('_', '-')}"
        for name in _ANSWER_ONLY
        if ctx.get_parameter_source(name) not in (None, click.core.ParameterSource.DEFAULT)
    ]
    if given:
        raise click.UsageError(
            f"--calibration-clip records a clip to calibrate with, not an answer: "
            f"leave out {', '.join(given)}."
        )
    explicit = ctx.get_parameter_source("seconds") is not click.core.ParameterSource.DEFAULT
    seconds = float(ctx.params["seconds"]) if explicit else CALIBRATION_SECONDS
    return seconds, CALIBRATION_PROMPT, True


def _saved(out: Path) -> None:
    """The results are in place: a stop signal from now on no longer fails the run."""
    from review.interrupts import results_saved

    results_saved(f"{out}/")


def _check_history(db: Path | None) -> None:
    """Open (create, migrate) the history now and check it takes a row.

    So a bad or read-only history is refused before the long part, not after it.
    """
    from review.storing import history

    history.check_writable(db)


def _record_history(summary: Summary, out: Path, db: Path | None) -> Saved:
    from review.storing import history

    try:
        return history.save_session(summary, out, db)
    except ReviewError as err:
        raise ReviewError(f"{err} (The results are saved in {out}/.)") from None


@main.command()
@click.argument("before", type=click.Path(path_type=Path))
@click.argument("after", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("comparison"),
    show_default=True,
    help="Folder for comparison.json, comparison.png and comparison.html; an earlier "
    "comparison there is replaced.",
)
@click.option(
    "--calibration",
    type=click.Path(path_type=Path),
    help="A clip of you sitting upright and looking at the lens: both sessions are judged "
    "against it (folders are re-judged from their landmarks.npz).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--db", type=click.Path(path_type=Path), help=_DB_HELP)
@click.option(
    "--no-history", is_flag=True, help="Do not record videos analysed here in the history."
)
def compare(
    before: Path,
    after: Path,
    out_dir: Path,
    calibration: Path | None,
    quiet: bool,
    db: Path | None,
    no_history: bool,
) -> None:
    """Compare two practice sessions: which habits got better, which got worse.

    BEFORE and AFTER are each a recording (analysed first, its results saved in VIDEO's
    name + _review as `review analyse` does) or a folder written by `review analyse`.
    A habit is called better or worse only when the change is larger than what its figure
    varies by within a session (a block bootstrap) and at least 5 percentage points of the
    time (1 face touch per minute); otherwise the same.

    \b
    Example:
        review compare monday.mp4 friday.mp4              # results in comparison/
        review compare monday_review friday.mp4 -o progress --calibration upright.mp4
    """
    from review.presenting import compare_report
    from review.usecases import to_folder as usecases

    plan = usecases.plan_comparison(before, after, out_dir, calibration)
    kinds = plan.kinds
    for warning in plan.warnings:
        click.echo(f"review: warning: {warning}", err=True)
    record = not no_history and "video" in kinds
    if record:
        _check_history(db)

    def on_analysed(session: Session, folder: Path) -> None:
        if record:
            _record_history(session.summary, folder, db)

    with _workers_started("video" in kinds), _decode_warnings_reported():
        with _progress(not quiet) as progress:
            result = usecases.compare_to_folder(
                before,
                after,
                out_dir,
                calibration=calibration,
                progress=progress,
                on_analysed=on_analysed,
                plan=plan,
            )
    if not quiet:
        click.echo(compare_report.format_terminal(result, out_dir))


@main.command()
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    help="History database (default: $REVIEW_DB, else history.sqlite3 in review's folder "
    "of your user data).",
)
@click.option(
    "--plot",
    type=click.Path(path_type=Path),
    help="Also draw each habit over the sessions into this image (.png, .svg or .pdf).",
)
@click.option("--who", "who", metavar="NAME", help="Only the sessions of NAME (case ignored).")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path),
    help="Also write the sessions listed to this CSV file, one row each (columns: README).",
)
@click.option(
    "--delete",
    "delete_id",
    type=click.IntRange(min=1),
    metavar="ID",
    help="Remove session ID (the first column) from the history; its results stay on disk.",
)
def history(
    db: Path | None,
    plot: Path | None,
    who: str | None = None,
    csv_path: Path | None = None,
    delete_id: int | None = None,
) -> None:
    """List the sessions analysed so far, oldest recording first, with their habit figures.

    Every `review analyse` records its session here (unless --no-history); analysing the
    same recording again updates its row. The database is a local SQLite file and nothing
    leaves your machine.

    \b
    Example:
        review history
        review history --plot trend.png
        review history --who Anna --csv anna.csv
        review history --delete 7
    """
    from review.errors import InputError
    from review.storing import history as history_mod
    from review.storing import history_export

    path = history_mod.resolve_db_path(db)
    if delete_id is not None:
        if plot is not None or csv_path is not None or who is not None:
            raise click.UsageError("--delete removes one session: give it without other options.")
        gone = history_mod.delete(delete_id, path)
        kept = (
            f" Its results folder {gone.results_dir} was not touched." if gone.results_dir else ""
        )
        whose = f", {gone.who}" if gone.who else ""
        click.echo(
            f"Deleted session {gone.id} ({gone.video}{whose}, analysed "
            f"{gone.recorded_at.astimezone():%Y-%m-%d %H:%M}) from {path}.{kept}"
        )
        return
    name = _who(who) if who is not None else None
    if plot is not None:
        if plot.suffix.lower() not in (".png", ".svg", ".pdf"):
            raise InputError(f"{plot}: choose a .png, .svg or .pdf file for --plot.")
        if plot.is_dir():
            raise InputError(f"{plot}: is a folder; give a file name for --plot.")
    if csv_path is not None:
        history_export.check_csv_target(csv_path)
    items = history_mod.entries(path, who=name)
    if not items:
        whose = f" of {name}" if name is not None else ""
        if plot is not None or csv_path is not None:
            raise ReviewError(
                f"no sessions{whose} recorded yet in {path}, so there is nothing to "
                f"{'plot' if plot is not None else 'export'}."
            )
        click.echo(f"No sessions{whose} recorded yet in {path}. Each `review analyse` adds one.")
        return
    whose = f" of {name}" if name is not None else ""
    click.echo(f"{len(items)} session(s){whose} in {path}:")
    click.echo(history_mod.format_table(items))
    if csv_path is not None:
        history_export.write_csv(items, csv_path)
        click.echo(f"Sessions written to {csv_path}")
    if plot is not None:
        _write_trend(items, plot)
        click.echo(f"Trend plot in {plot}")


def _write_trend(items: list[Entry], plot: Path) -> None:
    """Draw the trend into a temporary file beside ``plot``, then move it into place."""
    from review.errors import InputError
    from review.media import atomic
    from review.presenting.plots import history_trend

    parent = plot.parent if str(plot.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staged = atomic.replacing(plot)
    except OSError as err:
        raise InputError(
            f"{plot}: cannot write there ({err.strerror}). Choose another file."
        ) from None
    with staged as tmp:
        history_trend(items, tmp)


if __name__ == "__main__":  # pragma: no cover
    main()
