"""Kolmogorov–Smirnov tests of the Approximation-2 density, under two constructions, and their spread over seeds.

Jakub & Nica (arXiv 2302.09712, Fig. 1) print p = 0.987 (layer 1) and p = 0.186 (layer 30) for 5000 networks of
width 256 at θ_0 = 0.1. A p-value is a random variable: a fresh sample of networks gives another one. And the
printed values come from the authors' own construction, which is not the usual test:

* **ours** (:func:`ks_one_sample`): the one-sample KS test of the n samples against the predicted CDF,
  ``scipy.stats.kstest(samples, cdf)``; under the null hypothesis its p-value is uniform on [0, 1].
* **the authors'** (:func:`ks_authors`): their notebook (``Angle_Evolution/Depth_Degeneracy_in_Neural_Networks_
  Plots.ipynb``, cell 30, github.com/camjakub/Depth-Degeneracy-in-Neural-Networks) builds the empirical CDF with
  ``statsmodels``' ``ECDF`` (x = [−∞, sorted samples], y = [0, 1/n, …, 1]), interpolates the predicted CDF at
  its x and calls ``stats.kstest(empirical_cdf.y, cdf_x_interp)``. With two arrays, ``kstest`` is the
  *two-sample* test between the grid {0, 1/n, …, 1} and the predicted CDF values at the samples: the same
  statistic D as the one-sample test, but judged as if both sides were samples of n + 1, so its p-value is that
  of D·√((n+1)/2) instead of D·√n — much larger (on one 5000-path sample, 0.22 against 0.043).

:func:`ks_seed_table` gives both p-values, at each tested layer, for many independent samples (seeds), so that a
printed p-value can be judged against the spread it has under its own construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import torch
from numpy.typing import ArrayLike
from scipy import stats

from depthlab.angles.markov import simulate_markov
from depthlab.angles.theory.authors_notebook import AuthorsDensity, authors_density
from depthlab.angles.theory.layer_arrays import density
from depthlab.angles.theory.predict import DensityPrediction
from depthlab.device import threads as thread_limit
from depthlab.validate import positive_int

Cdf = Callable[[ArrayLike], np.ndarray]


def ks_one_sample(sample: np.ndarray, cdf: Cdf) -> tuple[float, float]:
    """Our construction: one-sample KS test of ``sample`` against ``cdf`` → ``(D, p)``."""
    res = stats.kstest(np.asarray(sample, dtype=np.float64), cdf)
    return float(res.statistic), float(res.pvalue)


def ecdf_points(sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of statsmodels' ``ECDF(sample)``: x = [−∞, sorted sample], y = [0, 1/n, 2/n, …, 1]."""
    x = np.sort(np.asarray(sample, dtype=np.float64))
    n = x.size
    return np.r_[-np.inf, x], np.r_[0.0, np.linspace(1.0 / n, 1.0, n)]


def ks_authors(sample: np.ndarray, cdf: Cdf) -> tuple[float, float]:
    """The authors' construction (see the module docstring): ``kstest(ECDF.y, cdf(ECDF.x))`` → ``(D, p)``."""
    x, y = ecdf_points(sample)
    res = stats.kstest(y, np.asarray(cdf(x), dtype=np.float64))
    return float(res.statistic), float(res.pvalue)


def authors_cdf(dens: AuthorsDensity, layer: int) -> Cdf:
    """The notebook's predicted CDF at ``layer``, read by ``np.interp`` as in its cell 30."""
    return lambda x: dens.cdf_at(layer, x)


def ks_rows(sample: np.ndarray, layer: int, ours: DensityPrediction, theirs: AuthorsDensity) -> dict[str, float]:
    """Both constructions on one sample at one layer: ours (one-sample test, our Approximation-2 CDF) and the
    authors' (their test on their notebook's CDF)."""
    d1, p1 = ks_one_sample(sample, ours.cdf(layer))
    d2, p2 = ks_authors(sample, authors_cdf(theirs, layer))
    return {"layer": layer, "samples": int(sample.size), "d_ours": d1, "p_ours": p1, "d_authors": d2, "p_authors": p2}


def ks_seed_table(theta0: float, width: int, depth: int, paths: int, seeds: Sequence[int], *,
                  layers: Sequence[int] = (1,), device: str | torch.device = "cpu",
                  dtype: torch.dtype = torch.float64, workers: int = 1,
                  progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """KS p-values of both constructions at ``layers`` for one Markov-chain sample of ``paths`` per seed.

    Each seed's sample is :func:`~depthlab.angles.markov.simulate_markov` ``(θ_0, [width]·depth, paths,
    seed=seed)`` (the exact reduction: same law as the full network), so the rows of a seed depend only on it —
    not on ``workers``, the number of seeds simulated at once in threads (each thread then runs Torch on one
    core: the chain's cost is drawing normals, which one generator does serially).

    Returns:
        One row per (seed, layer): ``seed, layer, samples, d_ours, p_ours, d_authors, p_authors``.
    """
    ws = [int(width)] * int(depth)
    workers = positive_int(workers, "workers")
    ours = density(theta0, ws)
    theirs = authors_density(theta0, int(width), int(depth))

    def one(seed: int) -> list[dict[str, float]]:
        run = simulate_markov(theta0, ws, paths, seed=int(seed), device=device, dtype=dtype)
        return [{"seed": int(seed), **ks_rows(run.layer(ell), ell, ours, theirs)} for ell in layers]

    rows: list[dict[str, float]] = []
    # workers > 1: one torch and BLAS thread per worker (depthlab.device's policy), restored after
    per_worker = 1 if workers > 1 else torch.get_num_threads()
    with thread_limit(per_worker), ThreadPoolExecutor(max_workers=workers) as pool:
        for k, seed_rows in enumerate(pool.map(one, seeds)):
            rows.extend(seed_rows)
            if progress is not None:
                progress(k + 1, len(seeds))
    return pd.DataFrame(rows)
