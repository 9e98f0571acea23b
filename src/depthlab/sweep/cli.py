"""``depthlab sweep``: run a study's parameter grid locally, on a Ray cluster or on Slurm; status; collect."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

# ``app`` exists before depthlab.cli is imported: depthlab.cli adds it as ``depthlab sweep`` while this module
# may still be initialising (importing depthlab.sweep.cli first runs depthlab/cli/__init__.py, which imports
# it back).
app = typer.Typer(
    name="sweep",
    help="Run a study's parameter grid as resumable, content-hashed jobs on this machine, a Ray cluster or "
    "Slurm, then merge the results into one Parquet table.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

from depthlab.clikit import JsonOption, emit_json, handle_errors  # noqa: E402
from depthlab.errors import ConfigError  # noqa: E402

OutArg = Annotated[Path, typer.Argument(help="The sweep folder (the --out of 'sweep run').")]


def _build_spec(spec: Path | None, study: str | None, grid: list[str], params: list[str]) -> Any:
    from depthlab.sweep.spec import load_spec, parse_assignment, parse_grid_option, spec_from_mapping

    if spec is None and study is None:
        raise ConfigError("give a spec file (depthlab sweep run SPEC.toml) or --study NAME with --grid "
                          "options")
    if spec is not None and study is None and not grid and not params:
        return load_spec(spec)
    data: dict[str, Any] = {}
    if spec is not None:
        data = {k: v for k, v in load_spec(spec).to_dict().items() if v not in (None, {})}
    if study is not None:
        if data.get("study") not in (None, study):
            data.pop("grid", None)
            data.pop("params", None)
        data["study"] = study
    if grid:
        data["grid"] = dict(data.get("grid", {}))
        data["grid"].update(parse_grid_option(g) for g in grid)
    if params:
        data["params"] = dict(data.get("params", {}))
        data["params"].update(parse_assignment(p, "--set") for p in params)
        for name in data["params"]:
            data.get("grid", {}).pop(name, None)
    return spec_from_mapping(data, source=str(spec) if spec else "command line")


@app.command()
@handle_errors
def run(
    spec: Annotated[Path | None, typer.Argument(
        help="TOML spec: study, \\[params], \\[grid] (see docs/sweep.md). Optional when --study and "
        "--grid are given.")] = None,
    executor: Annotated[str, typer.Option(
        "--executor", "-e", help="local (this machine), ray (a Ray cluster) or slurm (a Slurm job array "
        "through submitit).")] = "local",
    address: Annotated[str | None, typer.Option(
        help="Ray cluster to connect to (ray://HEAD:10001, HEAD:6379 or auto); without it a local Ray "
        "cluster is started.")] = None,
    workers: Annotated[int | None, typer.Option(help="local: worker processes (default 1 = in this process; "
                                                "one per GPU when the device is CUDA and there are several). "
                                                "ray: CPUs of the local cluster started here.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Sweep folder (default results/sweep-<name>-"
                                             "<spec hash>). Re-running into it skips finished jobs.")] = None,
    study: Annotated[str | None, typer.Option(help="Study to sweep, instead of (or overriding) the spec's.")]
    = None,
    grid: Annotated[list[str] | None, typer.Option("--grid", "-g", help="Grid axis NAME=V1,V2,... "
                                                   "(repeatable; overrides the spec's axis).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Fixed parameter NAME=VALUE (repeatable).")]
    = None,
    slurm: Annotated[list[str] | None, typer.Option("--slurm", help="submitit/Slurm parameter KEY=VALUE "
                                                    "(repeatable), e.g. partition=gpu, timeout_min=120, "
                                                    "cluster=local.")] = None,
    device: Annotated[str | None, typer.Option(help="Device for each job: auto (CUDA if available), cpu, cuda, "
                                               "cuda:N (default: the spec's device, else auto).")] = None,
    retries: Annotated[int, typer.Option(help="Re-submit a failed job this many times within the run.")] = 1,
    json_: JsonOption = False,
) -> None:
    """Run every unfinished job of a sweep and write one Parquet shard per job.

    Trials of the same shape are packed into one stacked job; each finished job's shard is named by its
    content hash, so an interrupted or failed run resumes with the same command, recomputing nothing that finished.

    Examples:

      depthlab sweep run examples/sweep-toy.toml --out results/sweep1

      depthlab sweep run --study toy --grid width=8,16 --grid seed=0,1,2,3 --executor ray --workers 2

      depthlab sweep run spec.toml --executor ray --address ray://head:10001

      depthlab sweep run spec.toml --executor slurm --slurm partition=gpu --slurm gpus_per_node=1
    """
    from depthlab.sweep.executors import make_executor
    from depthlab.sweep.runner import run_sweep
    from depthlab.sweep.spec import parse_assignment

    sp = _build_spec(spec, study, grid or [], set_ or [])
    if slurm and executor != "slurm":
        raise ConfigError("--slurm options are for --executor slurm")
    options = dict(sp.slurm) if executor == "slurm" else dict(sp.ray)
    options.update(parse_assignment(s, "--slurm") for s in slurm or [])
    ex = make_executor(executor, address=address, workers=workers, options=options)
    report = run_sweep(sp, out, ex, device=device, retries=retries)
    if json_:
        emit_json(report.to_dict())
    else:
        typer.echo(f"{report.study}: {report.ran} job(s) run, {report.skipped} already done, "
                   f"{len(report.failed)} failed of {report.jobs} ({report.trials} trials) in "
                   f"{report.seconds:.1f} s -> {report.out}")
        for key, err in report.failed.items():
            typer.echo(f"  failed {key}: {err}", err=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
@handle_errors
def status(out: OutArg, json_: JsonOption = False) -> None:
    """Show how many jobs are done, running, interrupted (their process is gone), failed or pending.

    Examples:

      depthlab sweep status results/sweep1

      depthlab sweep status results/sweep1 --json
    """
    from depthlab.sweep.runner import sweep_status

    st = sweep_status(out)
    if json_:
        emit_json(st)
        return
    c, t = st["counts"], st["trial_counts"]
    typer.echo(f"{st['study']} sweep in {st['out']}: {st['jobs']} jobs, {st['trials']} trials")
    for name in c:
        typer.echo(f"  {name:12s} {c[name]:6d} jobs {t[name]:8d} trials")
    for f in st["failed"]:
        typer.echo(f"  failed {f['job']} (attempts {f['attempts']}): {f['error']}")
    if not st["complete"]:
        typer.echo("run the same 'depthlab sweep run' again to finish the remaining jobs")


@app.command()
@handle_errors
def collect(
    out: OutArg,
    partial: Annotated[bool, typer.Option(help="Collect even if some jobs are unfinished.")] = False,
    json_: JsonOption = False,
) -> None:
    """Merge the finished shards into OUT/results.parquet (one row set per trial) with OUT/manifest.json.

    Examples:

      depthlab sweep collect results/sweep1

      depthlab sweep collect results/sweep1 --partial --json
    """
    from depthlab.sweep.runner import collect as run_collect

    path, table = run_collect(out, partial=partial)
    if json_:
        emit_json({"results": str(path), "manifest": str(path.parent / "manifest.json"), "rows": len(table),
                   "trials": int(table["trial"].nunique()) if len(table) else 0})
    else:
        typer.echo(f"{len(table)} rows -> {path} (manifest: {path.parent / 'manifest.json'})")


@app.command()
def studies() -> None:
    """List the studies a sweep can run and their parameters (with defaults).

    Example:

      depthlab sweep studies
    """
    from depthlab.sweep.registry import get_sweepable, sweepable_names

    for name in sweepable_names():
        s = get_sweepable(name)
        typer.echo(f"{name:14s} {s.description}")
        typer.echo(f"{'':14s} " + ", ".join(f"{k}={v!r}" for k, v in s.defaults.items()))


def main() -> None:
    """Run the sweep group on its own (``python -m depthlab.sweep``)."""
    app()
