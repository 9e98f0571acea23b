"""Scale presets of the committee study (``quick``: minutes on a 2-core CPU; ``full``: a GPU-scale run).

One dictionary per scale; the experiment (:func:`depthlab.committee.experiment.run`) runs it and the claims
(:mod:`depthlab.committee.claims`) declare one row per machine it measures. Pure data: no imports, so reading
the presets loads nothing heavy. Sign K are the ReLU K − 1 (odd; K = 1 is the perceptron).
"""

from __future__ import annotations

from typing import Any


def alpha_grid(lo: float, hi: float, step: float) -> tuple[float, ...]:
    """``lo, lo + step, …, hi`` rounded to 6 decimals."""
    n = round((hi - lo) / step) + 1
    return tuple(round(lo + i * step, 6) for i in range(n))


_a = alpha_grid

SCALES: dict[str, dict[str, Any]] = {
    "quick": {
        "relu": {"Ks": (2, 4, 8), "Ns": (32, 64), "alphas": _a(0.75, 2.75, 0.5), "instances": 16,
                 "steps": 600},
        "sign": {"Ks": (1, 3, 7), "Ns": (32, 64), "alphas": _a(0.75, 2.75, 0.5), "instances": 16,
                 "steps": 600},
        "sign_la": {"Ks": (1, 3, 7), "Ns": (64, 128, 256), "alphas": _a(1.0, 3.5, 0.5), "instances": 16,
                    "epochs": 500},
        "binary": {"Ns": (42,), "alphas": _a(0.1, 0.7, 0.15), "instances": 16, "sweeps": 100},
        "robust": {"N": 60, "alpha": 1.0, "machines": 16, "draws": 8, "steps": 1000,
                   "binary_N": 42, "binary_alpha": 0.3, "sweeps": 200},
        "geometry": {"N": 60, "alpha": 1.0, "instances": 16, "draws": 16, "steps": 2000},
        "theory": {"relu_ks": (2, 4, 8), "sign_ks": (3, 7)},
        "exact": {"Ns": (64, 128), "instances": 256},
    },
    "full": {
        "relu": {"Ks": (2, 4, 8, 16, 32), "Ns": (256, 512, 1024), "alphas": _a(0.5, 4.0, 0.25),
                 "instances": 64, "steps": 5000},
        "sign": {"Ks": (1, 3, 7, 15, 31), "Ns": (256, 512, 1024), "alphas": _a(0.5, 8.0, 0.25),
                 "instances": 64, "steps": 5000},
        "sign_la": {"Ks": (1, 3, 7, 15, 31), "Ns": (256, 512, 1024), "alphas": _a(0.5, 8.0, 0.25),
                    "instances": 64, "epochs": 5000},
        "binary": {"Ns": (126, 252), "alphas": _a(0.1, 1.0, 0.05), "instances": 64,
                   "sweeps": 2000},
        "robust": {"N": 480, "alpha": 1.5, "machines": 64, "draws": 32, "steps": 5000,
                   "binary_N": 210, "binary_alpha": 0.4, "sweeps": 2000},
        "geometry": {"N": 480, "alpha": 1.0, "instances": 64, "draws": 32, "steps": 5000},
        "theory": {"relu_ks": (2, 4, 8, 16, 32), "sign_ks": (3, 7, 15, 31)},
        "exact": {"Ns": (128, 256, 512), "instances": 1024},
    },
}

#: The binary-weight machines of every scale (simulated annealing): (activation, K).
BINARY_MACHINES: tuple[tuple[str, int], ...] = (("relu", 2), ("sign", 3))
#: The robustness comparison of every scale: (activation, K) per weight prior, ReLU first.
ROBUST_MACHINES: dict[str, tuple[tuple[str, int], tuple[str, int]]] = {
    "spherical": (("relu", 4), ("sign", 3)),
    "binary": (("relu", 2), ("sign", 3)),
}
