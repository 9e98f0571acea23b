"""The study's measurements as pure functions returning tables (pandas DataFrames).

* :func:`construction_sweep` — every construction on random data over a grid of (N, d): residual, condition,
  rank, neurons used vs stated, sparsity of the interpolation matrix.
* :func:`adversarial_sweep` — points on a line and nearly coincident points (condition numbers reported).
* :func:`depth_table` — neurons and parameters against depth (formulas, and built networks where N allows).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
import pandas as pd

from depthlab.interp import counts
from depthlab.interp.build import build
from depthlab.interp.data import nearly_coincident, points_on_line, random_points
from depthlab.interp.numerics import relative_rounding_bound
from depthlab.seeding import numpy_rng

SHALLOW_NAMES = ("triangular", "triangular-bias", "normalized", "two-sided", "peeling", "overparameterized")


def _row(con, **extra) -> dict:

    return {
        **extra,
        "construction": con.name,
        "residual": con.residual,
        "cond": con.cond,
        "rank": con.rank,
        "hidden_neurons": con.net.hidden_neurons,
        "stated_neurons": con.stated_neurons,
        "depth": con.net.depth,
        "parameters": con.net.parameters,
    }


def construction_sweep(
    grid: Iterable[tuple[int, int]],
    seed: int,
    names: Iterable[str] = (*SHALLOW_NAMES, "grouped", "windowed", "classifier"),
    outputs: int = 1,
    max_peeling: int = 1000,
) -> pd.DataFrame:
    """Each construction on random data for every (N, d) in ``grid``.

    Columns: N, d, construction, residual, cond, rank, hidden_neurons, stated_neurons, depth, parameters,
    zero_fraction (of the last hidden layer on the data), seconds, rounding_bound (first-order float64 bound of
    the forward pass, relative like the residual; :func:`depthlab.interp.numerics.rounding_bound`).
    """
    rows = []
    for N, d in grid:
        X, Y = random_points(N, d, numpy_rng(seed, N, d), outputs)
        labels = numpy_rng(seed, N, d, 1).integers(0, 10, N)
        for name in names:
            if name in ("peeling", "overparameterized") and N > max_peeling:
                continue
            t0 = time.perf_counter()
            con = build(name, X, labels if name == "classifier" else Y, rng=numpy_rng(seed, N, d, 2))
            sec = time.perf_counter() - t0
            zf = float(np.mean(con.net.hidden(X[: min(N, 2000)])[-1] == 0))
            row = _row(con, N=N, d=d)
            target = np.eye(con.net.out_weight.shape[1])[labels] if name.startswith("classifier") else Y
            row |= {"zero_fraction": zf, "seconds": sec, "accuracy": con.info.get("accuracy", np.nan),
                    "rounding_bound": relative_rounding_bound(con.net, X, target)}
            rows.append(row)
    return pd.DataFrame(rows)


def adversarial_sweep(
    seed: int, sizes: Iterable[int] = (20, 100, 400), d: int = 5, eps: Iterable[float] = (1e-3, 1e-6)
) -> pd.DataFrame:
    """Triangular and two-sided constructions on points on a line and on nearly coincident points."""
    rows = []
    for N in sizes:
        cases = [("line", points_on_line(N, d, numpy_rng(seed, N, 7)))]
        cases += [(f"near-coincident eps={e:g}", nearly_coincident(N, d, numpy_rng(seed, N, 8), e)) for e in eps]
        for kind, (X, Y) in cases:
            for name in ("triangular", "two-sided", "grouped"):
                con = build(name, X, Y, rng=numpy_rng(seed, N, 9))
                rows.append(_row(con, data=kind, N=N, d=d) | {"min_gap": con.info.get("min_gap", np.nan)})
    return pd.DataFrame(rows)


#: The depth family of :func:`depth_table`: (hidden layers, construction, classification?).
DEPTH_FAMILY: tuple[tuple[int, str, bool], ...] = (
    (1, "triangular", False),
    (2, "grouped", False),
    (3, "windowed", False),
    (4, "classifier", True),
    (5, "classifier-windowed", True),
)


def _formula(name: str, N: int, d: int, classes: int) -> tuple[int, int, int]:
    """(neurons, parameters, G) from :mod:`depthlab.interp.counts` with the group-size bound."""
    if name == "triangular":
        return counts.shallow_neurons(N), counts.shallow_parameters(N, d), 0
    windowed = "windowed" in name
    G = counts.best_windowed_groups(N) if windowed else counts.best_groups(N)
    sb = counts.group_size_bound(N, G)
    if name == "grouped":
        return counts.grouped_neurons(N, G, 1, sb), counts.grouped_parameters(N, d, G, 1, sb), G
    if name == "windowed":
        return counts.windowed_neurons(N, G, 1, sb), counts.windowed_parameters(N, d, G, 1, sb), G
    base = "windowed" if windowed else "grouped"
    return (
        counts.classifier_neurons(N, G, classes, sb, base=base),
        counts.classifier_parameters(N, d, G, classes, sb, base=base),
        G,
    )


def depth_table(sizes: Iterable[int], d: int, classes: int, seed: int, build_up_to: int = 10_000) -> pd.DataFrame:
    """Neurons and parameters against depth for N points in R^d (K classes for the classifier rows).

    Rows per N: the built family :data:`DEPTH_FAMILY` (L = 1 ``triangular``, 2 ``grouped``, 3 ``windowed``,
    4 ``classifier``, 5 ``classifier-windowed``) and two lower bounds for interpolating generic real targets at
    points of a line: one hidden layer ``⌈N/2⌉ − 1`` and any depth ``counting_lower_bound(N)``
    (:mod:`depthlab.interp.counts`). ``neurons_bound``/``parameters_bound`` are the formulas with the group-size
    bound; for N ≤ ``build_up_to`` the networks are built and their measured neurons, parameters, residual,
    rounding bound and (classifiers) training accuracy are reported.
    """
    rows = []
    for N in sizes:
        X, Y = random_points(N, d, numpy_rng(seed, N, 11))
        labels = numpy_rng(seed, N, 12).integers(0, classes, N)
        for depth, name, is_clf in DEPTH_FAMILY:
            neu, par, G = _formula(name, N, d, classes)
            con = None
            if N <= build_up_to:
                con = build(name, X, labels if is_clf else Y, rng=numpy_rng(seed, N, 13))
            target = np.eye(classes)[labels] if is_clf else Y
            rows.append(
                {
                    "N": N,
                    "d": d,
                    "classes": classes,
                    "depth": depth,
                    "construction": name,
                    "task": "classification" if is_clf else "interpolation",
                    "neurons_bound": neu,
                    "parameters_bound": par,
                    "neurons_built": con.hidden_neurons if con else np.nan,
                    "stated_neurons": con.stated_neurons if con else np.nan,
                    "parameters_built": con.net.parameters if con else np.nan,
                    "residual": con.residual if con else np.nan,
                    "rounding_bound": relative_rounding_bound(con.net, X, target) if con else np.nan,
                    "accuracy": con.info.get("accuracy", np.nan) if con else np.nan,
                    "groups": G if depth > 1 else np.nan,
                }
            )
        for name, neu in (
            ("lower bound, 1 hidden layer (d = 1)", counts.shallow_lower_bound(N)),
            ("counting bound, any depth (d = 1)", counts.counting_lower_bound(N)),
        ):
            rows.append({"N": N, "d": d, "classes": classes, "depth": 1 if "1 hidden" in name else 0,
                         "construction": name, "task": "interpolation", "neurons_bound": neu,
                         "parameters_bound": np.nan})
    return pd.DataFrame(rows)
