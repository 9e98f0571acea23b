"""The positivity obstruction on the study's data sets (the tables behind its Wendel claim and its consistency row).

Theory: :mod:`depthlab.capacity.theory.positivity` — a bias-free square net of width d with σ ≥ 0 (ReLU,
sigmoid) fits targets ``Y`` (rank d) only if the rows of ``Y`` lie in an open half-space through 0, at every
depth; Wendel's probability of that event bounds P(fit at N). This module decides the event for each data set
of the protocol (:func:`depthlab.capacity.success.make_data`) by linear programming and compares

* the decided fraction with Wendel's formula (:func:`positivity_check`: an outside formula, so a claim);
* the fits of every covered cell with the decision on the same data sets (:func:`positivity_cells`: a fit on a
  data set the LP rules out would contradict our derivation or the fit's certificate; a consistency check);
* the feasible fraction at N = bound − 1 of each bias-free ReLU/sigmoid cell as a certified ceiling on P(fit) for
  every method (:func:`positivity_negatives`), judged by the negative test's rule where it can pass.

The decision is a certificate, not training: per data set a checked Gordan certificate (no ``m``) or else one
HiGHS linear program (``y_i·m ≥ 1`` for all i), through :func:`depthlab.engine.linearly_separable` with every
label +1, a loop over data sets like the Cover check's. Data set ``t`` at (seed, d, N) is the same for every
cell of that width, so each is decided once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from scipy import stats

from depthlab.capacity import negative as neg
from depthlab.capacity.success import make_data
from depthlab.capacity.theory import max_fittable
from depthlab.capacity.theory.positivity import positivity_applies, positivity_probability
from depthlab.engine import linearly_separable
from depthlab.errors import InputError


def cone_feasible(y: torch.Tensor | np.ndarray) -> np.ndarray:
    """Whether each model's target rows lie in an open half-space through 0 (some ``m`` with ``y_i·m > 0``).

    Args:
        y: targets ``(M, N, d)``.

    Returns:
        ``(M,)`` bool, decided by a linear program per model (``y_i·m ≥ 1`` is feasible iff the open condition
        is: scale any strict ``m``).

    Raises:
        InputError: ``y`` is not 3-dimensional.
    """
    ya = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y, dtype=np.float64)
    if ya.ndim != 3:
        raise InputError(f"targets must have shape (M, N, d), got {ya.shape}")
    return np.asarray(linearly_separable(ya, np.ones(ya.shape[:2])), dtype=bool)


def _binomial_p(k: int, n: int, p: float) -> float:
    return float(stats.binomtest(k, n, p).pvalue) if 0 < p < 1 else float(k == round(n * p))


def positivity_check(cases: Sequence[tuple[int, int]], *, trials: int, seed: int) -> pd.DataFrame:
    """Decide the half-space event on data sets ``0 … trials − 1`` of the protocol at each ``(N, d)`` of
    ``cases`` and compare the count with Wendel's probability (exact two-sided binomial test).

    Returns:
        One row per case: ``n_points, width, trials, feasible, rate, wendel_p, binomial_se, pvalue``, and the
        certified ceiling on P(fit at N) of every bias-free ReLU/sigmoid net of width d: ``cp_upper`` (the exact
        one-sided 95 % Clopper–Pearson upper bound on ``feasible / trials``) and ``certified`` (the negative
        test's rule, :func:`depthlab.capacity.negative.certified`: ≥ 2000 data sets and ``cp_upper`` < 1e-3).
    """
    rows = []
    for n, d in cases:
        _, y = make_data(d, n, range(trials), seed)
        k = int(cone_feasible(y).sum())
        p = positivity_probability(n, d)
        rows.append({"n_points": int(n), "width": int(d), "trials": int(trials), "feasible": k,
                     "rate": k / trials, "wendel_p": p, "binomial_se": float(np.sqrt(p * (1 - p) / trials)),
                     "pvalue": _binomial_p(k, trials, p), "cp_upper": neg.cp_upper(k, trials),
                     "certified": neg.certified(k, trials)})
    return pd.DataFrame(rows)


def negative_cases(depths: Sequence[int], widths: Sequence[int]) -> list[dict[str, int | str]]:
    """The bias-free ReLU and sigmoid cells at ``depths`` × ``widths`` with their ``N = ⌊bound⌋ − 1`` (the
    negative test's point, :func:`depthlab.capacity.theory.max_fittable`)."""
    return [{"depth": int(L), "width": int(d), "activation": a, "n_points": max_fittable(L, d, a, bias=False) - 1}
            for a in ("relu", "sigmoid") for d in widths for L in depths if positivity_applies(L, a, bias=False)]


def positivity_negatives(cases: Sequence[dict[str, int | str]], *, trials: int, seed: int) -> pd.DataFrame:
    """Certified ceilings on P(fit) at each case's N, for every method: :func:`positivity_check` on data sets
    ``0 … trials − 1`` of ``make_data(d, N, ·, seed)`` (one decision per distinct (N, d), shared by the cells).

    Args:
        cases: rows of :func:`negative_cases` (``depth, width, activation, n_points``).

    Returns:
        One row per case: its keys, then ``trials, feasible, rate, wendel_p, cp_upper, certified``.
    """
    pairs = sorted({(int(c["n_points"]), int(c["width"])) for c in cases})
    decided = positivity_check(pairs, trials=trials, seed=seed).set_index(["n_points", "width"])
    cols = ["trials", "feasible", "rate", "wendel_p", "cp_upper", "certified"]
    rows = [{**c, **decided.loc[(int(c["n_points"]), int(c["width"])), cols].to_dict()} for c in cases]
    return pd.DataFrame(rows, columns=["depth", "width", "activation", "n_points", *cols])


CELL_KEYS = ["depth", "width", "activation", "bias", "fit_method", "n_points"]


def positivity_cells(points: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """Each covered cell's fits beside the half-space decision on the same data sets.

    Args:
        points: per-attempt rows (``depth, width, activation, bias, fit_method, n_points, trial, success``) of
            any cells; those :func:`~depthlab.capacity.theory.positivity.positivity_applies` covers are used.
        seed: the cells' root seed (their data sets are ``make_data(d, N, trials, seed)``).

    Returns:
        One row per (cell, N): :data:`CELL_KEYS`, ``data_sets``, ``fitted`` (data sets some restart fits),
        ``feasible`` (data sets whose targets pass the half-space test), ``contradictions`` (fitted but not
        feasible: must be 0) and ``wendel_p``. Empty (with these columns) when no cell is covered.
    """
    cols = [*CELL_KEYS, "data_sets", "fitted", "feasible", "contradictions", "wendel_p"]
    if points.empty:
        return pd.DataFrame(columns=cols)
    pts = points.assign(bias=points["bias"].astype(bool))
    covered = pts[[positivity_applies(int(r.depth), str(r.activation), bias=bool(r.bias))
                   for r in pts[["depth", "activation", "bias"]].itertuples()]]
    if covered.empty:
        return pd.DataFrame(columns=cols)
    per_set = covered.groupby([*CELL_KEYS, "trial"], as_index=False)["success"].any()
    decided = []
    for (d, n), g in per_set.groupby(["width", "n_points"]):
        trials = sorted(int(t) for t in g["trial"].unique())
        _, y = make_data(int(d), int(n), trials, seed)
        decided.append(pd.DataFrame({"width": d, "n_points": n, "trial": trials, "feasible": cone_feasible(y)}))
    per_set = per_set.merge(pd.concat(decided, ignore_index=True), on=["width", "n_points", "trial"])
    rows = []
    for key, g in per_set.groupby(CELL_KEYS):
        rec = dict(zip(CELL_KEYS, key, strict=True))
        rows.append({**rec, "data_sets": len(g), "fitted": int(g["success"].sum()),
                     "feasible": int(g["feasible"].sum()), "contradictions": int((g["success"] & ~g["feasible"]).sum()),
                     "wendel_p": positivity_probability(int(rec["n_points"]), int(rec["width"]))})
    return pd.DataFrame(rows, columns=cols)
