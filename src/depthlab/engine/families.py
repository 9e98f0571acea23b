"""Network families: pure functions of stacked parameters, and a registry so studies can add their own.

A :class:`Family` describes one architecture. Its parameters are a ``dict[str, Tensor]`` whose every entry has
a leading *model* axis ``M`` (``params[name].shape == (M, *family.shapes[name])``); its forward map takes
stacked inputs ``X`` of shape ``(M, N, *in_shape)`` and returns stacked outputs ``(M, N, *out_shape)``. Model
``m`` only ever sees ``params[·][m]`` and ``X[m]``, so many independent networks train as one tensor program.

Forward functions must be written with batched torch ops only (``matmul``/``einsum``/elementwise) so that
:func:`torch.func.jacrev`/``jacfwd`` and ``vmap`` can differentiate them (the Levenberg–Marquardt stage needs
per-model Jacobians).

Initialisation is seeded per model (:func:`default_init`): model ``m``'s initial parameters are a function of
``(key, indices[m])`` only (:func:`depthlab.seeding.stacked_normal`), never of the chunk it is trained in.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from depthlab import activations
from depthlab.engine.gram import mlp_backprop, mlp_gauss_newton, mlp_value_and_grad
from depthlab.engine.types import Params
from depthlab.errors import ConfigError
from depthlab.seeding import stacked_normal
from depthlab.validate import choice, finite_float, positive_int

ForwardFn = Callable[[Params, torch.Tensor], torch.Tensor]
InitFn = Callable[..., Params]
#: ``value_and_grad(params, X, Y, mode, margin, *, weight=None, out=None, value=True, work=None)
#: -> (loss (M,), grads)``.
ValueAndGradFn = Callable[..., tuple[torch.Tensor | None, Params]]

#: Elementwise activations of :func:`mlp` by base name (``leaky_relu`` uses the family's ``negative_slope``,
#: ``softplus`` its ``sharpness``); each is a :class:`depthlab.activations.Activation`.
ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "linear", "softplus", "gelu")
#: Activations that are C^∞, for which Gauss–Newton/Levenberg–Marquardt from a random start is appropriate.
SMOOTH_ACTIVATIONS = tuple(a for a in ACTIVATIONS if a not in ("relu", "leaky_relu"))


@dataclasses.dataclass(frozen=True)
class Family:
    """One network architecture as pure functions of stacked parameters.

    Attributes:
        name: short identifier (shown in results, e.g. ``"mlp"``).
        shapes: per-model shape of each parameter, ``{name: shape}`` (without the model axis).
        forward: ``forward(params, X) -> outputs``; ``params[k]`` is ``(M, *shapes[k])``, ``X`` is
            ``(M, N, *in_shape)``, outputs ``(M, N, *out_shape)`` (real or complex).
        in_shape: per-point input shape (e.g. ``(d,)``; ``(d, d)`` for matrix inputs).
        out_shape: per-point output shape (e.g. ``(d_out,)``).
        init_scales: standard deviation of each parameter's initial normal draw (0 gives zeros).
        smooth: True if the forward map is C^∞ in the parameters (selects the default optimiser stages).
        complex_inputs: True if inputs/targets are complex (outputs then are complex too).
        act_per_point: floats of intermediate activations per data point in one forward pass (memory estimate).
        config: JSON-able description (used in hashes and results).
        init: optional custom ``init(key, indices, *, device, dtype) -> Params``; default
            :func:`default_init`.
        homotopy: optional ``homotopy(s) -> Family``: a smoother family with the same parameters for a
            continuation parameter ``s ∈ (0, 1]`` (``s → 0`` approaches this family), used by the
            ``"continuation"`` stage; the MLP sets it for ReLU to leaky ReLU with negative slope ``s``.
        smoothing: optional ``smoothing(β) -> Family``: a C^∞ family with the same parameters for a sharpness
            ``β > 0`` (``β → ∞`` approaches this family), used by the ``"activation-homotopy"`` stage
            (:mod:`depthlab.engine.activation_homotopy`); the MLP sets it for ReLU to softplus with sharpness β.
        repair: optional *function-preserving* fix-up ``repair(params, X) -> params`` applied by the LM stage
            (e.g. reviving dead ReLU units, :func:`revive_dead_relu_units`); must not change the outputs.
        readout: optional ``readout(params, X, Y) -> params`` that re-solves a linear output layer by least
            squares (never increases the regression residual); the LM stage calls it at its start.
            The MLP uses :func:`solve_readout`.
        features: optional ``features(params, X) -> H`` ``(M, N, K)``: the design matrix of that linear output
            layer (the outputs are ``H Θ`` with ``Θ`` the ``(K, out)`` parameters named by ``readout_params``;
            the MLP's ``H`` is its last hidden layer's features, plus a column of ones with biases:
            :func:`readout_features`). Used by the ``"varpro"`` stage (:mod:`depthlab.engine.varpro`).
        readout_params: names of the parameters the ``readout`` hook solves for (the MLP: ``W_L`` and, with
            biases, ``b_L``); every other parameter is a *hidden* parameter.
        jacobian: optional explicit ``jacobian(params, X) -> (M, N·out, P)`` of the real outputs (flattened
            point-major; complex outputs split as ``torch.view_as_real`` does, real part first, so
            ``N·out = N·out_size``) with respect to the flat parameters (order of ``shapes``); without it the
            LM stage uses ``torch.func``. The MLP's is :func:`mlp_jacobian`; the matrix-exponential nets'
            (complex weights as real pairs) is :func:`depthlab.matexp.family.matexp_jacobian`.
        gauss_newton: optional ``gauss_newton(params, X, *, out=None, work=None) -> (K, jt)`` with
            ``K = J Jᵀ`` ``(M, N·out, N·out)`` and ``jt(z) = Jᵀ z`` ``(M, P)``, computed without forming ``J``;
            the LM stage uses it for its dual-form steps (more parameters than residuals), passing ``(M, R, R)``
            buffers ``out`` (for ``K``; it then factorises ``K`` in place) and ``work`` (scratch) that it reuses
            across iterations. The MLP's is :func:`depthlab.engine.gram.mlp_gauss_newton`.
        value_and_grad: optional ``value_and_grad(params, X, Y, mode, margin, *, weight=None, out=None,
            value=True, work=None) -> (loss, grads)``: per-model ``loss_m = weight_m · ‖r_m‖²`` ``(M,)`` of the
            residuals of :func:`depthlab.engine.objective.residuals` (``None`` when ``value=False``) and
            ``grads[k] = ∂loss_m/∂params[k][m]`` (the keys and shapes of ``params``; written into the contiguous
            buffers ``out`` when given), computed without autograd; ``work`` is a dict the hook may keep scratch
            tensors in between calls (the caller passes the same one while the shapes stay the same). The Adam
            stage calls it with ``out``, ``work`` and ``value=False`` on its hot path (real data only) and falls
            back to autograd without it. The MLP's is :func:`depthlab.engine.gram.mlp_value_and_grad`.
    """

    name: str
    shapes: Mapping[str, tuple[int, ...]]
    forward: ForwardFn
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    init_scales: Mapping[str, float]
    smooth: bool = True
    complex_inputs: bool = False
    act_per_point: int = 0
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    init: InitFn | None = None
    homotopy: Callable[[float], Family] | None = None
    smoothing: Callable[[float], Family] | None = None
    repair: Callable[[Params, torch.Tensor], Params] | None = None
    readout: Callable[[Params, torch.Tensor, torch.Tensor], Params] | None = None
    features: Callable[[Params, torch.Tensor], torch.Tensor] | None = None
    readout_params: tuple[str, ...] = ()
    jacobian: Callable[[Params, torch.Tensor], torch.Tensor] | None = None
    gauss_newton: Callable[..., tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]] | None = None
    value_and_grad: ValueAndGradFn | None = None

    @property
    def n_params(self) -> int:
        """Number of real parameters per model."""
        return sum(math.prod(s) for s in self.shapes.values())

    @property
    def out_size(self) -> int:
        """Real outputs per data point (complex outputs count twice)."""
        return math.prod(self.out_shape) * (2 if self.complex_inputs else 1)

    def initial(self, key: str | int, indices: Sequence[int], *, device: torch.device | str = "cpu",
                dtype: torch.dtype = torch.float64) -> Params:
        """Initial stacked parameters of models ``indices`` (seeded by ``(key, index)``)."""
        fn = self.init or default_init
        return fn(self, key, indices, device=device, dtype=dtype)

    def __call__(self, params: Params, x: torch.Tensor) -> torch.Tensor:
        return self.forward(params, x)


def default_init(family: Family, key: str | int, indices: Sequence[int], *,
                 device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float64) -> Params:
    """Independent normal initial parameters, ``params[k] ~ N(0, init_scales[k]^2)`` entrywise.

    One standard-normal vector of length ``n_params`` is drawn per model from ``(key, "init", index)`` and
    split in the order of ``family.shapes``, so a model's initialisation depends only on its key and index.
    """
    idx = [(int(i),) for i in indices]
    flat = stacked_normal(f"{key}/init/{family.name}", idx, (family.n_params,))
    out: Params = {}
    start = 0
    for name, shape in family.shapes.items():
        size = math.prod(shape)
        out[name] = (flat[:, start:start + size].reshape(len(idx), *shape) * family.init_scales.get(name, 1.0)
                     ).to(device=device, dtype=dtype)
        start += size
    return out


def resolve_activation(name: str, negative_slope: float = 0.01, sharpness: float = 1.0
                       ) -> activations.Activation:
    """The :class:`~depthlab.activations.Activation` of an MLP's ``name`` (one of :data:`ACTIVATIONS`)."""
    choice(name, "activation", ACTIVATIONS)
    if name == "leaky_relu":
        return activations.ab_relu(negative_slope, 1.0)
    if name == "softplus":
        return activations.softplus(sharpness)
    return activations.get(name)


