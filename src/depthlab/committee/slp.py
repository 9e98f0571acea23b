"""Sequential linear programming (SLP) for ReLU committee machines with spherical weights.

A ReLU committee machine (K even, output weights +1 for the first K/2 units and −1 for the others, an output
of 0 an error; Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019); carlobaldassi/RRRMC.jl,
``src/graphs/CommReLU.jl``) stores pattern μ with label y iff

    Σ_{k ∈ F(y)} relu(λ_k) − Σ_{k ∈ G(y)} relu(λ_k) > 0,

F(y) the K/2 units whose output weight has the sign of y and G(y) the others. Both sums are convex in the
fields, so the constraint is a difference of convex functions. Two facts make each step a linear programme:

* relu(a) ≥ θ a for every a and every θ ∈ [0, 1], so fixing θ_{μk} (1 where unit k of F is active on μ, and
  for a pattern with no active F unit, 1 on all of them) turns the F side into a linear *lower* bound;
* the G side is convex: relu(a) ≤ t is the pair of linear constraints t ≥ a, t ≥ 0.

Any point that satisfies the linearised system with slack s_μ = 0 stores pattern μ: the programme is a
sufficient (inner) convexification, the convex–concave procedure (Yuille & Rangarajan, Neural Comput. 15, 915
(2003); Lipp & Boyd, Optim. Eng. 17, 263 (2016)). Each LP minimises the total slack Σ_μ s_μ of the constraints
"linearised stability ≥ κ" (an L1 hinge loss), solved by HiGHS through :func:`scipy.optimize.linprog`.

Two stages (:func:`slp_instance`):

1. **Free norms** (:func:`free_stage`): unit weights w_k ∈ R^n unnormalised in the box |w_ki| ≤ ``box``,
   margin 1 (the machine with learned output-weight magnitudes |w_k|); θ is re-read from each LP's solution
   until the slack stops decreasing. The free-norm machine is a relaxation of the spherical one, so this
   stage is global given θ but may land on unequal norms.
2. **Spheres** (:func:`sphere_stage`): from the normalised free-norm point, trust-region SLP on the true
   (spherical) machine: the step δ_k is orthogonal to w_k (so |w_k + δ_k| ≥ |w_k| = 1 to first order) and in
   the box |δ_ki| ≤ r/√n; θ is re-linearised at every accepted point, a step is accepted when the true hinge
   loss Σ_μ max(0, κ − Δ_μ) of the renormalised weights falls (then r grows ×1.5 up to ``radius_max``),
   otherwise r halves; it stops when every Δ_μ > 0, or r < ``radius_min``, or after ``iterations`` LPs.

A heuristic: nothing certifies that a problem it fails on cannot be stored. What it returns as stored is
checked in float64 on the true machine (:func:`depthlab.committee.model.check_solutions`), so its success
curve is a lower bound on the machine's storage probability, like every trainer's. Instance data and random
starts are those of the Adam trainer (same data key; starts from ``(key, "init", i, r)``), so curves are paired
problem by problem. The LPs run one problem at a time on the CPU; they are not a stacked tensor programme.

The settings (:data:`SLP_DEFAULTS`) were chosen on tuning data only (data key seed 1000, ReLU K = 4, N = 128,
prototypes at α = 1.6 – 2.2, the final code at α = 1.9), never on the evaluation seeds.

This module does not go through the engine's stacked solver interface (:mod:`depthlab.engine.solver`): like
the LP decisions of :mod:`.exact`, each step is a per-problem LP on the CPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from depthlab.committee.model import CommitteeSpec, check_solutions, make_instances, n_errors, random_weights
from depthlab.committee.theory.machine import output_weights
from depthlab.committee.training import _summarise
from depthlab.errors import ConfigError, NumericalError
from depthlab.validate import finite_float, positive_int


@dataclass(frozen=True)
class SLPSettings:
    """Settings of :func:`slp_instance` (see the module docstring).

    Attributes:
        free_iterations: at most this many LPs in the free-norm stage.
        box: free-norm stage: |w_ki| ≤ box, stability margin 1.
        iterations: at most this many LPs in the spherical stage.
        kappa: spherical stage: hinge margin κ of the stabilities (field units, λ = w·ξ/|w|).
        radius0, radius_max, radius_min: trust radius r (the step box is |δ_ki| ≤ r/√n).
    """

    free_iterations: int = 50
    box: float = 1.0
    iterations: int = 200
    kappa: float = 0.1
    radius0: float = 0.5
    radius_max: float = 2.0
    radius_min: float = 1e-4

    def __post_init__(self) -> None:
        positive_int(self.free_iterations, "free_iterations")
        positive_int(self.iterations, "iterations")
        finite_float(self.box, "box", low=0.0, low_open=True)
        finite_float(self.kappa, "kappa", low=0.0, low_open=True)
        finite_float(self.radius_min, "radius_min", low=0.0, low_open=True)
        finite_float(self.radius0, "radius0", low=self.radius_min)
        finite_float(self.radius_max, "radius_max", low=self.radius0)


#: The defaults, fixed on tuning data (key seed 1000) before any evaluation run.
SLP_DEFAULTS = SLPSettings()


def check_slp(spec: CommitteeSpec) -> None:
    """Raise :class:`ConfigError` unless ``spec`` is a ReLU machine with spherical weights."""
    if spec.activation != "relu" or spec.weights != "spherical":
        raise ConfigError(f"algorithm 'slp' (sequential linear programming) trains ReLU committee machines "
                          f"with spherical weights; got {spec.activation} with {spec.weights} weights (use "
                          f"'adam', 'least-action' or 'replicated' there)")


def unit_sides(y: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """``(F, G)``, each ``(P, K/2)`` int: the units whose output weight c_k (the model's convention,
    :func:`depthlab.committee.theory.machine.output_weights`) has the sign of each pattern's label, and the
    others."""
    c = output_weights(K, "relu")
    plus, minus = np.flatnonzero(c > 0), np.flatnonzero(c < 0)
    pos = (np.asarray(y) > 0)[:, None]
    return np.where(pos, plus[None, :], minus[None, :]), np.where(pos, minus[None, :], plus[None, :])


def stabilities(W: np.ndarray, X: np.ndarray, y: np.ndarray, *, normalise: bool = True) -> np.ndarray:
    """Δ_μ = y_μ Σ_k c_k relu(a_k) of one machine: ``W (K, n)``, ``X (P, K, n)``, ``y (P,)`` → ``(P,)``;
    a_k = w_k·ξ_k/|w_k| (``normalise``, the model) or w_k·ξ_k (free norms)."""
    a = fields(W, X, normalise=normalise)
    return y * (np.maximum(a, 0.0) @ output_weights(W.shape[0], "relu"))


def fields(W: np.ndarray, X: np.ndarray, *, normalise: bool = True) -> np.ndarray:
    """``(P, K)`` fields w_k·ξ_k (divided by |w_k| when ``normalise``)."""
    if normalise:
        W = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-300)
    return np.einsum("pkn,kn->pk", X, W)


def hinge(W: np.ndarray, X: np.ndarray, y: np.ndarray, kappa: float) -> float:
    """Σ_μ max(0, κ − Δ_μ) of the spherical machine."""
    return float(np.maximum(0.0, kappa - stabilities(W, X, y)).sum())


def linearisation(a: np.ndarray, F: np.ndarray) -> np.ndarray:
    """θ ``(P, K/2)``: 1 on the F units active at fields ``a (P, K)`` (a ≥ −1e-12·max|a|, so units at a vertex's
    a = 0 count as active), and on every F unit of a pattern with none active; 0 elsewhere."""
    aF = np.take_along_axis(a, F, axis=1)
    theta = (aF >= -1e-12 * max(float(np.abs(a).max()), 1.0)).astype(np.float64)
    theta[theta.sum(axis=1) == 0] = 1.0
    return theta


def lp_step(X: np.ndarray, F: np.ndarray, G: np.ndarray, theta: np.ndarray, a0: np.ndarray, kappa: float,
            bounds_v: tuple[float, float], W_eq: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Solve one linearised programme in v ∈ R^{K n} (fields a = a0 + ξ·v):

        min Σ_μ s_μ  s.t.  Σ_j θ_μj a_{F_μj} − Σ_j t_μj + s_μ ≥ κ,  t_μj ≥ a_{G_μj},  t, s ≥ 0,
                           lo ≤ v ≤ hi,  and w_k·v_k = 0 for every unit when ``W_eq (K, n)`` is given.

    Args:
        X: ``(P, K, n)``. F, G: ``(P, K/2)`` from :func:`unit_sides`. theta: ``(P, K/2)``. a0: ``(P, K)``.

    Returns:
        ``(v (K, n), objective)``.

    Raises:
        NumericalError: when HiGHS does not report an optimum (the programme is always feasible and bounded).
    """
    import scipy.sparse as sp
    from scipy.optimize import linprog

    P, K, n = X.shape
    h = K // 2
    nv, nt = K * n, P * h
    cols_n = np.arange(n)
    mu = np.arange(P)
    # row block 1 (P rows): −Σ_j θ ξ_{F}·v + Σ_j t − s ≤ Σ_j θ a0_F − κ
    r1 = np.repeat(mu, h * n)
    c1 = (F[:, :, None] * n + cols_n).ravel()
    v1 = (-theta[:, :, None] * X[mu[:, None], F, :]).ravel()
    # row block 2 (P h rows): ξ_G·v − t ≤ −a0_G
    r2 = np.repeat(np.arange(nt), n)
    c2 = (G[:, :, None] * n + cols_n).ravel()
    v2 = X[mu[:, None], G, :].ravel()
    rows = np.concatenate([r1, np.repeat(mu, h), mu, P + r2, P + np.arange(nt)])
    cols = np.concatenate([c1, nv + np.arange(nt), nv + nt + mu, c2, nv + np.arange(nt)])
    vals = np.concatenate([v1, np.ones(nt), -np.ones(P), v2, -np.ones(nt)])
    A = sp.csr_matrix((vals, (rows, cols)), shape=(P + nt, nv + nt + P))
    aF = np.take_along_axis(a0, F, axis=1)
    aG = np.take_along_axis(a0, G, axis=1)
    b = np.concatenate([(theta * aF).sum(axis=1) - kappa, -aG.ravel()])
    c = np.concatenate([np.zeros(nv + nt), np.ones(P)])
    A_eq = b_eq = None
    if W_eq is not None:
        A_eq = sp.csr_matrix((W_eq.ravel(), (np.repeat(np.arange(K), n), np.arange(nv))), shape=(K, nv + nt + P))
        b_eq = np.zeros(K)
    bounds = [bounds_v] * nv + [(0.0, None)] * (nt + P)
    res = linprog(c, A_ub=A, b_ub=b, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs-ds")
    if res.status != 0:
        raise NumericalError(f"HiGHS did not solve the SLP step ({P + nt} constraints, {nv + nt + P} "
                             f"variables): status {res.status}, {res.message}")
    return np.asarray(res.x[:nv]).reshape(K, n), float(res.fun)


def free_stage(X: np.ndarray, y: np.ndarray, W0: np.ndarray, settings: SLPSettings = SLP_DEFAULTS
               ) -> tuple[np.ndarray, float, int]:
    """Stage 1 (free norms): the convex–concave procedure from ``W0 (K, n)``.

    Returns:
        ``(W, slack, lps)``: the best free-norm weights (by LP slack), their slack, LPs solved.
    """
    K = W0.shape[0]
    F, G = unit_sides(y, K)
    zero = np.zeros((X.shape[0], K))
    W = W0 * (settings.box / max(float(np.abs(W0).max()), 1e-300))
    best, best_W = math.inf, W
    for it in range(settings.free_iterations):
        theta = linearisation(fields(W, X, normalise=False), F)
        Wn, slack = lp_step(X, F, G, theta, zero, 1.0, (-settings.box, settings.box))
        if slack < best - 1e-9:
            best, best_W = slack, Wn
        elif np.allclose(Wn, W):
            return best_W, best, it + 1
        W = Wn
        if slack <= 1e-9:
            return best_W, best, it + 1
    return best_W, best, settings.free_iterations


def sphere_stage(X: np.ndarray, y: np.ndarray, W0: np.ndarray, settings: SLPSettings = SLP_DEFAULTS
                 ) -> tuple[np.ndarray, bool, int]:
    """Stage 2: trust-region SLP on the spherical machine from ``W0 (K, n)`` (any norms).

    Returns:
        ``(W, stored, lps)``: unit-norm weights ``(K, n)``, whether every Δ_μ > 0, LPs solved.
    """
    K, n = W0.shape
    F, G = unit_sides(y, K)
    W = W0 / np.maximum(np.linalg.norm(W0, axis=1, keepdims=True), 1e-300)
    scale = 1.0 / math.sqrt(n)
    r = settings.radius0
    L = hinge(W, X, y, settings.kappa)
    for it in range(settings.iterations):
        a = fields(W, X)
        if bool((stabilities(W, X, y) > 0).all()):
            return W, True, it
        theta = linearisation(a, F)
        d, _ = lp_step(X, F, G, theta, a, settings.kappa, (-r * scale, r * scale), W_eq=W)
        Wn = W + d
        Wn /= np.maximum(np.linalg.norm(Wn, axis=1, keepdims=True), 1e-300)
        Ln = hinge(Wn, X, y, settings.kappa)
        if Ln < L:
            W, L = Wn, Ln
            r = min(1.5 * r, settings.radius_max)
        else:
            r *= 0.5
            if r < settings.radius_min:
                return W, bool((stabilities(W, X, y) > 0).all()), it + 1
    return W, bool((stabilities(W, X, y) > 0).all()), settings.iterations


def slp_instance(X: np.ndarray, y: np.ndarray, W0: np.ndarray, settings: SLPSettings = SLP_DEFAULTS
                 ) -> tuple[np.ndarray, int]:
    """Both stages on one problem: ``X (P, K, n)``, ``y (P,)``, start ``W0 (K, n)`` → ``(W (K, n) on the
    spheres |w_k|² = n, LPs solved)``. Whether W stores the patterns is for the caller to check."""
    Wf, _, k1 = free_stage(X, y, W0, settings)
    W, _, k2 = sphere_stage(X, y, Wf, settings)
    return W * math.sqrt(W.shape[1]), k1 + k2


def slp_instances(spec: CommitteeSpec, P: int, key: str, instances: int, restarts: int = 1,
                  settings: SLPSettings = SLP_DEFAULTS, *,
                  on_instance: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """Run SLP on ``instances × restarts`` problems (the Adam trainer's data and starts).

    Returns the study's per-instance summary: ``solved`` (some restart stores every pattern, float64 check on
    the true machine), ``restarts_solved``, ``errors_min`` (fewest errors over restarts) and ``steps`` (fewest
    LPs of a solving restart, NaN if none).
    """
    check_slp(spec)
    positive_int(restarts, "restarts")
    X, y = make_instances(spec, P, key, list(range(instances)), dtype=torch.float64)
    W0 = random_weights(spec, f"{key}/init", [(i, r) for i in range(instances) for r in range(restarts)],
                        dtype=torch.float64).numpy()
    Xn, yn = X.numpy(), y.numpy()
    ok = torch.zeros(instances * restarts, dtype=torch.bool)
    errors = torch.zeros(instances * restarts, dtype=torch.int64)
    steps = torch.zeros(instances * restarts)
    for i in range(instances):
        for r in range(restarts):
            m = i * restarts + r
            W, steps[m] = slp_instance(Xn[i], yn[i], W0[m], settings)
            Wt = torch.from_numpy(W[None])
            ok[m] = bool(check_solutions(Wt, X[i:i + 1], y[i:i + 1], "relu")[0])
            errors[m] = int(n_errors(Wt, X[i:i + 1], y[i:i + 1], "relu")[0])
        if on_instance is not None:
            on_instance(i)
    return _summarise(ok, errors, steps, instances, restarts)
