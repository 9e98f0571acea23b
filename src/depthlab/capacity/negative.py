"""Certified negatives: is P(exact fit) at N = bound − 1 below 1e-3? (``depthlab capacity negative``)

When a cell's measured N* stays below a target, "the optimiser did not find a fit" is not evidence that no fit
is found with any real probability. A *certified negative* makes the failure quantitative: at N points, A
independent attempts with the best fitting method, and the exact one-sided Clopper–Pearson upper bound
(Clopper & Pearson, Biometrika 26 (1934) 404–413) on the per-attempt success probability.

**The rule (fixed before any run):** a negative is *certified* iff attempts ≥ :data:`MIN_ATTEMPTS` (2000) and
the 95 % Clopper–Pearson upper bound on P(fit) is < :data:`P_MAX` (1e-3). With 0 successes the bound is
1 − 0.05^(1/A), which is < 1e-3 only from A = 2995 (:func:`min_attempts_zero`); with any success more are needed.

An *attempt* is one random data set with one random initialisation (A data sets × 1 restart): the claim is about
random data, and a data set per attempt makes the attempts independent. Attempt t is data set t of the cell
(:mod:`depthlab.capacity.config`), so the attempts are those of ``capacity run`` with ``--instances A
--restarts 1`` at that N, fitted in chunks that can resume.

Diagnostic: at the best (lowest-residual) k attempts, the singular values of the full Jacobian ∂F/∂θ
(R = N·d rows, P columns, float64, the family's explicit ``jacobian`` hook) and its numerical rank at the
tolerance σ_max·max(R, P)·eps (the default of ``numpy.linalg.matrix_rank``; Golub & Van Loan, *Matrix
Computations*, 4th ed., §5.4.1). At a point with full row rank (rank R ≤ P) and a nonzero residual, the
Gauss–Newton direction is a descent direction, so a point where LM stalls should show rank deficiency (or
near-deficiency: the counts of σ/σ_max below 1e-6 and 1e-10).

The pure functions here (:func:`cp_upper`, :func:`certified`, :func:`residual_summary`,
:func:`jacobian_rank`) import neither torch nor the engine; :func:`run_negative` does.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.errors import ConfigError

#: The fixed rule: certified negative iff attempts ≥ MIN_ATTEMPTS and the CONFIDENCE Clopper–Pearson upper bound
#: on P(fit) is < P_MAX.
MIN_ATTEMPTS = 2000
P_MAX = 1e-3
CONFIDENCE = 0.95
#: Defaults of the command: attempts (≥ :func:`min_attempts_zero` = 2995, so 0 successes certify), attempts
#: per chunk (one engine call and one shard each), best points whose Jacobian is analysed.
DEFAULT_ATTEMPTS = 3000
DEFAULT_CHUNK = 100
DEFAULT_BEST = 16
#: The data-set pool of a negative run's cell: attempt t is data set t of the cell with this many data sets and
#: 1 restart, whatever the number of attempts A, so a run with more attempts reuses the chunks of a smaller one
#: (same chunk size) and the cell's key does not depend on A.
POOL = 1_000_000
#: Quantiles (in %) of the final relative residuals, and the log10 histogram's edges (half decades).
QUANTILES = (0, 1, 5, 25, 50, 75, 95, 99, 100)
HIST_EDGES = tuple(np.arange(-17.0, 2.01, 0.5).round(1).tolist())
#: σ/σ_max thresholds counted at the best points.
SMALL_SV = (1e-6, 1e-10)
RULE_TEXT = (f"certified negative iff attempts ≥ {MIN_ATTEMPTS} and the exact one-sided {CONFIDENCE:.0%} "
             f"Clopper–Pearson upper bound on P(fit) is < {P_MAX:g} (0 successes need ≥ 2995 attempts)")
FORMAT = "depthlab-capacity-negative/1"


def cp_upper(successes: int, attempts: int, confidence: float = CONFIDENCE) -> float:
    """Exact one-sided Clopper–Pearson upper confidence bound on a binomial probability.

    The ``confidence`` quantile of Beta(k + 1, n − k) (1 when k = n); for k = 0 it is 1 − (1 − confidence)^(1/n).
    """
    from scipy.stats import beta

    k, n = int(successes), int(attempts)
    if n < 1 or not 0 <= k <= n:
        raise ConfigError(f"need 0 ≤ successes ≤ attempts and attempts ≥ 1, got {k} of {n}")
    if k == n:
        return 1.0
    return float(beta.ppf(confidence, k + 1, n - k))


def min_attempts_zero(p_max: float = P_MAX, confidence: float = CONFIDENCE) -> int:
    """The fewest attempts for which 0 successes give a Clopper–Pearson upper bound < ``p_max``."""
    a = math.ceil(math.log(1 - confidence) / math.log1p(-p_max))
    while 1 - (1 - confidence) ** (1 / a) >= p_max:
        a += 1
    return a


def certified(successes: int, attempts: int, *, min_attempts: int = MIN_ATTEMPTS, p_max: float = P_MAX,
              confidence: float = CONFIDENCE) -> bool:
    """The fixed rule: attempts ≥ ``min_attempts`` and the Clopper–Pearson upper bound < ``p_max``."""
    return int(attempts) >= min_attempts and cp_upper(successes, attempts, confidence) < p_max


def residual_summary(residual: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """Quantiles (:data:`QUANTILES`, in %) and a log10 histogram (:data:`HIST_EDGES`, values clipped into
    range; 0 counts in the first bin) of final relative residuals."""
    r = np.asarray(residual, dtype=np.float64).reshape(-1)
    finite = r[np.isfinite(r)]
    q = np.percentile(finite, QUANTILES) if finite.size else np.full(len(QUANTILES), np.nan)
    edges = np.asarray(HIST_EDGES)
    with np.errstate(divide="ignore"):
        lg = np.clip(np.log10(np.maximum(finite, 0.0)), edges[0], edges[-1] - 1e-9)
    counts, _ = np.histogram(lg, bins=edges)
    return {"quantiles": {f"{p:g}%": float(v) for p, v in zip(QUANTILES, q, strict=True)},
            "log10_histogram": {"edges": list(HIST_EDGES), "counts": counts.astype(int).tolist()},
            "non_finite": int(r.size - finite.size)}


def jacobian_rank(jac: np.ndarray) -> dict[str, Any]:
    """Singular values of one Jacobian (R × P), its numerical rank at σ_max·max(R, P)·eps and the counts of
    σ/σ_max below each of :data:`SMALL_SV`."""
    j = np.asarray(jac, dtype=np.float64)
    rows, cols = j.shape
    s = np.linalg.svd(j, compute_uv=False)
    smax = float(s[0]) if s.size else 0.0
    tol = float(smax * max(rows, cols) * np.finfo(np.float64).eps)
    rank = int((s > tol).sum())
    rel = s / smax if smax > 0 else np.zeros_like(s)
    return {"rows": rows, "cols": cols, "rank": rank, "rank_deficit": min(rows, cols) - rank,
            "full_row_rank": rank == rows, "tol": tol, "sigma_max": smax,
            "sigma_min": float(s[-1]) if s.size else 0.0,
            **{f"below_{t:g}": int((rel < t).sum()) for t in SMALL_SV},
            "singular_values": s.tolist()}


def best_indices(residual: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` lowest residuals (NaN last, ties by index)."""
    r = np.asarray(residual, dtype=np.float64)
    return np.argsort(np.where(np.isnan(r), np.inf, r), kind="stable")[: int(k)]


