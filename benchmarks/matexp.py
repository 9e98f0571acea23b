"""Benchmark of the matrix-exponential closed form: SciPy vs Torch (CPU, CUDA), and batched solving.

Prints one JSON object. Baselines in the same run: the SciPy path per problem (``scipy_loop``) for the batched
solver, and SciPy for the single large solves. Issue #2 targets: d = 256 ≤ 1 s on CPU; d = 1024 ≤ 2 s on an H100;
10⁴ problems with d = 8 batched ≤ 1 s on an H100.

Usage::

    python benchmarks/matexp.py                      # CPU (and CUDA if available), default sizes
    python benchmarks/matexp.py --dims 16 64 --batch 1000 --loop 100
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch

from _bench import add_thread_arg, apply_threads, load
from depthlab.device import describe_device, synchronize
from depthlab.matexp import random_problem, random_problems, solve_batched, solve_problem


def _time(fn, device: torch.device | None = None, repeats: int = 1) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        if device is not None:
            synchronize(device)
        t0 = time.perf_counter()
        out = fn()
        if device is not None:
            synchronize(device)
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_single(d: int, devices: list[torch.device]) -> dict:
    p = random_problem(d, seed=0)
    row: dict = {"d": d}
    secs, sol = _time(lambda: solve_problem(p, n_verify=1), repeats=2 if d <= 256 else 1)
    row["scipy_s"] = secs
    row["scipy_residual"] = sol.diagnostics.max_residual
    for dev in devices:
        tensors = [torch.from_numpy(m).to(dev)[None] for m in (p.X1, p.X2, p.Y1, p.Y2)]
        solve_batched(*[t[:, :2, :2] for t in tensors], n_verify=1)  # warm-up (kernels, CUDA context)
        secs, sol_t = _time(lambda t=tensors: solve_batched(*t, n_verify=1), dev, repeats=2 if d <= 256 else 1)
        row[f"torch_{dev.type}_s"] = secs
        row[f"torch_{dev.type}_residual"] = float(sol_t.max_residual.max())
    return row


def bench_batched(batch: int, d: int, loop: int, devices: list[torch.device]) -> dict:
    row: dict = {"batch": batch, "d": d}
    probs = random_problems(loop, d, seed=1)
    t0 = time.perf_counter()
    for b in range(loop):
        solve_problem(random_problem(d, seed=b), n_verify=1)
    per = (time.perf_counter() - t0) / loop
    row["scipy_loop_s_per_problem"] = per
    row["scipy_loop_extrapolated_s"] = per * batch
    for dev in devices:
        probs = random_problems(batch, d, seed=1, device=dev)
        solve_batched(*(t[:16] for t in probs))
        secs, sol = _time(lambda p=probs: solve_batched(*p), dev)
        mr = sol.max_residual.cpu()
        row[f"torch_{dev.type}_s"] = secs
        row[f"torch_{dev.type}_speedup_vs_loop"] = per * batch / secs
        row[f"torch_{dev.type}_median_residual"] = float(mr.median())
        row[f"torch_{dev.type}_frac_residual_le_1e-10"] = float((mr <= 1e-10).double().mean())
    return row


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dims", type=int, nargs="+", default=[16, 64, 256, 1024])
    ap.add_argument("--batch", type=int, default=10_000, help="problems in the batched run (d = --batch-d)")
    ap.add_argument("--batch-d", type=int, default=8)
    ap.add_argument("--loop", type=int, default=200, help="problems timed in the SciPy per-problem loop")
    ap.add_argument("--device", default="all", choices=("all", "cpu", "cuda"),
                    help="torch devices to time (all: CPU and CUDA where available)")
    add_thread_arg(ap)
    args = ap.parse_args(argv)
    threads = apply_threads(args.threads)  # torch and SciPy's BLAS alike (the SciPy baseline is threaded too)
    devices = [torch.device("cpu")] if args.device != "cuda" else []
    if args.device != "cpu" and torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    out = {
        "benchmark": "matexp",
        "devices": [describe_device(d) for d in devices],
        "torch": torch.__version__, "numpy": np.__version__, "threads": threads, "load_average": load(),
        "single": [bench_single(d, devices) for d in args.dims],
        "batched": bench_batched(args.batch, args.batch_d, args.loop, devices),
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
