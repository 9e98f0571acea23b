"""Closed-form solution of two equations by a three-layer matrix-exponential network.

Gai & Zhang (arXiv 2407.02540) show that f(X) = W3·expm(W2·expm(W1·X)) can fit Y1 = f(X1) and Y2 = f(X2) exactly
in closed form, while the one-layer Y = W·X fits only one such equation. The construction implemented here is a
"commute, then eliminate" recipe derived from the paper's abstract (which states the result and its invertibility
assumptions, not the formulas) and checked numerically; docs/matexp.md writes it out:

1. W1 = λ (X2 − X1)⁻¹, so W1X2 = W1X1 + λI and the two exponentials commute: expm(W1X2) = e^λ expm(A1), A1 = W1X1;
2. M = Y1⁻¹Y2, L = log M (principal, or shifted by 2πik·I for branch k), B1 = L / (e^λ − 1);
3. W2 = B1 expm(−A1), so W2 expm(A1) = B1 and W2 expm(A2) = e^λ B1 commute again;
4. W3 = Y1 expm(−B1); then f(X1) = Y1 and f(X2) = Y1 expm((e^λ − 1) B1) = Y1 M = Y2.

It needs X2 − X1, Y1 and Y2 invertible and e^λ ≠ 1 (X1, X2 themselves need not be invertible). The scalar λ
controls conditioning (docs/matexp.md, "Conditioning"): it is chosen automatically by ranking a grid of candidates
with a cheap error proxy built from eigenvalue spreads and verifying the best few by evaluating the network (the
residual that is reported is always a real forward evaluation).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.linalg as sla
import torch

from depthlab.errors import InputError, NumericalError, SingularMatrixError
from depthlab.linalg import logm, lu_cond1, relative_residual
from depthlab.matexp.theory.accuracy import require_accuracy
from depthlab.matexp.theory.lam import choose_lambdas
from depthlab.matexp.theory.network import forward
from depthlab.seeding import numpy_rng
from depthlab.validate import SINGULAR_COND, as_square_matrix, same_shape

#: Residual tolerance for well-conditioned data, d ≤ 16 (docs/matexp.md, "Measured"); 1e-8 is used at d = 64.
RESIDUAL_TOL = 1e-10
#: The automatic λ choice stops verifying candidates once one reaches this residual (rounding level).
ACCEPT_RESIDUAL = 1e-13
#: Above this condition number of X2 − X1 the residual degrades visibly (docs/matexp.md): a note is added.
ILL_CONDITIONED = 1e3


class MatexpWarning(UserWarning):
    """The construction ran but its verified residual is poor (ill-conditioned data)."""


@dataclass(frozen=True)
class MatexpProblem:
    """Two equations Y1 = f(X1), Y2 = f(X2) with validated complex128 d×d matrices.

    ``real`` records whether all four inputs were real (then real weights are wanted when they exist).
    """

    X1: np.ndarray
    X2: np.ndarray
    Y1: np.ndarray
    Y2: np.ndarray
    real: bool

    @property
    def d(self) -> int:
        return self.X1.shape[0]


def make_problem(X1: Any, X2: Any, Y1: Any, Y2: Any) -> MatexpProblem:
    """Validate and package the four matrices.

    Raises:
        InputError: not numeric, not square, shapes differ, or NaN/Inf present.
    """
    raw = {"X1": X1, "X2": X2, "Y1": Y1, "Y2": Y2}
    mats = {k: as_square_matrix(v, k) for k, v in raw.items()}
    same_shape(mats)
    real = all(not np.any(m.imag) for m in mats.values())
    return MatexpProblem(**mats, real=real)


def random_problem(d: int, seed: int = 0, *, real: bool = False) -> MatexpProblem:
    """A random instance: i.i.d. entries CN(0, 1/d) (complex) or N(0, 1/d) (``real=True``)."""
    if not isinstance(d, int) or d < 1:
        raise InputError(f"d must be a positive integer, got {d!r}")
    rng = numpy_rng(seed, d, int(real))
    if real:
        mats = rng.standard_normal((4, d, d)) / math.sqrt(d)
    else:
        mats = (rng.standard_normal((4, d, d)) + 1j * rng.standard_normal((4, d, d))) / math.sqrt(2 * d)
    return make_problem(*mats)


@dataclass(frozen=True)
class Diagnostics:
    """Everything needed to judge a closed-form solution.

    Attributes:
        residuals: relative Frobenius residuals ‖f(Xi) − Yi‖/‖Yi‖ of the two equations, by forward evaluation.
        lam: the λ used; ``lam_auto`` whether it was chosen automatically (and ``candidates_verified`` how many
            candidates were evaluated).
        branch: k in L = log_principal(M) + 2πik·I; ``log_method`` ``"eig"`` or ``"iss"``.
        cond_dx, cond_y1, cond_m: 1-norm condition numbers of X2 − X1, Y1 and M = Y1⁻¹Y2 (LAPACK estimates).
        norms: Frobenius norms of the weights and of the intermediate matrices of both equations
            (``A_i = W1 Xi``, ``expm(A_i)``, ``H_i = W2 expm(A_i)``, ``expm(H_i)``) and of B1.
        real_data: all inputs real. For real data, ``real_weights_necessary`` is det(Y1)·det(Y2) > 0 (necessary
            for real weights: det f(X) = det W3 · e^{tr(W2 expm(W1X))} keeps the sign of det W3),
            ``real_log_exists`` says M has no eigenvalue on (−∞, 0] (then this construction gives real weights),
            and ``weights_real`` whether the returned weights are real.
        notes: human-readable warnings about conditioning and realness.
    """

    residuals: tuple[float, float]
    lam: complex
    lam_auto: bool
    candidates_verified: int
    branch: int
    log_method: str
    cond_dx: float
    cond_y1: float
    cond_m: float
    norms: dict[str, float]
    real_data: bool
    real_weights_necessary: bool | None
    real_log_exists: bool | None
    weights_real: bool
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def max_residual(self) -> float:
        return max(self.residuals)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["lam"] = [self.lam.real, self.lam.imag]
        out["residuals"] = list(self.residuals)
        out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True)
class MatexpSolution:
    """Weights (W1, W2, W3) of f(X) = W3·expm(W2·expm(W1·X)) with their :class:`Diagnostics`."""

    weights: tuple[np.ndarray, np.ndarray, np.ndarray]
    diagnostics: Diagnostics

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Evaluate the network at ``x`` (d×d)."""
        return forward(np.asarray(x, dtype=np.complex128), self.weights)


