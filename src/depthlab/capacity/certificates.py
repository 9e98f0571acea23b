"""Exact-fit certificates of the capacity study: the weights of every exact fit, and an independent check.

Every (cell, N) unit whose T·R attempts include exact fits writes ``OUT/certificates/<key>.npz`` (``<key>`` is the
unit's shard name, so a resumed run overwrites, never duplicates, and the file is written atomically *before* the
shard that marks the unit finished). One file holds, for the K fitted attempts of that unit (NumPy ``.npz``, no
pickled objects; read with ``np.load(path, allow_pickle=False)``): scalars ``format``
(``"depthlab-capacity-certificate/1"``), ``activation``, ``width`` d, ``depth`` L, ``bias``, ``negative_slope``
(leaky ReLU, 0.01), ``n_points`` N, ``seed`` (the cell's data-set seed), ``tol`` (1e-8), ``layout`` (e.g.
``"W1:2x2,b1:2,W2:2x2,b2:2"``), ``cell`` (its configuration, JSON) and ``key``; per fit ``trial``, ``restart``
(K,), ``theta`` (K, P) float64, ``x``, ``y`` (K, N, d) the data set itself, and ``residual`` (K,) the relative
residual the run computed (engine, float64).

**Parameter order.** ``theta`` is the concatenation of ``W1, b1, W2, b2, …, WL, bL`` (no ``b`` blocks without
biases); ``W_k`` is a (d, d) block stored row-major (C order), ``b_k`` a length-d vector. Rows of ``W_k`` act on the
layer's input: ``h_k = a_{k−1} W_k + b_k`` for row vectors ``a``, ``a_0 = x``, ``a_k = σ(h_k)`` for k < L, and
the network's output is ``F(x) = h_L`` (no σ after the last layer). The residual is ``‖F(X) − Y‖_F / ‖Y‖_F``.

**Rounding bound.** :func:`forward_numpy` evaluates ``F`` in float64 with its own code and carries an elementwise
a-priori bound ``E`` on ``|F̂ − F|`` (``F`` the exact function of the stored floats): a layer's inner product of
length d plus the bias obeys ``|fl(a W + b) − (a W + b)| ≤ γ_{d+1} (|a||W| + |b|)`` for any summation order
(Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §3.1, eq. 3.5), errors in the input
propagate through ``|W|`` and through σ with its Lipschitz constant, and σ itself is assumed evaluated to 8 ulps
(ReLU exactly). With ``m = N·d`` and ``γ_n = nu/(1 − nu)``, ``u = 2⁻⁵³``, any float64 evaluation of the residual
— ours or the engine's — lies within

    B = 1.01 · ( ‖E‖_F / ‖Y‖_F + 2 γ_{m+4} r )

of the exact residual r of the stored parameters (the 1 % covers evaluating B itself in floating point). So the
NumPy and stored residuals may differ by 2B; the mpmath residual (50 digits, exact to far below B) must lie within
B of each. A fit *verifies* when ``r_numpy + B ≤ tol`` (the exact residual is provably ≤ tol), the residuals agree
as stated, and, for d ≤ 8, the mpmath residual is ≤ tol.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from depthlab.errors import ConfigError
from depthlab.results import atomic_write_bytes

FORMAT = "depthlab-capacity-certificate/1"
CERT_DIR = "certificates"
#: Elementwise functions are assumed accurate to this many ulps (ReLU/linear are exact); 1 ulp ≤ 2u·|value|.
SIGMA_ULPS = 8
U = 2.0**-53
#: mpmath precision of the second, high-precision check, and the largest width it runs at by default.
MP_DIGITS, MP_MAX_WIDTH = 50, 8
#: Lipschitz constants of σ on R: max |σ'| (gelu: Φ(√2) + √2 φ(√2) ≈ 1.068).
_LIPSCHITZ = {"relu": 1.0, "leaky_relu": 1.0, "sigmoid": 0.25, "tanh": 1.0, "linear": 1.0, "softplus": 1.0,
              "gelu": 1.07}
_KEYS = ("format", "activation", "width", "depth", "bias", "negative_slope", "n_points", "seed", "tol", "layout",
         "cell", "key", "trial", "restart", "theta", "x", "y", "residual")


class CertificateError(ConfigError):
    """A file that is not a valid capacity certificate, or a folder without any."""


def gamma(n: int) -> float:
    """γ_n = n u / (1 − n u), u = 2⁻⁵³ (Higham 2002, §3.1)."""
    return n * U / (1.0 - n * U)


def expected_layout(depth: int, width: int, bias: bool) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The documented parameter layout: ``W1 (d, d), [b1 (d,)], …, WL (d, d), [bL (d,)]``."""
    out: list[tuple[str, tuple[int, ...]]] = []
    for k in range(1, depth + 1):
        out.append((f"W{k}", (width, width)))
        if bias:
            out.append((f"b{k}", (width,)))
    return tuple(out)


