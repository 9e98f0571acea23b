"""Helpers every CLI command uses: the shared vocabulary of options, one list parser, old spellings, errors.

Foundation layer: every study's ``cli.py`` and the top-level :mod:`depthlab.cli` import it. It imports only
Typer/Click and the standard library, so a command can validate its arguments (and refuse) before it imports
NumPy-heavy or torch code. The vocabulary is written down in ``docs/cli.md``:

=====================  ===================  ==========================================================
meaning                option               notes
=====================  ===================  ==========================================================
input dimension d      ``--input-dim, -d``  matexp: matrices are d×d; committee: the paper's N
hidden width           ``--width, -w``      committee: the paper's K hidden units
depth L                ``--depth, -L``      number of weight layers; a depth-L net has L − 1 hidden layers
number of points N     ``--points, -n``
random instances       ``--instances``      independent random problems (data sets) per setting
root seed              ``--seed``           every random draw derives from it
device                 ``--device``         auto (CUDA if available), cpu, cuda, cuda:N; default auto
output                 ``--out, -o``        a folder, default ``results/<study>-<command>``
memory / time limits   ``--max-memory``,    refuse before allocating (:mod:`depthlab.budget`)
                       ``--max-time``
=====================  ===================  ==========================================================

Lists (``--depth 1-5``, ``--width 8,16,32``, ``--depth 1-3,6``) are read by :func:`parse_int_list`, and an
option may also be repeated. Old spellings of an option are rewritten by :func:`aliases` (hidden from the help,
a note on stderr) for one release.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand

from depthlab.errors import ConfigError, DepthlabError

F = TypeVar("F", bound=Callable[..., Any])

#: Exit status for a user error (bad input or options, a refused size): the message names the problem.
EXIT_USER_ERROR = 2
#: Exit status of a command that ran but whose result misses its stated tolerance (e.g. ``matexp solve`` when no
#: λ reaches ``--tol``); the message names the failing assumption. Documented in ``docs/cli.md``.
EXIT_INACCURATE = 3
#: Longest list :func:`parse_int_list` expands (a typo such as ``1-1000000`` is refused, not allocated).
MAX_LIST = 10_000

DEPTH_MEANING = "number of weight layers L (a depth-L network has L − 1 hidden layers)"


def handle_errors(func: F) -> F:
    """Turn :class:`DepthlabError` into ``error: <message>`` on stderr and exit status 2 (no traceback).

    A ``MemoryError`` that an estimate did not foresee gets the same treatment, with what to change.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DepthlabError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except MemoryError:
            typer.echo("error: out of memory: the problem is larger than the memory available; use smaller "
                       "sizes (or a machine with more memory)", err=True)
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


# ---------------------------------------------------------------------------------------------------- lists


def parse_int_list(values: str | int | Iterable[str | int] | None, name: str, *, minimum: int = 1,
                   maximum: int | None = None) -> tuple[int, ...]:
    """``"1,2,4"``, ``"1-5"``, ``"1-3,8"`` or repeated values (``["8", "16,32"]``) → a tuple of ints, in order,
    duplicates dropped.

    Raises:
        ConfigError: not integers or ranges, a range that runs backwards, a value below ``minimum`` or above
            ``maximum``, an empty list, or more than :data:`MAX_LIST` values.
    """
    if values is None:
        raise ConfigError(f"{name} is empty")
    texts = [values] if isinstance(values, str | int) else list(values)
    out: list[int] = []
    for text in texts:
        for part in str(text).split(","):
            part = part.strip()
            if not part:
                continue
            m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
            if m:
                lo, hi = int(m.group(1)), int(m.group(2))
                if hi < lo:
                    raise ConfigError(f"{name}: the range {part!r} runs backwards; write {hi}-{lo}")
                if hi - lo + 1 > MAX_LIST:
                    raise ConfigError(f"{name}: the range {part!r} has {hi - lo + 1} values (at most {MAX_LIST})")
                out.extend(range(lo, hi + 1))
            elif re.fullmatch(r"[+-]?\d+", part):
                out.append(int(part))
            else:
                raise ConfigError(f"{name} must list integers like 1,2,4 or ranges like 1-5, got {text!r}")
    if not out:
        raise ConfigError(f"{name} is empty")
    if len(out) > MAX_LIST:
        raise ConfigError(f"{name} has {len(out)} values (at most {MAX_LIST})")
    bad = [v for v in out if v < minimum or (maximum is not None and v > maximum)]
    if bad:
        bounds = f"≥ {minimum}" + ("" if maximum is None else f" and ≤ {maximum}")
        raise ConfigError(f"{name} values must be {bounds}, got {bad[0]}")
    return tuple(dict.fromkeys(out))


