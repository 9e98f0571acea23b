"""Levenberg–Marquardt iteration cost: the MLP Gauss–Newton kernel hook vs the explicit Jacobian.

Workload: the capacity study's hardest CPU cell, square tanh MLPs without biases (d = 16, L = 3) on N = 34
random points (P = 768 parameters > R = 544 residuals, so every LM step is a dual-form R×R solve). Both runs
do the same number of LM iterations on the same models (stall stopping disabled); ``FitConfig(
lm_gauss_newton=False)`` forms ``J`` (M, R, P) and ``JJᵀ``, the default builds ``JJᵀ`` from the layer
factors (:mod:`depthlab.engine.gram`). Prints one JSON object.

Usage::

    PYTHONPATH=src python benchmarks/fit_lm.py --threads 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch

from depthlab.device import describe_device, resolve_device, synchronize
from depthlab.engine import FitConfig, fit, sampler_for, square_mlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu", help="auto, cpu or cuda")
    parser.add_argument("--models", type=int, default=8)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--points", type=int, default=34)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave as is)")
    parser.add_argument("--repeats", type=int, default=3, help="alternate the two paths; report medians")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    fam = square_mlp(args.width, args.depth, "tanh")
    x, y = sampler_for(fam, args.points)("bench-lm", range(args.models))
    base = FitConfig(stages=("lm",), lm_steps=args.iterations, lm_patience=10**9, readout=False)
    times: dict[bool, list[float]] = {True: [], False: []}
    residual: dict[bool, np.ndarray] = {}
    for _ in range(max(args.repeats, 1)):
        for kernel in (True, False):
            cfg = FitConfig(**{**base.to_dict(), "lm_gauss_newton": kernel})
            synchronize(device)
            t0 = time.perf_counter()
            res = fit(fam, (x, y), key="bench-lm", config=cfg, device=device, keep_params=False)
            synchronize(device)
            times[kernel].append(time.perf_counter() - t0)
            residual[kernel] = res.rel_residual
    iters = args.models * args.iterations
    ms = {k: 1e3 * statistics.median(v) / iters for k, v in times.items()}
    print(json.dumps({
        "benchmark": "fit.lm.tanh", "device": describe_device(device), "torch": torch.__version__,
        "width": args.width, "depth": args.depth, "points": args.points, "models": args.models,
        "iterations": args.iterations, "parameters": fam.n_params, "residuals": args.points * args.width,
        "ms_per_model_iteration": {"gauss_newton_kernel": ms[True], "explicit_jacobian": ms[False]},
        "speedup": ms[False] / ms[True],
        "max_rel_residual_difference": float(np.max(np.abs(residual[True] - residual[False])
                                                    / residual[False])),
    }, indent=2))


if __name__ == "__main__":
    main()
