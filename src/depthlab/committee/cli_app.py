"""The ``depthlab committee`` Typer app object, without its commands.

It lives apart from :mod:`depthlab.committee.cli` so that :mod:`depthlab.committee.study` can hand it to the
registry without importing :mod:`depthlab.cli` (which loads the registry in turn); the commands are attached when
:mod:`depthlab.committee.cli` is imported, which the study module does after defining ``STUDY``.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="committee",
    help="Committee-machine capacity, ReLU vs sign hidden units (Baldassi, Malatesta & Zecchina, PRL 123, "
    "170602 (2019)): replica theory beside measured storage transitions.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
