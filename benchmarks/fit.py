"""Throughput of the engine's batched Adam vs a per-model Python loop doing the same math (issue #3).

Workload (anchors-software note §B.3): independent 2-layer ReLU regressors, d = 16 inputs, width 32, one
output, 64 points each, random Gaussian data, full batch, Adam. The stacked run trains all models as one
tensor program (:func:`depthlab.engine.adam.adam_stage` with per-model stopping disabled); the loop trains
the same models one at a time with the identical code on a stack of one. Prints one JSON object.

Usage::

    PYTHONPATH=src python benchmarks/fit.py --device cpu
    PYTHONPATH=src python benchmarks/fit.py --device cuda --models 100000
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from depthlab.device import describe_device, resolve_device, synchronize
from depthlab.engine import FitConfig, mlp, sampler_for
from depthlab.engine.adam import adam_stage
from depthlab.engine.objective import flatten


def _time_stacked(fam, x, y, theta, cfg, device) -> float:
    synchronize(device)
    t0 = time.perf_counter()
    adam_stage(fam, theta, x, y, cfg)
    synchronize(device)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--models", type=int, default=2000, help="models in the stacked run")
    parser.add_argument("--steps", type=int, default=50, help="Adam steps per model")
    parser.add_argument("--loop-models", type=int, default=20, help="models in the per-model loop baseline")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave as is)")
    parser.add_argument("--repeats", type=int, default=3, help="alternate stacked/loop runs; report medians")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    fam = mlp(16, (32,), 1, "relu")
    # Never stop early: the switch tolerance is unreachable and checks happen only after the last step.
    cfg = FitConfig(stages=("adam",), adam_steps=args.steps, adam_switch_tol=1e-300, check_every=10**9,
                    adam_dtype=args.dtype)
    n_models = max(args.models, args.loop_models)
    x, y = sampler_for(fam, 64)("bench", range(n_models))
    x, y = x.to(device), y.to(device)
    theta = flatten(fam.initial("bench", range(n_models), device=device), fam)

    # Warm-up (allocator, kernels).
    warm = FitConfig(stages=("adam",), adam_steps=3, adam_switch_tol=1e-300, check_every=10**9,
                     adam_dtype=args.dtype)
    adam_stage(fam, theta[: args.models], x[: args.models], y[: args.models], warm)
    adam_stage(fam, theta[:1], x[:1], y[:1], warm)

    m, k = args.models, args.loop_models
    stacked_times, loop_times = [], []
    for _ in range(max(args.repeats, 1)):  # alternate, so load changes hit both alike
        stacked_times.append(_time_stacked(fam, x[:m], y[:m], theta[:m], cfg, device))
        synchronize(device)
        t0 = time.perf_counter()
        for i in range(k):
            adam_stage(fam, theta[i:i + 1], x[i:i + 1], y[i:i + 1], cfg)
        synchronize(device)
        loop_times.append(time.perf_counter() - t0)
    t_stacked, t_loop = statistics.median(stacked_times), statistics.median(loop_times)

    stacked_rate = m * args.steps / t_stacked
    loop_rate = k * args.steps / t_loop
    print(json.dumps({
        "benchmark": "fit.adam.relu2", "device": describe_device(device), "torch": torch.__version__,
        "dtype": args.dtype, "d_in": 16, "width": 32, "d_out": 1, "points": 64, "steps": args.steps,
        "stacked": {"models": m, "seconds": t_stacked, "model_steps_per_s": stacked_rate,
                    "step_ms": 1e3 * t_stacked / args.steps},
        "loop": {"models": k, "seconds": t_loop, "model_steps_per_s": loop_rate,
                 "step_ms": 1e3 * t_loop / (k * args.steps)},
        "speedup": stacked_rate / loop_rate,
        "repeats": len(stacked_times),
        "speedups_each_repeat": [(m / ts) / (k / tl)
                                 for ts, tl in zip(stacked_times, loop_times, strict=True)],
    }, indent=2))


if __name__ == "__main__":
    main()
