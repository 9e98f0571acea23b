"""The interpolation matrix and the output-layer linear system (Huang, arXiv 2208.07498, §1 and abstract).

For a network with hidden layers ``h^(ℓ)`` and data ``X = {x_1..x_N}``, the interpolation matrix of layer ℓ is
``H^(ℓ) ∈ R^{N×n_ℓ}``, ``H^(ℓ)_{ij} = h^(ℓ)_j(x_i)``: row i is data point i, column j is neuron j, a zero entry
means neuron j is inactive on point i. Interpolating targets ``Y ∈ R^{N×m}`` with the linear output layer is the
linear system ``H^(L) A + 1 βᵀ = Y``; it is solvable for every Y exactly when ``rank [H^(L) | 1] = N`` (or
``rank H^(L) = N`` without output bias). Huang names this object; the formulas here are the standard linear
algebra that the name implies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from depthlab.errors import InputError, SingularMatrixError

#: A matrix entry counts as zero ("neuron inactive on the point") when it is exactly 0; ReLU
#: gives exact zeros.
ZERO = 0.0


@dataclass(frozen=True)
class OutputSolve:
    """The output layer found by solving the interpolation system.

    Attributes:
        A: output weights, shape ``(n, m)``.
        beta: output bias, shape ``(m,)`` (zeros when solved without bias).
        rank: numerical rank of the system matrix (``[H | 1]`` or ``H``).
        cond: its condition number (2-norm; 1-norm estimate for large triangular systems, see :func:`condition`).
        residual: ``max |H A + β − Y| / max(1, max |Y|)``.
        free_dims: dimension of the solution family, ``columns − rank`` (0 for a unique output layer).
        method: ``"triangular"``, ``"solve"`` or ``"lstsq"`` (minimum-norm).
    """

    A: np.ndarray
    beta: np.ndarray
    rank: int
    cond: float
    residual: float
    free_dims: int
    method: str


def relative_residual(pred: np.ndarray, Y: np.ndarray) -> float:
    """``max |pred − Y| / max(1, max |Y|)`` — the residual every construction reports."""
    scale = max(1.0, float(np.max(np.abs(Y))))
    return float(np.max(np.abs(pred - Y))) / scale


def is_lower_triangular(H: np.ndarray) -> bool:
    """True if the strict upper triangle of the (leading square part of) H is exactly zero."""
    n = min(H.shape)
    return bool(np.all(np.triu(H[:n, :n], 1) == 0))


def condition(M: np.ndarray, *, triangular: bool = False) -> float:
    """Condition number of M.

    Square lower-triangular matrices use LAPACK ``trcon`` (a 1-norm estimate,
    O(n²)); everything
    else uses the exact 2-norm ratio of extreme singular values (``inf`` if singular or rectangular rank-deficient).
    """
    if triangular and M.shape[0] == M.shape[1]:
        rcond, _info = sla.lapack.dtrcon(np.asfortranarray(M), norm="1", uplo="L", diag="N")
        return float("inf") if rcond == 0 else 1.0 / float(rcond)
    s = sla.svdvals(M, check_finite=False)
    if s.size == 0 or s[-1] == 0:
        return float("inf")
    return float(s[0] / s[-1])


def numerical_rank(M: np.ndarray) -> int:
    """Rank with NumPy's default tolerance (σ_max · max(N, n) · eps)."""
    if M.size == 0:
        return 0
    s = sla.svdvals(M, check_finite=False)
    return int(np.sum(s > s[0] * max(M.shape) * np.finfo(np.float64).eps))


