"""Mixed ReLU moments J_{a,b}(θ) = E[φ(G)^a φ(Ĝ)^b] (Jakub & Nica 2024, §3, eqs. 6/13 and 25).

G, Ĝ are standard Gaussians with correlation cos θ, φ(x) = max(x, 0); for any integers a, b ≥ 0 (eq. 25)::

    J_{a,b}(θ) = E[ G^a (G cos θ + W sin θ)^b 1{G > 0} 1{G cos θ + W sin θ > 0} ],   G, W iid N(0, 1).

Three independent evaluations are provided (all vectorised over θ ∈ [0, π], float64):

* :func:`J` — the closed forms of the paper's Table 1 (Prop. 2) for a, b ≤ 3, and the integration-by-parts
  recursion of Prop. 1 for higher orders (the fast default);
* :func:`J_recurrence` — Prop. 1 only, from J_{0,0}, J_{1,0}, J_{0,1}, J_{1,1}:
  J_{a,0} = (a−1) J_{a−2,0} + sin^{a−1}θ cos θ (a−2)!! / c_{a mod 2},
  J_{a,b} = (a−1) J_{a−2,b} + b cos θ J_{a−1,b−1};
* :func:`J_bessel` — the explicit formulas: Prop. 3 for J_{a,0}, J_{a,1} and Theorem 5 for 2 ≤ a ≤ b through
  the Bessel-type numbers P, Q (:mod:`depthlab.angles.theory.bessel`);
* :func:`J_quadrature` — a numerical cross-check by the 1-D polar integral
  J_{a,b}(θ) = 2^{(a+b)/2} Γ((a+b)/2 + 1)/(2π) ∫_{θ−π/2}^{π/2} cos^a ψ cos^b(ψ − θ) dψ (scipy's quad);
  :func:`J_gauss_legendre` sums the same integral by vectorised Gauss–Legendre quadrature.

Constants: c_0 = 2π (a+b even), c_1 = 2√(2π) (a+b odd). No 2π prefactor: Cho & Saul's J_p = 2π J_{p,p}.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

from depthlab.angles.theory._checks import check_order, check_theta
from depthlab.angles.theory.bessel import P as _P
from depthlab.angles.theory.bessel import Q as _Q

#: Above this angle :func:`J` switches from the closed forms/recursion to the series in π − θ.
NEAR_PI = 2.0

C0 = 2.0 * math.pi
C1 = 2.0 * math.sqrt(2.0 * math.pi)


def _dfact(k: int) -> int:
    """Double factorial with (−1)!! = 0!! = 1."""
    return math.prod(range(k, 0, -2)) if k > 0 else 1


def _closed(a: int, b: int, t: np.ndarray) -> np.ndarray:
    """Table 1 / Prop. 2 closed forms for 0 ≤ a ≤ b ≤ 3 (caller orders a ≤ b)."""
    s, c, p = np.sin(t), np.cos(t), np.pi - t
    key = (a, b)
    if key == (0, 0):
        return p / C0
    if key == (0, 1):
        return (1.0 + c) / C1
    if key == (0, 2):
        return (p + s * c) / C0
    if key == (0, 3):
        return (2.0 * (c + 1.0) + s * s * c) / C1
    if key == (1, 1):
        return (s + p * c) / C0
    if key == (1, 2):
        return (c + 1.0) ** 2 / C1
    if key == (1, 3):
        return (3.0 * p * c + s * c * c + 2.0 * s) / C0
    if key == (2, 2):
        return (p * (2.0 * c * c + 1.0) + 3.0 * s * c) / C0
    if key == (2, 3):
        return (3.0 * c * (c + 1.0) ** 2 + 2.0 * (c + 1.0) + s * s * c) / C1
    if key == (3, 3):
        return (p * (6.0 * c * c + 9.0) * c + 5.0 * s * c * c + (6.0 * c * c + 4.0) * s) / C0
    raise KeyError(key)  # pragma: no cover


def _recurrence(a: int, b: int, t: np.ndarray) -> np.ndarray:
    """J_{a,b} by Prop. 1, evaluating only the entries the recursion reaches (memoised); J_{a,b} = J_{b,a}."""
    s, c = np.sin(t), np.cos(t)
    memo: dict[tuple[int, int], np.ndarray] = {}

    def col0(k: int) -> np.ndarray:  # J_{k,0} = (k−1) J_{k−2,0} + sin^{k−1}θ cos θ (k−2)!!/c_{k mod 2}
        if (k, 0) not in memo:
            if k == 0:
                memo[(0, 0)] = (np.pi - t) / C0
            elif k == 1:
                memo[(1, 0)] = (1.0 + c) / C1
            else:
                const = _dfact(k - 2) / (C0 if k % 2 == 0 else C1)
                memo[(k, 0)] = (k - 1) * col0(k - 2) + s ** (k - 1) * c * const
        return memo[(k, 0)]

    def col1(k: int) -> np.ndarray:  # J_{k,1} = (k−1) J_{k−2,1} + cos θ J_{k−1,0}
        if (k, 1) not in memo:
            if k == 0:
                memo[(0, 1)] = col0(1)
            elif k == 1:
                memo[(1, 1)] = (s + (np.pi - t) * c) / C0
            else:
                memo[(k, 1)] = (k - 1) * col1(k - 2) + c * col0(k - 1)
        return memo[(k, 1)]

    def get(i: int, j: int) -> np.ndarray:
        if i > j:
            i, j = j, i
        if i == 0:
            return col0(j)
        if i == 1:
            return col1(j)
        if (i, j) not in memo:  # J_{i,j} = (i−1) J_{i−2,j} + j cos θ J_{i−1,j−1}
            memo[(i, j)] = (i - 1) * get(i - 2, j) + j * c * get(i - 1, j - 1)
        return memo[(i, j)]

    return get(a, b)


def J(a: int, b: int, theta: ArrayLike) -> np.ndarray:
    """J_{a,b}(θ) = E[φ(G)^a φ(Ĝ)^b], corr(G, Ĝ) = cos θ, for any integers a, b ≥ 0 (paper eqs. 6/13, 25).

    Uses the closed forms of Table 1 (Prop. 2) when a, b ≤ 3 and the recursion of Prop. 1 otherwise, for
    θ ≤ :data:`NEAR_PI` (= 2). Beyond, those formulas lose relative accuracy (J_{a,b}(θ) vanishes like
    (π − θ)^{a+b+1} as θ → π while their terms stay O(1): relative error 1e-8 at θ = 2.5, 1e-3 at θ = 2.8 for
    a, b ≤ 8), so there J is evaluated from its power series in π − θ (:func:`J_near_pi`), which keeps
    relative accuracy ~1e-14 up to π. When a + b > 16 the recursion's alternating terms already cancel
    visibly for θ > π/2 (1e-13 at a + b = 16, 1e-10 at 30), so Gauss–Legendre quadrature
    (:func:`J_gauss_legendre`) is used on (π/2, 2] there. Relative error against adaptive quadrature: ≤ 1e-14
    for a, b ≤ 15 on [0, π] (tests use 1e-10).

    Args:
        a: power of φ(G), ≥ 0.
        b: power of φ(Ĝ), ≥ 0.
        theta: angles in [0, π], any shape.

    Returns:
        float64 array of the shape of ``theta``.

    Raises:
        InputError: a or b negative / not an integer, or an angle outside [0, π].

    Example:
        >>> float(J(1, 1, np.pi / 2))  # 1/(2π)
        0.15915494309189535
    """
    a, b = check_order(a, "a"), check_order(b, "b")
    t = check_theta(theta)
    lo, hi = min(a, b), max(a, b)
    out = _closed(lo, hi, t) if hi <= 3 else _recurrence(lo, hi, t)
    near_pi = t > NEAR_PI
    middle = (t > 0.5 * np.pi) & ~near_pi if hi + lo > 16 else np.zeros(t.shape, dtype=bool)
    if np.any(near_pi) or np.any(middle):  # J_{a,b}(θ) → 0 like (π − θ)^{a+b+1}: the closed forms cancel
        out = np.array(out, copy=True)
        out[near_pi] = J_near_pi(lo, hi, np.pi - t[near_pi])
        out[middle] = _gauss_legendre(lo, hi, t[middle])
    return out


@lru_cache(maxsize=256)
def _near_pi_coefficients(a: int, b: int, terms: int) -> np.ndarray:
    """c_m with J_{a,b}(π − ε) = ε^{a+b+1} Σ_m c_m ε^{2m} (see :func:`J_near_pi`), in 40-digit arithmetic."""
    import mpmath as mp

    with mp.workdps(40):
        g = [mp.mpf(-1) ** k / mp.factorial(2 * k + 1) for k in range(terms)]  # sin u / u in powers of u²

        def sin_pow(p: int) -> list:  # coefficients f_k of sin^p u = Σ_k f_k u^{p+2k}, i.e. of g^p
            f = [mp.mpf(1)]  # J. C. P. Miller's recurrence for powers of a series (g_0 = 1)
            for k in range(1, terms):
                f.append(mp.fsum(((p + 1) * j - k) * g[j] * f[k - j] for j in range(1, k + 1)) / k)
            return f

        sa, sb = sin_pow(a), sin_pow(b)
        const = mp.mpf(2) ** (mp.mpf(a + b) / 2) * mp.gamma(mp.mpf(a + b) / 2 + 1) / (2 * mp.pi)
        coef = [
            const
            * mp.fsum(sa[k] * sb[m - k] * mp.beta(a + 2 * k + 1, b + 2 * (m - k) + 1) for k in range(m + 1))
            for m in range(terms)
        ]
        return np.array([float(c) for c in coef])


#: Terms of the ε-series used by :func:`J_near_pi`, plus 2(a + b) (the coefficients of (sin u/u)^a grow with
#: a); for ε ≤ π − 2 this matches adaptive quadrature to 5e-15 relative for all a, b ≤ 25 (tests).
_NEAR_PI_TERMS = 12


def J_near_pi(a: int, b: int, eps: ArrayLike) -> np.ndarray:
    """J_{a,b}(π − ε) by its power series in ε, accurate in relative terms as ε → 0.

    Substituting ψ = π/2 − u in the polar integral (see :func:`J_quadrature`) gives
    J_{a,b}(π − ε) = C ∫_0^ε sin^a u · sin^b(ε − u) du with C = 2^{(a+b)/2} Γ((a+b)/2 + 1)/(2π); expanding
    both sines and using ∫_0^ε u^p (ε − u)^q du = ε^{p+q+1} B(p+1, q+1) gives ε^{a+b+1} times a power series
    in ε². This is what :func:`J` uses near θ = π, where the closed forms lose all relative precision.

    Args:
        a, b: orders ≥ 0.
        eps: π − θ, in [0, π − 2] for full accuracy (the series converges for every ε but cancels for large ε
            when a + b is large), any shape.
    """
    a, b = check_order(a, "a"), check_order(b, "b")
    e = np.asarray(eps, dtype=np.float64)
    coef = _near_pi_coefficients(min(a, b), max(a, b), _NEAR_PI_TERMS + 2 * (a + b))
    e2 = e * e
    acc = np.zeros_like(e)
    for c in coef[::-1]:
        acc = acc * e2 + c
    return acc * e ** (a + b + 1)


def J_recurrence(a: int, b: int, theta: ArrayLike) -> np.ndarray:
    """J_{a,b}(θ) by the integration-by-parts recursion of Prop. 1 alone (no closed forms beyond a, b ≤ 1).

    Args / Returns / Raises: as :func:`J`.
    """
    a, b = check_order(a, "a"), check_order(b, "b")
    t = check_theta(theta)
    return _recurrence(a, b, t)


def _j_a0_prop3(a: int, t: np.ndarray) -> np.ndarray:
    """Prop. 3: J_{a,0} = (a−1)!! [J_{a mod 2,0} + (cos θ/c_{a mod 2}) Σ_{0<i<a, i≢a} (i−1)!!/i!! sin^i θ]."""
    s, c = np.sin(t), np.cos(t)
    base = (np.pi - t) / C0 if a % 2 == 0 else (1.0 + c) / C1
    if a < 2:
        return base
    acc = np.zeros_like(t)
    for i in range(1, a):
        if i % 2 != a % 2:
            acc = acc + (_dfact(i - 1) / _dfact(i)) * s**i
    return _dfact(a - 1) * (base + c / (C0 if a % 2 == 0 else C1) * acc)


def _j_a1_prop3(a: int, t: np.ndarray) -> np.ndarray:
    """Prop. 3: J_{a,1} = (a−1)!! [J_{a mod 2,1} + cos θ Σ_{0<i<a, i≢a} J_{i,0}/i!!]."""
    s, c = np.sin(t), np.cos(t)
    base = (1.0 + c) / C1 if a % 2 == 0 else (s + (np.pi - t) * c) / C0
    if a < 2:
        return base
    acc = np.zeros_like(t)
    for i in range(1, a):
        if i % 2 != a % 2:
            acc = acc + _j_a0_prop3(i, t) / _dfact(i)
    return _dfact(a - 1) * (base + c * acc)


def _falling(b: int, k: int) -> int:
    return math.prod(range(b, b - k, -1)) if k > 0 else 1


def J_bessel(a: int, b: int, theta: ArrayLike) -> np.ndarray:
    """J_{a,b}(θ) by the explicit formulas: Prop. 3 (a = 0 or 1) and Theorem 5 (2 ≤ a ≤ b) via P and Q.

    Theorem 5, for b ≥ 2 and 1 ≤ a ≤ b, with (b)_k the falling factorial::

        J_{a,b} = Σ_{0<i≤a, i even} (b)_{a−i} cos^{a−i}θ [P(a,a−i) − Q(a−1,a−1−i)] J_{0,b−a+i}
                + Σ_{0<i≤a, i odd}  (b)_{a−i} cos^{a−i}θ Q(a−1,a−i) J_{1,b−a+i}

    with J_{0,m} = J_{m,0} and J_{1,m} = J_{m,1} from Prop. 3. Arguments are swapped so that a ≤ b (J is
    symmetric in a and b).

    Args / Returns / Raises: as :func:`J`.
    """
    a, b = check_order(a, "a"), check_order(b, "b")
    t = check_theta(theta)
    a, b = min(a, b), max(a, b)
    if a == 0:
        return _j_a0_prop3(b, t)
    if a == 1:
        return _j_a1_prop3(b, t)
    c = np.cos(t)
    out = np.zeros_like(t)
    for i in range(1, a + 1):
        w = _falling(b, a - i) * c ** (a - i)
        if i % 2 == 0:
            coef = _P(a, a - i) - _Q(a - 1, a - 1 - i)
            if coef:
                out = out + coef * w * _j_a0_prop3(b - a + i, t)
        else:
            coef = _Q(a - 1, a - i)
            if coef:
                out = out + coef * w * _j_a1_prop3(b - a + i, t)
    return out


def J_quadrature(
    a: int, b: int, theta: ArrayLike, *, epsabs: float = 0.0, epsrel: float = 1e-13
) -> np.ndarray:
    """J_{a,b}(θ) by adaptive numerical quadrature of the polar integral (a cross-check, one θ at a time).

    With G = r cos ψ, W = r sin ψ, Ĝ = r cos(ψ − θ), r Rayleigh and ψ uniform, and E r^{a+b} = 2^{(a+b)/2}
    Γ((a+b)/2 + 1), the positivity constraints leave ψ ∈ (θ − π/2, π/2), so::

        J_{a,b}(θ) = 2^{(a+b)/2} Γ((a+b)/2 + 1) / (2π) ∫_{θ−π/2}^{π/2} cos^a ψ cos^b(ψ − θ) dψ.

    For θ > π/2 the equivalent form ∫_0^ε sin^a u sin^b(ε − u) du, ε = π − θ, is integrated instead, so that
    the short interval near θ = π is represented exactly.

    Args:
        a, b: orders ≥ 0.
        theta: angles in [0, π], any shape.
        epsabs, epsrel: tolerances passed to :func:`scipy.integrate.quad`.

    Returns:
        float64 array of the shape of ``theta``.
    """
    from scipy.integrate import quad

    a, b = check_order(a, "a"), check_order(b, "b")
    t = check_theta(theta)
    const = 2.0 ** ((a + b) / 2) * math.gamma((a + b) / 2 + 1) / (2.0 * math.pi)
    out = np.empty(t.shape)
    flat_in, flat_out = t.ravel(), out.reshape(-1)
    for k, th in enumerate(flat_in):
        th = float(th)
        if th <= math.pi / 2:
            f: Callable[[float], float] = lambda psi, th=th: math.cos(psi) ** a * math.cos(psi - th) ** b  # noqa: E731
            val, _ = quad(f, th - math.pi / 2, math.pi / 2, epsabs=epsabs, epsrel=epsrel, limit=200)
        else:  # ψ = π/2 − u: the same integral over u ∈ [0, ε], ε = π − θ exact (Sterbenz), no cancellation
            eps = math.pi - th
            g: Callable[[float], float] = lambda u, e=eps: math.sin(u) ** a * math.sin(e - u) ** b  # noqa: E731
            val, _ = quad(g, 0.0, eps, epsabs=epsabs, epsrel=epsrel, limit=200)
        flat_out[k] = const * val
    return out


def J_gauss_legendre(a: int, b: int, theta: ArrayLike, *, nodes: int | None = None) -> np.ndarray:
    """J_{a,b}(θ) by vectorised Gauss–Legendre quadrature of the polar integral (see :func:`J_quadrature`).

    The integrand is a trigonometric polynomial of degree a + b, so ``nodes`` ≈ (a + b)/2 + 20 points already
    give rounding-level accuracy; this is the fast numerical baseline used by ``benchmarks/angles_theory.py``.
    """
    a, b = check_order(a, "a"), check_order(b, "b")
    return _gauss_legendre(a, b, check_theta(theta), nodes)


def _gauss_legendre(a: int, b: int, t: np.ndarray, nodes: int | None = None) -> np.ndarray:
    m = nodes if nodes is not None else (a + b) // 2 + 20
    x, w = np.polynomial.legendre.leggauss(m)
    # ψ = π/2 − u: J = C ∫_0^ε sin^a u sin^b(ε − u) du over u ∈ [0, ε], ε = π − θ (exact interval length)
    eps = (np.pi - t)[..., None]
    u = 0.5 * eps * (x + 1.0)
    vals = np.sin(u) ** a * np.sin(eps - u) ** b
    const = 2.0 ** ((a + b) / 2) * math.gamma((a + b) / 2 + 1) / (2.0 * math.pi)
    return const * 0.5 * eps[..., 0] * (vals @ w)
