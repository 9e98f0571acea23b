"""The closed form in extended precision (mpmath) for small d: weights that float64 cannot represent.

The construction of :mod:`~depthlab.matexp.theory.closed_form` is exact in exact arithmetic, but evaluating
f(X1) = W3·expm(W2·expm(W1·X1)) in a precision with unit roundoff u makes an error of about
u·‖W2‖·‖expm(A1)‖·‖W3‖·‖expm(H1)‖/‖Y1‖. When X1 and X2 nearly agree along some directions (a large
cond(X2 − X1)), that amplification exceeds 1/u = 4.5e15 for float64, and *no* float64 weights of the construction
reach a small residual: rounding the exact weights to float64 already spoils them.

Here every step runs with ``digits`` significant decimal digits (mpmath): W1 = λ(X2 − X1)⁻¹, M = Y1⁻¹Y2,
L = log M (+ 2πik·I), B1 = L/(e^λ − 1), W2 = B1·expm(−A1), W3 = Y1·expm(−B1). The residuals are then
re-evaluated at twice the working precision, so that the numbers reported are the residuals of the returned
weights themselves (evaluation error about 10^(−2·digits) times the amplification), and the same is done for the
weights rounded to complex128, which says whether float64 can hold the solution at all.

λ is chosen by the conditioning proxy of :mod:`~depthlab.matexp.theory.lam` (its value estimates the natural log
of the amplification, so :func:`digits_needed` turns it into a working precision). Cost: mpmath's ``logm`` and
``expm`` at d = 8 and 60 digits take about 1 s; :data:`MAX_EXTENDED_D` bounds d.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np
import torch

from depthlab.errors import InputError, NumericalError
from depthlab.matexp.limits import MAX_DIGITS, MAX_EXTENDED_D, MIN_DIGITS
from depthlab.matexp.theory.certify import forward_mp, frobenius_mp, to_mp
from depthlab.matexp.theory.closed_form import MatexpProblem, check_lambda
from depthlab.matexp.theory.lam import lambda_candidates, lambda_proxy


@dataclass(frozen=True)
class ExtendedSolution:
    """Weights of f(X) = W3·expm(W2·expm(W1·X)) held in ``digits``-digit mpmath numbers.

    Attributes:
        weights: (W1, W2, W3) as ``mpmath.matrix`` (d × d, complex).
        digits: working precision (significant decimal digits).
        lam: the λ used; ``proxy``: its conditioning proxy (natural log of the estimated amplification).
        residuals: ‖f(Xi) − Yi‖_F/‖Yi‖_F of ``weights``, evaluated at 2·``digits`` digits.
        float64_residuals: the same for the weights rounded to complex128 (evaluated at 2·``digits`` digits, so
            the number is the float64 weights' own residual, not float64 evaluation error).
        amplification: ‖W2‖·‖expm(A1)‖/‖B1‖ (≥ 1): how much the inner layer amplifies rounding of its input.
    """

    weights: tuple[mpmath.matrix, mpmath.matrix, mpmath.matrix]
    digits: int
    lam: complex
    proxy: float
    residuals: tuple[float, float]
    float64_residuals: tuple[float, float]
    amplification: float

    @property
    def max_residual(self) -> float:
        return max(self.residuals)

    @property
    def float64_representable(self) -> bool:
        """Whether the weights rounded to complex128 still solve the equations to 1e-8 (about √eps)."""
        return max(self.float64_residuals) <= 1e-8

    def weights_float64(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The weights rounded to complex128 arrays (d, d)."""
        w1, w2, w3 = (_to_numpy(w) for w in self.weights)
        return w1, w2, w3

    def weights_text(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The weights as arrays of decimal strings with ``digits`` significant digits (``"(re+imj)"``), for an
        ``.npz`` that needs no pickle; read back with ``mpmath.mpmathify(str(s))``."""
        with mpmath.workdps(self.digits):
            w1, w2, w3 = (np.array([[_text(w[i, j], self.digits) for j in range(w.cols)] for i in range(w.rows)])
                          for w in self.weights)
        return w1, w2, w3


def _to_numpy(m: mpmath.matrix) -> np.ndarray:
    return np.array([[complex(m[i, j]) for j in range(m.cols)] for i in range(m.rows)], dtype=np.complex128)


def _text(z: mpmath.mpc, digits: int) -> str:
    """``"(re+imj)"`` with ``digits`` significant digits (call inside ``workdps(digits)``: converting at the
    default 15 digits would round to float64)."""
    z = mpmath.mpc(z)
    re, im = mpmath.nstr(z.real, digits), mpmath.nstr(abs(z.imag), digits)
    return f"({re}{'-' if z.imag < 0 else '+'}{im}j)"


def hard_instance(d: int = 3, seed: int = 3, deltas: tuple[float, ...] = (2e-4, 2e-4)) -> MatexpProblem:
    """An instance float64 weights of the construction cannot solve: X2 = X1 + U·diag(1, …, 1, deltas)·Vᴴ/√d.

    X1 and X2 nearly agree along ``len(deltas)`` directions (cond₂(X2 − X1) = 1/min(deltas)); with two such
    directions no λ makes expm(A1) well conditioned. The default (d = 3, seed 3) gives a float64 residual of
    about 5e13 and 98-digit weights with residual about 3e-25 (docs/matexp.md, "Extended precision").
    """
    from depthlab.matexp.theory.closed_form import make_problem, random_problem

    p = random_problem(d, seed)
    rng = np.random.default_rng(100 + seed)
    u, _ = np.linalg.qr(rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d)))
    v, _ = np.linalg.qr(rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d)))
    s = np.ones(d)
    s[d - len(deltas):] = deltas
    return make_problem(p.X1, p.X1 + (u * s) @ v.conj().T / math.sqrt(d), p.Y1, p.Y2)


def choose_lambda(p: MatexpProblem, branch: int = 0) -> tuple[complex, float]:
    """The λ with the smallest conditioning proxy on the automatic grid (complex λ allowed) and that proxy."""
    dx = p.X2 - p.X1
    c_eigs = np.linalg.eigvals(np.linalg.solve(dx, p.X1))
    log_eigs = np.log(np.linalg.eigvals(np.linalg.solve(p.Y1, p.Y2)).astype(np.complex128)) + 2j * math.pi * branch
    cands = lambda_candidates(torch.from_numpy(c_eigs), False)
    proxy = lambda_proxy(cands, torch.from_numpy(c_eigs), torch.from_numpy(log_eigs))
    i = int(torch.argmin(proxy))
    return complex(cands[i]), float(proxy[i])


def digits_needed(proxy: float, target: float = 1e-10) -> int:
    """Working digits for a residual of about ``target`` when the amplification is e^proxy (plus 10 spare)."""
    return max(MIN_DIGITS, math.ceil((proxy / math.log(10)) - math.log10(target)) + 10)


def _logm(m: mpmath.matrix) -> mpmath.matrix:
    """Principal logarithm; through the eigendecomposition when mpmath's inverse scaling and squaring fails."""
    try:
        return mpmath.logm(m)
    except (ZeroDivisionError, ValueError, mpmath.NoConvergence):  # pragma: no cover - rare spectra
        e, v = mpmath.eig(m)
        return v * mpmath.diag([mpmath.log(x) for x in e]) * mpmath.inverse(v)


def _relres(weights: list[mpmath.matrix], xs: list[mpmath.matrix], ys: list[mpmath.matrix]) -> tuple[float, float]:
    res = [float(frobenius_mp(forward_mp(x, weights) - y) / frobenius_mp(y)) for x, y in zip(xs, ys, strict=True)]
    return res[0], res[1]


def solve_extended(p: MatexpProblem, digits: int, *, lam: complex | None = None, branch: int = 0
                   ) -> ExtendedSolution:
    """The closed form with ``digits`` significant digits; residuals re-evaluated at 2·``digits``.

    Args:
        p: the problem (complex128 inputs are exact binary numbers, converted without rounding).
        digits: working precision, :data:`MIN_DIGITS` ≤ digits ≤ :data:`MAX_DIGITS`.
        lam: λ; ``None`` chooses it by the conditioning proxy (:func:`choose_lambda`).
        branch: k in L = log M + 2πik·I.

    Raises:
        InputError: d > :data:`MAX_EXTENDED_D`, digits out of range, or λ with e^λ = 1.
        NumericalError: X2 − X1 or Y1 is exactly singular even in extended precision.
    """
    if p.d > MAX_EXTENDED_D:
        raise InputError(f"--digits supports d ≤ {MAX_EXTENDED_D} (mpmath cost grows like d³), got d = {p.d}")
    if not MIN_DIGITS <= int(digits) <= MAX_DIGITS:
        raise InputError(f"--digits must be between {MIN_DIGITS} and {MAX_DIGITS}, got {digits}")
    digits = int(digits)
    if lam is None:
        lam, proxy = choose_lambda(p, branch)
    else:
        lam = check_lambda(lam)
        proxy = float(lambda_proxy(torch.tensor([lam], dtype=torch.complex128),
                                   torch.from_numpy(np.linalg.eigvals(np.linalg.solve(p.X2 - p.X1, p.X1))),
                                   torch.from_numpy(np.log(np.linalg.eigvals(np.linalg.solve(p.Y1, p.Y2))
                                                           .astype(np.complex128))))[0])
    xs, ys = [to_mp(p.X1), to_mp(p.X2)], [to_mp(p.Y1), to_mp(p.Y2)]
    with mpmath.workdps(digits):
        lam_mp = mpmath.mpc(lam.real, lam.imag)
        try:
            w1 = lam_mp * mpmath.inverse(xs[1] - xs[0])
            m = mpmath.inverse(ys[0]) * ys[1]
        except ZeroDivisionError:
            raise NumericalError("X2 − X1 or Y1 is exactly singular: the construction needs both invertible") from None
        log_m = _logm(m)
        if branch:
            log_m = log_m + (2j * mpmath.pi * branch) * mpmath.eye(p.d)
        b1 = log_m / (mpmath.exp(lam_mp) - 1)
        a1 = w1 * xs[0]
        w2 = b1 * mpmath.expm(-a1)
        w3 = ys[0] * mpmath.expm(-b1)
        amplification = float(frobenius_mp(w2) * frobenius_mp(mpmath.expm(a1)) / frobenius_mp(b1))
    with mpmath.workdps(2 * digits):
        weights = [w1, w2, w3]
        res = _relres(weights, xs, ys)
        rounded = [to_mp(_to_numpy(w)) for w in weights]
        res64 = _relres(rounded, xs, ys)
    return ExtendedSolution(weights=(w1, w2, w3), digits=digits, lam=lam, proxy=proxy, residuals=res,
                            float64_residuals=res64, amplification=amplification)
