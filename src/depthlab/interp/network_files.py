"""Network files: write a :class:`~depthlab.interp.theory.network.ReluNet` to ``.npz`` and read it back.

Arrays ``W1..WL``, ``b1..bL``, ``A``, ``beta`` and ``name``; written atomically (``depthlab interp construct
--out``), read with a clear error for anything else (``depthlab interp analyse --network``).
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


WHAT = "a depthlab network file holds arrays W1..WL, b1..bL, A, beta (written by interp construct --out)"


def _read(path) -> dict[str, np.ndarray]:
    from depthlab.validate import read_npz

    data = read_npz(path, WHAT)
    L = sum(1 for k in data if k.startswith("W"))
    missing = [k for k in ["A", "beta", *[f"W{i}" for i in range(1, L + 1)], *[f"b{i}" for i in range(1, L + 1)]]
               if k not in data]
    if missing or L == 0:
        raise InputError(f"{path} is not a depthlab network file: missing arrays {missing or ['W1']}; {WHAT}")
    return data


def network_widths(path) -> list[int]:
    """Hidden widths ``[n_1, …, n_L]`` of a network file (for a memory estimate before analysing it)."""
    data = _read(path)
    return [int(data[f"W{i}"].shape[0]) for i in range(1, sum(1 for k in data if k.startswith("W")) + 1)]


def load_network(path) -> ReluNet:
    """Read a network written by :func:`save_network`; a clear error for anything else."""
    data = _read(path)
    L = sum(1 for k in data if k.startswith("W"))
    return ReluNet(
        [data[f"W{i}"] for i in range(1, L + 1)],
        [data[f"b{i}"] for i in range(1, L + 1)],
        data["A"],
        data["beta"],
        name=str(data["name"]) if "name" in data else "network",
    )
