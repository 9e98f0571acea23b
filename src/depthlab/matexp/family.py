"""The complex matrix-exponential networks of Gai & Zhang (arXiv 2407.02540) as an engine family.

``f(X) = W_L · expm(W_{L−1} · expm( … expm(W_1 · X) … ))`` with complex ``d×d`` inputs and weights; the
forward map is :func:`depthlab.matexp.theory.network.forward_torch` (not copied here). The engine optimises real
parameters, so each complex weight is stored as its real and imaginary parts (``w_re``, ``w_im``,
each ``(L, d, d)`` per model); complex outputs are compared with complex targets through their real and imaginary parts.
"""

from __future__ import annotations

import math

import torch

from depthlab.engine.families import Family, Params, register_family
from depthlab.matexp.theory.network import forward_torch
from depthlab.validate import finite_float, positive_int


def matexp_net(d: int, depth: int = 3, *, init_scale: float | None = None) -> Family:
    """Depth-``depth`` matrix-exponential network on complex ``d×d`` inputs.

    Inputs ``X`` are ``(M, N, d, d)`` complex, outputs ``(M, N, d, d)`` complex. Weights start ``CN(0, s²)``
    entrywise with ``s = init_scale`` (default ``1/√d``, so ``W·X`` stays O(1) for O(1)-entry inputs).

    Raises:
        ConfigError: ``d < 1`` or ``depth < 1``.
    """
    d = positive_int(d, "matrix size d")
    depth = positive_int(depth, "depth")
    s = 1.0 / math.sqrt(d) if init_scale is None else finite_float(init_scale, "init_scale", low=0.0)
    shapes = {"w_re": (depth, d, d), "w_im": (depth, d, d)}
    scales = {"w_re": s / math.sqrt(2.0), "w_im": s / math.sqrt(2.0)}

    def forward(params: Params, x: torch.Tensor) -> torch.Tensor:
        w = torch.complex(params["w_re"], params["w_im"])
        return forward_torch(x, w)

    config = {"family": "matexp", "d": d, "depth": depth, "init_scale": s}
    return Family(name="matexp", shapes=shapes, forward=forward, in_shape=(d, d), out_shape=(d, d),
                  init_scales=scales, smooth=True, complex_inputs=True, act_per_point=4 * depth * d * d,
                  config=config)


register_family("matexp", matexp_net)
