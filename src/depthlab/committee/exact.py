"""Exact storage decisions for the convex committee machines, by linear programming.

The perceptron (sign, K = 1, ties counted as errors) has a *convex* solution space: pattern μ is stored iff
y^μ w·ξ^μ > 0, one half-space per pattern. "All P patterns stored" is the feasibility of a system of strict
homogeneous linear inequalities A w > 0, so it can be *decided*, not searched for: :func:`max_margin` solves
the linear programme

    t* = max t  subject to  A w ≥ t·1,  −1 ≤ w_i ≤ 1,  t ≤ 1

(HiGHS, through :func:`scipy.optimize.linprog`). It is always feasible (w = 0, t = 0) and bounded, and the
patterns can be stored iff t* > 0. By LP duality t* = min{‖Aᵀu‖₁ : u ≥ 0, Σu = 1}, so t* = 0 comes with a
Farkas certificate u (Aᵀu = 0, u ≥ 0, u ≠ 0: no w has A w > 0). A stored solution is re-checked on the true
machine in float64 (:func:`depthlab.committee.model.check_solutions`); a positive t* whose w fails that check,
or a solver status other than success, raises :class:`~depthlab.errors.NumericalError`.

The measured success curve is then the machine's own storage probability at that N, not an algorithm's, and
:func:`cover_probability` gives it in closed form for points in general position (Cover, IEEE Trans.
Electron. Comput. EC-14, 326 (1965)): ½ at P = 2N at every N, α_c = 2.

ReLU K = 2 is *not* convex on the model's spheres: with unnormalised weights "label +1 stored" is λ_1 > 0 and
λ_1 > λ_2, a convex cone, but each unit's field is divided by its own norm, and the constraint |w_1| = |w_2|
is not convex. The same LP then decides a different machine (free unit norms, i.e. learned output-weight
magnitudes), which only bounds the spherical one; it is not offered as an exact method.

Instance data are those of every other algorithm of the study (:func:`depthlab.committee.model.make_instances`
with the cell's data key), so exact and trained success curves are paired problem by problem. The LPs run one
problem at a time on the CPU: an LP solver is a sequential decision procedure, not a stacked trainer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from depthlab.committee.model import CommitteeSpec, check_solutions, make_instances, n_errors
from depthlab.errors import ConfigError, NumericalError

#: (activation, K) of the machines whose solution space is convex (spherical weights, ties are errors).
CONVEX_MACHINES: tuple[tuple[str, int], ...] = (("sign", 1),)
#: t* at or below this is "no solution" (HiGHS' primal and dual feasibility tolerances are 1e-7 on entries of
#: size 1; feasible problems at N ≥ 64 had t* ≥ 1e-3 in every run we made, infeasible ones t* = 0 to 1e-12).
MARGIN_TOL = 1e-9


def check_convex(spec: CommitteeSpec) -> None:
    """Raise :class:`ConfigError` unless ``spec`` is one of :data:`CONVEX_MACHINES` with spherical weights."""
    if spec.weights != "spherical" or (spec.activation, spec.K) not in CONVEX_MACHINES:
        raise ConfigError(
            f"algorithm 'exact' decides storage by linear programming, which needs a convex solution space: "
            f"the perceptron (sign K=1, spherical weights); got {spec.activation} "
            f"K={spec.K} {spec.weights} (use algorithm 'adam' or 'least-action' there)")


def constraints(X: np.ndarray, y: np.ndarray, activation: str) -> np.ndarray:
    """The matrix A of the strict system A w > 0 equivalent to "every pattern stored" (the perceptron).

    Args:
        X: patterns ``(P, 1, n)``.
        y: labels ``(P,)``, entries ±1.
        activation: ``"sign"``.

    Returns:
        ``(P, n)``: rows y^μ ξ^μ.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if activation != "sign" or X.ndim != 3 or X.shape[1] != 1:
        raise ConfigError(f"no linear form for {activation} with patterns of shape {X.shape}; convex machines: "
                          f"{CONVEX_MACHINES}")
    return y[:, None] * X[:, 0, :]


def max_margin(A: np.ndarray) -> tuple[float, np.ndarray, int]:
    """Solve max t s.t. A w ≥ t, |w_i| ≤ 1, t ≤ 1 (HiGHS dual simplex): ``A (C, D)`` → ``(t*, w (D,), iterations)``.

    Raises:
        NumericalError: when HiGHS does not report an optimal solution.
    """
    from scipy.optimize import linprog

    C, D = A.shape
    c = np.zeros(D + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=np.hstack([-A, np.ones((C, 1))]), b_ub=np.zeros(C),
                  bounds=[(-1.0, 1.0)] * D + [(None, 1.0)], method="highs-ds")
    if res.status != 0:
        raise NumericalError(f"HiGHS did not solve the max-margin LP ({C} constraints, {D} weights): "
                             f"status {res.status}, {res.message}")
    return float(-res.fun), np.asarray(res.x[:D]), int(res.nit)


def exact_instances(spec: CommitteeSpec, P: int, key: str, instances: int, *,
                    on_instance: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """Decide storage exactly for ``instances`` problems (same data as the trained algorithms' cells).

    Returns the study's per-instance summary: ``solved``, ``restarts_solved`` (0/1), ``errors_min`` (errors of
    the LP's w: 0 when solved), ``steps`` (simplex iterations) and ``margin`` (t*, the ∞-norm-box margin; 0 to
    solver precision when no solution exists).
    """
    check_convex(spec)
    X, y = make_instances(spec, P, key, list(range(instances)), dtype=torch.float64)
    Xn, yn = X.numpy(), y.numpy()
    solved = np.zeros(instances, dtype=bool)
    errors = np.zeros(instances, dtype=np.int64)
    steps = np.zeros(instances)
    margin = np.zeros(instances)
    for i in range(instances):
        t, w, nit = max_margin(constraints(Xn[i], yn[i], spec.activation))
        W = torch.from_numpy(w.reshape(1, spec.K, spec.n))
        ok = bool(check_solutions(W, X[i:i + 1], y[i:i + 1], spec.activation)[0])
        if t > MARGIN_TOL and not ok:
            raise NumericalError(f"the LP reports margin {t:.3g} > {MARGIN_TOL:g} for instance {i} of {key}, "
                                 "but its weights fail the float64 check on the true machine")
        solved[i], margin[i], steps[i] = ok and t > MARGIN_TOL, t, nit
        errors[i] = 0 if solved[i] else int(n_errors(W, X[i:i + 1], y[i:i + 1], spec.activation)[0])
        if on_instance is not None:
            on_instance(i)
    return {"solved": solved, "restarts_solved": solved.astype(np.int64), "errors_min": errors,
            "steps": steps, "margin": margin}


def cover_probability(P: int, N: int) -> float:
    """Cover's fraction of linearly separable dichotomies of P points in general position in R^N (through the
    origin): 2^{1−P} Σ_{k=0}^{N−1} C(P−1, k) (Cover 1965, Theorem 1), computed in log space."""
    from scipy.special import gammaln, logsumexp

    if P <= N:
        return 1.0
    k = np.arange(N)
    logc = gammaln(P) - gammaln(k + 1) - gammaln(P - k)
    return float(np.exp(min(0.0, logsumexp(logc) + (1 - P) * np.log(2.0))))
