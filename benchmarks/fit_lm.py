"""Levenberg–Marquardt iteration cost: the engine now, the engine before issue 15, and SciPy per model, in one run.

Workload (the reference size of issue 15): square tanh MLPs without biases, d = 16, L = 3, on N = 34 random
points (P = 768 parameters > R = 544 residuals, so every step is a dual-form R×R solve), float64. Sides, all on
the same models and data, with stall stopping disabled and the readout off:

* ``engine``: :func:`depthlab.engine.lm.lm_stage` as it is (Gauss–Newton kernel into reused buffers, Cholesky in
  place, triangular solves on the factor);
* ``today``: the same stage with the pre-issue kernel and step (``benchmarks/lm_reference.py``: fresh zero-filled
  kernel, a clone for the damping, ``cholesky_ex`` into a new factor, ``cholesky_solve`` copying it again) — the
  issue's target is ``today / engine ≥ 1.3`` per iteration, with the same residuals (reported);
* ``explicit_jacobian``: ``FitConfig(lm_gauss_newton=False)`` (forms ``J`` (M, R, P));
* ``scipy``: ``scipy.optimize.least_squares(method="lm")`` (MINPACK ``lmder``) one model at a time, with the
  exact Jacobian (:func:`depthlab.engine.mlp_jacobian`, so SciPy is timed on its solver, not on finite
  differences). MINPACK needs at least as many residuals as parameters, so the residual vector is padded with
  P − R zeros (zero Jacobian rows: the same least-squares problem). Its cost is per Jacobian evaluation
  (``njev``, one per iteration).

Each side's time is divided by the model-iterations it ran; sides are interleaved ``--repeats`` times (medians),
one thread each (``--threads 1``, BLAS included). Achieved GFLOP/s counts ``R³/3`` (Cholesky) ``+ 2R²·Σ widths``
(the kernel's products) ``+ 4R²`` (two triangular solves) per model-iteration, against one large float64 matmul
measured in the same run.

Usage::

    PYTHONPATH=src python benchmarks/fit_lm.py
    PYTHONPATH=src python benchmarks/fit_lm.py --device cuda --models 256
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

import numpy as np
import torch

import lm_reference
from _bench import add_thread_arg, apply_threads, emit, environment, interleaved, load, matmul_gflops, median
from depthlab.device import resolve_device
from depthlab.engine import FitConfig, mlp_jacobian, sampler_for, square_mlp
from depthlab.engine.families import resolve_activation
from depthlab.engine.lm import lm_stage
from depthlab.engine.objective import flatten, residuals, unflatten


def _scipy_side(fam, theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, models: int, iterations: int):
    from scipy.optimize import least_squares

    act = resolve_activation(fam.config["activation"])
    n_layers = len(fam.config["widths"]) + 1
    p = fam.n_params

    def run() -> tuple[int, list[float]]:
        njev, costs = 0, []
        for m in range(models):
            xm, ym = x[m:m + 1], y[m:m + 1]
            n_res = ym.numel()

            def fun(v: np.ndarray, xm=xm, ym=ym, n_res=n_res) -> np.ndarray:
                th = torch.from_numpy(v).unsqueeze(0)
                r = residuals(fam, th, xm, ym, "regression")[0].numpy()
                return np.concatenate([r, np.zeros(max(p - n_res, 0))])

            def jac(v: np.ndarray, xm=xm, n_res=n_res) -> np.ndarray:
                th = torch.from_numpy(v).unsqueeze(0)
                j = mlp_jacobian(unflatten(th, fam), xm, act, n_layers, False)[0].numpy()
                return np.concatenate([j, np.zeros((max(p - n_res, 0), p))])

            res = least_squares(fun, theta[m].numpy(), jac=jac, method="lm", max_nfev=iterations + 1,
                                xtol=1e-15, ftol=1e-15, gtol=1e-15)
            njev += int(res.njev)
            costs.append(float(np.linalg.norm(res.fun) / np.linalg.norm(ym.numpy())))
        return njev, costs
    return run


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--models", type=int, default=8)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--points", type=int, default=34)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--scipy-models", type=int, default=2, help="models SciPy solves (0: skip SciPy)")
    parser.add_argument("--no-explicit", action="store_true", help="skip the explicit-Jacobian side")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (medians)")
    parser.add_argument("--out", default=None)
    add_thread_arg(parser)
    args = parser.parse_args(argv)
    apply_threads(args.threads)
    device = resolve_device(args.device)
    head = environment(device)
    matmul = matmul_gflops(device)
    fam = square_mlp(args.width, args.depth, "tanh")
    x, y = sampler_for(fam, args.points)("bench-lm", range(args.models))
    theta = flatten(fam.initial("bench-lm", range(args.models)), fam)
    xd, yd, thd = x.to(device), y.to(device), theta.to(device)
    cfg = FitConfig(stages=("lm",), lm_steps=args.iterations, lm_patience=10**9, readout=False)
    old_fam = lm_reference.old_family(fam)

    def engine() -> tuple[int, torch.Tensor]:
        th, it = lm_stage(fam, thd, xd, yd, cfg)
        return int(it.sum()), th

    def today() -> tuple[int, torch.Tensor]:
        with lm_reference.todays_lm():
            th, it = lm_stage(old_fam, thd, xd, yd, cfg)
        return int(it.sum()), th

    def explicit() -> tuple[int, torch.Tensor]:
        th, it = lm_stage(fam, thd, xd, yd, dataclasses.replace(cfg, lm_gauss_newton=False))
        return int(it.sum()), th

    runs: dict[str, Any] = {"engine": engine, "today": today}
    if not args.no_explicit:
        runs["explicit_jacobian"] = explicit
    if args.scipy_models > 0:
        runs["scipy"] = _scipy_side(fam, theta, x, y, min(args.scipy_models, args.models), args.iterations)
    warm = dataclasses.replace(cfg, lm_steps=1)
    lm_stage(fam, thd[:2], xd[:2], yd[:2], warm)
    with lm_reference.todays_lm():
        lm_stage(old_fam, thd[:2], xd[:2], yd[:2], warm)
    load_start = load()
    walls, cpu_ratio, last = interleaved(runs, args.repeats, device)
    r_res, p = args.points * args.width, fam.n_params
    flops = r_res**3 / 3 + 2 * r_res**2 * args.width * (args.depth - 1) + 4 * r_res**2
    sides: dict[str, Any] = {}
    for k, out in last.items():
        iters = out[0]
        ms = 1e3 * median(walls[k]) / max(iters, 1)
        gflops = flops / (ms * 1e-3) / 1e9
        sides[k] = {"model_iterations": iters, "ms_per_model_iteration": ms,
                    "seconds_each_repeat": [round(w, 4) for w in walls[k]], "gflops": gflops,
                    "fraction_of_matmul": gflops / matmul, "cpu_per_wall": cpu_ratio[k]}
    rel = {}
    for k in ("engine", "today", "explicit_jacobian"):
        if k in last:
            th = last[k][1].cpu()
            rel[k] = (residuals(fam, th, x, y, "regression").norm(dim=1) / y.reshape(args.models, -1).norm(dim=1))
            sides[k]["rel_residuals"] = [float(v) for v in rel[k]]
    if "scipy" in last:
        sides["scipy"]["rel_residuals"] = last["scipy"][1]
    for k in ("today", "explicit_jacobian"):
        if k in rel:
            sides[k]["max_rel_residual_diff_vs_engine"] = float(((rel[k] - rel["engine"]).abs() / rel[k]).max())
    ratios = {f"{k}/engine": sides[k]["ms_per_model_iteration"] / sides["engine"]["ms_per_model_iteration"]
              for k in sides if k != "engine"}
    result = {"benchmark": "fit.lm", **head, "matmul_gflops_float64": matmul, "width": args.width,
              "depth": args.depth, "points": args.points, "models": args.models, "iterations": args.iterations,
              "parameters": p, "residuals": r_res, "flops_per_model_iteration": flops, "sides": sides,
              "ratios_time_per_iteration": ratios,
              "targets": {"today/engine": {"target": 1.3, "measured": ratios["today/engine"],
                                           "met": bool(ratios["today/engine"] >= 1.3)}},
              "load_at_start_of_timing": load_start}
    emit(result, args.out)
    return result


if __name__ == "__main__":
    main()
