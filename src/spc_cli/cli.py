"""The `spc` command: parse flags, call api.py, print. Heavy imports happen inside commands."""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .cli_engine import ActorCpus, Actors, Collect, EngineOpt, RayAddress, Verbose
from .registry import DEFAULT_CRITIC

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                  help="Batch photo enhancer: a critic says what is wrong with each photo, an artist fixes exactly that.")

# ---------------------------------------------------------------- shared options
Inputs = Annotated[list[Path], typer.Argument(help="Photos and folders (searched recursively).",
                                              show_default=False)]
Format = Annotated[Optional[str], typer.Option("--format", "-f", help="Output format: jpeg, png, tiff, webp "
                                               "\\[default: same as input; RAW -> 16-bit TIFF].",
                                               show_default=False)]
Quality = Annotated[int, typer.Option(min=1, max=100, help="JPEG/WebP quality.")]
Strength = Annotated[float, typer.Option(min=0.0, max=2.0, help="Scale every edit (0 = untouched, 1 = as planned).")]
CriticOpt = Annotated[str, typer.Option("--critic", help="Critic backend: analytic (default, measured thresholds), "
                                        "learned (a small network shipped with spc), hybrid (the network for white "
                                        "balance and haze, the thresholds for the rest), vlm or smartphotocrafter "
                                        "(see `spc models`).")]
ArtistOpt = Annotated[str, typer.Option("--artist", help="Artist backend: pipeline (default), diffusion or "
                                        "smartphotocrafter (implies --critic smartphotocrafter).")]
Device = Annotated[str, typer.Option(help="Compute device: auto, cpu, cuda or cuda:N.")]
Precision = Annotated[str, typer.Option(help="auto (fp16 on CUDA, fp32 on CPU), fp32, fp16 or bf16.")]
BatchSize = Annotated[int, typer.Option("--batch-size", min=0, help="Photos per batch on the compute device "
                                        "(0 = auto: 8 on CUDA, 1 on the CPU).")]
