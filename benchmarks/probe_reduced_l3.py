"""Probe: reduced formulations of the bias-free tanh L = 3 fit (tuning seed only; prints JSON).

A square bias-free tanh net of width d and depth 3 fits (X, Y) (N × d each, rank Y = d) iff
H = tanh(tanh(X W1) W2) has col(H) = col(Y), with W3 = H⁺Y. With Q⊥ (N × (N − d)) an orthonormal basis of
col(Y)^⊥, the output layer drops out of the equations Q⊥ᵀ H = 0: 2d² unknowns and d(N − d) equations, the same
count N ≤ 3d as the full net (P/d = 3d). This script runs Levenberg–Marquardt (the engine's
batched step and damping, :mod:`depthlab.engine.lm`) on four residuals built on
that reduction, from random starts, and reports how many data sets each fits *as a network* (W3 by least
squares, relative residual ≤ ``--tol``) beside the median condition number of H:

* ``norm-w2``: Q⊥ᵀ H with the column norms of W2 held at ``--scale`` (d extra equations; keeps a unit from
  collapsing to w = 0, where tanh(0) = 0 lies in col(Y));
* ``norm-both``: the same, with the column norms of W1 held too (2d extra equations);
* ``unit-normalised``: Q⊥ᵀ h_i / ‖h_i‖ per unit i (scale-free, no extra equations);
* ``subspace``: Q⊥ᵀ Q_H with Q_H an orthonormal basis of col(H) (QR): the sines of the principal angles.

Every reduced residual is also solved by degenerate points: H of rank < d (W1 → 0, or all units equal), on
which the network fit fails. This is an optimiser probe, not a capacity measurement: a failure certifies
nothing. Data: the protocol's data sets (``depthlab.capacity.success.make_data``) of the tuning seed.

Usage::

    PYTHONPATH=src python benchmarks/probe_reduced_l3.py --width 8 --points 15,18,20,22 --out probe.json
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import torch
from torch.func import vmap

from _bench import add_thread_arg, apply_threads, emit, environment
from depthlab.capacity.success import make_data
from depthlab.engine.config import FitConfig
from depthlab.engine.lm import lm_step, nielsen_update, stacked_jacobian

VARIANTS = ("norm-w2", "norm-both", "unit-normalised", "subspace")


def _qperp(y: torch.Tensor) -> torch.Tensor:
    """(N, d) → (N, N − d): orthonormal basis of col(y)^⊥ (complete QR)."""
    q, _ = torch.linalg.qr(y, mode="complete")
    return q[:, y.shape[1]:]


def _residual(variant: str, d: int, scale: float) -> Callable[[torch.Tensor, torch.Tensor, torch.Tensor],
                                                               torch.Tensor]:
    """The reduced residual r(θ; x, Q⊥) of one model, θ = (W1, W2) flat (2d²,)."""

    def r(theta: torch.Tensor, x: torch.Tensor, qp: torch.Tensor) -> torch.Tensor:
        w1 = theta[: d * d].reshape(d, d)
        w2 = theta[d * d:].reshape(d, d)
        h = torch.tanh(torch.tanh(x @ w1) @ w2)  # (N, d)
        if variant == "subspace":
            return (qp.T @ torch.linalg.qr(h)[0]).reshape(-1)
        if variant == "unit-normalised":
            return (qp.T @ (h / h.norm(dim=0, keepdim=True))).reshape(-1)
        parts = [(qp.T @ h).reshape(-1), (w2 * w2).sum(0) - scale**2]
        if variant == "norm-both":
            parts.append((w1 * w1).sum(0) - scale**2)
        return torch.cat(parts)

    return r


def probe(variant: str, d: int, n: int, trials: int, starts: int, iters: int, scale: float, seed: int,
          tol: float) -> dict:
    """LM from ``starts`` random starts per data set; one row of the JSON output."""
    x, y = make_data(d, n, range(trials), seed)
    qp = torch.stack([_qperp(yy) for yy in y])
    res = _residual(variant, d, scale)
    R = vmap(res)
    gen = torch.Generator().manual_seed(1234)
    fitted = torch.zeros(trials, dtype=torch.bool)
    conds, t0 = [], time.perf_counter()
    for _ in range(starts):
        th = torch.randn(trials, 2 * d * d, generator=gen, dtype=torch.float64) / math.sqrt(d)
        w2 = th[:, d * d:].reshape(trials, d, d)
        w2 = w2 / w2.norm(dim=1, keepdim=True) * scale
        th = torch.cat([th[:, : d * d], w2.reshape(trials, -1)], 1)
        r = R(th, x, qp)
        f = 0.5 * r.square().sum(1)
        lam = nu = lam0 = None
        for _ in range(iters):  # the engine's LM pieces: batched Jacobian, damped step, Nielsen's damping update
            jac = stacked_jacobian(lambda t: R(t, x, qp), th, r.shape[1])
            if lam is None:
                lam = FitConfig().lm_tau * jac.square().sum(1).mean(1).clamp_min(torch.finfo(f.dtype).tiny)
                nu, lam0 = torch.full_like(f, 2.0), lam.clone()
            delta, ok = lm_step(jac, r, lam)
            g = torch.bmm(r.unsqueeze(1), jac).squeeze(1)
            r_new = R(th + delta, x, qp)
            f_new = 0.5 * r_new.square().sum(1)
            accept, lam, nu = nielsen_update(f, f_new, delta, g, ok, lam, nu)
            th = torch.where(accept[:, None], th + delta, th)
            r = torch.where(accept[:, None], r_new, r)
            f = torch.where(accept, f_new, f)
            if bool(((f < 1e-26) | (lam > 1e16 * lam0)).all()):
                break
        w1 = th[:, : d * d].reshape(trials, d, d)
        w2 = th[:, d * d:].reshape(trials, d, d)
        h = torch.tanh(torch.tanh(x @ w1) @ w2)
        w3 = torch.linalg.lstsq(h, y).solution
        rel = (h @ w3 - y).flatten(1).norm(dim=1) / y.flatten(1).norm(dim=1)
        fitted |= rel <= tol
        conds.append(torch.linalg.cond(h))
    return {"variant": variant, "width": d, "n_points": n, "data_sets": trials, "starts": starts,
            "fitted_data_sets": int(fitted.sum()), "median_cond_H": float(torch.cat(conds).median()),
            "seconds": round(time.perf_counter() - t0, 2)}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--width", type=int, default=8)
    p.add_argument("--points", default="15,18,20,22", help="comma-separated N")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--trials", type=int, default=16)
    p.add_argument("--starts", type=int, default=2)
    p.add_argument("--iters", type=int, default=300)
    p.add_argument("--scale", type=float, default=1.5, help="held column norm (norm-* variants)")
    p.add_argument("--seed", type=int, default=1, help="data seed (1: the study's tuning seed)")
    p.add_argument("--tol", type=float, default=1e-8, help="network fit: relative residual ≤ tol")
    p.add_argument("--out", default=None)
    add_thread_arg(p)
    a = p.parse_args(argv)
    apply_threads(a.threads)
    env = environment(torch.device("cpu"))
    rows = [probe(v, a.width, int(n), a.trials, a.starts, a.iters, a.scale, a.seed, a.tol)
            for v in a.variants.split(",") for n in a.points.split(",")]
    emit({"benchmark": "probe_reduced_l3", **env, "activation": "tanh", "depth": 3, "bias": False,
          "iters": a.iters, "scale": a.scale, "seed": a.seed, "tol": a.tol, "rows": rows}, a.out)


if __name__ == "__main__":
    main()