def activation_fn(name: str, negative_slope: float = 0.01) -> Callable[[torch.Tensor], torch.Tensor]:
    """The elementwise function for ``name`` (one of :data:`ACTIVATIONS`)."""
    return resolve_activation(name, negative_slope).torch_fn


def mlp(d_in: int, widths: Sequence[int], d_out: int, activation: str = "relu", *, bias: bool = False,
        negative_slope: float = 0.01, sharpness: float = 1.0, init_gain: float | None = None) -> Family:
    """A real fully connected network ``x ↦ W_L σ(… σ(W_1 x + b_1) …) + b_L``.

    Depth is ``len(widths) + 1`` weight layers; ``widths=()`` is the linear (one-layer) map. Parameters are
    ``W1 … WL`` of shape ``(fan_in, fan_out)`` (rows act on the input, ``h = x @ W``) and, with ``bias``,
    ``b1 … bL`` of shape ``(fan_out,)``. Weights start ``N(0, gain²/fan_in)`` (He gain √2 for ReLU-like,
    1 otherwise), biases at 0.

    Args:
        d_in: input dimension.
        widths: hidden widths (may be empty).
        d_out: output dimension.
        activation: one of :data:`ACTIVATIONS`; applied after every hidden layer, never after the last.
        bias: add biases to every layer.
        negative_slope: slope of ``leaky_relu`` for negative inputs.
        sharpness: β of ``softplus`` (log(1 + e^{βx})/β; → ReLU as β → ∞).
        init_gain: override the initialisation gain.

    Raises:
        ConfigError: a non-positive dimension or width, or an unknown activation.
    """
    d_in = positive_int(d_in, "input dimension d_in")
    d_out = positive_int(d_out, "output dimension d_out")
    widths = tuple(positive_int(w, f"hidden width {k + 1}") for k, w in enumerate(widths))
    negative_slope = finite_float(negative_slope, "negative_slope")
    act = resolve_activation(activation, negative_slope, sharpness)
    gain = act.gain if init_gain is None else finite_float(init_gain, "init_gain", low=0.0)
    dims = (d_in, *widths, d_out)
    shapes: dict[str, tuple[int, ...]] = {}
    scales: dict[str, float] = {}
    for k in range(len(dims) - 1):
        shapes[f"W{k + 1}"] = (dims[k], dims[k + 1])
        scales[f"W{k + 1}"] = gain / math.sqrt(dims[k])
        if bias:
            shapes[f"b{k + 1}"] = (dims[k + 1],)
            scales[f"b{k + 1}"] = 0.0
    sigma = act.torch_fn
    n_layers = len(dims) - 1

    def forward(params: Params, x: torch.Tensor) -> torch.Tensor:
        h = x
        for k in range(1, n_layers + 1):
            h = torch.matmul(h, params[f"W{k}"])
            if bias:
                h = h + params[f"b{k}"].unsqueeze(-2)
            if k < n_layers:
                h = sigma(h)
        return h

    homotopy = repair = smoothing = None

    def jacobian(params: Params, x: torch.Tensor) -> torch.Tensor:
        return mlp_jacobian(params, x, act, n_layers, bias)

    def gauss_newton(params: Params, x: torch.Tensor, *, out: torch.Tensor | None = None,
                     work: torch.Tensor | None = None
                     ) -> tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]:
        return mlp_gauss_newton(params, x, act, n_layers, bias, out=out, work=work)

    def readout(params: Params, x: torch.Tensor, y: torch.Tensor) -> Params:
        return solve_readout(params, x, y, sigma, n_layers, bias)

    def features(params: Params, x: torch.Tensor) -> torch.Tensor:
        return readout_features(params, x, sigma, n_layers, bias)

    def value_and_grad(params: Params, x: torch.Tensor, y: torch.Tensor, mode: str, margin: float = 1.0, *,
                       weight: torch.Tensor | None = None, out: Params | None = None, value: bool = True,
                       work: dict[Any, torch.Tensor] | None = None) -> tuple[torch.Tensor | None, Params]:
        return mlp_value_and_grad(params, x, y, act, n_layers, bias, mode, margin, weight=weight, out=out,
                                  value=value, work=work)
    if activation == "relu":
        def repair(params: Params, x: torch.Tensor) -> Params:
            return revive_dead_relu_units(params, x, n_layers, bias)

        def homotopy(s: float) -> Family:
            return mlp(d_in, widths, d_out, "leaky_relu", bias=bias, negative_slope=s, init_gain=gain)

        def smoothing(beta: float) -> Family:
            return mlp(d_in, widths, d_out, "softplus", bias=bias, sharpness=beta, init_gain=gain)

    config = {"family": "mlp", "d_in": d_in, "widths": list(widths), "d_out": d_out, "activation": activation,
              "bias": bias, "negative_slope": negative_slope, "init_gain": gain}
    if activation == "softplus":
        config["sharpness"] = float(sharpness)
    return Family(name="mlp", shapes=shapes, forward=forward, in_shape=(d_in,), out_shape=(d_out,),
                  init_scales=scales, smooth=activation in SMOOTH_ACTIVATIONS,
                  act_per_point=2 * (sum(widths) + d_out), config=config, homotopy=homotopy, smoothing=smoothing,
                  repair=repair, readout=readout, features=features,
                  readout_params=(f"W{n_layers}", f"b{n_layers}") if bias else (f"W{n_layers}",),
                  jacobian=jacobian, gauss_newton=gauss_newton, value_and_grad=value_and_grad)