@dataclass(frozen=True)
class _Prepared:
    """λ-independent parts of the construction."""

    dx_inv: np.ndarray  # (X2 − X1)⁻¹
    c: np.ndarray  # (X2 − X1)⁻¹ X1, so A1 = λ C
    log_m: np.ndarray  # principal log of M
    log_eigs: np.ndarray  # its eigenvalues
    c_eigs: np.ndarray
    log_method: str
    cond_dx: float
    cond_y1: float
    cond_m: float
    real_weights_necessary: bool | None
    real_log_exists: bool | None


def _prepare(p: MatexpProblem) -> _Prepared:
    dx = p.X2 - p.X1
    if p.real:
        dx = dx.real
    lu_dx, cond_dx = lu_cond1(dx)
    if not math.isfinite(cond_dx) or cond_dx > SINGULAR_COND:
        raise SingularMatrixError(
            "X2 − X1", cond_dx,
            "the construction needs W1 = λ(X2 − X1)⁻¹, so X1 and X2 must differ in every direction; "
            "the residual degrades quickly above cond ~1e3. Use inputs that are further apart.")
    y1 = p.Y1.real if p.real else p.Y1
    y2 = p.Y2.real if p.real else p.Y2
    lu_y1, cond_y1 = lu_cond1(y1)
    if not math.isfinite(cond_y1) or cond_y1 > SINGULAR_COND:
        raise SingularMatrixError(
            "Y1", cond_y1,
            "det f(X) = det W3 · e^{tr(W2 expm(W1 X))}, so f(X1) is invertible exactly when W3 is; a singular Y1 "
            "cannot be reached together with an invertible Y2, and the construction needs Y1⁻¹.")
    m = sla.lu_solve(lu_y1, y2, check_finite=False)
    _, cond_m = lu_cond1(m)
    if not math.isfinite(cond_m) or cond_m > SINGULAR_COND:
        raise SingularMatrixError(
            "Y1⁻¹Y2", cond_m,
            "its logarithm is needed, so Y2 must be invertible too (by det f(X) = det W3 · e^{…}, Y1 and Y2 are "
            "both invertible or both singular).")
    log_m, method, m_eigs = logm(m)
    dx_inv = sla.lu_solve(lu_dx, np.eye(p.d), check_finite=False).astype(np.complex128)
    c = dx_inv @ p.X1
    necessary = real_log = None
    if p.real:
        s1 = np.linalg.slogdet(y1)[0]
        s2 = np.linalg.slogdet(y2)[0]
        necessary = bool(s1 * s2 > 0)
        real_log = not bool(np.any((m_eigs.imag == 0) & (m_eigs.real <= 0)))
    return _Prepared(dx_inv=dx_inv, c=c, log_m=log_m, log_eigs=np.log(m_eigs), c_eigs=np.linalg.eigvals(c),
                     log_method=method, cond_dx=cond_dx, cond_y1=cond_y1, cond_m=cond_m,
                     real_weights_necessary=necessary, real_log_exists=real_log)