def check_request(n_points: int, attempts: int, max_n: int, bound: float, chunk: int, best: int) -> None:
    """Refuse a request the rule cannot use, before any work (the messages say what to change)."""
    if int(attempts) < 1:
        raise ConfigError(f"--attempts must be ≥ 1, got {attempts}; the rule needs ≥ {MIN_ATTEMPTS} "
                          f"({min_attempts_zero()} with 0 successes)")
    if int(attempts) > POOL:
        raise ConfigError(f"--attempts must be ≤ {POOL} (the cell's pool of data sets), got {attempts}")
    if int(n_points) < 1:
        raise ConfigError(f"--points must be ≥ 1, got {n_points}")
    if int(n_points) > max_n:
        raise ConfigError(f"--points {n_points} is above the counting bound (P − S)/d = {bound:.2f}: beyond "
                          f"N = {max_n} exact fits have probability 0, so there is nothing to certify; use "
                          f"--points ≤ {max_n} (default: bound − 1 = {max_n - 1})")
    if int(chunk) < 1:
        raise ConfigError(f"--chunk must be ≥ 1, got {chunk}")
    if int(best) < 0:
        raise ConfigError(f"--best must be ≥ 0, got {best}")


def chunks(attempts: int, size: int) -> list[tuple[int, int]]:
    """Data sets ``[a, b)`` of each chunk."""
    return [(a, min(a + size, attempts)) for a in range(0, attempts, size)]