def layout_string(layout: Sequence[tuple[str, Sequence[int]]]) -> str:
    """``"W1:8x8,b1:8,…"`` from ``((name, shape), …)``."""
    return ",".join(f"{name}:{'x'.join(str(int(s)) for s in shape)}" for name, shape in layout)


def certificate_path(root: str | Path, key: str) -> Path:
    """``<root>/certificates/<key>.npz``."""
    return Path(root) / CERT_DIR / f"{key}.npz"


def write_certificate(root: str | Path, key: str, cell: Mapping[str, Any], n_points: int, *,
                      residual: np.ndarray, success: np.ndarray, theta: np.ndarray, x: np.ndarray,
                      y: np.ndarray, layout: Sequence[tuple[str, Sequence[int]]],
                      negative_slope: float = 0.01, trials: Sequence[int] | None = None) -> Path | None:
    """Write the fitted attempts of one (cell, N) unit atomically; ``None`` (no file) when none fitted.

    Args:
        root: the run folder (the shards' root).
        key: the unit's shard key.
        cell: the cell's configuration (:meth:`CellConfig.as_dict`: depth, width, activation, bias, seed, tol …).
        n_points: N.
        residual, success: (T, R) relative residuals and exact-fit flags.
        theta: (T, R, P) flat float64 parameters in the order of ``layout``.
        x, y: (T, N, d) the data sets.
        layout: ``((name, shape), …)`` of the family that produced ``theta``.
        trials: the data-set number of each of the T rows (default ``0 … T − 1``; a unit fitting data sets
            ``a … b − 1`` of a cell passes them, so ``trial`` matches its shard's rows).
    """
    t_idx, r_idx = np.nonzero(np.asarray(success, dtype=bool))
    if t_idx.size == 0:
        return None
    arrays = {
        "format": np.array(FORMAT), "activation": np.array(str(cell["activation"])),
        "width": np.array(int(cell["width"])), "depth": np.array(int(cell["depth"])),
        "bias": np.array(bool(cell["bias"])), "negative_slope": np.array(float(negative_slope)),
        "n_points": np.array(int(n_points)), "seed": np.array(int(cell["seed"])), "tol": np.array(float(cell["tol"])),
        "layout": np.array(layout_string(layout)), "cell": np.array(json.dumps(dict(cell), sort_keys=True)),
        "key": np.array(str(key)),
        "trial": (t_idx if trials is None else np.asarray(trials, dtype=np.int64)[t_idx]).astype(np.int64),
        "restart": r_idx.astype(np.int64),
        "theta": np.asarray(theta, dtype=np.float64)[t_idx, r_idx],
        "x": np.asarray(x, dtype=np.float64)[t_idx], "y": np.asarray(y, dtype=np.float64)[t_idx],
        "residual": np.asarray(residual, dtype=np.float64)[t_idx, r_idx],
    }
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    path = certificate_path(root, key)
    atomic_write_bytes(path, buf.getvalue())
    return path


@dataclass(frozen=True)
class Certificate:
    """One loaded certificate file (see the module docstring for the fields)."""

    path: Path
    activation: str
    width: int
    depth: int
    bias: bool
    negative_slope: float
    n_points: int
    seed: int
    tol: float
    key: str
    trial: np.ndarray
    restart: np.ndarray
    theta: np.ndarray
    x: np.ndarray
    y: np.ndarray
    residual: np.ndarray

    @property
    def label(self) -> str:
        return f"L={self.depth} d={self.width} {self.activation}{'+b' if self.bias else ''} N={self.n_points}"


