"""Experiment side of the matrix-exponential study: the closed form, the one-layer gap and the depth table.

Each function returns a tidy :class:`pandas.DataFrame` (one row per instance) so the report, the CLI and the
figures share the same numbers.

:func:`run` is the study's experiment for ``depthlab reproduce``: it returns the tables its claims are judged on
(:mod:`depthlab.matexp.claims`) and draws nothing itself (:mod:`depthlab.matexp.figures`).

References:
    Gai & Zhang, "Analytical solution of a three-layer network with a matrix exponential activation
    function", arXiv 2407.02540 (the three-layer closed form and the one-layer limitation); the construction
    and its diagnostics are documented in docs/matexp.md.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from depthlab.matexp.depth import DepthTableConfig, depth_table, summarize
from depthlab.matexp.theory.baseline import one_equation_exact, one_layer_fit
from depthlab.matexp.theory.certify import MAX_CERTIFY_D, certify
from depthlab.matexp.theory.closed_form import random_problem, solve_problem
from depthlab.progress import track
from depthlab.report.types import StudyContext, StudyResult
from depthlab.results import ShardStore
from depthlab.validate import positive_int


@dataclass(frozen=True)
class ClosedFormConfig:
    """Which random instances the closed-form experiment solves.

    Attributes:
        dims: matrix sizes d.
        instances: random instances per (d, real/complex).
        real: also run real data (entries N(0, 1/d)); complex data has entries CN(0, 1/d).
        certify_max_d: certify with mpmath (40 digits) up to this d (≤ 8).
        seed: root seed; instance i of size d uses seed (seed, d, i, real).
    """

    dims: tuple[int, ...] = (1, 2, 4, 8, 16, 32)
    instances: int = 8
    real: bool = True
    certify_max_d: int = 4
    seed: int = 0

    def __post_init__(self) -> None:
        for d in self.dims:
            positive_int(d, "d")
        positive_int(self.instances, "instances")


@dataclass(frozen=True)
class MatexpStudyConfig:
    """Configuration of the whole study (closed form + depth table)."""

    closed_form: ClosedFormConfig = field(default_factory=ClosedFormConfig)
    depth: DepthTableConfig = field(default_factory=DepthTableConfig)

    def to_dict(self) -> dict:
        return asdict(self)


def quick_config(seed: int = 0) -> MatexpStudyConfig:
    """A couple of minutes on a 2-core CPU."""
    return MatexpStudyConfig(
        closed_form=ClosedFormConfig(dims=(1, 2, 4, 8, 16, 32), instances=6, certify_max_d=4, seed=seed),
        depth=DepthTableConfig(depths=(1, 2, 3), dims=(2, 3), instances=4, restarts=8, max_iter=200,
                               n_cap=5, seed=seed),
    )


def full_config(seed: int = 0) -> MatexpStudyConfig:
    """The full study: d up to 256 for the closed form; the depth table at L = 1..5, d = 2..6 (4 instances ×
    16 restarts × 300 LM iterations per (L, d, n) cell; d ≤ 4 took 6 minutes on one loaded CPU thread, d = 5
    and 6 take most of the time: plan for an hour on a CPU)."""
    return MatexpStudyConfig(
        closed_form=ClosedFormConfig(dims=(1, 2, 4, 8, 16, 64, 256), instances=32, certify_max_d=8, seed=seed),
        depth=DepthTableConfig(seed=seed),
    )


def _instance_seed(seed: int, d: int, i: int, real: bool) -> int:
    # a fixed, documented mixing so that instance (d, i, real) never depends on which other instances ran
    return int(np.random.SeedSequence([seed, d, i, int(real)]).generate_state(1)[0])


EPS = float(np.finfo(np.float64).eps)


def rounding_scale(norms: dict[str, float], y_norms: tuple[float, float]) -> float:
    """First-order size of the float64 rounding error of f(Xi) at the constructed weights.

    Evaluating W2·expm(A_i) errs by about eps·‖W2‖·‖expm(A_i)‖, and W3·expm(H_i) amplifies an error in H_i by
    ‖W3‖·‖expm(H_i)‖ relative to ‖Y_i‖; the product, times eps, is the scale below which a residual is rounding::

        eps · max_i (1 + ‖W2‖·‖expm(A_i)‖) · ‖W3‖·‖expm(H_i)‖ / ‖Y_i‖

    It is a scale (norm products, not a rigorous bound); residuals of a wrong construction are O(1).
    """
    return EPS * max((1 + norms["W2"] * norms[f"expm(A{i})"]) * norms["W3"] * norms[f"expm(H{i})"] / y_norms[i - 1]
                     for i in (1, 2))


def closed_form_row(d: int, i: int, *, real: bool, seed: int, certify_max_d: int) -> dict:
    """Solve one random instance; compare with the one-layer baseline; certify when d is small."""
    p = random_problem(d, seed=_instance_seed(seed, d, i, real), real=real)
    t0 = time.perf_counter()
    sol = solve_problem(p)
    secs = time.perf_counter() - t0
    diag = sol.diagnostics
    xs, ys = (p.X1, p.X2), (p.Y1, p.Y2)
    ls = one_layer_fit(xs, ys)
    row = {
        "d": d, "instance": i, "real": real, "residual_1": diag.residuals[0], "residual_2": diag.residuals[1],
        "max_residual": diag.max_residual, "lam": diag.lam, "log_method": diag.log_method,
        "cond_dx": diag.cond_dx, "cond_y1": diag.cond_y1, "cond_m": diag.cond_m,
        "weights_real": diag.weights_real, "real_weights_necessary": diag.real_weights_necessary,
        "real_log_exists": diag.real_log_exists, "seconds": secs,
        "rounding_scale": rounding_scale(diag.norms, (float(np.linalg.norm(p.Y1)), float(np.linalg.norm(p.Y2)))),
        "one_layer_ls_residual": ls.total_residual, "one_layer_ls_max": ls.max_residual,
        "one_layer_exact_first_residual_second": one_equation_exact(p.X1, p.Y1, p.X2, p.Y2),
        "certified_residual": np.nan,
    }
    if d <= min(certify_max_d, MAX_CERTIFY_D):
        row["certified_residual"] = certify(sol.weights, xs, ys).max_residual
    return row


def closed_form_table(cfg: ClosedFormConfig, *, progress: bool = True) -> pd.DataFrame:
    """One row per (d, real/complex, instance): closed-form residuals, conditioning, one-layer gap."""
    jobs = [(d, i, real) for d in cfg.dims for real in ((False, True) if cfg.real else (False,))
            for i in range(cfg.instances)]
    it: Sequence | object = track(jobs, "closed form") if progress else jobs
    rows = [closed_form_row(d, i, real=real, seed=cfg.seed, certify_max_d=cfg.certify_max_d)
            for d, i, real in it]  # type: ignore[union-attr]
    return pd.DataFrame(rows)


def summarize_closed_form(table: pd.DataFrame) -> pd.DataFrame:
    """Per (d, real): worst and median closed-form residual, best one-layer residual, real-weight fraction."""
    g = table.groupby(["d", "real"])
    return pd.DataFrame({
        "instances": g.size(),
        "max_residual": g["max_residual"].max(),
        "median_residual": g["max_residual"].median(),
        "min_one_layer_residual": g["one_layer_ls_residual"].min(),
        "median_one_layer_residual": g["one_layer_ls_residual"].median(),
        "max_certified_residual": g["certified_residual"].max(),
        "median_cond_dx": g["cond_dx"].median(),
        "weights_real_fraction": g["weights_real"].mean(),
        "median_seconds": g["seconds"].median(),
    }).reset_index()


def run(ctx: StudyContext) -> StudyResult:
    """The study at ``ctx.scale``: closed form on random instances (with the one-layer gap and mpmath
    certificates) and the n_max(L, d) table (resumable shards in ``ctx.out_dir/depth_cells``)."""
    cfg = quick_config(ctx.seed) if ctx.scale == "quick" else full_config(ctx.seed)
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    ctx.report("closed form")
    cf = closed_form_table(cfg.closed_form)
    ctx.report("depth table")
    depth = depth_table(cfg.depth, ShardStore(ctx.out_dir / "depth_cells"), device=ctx.device)
    nmax = summarize(depth)
    summary_cf = summarize_closed_form(cf)
    return StudyResult(
        tables={"closed_form": cf, "closed_form_summary": summary_cf, "depth_table": depth, "n_max": nmax},
        summary=f"Closed form: worst residual {summary_cf['max_residual'].max():.1e} for d ≤ "
                f"{int(np.max(cf['d']))}. Depth table: n_max by (L, d) = "
                + ", ".join(f"({r.depth},{r.d})→{r.n_max}" for r in nmax.itertuples()) + ".",
        config=cfg.to_dict(),
        methods="No tuned knobs are judged here: λ is chosen per instance by the smallest verified residual; the "
                "depth-table fits run through the engine's Levenberg–Marquardt stage with a budget (restarts, "
                "iterations, initial scale 0.7) set when the table was built and the same for every (L, d, n); "
                "its stopping patience (25 iterations, the engine default) was checked on seed 7, not on the "
                "evaluated seeds, to solve the same instances as running the whole budget.",
    )