def parse_part(text: str | None) -> tuple[int, int] | None:
    """``"I/K"`` (0 ≤ I < K) as ``(I, K)``; ``None`` stays ``None``. Part I of K owns the chunks whose index is
    ≡ I (mod K) (:func:`part_chunks`), so K processes (a Slurm array, several GPUs) share one output folder
    without running a chunk twice."""
    if text is None:
        return None
    head, sep, tail = str(text).partition("/")
    try:
        i, k = int(head), int(tail)
    except ValueError:
        i, k = -1, 0
    if not sep or k < 1 or not 0 <= i < k:
        raise ConfigError(f"--part must be I/K with 0 ≤ I < K (e.g. 0/4 … 3/4, or $SLURM_ARRAY_TASK_ID/4), "
                          f"got {text!r}")
    return i, k


def part_chunks(n_chunks: int, part: tuple[int, int] | None) -> list[int]:
    """Indices of the chunks part ``(I, K)`` computes (every chunk when ``part`` is ``None``): I, I + K, …"""
    i, k = part or (0, 1)
    return list(range(i, n_chunks, k))


def chunk_key(point_key: str, a: int, b: int) -> str:
    """Shard (and certificate) name of the chunk of data sets ``[a, b)`` at one (cell, N)."""
    return f"{point_key}-t{a}-{b}"


def summarise(rows: Any, *, n_points: int, bound: float, params: int, symmetry: int,
              best: Sequence[Mapping[str, Any]], cell: Mapping[str, Any]) -> dict[str, Any]:
    """The ``negative.json`` object from the point rows of every chunk and the best points' Jacobians."""
    attempts = len(rows)
    successes = int(rows["success"].sum())
    cp = cp_upper(successes, attempts)
    seconds = float(rows["seconds"].sum())
    return {
        "format": FORMAT, "cell": dict(cell), "n_points": int(n_points), "bound": float(bound),
        "parameters": int(params), "symmetry_dimension": int(symmetry), "rows_jacobian": int(n_points) *
        int(cell["width"]), "method": cell.get("method", "lm"),
        "design": "A data sets × 1 restart (attempt t = data set t of the cell)",
        "attempts": attempts, "successes": successes, "p_hat": successes / attempts,
        "cp_upper_95": cp, "rule": RULE_TEXT, "min_attempts": MIN_ATTEMPTS, "p_max": P_MAX,
        "min_attempts_zero_successes": min_attempts_zero(),
        "certified_negative": certified(successes, attempts),
        "residuals": residual_summary(rows["residual"].to_numpy()),
        "best": list(best), "compute_seconds": seconds, "seconds_per_attempt": seconds / attempts,
    }


def negative_cell(cell: Any) -> Any:
    """The cell a negative run fits: ``cell`` with :data:`POOL` data sets and 1 restart."""
    import dataclasses

    return dataclasses.replace(cell, trials=POOL, restarts=1)


