"""Benchmark of the interp study: construction time and interpolation-matrix analysis time.

Prints one JSON object. Targets: the triangular construction for N = 10⁴ points in d = 100 in ≤ 2 s on a CPU;
the layer-by-layer analysis of a depth-8, width-256 ReLU network on 10⁴ points in ≤ 1 s on an H100.
Baselines in the same run: dense forward substitution (scipy ``solve_triangular`` on the formed N × N matrix)
for the construction, and the same analysis on the CPU for the GPU run.

The analysed network is He-initialised (untrained by default: training a depth-8 width-256 network on 10⁴ points
is itself minutes on a CPU); ``--train-steps K`` trains it first with the shared engine (Adam, K steps).

Usage::

    python benchmarks/interp.py                       # CPU (and CUDA if available)
    python benchmarks/interp.py --n 10000 --d 100 --train-steps 200
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import scipy.linalg as sla
import torch

from _bench import add_thread_arg, apply_threads, load
from depthlab.device import describe_device, synchronize
from depthlab.interp.layer_analysis import analyse
from depthlab.interp.theory.construction import forward_slopes, left_thresholds, separating_direction
from depthlab.interp.theory.network import ReluNet
from depthlab.interp.theory.one_hidden_layer import triangular


def bench_construction(n: int, d: int, dense_n: int) -> dict:
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((n, d)), rng.standard_normal((n, 1))
    t0 = time.perf_counter()
    con = triangular(X, Y, rng=np.random.default_rng(1))
    total = time.perf_counter() - t0
    # the same construction without the residual check (forward pass over N² neuron-point pairs)
    t0 = time.perf_counter()
    _, t = separating_direction(X, np.random.default_rng(1))
    order = np.argsort(t)
    forward_slopes(t[order], left_thresholds(t[order]), Y[order])
    build_only = time.perf_counter() - t0
    # baseline: dense forward substitution on the formed matrix, at dense_n points
    Xs, Ys = X[:dense_n], Y[:dense_n]
    t0 = time.perf_counter()
    _, ts = separating_direction(Xs, np.random.default_rng(1))
    o = np.argsort(ts)
    c = left_thresholds(ts[o])
    H = np.maximum(ts[o][:, None] - c[None, :], 0.0)
    sla.solve_triangular(H, Ys[o], lower=True)
    dense = time.perf_counter() - t0
    return {"N": n, "d": d, "seconds_with_residual_check": total, "seconds_construction_only": build_only,
            "residual": con.residual, "hidden_neurons": con.hidden_neurons,
            "baseline_dense_N": dense_n, "baseline_dense_seconds": dense}


def _network(d: int, depth: int, width: int, train_steps: int, X: np.ndarray) -> ReluNet:
    rng = np.random.default_rng(2)
    dims = [d] + [width] * depth
    Ws = [rng.standard_normal((dims[k + 1], dims[k])) * np.sqrt(2.0 / dims[k]) for k in range(depth)]
    bs = [np.zeros(width) for _ in range(depth)]
    net = ReluNet(Ws, bs, rng.standard_normal((width, 10)) / np.sqrt(width), np.zeros(10), name="he-init")
    if train_steps > 0:
        from depthlab.interp.training import train_classifiers

        labels = np.random.default_rng(3).integers(0, 10, X.shape[0])
        net = train_classifiers(X, labels, depths=[depth], width=width, seed=0, steps=train_steps)[0].net
    return net


def bench_analysis(n: int, d: int, depth: int, width: int, train_steps: int, devices: list[torch.device]) -> dict:
    X = np.random.default_rng(4).standard_normal((n, d))
    labels = np.random.default_rng(5).integers(0, 10, n)
    net = _network(d, depth, width, train_steps, X)
    out = {"N": n, "d": d, "depth": depth, "width": width, "trained_steps": train_steps, "devices": {}}
    for dev in devices:
        analyse(net, X[:256], labels[:256], device=dev)  # warm-up
        synchronize(dev)
        t0 = time.perf_counter()
        table = analyse(net, X, labels, device=dev)
        synchronize(dev)
        out["devices"][describe_device(dev)] = {
            "seconds": time.perf_counter() - t0,
            "zero_fraction_by_layer": [round(float(z), 4) for z in table["zero_fraction"]],
            "rank_by_layer": [int(r) for r in table["rank"]]}
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--d", type=int, default=100)
    p.add_argument("--dense-n", type=int, default=4000)
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--train-steps", type=int, default=0)
    p.add_argument("--cpu-only", action="store_true")
    add_thread_arg(p)
    args = p.parse_args(argv)
    threads = apply_threads(args.threads)
    devices = [torch.device("cpu")]
    if torch.cuda.is_available() and not args.cpu_only:
        devices.append(torch.device("cuda"))
    result = {"construction": bench_construction(args.n, args.d, min(args.dense_n, args.n)),
              "analysis": bench_analysis(args.n, args.d, args.depth, args.width, args.train_steps, devices),
              "torch": torch.__version__, "cuda": torch.cuda.is_available(), "threads": threads,
              "load_average": load()}
    json.dump(result, sys.stdout, default=float)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