@torch.no_grad()
def mlp_jacobian(params: Params, x: torch.Tensor, act: activations.Activation, n_layers: int,
                 bias: bool) -> torch.Tensor:
    """Explicit per-model Jacobian of an MLP's outputs with respect to its flat parameters.

    Backpropagates the identity over outputs: with ``δ_L = I`` and ``δ_l = σ'(h_l) ⊙ (W_{l+1} δ_{l+1})``,
    ``∂out[n, j]/∂W_l[i, k] = a_{l−1}[n, i] δ_l[n, k, j]`` and ``∂out[n, j]/∂b_l[k] = δ_l[n, k, j]``.

    Returns:
        ``(M, N·d_out, P)``, rows point-major (``n·d_out + j``), columns in the order ``W1, b1, W2, b2, …``.
    """
    m, n = x.shape[0], x.shape[1]
    acts, deltas = mlp_backprop(params, x, act, n_layers, bias)
    d_out = params[f"W{n_layers}"].shape[-1]
    blocks: list[torch.Tensor] = [None] * (2 * n_layers)  # type: ignore[list-item]
    for k in range(n_layers, 0, -1):
        delta = deltas[k - 1]  # (M, N, width_k, d_out)
        blocks[2 * (k - 1)] = torch.einsum("mni,mnkj->mnjik", acts[k - 1], delta).reshape(m, n * d_out, -1)
        if bias:
            blocks[2 * (k - 1) + 1] = delta.transpose(2, 3).reshape(m, n * d_out, -1)
    return torch.cat([b for b in blocks if b is not None], dim=2)


