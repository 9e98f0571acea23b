"""Figures: one function per figure takes results and returns a :class:`matplotlib.figure.Figure`;
:func:`save_figure` writes it as PNG atomically and closes it. No global pyplot state is used."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless everywhere; figures are files

from matplotlib.figure import Figure

from depthlab.results import atomic_write_bytes


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 5.0, height: float = 3.6,
               **kwargs) -> tuple[Figure, object]:
    """A figure with a grid of axes (``Figure.subplots``), sized ``width × height`` inches per panel."""
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def save_figure(fig: Figure, path: str | Path, dpi: int = 120) -> Path:
    """Write ``fig`` as a PNG at ``path`` atomically and return the path."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return atomic_write_bytes(path, buf.getvalue())
