"""Benchmark: committee machines trained per second, stacked (one engine call) vs a per-machine loop.

Prints one JSON object. Both sides run the same engine code path (Adam on the squared hinge, the committee
family of :mod:`depthlab.committee.training`) for a fixed number of steps on the same data; the loop calls the
engine once per machine. At α = 2 (above the gradient threshold at these step counts) no machine stops early, so
both sides do exactly ``steps`` Adam steps per machine.

``--algorithm least-action`` times least-action learning of sign machines instead (K must then be odd, e.g.
``--activation sign --K 15 --N 1020``); both sides then run ``steps`` epochs, same data, stacked vs one by one.

Usage:
    python benchmarks/committee.py                       # N = 1024, K = 16, CPU-scale defaults
    python benchmarks/committee.py --algorithm least-action --activation sign --K 15 --N 1020 --alpha 4
    python benchmarks/committee.py --device cuda --machines 1024 --loop-machines 8
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch

from _bench import add_thread_arg, apply_threads, load
from depthlab.committee.model import CommitteeSpec, make_instances, n_patterns
from depthlab.committee.training import TrainSettings, train_weights
from depthlab.device import describe_device, resolve_device, synchronize


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--N", type=int, default=1024)
    p.add_argument("--K", type=int, default=16)
    p.add_argument("--alpha", type=float, default=2.0)
    p.add_argument("--activation", default="relu", choices=("relu", "sign"))
    p.add_argument("--machines", type=int, default=32, help="machines in the stacked run")
    p.add_argument("--loop-machines", type=int, default=2, help="machines trained one by one in the loop")
    p.add_argument("--steps", type=int, default=20, help="Adam steps per machine")
    p.add_argument("--device", default="cpu")
    add_thread_arg(p)
    p.add_argument("--algorithm", default="adam", choices=("adam", "least-action"))
    a = p.parse_args(argv)
    apply_threads(a.threads)
    dev = resolve_device(a.device)
    spec = CommitteeSpec(a.N, a.K, a.activation)
    P = n_patterns(a.alpha, a.N)
    X, y = make_instances(spec, P, "bench", list(range(a.machines)), device=dev)
    if a.algorithm == "least-action":
        from depthlab.committee.least_action import LeastActionSettings, least_action
        from depthlab.committee.model import random_weights

        W0 = random_weights(spec, "bench/init", list(range(a.machines)), device=dev)
        la = LeastActionSettings(epochs=a.steps)

        def train(sl: slice, chunk: int):
            return least_action(W0[sl], X[sl], y[sl], la)[1]
    else:
        def train(sl: slice, chunk: int):
            idx = [(i, 0) for i in range(sl.start, sl.stop)]
            return train_weights(spec, X[sl], y[sl], "bench", idx,
                                 TrainSettings(steps=a.steps, chunk=chunk, check_every=a.steps), dev)[1]

    train(slice(0, 2), 2)  # warm-up (allocator, kernels)
    synchronize(dev)
    t0 = time.perf_counter()
    steps = train(slice(0, a.machines), a.machines)
    synchronize(dev)
    t_stacked = time.perf_counter() - t0

    m_loop = min(a.loop_machines, a.machines)
    synchronize(dev)
    t0 = time.perf_counter()
    for i in range(m_loop):
        train(slice(i, i + 1), 1)
    synchronize(dev)
    t_loop = time.perf_counter() - t0

    stacked_rate = a.machines / t_stacked
    loop_rate = m_loop / t_loop
    out = {
        "benchmark": "committee",
        "device": describe_device(dev),
        "N": a.N, "K": a.K, "P": P, "alpha": a.alpha, "activation": a.activation, "steps": a.steps,
        "machines_stacked": a.machines, "machines_loop": m_loop,
        "seconds_stacked": t_stacked, "seconds_loop": t_loop,
        "machines_per_second_stacked": stacked_rate,
        "machines_per_second_loop": loop_rate,
        "speedup": stacked_rate / loop_rate,
        "algorithm": a.algorithm,
        "all_ran_full_steps": bool((steps == a.steps).all()),
        "load_average": load(),
        "torch_threads": torch.get_num_threads(),
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return out


if __name__ == "__main__":
    main()
