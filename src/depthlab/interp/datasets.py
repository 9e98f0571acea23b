"""Data sets of the study: random points, adversarial points, Gaussian clusters and scikit-learn's digits.

Everything is generated or bundled: nothing is downloaded at run time (digits ships inside scikit-learn).
"""

from __future__ import annotations

import numpy as np

from depthlab.errors import MissingExtraError
from depthlab.interp.theory.inputs import duplicate_groups


def random_points(n: int, d: int, rng: np.random.Generator, outputs: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``X ~ N(0, I_d)`` (N × d) and targets ``Y ~ N(0, 1)`` (N × outputs)."""
    return rng.standard_normal((n, d)), rng.standard_normal((n, outputs))


def points_on_line(n: int, d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Adversarial: N points on one random line in R^d (every other direction sees them in the same order)."""
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    s = np.sort(rng.uniform(-1, 1, n))
    return s[:, None] * u[None, :] + rng.standard_normal(d)[None, :], rng.standard_normal((n, 1))


def nearly_coincident(n: int, d: int, rng: np.random.Generator, eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Adversarial: N/2 random points and, next to each, a copy moved by ``eps`` (distinct, nearly coincident)."""
    half = (n + 1) // 2
    base = rng.standard_normal((half, d))
    near = base + eps * rng.standard_normal((half, d))
    X = np.vstack([base, near])[:n]
    return X, rng.standard_normal((n, 1))


def clusters(n: int, d: int, k: int, rng: np.random.Generator, spread: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """K Gaussian clusters (centres ~ N(0, 4 I)), ``n`` points, labels 0..K−1."""
    centres = 2.0 * rng.standard_normal((k, d))
    labels = rng.integers(0, k, n)
    return centres[labels] + spread * rng.standard_normal((n, d)), labels


def digits(max_points: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits scaled to [0, 1] (1797 × 64, 10 classes), duplicates removed (there are none in
    scikit-learn 1.x, but the check is cheap), optionally the first ``max_points``."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        raise MissingExtraError("scikit-learn", "interp", "the digits data set") from None
    X, y = load_digits(return_X_y=True)
    keep = np.ones(len(X), dtype=bool)
    for g in duplicate_groups(X):
        keep[g[1:]] = False
    X, y = X[keep] / 16.0, y[keep].astype(np.int64)
    if max_points is not None:
        X, y = X[:max_points], y[:max_points]
    return X, y
