"""The ``depthlab`` command line.

Each registered study contributes its own command group (``depthlab <study> ...``), loaded only when that
group is invoked: ``depthlab --help`` and ``depthlab studies`` read the registry's metadata and import no
study, no torch. ``depthlab reproduce`` runs every study and writes the report; ``depthlab sweep`` runs a
study's grid locally, on Ray or on Slurm.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from depthlab.clikit import DeviceOption, SeedOption, handle_errors
from depthlab.errors import DepthlabError

if TYPE_CHECKING:  # the vendored click of typer at run time; type hints only
    import click

_SWEEP = ("sweep", "depthlab.sweep.cli:app", "Run a study's grid locally, on Ray or on Slurm; resumable.")


class LazyGroup(TyperGroup):
    """The top-level group: core commands, plus one sub-group per registered study and ``sweep``, each
    imported on first use."""

    def _lazy(self) -> dict[str, tuple[str, str]]:
        from depthlab import registry

        out = {s.name: (s.cli, s.title) for s in registry.studies().values() if s.cli is not None}
        out[_SWEEP[0]] = (_SWEEP[1], _SWEEP[2])
        return out

    def list_commands(self, ctx: click.Context) -> list[str]:
        own = super().list_commands(ctx)
        return own + [name for name in self._lazy() if name not in own]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None:
            return cmd
        entry = self._lazy().get(cmd_name)
        if entry is None:
            return None
        path, title = entry
        from depthlab.registry import load_object

        sub = typer.main.get_command(load_object(path))
        # shell completion belongs to the top-level command only
        sub.params = [p for p in sub.params if p.name not in ("install_completion", "show_completion")]
        sub.help = sub.help or title
        sub.short_help = title
        return sub

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # List study groups by their registry titles without importing them.
        rows = []
        lazy = self._lazy()
        for name in self.list_commands(ctx):
            if name in lazy:
                rows.append((name, lazy[name][1]))
                continue
            cmd = super().get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    name="depthlab",
    cls=LazyGroup,
    help="depthlab: a laboratory for the power of depth — exact constructions, batched experiments and "
    "checked predictions, side by side with the papers they come from.\n\n"
    "Start with `depthlab reproduce --quick` (every study, a few minutes on a laptop CPU) or "
    "`depthlab studies`; each study's commands are under `depthlab <study> --help`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _main(
    threads: Annotated[str | None, typer.Option(
        "--threads", envvar="DEPTHLAB_THREADS", show_envvar=True,
        help="CPU threads for torch and BLAS together: a number, or auto (cores minus the current load).")]
    = None,
) -> None:
    """depthlab: a laboratory for the power of depth."""
    import os

    if threads is not None:
        t = threads.strip().lower()
        if t != "auto" and not (t.isdigit() and int(t) >= 1):
            typer.echo(f"error: --threads must be a positive integer or auto, got {threads!r}", err=True)
            raise typer.Exit(2)
        os.environ["DEPTHLAB_THREADS"] = t  # applied when the command first resolves a device


@app.command()
@handle_errors
def reproduce(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for index.html, report.md, tables, figures.")]
    = Path("report"),
    quick: Annotated[bool, typer.Option("--quick/--full", help="Quick scale (minutes on a laptop CPU) or the "
                                        "full, published-scale run.")] = True,
    study: Annotated[list[str] | None, typer.Option("--study", "-s", help="Run only these studies: a list "
                                                    "(matexp,interp) or repeated.")] = None,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
    budget: Annotated[float | None, typer.Option(
        "--budget", help="Refuse to start if the measured estimate (idle 2-core CPU) exceeds this many seconds; "
        "the message lists each study's estimate.")] = None,
) -> None:
    """Run every registered study and write a report of each paper's claims beside our measurements.

    The report (DIR/index.html and DIR/report.md) holds three tables: claims judged against a source outside
    our code (holds / differs / not tested), consistency checks of our code against our own derivations
    (passes / fails) and findings beyond the papers; then figures. Each study's Parquet tables and
    manifest.json (config, seed, versions, device, git SHA) are in DIR/<study>/.

    Examples:

        depthlab reproduce --quick --out report

        depthlab reproduce --study matexp,interp --budget 120

        depthlab reproduce --full --study matexp --device cuda
    """
    from depthlab import registry
    from depthlab.clikit import parse_str_list
    from depthlab.errors import ConfigError

    scale = "quick" if quick else "full"
    study = list(parse_str_list(study, "--study")) if study else None
    chosen = [registry.get_study(n) for n in study] if study else list(registry.studies().values())
    total, per = registry.estimate(chosen, scale)
    parts = ", ".join(f"{k} {'?' if v is None else f'{v:.0f} s'}" for k, v in per.items())
    typer.echo(f"estimated time on an idle 2-core CPU: {'unknown' if total is None else f'{total:.0f} s'} "
               f"({parts}); slower under load", err=True)
    if budget is not None and (total is None or total > budget):
        raise ConfigError(f"the estimate ({parts}) exceeds --budget {budget:g} s (or is unknown); run fewer "
                          "studies with --study, or raise --budget")
    from depthlab.report.render import headline
    from depthlab.report.reproduce import reproduce as run_reproduce

    result = run_reproduce(out, scale=scale, seed=seed, device=device, studies=study)
    typer.echo(f"report written to {result.out_dir / 'index.html'} ({headline(result.reports)})")
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def studies() -> None:
    """List the registered studies and their papers (reads the registry only).

    Example:

        depthlab studies
    """
    from depthlab import registry

    for s in registry.studies().values():
        typer.echo(f"{s.name:12s} {s.title}\n{'':12s} {s.paper}")


def build_app() -> typer.Typer:
    """The ``depthlab`` application (study groups are resolved lazily by :class:`LazyGroup`)."""
    return app


def main(argv: Any = None) -> None:
    """Console-script entry point."""
    try:
        app(args=argv)
    except DepthlabError as exc:  # safety net; commands already handle these
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
