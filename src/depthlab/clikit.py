"""Helpers every CLI command uses: error handling, JSON output, shared options.

Foundation layer: every study's ``cli.py`` and the top-level :mod:`depthlab.cli` import it.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from depthlab.errors import DepthlabError

F = TypeVar("F", bound=Callable[..., Any])

#: Exit status for a user error (bad input or options): the message names the problem.
EXIT_USER_ERROR = 2


def handle_errors(func: F) -> F:
    """Turn :class:`DepthlabError` into ``error: <message>`` on stderr and exit status 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DepthlabError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except KeyboardInterrupt:
            typer.echo("interrupted: finished work is saved; run the same command again to resume", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def emit_json(obj: Any) -> None:
    """Print exactly one JSON object on stdout (NumPy values, complex numbers and paths converted)."""
    from depthlab.seeding import to_jsonable

    sys.stdout.write(json.dumps(to_jsonable(obj), allow_nan=True) + "\n")
    sys.stdout.flush()


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")]
SeedOption = Annotated[int, typer.Option(help="Root random seed; every random draw derives from it.")]
DeviceOption = Annotated[str, typer.Option(help="Compute device: auto (CUDA if available), cpu, cuda, cuda:N.")]
