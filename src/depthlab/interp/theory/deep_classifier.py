"""``classifier``: four (or five) hidden layers, every training point of K classes classified (our construction).

``grouped`` (:mod:`~.deep_grouped`; or ``windowed``) with the class index as scalar target f, then
layer 3: ``v_j = σ(f − j)`` (K neurons) and layer 4: for each class k the pair ``σ(3 hat_k − 1)``,
``σ(3 hat_k − 2)`` with the hat function ``hat_k = v_{k−1} − 2 v_k + v_{k+1}`` (1 on class k, 0 on the others),
output ``σ(3 hat_k − 1) − σ(3 hat_k − 2)`` (a clamp to [0, 1]). The last interpolation matrix is **class-block
sparse**: each point activates exactly the 2 neurons of its own class (sparsity (K − 1)/K, exact zeros), the
output is one-hot to rounding and every training point is classified correctly, with ``2G − 1 + 2s + 3K`` neurons
(``4G − 1 + 2s + 3K`` on ``windowed``). Huang's abstract (arXiv 2208.07498) states a general deep solution for
classification; his construction was not available to us, so this one is ours.
"""

from __future__ import annotations

import numpy as np

from depthlab.errors import InputError
from depthlab.interp.theory.construction import Construction, need_neurons
from depthlab.interp.theory.deep_grouped import grouped
from depthlab.interp.theory.deep_windowed import windowed
from depthlab.interp.theory.inputs import as_labels, prepare
from depthlab.interp.theory.interpolation_matrix import relative_residual
from depthlab.interp.theory.network import ReluNet
from depthlab.interp.theory.neuron_counts import classifier_neurons


def class_layers(A2: np.ndarray, K: int) -> tuple[np.ndarray, ...]:
    """Layers 3 and 4 and the output of the classifier on top of a base network with output weights ``A2`` that
    interpolates the class index f: ``(W3, b3, W4, b4, A4)`` (module docstring)."""
    # layer 3: v_j = σ(f − j), j = 0..K−1, with f = A2·h2.
    W3 = np.tile(A2, (K, 1))
    b3 = -np.arange(K, dtype=np.float64)
    # layer 4: hat_k = v_{k−1} − 2 v_k + v_{k+1}; v_{−1} = v_0 + 1 and v_K = 0 on data (0 ≤ f ≤ K − 1).
    W4 = np.zeros((K, K))
    b4 = np.zeros(K)
    for k in range(K):
        W4[k, k] = -2.0
        if k + 1 < K:
            W4[k, k + 1] = 1.0
        if k >= 1:
            W4[k, k - 1] = 1.0
        else:
            W4[k, 0] += 1.0
            b4[k] = 1.0
    # Layer 4 clamps 3·hat − 1 to [0, 1] with two ReLUs per class: σ(3 hat − 1) − σ(3 hat − 2). On data hat is
    # 1 ± δ on the class and ±δ off it, so both neurons are exactly 0 off-class and the output is exactly 1 on it
    # (up to one rounding) for |δ| < 1/3: the output residual does not inherit the rounding of f.
    W4 = np.repeat(3.0 * W4, 2, axis=0)
    b4 = np.repeat(3.0 * b4, 2) - np.tile([1.0, 2.0], K)
    A4 = np.zeros((2 * K, K))
    A4[0::2, :] = np.eye(K)
    A4[1::2, :] = -np.eye(K)
    return W3, b3, W4, b4, A4


def classifier(
    X,
    labels,
    *,
    rng: np.random.Generator,
    tries: int = 32,
    groups: int | None = None,
    neurons: int | None = None,
    num_classes: int | None = None,
    base: str = "grouped",
) -> Construction:
    """Deep K-class classifier with an exactly one-hot last interpolation matrix (module docstring).

    Args:
        X: distinct points, shape ``(N, d)``.
        labels: integer classes ``0..K−1``, shape ``(N,)``.
        num_classes: K (default ``max(labels) + 1``).
        base: the interpolating network for the class index: ``"grouped"`` (2 hidden layers, so the classifier
            has 4) or ``"windowed"`` (3 hidden layers, :mod:`~.deep_windowed`; the classifier has 5).

    Returns:
        A :class:`Construction` whose network outputs K scores; its ``residual`` is measured against the one-hot
        targets and ``info["accuracy"]`` is the training accuracy of argmax.
    """
    Xc, _ = prepare(X, np.zeros(np.asarray(X).shape[0] if np.ndim(X) else 0))
    y = as_labels(labels, Xc.shape[0])
    K = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if K < int(y.max()) + 1:
        raise InputError(f"num_classes = {K} but labels go up to {int(y.max())}")
    if base == "grouped":
        inner = grouped(Xc, y.astype(np.float64), rng=rng, tries=tries, groups=groups)
    elif base == "windowed":
        inner = windowed(Xc, y.astype(np.float64), rng=rng, tries=tries, groups=groups)
    else:
        raise InputError(f"classifier base must be 'grouped' or 'windowed', got {base!r}")
    G, s = inner.info["groups"], inner.info["group_size"]
    stated = classifier_neurons(Xc.shape[0], G, K, s, base=base)
    need_neurons("classifier", stated, neurons)
    W3, b3, W4, b4, A4 = class_layers(inner.net.out_weight[:, 0], K)
    net = ReluNet(
        [*inner.net.weights, W3, W4],
        [*inner.net.biases, b3, b4],
        A4,
        np.zeros(K),
        name="classifier",
        factors=inner.net.factors,
    )
    scores = net(Xc)
    onehot = np.eye(K)[y]
    acc = float(np.mean(np.argmax(scores, axis=1) == y))
    return Construction(
        name="classifier",
        net=net,
        residual=relative_residual(scores, onehot),
        hidden_neurons=net.hidden_neurons,
        stated_neurons=stated,
        cond=float("nan"),
        rank=-1,
        order=inner.order,
        info={"groups": G, "group_size": s, "classes": K, "accuracy": acc, "base": base,
              "base_residual": inner.residual},
    )


__all__ = ["class_layers", "classifier"]