def parse_str_list(values: str | Iterable[str] | None, name: str, options: Iterable[str] | None = None
                   ) -> tuple[str, ...]:
    """``"relu,tanh"`` or repeated values → a tuple of names (checked against ``options`` when given)."""
    texts = [] if values is None else [values] if isinstance(values, str) else list(values)
    out = [p.strip() for t in texts for p in str(t).split(",") if p.strip()]
    if not out:
        raise ConfigError(f"{name} is empty")
    if options is not None:
        allowed = tuple(options)
        for v in out:
            if v not in allowed:
                raise ConfigError(f"unknown {name} {v!r}; choose from: {', '.join(allowed)}")
    return tuple(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------------- old spellings


def rewrite_aliases(args: list[str], mapping: Mapping[str, str], *, warn: bool = True) -> list[str]:
    """Replace old option spellings in ``args`` by the current ones (``--d 5``, ``--d=5``); stop at ``--``.

    Each old spelling used is reported once on stderr (``note: --d is the old spelling of --input-dim …``).
    """
    out: list[str] = []
    seen: set[str] = set()
    for i, tok in enumerate(args):
        if tok == "--":
            out.extend(args[i:])
            break
        head, eq, rest = tok.partition("=")
        new = mapping.get(head) if head.startswith("-") else None
        if new is not None and (not eq or head.startswith("--")):
            if warn and head not in seen:
                typer.echo(f"note: {head} is the old spelling of {new}; it works in this release only", err=True)
                seen.add(head)
            tok = new + eq + rest
        out.append(tok)
    return out


class _AliasCommand(TyperCommand):
    """A Typer command that accepts the old spellings in :attr:`aliases` (not shown in its help)."""

    aliases: Mapping[str, str] = {}

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, rewrite_aliases(list(args), self.aliases))


@functools.cache
def _alias_class(items: tuple[tuple[str, str], ...]) -> type[TyperCommand]:
    return type("AliasCommand", (_AliasCommand,), {"aliases": dict(items)})


def aliases(mapping: Mapping[str, str]) -> type[TyperCommand]:
    """The command class for ``@app.command(cls=aliases({"--d": "--input-dim"}))``: old spellings keep working
    for one release, hidden from the help."""
    return _alias_class(tuple(sorted(mapping.items())))


# ------------------------------------------------------------------------------------------- the vocabulary


def input_dim_option(meaning: str, *names: str, **kw: Any) -> Any:
    """``--input-dim/-d``: the input dimension d (``meaning`` says what d is in this study)."""
    return typer.Option("--input-dim", "-d", *names, help=f"Input dimension d: {meaning}", metavar="D", **kw)


def width_option(meaning: str = "units in every hidden layer", *names: str, **kw: Any) -> Any:
    """``--width/-w``: the hidden width."""
    return typer.Option("--width", "-w", *names, help=f"Hidden width: {meaning}", metavar="W", **kw)


def depth_option(extra: str = "", **kw: Any) -> Any:
    """``--depth/-L``: the number of weight layers L."""
    return typer.Option("--depth", "-L", help=f"Depth: {DEPTH_MEANING}{'. ' + extra if extra else ''}.",
                        metavar="L", **kw)


def points_option(meaning: str = "number of data points N", **kw: Any) -> Any:
    """``--points/-n``: the number of points N."""
    return typer.Option("--points", "-n", help=f"Points: {meaning}", metavar="N", **kw)


def out_option(study: str, command: str, what: str = "results") -> Any:
    """``--out/-o``: where the command writes (its default is ``results/<study>-<command>``)."""
    return typer.Option("--out", "-o", help=f"Output folder for {what} (default results/{study}-{command}); "
                        "re-running into it resumes.", metavar="DIR")


def default_out(study: str, command: str) -> Path:
    """``results/<study>-<command>``: the default output folder of a study command."""
    return Path("results") / f"{study}-{command}"


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of a table.")]
SeedOption = Annotated[int, typer.Option(help="Root random seed; every random draw derives from it.")]
DeviceOption = Annotated[str, typer.Option(help="Compute device: auto (CUDA if available), cpu, cuda, cuda:N.")]
MaxMemoryOption = Annotated[str | None, typer.Option(
    "--max-memory", metavar="SIZE",
    help="Refuse to start when the estimated peak memory exceeds SIZE (e.g. 8G, 512M); default: the memory "
    "available now on the device used.")]
MaxTimeOption = Annotated[str, typer.Option(
    "--max-time", metavar="DURATION",
    help="Refuse to start when the estimated wall time exceeds DURATION (e.g. 90s, 30m, 2h).")]