@torch.no_grad()
def readout_features(params: Params, x: torch.Tensor, sigma: Callable[[torch.Tensor], torch.Tensor],
                     n_layers: int, bias: bool) -> torch.Tensor:
    """The design matrix ``H`` ``(M, N, K)`` of an MLP's output layer: the last hidden layer's features
    (the inputs for ``n_layers = 1``) and, with ``bias``, a last column of ones, so ``F(X) = H [W_L; b_L]``."""
    h = x.to(params["W1"].dtype)
    for k in range(1, n_layers):
        h = torch.matmul(h, params[f"W{k}"])
        if bias:
            h = h + params[f"b{k}"].unsqueeze(-2)
        h = sigma(h)
    if bias:
        h = torch.cat([h, torch.ones_like(h[..., :1])], dim=-1)
    return h


@torch.no_grad()
def solve_readout(params: Params, x: torch.Tensor, y: torch.Tensor,
                  sigma: Callable[[torch.Tensor], torch.Tensor],
                  n_layers: int, bias: bool) -> Params:
    """Replace the last layer ``(W_L, b_L)`` by the minimum-norm least-squares fit of ``Y`` on the features.

    With features ``H = σ(…)`` of the last hidden layer (plus a column of ones with biases), solves
    ``min ‖H W_L − Y‖_F`` per model through the pseudo-inverse (batched SVD). When ``H`` has full row rank
    (e.g. N ≤ width for generic features) the fit is exact. Never increases the residual.
    """
    out = dict(params)
    h = readout_features(params, x, sigma, n_layers, bias)
    sol = torch.linalg.pinv(h) @ y.to(h.dtype)
    if bias:
        out[f"W{n_layers}"], out[f"b{n_layers}"] = sol[:, :-1], sol[:, -1]
    else:
        out[f"W{n_layers}"] = sol
    return out


