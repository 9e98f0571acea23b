"""Progress bars on standard error (so ``--json`` output on stdout stays clean).

Bars show only on an interactive terminal; set ``DEPTHLAB_PROGRESS=0`` to silence them or ``=1`` to force them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")

_console = Console(stderr=True)


def console() -> Console:
    """The shared stderr console."""
    return _console


def progress_enabled() -> bool:
    flag = os.environ.get("DEPTHLAB_PROGRESS")
    if flag is not None:
        return flag not in ("0", "false", "no", "")
    return _console.is_terminal


def make_progress() -> Progress:
    """A :class:`rich.progress.Progress` on stderr, disabled when not interactive."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=_console,
        disable=not progress_enabled(),
        transient=False,
    )


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate over ``items`` with a progress bar."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with make_progress() as prog:
        task = prog.add_task(description, total=total)
        for item in items:
            yield item
            prog.advance(task)
