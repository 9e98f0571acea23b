"""Beyond the paper: Monte Carlo of the angle for other activations and with biases, against the quadrature map.

Jakub & Nica (arXiv 2302.09712) treat the bias-free ReLU network. The same simulators take any activation of
:mod:`depthlab.activations` and a bias scale σ_b; :func:`compare_activations` sets their mean angle beside the
infinite-width map computed by quadrature (:func:`depthlab.angles.theory.other_activations.quadrature_angles`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from depthlab.angles.markov import simulate_markov
from depthlab.angles.montecarlo import simulate_full
from depthlab.angles.theory.other_activations import quadrature_angles
from depthlab.validate import choice


def compare_activations(
    theta0: float,
    width: int,
    depth: int,
    networks: int,
    *,
    activations: tuple[str, ...] = ("relu", "leaky_relu:0.1", "tanh", "gelu"),
    sigma_b: float = 0.0,
    method: str = "markov",
    seed: int = 0,
    device: str = "cpu",
) -> list[dict[str, Any]]:
    """For each activation: Monte Carlo mean of θ_ℓ and of ln sin²θ_ℓ against the infinite-width map.

    Returns one dict per (activation, layer) with keys ``activation, sigma_b, layer, mc_mean_theta,
    mc_sem_theta, mc_mean_log_sin2, mc_sd_log_sin2, inf_theta, inf_log_sin2``.
    """
    sim = simulate_markov if choice(method, "method", ("markov", "full")) == "markov" else simulate_full
    rows: list[dict[str, Any]] = []
    for name in activations:
        run = sim(
            theta0, width, networks, depth=depth, seed=seed, device=device, activation=name, sigma_b=sigma_b
        )
        inf = quadrature_angles(theta0, depth, name, sigma_b=sigma_b)
        mean_th = np.nanmean(run.theta, axis=0)
        sem_th = np.nanstd(run.theta, axis=0, ddof=1) / math.sqrt(run.networks)
        mls, sls = run.mean_log_sin2(), run.sd_log_sin2()
        for ell in range(depth + 1):
            rows.append(
                {
                    "activation": run.activation,
                    "sigma_b": sigma_b,
                    "width": width,
                    "layer": ell,
                    "mc_mean_theta": float(mean_th[ell]),
                    "mc_sem_theta": float(sem_th[ell]),
                    "mc_mean_log_sin2": float(mls[ell]),
                    "mc_sd_log_sin2": float(sls[ell]),
                    "inf_theta": float(inf[ell]),
                    "inf_log_sin2": float(2.0 * np.log(np.sin(inf[ell]))),
                }
            )
    return rows