@torch.no_grad()
def revive_dead_relu_units(params: Params, x: torch.Tensor, n_layers: int, bias: bool) -> Params:
    """Revive ReLU units that are inactive on every data point, without changing the network's outputs.

    A hidden unit ``k`` of layer ``l`` whose pre-activation is ≤ 0 at all N points outputs 0 and gets no
    gradient, so Gauss–Newton cannot use it. Negating its incoming weights (and bias) makes it active on every
    point (generic data), and zeroing its outgoing weights keeps the function unchanged; the optimiser can
    then grow the outgoing weights. Applied layer by layer, per model.

    Args:
        params: stacked MLP parameters (``W1 … WL``, ``b1 … bL``), each ``(M, …)``.
        x: inputs ``(M, N, d_in)``.
        n_layers: number of weight layers L.
        bias: whether the MLP has biases.

    Returns:
        New parameters (same shapes) computing the same outputs on ``x``.
    """
    out = {k: v.clone() for k, v in params.items()}
    h = x.to(out["W1"].dtype)
    for k in range(1, n_layers):
        z = torch.matmul(h, out[f"W{k}"])
        if bias:
            z = z + out[f"b{k}"].unsqueeze(-2)
        dead = (z <= 0).all(dim=1)  # (M, width)
        if bool(dead.any()):
            sign = torch.where(dead, -1.0, 1.0).to(z.dtype)
            out[f"W{k}"] = out[f"W{k}"] * sign.unsqueeze(1)
            if bias:
                out[f"b{k}"] = out[f"b{k}"] * sign
            out[f"W{k + 1}"] = out[f"W{k + 1}"] * (~dead).to(z.dtype).unsqueeze(2)
            z = z * sign.unsqueeze(1)
        h = torch.relu(z)
    return out


def square_mlp(d: int, depth: int, activation: str = "relu", *, bias: bool = False, **kwargs: Any) -> Family:
    """The capacity protocol's net: depth ``depth`` with square ``d×d`` weights (``depth=1`` is ``y = W x``).

    Raises:
        ConfigError: ``depth < 1`` or ``d < 1``.
    """
    depth = positive_int(depth, "depth")
    d = positive_int(d, "width d")
    return mlp(d, (d,) * (depth - 1), d, activation, bias=bias, **kwargs)


def perceptron(d: int, *, bias: bool = False) -> Family:
    """A single linear unit ``x ↦ wᵀx (+ b)`` with one output (for classification mode)."""
    return mlp(d, (), 1, "linear", bias=bias)


# ----------------------------------------------------------------------------------------------------------
# Registry: studies add families by name.

_REGISTRY: dict[str, Callable[..., Family]] = {}


def register_family(name: str, factory: Callable[..., Family], *, replace: bool = False) -> None:
    """Register ``factory(**kwargs) -> Family`` under ``name`` so :func:`make_family` can build it.

    Raises:
        ConfigError: ``name`` is taken (pass ``replace=True`` to overwrite).
    """
    if name in _REGISTRY and not replace:
        raise ConfigError(f"a network family named {name!r} is already registered; pass replace=True")
    _REGISTRY[name] = factory


def make_family(name: str, **kwargs: Any) -> Family:
    """Build a registered family by name (``"mlp"``, ``"square_mlp"``, ``"perceptron"``, ``"matexp"``, …).

    Raises:
        ConfigError: unknown name, or bad arguments for that family.
    """
    if name not in _REGISTRY:
        raise ConfigError(f"unknown network family {name!r}; registered: {', '.join(sorted(_REGISTRY))}")
    try:
        return _REGISTRY[name](**kwargs)
    except TypeError as exc:
        raise ConfigError(f"bad arguments for network family {name!r}: {exc}") from None


def registered_families() -> tuple[str, ...]:
    """Names accepted by :func:`make_family`."""
    return tuple(sorted(_REGISTRY))


register_family("mlp", mlp)
register_family("square_mlp", square_mlp)
register_family("perceptron", perceptron)
