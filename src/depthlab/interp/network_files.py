"""Network files: write a :class:`~depthlab.interp.theory.network.ReluNet` to ``.npz`` and read it back.

Arrays ``W1..WL``, ``b1..bL``, ``A``, ``beta`` and ``name``; written atomically (``depthlab interp construct
--save``), read with a clear error for anything else (``depthlab interp analyse --network``).
"""

from __future__ import annotations

import io

import numpy as np

from depthlab.errors import InputError
from depthlab.interp.theory.network import ReluNet
from depthlab.results import atomic_write_bytes


def save_network(net: ReluNet, path) -> None:
    """Write ``net`` to an ``.npz`` file (arrays ``W1..WL``, ``b1..bL``, ``A``, ``beta``, ``name``)."""
    arrays = {f"W{i}": w for i, w in enumerate(net.weights, start=1)}
    arrays |= {f"b{i}": b for i, b in enumerate(net.biases, start=1)}
    buf = io.BytesIO()
    np.savez(buf, A=net.out_weight, beta=net.out_bias, name=np.array(net.name), **arrays)
    atomic_write_bytes(path, buf.getvalue())


def load_network(path) -> ReluNet:
    """Read a network written by :func:`save_network`; a clear error for anything else."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read network file {path}: {exc}") from None
    L = sum(1 for k in data.files if k.startswith("W"))
    missing = [
        k
        for k in ["A", "beta", *[f"W{i}" for i in range(1, L + 1)], *[f"b{i}" for i in range(1, L + 1)]]
        if k not in data.files
    ]
    if missing or L == 0:
        raise InputError(f"{path} is not a depthlab network file: missing arrays {missing or ['W1']}")
    return ReluNet(
        [data[f"W{i}"] for i in range(1, L + 1)],
        [data[f"b{i}"] for i in range(1, L + 1)],
        data["A"],
        data["beta"],
        name=str(data["name"]) if "name" in data.files else "network",
    )