def check_lambda(lam: complex) -> complex:
    """Validate a user-chosen λ: finite and e^λ ≠ 1 (i.e. λ ∉ 2πiℤ)."""
    try:
        lam = complex(lam)
    except (TypeError, ValueError):
        raise InputError(f"λ must be a number, got {lam!r}") from None
    if not (math.isfinite(lam.real) and math.isfinite(lam.imag)):
        raise InputError(f"λ must be finite, got {lam}")
    gap = abs(np.expm1(lam)) if lam.imag == 0 else abs(np.exp(lam) - 1)
    if gap < 1e-8:
        k = lam.imag / (2 * math.pi)
        raise InputError(
            f"λ = {lam} has e^λ = 1 (λ = 2πi·{k:.6g}): B1 = log(Y1⁻¹Y2)/(e^λ − 1) is undefined. Choose λ with "
            "e^λ ≠ 1, e.g. λ = 1, or let depthlab choose (lam='auto').")
    return lam


def _build(p: MatexpProblem, prep: _Prepared, lam: complex, branch: int,
           want_real: bool) -> tuple[tuple[np.ndarray, ...], float, tuple[float, float], dict[str, float]]:
    """Weights for one λ, verified by forward evaluation.

    Returns ``(weights, imag, residuals, norms)``: ``imag`` is the largest relative imaginary part of the weights
    before an optional real cast (``want_real``); residuals and norms as in :class:`Diagnostics`.

    W2 = B1·expm(A1)⁻¹ is formed from the same ``expm(W1 @ X1)`` that the forward pass at X1 computes (a pure
    function of the same bits), which saves one exponential without changing what is verified.
    """
    w1 = lam * prep.dx_inv
    if want_real:
        w1 = w1.real.astype(np.complex128)
    log_m = prep.log_m + (2j * math.pi * branch) * np.eye(p.d) if branch else prep.log_m
    b1 = log_m / np.expm1(lam) if lam.imag == 0 else log_m / (np.exp(lam) - 1)
    if want_real:
        b1 = b1.real.astype(np.complex128)
    with np.errstate(all="ignore"):
        w3 = (p.Y1 @ sla.expm(-b1)).astype(np.complex128)
        a1 = w1 @ p.X1
        e1 = sla.expm(a1)
        try:
            w2 = np.linalg.solve(e1.T, b1.T).T
        except (np.linalg.LinAlgError, ValueError):
            w2 = np.full_like(e1, np.nan)
    ws = [w1, w2, w3]
    imag = max(np.linalg.norm(w.imag) / max(np.linalg.norm(w), 1e-300) for w in ws)
    if want_real and imag <= 1e-10:
        ws = [w.real.astype(np.complex128) for w in ws]
    w1, w2, w3 = ws
    norms = {"W1": np.linalg.norm(w1), "W2": np.linalg.norm(w2), "W3": np.linalg.norm(w3),
             "B1": np.linalg.norm(b1)}
    res = []
    with np.errstate(all="ignore"):
        for i, (x, y) in enumerate(((p.X1, p.Y1), (p.X2, p.Y2)), start=1):
            a = a1 if i == 1 else w1 @ x
            ea = e1 if i == 1 else sla.expm(a)
            h = w2 @ ea
            eh = sla.expm(h)
            res.append(relative_residual(w3 @ eh, y))
            norms.update({f"A{i}": np.linalg.norm(a), f"expm(A{i})": np.linalg.norm(ea),
                          f"H{i}": np.linalg.norm(h), f"expm(H{i})": np.linalg.norm(eh)})
    return tuple(ws), float(imag), (res[0], res[1]), {k: float(v) for k, v in norms.items()}