Workers = Annotated[int, typer.Option(min=1, help="Threads decoding and encoding beside the compute.")]
Force = Annotated[bool, typer.Option("--force", help="Redo photos whose output is already up to date, and "
                                                        "enhance again photos spc wrote itself.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="List what would be done; write nothing.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or tables; only errors (for cron).")]
MaxMP = Annotated[float, typer.Option("--max-megapixels", min=0.01,
                                      help="Refuse images declaring more pixels than this (decompression bombs).")]
CriticModel = Annotated[Optional[str], typer.Option("--critic-model", help="Hub name or local folder of the "
                                                    "vlm critic's weights (downloads only when you choose it).",
                                                    show_default=False)]
ArtistModel = Annotated[Optional[str], typer.Option("--artist-model", help="Hub name or local folder of the "
                                                    "diffusion artist's weights.", show_default=False)]
AllowDownload = Annotated[bool, typer.Option("--allow-download", help="Let a model backend fetch missing weights "
                                             "from the Hugging Face Hub at spc's pinned revision; without it "
                                             "nothing is downloaded.")]
Offload = Annotated[bool, typer.Option("--offload", help="Model backends on CUDA: keep each model in host memory "
                                       "until it runs (GPUs under ~60 GB; slower).")]
ArtistMP = Annotated[Optional[float], typer.Option("--artist-megapixels", min=0.001, max=4.0,
                                                   help="A model artist's working size in megapixels \\[default: about "
                                                   "1]; never larger than the photo.", show_default=False)]
NoRefine = Annotated[bool, typer.Option("--no-refine", help="Skip the closed-loop check that backs off edits "
                                        "which would not raise the critic's score.")]
SeriesOpt = Annotated[str, typer.Option("--series", help="Correct photos of one scene together so they match: auto "
                                        "(same camera, taken together, same scene), folder (each folder is one "
                                        "series) or off.")]
ReportOpt = Annotated[bool, typer.Option("--report", help="Write index.html in --out: before and after of every "
                                         "photo, kept up to date as the batch runs.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON line per photo on stdout, then a summary line "
                                       "(for scripts and cron).")]
HintOpt = Annotated[Optional[str], typer.Option("--hint", help='One hint for every photo, on top of its critique: '
                                                '"warmer", "much brighter, keep the highlights", "+0.7 EV".',
                                                show_default=False)]
HintOnly = Annotated[bool, typer.Option("--hint-only", help="Apply the hint alone, without the critic's own fixes.")]
Explain = Annotated[bool, typer.Option("--explain", help="Print how each clause of the hint is understood for each "
                                       "photo (clause -> op, direction, amount) and write nothing.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"spc {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """spc: fix only what is broken, and leave good photos alone."""


def _err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _fail_usage(message: str) -> None:
    from rich.markup import escape

    # messages name files and hints, which may hold square brackets ("[2019] wedding/IMG_1.jpg"):
    # escaped, or rich would read them as markup and drop them
    _err_console().print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)
    raise typer.Exit(2)


def _guard(fn):
    """One place mapping our errors to exit codes: usage 2, anything per-file is in the summary."""
    from .errors import SpcError, UsageError

    try:
        return fn()
    except UsageError as e:
        _fail_usage(str(e))
    except SpcError as e:
        from rich.markup import escape

        _err_console().print(f"[bold red]error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        _err_console().print("interrupted; finished outputs are kept, rerun to continue")
        raise typer.Exit(130)


# ---------------------------------------------------------------- running a batch with progress

def _run_batch(call, quiet: bool, verb: str, explain: bool = False, json_out: bool = False,
               grouping: bool = False, inputs: list[Path] = ()) -> None:
    from .progress import for_cli

    console = _err_console()
    state: dict = {"bar": None, "grouping": None, "lines": None}

    def on_series(done, total):
        if quiet:
            return
        if state["grouping"] is None:
            state["grouping"] = for_cli(console, "grouping series", total)
        state["grouping"].advance()

    def on_plan(jobs):
        # the batch is about to run, and this process ends with it: what torch, the backends and
        # the rest of the imports made lives to the end, so the collector need not walk it again
        # (each full collection in a run, and the interpreter's at exit, took 0.1-0.3 s)
        if ours:
            gc.freeze()
        if collecting:
            gc.enable()
        if state["grouping"] is not None:
            state["grouping"].close()
            state["grouping"] = None
        if json_out:
            from .runlog import JsonLines

            state["lines"] = JsonLines(jobs)
        if not quiet and jobs:
            state["bar"] = for_cli(console, verb, len(jobs))

    def on_outcome(o):
        if state["lines"] is not None:
            state["lines"].outcome(o)
        bar = state["bar"]
        if bar is not None:
            if o.status == "failed":
                bar.note(o.reason)
            bar.advance()

    extra = {"on_series": on_series} if grouping else {}
    # no collections while torch and the backends are imported (they make no garbage worth
    # collecting; 0.1-0.3 s of collections on the path to the first photo): on again at on_plan
    collecting = gc.isenabled()
    # a caller in this process that froze objects of its own keeps them frozen: unfreezing gives
    # back everything, not only what the batch set aside, so then nothing is set aside
    ours = gc.get_freeze_count() == 0
    gc.disable()
    try:
        summary = _guard(lambda: call(on_plan=on_plan, on_outcome=on_outcome, **extra))
    finally:
        if ours:
            gc.unfreeze()  # the batch is over: an in-process caller's collector walks everything again
        if collecting:
            gc.enable()
        for key in ("grouping", "bar"):
            if state[key] is not None:
                state[key].close()
    if json_out:
        from .runlog import JsonLines

        (state["lines"] or JsonLines([])).summary(summary)
    _print_summary(summary, quiet, console, explain)
    _warn_if_nothing_found(summary, inputs, console)
    raise typer.Exit(summary.exit_code)


def _warn_if_nothing_found(summary, inputs, console) -> None:
    """One line when the inputs held no file at all (an empty folder, a share not mounted):
    the run did nothing, and a cron job's log should say so rather than a bare "done 0". Said
    under --quiet too; the exit code stays 0 (an empty drop folder is not an error)."""
    if not summary.outcomes:
        names = ", ".join(str(p) for p in inputs)
        console.print(f"warning: no photos found in {names}", soft_wrap=True, markup=False, highlight=False)


def _print_summary(summary, quiet: bool, console, explain: bool = False) -> None:
    from rich.markup import escape

    failed = summary.failed
    if quiet:
        for o in failed:
            console.print(f"failed: {o.reason}", soft_wrap=True, markup=False)
        return
    planned = summary.count("planned")
    unread = [o for o in summary.outcomes if o.status == "unread"]
    if planned:
        for o in summary.outcomes:
            if o.status == "planned":
                console.print(f"would write {o.output}  <-  {o.source}" + (f"  ({o.did})" if o.did else ""),
                              markup=False, soft_wrap=True)
        for o in failed:
            console.print(f"  [red]x[/] {escape(o.reason)}", soft_wrap=True, highlight=False)
        _print_unread(console, unread)
        console.print(f"dry run: {planned} photo(s) would be processed")
        return
    n = summary.count("done")
    rate = n / summary.seconds if summary.seconds > 0 and n else 0.0
    console.print(f"[bold]done[/] {n}  [bold]skipped[/] {summary.count('skipped')} (up to date)  "
                  + (f"[bold]not read[/] {len(unread)}  " if unread else "")
                  + f"[bold {'red' if failed else 'green'}]failed[/] {len(failed)}  "
                  f"in {summary.seconds:.1f} s ({rate:.2f} img/s)", soft_wrap=True)  # one line, for grep
    for o in failed:
        console.print(f"  [red]x[/] {escape(o.reason)}", soft_wrap=True, highlight=False)
    _print_unread(console, unread)
    done = [o for o in summary.outcomes if o.status == "done" and o.did]
    if done and (explain or len(done) <= EXPLAIN_UP_TO):
        for o in done:
            console.print(f"  {o.source} -> {o.output}: {o.did}", soft_wrap=True, markup=False, highlight=False)


EXPLAIN_UP_TO = 20  # a small batch lists what was done to each photo; a big one only counts


def _print_unread(console, unread) -> None:
    """The files found in the input folders that spc does not read: each named in a small run,
    counted by reason in a big one."""
    if len(unread) <= EXPLAIN_UP_TO:
        for o in unread:
            console.print(f"  not read: {o.reason}", soft_wrap=True, markup=False, highlight=False)
        return
    from collections import Counter

    reasons = Counter(o.reason.rsplit(": ", 1)[-1] for o in unread)
    for reason, count in reasons.most_common():
        console.print(f"  not read: {count} files, {reason}", soft_wrap=True, markup=False, highlight=False)


# ---------------------------------------------------------------- commands

def _out_is_a_folder(out: Path) -> None:
    """``enhance --out`` names a folder: one named like a photo that is not already a folder
    (``--out fixed.jpg``) is a usage error, not a folder called fixed.jpg."""
    from .io import SUPPORTED_EXTENSIONS

    if out.suffix.lower() in SUPPORTED_EXTENSIONS and not out.exists():
        _fail_usage(f"--out {out}: enhance writes into a folder (each photo under its own name, a sidecar "
                    f"beside it), and this names a photo file; give a folder, e.g. --out {out.with_suffix('')}")


@app.command()
def enhance(inputs: Inputs,
            out: Annotated[Path, typer.Option("--out", "-o", help="Output folder; input paths are mirrored.")],
            format: Format = None, quality: Quality = 95, strength: Strength = 1.0,
            critic: CriticOpt = DEFAULT_CRITIC, artist: ArtistOpt = "pipeline", device: Device = "auto",
            precision: Precision = "auto", batch_size: BatchSize = 0, workers: Workers = 2, force: Force = False,
            dry_run: DryRun = False, quiet: Quiet = False, max_megapixels: MaxMP = 250.0,
            no_refine: NoRefine = False, critic_model: CriticModel = None, artist_model: ArtistModel = None,
            allow_download: AllowDownload = False, offload: Offload = False,
            artist_megapixels: ArtistMP = None, series: SeriesOpt = "auto", report: ReportOpt = False,
            json_out: JsonOpt = False, hint: HintOpt = None, engine: EngineOpt = "local",
            ray_address: RayAddress = None, actors: Actors = 0, actor_cpus: ActorCpus = 0.0,
            collect: Collect = False, verbose: Verbose = False) -> None:
    """Critique every photo and fix what is wrong; writes the photo and a .spc.json sidecar."""
    from . import api

    if series not in ("auto", "off", "folder"):
        _fail_usage(f"--series must be auto, folder or off, not {series!r}")
    _out_is_a_folder(out)
    if hint is not None:
        from .hints import parse_hint

        _guard(lambda: parse_hint(hint))  # an unknown hint is a usage error before any work
    opts = dict(format=format, quality=quality, strength=strength, critic=critic, artist=artist, device=device,
                precision=precision, batch_size=batch_size, workers=workers, force=force, dry_run=dry_run,
                max_megapixels=max_megapixels, refine=not no_refine, critic_model=critic_model,
                artist_model=artist_model, series=series, report=report, hint=hint, engine=engine,
                ray_address=ray_address, actors=actors, actor_cpus=actor_cpus, collect=collect, verbose=verbose,
                **_model_opts(allow_download, offload, artist_megapixels))
    _run_batch(lambda **cb: api.enhance(inputs, out, **cb, **opts), quiet or json_out, "enhancing", inputs=inputs,
               json_out=json_out, grouping=True)


@app.command()
def retouch(inputs: Inputs,
            hint: Annotated[str, typer.Option("--hint", help='What you want, in words: "warmer tones", '
                                              '"a bit brighter and more contrast".')],
            out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file or folder "
                                                        "\\[default: <stem>.spc<ext> beside the input].",
                                                        show_default=False)] = None,
            format: Format = None, quality: Quality = 95, strength: Strength = 1.0,
            critic: CriticOpt = DEFAULT_CRITIC, artist: ArtistOpt = "pipeline", device: Device = "auto",
            precision: Precision = "auto", batch_size: BatchSize = 0, workers: Workers = 2, force: Force = False,
            dry_run: DryRun = False, quiet: Quiet = False, max_megapixels: MaxMP = 250.0,
            critic_model: CriticModel = None, artist_model: ArtistModel = None,
            allow_download: AllowDownload = False, offload: Offload = False,
            artist_megapixels: ArtistMP = None, hint_only: HintOnly = False, explain: Explain = False) -> None:
    """Apply your intent (--hint) on top of the critic's fixes, and explain what was done."""
    from . import api
    from .hints import parse_hint

    _guard(lambda: parse_hint(hint))  # an unknown hint is a usage error before any work
    if explain:
        _explain(inputs, hint, hint_only, dict(critic=critic, device=device, precision=precision,
                                               workers=workers, max_megapixels=max_megapixels,
                                               critic_model=critic_model))
    opts = dict(format=format, quality=quality, strength=strength, critic=critic, artist=artist, device=device,
                precision=precision, batch_size=batch_size, workers=workers, force=force, dry_run=dry_run,
                max_megapixels=max_megapixels, critic_model=critic_model, artist_model=artist_model,
                **_model_opts(allow_download, offload, artist_megapixels), hint_only=hint_only)
    _run_batch(lambda **cb: api.retouch(inputs, hint, out, **cb, **opts), quiet, "retouching", explain=True,
               inputs=inputs)


def _explain(inputs, hint: str, hint_only: bool, options: dict) -> None:
    """``retouch --explain``: how the hint is understood for each photo; nothing is written."""
    from rich.console import Console
    from rich.markup import escape

    from . import api

    console = Console(highlight=False)
    said: set[str] = set()

    def on_result(path, result):
        if isinstance(result, list):
            console.print(f"[bold]{escape(str(path))}[/]" + (" (hint only)" if hint_only else ""), soft_wrap=True)
            for line in result:
                console.print(f"  {line}", markup=False, soft_wrap=True)
        else:
            said.add(result.reason)
            _err_console().print(f"[red]failed[/] {escape(result.reason)}", soft_wrap=True)

    summary = _guard(lambda: api.explain(inputs, hint, on_result, hint_only=hint_only, **options))
    _print_tail(summary, [o for o in summary.failed if o.reason not in said], inputs, unread=True)
    raise typer.Exit(summary.exit_code)


def _print_tail(summary, failures, inputs, unread: bool) -> None:
    """After a critique or an explanation, on stderr: ``failures`` (those not yet said: a file
    named on the command line that spc does not read is never tried), with ``unread`` the files
    found in folders and not read, and the warning when the inputs held no file at all."""
    from rich.markup import escape

    err = _err_console()
    for o in failures:
        err.print(f"[red]failed[/] {escape(o.reason)}", soft_wrap=True)
    if unread:
        _print_unread(err, [o for o in summary.outcomes if o.status == "unread"])
    _warn_if_nothing_found(summary, inputs, err)


@app.command()
def critique(inputs: Inputs,
             json_out: Annotated[bool, typer.Option("--json", help="One JSON line per photo: critique and plan.")] = False,
             critic: CriticOpt = DEFAULT_CRITIC, device: Device = "auto", precision: Precision = "auto",
             batch_size: BatchSize = 0, workers: Workers = 2, quiet: Quiet = False,
             max_megapixels: MaxMP = 250.0, critic_model: CriticModel = None,
             allow_download: AllowDownload = False, offload: Offload = False, engine: EngineOpt = "local",
             ray_address: RayAddress = None, actors: Actors = 0, actor_cpus: ActorCpus = 0.0,
             verbose: Verbose = False) -> None:
    """Say what is wrong with each photo, why, its score, and the edits that would fix it."""
    from rich.console import Console
    from rich.markup import escape

    from . import api

    console = Console(highlight=False)
    rows: list = []
    said: set[str] = set()  # the failures already reported as they came
    bar: list = []  # the progress bar of a critique of several photos (stderr; none with --json or -q)

    def on_plan(paths):
        if not json_out and not quiet and len(paths) > 1:
            from .progress import for_cli

            bar.append(for_cli(_err_console(), "critiquing", len(paths)))

    def on_result(path, photo, c):
        from .engine import Outcome

        if isinstance(c, Outcome):
            said.add(c.reason)
            if json_out:
                print(json.dumps({"path": str(path), "error": c.reason}), flush=True)
            elif bar:
                bar[0].note(c.reason)
            elif not quiet:
                _err_console().print(f"[red]failed[/] {escape(c.reason)}", soft_wrap=True)
        elif json_out:
            print(json.dumps({"path": str(path), "critique": c.to_dict(), "plan": c.plan.to_list()},
                             ensure_ascii=False), flush=True)
        else:
            rows.append((path, c))
        if bar:
            bar[0].advance()

    try:
        summary = _guard(lambda: api.critique(inputs, on_result, on_plan, critic=critic, device=device,
                                              precision=precision, batch_size=batch_size, workers=workers,
                                              max_megapixels=max_megapixels, critic_model=critic_model,
                                              engine=engine, ray_address=ray_address, actors=actors,
                                              actor_cpus=actor_cpus, verbose=verbose,
                                              **_model_opts(allow_download, offload, None)))
    finally:
        if bar:
            bar[0].close()
    if not json_out and not quiet:
        if len(rows) == 1:
            _print_critique(console, *rows[0])
        elif rows:
            _print_critique_table(console, rows)
    # the failures again after the critiques that pushed their lines up (or, quiet, for the first
    # time); a run whose every photo failed has said so once already, except for a file named on
    # the command line that spc does not read (no critique was tried: it is said here)
    unsaid = [o for o in summary.failed if o.reason not in said]
    if json_out:
        for o in unsaid:
            print(json.dumps({"path": str(o.source), "error": o.reason}, ensure_ascii=False), flush=True)
        unsaid = []
    elif summary.failed and (quiet or rows):
        _print_summary(summary, True, _err_console())  # every failure, below what pushed them up
        unsaid = []
    _print_tail(summary, unsaid, inputs, unread=not json_out and not quiet)
    raise typer.Exit(summary.exit_code)


def _model_opts(allow_download: bool, offload: bool, artist_megapixels: float | None) -> dict:
    """The model backends' options, passed on only when given (the engine's defaults otherwise)."""
    opts: dict = {}
    if allow_download:
        opts["allow_download"] = True
    if offload:
        opts["offload"] = True
    if artist_megapixels is not None:
        opts["artist_megapixels"] = artist_megapixels
    return opts


@app.command()
def models(backend: Annotated[Optional[str], typer.Argument(help="One backend to check (exit 2 unless it is "
                                                            "ready to run).", show_default=False)] = None,
           json_out: Annotated[bool, typer.Option("--json", help="One JSON line per model.")] = False) -> None:
    """List every backend: its packages, the weights found (path, size, revision), what it needs
    (GPU memory, licence) and, for anything missing, the exact command that fetches it."""
    from .catalog import statuses

    rows = statuses()
    if backend is not None:
        rows = [r for r in rows if r.backend == backend and r.default]
        if not rows:
            from .registry import ARTISTS, CRITICS

            _fail_usage(f"unknown backend {backend!r}; choose one of: {', '.join(dict.fromkeys([*CRITICS, *ARTISTS]))}")
    if json_out:
        for r in rows:
            print(json.dumps(r.to_dict(), ensure_ascii=False))
    else:
        _print_models(rows)
    raise typer.Exit(2 if backend is not None and not all(r.ready for r in rows) else 0)


def _print_models(rows) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    t = Table()
    for col in ("backend", "model", "ready", "packages", "weights found", "GPU memory", "licence"):
        t.add_column(col, overflow="fold")
    for r in rows:
        absent = [n for n, v in r.packages.items() if v is None]
        pkgs = "missing " + ", ".join(absent) if absent else "installed"
        weights = "; ".join(f.describe() for f in r.weights) or ("none needed" if r.model == "built in" else "not found")
        t.add_row(r.backend + ("" if r.default else " (alt)"), r.model, "yes" if r.ready else "no", pkgs, weights,
                  r.gpu, r.licence)
    console.print(t)
    for r in rows:
        for line in r.missing:
            console.print(f"missing: {line}", soft_wrap=True, markup=False)
    for warning in dict.fromkeys(r.warning for r in rows if r.warning):  # one model, two backends: once
        console.print(f"[bold yellow]warning:[/] {escape(warning)}", soft_wrap=True)


def _print_critique(console, path, c) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]{escape(str(path))}[/]  score [bold]{c.score:.0f}[/]/100", soft_wrap=True)
    console.print(c.summary, markup=False)
    if c.findings:
        t = Table(title="findings", title_justify="left")
        for col in ("attribute", "direction", "severity", "confidence", "reason"):
            t.add_column(col, overflow="fold")
        for f in sorted(c.findings, key=lambda f: -f.severity):
            t.add_row(f.attribute, f.direction, f"{f.severity:.2f}", f"{f.confidence:.2f}", f.reason)
        console.print(t)
    if c.plan:
        t = Table(title="suggested edits", title_justify="left")
        for col in ("#", "instruction", "op", "params"):
            t.add_column(col, overflow="fold")
        for i, e in enumerate(c.plan.ordered(), 1):
            params = ", ".join(f"{k}={v:.3g}" for k, v in e.params.to_dict().items()
                               if v != e.params.neutral().to_dict()[k])
            t.add_row(str(i), e.instruction, e.op, params)
        console.print(t)
    else:
        console.print("no edits suggested: the photo is left as it is")
    from .engine.own_output import own_sidecar

    own = own_sidecar(Path(path))
    if own is not None:  # what enhance does with it (engine.own_output)
        console.print(f"spc's own output ({own[0].name} beside it): `spc enhance` leaves it as it is "
                      "(--force enhances it again)", markup=False)


def _print_critique_table(console, rows) -> None:
    from rich.table import Table
    from rich.text import Text

    t = Table()
    for col in ("photo", "score", "findings", "suggested edits"):
        t.add_column(col, overflow="fold")
    for path, c in rows:
        findings = "; ".join(f"{f.attribute} {f.direction} ({f.severity:.2f})" for f in
                             sorted(c.findings, key=lambda f: -f.severity)) or "-"
        edits = "; ".join(e.instruction for e in c.plan.ordered()) or "none"
        t.add_row(Text(str(path)), f"{c.score:.0f}", findings, edits)
    console.print(t)


def _one_blas_thread() -> None:
    """numpy's bundled OpenBLAS starts a thread per core whose workers spin between calls; the
    engine runs photos side by side (``engine.resources.configure_threads``), and on a small
    machine that spinning takes cycles from them (6 photos of 24 MP that all need an edit, on 2
    cores: CPU time 4.66 -> 4.49 s, wall 2.76 -> 2.72 s, means of 6 runs each). Read once, when
    numpy loads, which no command has done yet here; a user's OPENBLAS_NUM_THREADS or
    OMP_NUM_THREADS is kept."""
    import os

    if "numpy" not in sys.modules and not (os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def main() -> None:
    _one_blas_thread()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        gc.freeze()  # the process is ending: its objects need no last walk by the collector (see on_plan)


if __name__ == "__main__":
    main()
