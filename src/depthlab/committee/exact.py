"""Exact storage decisions for the convex committee machines, and an LP bracket for ReLU K = 2.

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

ReLU K = 2 (output weights +1, −1, ties are errors) is *not* convex on the model's spheres, but it is
*bracketed* by LPs (:func:`bracket_instance`). With unnormalised fields a_k = w_k·ξ_k, "label +1 stored" is
relu(a_1) > relu(a_2), i.e. a_1 > 0 and a_1 > a_2, and "label −1 stored" is a_2 > 0 and a_2 > a_1: strict
homogeneous linear inequalities (:func:`relu2_constraints`), so the solutions with *free* unit norms form an
open convex polyhedral cone C ⊂ R^{2n} (the machine with learned output-weight magnitudes). The model divides
each unit's field by its own norm, so it stores the patterns iff C meets {|w_1| = |w_2|}, which is not convex.
With g(w) = |w_1|² − |w_2|²:

* C empty (the max-margin LP has t* = 0) ⇒ certified *not storable* (the free-norm machine is an upper bound);
* p, q ∈ C with g(p) ≥ 0 ≥ g(q) ⇒ the segment [p, q] lies in C (convexity), g has a root on it (intermediate
  value theorem; :func:`segment_root` solves the quadratic g((1 − s)p + sq) = 0), and 0 ∉ C, so the root,
  each unit rescaled to |w_k|² = n, is a spherical solution: certified *stored* after the float64 check on the
  true machine;
* otherwise *undecided*.

The LP gives one point of C; a point of the other sign of g is searched for by a proximal
difference-of-convex iteration (:func:`push_gap`: each step is the weighted projection of a point onto
{A w ≥ 1}, a least-distance programme solved by :func:`scipy.optimize.nnls`, Lawson & Hanson, *Solving Least
Squares Problems* (1974), ch. 23). The search's settings (:data:`BRACKET_SEARCH`) were fixed on tuning data
(seed 1000). The certified-stored fraction is a lower bound on the spherical machine's storage probability,
the free-norm fraction an upper bound.

Instance data are those of every other algorithm of the study (:func:`depthlab.committee.model.make_instances`
with the cell's data key), so exact and trained success curves are paired problem by problem. The LPs run one
problem at a time on the CPU: an LP solver is a sequential decision procedure, not a stacked trainer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from depthlab.committee.model import CommitteeSpec, check_solutions, make_instances, n_errors
from depthlab.errors import ConfigError, InputError, NumericalError

#: (activation, K) of the machines whose solution space is convex (spherical weights, ties are errors).
CONVEX_MACHINES: tuple[tuple[str, int], ...] = (("sign", 1),)
#: (activation, K) of the machines bracketed by LPs (:func:`bracket_instance`; spherical weights, ties errors).
BRACKET_MACHINES: tuple[tuple[str, int], ...] = (("relu", 2),)
#: t* at or below this is "no solution" (HiGHS' primal and dual feasibility tolerances are 1e-7 on entries of
#: size 1; feasible problems at N ≥ 64 had t* ≥ 1e-3 in every run we made, infeasible ones t* = 0 to 1e-12).
MARGIN_TOL = 1e-9


def check_convex(spec: CommitteeSpec) -> None:
    """Raise :class:`ConfigError` unless ``spec`` is one of :data:`CONVEX_MACHINES` with spherical weights."""
    if spec.weights != "spherical" or (spec.activation, spec.K) not in CONVEX_MACHINES:
        raise ConfigError(
            f"exact storage decisions by linear programming need a convex solution space: the perceptron "
            f"(sign K=1, spherical weights); ReLU K=2 with spherical weights is bracketed by LPs instead "
            f"(bracket_instances); got {spec.activation} K={spec.K} {spec.weights} (use algorithm 'adam' or "
            f"'least-action' there)")


def check_exact(spec: CommitteeSpec, ties: str = "error") -> None:
    """Raise :class:`ConfigError` unless algorithm ``"exact"`` handles ``spec``: the perceptron (decided) or
    ReLU K = 2 (bracketed), spherical weights, ties counted as errors (the model's convention)."""
    machine = (spec.activation, spec.K)
    if spec.weights != "spherical" or (machine not in CONVEX_MACHINES and machine not in BRACKET_MACHINES):
        raise ConfigError(
            f"algorithm 'exact' handles spherical weights only, and only the perceptron (sign K=1: decided by "
            f"an LP) or ReLU K=2 (bracketed by LPs: certified stored / certified not storable / undecided); "
            f"got {spec.activation} K={spec.K} {spec.weights} weights (use algorithm 'adam', 'least-action' or "
            f"'replicated' there)")
    if ties != "error":
        raise ConfigError(f"algorithm 'exact' needs ties counted as errors (an output of 0 is a mistake, the "
                          f"model's convention), got ties={ties!r}: with ties correct the stored set of a ReLU "
                          f"pattern is not a convex cone")


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


# ----------------------------------------------------------------------------------------------------------
# ReLU K = 2: the LP bracket (see the module docstring)

#: The sign-of-g search (:func:`push_gap`), fixed on tuning data (key seed 1000, N = 128, α = 1.3 / 1.35 /
#: 1.4, 32 problems each, 41 of them free-norm feasible): proximal weight ρ on the unit being grown, at most
#: ``iterations`` projections, stop when g/|w|² moves by less than ``stall``. This setting certified 34 of the
#: 41; ρ = 1 without the rescaling 33, in more steps; a scan of box LPs |w_1i| ≤ 2^k, |w_2i| ≤ 1,
#: k = −6 … 6, 14. On the 7 problems (α = 1.3, 1.35) that 200 steps left undecided, 2000 steps, and restarts
#: from each box-LP point, certified none.
BRACKET_SEARCH: dict[str, float] = {"rho": 0.05, "iterations": 200, "stall": 1e-7}
#: Outcomes of :func:`bracket_instance`.
OUTCOMES: tuple[str, ...] = ("stored", "not-storable", "undecided")


@dataclass(frozen=True)
class BracketResult:
    """One ReLU K = 2 storage problem bracketed by LPs.

    Attributes:
        outcome: ``"stored"`` (certified: ``W`` passed the float64 check on the true machine),
            ``"not-storable"`` (certified: the free-norm cone C is empty) or ``"undecided"``.
        free_margin: t* of the free-norm max-margin LP (:func:`max_margin` on :func:`relu2_constraints`);
            > :data:`MARGIN_TOL` iff the free-norm machine stores the patterns (the upper bound).
        W: ``(2, n)`` weights on the spheres |W_k|² = n: the certified solution when stored, else the LP point
            rescaled (for error counts); ``None`` when C is empty.
        steps: simplex iterations plus projections of the search.
    """

    outcome: str
    free_margin: float
    W: np.ndarray | None
    steps: int


def relu2_constraints(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The matrix A of the strict system A w > 0, w = (w_1, w_2), equivalent to "every pattern stored" by the
    ReLU K = 2 machine with free unit norms (output weights +1, −1; ties are errors).

    Label +1: a_1 > 0 and a_1 − a_2 > 0; label −1: a_2 > 0 and a_2 − a_1 > 0 (a_k = w_k·ξ_k).

    Args:
        X: patterns ``(P, 2, n)``.
        y: labels ``(P,)``, entries ±1.

    Returns:
        ``(2P, 2n)``: the P "active unit" rows, then the P "difference" rows.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 3 or X.shape[1] != 2 or y.shape != X.shape[:1]:
        raise ConfigError(f"ReLU K=2 constraints need patterns (P, 2, n) and labels (P,); got {X.shape} and "
                          f"{y.shape}")
    x1, x2 = X[:, 0], X[:, 1]
    pos = (y > 0)[:, None]
    zero = np.zeros_like(x1)
    active = np.hstack([np.where(pos, x1, zero), np.where(pos, zero, x2)])
    diff = y[:, None] * np.hstack([x1, -x2])
    return np.vstack([active, diff])


def gap(w: np.ndarray) -> float:
    """g(w) = |w_1|² − |w_2|² of ``w (2n,)`` = (w_1, w_2)."""
    n = w.shape[-1] // 2
    return float(w[:n] @ w[:n] - w[n:] @ w[n:])


def project_polyhedron(A: np.ndarray, z: np.ndarray, d: np.ndarray | None = None) -> np.ndarray | None:
    """The point of {w : A w ≥ 1} nearest to ``z`` in the metric Σ_i d_i (w_i − z_i)² (a least-distance
    programme, Lawson & Hanson 1974, ch. 23, through :func:`scipy.optimize.nnls`).

    Args:
        A: ``(C, D)``. z: ``(D,)``. d: ``(D,)`` positive weights (default all 1).

    Returns:
        ``(D,)``, or ``None`` when the polyhedron is empty (to nnls precision).
    """
    from scipy.optimize import nnls

    s = np.ones_like(z) if d is None else np.sqrt(d)
    G = A / s[None, :]                      # in v = s·w the metric is Euclidean
    h = 1.0 - G @ (s * z)                   # x = v − s·z must satisfy G x ≥ h
    if np.all(h <= 0):
        return z.copy()
    D = G.shape[1]
    E = np.vstack([G.T, h[None, :]])        # LDP: u = argmin |E u − e_D|, u ≥ 0; x = −r[:D] / r[D]
    f = np.zeros(D + 1)
    f[-1] = 1.0
    u, _ = nnls(E, f, maxiter=50 * E.shape[1])
    r = E @ u - f
    if abs(r[-1]) < 1e-12:
        return None
    return (s * z - r[:D] / r[-1]) / s


def push_gap(A: np.ndarray, w: np.ndarray, target: int, *, rho: float = BRACKET_SEARCH["rho"],
             iterations: int = int(BRACKET_SEARCH["iterations"]),
             stall: float = BRACKET_SEARCH["stall"]) -> tuple[np.ndarray | None, int]:
    """Search {A w ≥ 1} for a point with target·g(w) ≥ 0, starting from ``w (2n,)`` (any point of C).

    For ``target = +1`` this is the proximal difference-of-convex iteration for min |w_2|² − |w_1|²: the
    concave −|w_1|² is replaced by its tangent at w_1^k plus ρ|w_1 − w_1^k|², so the step is the projection of
    ((1 + 1/ρ) w_1^k, 0) onto {A w ≥ 1} in the metric ρ|·_1|² + |·_2|² (:func:`project_polyhedron`). Each
    iterate is rescaled to min(A w) = 1 (the problem is scale-free; this keeps |w| bounded). ``target = −1``
    swaps the units' roles. A heuristic: only its answer's sign of g matters, and it can fail.

    Returns:
        ``(w, projections)``: ``w`` with target·g(w) ≥ 0 and A w > 0, or ``None`` if none was found.
    """
    n = w.shape[0] // 2
    grow = slice(0, n) if target > 0 else slice(n, 2 * n)
    d = np.ones_like(w)
    d[grow] = rho
    w = w / float((A @ w).min())
    prev = gap(w) / float(w @ w)
    for k in range(iterations):
        if target * gap(w) >= 0:
            return w, k
        z = np.zeros_like(w)
        z[grow] = (1.0 + 1.0 / rho) * w[grow]
        nxt = project_polyhedron(A, z, d)
        if nxt is None or not float((A @ nxt).min()) > 0:
            return None, k + 1
        w = nxt / float((A @ nxt).min())
        cur = gap(w) / float(w @ w)
        if abs(cur - prev) < stall:
            return (w if target * gap(w) >= 0 else None), k + 1
        prev = cur
    return (w if target * gap(w) >= 0 else None), iterations


def segment_root(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The point r = (1 − s) p + s q, s ∈ [0, 1], with g(r) = 0, given g(p) ≥ 0 ≥ g(q) (``(2n,)`` each).

    g(p + s(q − p)) = a s² + b s + c with c = g(p), a + b + c = g(q): the root in [0, 1] of the quadratic, in
    the cancellation-free form (Numerical Recipes §5.6).
    """
    n = p.shape[0] // 2
    dq = q - p
    c = gap(p)
    b = 2.0 * float(p[:n] @ dq[:n] - p[n:] @ dq[n:])
    a = gap(dq)
    if c < 0 or gap(q) > 0:
        raise InputError(f"segment_root needs g(p) ≥ 0 ≥ g(q); got {c:.3g} and {gap(q):.3g}")
    if c == 0:
        return p.copy()
    if abs(a) <= 1e-15 * (abs(b) + abs(c)):
        s = -c / b
    else:
        disc = max(b * b - 4.0 * a * c, 0.0)
        qq = -0.5 * (b + math.copysign(math.sqrt(disc), b))
        roots = [r for r in (qq / a, c / qq if qq != 0 else math.inf) if -1e-12 <= r <= 1 + 1e-12]
        s = min(roots) if roots else 1.0
    return p + min(max(s, 0.0), 1.0) * dq


def to_spheres(w: np.ndarray) -> np.ndarray:
    """``(2n,)`` → ``(2, n)`` with each unit rescaled to |W_k|² = n (the model's spheres)."""
    W = w.reshape(2, -1)
    return W * (math.sqrt(W.shape[1]) / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-300))


def bracket_instance(X: np.ndarray, y: np.ndarray) -> BracketResult:
    """Bracket one ReLU K = 2 storage problem (``X (P, 2, n)``, ``y (P,)``) by LPs: see the module docstring.

    Raises:
        NumericalError: when HiGHS fails (:func:`max_margin`).
    """
    A = relu2_constraints(X, y)
    t, w, nit = max_margin(A)
    if t <= MARGIN_TOL:
        return BracketResult("not-storable", t, None, nit)
    w = w / t                                  # A w ≥ 1
    target = -1 if gap(w) >= 0 else 1
    other, k = push_gap(A, w, target)
    if other is not None:
        p, q = (w, other) if target < 0 else (other, w)
        W = to_spheres(segment_root(p, q))
        Xt, yt = torch.from_numpy(np.asarray(X, dtype=np.float64)[None]), torch.from_numpy(
            np.asarray(y, dtype=np.float64)[None])
        if bool(check_solutions(torch.from_numpy(W[None]), Xt, yt, "relu")[0]):
            return BracketResult("stored", t, W, nit + k)
    return BracketResult("undecided", t, to_spheres(w), nit + k)


def bracket_instances(spec: CommitteeSpec, P: int, key: str, instances: int, *,
                      on_instance: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """Bracket ``instances`` ReLU K = 2 problems (same data as the trained algorithms' cells).

    Returns the study's per-instance summary: ``solved`` (certified stored: the lower bound),
    ``free_feasible`` (the free-norm LP stores them: the upper bound), ``undecided`` (free-norm feasible but
    not certified), ``restarts_solved`` (0/1), ``errors_min`` (true-machine errors of the returned weights; 0
    when solved, P when C is empty), ``steps`` (simplex iterations plus projections) and ``margin`` (t*).
    """
    check_exact(spec)
    if (spec.activation, spec.K) not in BRACKET_MACHINES:
        raise ConfigError(f"bracket_instances handles ReLU K=2; got {spec.activation} K={spec.K} (the "
                          f"perceptron is decided exactly by exact_instances)")
    X, y = make_instances(spec, P, key, list(range(instances)), dtype=torch.float64)
    out = {k: np.zeros(instances, dtype=bool) for k in ("solved", "free_feasible", "undecided")}
    errors = np.zeros(instances, dtype=np.int64)
    steps = np.zeros(instances)
    margin = np.zeros(instances)
    for i in range(instances):
        r = bracket_instance(X[i].numpy(), y[i].numpy())
        out["solved"][i] = r.outcome == "stored"
        out["free_feasible"][i] = r.outcome != "not-storable"
        out["undecided"][i] = r.outcome == "undecided"
        margin[i], steps[i] = r.free_margin, r.steps
        errors[i] = P if r.W is None else int(n_errors(torch.from_numpy(r.W[None]), X[i:i + 1], y[i:i + 1],
                                                      "relu")[0])
        if on_instance is not None:
            on_instance(i)
    return {**out, "restarts_solved": out["solved"].astype(np.int64), "errors_min": errors, "steps": steps,
            "margin": margin}


def free_norm_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The upper-bound curve of a per-instance table: its ``"lp-bracket"`` rows with ``solved`` replaced by
    ``free_feasible`` and the algorithm relabelled ``"lp-free-norm"`` (empty when there are none)."""
    if "algorithm" not in df.columns:
        return df.iloc[:0].copy()
    rows = df[df["algorithm"] == "lp-bracket"].copy()
    rows["solved"] = rows["free_feasible"].astype(bool)
    rows["algorithm"] = "lp-free-norm"
    return rows


def cover_probability(P: int, N: int) -> float:
    """Cover's fraction of linearly separable dichotomies of P points in general position in R^N (through the
    origin): 2^{1−P} Σ_{k=0}^{N−1} C(P−1, k) (Cover 1965, Theorem 1), computed in log space."""
    from scipy.special import gammaln, logsumexp

    if P <= N:
        return 1.0
    k = np.arange(N)
    logc = gammaln(P) - gammaln(k + 1) - gammaln(P - k)
    return float(np.exp(min(0.0, logsumexp(logc) + (1 - P) * np.log(2.0))))


def bracket_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per ReLU K = 2 cell of a per-instance table: the fractions certified stored (``lower``), free-norm
    feasible (``upper``) and ``undecided``, with ``instances`` and the cell's wall time ``seconds``."""
    rows = df[df["algorithm"] == "lp-bracket"] if "algorithm" in df.columns else df.iloc[:0]
    if rows.empty:
        return pd.DataFrame(columns=["K", "N", "alpha", "lower", "upper", "undecided", "instances", "seconds"])
    g = rows.groupby(["K", "N", "alpha"], sort=True)
    return g.agg(lower=("solved", "mean"), upper=("free_feasible", "mean"), undecided=("undecided", "mean"),
                 instances=("solved", "size"), seconds=("seconds", "first")).reset_index()