def default_n_verify(d: int) -> int:
    """How many proxy-ranked λ candidates the automatic choice evaluates: 4 up to d = 64, else 1.

    Each costs four matrix exponentials; beyond d = 64 the proxy's first choice is kept (on random data it was
    within a factor 2 of the best of the whole grid at d = 16 and 64).
    """
    return 4 if d <= 64 else 1


def solve_problem(p: MatexpProblem, *, lam: complex | Literal["auto"] = "auto", branch: int = 0,
                  n_verify: int | None = None, tol: float | None = None) -> MatexpSolution:
    """Closed-form W1, W2, W3 with f(X1) = Y1, f(X2) = Y2 for a validated :class:`MatexpProblem`.

    Args:
        p: the problem (see :func:`make_problem`).
        lam: λ, or ``"auto"`` to rank a grid of candidates (:func:`~depthlab.matexp.theory.lam.lambda_candidates`) by
            :func:`~depthlab.matexp.theory.lam.lambda_proxy` and keep the one whose verified residual is smallest among
            the best ``n_verify`` (stopping early once one reaches ``ACCEPT_RESIDUAL`` = 1e-13, rounding level).
            For real data whose M = Y1⁻¹Y2 has no eigenvalue on (−∞, 0], only real λ > 0 are tried, so the
            weights come out real.
        branch: k in L = log M + 2πik·I (any logarithm of M works; 0 is the principal one).
        n_verify: candidates evaluated by ``"auto"`` (default :func:`default_n_verify`).
        tol: when given, a larger residual raises
            :class:`~depthlab.matexp.theory.accuracy.InaccurateSolutionError` (naming the failing assumption and
            carrying the solution) instead of a warning.

    Returns:
        :class:`MatexpSolution` with weights in complex128 and :class:`Diagnostics`.

    Raises:
        SingularMatrixError: X2 − X1, Y1 or Y1⁻¹Y2 singular or numerically singular (condition number > 1e12).
        InputError: λ with e^λ = 1, or a non-integer branch.
        NumericalError: every λ tried overflowed float64.
        InaccurateSolutionError: ``tol`` given and not reached.
    """
    if isinstance(branch, bool) or not isinstance(branch, int | np.integer):
        raise InputError(f"branch must be an integer k (L = log M + 2πik·I), got {branch!r}")
    branch = int(branch)
    auto = isinstance(lam, str)
    if auto and lam != "auto":
        raise InputError(f"lam must be a number or 'auto', got {lam!r}")
    prep = _prepare(p)
    want_real = bool(p.real and prep.real_log_exists and branch == 0)
    if auto:
        k = n_verify if n_verify is not None else default_n_verify(p.d)
        lams = choose_lambdas(torch.from_numpy(prep.c_eigs), torch.from_numpy(prep.log_eigs + 2j * math.pi * branch),
                              torch.tensor(want_real), k)
        tried = [complex(c) for c in lams.tolist() if np.isfinite(c)]
    else:
        tried = [check_lambda(lam)]  # type: ignore[arg-type]
    best: tuple[float, complex, tuple[np.ndarray, ...], tuple[float, float], dict[str, float], float] | None = None
    n_tried = 0
    for cand in tried:
        n_tried += 1
        ws, imag, res, norms = _build(p, prep, cand, branch, want_real and cand.imag == 0)
        score = max(res)
        if best is None or score < best[0]:
            best = (score, cand, ws, res, norms, imag)
        if best[0] <= ACCEPT_RESIDUAL:
            break
    assert best is not None
    score, lam_used, ws, res, norms, imag = best
    weights_real = all(not np.any(w.imag) for w in ws)
    notes = _notes(p, prep, lam_used, score, weights_real)
    diag = Diagnostics(
        residuals=res, lam=lam_used, lam_auto=auto, candidates_verified=n_tried, branch=branch,
        log_method=prep.log_method, cond_dx=prep.cond_dx, cond_y1=prep.cond_y1, cond_m=prep.cond_m, norms=norms,
        real_data=p.real, real_weights_necessary=prep.real_weights_necessary, real_log_exists=prep.real_log_exists,
        weights_real=weights_real, notes=tuple(notes))
    if not math.isfinite(score):
        rho = float(np.max(np.abs(prep.c_eigs)))
        rel = float(np.linalg.norm(p.X2 - p.X1) / max(np.linalg.norm(p.X1), np.linalg.norm(p.X2)))
        raise NumericalError(
            f"the closed form overflowed float64 for every λ tried: ρ((X2−X1)⁻¹X1) = {rho:.3g} and "
            f"‖X2−X1‖/max(‖X1‖, ‖X2‖) = {rel:.3g}, so expm(W1·Xi) with W1 = λ(X2−X1)⁻¹ is out of range "
            f"(cond(X2−X1) = {prep.cond_dx:.3g}). X1 and X2 nearly coincide along some direction; move them apart "
            "(or pass a smaller λ, e.g. lam=1e-3, at the price of a larger B1).")
    sol = MatexpSolution(weights=(ws[0], ws[1], ws[2]), diagnostics=diag)
    if tol is not None:
        require_accuracy(sol, float(min(np.linalg.norm(p.Y1), np.linalg.norm(p.Y2))), tol)
    elif not score <= 1e-6:
        warnings.warn(f"closed-form residual {score:.3g} is poor: cond(X2−X1) = {prep.cond_dx:.3g}, "
                      f"cond(Y1) = {prep.cond_y1:.3g}, λ = {lam_used:.3g}; see the diagnostics notes",
                      MatexpWarning, stacklevel=2)
    return sol


