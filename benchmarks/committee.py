"""Benchmark: committee machines trained per second, stacked (one engine call) vs a per-machine loop.

Prints one JSON object. Both sides run the same engine code path (Adam on the squared hinge, the committee
family of :mod:`depthlab.committee.training`) for a fixed number of steps on the same data; the loop calls the
engine once per machine. At α = 2 (above the gradient threshold at these step counts) no machine stops early, so
both sides do exactly ``steps`` Adam steps per machine.

``--algorithm least-action`` times least-action learning of sign machines instead (K must then be odd, e.g.
``--activation sign --K 15 --N 1020``); both sides then run ``steps`` epochs, same data, stacked vs one by one.

``--algorithm replicated`` times the engine's replicated solver (``--replicas`` y coupled replicas per machine,
mini-batches of ``--batch``): the stacked side is one engine call over machines × replicas; the loop side does the
same work with a Python loop over replicas (per replica: its own mini-batch forward/backward, then the elastic
pull to the centre and the Adam step), one machine at a time. Rates are machine-replica-steps per second.

Usage:
    python benchmarks/committee.py                       # N = 1024, K = 16, CPU-scale defaults
    python benchmarks/committee.py --algorithm least-action --activation sign --K 15 --N 1020 --alpha 4
    python benchmarks/committee.py --device cuda --machines 1024 --loop-machines 8
    python benchmarks/committee.py --algorithm replicated --replicas 5 --machines 8 --loop-machines 1
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
    p.add_argument("--algorithm", default="adam", choices=("adam", "least-action", "replicated"))
    p.add_argument("--replicas", type=int, default=5, help="replicated: coupled replicas y per machine")
    p.add_argument("--batch", type=int, default=256, help="replicated: mini-batch size")
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
    elif a.algorithm == "replicated":
        return _replicated(a, spec, P, dev)
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


def _replicated(a: argparse.Namespace, spec: CommitteeSpec, P: int, dev: torch.device) -> dict:
    """Time the replicated solver stacked (one engine call) against a Python loop over replicas."""
    from depthlab.committee.model import random_weights, repeat_machines
    from depthlab.committee.training import committee_family
    from depthlab.engine import FitConfig, fit
    from depthlab.engine.adam import _adam_update
    from depthlab.engine.objective import residuals_of
    from depthlab.engine.replicated import ReplicatedSettings, epoch_permutations, row_seeds
    from depthlab.engine.solver import Problem

    y_rep = a.replicas
    X, y = make_instances(spec, P, "bench", list(range(a.machines)), device=dev)
    X, y = repeat_machines(X, y_rep), y.repeat_interleave(y_rep, 0).unsqueeze(-1)
    idx = [(i, r) for i in range(a.machines) for r in range(y_rep)]
    W0 = random_weights(spec, "bench/init", idx, device=dev, dtype=torch.float64)
    fam = committee_family(spec.N, spec.K, spec.activation)
    st = ReplicatedSettings(y=y_rep, gamma0=0.01, gamma1=0.001, batch=a.batch, steps=a.steps, lr=0.05,
                            check_every=a.steps)
    cfg = FitConfig(mode="classification", stages=("replicated",), margin=0.1, replicated=st)

    def stacked(rows: int) -> None:
        fit(fam, (X[:rows], y[:rows]), key="bench", config=cfg, device=dev, chunk_size=rows,
            init={"W": W0[:rows]}, keep_params=False)

    def loop(machine: int) -> None:  # same arithmetic, one replica at a time
        rows = slice(machine * y_rep, (machine + 1) * y_rep)
        seeds = row_seeds(Problem(fam, X[rows], y[rows], cfg, key="bench", indices=tuple(range(y_rep))), dev)
        th = [W0[rows][r:r + 1].float().clone() for r in range(y_rep)]
        mom, var = [torch.zeros_like(t) for t in th], [torch.zeros_like(t) for t in th]
        step_t = torch.zeros((), device=dev)
        per_epoch = P // a.batch
        for t in range(1, a.steps + 1):
            e, pos = divmod(t - 1, per_epoch)
            if pos == 0:
                perm = epoch_permutations(seeds, e, P)
            grads = []
            for r in range(y_rep):
                w = torch.zeros(1, P, device=dev).index_fill_(1, perm[r, pos * a.batch:(pos + 1) * a.batch],
                                                              1.0 / a.batch)
                leaf = th[r].detach().requires_grad_(True)
                res = residuals_of(fam.forward({"W": leaf}, X[rows][r:r + 1]), y[rows][r:r + 1], "classification",
                                   0.1)
                grads.append(torch.autograd.grad((res.square() * w).sum(), leaf)[0])
            centre = torch.stack(th).mean(0)
            with torch.no_grad():
                for r in range(y_rep):
                    grads[r].add_(th[r] - centre, alpha=st.gamma(t))
                    _adam_update([th[r]], [grads[r]], [mom[r]], [var[r]], step_t, t, st.lr, 0.9, 0.999, 1e-12)
                    th[r].copy_(fam.repair({"W": th[r]}, X)["W"])

    stacked(y_rep)  # warm-up
    synchronize(dev)
    t0 = time.perf_counter()
    stacked(a.machines * y_rep)
    synchronize(dev)
    t_stacked = time.perf_counter() - t0
    m_loop = min(a.loop_machines, a.machines)
    t0 = time.perf_counter()
    for m in range(m_loop):
        loop(m)
    synchronize(dev)
    t_loop = time.perf_counter() - t0
    work = a.steps * y_rep
    out = {"benchmark": "committee-replicated", "device": describe_device(dev), "N": a.N, "K": a.K, "P": P,
           "alpha": a.alpha, "replicas": y_rep, "batch": a.batch, "steps": a.steps,
           "machines_stacked": a.machines, "machines_loop": m_loop, "seconds_stacked": t_stacked,
           "seconds_loop": t_loop, "replica_steps_per_second_stacked": a.machines * work / t_stacked,
           "replica_steps_per_second_loop": m_loop * work / t_loop,
           "speedup": (a.machines / t_stacked) / (m_loop / t_loop), "load_average": load(),
           "torch_threads": torch.get_num_threads()}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return out


if __name__ == "__main__":
    main()
