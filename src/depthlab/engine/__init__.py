"""Shared batched exact-fit engine: train thousands of small networks as one stacked tensor
program.

Public API (stable)::

    from depthlab.engine import FitConfig, fit, square_mlp, sampler_for

    fam = square_mlp(d=16, depth=2, activation="tanh")          # y = W2 tanh(W1 x), d×d weights, no bias
    res = fit(fam, sampler_for(fam, n=20), key="tanh-d16-L2-N20", indices=range(64))
    res.success            # (64,) bool, certified in float64: ‖F(X)−Y‖_F/‖Y‖_F ≤ 1e-8
    res.rel_residual       # (64,) float64
    res.success_rate

* **Families** (:class:`Family`): pure functions of stacked parameters ``params[name]: (M, *shape)`` mapping
  ``X (M, N, *in_shape)`` to ``(M, N, *out_shape)``. Built in: :func:`mlp` (any depth/width, activations
  :data:`ACTIVATIONS`, biases on/off), :func:`square_mlp` (the capacity protocol), :func:`perceptron`,
  and studies register their own (the matrix-exponential nets live in :mod:`depthlab.matexp.family`). Add
  your own with a :class:`Family` (``shapes``, ``forward``, ``init_scales`` or a custom ``init``) and,
  optionally, :func:`register_family` so :func:`make_family` finds it by name. Optional family hooks:
  ``jacobian`` (explicit Jacobian for LM; MLPs use :func:`mlp_jacobian`), ``readout`` (least-squares output
  layer, :func:`solve_readout`; with ``features`` and ``readout_params`` it enables the ``"varpro"`` stage),
  ``repair`` (output-preserving fix-ups, :func:`revive_dead_relu_units`),
  ``homotopy`` (smoother families for the ``"continuation"`` stage).
* **Data**: tensors ``(X, Y)`` stacked over models, or a sampler ``(key, indices) -> (X, Y)`` called chunk by
  chunk (:func:`sampler_for`, :class:`GaussianSampler`, :func:`gaussian_regression`, :func:`random_labels`).
* **Training** (:func:`fit` with :class:`FitConfig`): regression or classification (±1 labels, squared hinge);
  stages ``"adam"`` (batched Adam, float32 by default, geometric learning-rate decay, per-model stopping) and
  ``"lm"`` (batched Levenberg–Marquardt in float64, Cholesky, Nielsen damping, per-model stopping); ``"auto"``
  runs LM alone for smooth families and, for ReLU, ``"continuation"`` (LM along leaky-ReLU slopes
  0.5 → 0.03) then LM on ReLU itself; other non-smooth families get Adam → LM. Success is decided in float64.
* **Chunking**: models are split into chunks planned from :func:`bytes_per_model` and the memory available
  (CUDA: ``torch.cuda.mem_get_info``; CPU: ``memory_budget`` or ``DEPTHLAB_CPU_MEMORY``, default 2 GiB); CUDA
  out-of-memory halves the chunk and retries.
* **Seeds**: model ``m``'s initialisation is drawn from ``(key, indices[m])``, its sampled data from the same
  pair, so results are independent of packing and chunking.
* **Certificates**: :func:`linearly_separable` decides linear separability exactly by a linear program
  (used for Cover's-theorem checks, where gradient methods cannot certify *non*-separability).
"""

from depthlab.engine.chunking import available_bytes, bytes_per_model, plan_chunk_size
from depthlab.engine.config import MODES, STAGES, FitConfig
from depthlab.engine.data import GaussianSampler, gaussian_regression, random_labels, sampler_for
from depthlab.engine.families import (
    ACTIVATIONS,
    SMOOTH_ACTIVATIONS,
    Family,
    Params,
    activation_fn,
    default_init,
    make_family,
    mlp,
    mlp_jacobian,
    perceptron,
    register_family,
    registered_families,
    revive_dead_relu_units,
    solve_readout,
    square_mlp,
)
from depthlab.engine.fit import FitResult, fit
from depthlab.engine.objective import certify, flatten, residuals, unflatten
from depthlab.engine.separability import cover_probability, linearly_separable

__all__ = [
    "ACTIVATIONS",
    "MODES",
    "SMOOTH_ACTIVATIONS",
    "STAGES",
    "Family",
    "FitConfig",
    "FitResult",
    "GaussianSampler",
    "Params",
    "activation_fn",
    "available_bytes",
    "bytes_per_model",
    "certify",
    "cover_probability",
    "default_init",
    "fit",
    "flatten",
    "gaussian_regression",
    "linearly_separable",
    "make_family",
    "mlp",
    "mlp_jacobian",
    "perceptron",
    "plan_chunk_size",
    "random_labels",
    "register_family",
    "registered_families",
    "residuals",
    "revive_dead_relu_units",
    "sampler_for",
    "solve_readout",
    "square_mlp",
    "unflatten",
]