def _notes(p: MatexpProblem, prep: _Prepared, lam: complex, score: float, weights_real: bool) -> list[str]:
    notes = []
    if prep.cond_dx > ILL_CONDITIONED:
        notes.append(f"X2 − X1 is ill-conditioned (cond₁ ≈ {prep.cond_dx:.3g}): the error grows quickly with it; "
                     "move X1 and X2 further apart if the residual matters.")
    if prep.cond_y1 > 1e6:
        notes.append(f"Y1 is ill-conditioned (cond₁ ≈ {prep.cond_y1:.3g}): the error grows like eps·cond(Y1) "
                     ".")
    if abs(np.exp(lam) - 1) < 1e-3:
        notes.append(f"λ = {lam} is close to 2πiℤ (e^λ ≈ 1): B1 = L/(e^λ − 1) is huge.")
    if p.real:
        if not prep.real_weights_necessary:
            notes.append("det(Y1)·det(Y2) < 0: no real weights exist (det f(X) = det W3 · e^{tr(…)} keeps the "
                         "sign of det W3); the weights are complex.")
        elif not prep.real_log_exists:
            notes.append("Y1⁻¹Y2 has an eigenvalue on (−∞, 0], so it has no real principal logarithm and this "
                         "construction gives complex weights; whether real weights exist is open.")
        elif weights_real:
            notes.append("real data with a real logarithm of Y1⁻¹Y2 and real λ: the weights are real.")
    if score > RESIDUAL_TOL:
        notes.append(f"max residual {score:.3g} exceeds {RESIDUAL_TOL:g} (the tolerance for well-conditioned "
                     "d ≤ 16 data).")
    return notes


def solve_two(X1: Any, X2: Any, Y1: Any, Y2: Any, *, lam: complex | Literal["auto"] = "auto", branch: int = 0,
              n_verify: int | None = None, tol: float | None = None) -> MatexpSolution:
    """Solve Y1 = f(X1), Y2 = f(X2) for f(X) = W3·expm(W2·expm(W1·X)) in closed form.

    Validates the inputs (:func:`make_problem`) and calls :func:`solve_problem`; see there for the arguments.

    Example:
        >>> from depthlab.matexp import random_problem, solve_problem
        >>> sol = solve_problem(random_problem(4, seed=0))
        >>> sol.diagnostics.max_residual < 1e-10
        True
    """
    return solve_problem(make_problem(X1, X2, Y1, Y2), lam=lam, branch=branch, n_verify=n_verify, tol=tol)
