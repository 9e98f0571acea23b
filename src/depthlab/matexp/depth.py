"""Beyond the paper: how many equations can a depth-L matrix-exponential network solve?

The network W_L·expm(W_{L−1}·…expm(W_1·X)) has L·d² complex unknowns; n equations f(X_i) = Y_i impose n·d²
complex conditions. Counting suggests n_max(L) = L. Gai & Zhang (arXiv 2407.02540) solve n = 2 in closed form
with L = 3. Here the equations are solved numerically, with many random restarts per instance stacked as one
tensor program, by the engine (:func:`depthlab.engine.fit`, its ``"lm"`` solver: batched Levenberg–Marquardt
with Nielsen's damping) on the family :func:`depthlab.matexp.family.matexp_net`.

The map is holomorphic in the weights, so Gauss–Newton with the holomorphic Jacobian J is exact Gauss–Newton
for the real problem; the family hands the engine J in real pairs (``w_re``, ``w_im``), built by forward
propagation of all L·d² tangent directions with the Fréchet derivative of expm from the Daleckii–Krein
formula: for Z = V diag(z) V⁻¹, L_exp(Z, E) = V (Φ ∘ (V⁻¹ E V)) V⁻¹, Φ_rs = (e^{z_r} − e^{z_s})/(z_r − z_s)
(Higham, *Functions of Matrices*, Thm. 3.11; :func:`depthlab.matexp.theory.network.jacobian_torch`). The
Jacobian only steers the step; every residual is a fresh forward evaluation with ``torch.linalg.matrix_exp``
in complex128, and a success means every equation's relative residual is ≤ ``tol``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch

from depthlab.device import resolve_device
from depthlab.engine import FitConfig, fit
from depthlab.matexp.family import complex_weights, matexp_net
from depthlab.matexp.theory.network import forward_torch
from depthlab.progress import make_progress
from depthlab.results import ShardStore
from depthlab.seeding import config_hash, stacked_normal
from depthlab.validate import finite_float, positive_int

#: Scale of the random starting weights (entries CN(0, INIT_SCALE²/d)); nested exponentials grow quickly.
INIT_SCALE = 0.7
#: Success threshold on every equation's relative residual (certified by a forward evaluation, every residual ≤ it).
SUCCESS_TOL = 1e-10
#: The LM stage stops a model once ‖F − Y‖_F/‖Y‖_F ≤ this (rounding level; the pre-engine loop stopped at every
#: equation ≤ 1e-13).
STOP_TOL = 1e-13
#: LM iterations without a 0.1% loss decrease after which a start is abandoned (see :func:`lm_config`).
LM_PATIENCE = 25


@dataclass(frozen=True)
class DepthFitResult:
    """Outcome of fitting n equations with a depth-L network from several restarts per instance.

    Attributes:
        weights: ``(I, R, L, d, d)`` final weights of every restart.
        residuals: ``(I, R, n)`` relative residual of each equation.
        iterations: ``(I, R)`` LM iterations used.
    """

    weights: torch.Tensor
    residuals: torch.Tensor
    iterations: torch.Tensor
    tol: float

    @property
    def max_residual(self) -> torch.Tensor:
        """``(I, R)``: the worst equation of each restart."""
        return self.residuals.amax(dim=-1)

    @property
    def solved(self) -> torch.Tensor:
        """``(I,)``: whether some restart solved every equation of the instance."""
        return (self.max_residual <= self.tol).any(dim=-1)

    def best(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(weights (I, L, d, d), residuals (I, n))`` of each instance's best restart."""
        idx = self.max_residual.nan_to_num(math.inf).argmin(dim=-1)
        rows = torch.arange(idx.numel(), device=idx.device)
        return self.weights[rows, idx], self.residuals[rows, idx]


