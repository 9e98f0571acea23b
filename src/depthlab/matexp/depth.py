"""Beyond the paper: how many equations can a depth-L matrix-exponential network solve?

The network W_L·expm(W_{L−1}·…expm(W_1·X)) has L·d² complex unknowns; n equations f(X_i) = Y_i impose n·d²
complex conditions. Counting suggests n_max(L) = L. Gai & Zhang (arXiv 2407.02540) solve n = 2 in closed form
with L = 3. Here the equations are solved numerically by a batched damped Gauss–Newton (Levenberg–Marquardt)
iteration on the complex parameters, with many random restarts per instance, all stacked on one tensor program.

The map is holomorphic in the weights, so complex Gauss–Newton with the holomorphic Jacobian J is exact
Gauss–Newton for the real problem. J is built by forward propagation of all L·d² tangent directions, with the
Fréchet derivative of expm from the Daleckii–Krein formula: for Z = V diag(z) V⁻¹,
L_exp(Z, E) = V (Φ ∘ (V⁻¹ E V)) V⁻¹, Φ_rs = (e^{z_r} − e^{z_s})/(z_r − z_s) (Higham, *Functions of Matrices*,
Thm. 3.11). The Jacobian only steers the step; every residual is a fresh forward evaluation with
``torch.linalg.matrix_exp`` in complex128, and a success means every equation's relative residual is ≤ ``tol``.
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
from depthlab.matexp.theory.network import forward_torch
from depthlab.progress import make_progress
from depthlab.results import ShardStore
from depthlab.seeding import config_hash, stacked_normal
from depthlab.validate import finite_float, positive_int

#: Scale of the random starting weights (entries CN(0, INIT_SCALE²/d)); nested exponentials grow quickly.
INIT_SCALE = 0.7
#: Success threshold on every equation's relative residual (certified by a forward evaluation, every residual ≤ it).
SUCCESS_TOL = 1e-10


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


def _expm_frechet_factors(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Eigendecomposition factors for the Daleckii–Krein Fréchet derivative of expm at ``z`` (..., d, d)."""
    lam, v = torch.linalg.eig(z)
    vinv = torch.linalg.inv_ex(v)[0]
    delta = lam[..., :, None] - lam[..., None, :]
    small = delta.abs() < 1e-12
    ratio = torch.where(small, torch.ones_like(delta), torch.expm1(delta) / torch.where(small, 1, delta))
    phi = torch.exp(lam)[..., None, :] * ratio  # Φ_rs = e^{z_s}·expm1(z_r − z_s)/(z_r − z_s)
    return v, vinv, phi


