"""Half-space / separability decisions: the engine's Gordan-then-LP decision against the plain SciPy loop.

What a user would write instead is one :func:`scipy.optimize.linprog` (HiGHS) per data set on ``y_i·m ≥ 1``;
the engine (:func:`depthlab.engine.separability.separating_vectors`, through
:func:`depthlab.capacity.positivity.cone_feasible`) first seeks a Gordan certificate by non-negative least squares
and runs the LP only where that does not certify. Both decide the same data sets of the capacity protocol
(``make_data(d, N, 0 … T−1, seed)``); the counts must agree, and the JSON says whether they do. Cases: near the
threshold (N = 2d: half feasible) and far beyond it (N = 4d − 1, the d = 16, L = 4 certified negative)::

    PYTHONPATH=src python benchmarks/separability.py --trials 2000
"""

from __future__ import annotations

import argparse

import numpy as np
import scipy.optimize
import torch

from _bench import add_thread_arg, apply_threads, emit, environment, interleaved, median
from depthlab.capacity.positivity import cone_feasible
from depthlab.capacity.success import make_data


def scipy_loop(y: np.ndarray) -> np.ndarray:
    """The baseline: one HiGHS LP per data set, ``(M,)`` bool feasible."""
    m, n, d = y.shape
    return np.array([scipy.optimize.linprog(np.zeros(d), A_ub=-y[k], b_ub=-np.ones(n), bounds=[(None, None)] * d,
                                            method="highs").status == 0 for k in range(m)])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=2000, help="data sets per case")
    p.add_argument("--cases", default="16:8,31:8,32:16,63:16", help="N:d pairs")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None)
    add_thread_arg(p)
    args = p.parse_args(argv)
    apply_threads(args.threads)
    rows = []
    for case in args.cases.split(","):
        n, d = (int(v) for v in case.split(":"))
        _, y = make_data(d, n, range(args.trials), args.seed)
        ya = np.asarray(y, dtype=np.float64)
        walls, _, last = interleaved({"engine": lambda ya=ya: cone_feasible(ya), "scipy_loop": lambda ya=ya:
                                      scipy_loop(ya)}, args.repeats, torch.device("cpu"))
        e, s = median(walls["engine"]), median(walls["scipy_loop"])
        rows.append({"n_points": n, "width": d, "trials": args.trials, "feasible": int(last["engine"].sum()),
                     "agree": bool((last["engine"] == last["scipy_loop"]).all()),
                     "engine_ms_per_set": round(1e3 * e / args.trials, 4),
                     "scipy_loop_ms_per_set": round(1e3 * s / args.trials, 4), "speedup": round(s / e, 2)})
    emit({"benchmark": "separability", **environment(torch.device("cpu")), "seed": args.seed,
          "repeats": args.repeats, "cases": rows}, args.out)


if __name__ == "__main__":
    main()