def load_certificate(path: str | Path) -> Certificate:
    """Read and check one certificate.

    Raises:
        CertificateError: not an NPZ file, a missing array, the wrong format tag, a layout other than the
            documented one, inconsistent shapes, or non-finite numbers.
    """
    path = Path(path)
    bad = f"{path} is not a capacity certificate"
    if not zipfile.is_zipfile(path):
        raise CertificateError(f"{bad} (not a NumPy .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in _KEYS if k not in z.files]
            if missing:
                raise CertificateError(f"{bad}: missing array(s) {', '.join(missing)}")
            a = {k: z[k] for k in _KEYS}
    except CertificateError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise CertificateError(f"{bad} (cannot read it as NumPy .npz: {exc})") from None
    try:
        if str(a["format"]) != FORMAT:
            raise CertificateError(f"{bad}: format {str(a['format'])!r}, expected {FORMAT!r}")
        act, d, L, b = str(a["activation"]), int(a["width"]), int(a["depth"]), bool(a["bias"])
        if act not in _LIPSCHITZ:
            raise CertificateError(f"{bad}: unknown activation {act!r} (known: {', '.join(_LIPSCHITZ)})")
        want = layout_string(expected_layout(L, d, b))
        if str(a["layout"]) != want:
            raise CertificateError(f"{bad}: parameter layout {str(a['layout'])!r}, expected {want!r}")
        n, k = int(a["n_points"]), a["theta"].shape[0]
        if a["theta"].ndim != 2 or k == 0:
            raise CertificateError(f"{bad}: theta must hold at least one fit, shape (K ≥ 1, P)")
        p = L * d * d + (L * d if b else 0)
        shapes = {"theta": (k, p), "x": (k, n, d), "y": (k, n, d), "residual": (k,), "trial": (k,),
                  "restart": (k,)}
        for name, shape in shapes.items():
            if a[name].shape != shape:
                raise CertificateError(f"{bad}: {name} has shape {a[name].shape}, expected {shape}")
        for name in ("theta", "x", "y"):
            if a[name].dtype != np.float64 or not np.isfinite(a[name]).all():
                raise CertificateError(f"{bad}: {name} must be finite float64")
        return Certificate(path, act, d, L, b, float(a["negative_slope"]), n, int(a["seed"]), float(a["tol"]),
                           str(a["key"]), a["trial"].astype(np.int64), a["restart"].astype(np.int64),
                           a["theta"], a["x"], a["y"], a["residual"].astype(np.float64))
    except (TypeError, ValueError, IndexError) as exc:
        raise CertificateError(f"{bad}: {exc}") from None


def unflatten(theta: np.ndarray, depth: int, width: int, bias: bool) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """``theta`` (P,) → ``[(W1, b1), …, (WL, bL)]`` per the documented layout (``b`` is ``None`` without biases)."""
    out, at = [], 0
    for _ in range(depth):
        w = theta[at:at + width * width].reshape(width, width)
        at += width * width
        bv = None
        if bias:
            bv = theta[at:at + width]
            at += width
        out.append((w, bv))
    return out


def _sigma_np(act: str, h: np.ndarray, slope: float) -> tuple[np.ndarray, np.ndarray]:
    """σ(h) in float64 and its evaluation-error bound (absolute, elementwise)."""
    ulp = 2.0 * SIGMA_ULPS * U
    with np.errstate(over="ignore", under="ignore"):
        if act == "relu":
            return np.maximum(h, 0.0), np.zeros_like(h)
        if act == "linear":
            return h.copy(), np.zeros_like(h)
        if act == "leaky_relu":
            v = np.where(h > 0, h, slope * h)
            return v, U * np.abs(v)
        if act == "tanh":
            v = np.tanh(h)
        elif act == "sigmoid":
            v = 1.0 / (1.0 + np.exp(-h))
        elif act == "softplus":  # torch returns h for h > 20, which is off by log1p(e^{−h}) ≤ e^{−h}
            v = np.logaddexp(0.0, h)
            return v, ulp * np.abs(v) + np.where(h > 20.0, np.exp(-np.minimum(h, 700.0)), 0.0)
        elif act == "gelu":
            erf = np.vectorize(math.erf, otypes=[np.float64])
            v = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)))
            return v, ulp * (np.abs(v) + np.abs(h))
        else:  # pragma: no cover - load_certificate refuses other names
            raise CertificateError(f"unknown activation {act!r}")
    return v, ulp * np.abs(v)


