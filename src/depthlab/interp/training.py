"""Trained ReLU networks, seen through their interpolation matrices.

Training uses the shared batched engine (:mod:`depthlab.engine`): for each depth one stacked
:func:`depthlab.engine.mlp` family (ReLU, biases) trains ``models`` independent networks at once with Adam on
the regression loss to one-hot targets (K outputs). Each trained model is converted to a :class:`ReluNet` and
analysed like the constructions (:func:`depthlab.interp.layer_analysis.analyse`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from depthlab import engine
from depthlab.activations import RELU
from depthlab.interp.layer_analysis import analyse
from depthlab.interp.theory.network import ReluNet


@dataclass
class Trained:
    """One trained network: its depth, model index, training accuracy and relative residual (float64)."""

    net: ReluNet
    depth: int
    model: int
    accuracy: float
    rel_residual: float


def to_relunet(params: dict[str, torch.Tensor], model: int, depth: int, name: str) -> ReluNet:
    """Convert model ``model`` of stacked engine MLP parameters (``W_k: (fan_in, fan_out)``) to a :class:`ReluNet`."""
    Ws = [params[f"W{k}"][model].detach().cpu().double().numpy().T for k in range(1, depth + 2)]
    bs = [params[f"b{k}"][model].detach().cpu().double().numpy() for k in range(1, depth + 2)]
    return ReluNet(Ws[:-1], bs[:-1], Ws[-1].T, bs[-1], name=name)


def train_classifiers(
    X: np.ndarray,
    labels: np.ndarray,
    *,
    depths: Sequence[int],
    width: int,
    seed: int,
    models: int = 1,
    steps: int = 1500,
    lr: float = 1e-2,
    device: str = "auto",
) -> list[Trained]:
    """Train ``models`` ReLU MLPs of every depth in ``depths`` (width ``width``) on ``(X, labels)``.

    Args:
        X: inputs, shape ``(N, d)``.
        labels: classes ``0..K−1``, shape ``(N,)``.
        depths: numbers of hidden layers.
        width: neurons per hidden layer.
        seed: root seed (model m of depth L is initialised from ``("interp", seed, L), m``).
        models: networks per depth, trained as one stacked program.
        steps: Adam steps (per-model stopping at the engine's switch tolerance).
        lr: Adam learning rate (decays geometrically to 1 % of it).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``.
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    K = int(labels.max()) + 1
    Y = np.eye(K)[labels]
    xs = torch.as_tensor(X).unsqueeze(0).expand(models, *X.shape).contiguous()
    ys = torch.as_tensor(Y).unsqueeze(0).expand(models, *Y.shape).contiguous()
    cfg = engine.FitConfig(
        mode="regression",
        stages=("adam",),
        adam_steps=steps,
        adam_lr=lr,
        adam_lr_final=0.01,
        adam_switch_tol=1e-3,
    )
    out = []
    for L in depths:
        fam = engine.mlp(X.shape[1], [width] * L, K, RELU.name, bias=True)
        res = engine.fit(fam, (xs, ys), key=f"interp/{seed}/L{L}", indices=range(models), config=cfg, device=device)
        for m in range(models):
            net = to_relunet(res.params, m, L, name=f"trained L={L} w={width} #{m}")
            acc = float(np.mean(np.argmax(net(X), axis=1) == labels))
            out.append(Trained(net, L, m, acc, float(res.rel_residual[m])))
    return out


def trained_table(
    trained: Sequence[Trained], X: np.ndarray, labels: np.ndarray, data: str, device: str = "cpu"
) -> pd.DataFrame:
    """Per-layer analysis of every trained network (one row per layer), with data/depth/model/accuracy columns."""
    frames = []
    for t in trained:
        df = analyse(t.net, X, labels, device=device)
        df.insert(0, "data", data)
        df.insert(1, "depth", t.depth)
        df.insert(2, "model", t.model)
        df["accuracy"] = t.accuracy
        df["rel_residual"] = t.rel_residual
        frames.append(df)
    return pd.concat(frames, ignore_index=True)