def random_equations(instances: int, n: int, d: int, seed: int = 0, *,
                     device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """``(X, Y)``, each ``(instances, n, d, d)``, entries CN(0, 1/d); instance i depends only on (seed, d, n, i)."""
    key = f"matexp-depth-data:{seed}"
    xy = stacked_normal(key, [(d, n, i) for i in range(instances)], (2, n, d, d), complex_=True, device=device)
    xy = xy / math.sqrt(d)
    return xy[:, 0], xy[:, 1]


def _residual(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Per-equation relative residuals ``(M, n)`` of a fresh forward evaluation; inf where not finite."""
    f = forward_torch(x, w)
    rel = torch.linalg.matrix_norm(f - y) / torch.linalg.matrix_norm(y)
    bad = ~torch.isfinite(rel).all(dim=-1)
    return torch.where(bad[:, None], torch.full_like(rel, math.inf), rel)


def initial_weights(depth: int, d: int, seeds: Sequence[tuple[int, ...]], key: str, *,
                    device: str | torch.device = "cpu") -> torch.Tensor:
    """``(M, L, d, d)`` random starting weights, entries CN(0, INIT_SCALE²/d); start m depends only on
    ``(key, seeds[m])``. (The engine's LM stage then re-solves W_L by least squares: the family's readout.)"""
    return stacked_normal(key, seeds, (depth, d, d), complex_=True, device=device) * (INIT_SCALE / math.sqrt(d))


def lm_config(max_iter: int, patience: int | None = None) -> FitConfig:
    """The engine configuration of every depth-table fit: one ``"lm"`` stage of ``max_iter`` iterations.

    A model stops when ‖F − Y‖_F/‖Y‖_F ≤ :data:`STOP_TOL` (solved to rounding level), when it has not lowered
    its loss by 0.1% in ``patience`` iterations (default :data:`LM_PATIENCE`), or when its damping exceeds
    1e16 × its start. The engine's own success flag (total residual ≤ ``SUCCESS_TOL``) is not used: the table
    judges every equation separately (:func:`solve_stacked`).
    """
    return FitConfig(stages=("lm",), tol=SUCCESS_TOL, lm_polish_factor=STOP_TOL / SUCCESS_TOL,
                     lm_steps=positive_int(max_iter, "max_iter"),
                     lm_patience=LM_PATIENCE if patience is None else positive_int(patience, "patience"))


def solve_stacked(x: torch.Tensor, y: torch.Tensor, w0: torch.Tensor, *, max_iter: int = 300,
                  device: str | torch.device = "cpu", chunk: int | None = None,
                  patience: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Fit M independent models through the engine (:func:`depthlab.engine.fit`, the ``"lm"`` solver).

    Args:
        x, y: ``(M, n, d, d)`` equations of each model; w0: ``(M, L, d, d)`` starting weights.
        max_iter: LM iterations per model.
        device: where the engine runs.
        chunk: models per stacked batch (default: planned by the engine from the memory available); results
            do not depend on it.
        patience: see :func:`lm_config`.

    Returns:
        ``(weights (M, L, d, d), residuals (M, n), iterations (M,))`` on CPU; ``residuals`` is every
        equation's relative residual from a fresh float64 forward evaluation of the returned weights.
    """
    m, _, d, _ = x.shape
    fam = matexp_net(d, w0.shape[1], init_scale=INIT_SCALE / math.sqrt(d))
    init = {"w_re": w0.real.contiguous(), "w_im": w0.imag.contiguous()}
    res = fit(fam, (x, y), key="matexp-depth", indices=range(m), init=init,
              config=lm_config(max_iter, patience), device=device, chunk_size=chunk)
    w = complex_weights(res.params)
    return w, _residual(x.cpu(), y.cpu(), w), torch.as_tensor(res.lm_steps)


def fit_depth(x: torch.Tensor, y: torch.Tensor, depth: int, *, restarts: int = 16, max_iter: int = 200,
              tol: float = SUCCESS_TOL, seed: int = 0, chunk: int | None = None,
              device: str | torch.device = "cpu") -> DepthFitResult:
    """Fit each instance's n equations with a depth-L network from ``restarts`` random starts.

    Args:
        x, y: ``(I, n, d, d)``.
        depth: L ≥ 1.
        restarts: random starts per instance (restart r of instance i is seeded by (seed, L, d, n, i, r)).
        max_iter: LM iterations per start.
        tol: success threshold on every equation's relative residual.
        chunk: models per stacked batch (default: the engine's plan); results do not depend on it.

    Returns:
        :class:`DepthFitResult`.
    """
    depth = positive_int(depth, "depth")
    restarts = positive_int(restarts, "restarts")
    inst, n, d, _ = x.shape
    seeds = [(depth, d, n, i, r) for i in range(inst) for r in range(restarts)]
    w0 = initial_weights(depth, d, seeds, key=f"matexp-depth-init:{seed}", device=x.device)
    w, rel, it = solve_stacked(x.repeat_interleave(restarts, dim=0), y.repeat_interleave(restarts, dim=0), w0,
                               max_iter=max_iter, device=device, chunk=chunk)
    return DepthFitResult(weights=w.reshape(inst, restarts, depth, d, d), residuals=rel.reshape(inst, restarts, n),
                          iterations=it.reshape(inst, restarts), tol=tol)


# ----------------------------------------------------------------------------------------------------------------
# The n_max(L, d) table


@dataclass(frozen=True)
class DepthTableConfig:
    """Configuration of the n_max(L, d) search.

    For each (L, d), n = 1, 2, … is tried until fewer than half of ``instances`` random instances are solved
    (some restart reaches residual ≤ ``tol`` on every equation), or n reaches ``n_cap``.
    """

    depths: tuple[int, ...] = (1, 2, 3, 4, 5)
    dims: tuple[int, ...] = (2, 3, 4, 5, 6)
    instances: int = 4
    restarts: int = 16
    max_iter: int = 300
    tol: float = SUCCESS_TOL
    seed: int = 0
    n_cap: int = 8

    def __post_init__(self) -> None:
        for v in self.depths:
            positive_int(v, "depth")
        for v in self.dims:
            positive_int(v, "d")
        positive_int(self.instances, "instances")
        positive_int(self.restarts, "restarts")
        positive_int(self.max_iter, "max_iter")
        positive_int(self.n_cap, "n_cap")
        finite_float(self.tol, "tol", low=0, low_open=True)

    def cell(self, depth: int, d: int, n: int) -> dict:
        """The content-hashed config of one (L, d, n) cell."""
        return {"study": "matexp-depth", "depth": depth, "d": d, "n": n, "instances": self.instances,
                "restarts": self.restarts, "max_iter": self.max_iter, "tol": self.tol, "seed": self.seed}


def run_cell(cfg: DepthTableConfig, depth: int, d: int, n: int, device: torch.device) -> pd.DataFrame:
    """Fit one (L, d, n) cell: one row per instance."""
    x, y = random_equations(cfg.instances, n, d, cfg.seed, device=device)
    t0 = time.perf_counter()
    res = fit_depth(x, y, depth, restarts=cfg.restarts, max_iter=cfg.max_iter, tol=cfg.tol, seed=cfg.seed,
                    device=device)
    secs = time.perf_counter() - t0
    _, best_res = res.best()
    best_max = best_res.amax(dim=-1).cpu().numpy()
    solved = res.solved.cpu().numpy()
    n_ok = (res.max_residual <= cfg.tol).sum(dim=-1).cpu().numpy()
    return pd.DataFrame({
        "depth": depth, "d": d, "n": n, "instance": np.arange(cfg.instances), "solved": solved,
        "best_residual": best_max, "restarts_solved": n_ok, "restarts": cfg.restarts,
        "unknowns": depth * d * d, "equations": n * d * d,
        "median_iterations": res.iterations.double().median(dim=-1).values.cpu().numpy(),
        "seconds": secs / cfg.instances,
    })


def _cells(cfg: DepthTableConfig) -> Iterator[tuple[int, int]]:
    for d in cfg.dims:
        for depth in cfg.depths:
            yield depth, d


def depth_table(cfg: DepthTableConfig, store: ShardStore | None = None, *, device: str | torch.device = "cpu",
                progress: bool = True) -> pd.DataFrame:
    """Run the n_max(L, d) search; every finished (L, d, n) cell is a shard, so a re-run resumes.

    Returns:
        one row per (L, d, n, instance) tried (see :func:`run_cell`).
    """
    dev = resolve_device(device)
    cells = list(_cells(cfg))
    frames = []
    prog = make_progress() if progress else None
    with prog if prog is not None else _null():
        task = prog.add_task("n_max(L, d)", total=len(cells)) if prog is not None else None
        for depth, d in cells:
            for n in range(1, cfg.n_cap + 1):
                key = config_hash(cfg.cell(depth, d, n))
                if store is not None and store.has(key):
                    df = store.read(key)
                else:
                    df = run_cell(cfg, depth, d, n, dev)
                    if store is not None:
                        store.write(key, df, cfg.cell(depth, d, n))
                frames.append(df)
                if df["solved"].mean() < 0.5:
                    break
            if prog is not None:
                prog.advance(task)
    return pd.concat(frames, ignore_index=True).drop(columns="shard", errors="ignore")


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *a: object) -> None:
        return None


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    """n_max per (L, d): the largest n at which at least half of the instances were solved.

    Columns: depth, d, n_max, count_bound (= L, from L·d² unknowns vs n·d² equations), first_failed_n and the
    success fraction there.
    """
    frac = table.groupby(["depth", "d", "n"])["solved"].mean().rename("success").reset_index()
    rows = []
    for (depth, d), g in frac.groupby(["depth", "d"]):
        g = g.sort_values("n")
        ok = g[g["success"] >= 0.5]["n"]
        n_max = 0
        for n in g["n"]:  # consecutive from n = 1
            if n in set(ok) and n == n_max + 1:
                n_max = n
        failed = g[g["n"] == n_max + 1]
        rows.append({"depth": int(depth), "d": int(d), "n_max": int(n_max), "count_bound": int(depth),
                     "first_failed_n": int(n_max + 1) if len(failed) else None,
                     "success_at_failed": float(failed["success"].iloc[0]) if len(failed) else None})
    return pd.DataFrame(rows)


def config_dict(cfg: DepthTableConfig) -> dict:
    return asdict(cfg)
