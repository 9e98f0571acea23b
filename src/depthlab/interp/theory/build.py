"""One entry point for every named construction (three-layer and deep): :func:`build` and :data:`NAMES`."""

from __future__ import annotations

import numpy as np

from depthlab.interp.theory.construction import Construction
from depthlab.interp.theory.deep_classifier import classifier
from depthlab.interp.theory.deep_grouped import grouped
from depthlab.interp.theory.deep_windowed import windowed
from depthlab.interp.theory.one_hidden_layer import CONSTRUCTIONS as SHALLOW
from depthlab.validate import choice

#: Every construction name: the three-layer ones, ``grouped`` (2 hidden layers), ``windowed`` (3 hidden layers),
#: ``classifier`` (4 hidden layers) and ``classifier-windowed`` (5 hidden layers; classifier targets are labels).
NAMES: tuple[str, ...] = (*SHALLOW, "grouped", "windowed", "classifier", "classifier-windowed")


def build(
    name: str,
    X,
    Y,
    *,
    rng: np.random.Generator,
    neurons: int | None = None,
    groups: int | None = None,
    tries: int = 32,
) -> Construction:
    """Build construction ``name`` on data ``X`` (N × d) with targets ``Y`` (N × m; labels (N,) for ``classifier``).

    Raises:
        ConfigError: unknown name (the message lists the names).
        InputError: bad data, duplicate points, or ``neurons`` below what the construction needs.
    """
    choice(name, "construction", NAMES)
    if name in SHALLOW:
        return SHALLOW[name](X, Y, rng=rng, tries=tries, neurons=neurons)
    if name == "grouped":
        return grouped(X, Y, rng=rng, tries=tries, groups=groups, neurons=neurons)
    if name == "windowed":
        return windowed(X, Y, rng=rng, tries=tries, groups=groups, neurons=neurons)
    labels = np.asarray(Y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    base = "windowed" if name == "classifier-windowed" else "grouped"
    con = classifier(X, labels, rng=rng, tries=tries, groups=groups, neurons=neurons, base=base)
    con.name = name
    return con
