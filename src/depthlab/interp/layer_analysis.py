"""Interpolation matrices of any ReLU network — trained or constructed — layer by layer.

For every hidden layer ℓ we compute ``H^(ℓ)`` (N × n_ℓ) on the data and report (Huang's lens, arXiv 2208.07498;
the metrics are ours, the paper's body was not available):

* ``zero_fraction`` — share of (point, neuron) pairs with the neuron inactive (sparse activation);
* ``dead`` — neurons inactive on every point; ``max_nnz_row`` / ``mean_nnz_row`` — active neurons per point;
* ``rank`` of ``[H | 1]`` and its condition number — can the next (linear) layer interpolate arbitrary targets?
* activation-set geometry over pairs of live neurons: ``nested`` (one active set contains the other — the
  signature of one-sided/parallel-hyperplane triangular solutions), ``disjoint`` (no common active point — the
  signature of one-hot / block-sparse solutions), ``crossing`` (neither);
* ``resembles`` — the solution type this pattern matches (see :func:`solution_type`);
* with labels: ``within_jaccard`` / ``between_jaccard`` — mean Jaccard overlap of the active sets of two points of
  the same / different classes (data disentangling: high within, low between).

Computed in torch float64 on any device (CPU and CUDA give the same numbers up to rounding).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from depthlab.activations import RELU
from depthlab.interp.theory.interpolation_matrix import triangular_order
from depthlab.interp.theory.network import ReluNet

#: Above this many rows the class-overlap statistics use a fixed evenly spaced subsample of rows.
JACCARD_ROWS = 2000


def hidden_torch(net: ReluNet, X: np.ndarray | torch.Tensor, device: str | torch.device = "cpu") -> list[torch.Tensor]:
    """``[H^(1), ..., H^(L)]`` as float64 tensors on ``device`` (σ = :data:`depthlab.activations.RELU`)."""
    h = torch.as_tensor(
        np.asarray(X, dtype=np.float64) if not torch.is_tensor(X) else X, dtype=torch.float64, device=device
    )
    out = []
    for w, b in zip(net.weights, net.biases, strict=True):
        h = RELU.torch_fn(h @ torch.as_tensor(w, device=device).T + torch.as_tensor(b, device=device))
        out.append(h)
    return out


def pair_geometry(active: torch.Tensor) -> tuple[float, float, float]:
    """Fractions of live-neuron pairs whose active sets are nested, disjoint, or crossing.

    Args:
        active: boolean activation pattern, shape ``(N, n)``.

    The pair intersections are counts ≤ N; they are formed in float32, exact for N < 2²⁴ (else float64).
    """
    sizes = active.sum(0)
    dtype = torch.float32 if active.shape[0] < 2**24 else torch.float64
    live = active[:, sizes > 0].to(dtype)
    n = live.shape[1]
    if n < 2:
        return float("nan"), float("nan"), float("nan")
    inter = live.T @ live
    sz = live.sum(0)
    mn = torch.minimum(sz[:, None], sz[None, :])
    iu = torch.triu_indices(n, n, 1, device=live.device)
    inter, mn = inter[iu[0], iu[1]], mn[iu[0], iu[1]]
    nested = float((inter == mn).double().mean())
    disjoint = float((inter == 0).double().mean())
    return nested, disjoint, 1.0 - nested - disjoint


def class_overlap(active: torch.Tensor, labels: np.ndarray) -> tuple[float, float]:
    """Mean Jaccard overlap of active sets for pairs of points in the same class and in different classes.

    Intersections are counts ≤ n (exact in float32 for n < 2²⁴); the class sums use one-hot class matrices
    (``Cᵀ J C``) instead of boolean masks over all pairs.
    """
    N = active.shape[0]
    idx = np.linspace(0, N - 1, min(N, JACCARD_ROWS)).round().astype(int)
    dtype = torch.float32 if active.shape[1] < 2**24 else torch.float64
    B = active[idx].to(dtype)
    jac = (B @ B.T).double()  # intersections, then (in place) Jaccard = inter / union
    sz = B.sum(1).double()
    union = sz[:, None] + sz[None, :]
    union -= jac
    jac /= union.clamp_min_(1)
    empty = sz == 0
    if bool(empty.any()):  # two empty active sets: Jaccard 1 by convention (union 0)
        e = empty.double()
        jac += e[:, None] * e[None, :]
    lab = np.asarray(labels)[idx]
    _, codes = np.unique(lab, return_inverse=True)
    C = torch.zeros(len(idx), int(codes.max()) + 1, dtype=torch.float64, device=B.device)
    C[torch.arange(len(idx), device=B.device), torch.as_tensor(codes, device=B.device)] = 1.0
    block = C.T @ (jac @ C)  # (K, K): sums of J over pairs of classes
    counts = C.sum(0)
    n_same = float((counts * counts).sum()) - len(idx)  # ordered pairs, diagonal excluded
    n_between = float(len(idx)) ** 2 - float((counts * counts).sum())
    same_sum = float(torch.trace(block)) - float(torch.diagonal(jac).sum())
    between_sum = float(block.sum()) - float(torch.trace(block))
    w = same_sum / n_same if n_same > 0 else float("nan")
    b = between_sum / n_between if n_between > 0 else float("nan")
    return w, b


def distinct_rows(active: torch.Tensor) -> int:
    """Number of distinct activation patterns (rows of ``active``), by packing each row into bytes."""
    A = active.cpu().numpy()
    packed = np.packbits(A, axis=1)
    return int(np.unique(np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()).size)


def solution_type(N: int, n: int, rank: int, nested: float, disjoint: float, triangular: bool | None) -> str:
    """Name the solution type a layer's interpolation matrix resembles (our operational taxonomy, interp.md).

    * ``"triangular (one-sided)"`` — a row/column order makes H lower triangular and live activation sets are
      nested (parallel-hyperplane solution, :func:`~depthlab.interp.theory.one_hidden_layer.triangular`);
    * ``"triangular (two-sided/peeling)"`` — triangular order exists but sets are not all nested;
    * ``"one-hot / block-sparse"`` — no two live neurons have crossing active sets and at least half the pairs
      are disjoint (class blocks; sparse-matrix principle, :func:`~depthlab.interp.theory.deep_classifier.classifier`);
    * ``"nested (one-sided, triangular-like)"`` — all live active sets nested but no triangular order checked;
    * ``"overparameterized"`` — n > N and rank N; ``"full rank, non-triangular"`` — n = N = rank;
    * ``"generic (rank-deficient)"`` — rank < N and none of the above (typical trained layers with N ≫ n).
    """
    if triangular:
        return "triangular (one-sided)" if nested >= 0.999 else "triangular (two-sided/peeling)"
    crossing = 1.0 - nested - disjoint
    if crossing <= 1e-3 and disjoint >= 0.5:
        return "one-hot / block-sparse"
    if crossing <= 1e-3 and nested >= 0.999:
        return "nested (one-sided, triangular-like)"
    if rank >= N:
        return "overparameterized" if n > N else "full rank, non-triangular"
    return "generic (rank-deficient)"


def analyse(
    net: ReluNet,
    X: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    device: str | torch.device = "cpu",
    rank_rows: int | None = None,
) -> pd.DataFrame:
    """One row per hidden layer with the metrics in the module docstring.

    Args:
        net: the network.
        X: data, shape ``(N, d)``.
        labels: optional class labels, shape ``(N,)``.
        device: torch device for the computation.
        rank_rows: if given and N is larger, rank/condition use the first ``rank_rows`` rows of H (speed).
    """
    hs = hidden_torch(net, X, device)
    rows = []
    for ell, H in enumerate(hs, start=1):
        N, n = H.shape
        active = H > 0
        Hr = H if rank_rows is None or N <= rank_rows else H[:rank_rows]
        M = torch.cat([torch.ones(Hr.shape[0], 1, dtype=H.dtype, device=H.device), Hr], dim=1)
        # singular values of the tall M from its triangular factor R (M = QR, same singular values): one float64
        # Householder QR and a small SVD instead of an N × (n + 1) SVD
        s = torch.linalg.svdvals(torch.linalg.qr(M, mode="r")[1] if M.shape[0] > 2 * M.shape[1] else M)
        tol = s[0] * max(M.shape) * torch.finfo(torch.float64).eps
        rank = int((s > tol).sum())
        cond = float(s[0] / s[-1]) if float(s[-1]) > 0 else float("inf")
        nested, disjoint, crossing = pair_geometry(active)
        tri = None
        if n + 1 >= N and N <= 4000:
            Hn = H.cpu().numpy()
            if n < N:  # the output bias supplies the missing column
                Hn = np.hstack([np.ones((N, 1)), Hn])
            tri = triangular_order(Hn) is not None
        nnz = active.sum(1)
        row = {
            "layer": ell,
            "width": n,
            "points": N,
            "zero_fraction": float((~active).double().mean()),
            "dead": int((active.sum(0) == 0).sum()),
            "max_nnz_row": int(nnz.max()),
            "mean_nnz_row": float(nnz.double().mean()),
            "rank": rank,
            "cond": cond,
            "nested": nested,
            "disjoint": disjoint,
            "crossing": crossing,
            "triangular": tri,
            "distinct_patterns": distinct_rows(active),
        }
        row["resembles"] = solution_type(min(N, Hr.shape[0]), n + 1, rank, nested, disjoint, tri)
        if labels is not None:
            row["within_jaccard"], row["between_jaccard"] = class_overlap(active, np.asarray(labels))
        rows.append(row)
    return pd.DataFrame(rows)
