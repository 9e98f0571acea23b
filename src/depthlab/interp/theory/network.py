"""A float64 ReLU network with explicit weights: the object every construction returns and every analysis reads.

Notation (Huang, arXiv 2208.07498, §1 "three-layer network" = input + one hidden layer + linear output): a network
with L hidden ReLU layers maps ``x ∈ R^d`` to ``h^(0) = x``, ``h^(ℓ) = σ(W_ℓ h^(ℓ-1) + b_ℓ)`` (ℓ = 1..L) and
outputs ``f(x) = Aᵀ h^(L) + β``. ``L = 1`` is Huang's three-layer network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from depthlab.errors import InputError


def relu(z: np.ndarray) -> np.ndarray:
    """σ(z) = max(z, 0), elementwise."""
    return np.maximum(z, 0.0)


@dataclass
class ReluNet:
    """A fully connected ReLU network with a linear output layer.

    Attributes:
        weights: ``[W_1, ..., W_L]``, ``W_ℓ`` of shape ``(n_ℓ, n_{ℓ-1})`` with ``n_0 = d``.
        biases: ``[b_1, ..., b_L]``, ``b_ℓ`` of shape ``(n_ℓ,)``.
        out_weight: ``A`` of shape ``(n_L, m)`` (m outputs).
        out_bias: ``β`` of shape ``(m,)``.
        name: the construction or training run that produced it.
        info: free-form facts about the construction (e.g. the projection direction, sorting order).
        factors: optional ``(w, s)`` with ``W_1 = s wᵀ`` (every first-layer neuron looks along one direction, as in
            the parallel-hyperplane constructions); used to evaluate the first layer in O(N·(d + n_1)).
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    out_weight: np.ndarray
    out_bias: np.ndarray
    name: str = "network"
    info: dict = field(default_factory=dict)
    factors: tuple[np.ndarray, np.ndarray] | None = None

    def __post_init__(self) -> None:
        self.weights = [np.ascontiguousarray(w, dtype=np.float64) for w in self.weights]
        self.biases = [np.ascontiguousarray(np.reshape(b, -1), dtype=np.float64) for b in self.biases]
        self.out_weight = np.ascontiguousarray(self.out_weight, dtype=np.float64)
        if self.out_weight.ndim == 1:
            self.out_weight = self.out_weight[:, None]
        self.out_bias = np.asarray(self.out_bias, dtype=np.float64).reshape(-1)
        if len(self.weights) != len(self.biases):
            raise InputError(f"{len(self.weights)} weight matrices but {len(self.biases)} bias vectors")
        prev = self.weights[0].shape[1] if self.weights else self.out_weight.shape[0]
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True), start=1):
            if w.ndim != 2 or w.shape[1] != prev:
                raise InputError(f"layer {i} weight has shape {w.shape}; expected (n_{i}, {prev})")
            if b.shape != (w.shape[0],):
                raise InputError(f"layer {i} bias has shape {b.shape}; expected ({w.shape[0]},)")
            prev = w.shape[0]
        if self.out_weight.shape[0] != prev:
            raise InputError(f"output weight has shape {self.out_weight.shape}; expected ({prev}, m)")
        if self.out_bias.shape != (self.out_weight.shape[1],):
            raise InputError(f"output bias has shape {self.out_bias.shape}; expected ({self.out_weight.shape[1]},)")

    @property
    def depth(self) -> int:
        """Number of hidden layers L."""
        return len(self.weights)

    @property
    def input_dim(self) -> int:
        """d."""
        return int(self.weights[0].shape[1]) if self.weights else int(self.out_weight.shape[0])

    @property
    def widths(self) -> list[int]:
        """Hidden widths ``[n_1, ..., n_L]``."""
        return [int(w.shape[0]) for w in self.weights]

    @property
    def hidden_neurons(self) -> int:
        """Total number of hidden ReLU units Σ n_ℓ."""
        return int(sum(self.widths))

    @property
    def parameters(self) -> int:
        """Number of weights and biases, output layer included."""
        hidden = sum(w.size + b.size for w, b in zip(self.weights, self.biases, strict=True))
        return int(hidden + self.out_weight.size + self.out_bias.size)

    def hidden(self, X: np.ndarray) -> list[np.ndarray]:
        """Post-ReLU activations of every hidden layer.

        Args:
            X: inputs, shape ``(N, d)``.

        Returns:
            ``[H^(1), ..., H^(L)]``, ``H^(ℓ)`` of shape ``(N, n_ℓ)`` — the interpolation matrices (Huang, §1).
        """
        h = np.asarray(X, dtype=np.float64)
        if h.ndim != 2 or h.shape[1] != self.input_dim:
            raise InputError(f"inputs have shape {h.shape}; this network takes (N, {self.input_dim})")
        out = []
        for ell, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            if ell == 0 and self.factors is not None:
                direction, scale = self.factors
                h = relu((h @ direction)[:, None] * scale[None, :] + b)
            else:
                h = relu(h @ w.T + b)
            out.append(h)
        return out

    def __call__(self, X: np.ndarray, chunk: int = 2048) -> np.ndarray:
        """Network output, shape ``(N, m)``, computed in row chunks of ``chunk`` points (bounded memory)."""
        X = np.asarray(X, dtype=np.float64)
        parts = []
        for start in range(0, max(X.shape[0], 1), chunk):
            hs = self.hidden(X[start : start + chunk])
            last = hs[-1] if hs else X[start : start + chunk]
            parts.append(last @ self.out_weight + self.out_bias)
        return np.concatenate(parts, axis=0)
