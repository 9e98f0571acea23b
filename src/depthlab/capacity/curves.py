"""Success-probability curves N ↦ P(exact fit): binomial confidence intervals and the crossing N* of 1/2.

* :func:`wilson_interval` — the Wilson score interval for k successes in n trials (Wilson 1927, JASA 22:209),
  which stays inside [0, 1] and is sensible at k = 0 and k = n.
* :func:`estimate_crossing` — N* where the success probability crosses 1/2, by a two-parameter logistic fit
  p(N) = 1 / (1 + exp(s·(N − N*))) (binomial maximum likelihood, s > 0) with a bootstrap percentile interval
  (successes resampled binomially at each N from the observed rates). When the data are a perfect step (every
  trial succeeds up to some N_a and none from the next measured N_b on) the logistic MLE does not exist; then
  N* = (N_a + N_b)/2 with the interval [N_a, N_b], which holds with confidence ≥ 1 − 2^{1−n} (n trials per N).
  When the curve never drops below 1/2 (or never rises above it) N* is censored: reported as the edge of the
  measured range with ``censored = "above"`` (or ``"below"``).
* :func:`interpolated_crossing` — the model-free estimate: linear interpolation of the observed rates across
  the first drop below 1/2, with a bootstrap percentile interval from the same replicates as the logistic one.
* :func:`logistic_deviance` — the adequacy of the logistic fit: the deviance G² = 2 Σ_N [k log(k / t p̂) +
  (t − k) log((t − k) / t(1 − p̂))] against χ² with K − 2 degrees of freedom (K measured N; McCullagh & Nelder,
  *Generalized Linear Models*, 2nd ed., 1989, §4.4.3; asymptotic, so only a guide where few N carry counts
  strictly between 0 and t). A small p-value says the curve is not logistic in N, and then the logistic N* is a
  summary of a misspecified model: read it beside the model-free crossing (``GOF_ALPHA``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from depthlab.errors import InputError

#: Deviance p-value below which a logistic N* is flagged as coming from a rejected model (a display rule:
#: verdicts keep using ``n_star``; the flag says when the model-free crossing should be read beside it).
GOF_ALPHA = 0.01


def logistic_rejected(method: Any, gof_p: Any) -> bool:
    """Whether a crossing's logistic model is rejected at :data:`GOF_ALPHA` (``method`` and ``gof_p`` of a
    :class:`Crossing` or of a result row built from one): then read ``n_star_interp`` beside ``n_star``."""
    g = float(gof_p) if gof_p is not None else math.nan
    return method == "logistic" and math.isfinite(g) and g < GOF_ALPHA


@dataclass(frozen=True)
class Crossing:
    """N* with its confidence interval.

    Attributes:
        n_star: point estimate of N where P(exact) = 1/2.
        low, high: confidence interval at ``level``.
        level: the confidence level.
        method: ``"logistic"``, ``"step"`` or ``"censored"``.
        censored: ``None``, ``"above"`` (P ≥ 1/2 on the whole range: N* > max N) or ``"below"``
            (P < 1/2 everywhere: N* < min N).
        slope: the fitted logistic slope s (NaN for step/censored).
        n_star_interp: the model-free interpolated crossing (NaN when censored).
        interp_low, interp_high: bootstrap percentile interval of ``n_star_interp`` (logistic case; NaN else).
        deviance: the logistic fit's deviance G² (NaN for step/censored); gof_p: its χ²(K − 2) p-value (NaN when
            K ≤ 2 or not logistic), :func:`logistic_deviance`.
    """

    n_star: float
    low: float
    high: float
    level: float
    method: str
    censored: str | None = None
    slope: float = math.nan
    n_star_interp: float = math.nan
    interp_low: float = math.nan
    interp_high: float = math.nan
    deviance: float = math.nan
    gof_p: float = math.nan

    @property
    def misfit(self) -> bool:
        """The logistic model is rejected at :data:`GOF_ALPHA` (read ``n_star_interp`` beside ``n_star``)."""
        return logistic_rejected(self.method, self.gof_p)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def wilson_interval(successes: Any, trials: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions (vectorised).

    Args:
        successes: k, array-like of ints.
        trials: n, array-like of ints ≥ 1 (same shape as k).
        level: confidence level in (0, 1).

    Returns:
        (low, high) arrays of the shape of k.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(n < 1) or np.any(k < 0) or np.any(k > n):
        raise InputError("Wilson interval needs 0 ≤ successes ≤ trials and trials ≥ 1")
    z = stats.norm.ppf(0.5 + level / 2)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # The interval always contains p̂ (at k = 0 and k = n its end equals p̂ exactly; clamp rounding).
    return np.clip(np.minimum(centre - half, p), 0, 1), np.clip(np.maximum(centre + half, p), 0, 1)


def _check_curve(n_values: Any, successes: Any, trials: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = np.asarray(n_values, dtype=float)
    k = np.asarray(successes, dtype=float)
    t = np.asarray(trials, dtype=float)
    if n.ndim != 1 or n.shape != k.shape or n.shape != t.shape or n.size == 0:
        raise InputError(f"curve arrays must be 1-D of one length, got {n.shape}, {k.shape}, {t.shape}")
    if np.any(t < 1) or np.any(k < 0) or np.any(k > t):
        raise InputError("each N needs trials ≥ 1 and 0 ≤ successes ≤ trials")
    order = np.argsort(n, kind="stable")
    n, k, t = n[order], k[order], t[order]
    if np.any(np.diff(n) == 0):
        raise InputError("N values must be distinct (merge repeated N first)")
    return n, k, t


def interpolated_crossing(n_values: Any, successes: Any, trials: Any) -> float:
    """Linear interpolation of the observed rates across their first drop below 1/2 (NaN if none is seen)."""
    n, k, t = _check_curve(n_values, successes, trials)
    p = k / t
    below = np.nonzero(p < 0.5)[0]
    if below.size == 0 or below[0] == 0:
        return math.nan
    j = int(below[0])
    p0, p1 = p[j - 1], p[j]
    return float(n[j - 1] + (p0 - 0.5) / (p0 - p1) * (n[j] - n[j - 1]))


def logistic_deviance(n_values: Any, successes: Any, trials: Any, n_star: float, slope: float
                      ) -> tuple[float, float]:
    """``(G², p)``: the deviance of the logistic curve ``(n_star, slope)`` on the counts and its χ²(K − 2)
    p-value (NaN when K ≤ 2 or the curve is not finite). See the module docstring."""
    n, k, t = _check_curve(n_values, successes, trials)
    if not (math.isfinite(n_star) and math.isfinite(slope)):
        return math.nan, math.nan
    p = np.clip(logistic_curve(n, n_star, slope), 1e-300, 1 - 1e-16)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(k > 0, k * np.log(k / (t * p)), 0.0)
        b = np.where(t - k > 0, (t - k) * np.log((t - k) / (t * (1 - p))), 0.0)
    g2 = float(max(2 * (a + b).sum(), 0.0))
    df = n.size - 2
    return g2, (float(stats.chi2.sf(g2, df)) if df > 0 else math.nan)


def _step(n: np.ndarray, k: np.ndarray, t: np.ndarray) -> tuple[float, float] | None:
    """(N_a, N_b) if the curve is a perfect step: all success for N ≤ N_a, none for N ≥ N_b."""
    full = k == t
    none = k == 0
    for j in range(1, n.size):
        if full[:j].all() and none[j:].all():
            return float(n[j - 1]), float(n[j])
    return None


def _logistic_irls(
    n: np.ndarray, k: np.ndarray, t: np.ndarray, iters: int = 100, ridge: float = 1e-8
) -> tuple[np.ndarray, np.ndarray]:
    """Binomial-logit maximum likelihood for many curves at once (Newton / IRLS, vectorised over rows).

    Fits logit p = β0 + β1·(N − N̄) to each row of ``k`` (shape (B, K)) and returns (N*, slope s = −β1) per row,
    N* = N̄ − β0/β1. A tiny ridge on β1 keeps the Newton system regular. Each Newton step is halved until the
    penalised negative log-likelihood does not increase (it is convex, so this converges to the maximum
    likelihood; a plain Newton iteration can cycle on near-separated curves, e.g. a steep drop with a few
    scattered failures before it). Rows whose fit diverges (separated data) or comes out increasing are
    returned as NaN for the caller to handle.
    """
    k = np.atleast_2d(k)
    x = n - n.mean()

    def nll(beta: np.ndarray) -> np.ndarray:
        eta = beta[:, :1] + beta[:, 1:] * x
        return ((t - k) * np.logaddexp(0, eta) + k * np.logaddexp(0, -eta)).sum(1) + 0.5 * ridge * beta[:, 1] ** 2

    beta = np.zeros((k.shape[0], 2))
    f = nll(beta)
    for _ in range(iters):
        eta = beta[:, :1] + beta[:, 1:] * x
        p = special.expit(eta)
        w = t * p * (1 - p)
        r = k - t * p
        g0 = r.sum(1)
        g1 = (r * x).sum(1) - ridge * beta[:, 1]
        h00 = w.sum(1) + 1e-12
        h01 = (w * x).sum(1)
        h11 = (w * x * x).sum(1) + ridge
        det = h00 * h11 - h01 * h01
        step = np.stack([(h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det], 1)
        step = step * np.minimum(1.0, 5.0 / np.abs(step).max(1, keepdims=True).clip(1e-300))  # keep the direction
        scale = np.ones(k.shape[0])
        for _ in range(30):  # backtracking: halve where the step would increase the objective
            trial = beta + scale[:, None] * step
            ft = nll(trial)
            worse = ~(ft <= f + 1e-12 * np.abs(f))
            if not worse.any():
                break
            scale = np.where(worse, scale / 2, scale)
        ok_step = ft <= f + 1e-12 * np.abs(f)
        beta = np.where(ok_step[:, None], trial, beta)
        f = np.where(ok_step, ft, f)
    b0, b1 = beta[:, 0], beta[:, 1]
    ok = (b1 < 0) & np.isfinite(b1) & (np.abs(b1) < 50)
    n_star = np.where(ok, n.mean() - b0 / np.where(ok, b1, -1), np.nan)
    return n_star, np.where(ok, -b1, np.nan)


def _points(n: np.ndarray, k: np.ndarray, t: np.ndarray) -> np.ndarray:
    """N* for many replicate curves (rows of ``k``): step midpoint, censored edge, else the logistic fit."""
    est, _ = _logistic_irls(n, k, t)
    p = k / t
    for b in range(k.shape[0]):
        if np.all(p[b] >= 0.5):
            est[b] = n.max()
        elif np.all(p[b] < 0.5):
            est[b] = n.min()
        else:
            step = _step(n, k[b], t)
            if step is not None:
                est[b] = (step[0] + step[1]) / 2
            elif not np.isfinite(est[b]):
                est[b] = interpolated_crossing(n, k[b], t)
    return est


def estimate_crossing(
    n_values: Any, successes: Any, trials: Any, *, level: float = 0.95, n_boot: int = 400, seed: int = 0
) -> Crossing:
    """Estimate N*, where the success probability crosses 1/2, with a confidence interval.

    Args:
        n_values: the numbers of points N measured, shape (K,).
        successes: successes at each N, shape (K,).
        trials: trials at each N, shape (K,).
        level: confidence level of the interval.
        n_boot: bootstrap replicates for the logistic fit's interval.
        seed: seed of the bootstrap.

    Returns:
        :class:`Crossing`. See the module docstring for the step and censored cases.

    Raises:
        InputError: arrays of different lengths, repeated N, successes outside [0, trials].
    """
    n, k, t = _check_curve(n_values, successes, trials)
    p = k / t
    interp = interpolated_crossing(n, k, t)
    if np.all(p >= 0.5):
        return Crossing(
            float(n.max()), float(n.max()), math.inf, level, "censored", "above", math.nan, interp
        )
    if np.all(p < 0.5):
        return Crossing(
            float(n.min()), -math.inf, float(n.min()), level, "censored", "below", math.nan, interp
        )
    step = _step(n, k, t)
    if step is not None:
        return Crossing((step[0] + step[1]) / 2, step[0], step[1], level, "step", None, math.nan, interp)
    m_arr, s_arr = _logistic_irls(n, k[None, :], t)
    m, s = float(m_arr[0]), float(s_arr[0])
    if not math.isfinite(m):  # a non-decreasing or degenerate curve: fall back to interpolation
        m = interp
    rng = np.random.default_rng(seed)
    kb = rng.binomial(t.astype(np.int64), p, size=(n_boot, n.size)).astype(float)
    boots = _points(n, kb, t)
    boots = boots[np.isfinite(boots)]
    alpha = (1 - level) / 2
    lo, hi = np.quantile(boots, [alpha, 1 - alpha])
    ib = np.array([interpolated_crossing(n, row, t) for row in kb])
    ib = ib[np.isfinite(ib)]
    ilo, ihi = (np.quantile(ib, [alpha, 1 - alpha]) if ib.size else (math.nan, math.nan))
    if math.isfinite(interp):
        ilo, ihi = min(ilo, interp), max(ihi, interp)
    g2, gof = logistic_deviance(n, k, t, m, s)
    return Crossing(m, float(min(lo, m)), float(max(hi, m)), level, "logistic", None, s, interp,
                    float(ilo), float(ihi), g2, gof)


def logistic_curve(n: Any, n_star: float, slope: float) -> np.ndarray:
    """p(N) = 1 / (1 + exp(slope·(N − n_star))) — the fitted curve, for plots and synthetic tests."""
    return special.expit(-slope * (np.asarray(n, dtype=float) - n_star))
