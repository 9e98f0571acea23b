"""Matrix functions and conditioning, in NumPy/SciPy (reference) and PyTorch (batched, CPU or CUDA).

The two backends implement the same algorithms so that their results can be compared to rounding error:

* principal matrix logarithm: through the eigendecomposition ``M = V diag(w) V⁻¹`` when the eigenvector matrix is
  well conditioned (fast, error ≈ eps·κ(V)), otherwise through inverse scaling and squaring
  (SciPy's ``logm`` [Al-Mohy & Higham, SIAM J. Sci. Comput. 34 (2012) C153] in NumPy; square roots by the
  scaled Denman–Beavers product iteration and a Gauss–Legendre Padé approximant [Higham, *Functions of
  Matrices*, SIAM 2008, §6.3, §11.4–11.5] in Torch);
* relative Frobenius residuals and 1-norm condition numbers.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.linalg as sla
import torch

#: Largest ‖V‖_F·‖V⁻¹‖_F for which the eigendecomposition route to logm is trusted (error ≈ eps·κ ≲ 2e-11).
EIG_COND_MAX = 1e5


def relative_residual(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖_F / ‖b‖_F (``inf`` when ``a`` is not finite)."""
    with np.errstate(all="ignore"):
        num = np.linalg.norm(a - b)
        den = np.linalg.norm(b)
    return float(num / den) if np.isfinite(num) else float("inf")


