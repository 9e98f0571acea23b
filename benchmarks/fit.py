"""Adam throughput of the engine against what a user would write instead, in one run (issue 15).

Workloads (suite ``cpu``, the issue's table): square tanh MLPs without biases, d = 8, L = 2 and 3, N = 12 random
points, float64, M ∈ {64, 512, 4096} models, and d = 64, L = 2, M = 512. Every side trains the *same* models
from the same start on the same data with the same loss (``Σ_m ‖F_m(X_m) − Y_m‖² / ‖Y_m‖²``) and the same
Adam (constant learning rate, β = (0.9, 0.999), ε = 1e-12), so their final parameters agree to rounding (reported
as ``max_rel_param_diff``):

* ``engine``: :func:`depthlab.engine.adam.adam_stage` (the ``"adam"`` solver of ``fit``: hand-written backward,
  fused update, per-model convergence checks every 25 steps; no model reaches the unreachable tolerance);
* ``vmap``: the ``torch.func.stack_module_state`` + ``functional_call`` + ``vmap`` ensemble idiom (PyTorch's
  model-ensembling tutorial) with ``torch.optim.Adam`` (its default, foreach implementation);
* ``jax``: ``jit(vmap(grad(loss)))`` with Adam inside one ``lax.fori_loop`` (optional: skipped where JAX is not
  importable; ``XLA_FLAGS`` pins it to one thread when ``--threads 1``);
* ``bmm``: a hand-written stacked ``torch.bmm`` forward and manual backward with in-place Adam;
* ``loop`` (d = 64, and the GPU suite): one ``nn.Sequential`` and ``torch.optim.Adam`` per model, models one after
  another (timed on ``--loop-models`` models, rate per model-step).

Each workload interleaves the sides ``--repeats`` times (medians), one thread each (``--threads 1``), and reports
model-steps/s, the ratios, the achieved GFLOP/s (matrix-product flops of forward and backward) as a fraction of
one large matmul in the workload's dtype measured in the same run, the CPU/wall ratio of each side (≈ threads it
used), the load, and for M = 64 the fixed per-step cost (the same run at M = 1). Suite ``gpu``: 2-layer ReLU,
d = 16 inputs, width 32, one output, 64 points, float32, 2²⁰ models (issue 15 §6: ≥ 3×10⁷ model-steps/s, ≥ 10⁴×
the per-model loop). Suite ``tiny``: the same code at toy sizes (tests).

Usage::

    PYTHONPATH=src python benchmarks/fit.py                           # CPU table, ~5 minutes
    PYTHONPATH=src:/path/to/jax-site python benchmarks/fit.py         # with the JAX peer
    PYTHONPATH=src python benchmarks/fit.py --suite gpu --device cuda
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import os
import sys
from collections.abc import Callable
from typing import Any

import torch

from _bench import add_thread_arg, apply_threads, emit, environment, interleaved, load, matmul_gflops, median
from depthlab.device import resolve_device
from depthlab.engine import FitConfig, mlp, sampler_for
from depthlab.engine.adam import adam_stage
from depthlab.engine.objective import flatten, unflatten

BETAS = (0.9, 0.999)
EPS = 1e-12
LR = 1e-2


@dataclasses.dataclass(frozen=True)
class Workload:
    """One row of the table: an MLP ``d_in → widths → d_out`` trained on ``points`` points by ``models`` models."""

    name: str
    d_in: int
    widths: tuple[int, ...]
    d_out: int
    activation: str
    points: int
    models: int
    steps: int
    dtype: str
    peers: tuple[str, ...]
    targets: dict[str, float]
    fixed_cost: bool = False

    @property
    def depth(self) -> int:
        return len(self.widths) + 1

    def flops_per_model_step(self) -> int:
        """Matrix-product flops of one forward + backward: ``2N(2 Σ_l fan_in·fan_out + Σ_{l≥2} fan_in·fan_out)``."""
        dims = (self.d_in, *self.widths, self.d_out)
        sizes = [dims[k] * dims[k + 1] for k in range(len(dims) - 1)]
        return 2 * self.points * (2 * sum(sizes) + sum(sizes[1:]))


def _square(d: int, depth: int, models: int, steps: int, peers: tuple[str, ...],
            targets: dict[str, float], points: int = 12) -> Workload:
    return Workload(f"tanh d={d} L={depth} N={points} M={models}", d, (d,) * (depth - 1), d, "tanh", points,
                    models, steps, "float64", peers, targets, fixed_cost=models == 64)


def suite(name: str) -> list[Workload]:
    """The workloads of a suite (targets: issue 15, CPU, ratios in one run)."""
    if name == "cpu":
        out = []
        for depth in (2, 3):
            out.append(_square(8, depth, 64, 150, ("vmap", "jax", "bmm"), {"engine/bmm": 0.9}))
            out.append(_square(8, depth, 512, 150, ("vmap", "jax", "bmm"), {"engine/vmap": 1.5, "engine/jax": 1.0}))
            out.append(_square(8, depth, 4096, 40, ("vmap", "jax", "bmm"),
                               {"engine/vmap": 1.5, "engine/jax": 1.0}))
        out.append(_square(64, 2, 512, 40, ("vmap", "jax", "bmm", "loop"), {"engine/loop": 10.0}))
        return out
    if name == "gpu":
        return [Workload("relu d_in=16 width=32 N=64 float32", 16, (32,), 1, "relu", 64, 1 << 20, 200, "float32",
                         ("bmm", "jax", "loop"), {"engine/loop": 1e4, "engine_model_steps_per_s": 3e7})]
    if name == "tiny":
        return [dataclasses.replace(_square(4, 2, 16, 10, ("vmap", "jax", "bmm", "loop"), {}, points=5),
                                    fixed_cost=True),
                Workload("relu d_in=4 width=8 N=6 float32", 4, (8,), 1, "relu", 6, 32, 10, "float32",
                         ("bmm", "loop"), {})]
    raise SystemExit(f"unknown suite {name!r}: use cpu, gpu or tiny")


# ----------------------------------------------------------------------------------------------------------
# The sides. Each ``make_*`` returns ``run() -> final weights [W_1 … W_L] (M, fan_in, fan_out)``; setup is not timed.


def make_engine(fam, theta, x, y, wl: Workload) -> Callable[[], list[torch.Tensor]]:
    cfg = FitConfig(stages=("adam",), adam_steps=wl.steps, adam_lr=LR, adam_lr_final=1.0, adam_betas=BETAS,
                    adam_eps=EPS, adam_switch_tol=1e-300, adam_dtype=wl.dtype)

    def run() -> list[torch.Tensor]:
        th, _ = adam_stage(fam, theta, x, y, cfg)
        p = unflatten(th, fam)
        return [p[f"W{k + 1}"] for k in range(wl.depth)]
    return run


def _act_module(wl: Workload) -> torch.nn.Module:
    return torch.nn.Tanh() if wl.activation == "tanh" else torch.nn.ReLU()


def _sequential(wl: Workload, weights: list[torch.Tensor], m: int) -> torch.nn.Sequential:
    layers: list[torch.nn.Module] = []
    for k, w in enumerate(weights):
        lin = torch.nn.Linear(w.shape[1], w.shape[2], bias=False, dtype=w.dtype, device=w.device)
        with torch.no_grad():
            lin.weight.copy_(w[m].T)
        layers.append(lin)
        if k < len(weights) - 1:
            layers.append(_act_module(wl))
    return torch.nn.Sequential(*layers)


def make_vmap(weights, x, y, wl: Workload) -> Callable[[], list[torch.Tensor]]:
    from torch.func import functional_call, stack_module_state, vmap

    models = [_sequential(wl, weights, m) for m in range(x.shape[0])]
    base = copy.deepcopy(models[0]).to("meta")
    start, buffers = stack_module_state(models)
    start = {k: v.detach().clone() for k, v in start.items()}
    norm = y.square().sum((1, 2))

    def fmodel(p: dict[str, torch.Tensor], b: dict[str, torch.Tensor], xx: torch.Tensor) -> torch.Tensor:
        return functional_call(base, (p, b), (xx,))

    def run() -> list[torch.Tensor]:
        params = {k: v.clone().requires_grad_(True) for k, v in start.items()}
        opt = torch.optim.Adam(list(params.values()), lr=LR, betas=BETAS, eps=EPS)
        for _ in range(wl.steps):
            out = vmap(fmodel)(params, buffers, x)
            loss = ((out - y).square().sum((1, 2)) / norm).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return [params[f"{2 * k}.weight"].detach().transpose(1, 2) for k in range(wl.depth)]
    return run


def make_bmm(weights, x, y, wl: Workload) -> Callable[[], list[torch.Tensor]]:
    norm = y.square().sum((1, 2)).view(-1, 1, 1)
    b1, b2 = BETAS
    tanh = wl.activation == "tanh"

    def run() -> list[torch.Tensor]:
        ws = [w.clone() for w in weights]
        ms = [torch.zeros_like(w) for w in ws]
        vs = [torch.zeros_like(w) for w in ws]
        for t in range(1, wl.steps + 1):
            acts = [x]
            for w in ws[:-1]:
                h = torch.bmm(acts[-1], w)
                acts.append(torch.tanh(h) if tanh else torch.relu(h))
            e = (torch.bmm(acts[-1], ws[-1]) - y) * (2 / norm)
            grads: list[torch.Tensor] = [None] * len(ws)  # type: ignore[list-item]
            for k in range(len(ws) - 1, -1, -1):
                grads[k] = torch.bmm(acts[k].transpose(1, 2), e)
                if k > 0:
                    back = torch.bmm(e, ws[k].transpose(1, 2))
                    e = back * (1 - acts[k] * acts[k]) if tanh else back * (acts[k] > 0)
            bc1, bc2 = 1 - b1**t, 1 - b2**t
            for w, g, m, v in zip(ws, grads, ms, vs, strict=True):
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                w.addcdiv_(m, (v / bc2).sqrt_().add_(EPS), value=-LR / bc1)
        return ws
    return run


def make_loop(weights, x, y, wl: Workload, n_loop: int) -> Callable[[], list[torch.Tensor]]:
    n_loop = min(n_loop, x.shape[0])

    def run() -> list[torch.Tensor]:
        finals = []
        for m in range(n_loop):
            model = _sequential(wl, weights, m)
            opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
            xm, ym = x[m], y[m]
            norm = ym.square().sum()
            for _ in range(wl.steps):
                loss = (model(xm) - ym).square().sum() / norm
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            finals.append([lin.weight.detach().T for lin in model if isinstance(lin, torch.nn.Linear)])
        return [torch.stack([f[k] for f in finals]) for k in range(wl.depth)]
    return run


def make_jax(weights, x, y, wl: Workload, device: torch.device) -> Callable[[], list[torch.Tensor]] | None:
    try:
        import jax
        import jax.numpy as jnp
        from jax import lax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    platform = "gpu" if device.type == "cuda" else "cpu"
    try:
        dev = jax.devices(platform)[0]
    except RuntimeError:
        return None

    def to(t: torch.Tensor):
        return jax.device_put(jnp.asarray(t.detach().cpu().numpy()), dev)

    ws0 = tuple(to(w) for w in weights)
    xj, yj = to(x), to(y)
    b1, b2 = BETAS
    relu = wl.activation == "relu"

    def loss_one(ws, xm, ym):
        h = xm
        for w in ws[:-1]:
            h = jnp.maximum(h @ w, 0) if relu else jnp.tanh(h @ w)
        return jnp.sum((h @ ws[-1] - ym) ** 2) / jnp.sum(ym**2)

    grad_all = jax.vmap(jax.grad(loss_one))

    @jax.jit
    def train(ws, xx, yy, n):
        def body(i, state):
            ws, ms, vs = state
            gs = grad_all(ws, xx, yy)
            t = (i + 1).astype(xx.dtype)
            ms = tuple(b1 * m + (1 - b1) * g for m, g in zip(ms, gs, strict=True))
            vs = tuple(b2 * v + (1 - b2) * g * g for v, g in zip(vs, gs, strict=True))
            ws = tuple(w - LR / (1 - b1**t) * m / (jnp.sqrt(v / (1 - b2**t)) + EPS)
                       for w, m, v in zip(ws, ms, vs, strict=True))
            return ws, ms, vs
        zeros = tuple(jnp.zeros_like(w) for w in ws)
        return lax.fori_loop(0, n, body, (ws, zeros, zeros))[0]

    jax.block_until_ready(train(ws0, xj, yj, 1))  # compile (the trip count is traced: compiled once)

    def run() -> list[torch.Tensor]:
        out = jax.block_until_ready(train(ws0, xj, yj, wl.steps))
        return [torch.from_numpy(jax.device_get(w).copy()) for w in out]
    return run


# ----------------------------------------------------------------------------------------------------------


def _rel_diff(a: list[torch.Tensor], b: list[torch.Tensor]) -> float:
    num = sum(float((p.cpu().double() - q.cpu().double()).square().sum()) for p, q in zip(a, b, strict=True))
    den = sum(float(q.cpu().double().square().sum()) for q in b)
    return (num / den) ** 0.5


def _sides(wl: Workload, fam, theta, weights, x, y, device: torch.device, loop_models: int,
           skipped: dict[str, str], *, jax: bool) -> dict[str, Callable[[], list[torch.Tensor]]]:
    runs: dict[str, Callable[[], list[torch.Tensor]]] = {"engine": make_engine(fam, theta, x, y, wl)}
    for peer in wl.peers:
        if peer == "vmap":
            runs["vmap"] = make_vmap(weights, x, y, wl)
        elif peer == "bmm":
            runs["bmm"] = make_bmm(weights, x, y, wl)
        elif peer == "loop":
            runs["loop"] = make_loop(weights, x, y, wl, loop_models)
        elif peer == "jax" and jax:
            try:
                fn = make_jax(weights, x, y, wl, device)
            except Exception as exc:  # an optional peer: a broken JAX install is reported, not fatal
                fn, why = None, f"JAX failed: {type(exc).__name__}: {exc}"[:300]
            else:
                why = "JAX not importable (optional peer)"
            if fn is None:
                skipped["jax"] = why
            else:
                runs["jax"] = fn
    return runs


def run_workload(wl: Workload, device: torch.device, repeats: int, loop_models: int, matmul_rates: dict[str, float],
                 models: int | None) -> dict[str, Any]:
    m_total = models or wl.models
    wl = dataclasses.replace(wl, models=m_total)
    fam = mlp(wl.d_in, wl.widths, wl.d_out, wl.activation)
    dt = torch.float64 if wl.dtype == "float64" else torch.float32
    if wl.dtype not in matmul_rates:  # the machine's rate in this workload's dtype, measured in this run
        matmul_rates[wl.dtype] = matmul_gflops(device, dtype=dt)
    matmul = matmul_rates[wl.dtype]
    x, y = sampler_for(fam, wl.points)(f"bench-{wl.name}", range(m_total))
    x, y = x.to(device=device, dtype=dt), y.to(device=device, dtype=dt)
    theta = flatten(fam.initial(f"bench-{wl.name}", range(m_total), device=device), fam).to(dt)
    weights = [unflatten(theta, fam)[f"W{k + 1}"].contiguous() for k in range(wl.depth)]
    load_start = load()
    skipped: dict[str, str] = {}
    warm = _sides(dataclasses.replace(wl, steps=2), fam, theta, weights, x, y, device, loop_models, {}, jax=False)
    for fn in warm.values():  # warm-up: allocator, kernels, lazy imports
        fn()
    del warm
    runs = _sides(wl, fam, theta, weights, x, y, device, loop_models, skipped, jax="jax" in wl.peers)
    walls, cpu_ratio, last = interleaved(runs, repeats, device)
    model_steps = {k: (min(loop_models, m_total) if k == "loop" else m_total) * wl.steps for k in runs}
    flops = wl.flops_per_model_step()
    sides: dict[str, Any] = {}
    for k in runs:
        rate = model_steps[k] / median(walls[k])
        gflops = rate * flops / 1e9
        sides[k] = {"model_steps_per_s": rate, "seconds_each_repeat": [round(w, 4) for w in walls[k]],
                    "gflops": gflops, "fraction_of_matmul": gflops / matmul, "cpu_per_wall": cpu_ratio[k]}
        if k != "engine":
            ref = last["engine"] if k != "loop" else [w[: model_steps[k] // wl.steps] for w in last["engine"]]
            sides[k]["max_rel_param_diff_vs_engine"] = _rel_diff(last[k], ref)
    ratios = {f"engine/{k}": sides["engine"]["model_steps_per_s"] / sides[k]["model_steps_per_s"]
              for k in runs if k != "engine"}
    targets = {}
    for key, bound in wl.targets.items():
        value = ratios.get(key) if "/" in key else sides["engine"]["model_steps_per_s"]
        targets[key] = {"target": bound, "measured": value, "met": None if value is None else bool(value >= bound)}
    row = {"workload": wl.name, "d_in": wl.d_in, "widths": list(wl.widths), "d_out": wl.d_out,
           "activation": wl.activation, "points": wl.points, "models": m_total, "steps": wl.steps,
           "dtype": wl.dtype, "flops_per_model_step": flops, "sides": sides, "ratios": ratios,
           "targets": targets, "skipped": skipped, "load_at_start": load_start, "load_at_end": load()}
    if wl.fixed_cost:
        row["fixed_cost_per_step_us"] = _fixed_cost(fam, theta, x, y, wl, device)
        row["fixed_cost_fraction"] = {k: v * 1e-6 * wl.steps / median(walls[k])
                                      for k, v in row["fixed_cost_per_step_us"].items()}
    return row


def _fixed_cost(fam, theta, x, y, wl: Workload, device: torch.device) -> dict[str, float]:
    """Seconds per step at M = 1 (µs): the per-step cost that does not scale with the models."""
    one = dataclasses.replace(wl, models=1, steps=max(wl.steps, 200))
    w1 = [unflatten(theta[:1], fam)[f"W{k + 1}"].contiguous() for k in range(wl.depth)]
    runs = {"engine": make_engine(fam, theta[:1], x[:1], y[:1], one), "bmm": make_bmm(w1, x[:1], y[:1], one)}
    walls, _, _ = interleaved(runs, 3, device)
    return {k: 1e6 * median(v) / one.steps for k, v in walls.items()}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default="cpu", choices=("cpu", "gpu", "tiny"))
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats per workload (medians)")
    parser.add_argument("--loop-models", type=int, default=16, help="models timed in the per-model loop")
    parser.add_argument("--models", type=int, default=None, help="override M of every workload")
    parser.add_argument("--steps", type=int, default=None, help="override the Adam steps of every workload")
    parser.add_argument("--only", default=None, help="run only workloads whose name contains this text")
    parser.add_argument("--out", default=None, help="also write the JSON here")
    add_thread_arg(parser)
    args = parser.parse_args(argv)
    n_threads = apply_threads(args.threads)
    if n_threads == 1:  # the JAX peer on one thread too (read when jax is first imported)
        os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    device = resolve_device(args.device)
    head = environment(device)
    matmul: dict[str, float] = {}
    rows = []
    for wl in suite(args.suite):
        if args.only and args.only not in wl.name:
            continue
        if args.steps:
            wl = dataclasses.replace(wl, steps=args.steps)
        rows.append(run_workload(wl, device, args.repeats, args.loop_models, matmul, args.models))
        print(f"# {rows[-1]['workload']}: " + ", ".join(f"{k} {v:.3g}" for k, v in rows[-1]["ratios"].items()),
              file=sys.stderr)
    try:
        import jax
        jax_version = jax.__version__
    except ImportError:
        jax_version = None
    result = {"benchmark": "fit.adam", "suite": args.suite, **head, "jax": jax_version,
              "xla_flags": os.environ.get("XLA_FLAGS"), "matmul_gflops": matmul, "workloads": rows}
    emit(result, args.out)
    return result


if __name__ == "__main__":
    main()
