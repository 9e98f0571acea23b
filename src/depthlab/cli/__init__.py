"""The ``depthlab`` command line.

Each registered study contributes its own command group (``depthlab <study> ...``); ``depthlab reproduce`` runs
every study at quick scale and writes the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from depthlab.cli.common import DeviceOption, SeedOption, handle_errors
from depthlab.errors import DepthlabError

_app = typer.Typer(
    name="depthlab",
    help="depthlab: a laboratory for the power of depth — exact constructions, batched experiments and "
    "checked predictions, side by side with the papers they come from.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@_app.command()
@handle_errors
def reproduce(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for index.html, report.md, tables, figures.")]
    = Path("report"),
    quick: Annotated[bool, typer.Option("--quick/--full", help="Quick scale (minutes on a laptop CPU) or the "
                                        "full, published-scale run.")] = True,
    study: Annotated[list[str] | None, typer.Option("--study", "-s", help="Run only this study (repeatable).")]
    = None,
    seed: SeedOption = 0,
    device: DeviceOption = "auto",
) -> None:
    """Run every registered study and write a report of each paper's claims beside our measurements.

    The report (DIR/index.html and DIR/report.md) holds a claims table — claim, source, the paper's value, the
    measured value and a verdict (holds / differs / not tested) — and the figures. Each study's Parquet tables
    and manifest.json (config, seed, versions, device, git SHA) are in DIR/<study>/.
    """
    from depthlab.report import reproduce as run_reproduce

    result = run_reproduce(out, scale="quick" if quick else "full", seed=seed, device=device, studies=study)
    verdicts: dict[str, int] = {}
    for r in result.reports:
        for c in r.claims:
            verdicts[str(c.verdict)] = verdicts.get(str(c.verdict), 0) + 1
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(verdicts.items()))
    typer.echo(f"report written to {result.out_dir / 'index.html'} ({summary})")
    if not result.ok:
        raise typer.Exit(1)


@_app.command()
def studies() -> None:
    """List the registered studies and their papers."""
    from depthlab.report import available_studies

    for s in available_studies().values():
        typer.echo(f"{s.name:12s} {s.title}\n{'':12s} {s.paper}")


_built = False


def build_app() -> typer.Typer:
    """The full ``depthlab`` application: the core commands plus every registered study's group.

    Built on first use (``depthlab.cli.app``), not at import, so that a study module may import
    :mod:`depthlab.cli.common` without an import cycle through the registry.
    """
    global _built
    if not _built:
        _built = True
        from depthlab.report import available_studies

        for s in available_studies().values():
            if s.cli is not None:
                _app.add_typer(s.cli, name=s.name, help=s.title)
        from depthlab.sweep.cli import app as sweep_app

        _app.add_typer(sweep_app, name="sweep", help="Run a study's grid locally, on Ray or on Slurm; resumable.")
    return _app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point."""
    try:
        build_app()()
    except DepthlabError as exc:  # safety net; commands already handle these
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
