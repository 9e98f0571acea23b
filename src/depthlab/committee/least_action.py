"""Least-action learning for sign (threshold) committee machines, batched over machines.

Algorithm: the *least-action* rule of Nilsson (Learning Machines, 1965, the
committee-machine training procedure) and Mitchison & Durbin, "Bounds on the learning capacity of some
multi-layer networks", Biol. Cybern. 60, 345 (1989), in a parallel (batch) form with a margin:

* fields λ_l^μ = W_l·ξ_l^μ/|W_l| (unit variance) and unit stabilities s_l^μ = y^μ λ_l^μ;
* unit l is *safely right* on pattern μ when s_l^μ > κ (margin κ); a pattern needs work when fewer than
  (K + 1)/2 of its units are safely right (the majority vote is then wrong or within the margin);
* for such a pattern with deficit d = (K + 1)/2 − #safe, the d units that are not safe but have the largest
  s_l^μ — the ones whose field has to move least, hence "least action" — receive a perceptron step
  W_l ← W_l + η/√n · y^μ ξ_l^μ (η in field units: one step moves that pattern's λ_l by η);
* all patterns' steps of one epoch are summed (one batched matrix product per epoch; ``block`` > 0 updates
  after every block of that many patterns instead);
* the weights are NOT projected back onto the sphere: as in the classical perceptron, |W_l| grows, so the
  relative step shrinks and the dynamics anneal (the machine's output depends only on the directions W_l/|W_l|,
  so this is still the spherical model). With a fixed-norm projection we measured the batch perceptron (K = 1)
  oscillating without converging at α = 1.5, N = 63;
* a machine stops as soon as the TRUE sign machine classifies every pattern (checked in float64 at the end).

For K = 1 this is the batch perceptron with margin κ, which converges whenever the patterns are linearly
separable with margin (Cover's α = 2 at κ = 0).

Defaults (η = 3, κ = 0, the margin-free least-action rule) were picked on N = 231, K = 7 from a handful of
(η, κ) pairs (κ ∈ {0, 0.005, 0.01, 0.02, 0.1, 0.2, 0.3, 0.5}, η ∈ {0.3, 1, 3, 10}; 16 problems per α, seed keys
separate from the study's). κ ≥ 0.1 was clearly worse; κ ≤ 0.02 all gave about the same success.

Shapes: ``W (M, K, n)``, ``X (M, P, K, n)`` (the (M, K, n, P)-contiguous view of
:func:`depthlab.committee.model.make_instances`), ``y (M, P)``. Every operation acts on each machine
separately, so results do not depend on how machines are chunked.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from depthlab.committee.model import (
    CommitteeSpec,
    check_solutions,
    group_dot,
    n_errors,
    project_sphere,
    random_weights,
    select_machines,
)
from depthlab.errors import ConfigError
from depthlab.validate import finite_float, positive_int


@dataclasses.dataclass(frozen=True)
class LeastActionSettings:
    """Settings of :func:`least_action`.

    Attributes:
        epochs: parallel least-action epochs per machine (one batched update each).
        lr: step η in field units (one step moves the updated unit's field on that pattern by η).
        margin: κ, in units of the unit-variance fields.
        chunk: machines per stacked batch.
        dtype: ``"float32"`` or ``"float64"`` (success is certified in float64 either way).
        block: patterns per update (0: the whole epoch at once, one batched product per epoch).
    """

    epochs: int = 2000
    lr: float = 3.0
    margin: float = 0.0
    chunk: int = 256
    dtype: str = "float32"
    block: int = 0

    def __post_init__(self) -> None:
        positive_int(self.epochs, "epochs")
        positive_int(self.chunk, "chunk")
        if int(self.block) < 0:
            raise ConfigError(f"block must be ≥ 0 (0: whole epoch), got {self.block}")
        finite_float(self.lr, "lr", low=0.0, low_open=True)
        finite_float(self.margin, "margin", low=0.0)
        if self.dtype not in ("float32", "float64"):
            raise ConfigError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")


def least_action_updates(lam: torch.Tensor, y: torch.Tensor, margin: float) -> torch.Tensor:
    """Which (pattern, unit) pairs get a perceptron step this epoch: ``(M, P, K)`` bool.

    Args:
        lam: fields ``(M, P, K)``; y: labels ``(M, P)``; margin: κ.
    """
    K = lam.shape[-1]
    s = y.unsqueeze(-1) * lam
    safe = s > margin
    deficit = (K + 1) // 2 - safe.sum(dim=-1, keepdim=True)  # (M, P, 1); ≤ 0 when the pattern is done
    # Rank the unsafe units by stability, largest first (least action); safe units go last.
    key = torch.where(safe, torch.full_like(s, -math.inf), s)
    order = torch.argsort(key, dim=-1, descending=True)
    rank = torch.argsort(order, dim=-1)
    return (rank < deficit) & ~safe


def least_action(W0: torch.Tensor, X: torch.Tensor, y: torch.Tensor, settings: LeastActionSettings
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Run least-action learning on stacked sign committee machines.

    Args:
        W0: initial weights ``(M, K, n)`` (any norm). X: patterns ``(M, P, K, n)``. y: labels ``(M, P)``.
        settings: epochs, step, margin.

    Returns:
        ``(W, epochs)``: final weights ``(M, K, n)`` float64 projected onto the sphere and, per machine, the
        epoch at which the true machine first stored every pattern (``settings.epochs`` if it never did).
    """
    dt = torch.float32 if settings.dtype == "float32" else torch.float64
    M, K, n = W0.shape
    if K % 2 == 0:
        raise ConfigError(f"least-action learning is for sign committee machines with odd K, got K={K}")
    xs, ys = X.to(dt), y.to(dt)
    W = project_sphere(W0.to(dt))
    out = W.clone()
    steps = torch.full((M,), settings.epochs, dtype=torch.long, device=W.device)
    active = torch.arange(M, device=W.device)
    scale = settings.lr / math.sqrt(n)
    for t in range(settings.epochs + 1):
        lam = group_dot(xs, W) / W.norm(dim=-1).unsqueeze(1)
        stored = ((ys * torch.sign(lam).sum(dim=-1)) > 0).all(dim=-1)
        if t == settings.epochs:
            stored = torch.ones_like(stored)
        if bool(stored.any()):
            out[active[stored]] = W[stored]
            if t < settings.epochs:
                steps[active[stored]] = t
            keep = ~stored
            active, W = active[keep], W[keep]
            xs, ys, lam = select_machines(xs, keep), ys[keep], lam[keep]
            if active.numel() == 0:
                break
        W = _epoch(W, xs, ys, lam, settings, scale)
    return project_sphere(out.to(torch.float64)), steps


def _epoch(W: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor, lam: torch.Tensor, settings: LeastActionSettings,
           scale: float) -> torch.Tensor:
    """One pass over the patterns in blocks of ``settings.block`` (all at once when 0)."""
    P = xs.shape[1]
    B = settings.block or P
    for s in range(0, P, B):
        xb, yb = xs[:, s:s + B], ys[:, s:s + B]
        lb = lam if B == P else group_dot(xb, W) / W.norm(dim=-1).unsqueeze(1)
        sel = least_action_updates(lb, yb, settings.margin)
        G = (sel * yb.unsqueeze(-1)).to(W.dtype)  # (M, B, K)
        # Σ_μ G_μl ξ_μl for every unit: a row-vector × matrix product on the (M, K, n, P) storage.
        W = W + scale * torch.matmul(G.transpose(1, 2).unsqueeze(2), xb.permute(0, 2, 1, 3)).squeeze(2)
    return W


def least_action_instances(spec: CommitteeSpec, P: int, key: str, instances: int, restarts: int,
                           settings: LeastActionSettings, *, device: torch.device | str = "cpu"
                           ) -> dict[str, np.ndarray]:
    """Least-action learning on ``instances × restarts`` sign machines (chunks of ``settings.chunk``).

    Same data and initialisations as :func:`depthlab.committee.training.train_instances` (keys ``key`` and
    ``key/init``), and the same per-instance summary: ``solved`` (checked on the true machine in float64),
    ``restarts_solved``, ``errors_min``, ``steps`` (epochs of the fastest solving restart, NaN if none).
    """
    from depthlab.committee.training import _stack, _summarise

    dt = torch.float32 if settings.dtype == "float32" else torch.float64
    X, y, idx = _stack(spec, P, key, instances, restarts, dt, device)
    W0 = random_weights(spec, f"{key}/init", idx, dtype=dt, device=device)
    Ws, steps = [], []
    for s in range(0, len(idx), settings.chunk):
        W, st = least_action(W0[s:s + settings.chunk], X[s:s + settings.chunk], y[s:s + settings.chunk], settings)
        Ws.append(W)
        steps.append(st)
    W = torch.cat(Ws)
    ok = check_solutions(W, X, y, "sign")
    errs = n_errors(W, X.double(), y.double(), "sign")
    return _summarise(ok.cpu(), errs.cpu(), torch.cat(steps).cpu(), instances, restarts)