def relative_residual_torch(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Batched ‖a − b‖_F / ‖b‖_F over the last two axes (``inf`` where ``a`` is not finite)."""
    num = torch.linalg.matrix_norm(a - b)
    den = torch.linalg.matrix_norm(b)
    res = num / den
    return torch.where(torch.isfinite(res), res, torch.full_like(res, math.inf))


def lu_cond1(a: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], float]:
    """LU-factorise ``a`` and estimate its 1-norm condition number (LAPACK ``gecon``): O(d²) after the LU.

    Returns ``((lu, piv), cond1)``; ``cond1`` is ``inf`` for an exactly singular matrix.
    """
    anorm = np.linalg.norm(a, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sla.LinAlgWarning)
        lu, piv = sla.lu_factor(a, check_finite=False)
    if not np.all(np.isfinite(lu)) or np.any(np.diag(lu) == 0):
        return (lu, piv), math.inf
    gecon = sla.get_lapack_funcs("gecon", (lu,))
    rcond, _ = gecon(lu, anorm, norm="1")
    return (lu, piv), (math.inf if rcond == 0 else float(1.0 / rcond))


def cond1_torch(a: torch.Tensor) -> torch.Tensor:
    """Exact 1-norm condition numbers ‖A‖₁‖A⁻¹‖₁ of a batch (``inf`` where singular)."""
    inv, info = torch.linalg.inv_ex(a)
    c = torch.linalg.matrix_norm(a, ord=1) * torch.linalg.matrix_norm(inv, ord=1)
    bad = (info != 0) | ~torch.isfinite(c)
    return torch.where(bad, torch.full_like(c, math.inf), c)


# ----------------------------------------------------------------------------------------------------------------
# Principal logarithm, NumPy


def logm(m: np.ndarray) -> tuple[np.ndarray, str, np.ndarray]:
    """Principal logarithm of an invertible matrix.

    Returns:
        ``(L, method, eigvals)``: the logarithm (complex128), ``"eig"`` or ``"iss"`` (inverse scaling and
        squaring, SciPy ``logm``), and the eigenvalues of ``m`` (real input uses LAPACK's real routine, so its
        real eigenvalues have exactly zero imaginary part).

    The caller guarantees ``m`` is invertible and finite.
    """
    w, v = np.linalg.eig(m)
    w = w.astype(np.complex128)
    if np.all(np.isfinite(v)):
        try:
            vinv = np.linalg.inv(v)
        except np.linalg.LinAlgError:
            vinv = None
        if vinv is not None and np.linalg.norm(v) * np.linalg.norm(vinv) <= EIG_COND_MAX:
            return (v * np.log(w)) @ vinv, "eig", w
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = sla.logm(m)
    return np.asarray(out, dtype=np.complex128), "iss", w


# ----------------------------------------------------------------------------------------------------------------
# Principal logarithm, Torch (batched)

# Gauss–Legendre nodes/weights on [0, 1]: log(I + X) = Σ_j w_j X (I + t_j X)⁻¹ is the [m/m] Padé approximant.
_GL_M = 8
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(_GL_M)
_GL_NODES = (_GL_NODES + 1) / 2
_GL_WEIGHTS = _GL_WEIGHTS / 2
#: ‖X‖₁ below which the 8-point Padé approximant of log(I + X) is accurate to double precision.
_ISS_THETA = 0.25


def _eye_like(a: torch.Tensor) -> torch.Tensor:
    return torch.eye(a.shape[-1], dtype=a.dtype, device=a.device).expand_as(a)


def sqrtm_db_torch(a: torch.Tensor, iters: int = 60, tol: float = 1e-15) -> torch.Tensor:
    """Principal square roots of a batch by the scaled Denman–Beavers product iteration (Higham 2008, eq. 6.29).

    Needs no eigenvalue on the closed negative real axis.
    """
    eye = _eye_like(a)
    m, y = a.clone(), a.clone()
    n = a.shape[-1]
    for k in range(iters):
        minv = torch.linalg.inv(m)
        if k < 10:  # determinant scaling speeds up the early iterations
            # μ = |det M|^(-1/n) (Higham's μ_k²), from slogdet so large d does not overflow
            mu = torch.exp(-torch.linalg.slogdet(m).logabsdet / n).to(a.dtype)[..., None, None]
            m_s, minv_s, y = mu * m, minv / mu, y * mu.sqrt()
        else:
            m_s, minv_s = m, minv
        y = y @ (eye + minv_s) / 2
        m = (eye + (m_s + minv_s) / 2) / 2
        if torch.linalg.matrix_norm(m - eye, ord=1).max() <= tol * 10:
            break
    return y


def logm_iss_torch(a: torch.Tensor, max_roots: int = 60) -> torch.Tensor:
    """Principal logarithm of a batch by inverse scaling and squaring (Higham 2008, Alg. 11.10 in spirit).

    Square roots are taken until ‖A^{1/2^k} − I‖₁ ≤ 0.25 (per matrix), then an 8-point Gauss–Legendre Padé
    approximant gives log, scaled back by 2^k.
    """
    eye = _eye_like(a)
    x = a.clone()
    k = torch.zeros(a.shape[:-2], dtype=torch.int64, device=a.device)
    for _ in range(max_roots):
        todo = torch.linalg.matrix_norm(x - eye, ord=1) > _ISS_THETA
        if not bool(todo.any()):
            break
        roots = sqrtm_db_torch(x[todo])
        x = x.clone()
        x[todo] = roots
        k = k + todo.to(torch.int64)
    y = x - eye
    out = torch.zeros_like(a)
    for t, w in zip(_GL_NODES, _GL_WEIGHTS, strict=True):
        out = out + float(w) * torch.linalg.solve(eye + float(t) * y, y)
    return out * (2.0 ** k.to(torch.float64)).to(a.dtype)[..., None, None]


def logm_torch(m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Batched principal logarithm of invertible matrices ``[..., d, d]`` (real or complex), complex output.

    Real input is decomposed in real arithmetic, so real negative eigenvalues have exactly zero imaginary part and
    take log(−x) = ln x + iπ, the convention of NumPy and SciPy.

    Returns ``(L, used_eig, eigvals)``; ``used_eig`` is a bool tensor ``[...]`` telling which matrices took the
    eigendecomposition route (the others took inverse scaling and squaring); ``eigvals`` ``[..., d]`` are the
    eigenvalues of ``m``.
    """
    w, v = torch.linalg.eig(m)
    vinv, info = torch.linalg.inv_ex(v)
    kappa = torch.linalg.matrix_norm(v) * torch.linalg.matrix_norm(vinv)
    ok = (info == 0) & torch.isfinite(kappa) & (kappa <= EIG_COND_MAX)
    out = (v * torch.log(w)[..., None, :]) @ vinv
    if not bool(ok.all()):
        out = out.clone()
        out[~ok] = logm_iss_torch(m[~ok].to(out.dtype))
    return out, ok, w