def forward_numpy(cert: Certificate, i: int) -> tuple[np.ndarray, np.ndarray]:
    """F(X) (N, d) of fit ``i`` in float64 and the elementwise bound E ≥ |F̂ − F| (module docstring)."""
    layers = unflatten(cert.theta[i], cert.depth, cert.width, cert.bias)
    g = gamma(cert.width + 1)
    lip = _LIPSCHITZ[cert.activation]
    a = cert.x[i]
    e = np.zeros_like(a)
    for k, (w, b) in enumerate(layers, start=1):
        aw = np.abs(w)
        h = a @ w + (b if b is not None else 0.0)
        e_h = e @ aw + g * (np.abs(a) @ aw + (np.abs(b) if b is not None else 0.0))
        if k == cert.depth:
            return h, e_h
        a, e_act = _sigma_np(cert.activation, h, cert.negative_slope)
        e = lip * e_h + e_act
    raise AssertionError("unreachable")  # pragma: no cover


def residual_numpy(cert: Certificate, i: int) -> tuple[float, float]:
    """(relative residual in float64, its rounding bound B) of fit ``i``."""
    f, e = forward_numpy(cert, i)
    y = cert.y[i]
    ny = float(np.linalg.norm(y))
    r = float(np.linalg.norm(f - y)) / ny
    m = f.size
    return r, 1.01 * (float(np.linalg.norm(e)) / ny + 2.0 * gamma(m + 4) * r)


def residual_mpmath(cert: Certificate, i: int, digits: int = MP_DIGITS) -> float:
    """The relative residual of fit ``i`` evaluated in mpmath with ``digits`` significant digits."""
    import mpmath

    with mpmath.workdps(digits):
        slope = mpmath.mpf(cert.negative_slope)
        sig = {
            "relu": lambda v: v if v > 0 else mpmath.mpf(0),
            "leaky_relu": lambda v: v if v > 0 else slope * v,
            "linear": lambda v: v,
            "tanh": mpmath.tanh,
            "sigmoid": lambda v: 1 / (1 + mpmath.exp(-v)),
            "softplus": lambda v: mpmath.log1p(mpmath.exp(v)),
            "gelu": lambda v: v * (1 + mpmath.erf(v / mpmath.sqrt(2))) / 2,
        }[cert.activation]
        layers = unflatten(cert.theta[i], cert.depth, cert.width, cert.bias)
        d = cert.width
        num = den = mpmath.mpf(0)
        for row, target in zip(cert.x[i], cert.y[i], strict=True):
            a = [mpmath.mpf(float(v)) for v in row]
            for k, (w, b) in enumerate(layers, start=1):
                h = [mpmath.fsum(a[p] * mpmath.mpf(float(w[p, q])) for p in range(d))
                     + (mpmath.mpf(float(b[q])) if b is not None else 0) for q in range(d)]
                a = h if k == cert.depth else [sig(v) for v in h]
            for q in range(d):
                t = mpmath.mpf(float(target[q]))
                num += (a[q] - t) ** 2
                den += t**2
        return float(mpmath.sqrt(num / den))


