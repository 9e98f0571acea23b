"""Cost per certified fit: the unit-wise construction against the optimisers a user would run instead, one run.

Workloads: bias-free two-layer square nets on the capacity protocol's data sets (seed ``--seed``, data sets
``0 … T − 1``, x, y ~ N(0, I_d)), one attempt per data set from the protocol's initialisation:

* tanh, d = 8, N = 12 and 15 (bound − 1): ``unitwise`` (engine stage ``"unitwise"``), ``lm`` (the engine's
  Levenberg–Marquardt with the study budget 1500 / 100, stacked over models) and ``scipy``
  (``scipy.optimize.least_squares`` per data set in a Python loop, trust-region reflective: MINPACK's ``"lm"``
  needs at least as many residuals as unknowns, which N·d < 2d² breaks; at most 1500 evaluations, the analytic
  Jacobian of the same residual, the same start: what a user without the engine would write);
* ReLU, d = 8, N = 12: ``unitwise`` (the exact decision) and ``lm`` (the engine's default ReLU stages:
  leaky-ReLU continuation then LM).

Every side is judged by the same float64 certificate ‖F(X) − Y‖_F / ‖Y‖_F ≤ 1e-8. Reported per side: certified
fits, wall seconds, seconds per certified fit, and the ratio to ``unitwise``; the load before and after.

Usage::

    PYTHONPATH=src python benchmarks/unitwise.py              # ~2 minutes on one thread
    PYTHONPATH=src python benchmarks/unitwise.py --suite tiny  # toy sizes (tests)
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import torch

from _bench import add_thread_arg, apply_threads, emit, environment
from depthlab.engine import FitConfig, fit, square_mlp
from depthlab.seeding import stacked_normal

TOL = 1e-8
SUITES = {
    "cpu": {"d": 8, "trials": 16, "cases": (("tanh", 12), ("tanh", 15), ("relu", 12))},
    "tiny": {"d": 3, "trials": 2, "cases": (("tanh", 5), ("relu", 4))},
}


def data(d: int, n: int, trials: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The capacity protocol's data sets 0 … trials − 1 at N = n (capacity.success)."""
    z = stacked_normal(f"{seed}/capacity-data/d{d}", [(n, t) for t in range(trials)], (n, 2 * d))
    return z[..., :d].contiguous(), z[..., d:].contiguous()


def tanh_residual(p: np.ndarray, xm: np.ndarray, ym: np.ndarray, d: int) -> np.ndarray:
    """Residual ``tanh(X W1) W2 − Y`` flattened point-major, for flat ``p = (W1, W2)``."""
    w1, w2 = p[:d * d].reshape(d, d), p[d * d:].reshape(d, d)
    return (np.tanh(xm @ w1) @ w2 - ym).ravel()


def tanh_jacobian(p: np.ndarray, xm: np.ndarray, ym: np.ndarray, d: int) -> np.ndarray:
    """Analytic Jacobian ``(N·d, 2d²)`` of :func:`tanh_residual` (``ym`` unused: scipy passes the residual's args):
    ``∂out[n, o]/∂W1[i, k] = x[n, i] s[n, k] W2[k, o]`` with ``s = 1 − tanh²``, ``∂out[n, o]/∂W2[k, o'] = h[n, k]
    δ(o, o')``."""
    w1, w2 = p[:d * d].reshape(d, d), p[d * d:].reshape(d, d)
    n = xm.shape[0]
    h = np.tanh(xm @ w1)
    j = np.zeros((n, d, 2 * d * d))
    j[:, :, :d * d] = np.einsum("ni,nk,ko->noik", xm, 1 - h ** 2, w2).reshape(n, d, d * d)
    for o in range(d):
        j[:, o, d * d + o::d] = h
    return j.reshape(n * d, -1)


def scipy_loop(x: torch.Tensor, y: torch.Tensor, init: torch.Tensor, d: int) -> list[float]:
    """One ``least_squares`` (trust-region reflective) per data set from the flat start (W1, W2), analytic
    Jacobian; returns the relative residuals."""
    from scipy.optimize import least_squares

    out = []
    for m in range(x.shape[0]):
        xm, ym = x[m].numpy(), y[m].numpy()
        r = least_squares(tanh_residual, init[m].numpy(), jac=tanh_jacobian, method="trf", xtol=1e-15, ftol=1e-15,
                          gtol=1e-15, max_nfev=1500, args=(xm, ym, d))
        out.append(float(np.linalg.norm(tanh_residual(r.x, xm, ym, d)) / np.linalg.norm(ym)))
    return out


def run_case(act: str, d: int, n: int, trials: int, seed: int) -> dict[str, Any]:
    x, y = data(d, n, trials, seed)
    fam = square_mlp(d, 2, act)
    key = f"bench-unitwise/{act}/d{d}/N{n}"
    sides: dict[str, dict[str, Any]] = {}
    configs = {"unitwise": FitConfig(stages=("unitwise",)),
               "lm": FitConfig(lm_steps=1500, lm_patience=100) if act == "tanh" else FitConfig()}
    for name, cfg in configs.items():
        t0 = time.perf_counter()
        res = fit(fam, (x, y), key=key, indices=range(trials), config=cfg, keep_params=False)
        wall = time.perf_counter() - t0
        sides[name] = {"certified": int(np.sum(res.rel_residual <= TOL)), "seconds": round(wall, 3)}
    if act == "tanh":  # the same start as the engine's LM: the family's seeded initialisation
        start = fam.initial(key, range(trials), device="cpu", dtype=torch.float64)
        flat = torch.cat([start[k].reshape(trials, -1) for k in fam.shapes], dim=1)
        t0 = time.perf_counter()
        rel = scipy_loop(x, y, flat, d)
        sides["scipy"] = {"certified": int(np.sum(np.asarray(rel) <= TOL)),
                          "seconds": round(time.perf_counter() - t0, 3)}
    base = sides["unitwise"]
    for s in sides.values():
        s["seconds_per_certified_fit"] = round(s["seconds"] / s["certified"], 4) if s["certified"] else None
        s["time_ratio_to_unitwise"] = round(s["seconds"] / base["seconds"], 2) if base["seconds"] > 0 else None
    return {"activation": act, "d": d, "N": n, "data_sets": trials, "sides": sides}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", choices=sorted(SUITES), default="cpu")
    p.add_argument("--seed", type=int, default=21)
    p.add_argument("--out", default=None, help="also write the JSON here")
    add_thread_arg(p)
    a = p.parse_args(argv)
    apply_threads(a.threads)
    suite = SUITES[a.suite]
    result = {"benchmark": "unitwise", "suite": a.suite, "seed": a.seed, **environment(torch.device("cpu")),
              "cases": [run_case(act, suite["d"], n, suite["trials"], a.seed) for act, n in suite["cases"]]}
    emit(result, a.out)
    return result


if __name__ == "__main__":
    main()