def run_negative(cell: Any, n_points: int, out: str | Path, *, attempts: int = DEFAULT_ATTEMPTS,
                 device: Any = "cpu", chunk: int = DEFAULT_CHUNK, best: int = DEFAULT_BEST,
                 on_chunk: Callable[[int, int, bool], None] | None = None,
                 part: tuple[int, int] | None = None) -> dict[str, Any]:
    """Run (or resume) ``attempts`` attempts of ``cell`` at N — data sets 0 … A − 1 of :func:`negative_cell`
    (its ``trials`` and ``restarts`` are replaced) — in chunks, then write and return ``<out>/negative.json``.

    Each chunk of data sets ``[a, b)`` is one :func:`depthlab.capacity.success.run_point_params` call; its
    exact fits go to ``<out>/certificates/<chunk key>.npz`` and its best-``best`` parameters to
    ``<out>/best/<chunk key>.npz`` (both atomic, before the chunk's shard ``<out>/shards/<chunk key>.parquet``,
    which marks it finished), so an interrupted run resumes without recomputing finished chunks.
    ``on_chunk(done, total, computed)`` is called after each chunk.

    ``part = (I, K)`` computes only the chunks of index ≡ I (mod K) (:func:`part_chunks`): K processes with the
    same arguments and parts 0 … K − 1 share ``out`` and never fit a chunk twice (per-chunk results depend only
    on the seed and the data-set indices, not on which process ran them). A part that finds every chunk of the
    run finished writes ``negative.json`` and returns it like a whole run; otherwise it writes nothing more and
    returns ``{"complete": False, "chunks": …, "chunks_done": …, "attempts_done": …}`` (no verdict: the rule is
    applied to the whole run only).
    """
    import io

    import torch

    from depthlab.capacity.fitting import cell_family
    from depthlab.capacity.success import make_data, run_point_params
    from depthlab.capacity.theory import capacity_bound, max_fittable, parameter_count, symmetry_dimension
    from depthlab.results import ShardStore, atomic_write_bytes, atomic_write_json

    n = int(n_points)
    bound = capacity_bound(cell.depth, cell.width, cell.activation, bias=cell.bias)
    check_request(n, attempts, max_fittable(cell.depth, cell.width, cell.activation, bias=cell.bias), bound,
                  chunk, best)
    cell = negative_cell(cell)
    out = Path(out)
    store = ShardStore(out)
    pkey = cell.point_key(n)
    plan = chunks(int(attempts), chunk)
    mine = part_chunks(len(plan), part)
    for done, i in enumerate(mine):
        a, b = plan[i]
        key = chunk_key(pkey, a, b)
        computed = not store.has(key)
        if computed:
            rows, theta, _ = run_point_params(cell, n, device, certificates=out, trials=range(a, b), key=key)
            assert theta is not None
            res = rows["residual"].to_numpy()
            keep = best_indices(res, best)
            buf = io.BytesIO()
            np.savez(buf, trial=rows["trial"].to_numpy()[keep], residual=res[keep],
                     theta=theta.reshape(len(res), -1)[keep])
            atomic_write_bytes(out / "best" / f"{key}.npz", buf.getvalue())
            store.write(key, rows, config={**cell.as_dict(), "n_points": n, "trials_from": a, "trials_to": b})
        if on_chunk is not None:
            on_chunk(done + 1, len(mine), computed)
    keys = [chunk_key(pkey, a, b) for a, b in plan]
    finished = [store.has(k) for k in keys]
    if not all(finished):  # only with a part: the other parts' chunks are still running (or not started)
        return {"format": FORMAT, "complete": False, "part": list(part or ()), "chunks": len(plan),
                "chunks_done": sum(finished), "attempts": int(attempts),
                "attempts_done": sum(b - a for (a, b), f in zip(plan, finished, strict=True) if f)}
    import pandas as pd

    rows = pd.concat([store.read(k) for k in keys], ignore_index=True)
    # The global best k lie among each chunk's best k.
    parts = [np.load(out / "best" / f"{k}.npz") for k in keys]
    for (a, b), k, part in zip(plan, keys, parts, strict=True):
        if part["trial"].size < min(best, b - a):
            raise ConfigError(f"chunk {k} kept its best {part['trial'].size} attempts, fewer than --best {best}: "
                              f"re-run with that --best, or delete {out / 'best'} and {out / 'shards'} to refit")
    trial = np.concatenate([p["trial"] for p in parts])
    residual = np.concatenate([p["residual"] for p in parts])
    theta = np.concatenate([p["theta"] for p in parts]) if best else np.zeros((0, 0))
    top = best_indices(residual, best)
    fam = cell_family(cell)
    if fam.jacobian is None:  # pragma: no cover - every capacity cell is an MLP with the explicit hook
        raise ConfigError("the cell's family has no explicit Jacobian")
    diag = []
    for j in top:
        x, _ = make_data(cell.width, n, [int(trial[j])], cell.seed, "cpu")
        flat = torch.as_tensor(theta[j], dtype=torch.float64).unsqueeze(0)
        params, off = {}, 0
        for name, shape in fam.shapes.items():
            size = math.prod(shape)
            params[name] = flat[:, off:off + size].reshape(1, *shape)
            off += size
        jac = fam.jacobian(params, x).squeeze(0).cpu().numpy()
        diag.append({"trial": int(trial[j]), "residual": float(residual[j]), **jacobian_rank(jac)})
    summary = summarise(rows, n_points=n, bound=bound,
                        params=parameter_count(cell.depth, cell.width, bias=cell.bias),
                        symmetry=symmetry_dimension(cell.depth, cell.width, cell.activation, bias=cell.bias),
                        best=diag, cell=cell.as_dict())
    summary["chunks"] = len(plan)
    summary["complete"] = True
    summary["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    atomic_write_json(out / "negative.json", summary)
    return summary