@dataclass
class FileReport:
    """Verification of one certificate file: per-fit residuals, bounds and the reasons for any failure."""

    path: Path
    label: str
    tol: float
    stored: np.ndarray
    numpy: np.ndarray
    bound: np.ndarray
    mp: np.ndarray | None
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def checks(self, mp: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per-fit pass masks of the verify rule (one place for it; :func:`verify_certificate` words them):
        ``float64`` (NumPy residual + B ≤ tol), ``numpy_agrees`` (|NumPy − stored| ≤ 2B), ``mp_within``
        (mpmath ≤ tol) and ``mp_agrees`` (mpmath within B of both). ``mp`` defaults to the report's mpmath
        residuals; a NaN entry (not computed) passes both mpmath checks."""
        mp = self.mp if mp is None else mp
        mp = np.full(self.stored.shape, np.nan) if mp is None else mp
        s, r, b = self.stored, self.numpy, self.bound
        return {"float64": r + b <= self.tol, "numpy_agrees": np.abs(r - s) <= 2 * b, "mp_within": ~(mp > self.tol),
                "mp_agrees": ~((np.abs(mp - s) > b) | (np.abs(mp - r) > b))}

    def as_dict(self) -> dict[str, Any]:
        return {"file": str(self.path), "cell": self.label, "fits": int(self.stored.size), "tol": self.tol,
                "max_stored": float(self.stored.max()), "max_numpy": float(self.numpy.max()),
                "max_mpmath": None if self.mp is None else float(self.mp.max()),
                "max_numpy_vs_stored": float(np.abs(self.numpy - self.stored).max()),
                "max_bound": float(self.bound.max()), "ok": self.ok, "failures": self.failures}


def verify_certificate(cert: Certificate, *, tol: float | None = None, mp_max_width: int = MP_MAX_WIDTH,
                       digits: int = MP_DIGITS) -> FileReport:
    """Recompute every fit of ``cert`` (NumPy, and mpmath when d ≤ ``mp_max_width``) and judge it.

    Args:
        cert: a loaded certificate.
        tol: the threshold to verify against (default: the certificate's own ``tol``).
        mp_max_width: run the mpmath check when d ≤ this (0: never).
        digits: mpmath precision.
    """
    tol = cert.tol if tol is None else float(tol)
    k = cert.theta.shape[0]
    rn, bd = np.empty(k), np.empty(k)
    for i in range(k):
        rn[i], bd[i] = residual_numpy(cert, i)
    mp = np.array([residual_mpmath(cert, i, digits) for i in range(k)]) if cert.width <= mp_max_width else None
    rep = FileReport(cert.path, cert.label, tol, cert.residual, rn, bd, mp)
    ok = rep.checks()
    for i in range(k):
        who = f"fit (trial {cert.trial[i]}, restart {cert.restart[i]})"
        s, r, b = cert.residual[i], rn[i], bd[i]
        if not ok["float64"][i]:
            exact = (f"; mpmath gives {mp[i]:.3e} ≤ tol: the stored weights fit in exact arithmetic, but a float64 "
                     "forward pass is not guaranteed within tol (ill-conditioned weights)"
                     if mp is not None and mp[i] <= tol and r <= tol else "")
            rep.failures.append(f"{who}: NumPy residual {r:.3e} (+ bound {b:.1e}) exceeds tol {tol:g}{exact}")
        if not ok["numpy_agrees"][i]:
            rep.failures.append(f"{who}: NumPy residual {r:.6e} differs from the stored {s:.6e} by "
                                f"{abs(r - s):.1e} > 2B = {2 * b:.1e}")
        if mp is not None:
            if not ok["mp_within"][i]:
                rep.failures.append(f"{who}: mpmath residual {mp[i]:.3e} exceeds tol {tol:g}")
            if not ok["mp_agrees"][i]:
                rep.failures += [f"{who}: mpmath residual {mp[i]:.6e} differs from the {name} {v:.6e} by "
                                 f"{abs(mp[i] - v):.1e} > B = {b:.1e}"
                                 for name, v in (("stored", s), ("NumPy", r)) if not abs(mp[i] - v) <= b]
    return rep


def certificate_files(path: str | Path) -> list[Path]:
    """The certificate files under ``path``: one file; the files of ``path/certificates`` (a run folder) or of
    ``path`` itself when it is a certificates folder; else of every ``certificates`` folder below ``path`` (e.g.
    a ``depthlab reproduce`` output), else the ``.npz`` files directly in ``path``.

    Raises:
        CertificateError: the path does not exist or holds no certificate file.
    """
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise CertificateError(f"{path} does not exist: give a run folder (capacity run/grid --out) or a file")
    if (path / CERT_DIR).is_dir():
        folders = [path / CERT_DIR]
    elif path.name == CERT_DIR:
        folders = [path]
    else:
        folders = sorted(p for p in path.rglob(CERT_DIR) if p.is_dir())
    files = sorted(p for f in folders for p in f.iterdir() if p.is_file() and not p.name.startswith("."))
    if not folders:  # a folder of collected certificates: only its .npz files are candidates
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix == ".npz")
    if not files:
        raise CertificateError(f"no certificates in {path}: expected {path / CERT_DIR}/*.npz, written by "
                               "`depthlab capacity run --out DIR` or `capacity grid --out DIR` for every exact fit")
    return files
