"""Shared pieces of the angle simulators: input checks, seeded block draws, robust angle measurement, results.

Both simulators (:mod:`depthlab.angles.montecarlo`, the full network, and
:mod:`depthlab.angles.markov`, the exact
O(n)-per-layer reduction) follow the setting of Jakub & Nica (arXiv 2302.09712, JMLR 25(239) 2024, Table 2):

* two unit inputs ``x_α = e_1`` and ``x_β = cos θ_0 e_1 + sin θ_0 e_2``;
* ``z^1 = W^1 x`` and ``z^{ℓ+1} = (σ_w/√n_ℓ) W^{ℓ+1} φ(z^ℓ) (+ σ_b b^{ℓ+1})`` with i.i.d. N(0, 1)
  weights
  (σ_w = √2, σ_b = 0, φ = ReLU is the paper's bias-free He network);
* ``θ_ℓ`` is the angle between the **post-activation** vectors ``φ(z^ℓ(x_α))`` and ``φ(z^ℓ(x_β))``;
  ``θ_0`` is the
  input angle.

Randomness: networks (or chain paths) are grouped into fixed seed blocks of :data:`BLOCK` consecutive indices, and
block ``k``'s draws at layer ``ℓ`` come from a generator seeded by ``(seed, stream, k, ℓ)``
(:func:`depthlab.seeding.seed_sequence`). Network ``m``'s weights therefore depend only on ``(seed, m)`` — never on
how many networks are simulated or how they are chunked.

The generator depends on where the draws land (:func:`fill_normal`): float64 on CPU uses NumPy's SFC64 bit
generator with its ziggurat normal sampler (about 2.3× the rate of ``torch.Tensor.normal_`` in float64 on one
core, see docs/performance.md), drawn straight into the tensor's memory; float32 and CUDA tensors use
:class:`torch.Generator` (faster there). All are exact N(0, 1) samplers, so the law of every simulated quantity is
the same; the samples differ between the two paths (as they always did between CPU and CUDA).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import torch

from depthlab.activations import Activation, get
from depthlab.device import resolve_device
from depthlab.errors import InputError
from depthlab.seeding import seed_sequence, torch_seed
from depthlab.validate import finite_float, positive_int

#: Networks/paths per seed block (see module docstring). Part of the method: changing it changes the
# draws.
BLOCK = 64


def check_theta0(theta0: Any) -> float:
    """The input angle θ_0 as a float in [0, π]; a clear :class:`~depthlab.errors.InputError`
    otherwise."""
    try:
        x = float(theta0)
    except (TypeError, ValueError):
        raise InputError(f"theta0 must be a number in [0, π], got {theta0!r}") from None
    if not math.isfinite(x) or x < 0.0 or x > math.pi:
        raise InputError(f"theta0 must be an angle in [0, π] (radians), got {theta0!r}")
    return x


def check_widths(widths: Sequence[int] | int, depth: int | None = None) -> tuple[int, ...]:
    """Layer widths ``(n_1, …, n_L)`` as a tuple of ints ≥ 2.

    ``widths`` is either one int (every layer) together with ``depth``, or a sequence with one width per layer
    (``depth`` then must be None or equal to its length).

    Raises:
        InputError: a width below 2 (an angle between two vectors needs at least 2 neurons), depth < 1, or a
            length mismatch.
    """
    if isinstance(widths, int | np.integer) and not isinstance(widths, bool):
        if depth is None:
            raise InputError("give depth together with a single width, or one width per layer")
        if int(depth) < 1 or isinstance(depth, bool):
            raise InputError(f"depth must be ≥ 1, got {depth}")
        widths = (int(widths),) * int(depth)
    try:
        out = tuple(int(w) for w in widths)
    except (TypeError, ValueError):
        raise InputError(f"widths must be integers, got {widths!r}") from None
    if not out:
        raise InputError("depth must be ≥ 1 (got an empty list of widths)")
    if depth is not None and len(out) != int(depth):
        raise InputError(f"got {len(out)} widths for depth {depth}; give one width per layer")
    bad = [w for w in out if w < 2]
    if bad:
        raise InputError(f"every width must be ≥ 2 (the angle needs two neurons), got {bad[0]}")
    return out


def check_networks(networks: Any) -> int:
    """Number of networks/paths, an int ≥ 1."""
    return positive_int(networks, "networks")


def check_bias(sigma_b: Any) -> float:
    return finite_float(sigma_b, "sigma_b", low=0.0)


class SimArgs(NamedTuple):
    """The validated arguments shared by the full-network and Markov-chain simulators."""

    theta0: float
    widths: tuple[int, ...]
    networks: int
    sigma_b: float
    activation: Activation
    gain: float
    device: torch.device


def simulation_args(theta0: Any, widths: Any, depth: int | None, networks: Any, sigma_b: Any,
                    activation: str | Activation, sigma_w: float | None, device: str | torch.device) -> SimArgs:
    """Validate the simulators' common arguments; ``gain`` is ``sigma_w`` or the activation's default σ_w."""
    act = get(activation)
    return SimArgs(check_theta0(theta0), check_widths(widths, depth), check_networks(networks),
                   check_bias(sigma_b), act, act.gain if sigma_w is None else float(sigma_w),
                   resolve_device(device))


def block_generator(seed: int, stream: int, block: int, layer: int, device: torch.device) -> torch.Generator:
    """Generator of seed block ``block`` at layer ``layer`` (``stream`` separates the simulators)."""
    gen = torch.Generator(device=device)
    gen.manual_seed(torch_seed(int(seed), int(stream), int(block), int(layer)))
    return gen


def numpy_block_generator(seed: int, stream: int, block: int, layer: int) -> np.random.Generator:
    """NumPy generator (SFC64) of seed block ``block`` at layer ``layer``; used for float64 draws on CPU."""
    return np.random.Generator(np.random.SFC64(seed_sequence(int(seed), int(stream), int(block), int(layer))))


def fill_normal(out: torch.Tensor, seed: int, stream: int, first_block: int, layer: int,
                generator: str = "auto") -> torch.Tensor:
    """Fill ``out`` ``(blocks·BLOCK, …)`` in place with N(0, 1), block ``first_block + j`` in rows
    ``j·BLOCK …``.

    ``generator="auto"``: a contiguous float64 CPU tensor is filled through NumPy (SFC64, ziggurat) writing into
    the tensor's own memory, any other tensor through :func:`block_generator` (see the module docstring);
    ``"torch"`` forces the latter (the draws of releases before the NumPy path, kept for the law tests).
    """
    nblocks = out.shape[0] // BLOCK
    numpy_path = (generator == "auto" and out.device.type == "cpu" and out.dtype == torch.float64
                  and out.is_contiguous())
    for j in range(nblocks):
        rows = out[j * BLOCK : (j + 1) * BLOCK]
        if numpy_path:
            numpy_block_generator(seed, stream, first_block + j, layer).standard_normal(out=rows.numpy())
        else:
            rows.normal_(generator=block_generator(seed, stream, first_block + j, layer, out.device))
    return out


def pair_stats(a: torch.Tensor, b: torch.Tensor, *, need_d2: bool = True) -> dict[str, torch.Tensor]:
    """Gram statistics of vector pairs ``a, b`` of shape ``(P, n)``, each ``(P,)``, divided by n.

    ``sin2`` is computed robustly as ``|b − (a·b/|a|²) a|² / |b|²`` (no cancellation in ``1 − cos²``), so angles
    down to ~1e-15 are resolved in float64; ``d2 = |a − b|²/n`` (only with ``need_d2``). A zero vector gives NaN
    angles. Norms are fused reductions and the dot product a batched BLAS dot, so the only ``(P, n)`` temporary
    is the residual ``r`` (and ``a − b`` for ``d2``).
    """
    n = a.shape[-1]
    aa = torch.linalg.vector_norm(a, dim=-1).square()
    bb = torch.linalg.vector_norm(b, dim=-1).square()
    ab = torch.bmm(a.unsqueeze(-2), b.unsqueeze(-1)).reshape(aa.shape)
    coef = ab / aa
    r = torch.addcmul(b, coef.unsqueeze(-1), a, value=-1.0)
    sin2 = (torch.linalg.vector_norm(r, dim=-1).square() / bb).clamp(0.0, 1.0)
    cos = ab / torch.sqrt(aa * bb)
    theta = torch.atan2(torch.sqrt(sin2), cos)
    out = {"k11": aa / n, "k22": bb / n, "k12": ab / n, "sin2": sin2, "theta": theta}
    if need_d2:
        out["d2"] = torch.linalg.vector_norm(a - b, dim=-1).square() / n
    return out


@dataclass
class AngleRun:
    """The angles of M simulated networks (or chain paths) at every layer.

    Attributes:
        theta: ``(M, L+1)`` float64 — column 0 is θ_0, column ℓ the post-activation angle at layer ℓ (NaN if a
            layer's output vector was exactly zero).
        sin2: ``(M, L+1)`` float64 sin²θ_ℓ (robustly computed; exactly 0 for a collapsed pair).
        widths: ``(n_1, …, n_L)``.
        theta0: the input angle.
        method: ``"full"`` or ``"markov"``.
        seed: root seed.
        activation, sigma_w, sigma_b: the network.
        seconds: wall time of the simulation.
        device: where it ran.
    """

    theta: np.ndarray
    sin2: np.ndarray
    widths: tuple[int, ...]
    theta0: float
    method: str
    seed: int
    activation: str = "relu"
    sigma_w: float = math.sqrt(2.0)
    sigma_b: float = 0.0
    seconds: float = 0.0
    device: str = "cpu"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def networks(self) -> int:
        return int(self.theta.shape[0])

    @property
    def depth(self) -> int:
        return len(self.widths)

    @property
    def log_sin2(self) -> np.ndarray:
        """``(M, L+1)`` ln sin²θ_ℓ (−inf for collapsed pairs, NaN for dead layers)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(self.sin2)

    def collapsed(self) -> np.ndarray:
        """``(L+1,)`` number of paths with sin²θ_ℓ = 0 exactly or an undefined angle (excluded from the
        stats)."""
        return (~np.isfinite(self.log_sin2)).sum(axis=0)

    def mean_log_sin2(self) -> np.ndarray:
        """``(L+1,)`` mean of ln sin²θ_ℓ over the paths where it is finite."""
        x = self.log_sin2
        ok = np.isfinite(x)
        return np.where(ok, x, 0.0).sum(0) / np.maximum(ok.sum(0), 1)

    def sd_log_sin2(self) -> np.ndarray:
        """``(L+1,)`` sample SD (ddof=1) of ln sin²θ_ℓ over the finite paths."""
        x = self.log_sin2
        ok = np.isfinite(x)
        cnt = ok.sum(0)
        m = self.mean_log_sin2()
        ss = np.where(ok, (x - m) ** 2, 0.0).sum(0)
        return np.sqrt(ss / np.maximum(cnt - 1, 1))

    def sem_log_sin2(self) -> np.ndarray:
        """``(L+1,)`` Monte Carlo standard error of :meth:`mean_log_sin2`."""
        cnt = np.isfinite(self.log_sin2).sum(0)
        return self.sd_log_sin2() / np.sqrt(np.maximum(cnt, 1))

    def layer(self, ell: int) -> np.ndarray:
        """The finite ln sin²θ_ℓ samples at layer ``ell`` (for KS tests and histograms)."""
        x = self.log_sin2[:, ell]
        return x[np.isfinite(x)]

    def summary(self) -> dict[str, Any]:
        """JSON-able per-layer summary."""
        return {
            "method": self.method,
            "widths": list(self.widths),
            "theta0": self.theta0,
            "networks": self.networks,
            "seed": self.seed,
            "activation": self.activation,
            "sigma_w": self.sigma_w,
            "sigma_b": self.sigma_b,
            "mean_log_sin2": self.mean_log_sin2().tolist(),
            "sd_log_sin2": self.sd_log_sin2().tolist(),
            "sem_log_sin2": self.sem_log_sin2().tolist(),
            "mean_theta": np.nanmean(self.theta, axis=0).tolist(),
            "collapsed": self.collapsed().tolist(),
            "seconds": self.seconds,
            "device": self.device,
        }


def initial_pair(
    theta0: float,
    n1: int,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """First-layer pre-activations from the two unit inputs.

    ``w`` is ``(P, n_1, 2)``: the two columns of W^1 that meet ``x_α = e_1`` and ``x_β = cos θ_0 e_1 + sin θ_0 e_2``
    (the other input columns multiply zeros, so drawing them would not change anything). Returns ``(P, n_1)`` each.
    """
    za = w[..., 0]
    zb = math.cos(theta0) * w[..., 0] + math.sin(theta0) * w[..., 1]
    if bias is not None:
        za = za + bias
        zb = zb + bias
    return za, zb


ChunkFn = Callable[[int, int], tuple[torch.Tensor, torch.Tensor]]


def run_blocks(chunk_fn: ChunkFn, m_total: int, chunk: int, device: torch.device, *, description: str = "",
               progress: bool = False, **meta: Any) -> AngleRun:
    """Drive a simulator over seed blocks and assemble its :class:`AngleRun`.

    ``chunk_fn(first_block, nblocks)`` returns ``(theta, sin2)`` of shape ``(nblocks·BLOCK, L+1)`` for the
    networks in blocks ``first_block … first_block + nblocks − 1``; blocks are packed ``chunk // BLOCK`` at a
    time, which never changes the results (network m depends only on (seed, m)). ``meta`` goes to the run.
    """
    if chunk < BLOCK or chunk % BLOCK:
        raise InputError(f"chunk must be a positive multiple of {BLOCK}, got {chunk}")
    nblocks = -(-m_total // BLOCK)
    per = chunk // BLOCK
    starts: Iterable[int] = range(0, nblocks, per)
    if progress:
        from depthlab.progress import track

        starts = track(starts, description)
    t0 = time.perf_counter()
    thetas, sin2s = [], []
    for b0 in starts:
        th, s2 = chunk_fn(b0, min(per, nblocks - b0))
        thetas.append(th)
        sin2s.append(s2)
    from depthlab.device import synchronize

    synchronize(device)
    seconds = time.perf_counter() - t0
    return new_result(torch.cat(thetas)[:m_total], torch.cat(sin2s)[:m_total], seconds=seconds,
                      device=str(device), **meta)


def new_result(theta: torch.Tensor, sin2: torch.Tensor, **kw: Any) -> AngleRun:
    return AngleRun(
        theta=theta.cpu().numpy().astype(np.float64), sin2=sin2.cpu().numpy().astype(np.float64), **kw
    )
