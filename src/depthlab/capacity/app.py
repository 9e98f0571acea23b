"""The ``depthlab capacity`` Typer application object, kept import-light.

Commands are attached by :mod:`depthlab.capacity.cli`. The object lives here so that
:mod:`depthlab.capacity.study` can hand it to the study registry without a circular import through
:mod:`depthlab.cli` (which loads every registered study when it is first imported).
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="capacity",
    help="Capacity vs depth: how many random points (x_i, y_i) in R^d a depth-L square network fits exactly "
    "(relative residual ≤ 1e-8 in float64), and the ratio N*(2)/N*(1) behind Gai & Zhang's 'two layers fit "
    "about twice as many points'. The protocol is depthlab's (the paper's is not published).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