def _jacobian(x: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs and holomorphic Jacobian of the depth-L network.

    Args:
        x: ``(M, n, d, d)`` inputs; w: ``(M, L, d, d)`` weights.

    Returns:
        ``(F, J)``: F ``(M, n, d, d)``; J ``(M, n·d·d, L·d·d)`` with J[m, (i,r,c), (k,a,b)] = ∂F_i[r,c]/∂W_k[a,b].
    """
    m, n, d, _ = x.shape
    depth = w.shape[1]
    eye = torch.eye(d, dtype=x.dtype, device=x.device)
    h = x  # H_0 = X
    z = None
    tangent = None  # (M, n, P_so_far, d, d)
    for k in range(depth):
        wk = w[:, k][:, None]  # (M, 1, d, d)
        if k > 0:
            v, vinv, phi = _expm_frechet_factors(z)  # (M,n,…)
            h = torch.linalg.matrix_exp(z)
            # propagate earlier directions through expm: dH = V (Φ ∘ (V⁻¹ dZ V)) V⁻¹
            g = vinv[:, :, None] @ tangent @ v[:, :, None]
            dh = v[:, :, None] @ (phi[:, :, None] * g) @ vinv[:, :, None]
            tangent = wk[:, :, None] @ dh  # W_k dH
        # directions of W_k itself: dZ_k = E_ab H_{k-1}: row a of dZ is row b of H
        own = torch.einsum("ar,mibc->miabrc", eye, h).reshape(m, n, d * d, d, d)
        tangent = own if tangent is None else torch.cat([tangent, own], dim=2)
        z = wk @ h
    jac = tangent.permute(0, 1, 3, 4, 2).reshape(m, n * d * d, depth * d * d)
    return z, jac


def _residual(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-equation relative residuals (M, n) and the total squared residual (M,), inf where not finite."""
    f = forward_torch(x, w)
    diff = torch.linalg.matrix_norm(f - y)
    rel = diff / torch.linalg.matrix_norm(y)
    total = (diff**2).sum(dim=-1)
    bad = ~torch.isfinite(total)
    rel = torch.where(bad[:, None], torch.full_like(rel, math.inf), rel)
    total = torch.where(bad, torch.full_like(total, math.inf), total)
    return rel, total


def _init_weights(x: torch.Tensor, y: torch.Tensor, depth: int, seeds: Sequence[tuple[int, ...]],
                  key: str) -> torch.Tensor:
    """Random CN(0, INIT_SCALE²/d) weights for layers 1..L−1; W_L by least squares on the given data.

    A start whose hidden exponentials overflow keeps its random W_L (LM then rejects it at once).
    """
    m, n, d, _ = x.shape
    w = stacked_normal(key, seeds, (depth, d, d), complex_=True, device=x.device) * (INIT_SCALE / math.sqrt(d))
    h = x
    for k in range(depth - 1):
        h = torch.linalg.matrix_exp(w[:, k][:, None] @ h)
    # W_L [H_1 … H_n] = [Y_1 … Y_n]  ⇔  [H]ᵀ W_Lᵀ = [Y]ᵀ
    hcat = h.transpose(0, 1).permute(1, 2, 0, 3).reshape(m, d, n * d)
    ycat = y.transpose(0, 1).permute(1, 2, 0, 3).reshape(m, d, n * d)
    finite = torch.isfinite(torch.view_as_real(hcat)).flatten(1).all(dim=-1)
    hcat = torch.where(finite[:, None, None], hcat, torch.zeros_like(hcat))
    sol = torch.linalg.lstsq(hcat.mT, ycat.mT, driver="gelsd" if x.device.type == "cpu" else None).solution.mT
    ok = finite & torch.isfinite(torch.view_as_real(sol)).flatten(1).all(dim=-1)
    w[:, -1] = torch.where(ok[:, None, None], sol, w[:, -1])
    return w


def levenberg_marquardt(x: torch.Tensor, y: torch.Tensor, w0: torch.Tensor, *, max_iter: int = 200,
                        tol: float = SUCCESS_TOL, stop_tol: float = 1e-13) -> tuple[torch.Tensor, torch.Tensor,
                                                                                     torch.Tensor]:
    """Batched Levenberg–Marquardt on M independent models.

    Args:
        x, y: ``(M, n, d, d)`` equations of each model; w0: ``(M, L, d, d)`` starting weights.
        max_iter: iteration budget per model.
        tol: success threshold on every equation's relative residual.
        stop_tol: a model stops once every equation is below this (rounding level).

    Returns:
        ``(weights, residuals (M, n), iterations (M,))``.
    """
    m = x.shape[0]
    w = w0.clone()
    rel, total = _residual(x, y, w)
    mu = torch.full((m,), math.nan, dtype=torch.float64, device=x.device)
    nu = torch.full((m,), 2.0, dtype=torch.float64, device=x.device)
    iters = torch.zeros(m, dtype=torch.int64, device=x.device)
    active = torch.arange(m, device=x.device)
    for _ in range(max_iter):
        keep = (rel[active].amax(dim=-1) > stop_tol) & torch.isfinite(total[active]) & ~(mu[active] > 1e16)
        active = active[keep]
        if active.numel() == 0:
            break
        xa, ya, wa = x[active], y[active], w[active]
        f, jac = _jacobian(xa, wa)
        r = (f - ya).reshape(active.numel(), -1)
        jh = jac.mH
        a = jh @ jac
        g = (jh @ r[..., None])[..., 0]
        mua = mu[active]
        diag_max = a.diagonal(dim1=-2, dim2=-1).real.amax(dim=-1)
        mua = torch.where(torch.isnan(mua), 1e-3 * diag_max, mua)
        eye = torch.eye(a.shape[-1], dtype=a.dtype, device=a.device)
        chol, info = torch.linalg.cholesky_ex(a + mua.to(a.dtype)[:, None, None] * eye)
        step = -torch.cholesky_solve(g[..., None], chol)[..., 0]
        step = torch.where((info == 0)[:, None], step, torch.zeros_like(step))
        w_new = wa + step.reshape(wa.shape)
        rel_new, total_new = _residual(xa, ya, w_new)
        better = (total_new < total[active]) & (info == 0)
        # Nielsen's damping update from the gain ratio ρ = actual / predicted decrease (Madsen, Nielsen &
        # Tingleff, "Methods for non-linear least squares problems", 2004, §3.2)
        predicted = (step.conj() * (mua[:, None].to(step.dtype) * step - g)).sum(dim=-1).real
        rho = (total[active] - total_new) / predicted.clamp_min(1e-300)
        nua = nu[active]
        shrink = torch.clamp(1 - (2 * rho - 1) ** 3, min=1 / 3)
        mu[active] = torch.where(better, mua * shrink, mua * nua)
        nu[active] = torch.where(better, torch.full_like(nua, 2.0), nua * 2)
        w[active] = torch.where(better[:, None, None, None], w_new, wa)
        rel[active] = torch.where(better[:, None], rel_new, rel[active])
        total[active] = torch.where(better, total_new, total[active])
        iters[active] += 1
    return w, rel, iters


def fit_depth(x: torch.Tensor, y: torch.Tensor, depth: int, *, restarts: int = 16, max_iter: int = 200,
              tol: float = SUCCESS_TOL, seed: int = 0, chunk: int = 256) -> DepthFitResult:
    """Fit each instance's n equations with a depth-L network from ``restarts`` random starts.

    Args:
        x, y: ``(I, n, d, d)``.
        depth: L ≥ 1.
        restarts: random starts per instance (restart r of instance i is seeded by (seed, L, d, n, i, r)).
        max_iter: LM iterations per start.
        chunk: models per stacked batch (bounds memory: the Jacobian tangents take ~M·n·L·d⁴·16 bytes).

    Returns:
        :class:`DepthFitResult`.
    """
    depth = positive_int(depth, "depth")
    restarts = positive_int(restarts, "restarts")
    inst, n, d, _ = x.shape
    seeds = [(depth, d, n, i, r) for i in range(inst) for r in range(restarts)]
    xs = x.repeat_interleave(restarts, dim=0)
    ys = y.repeat_interleave(restarts, dim=0)
    out_w, out_r, out_it = [], [], []
    for lo in range(0, len(seeds), chunk):
        hi = min(lo + chunk, len(seeds))
        w0 = _init_weights(xs[lo:hi], ys[lo:hi], depth, seeds[lo:hi], key=f"matexp-depth-init:{seed}")
        w, rel, it = levenberg_marquardt(xs[lo:hi], ys[lo:hi], w0, max_iter=max_iter, tol=tol)
        out_w.append(w)
        out_r.append(rel)
        out_it.append(it)
    return DepthFitResult(weights=torch.cat(out_w).reshape(inst, restarts, depth, d, d),
                          residuals=torch.cat(out_r).reshape(inst, restarts, n),
                          iterations=torch.cat(out_it).reshape(inst, restarts), tol=tol)


# ----------------------------------------------------------------------------------------------------------------
# The n_max(L, d) table


@dataclass(frozen=True)
class DepthTableConfig:
    """Configuration of the n_max(L, d) search.

    For each (L, d), n = 1, 2, … is tried until fewer than half of ``instances`` random instances are solved
    (some restart reaches residual ≤ ``tol`` on every equation), or n reaches ``n_cap``.
    """

    depths: tuple[int, ...] = (1, 2, 3, 4, 5)
    dims: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8)
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
    res = fit_depth(x, y, depth, restarts=cfg.restarts, max_iter=cfg.max_iter, tol=cfg.tol, seed=cfg.seed)
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