def solve_output(
    H: np.ndarray,
    Y: np.ndarray,
    *,
    bias: bool = False,
    lower_triangular: bool = False,
    name: str = "interpolation matrix",
) -> OutputSolve:
    """Solve ``H A + 1 βᵀ = Y`` for the output layer.

    Args:
        H: interpolation matrix, shape ``(N, n)``.
        Y: targets, shape ``(N, m)``.
        bias: append the column of ones (output bias β).
        lower_triangular: H (with its bias column first, if any) is square lower triangular:
        forward substitution.
        name: how errors name the matrix.

    Returns:
        :class:`OutputSolve`. Overdetermined or rank-deficient systems use the minimum-norm least-squares solution
        and report its residual; they are not errors.

    Raises:
        SingularMatrixError: a triangular system with a zero on the diagonal.
    """
    if H.ndim != 2 or Y.ndim != 2 or H.shape[0] != Y.shape[0]:
        raise InputError(f"dimension mismatch: {name} has shape {H.shape}, targets have shape {Y.shape}")
    N, _n = H.shape
    M = np.hstack([np.ones((N, 1)), H]) if bias else H
    if lower_triangular:
        diag = np.diag(M)
        if M.shape[0] != M.shape[1] or np.any(diag == 0):
            raise SingularMatrixError(name, float("inf"), "a zero diagonal entry: two points share a threshold")
        sol = sla.solve_triangular(M, Y, lower=True, check_finite=False)
        rank, method = N, "triangular"
        cond = condition(M, triangular=True)
    else:
        rank = numerical_rank(M)
        cond = condition(M)
        if M.shape[0] == M.shape[1] and rank == N:
            sol, method = np.linalg.solve(M, Y), "solve"
        else:
            sol, method = np.linalg.lstsq(M, Y, rcond=None)[0], "lstsq"
    beta = sol[0] if bias else np.zeros(Y.shape[1])
    A = sol[1:] if bias else sol
    res = relative_residual(H @ A + beta, Y)
    return OutputSolve(A=A, beta=beta, rank=rank, cond=cond, residual=res, free_dims=M.shape[1] - rank, method=method)


def triangular_order(H: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Row and column orders that make the support of H lower triangular with a nonzero diagonal, if any exist.

    Works on ``(N, n)`` with ``n ≥ N`` (the first N returned columns form the triangular core; the others are
    the extra columns). Greedy elimination is exact: in a lower-triangular matrix with nonzero diagonal the first
    row has a single nonzero, and removing it and its column leaves a lower-triangular matrix (proof in the
    docs, interp.md §"solution types").

    Returns:
        ``(rows, cols)`` with ``H[rows][:, cols[:N]]`` lower triangular, or ``None``.
    """
    S = H != ZERO
    N, n = S.shape
    if n < N:
        return None
    alive_cols = np.ones(n, dtype=bool)
    alive_rows = np.ones(N, dtype=bool)
    counts = S.sum(axis=1)
    rows, cols = [], []
    # Process rows in reverse: the LAST row of a lower-triangular matrix is the only one that may be dense, so
    # we peel from the top: a row whose remaining support is a single column.
    for _ in range(N):
        cand = np.flatnonzero(alive_rows & (counts == 1))
        if cand.size == 0:
            return None
        r = int(cand[0])
        c = int(np.flatnonzero(S[r] & alive_cols)[0])
        rows.append(r)
        cols.append(c)
        alive_rows[r] = False
        alive_cols[c] = False
        counts -= S[:, c]
    extra = np.flatnonzero(alive_cols)
    return np.array(rows), np.concatenate([np.array(cols, dtype=int), extra]).astype(int)


def normalized_form(L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-diagonal normalised form ``L D^{-1}`` of a lower-triangular interpolation matrix
    (``D = diag L > 0``).

    Positive homogeneity ``σ(c z) = c σ(z)`` (c > 0) means scaling neuron j's input weights by ``1/D_jj`` and its
    output weight by ``D_jj`` leaves the network function unchanged; the interpolation matrix becomes unit lower
    triangular. This realises the "normalized form" of three-layer solutions named in Huang's abstract
    (reconstruction; the paper's own definition was not available to us).

    Returns:
        ``(L_normalised, D)``.
    """
    D = np.diag(L).copy()
    if np.any(D <= 0):
        raise SingularMatrixError("interpolation matrix", float("inf"), "the diagonal must be positive to normalise")
    return L / D[None, :], D
