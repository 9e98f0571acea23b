"""The geometry claim, tested: are robust-ensemble (replicated) solutions flatter than plain ones, and ReLU
ones flatter than sign ones?

Paper: Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), abstract: most solutions of ReLU committee machines
are isolated, but rare dense regions exist, much denser for ReLU than for threshold (sign) units, and solutions
there are robust to weight and input perturbations. Those dense regions are what robust-ensemble / local-entropy
algorithms target (Baldassi et al., PNAS 113, E7655 (2016), abstract and eq. (4); Baldassi, Pittorino &
Zecchina, PNAS 117, 161 (2020), abstract: "wide flat minima").

For continuous (spherical) weights and each *case* (activation, K, α), one set of storage problems is solved twice:

* **plain**: the engine's Adam (``adam-engine``, one start per problem; the study's training algorithm);
* **robust**: the engine's ``replicated`` solver (y elastically coupled mini-batch replicas per problem,
  :mod:`depthlab.engine.replicated`). *The solution* is the **solving replica nearest the replicas' centre**
  (largest mean per-unit overlap with the normalised centre). Not the centre itself: the solver stops as soon as
  any replica stores every pattern, and at that moment the centre was a solution for only 1 of 12 problems on the
  tuning data (ReLU K = 4, N = 60, α = 1, mini-batches), so a centre rule would either discard most problems or
  compare non-solutions (non-zero energy at d = 0) with solutions. The nearest-to-centre replica is the
  solution closest to where the robust ensemble concentrates. Whether the centre solved is recorded
  (``centre_solved``), and so is the replicas' mutual overlap at the stop (``replica_overlap``), a
  local-entropy indicator: replicas that stay far apart while each solves sit in a wide region.

Both solutions are measured with the functions of :mod:`depthlab.committee.robustness`: the local energy (mean
training-error fraction at normalised distance d along random directions, :func:`distance_profile`), the fraction
of those random points that still solve (a Monte Carlo local-entropy proxy), and input noise
(:func:`input_noise_errors`). Cases: ReLU K = 4 and sign K = 3 at the same α (**equal α**), and sign K = 3 at the α
that gives it the same load α/α_RS as the ReLU case (**equal load**), α_RS from the study's replica calculator
(:func:`depthlab.committee.theory.alpha_rs`, ties = errors; both are finite at these K: 2.4745 and 4.0252).

Hyper-parameters (:class:`GeometrySettings`) were chosen on tuning data with keys ``tune/1000/…`` (12 problems
per case at N = 60: ReLU K = 4 at α = 1; sign K = 3 at α = 1 and 1.63), never on the evaluation keys
``committee-geometry/<seed>/…``; the reference distance of the claims is fixed in
:mod:`depthlab.committee.claims.geometry` (``GEOMETRY_D``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from depthlab.committee.model import (
    CommitteeSpec,
    adjusted_N,
    check_alpha,
    check_solutions,
    make_instances,
    n_patterns,
    project_sphere,
    repeat_machines,
)
from depthlab.committee.robustness import distance_profile, input_noise_errors
from depthlab.validate import finite_float, positive_int

#: The machines compared (activation, K): ReLU first, as in :data:`depthlab.committee.scales.ROBUST_MACHINES`.
GEOMETRY_MACHINES: tuple[tuple[str, int], tuple[str, int]] = (("relu", 4), ("sign", 3))
PLAIN, ROBUST, UNCOUPLED = "adam-engine", "replicated", "replicated-uncoupled"


@dataclasses.dataclass(frozen=True)
class GeometrySettings:
    """Training and measuring knobs of the geometry comparison (fixed before the evaluation run).

    Attributes:
        steps: step budget of both algorithms; lr: their Adam learning rate (margin 0.1, leak 0.5, β = 1 as in
            the study's Adam).
        replicas: y, coupled replicas per problem; gamma0, gamma1: coupling γ_t = γ0 (1 + γ1)^t;
            batch_fraction: mini-batch size as a fraction of P (B = max(1, round(fraction·P))).
        distances: normalised distances d of the local-energy curve; input_sigmas: input-noise levels.
        draws: random directions (or noise draws) per solution and level.
        control: also train the replicas uncoupled (γ = 0; same starts, mini-batches and steps), so that the
            effect of the coupling is told apart from that of mini-batch noise and of picking one of y runs.
    """

    steps: int = 2000
    lr: float = 0.1
    replicas: int = 5
    gamma0: float = 1e-3
    gamma1: float = 3e-3
    batch_fraction: float = 0.2
    distances: tuple[float, ...] = (0.0, 0.002, 0.005, 0.01, 0.02, 0.05)
    input_sigmas: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0)
    draws: int = 16
    control: bool = True

    def __post_init__(self) -> None:
        positive_int(self.steps, "steps")
        positive_int(self.replicas, "replicas")
        positive_int(self.draws, "draws")
        finite_float(self.lr, "lr", low=0.0, low_open=True)
        finite_float(self.gamma0, "gamma0", low=0.0)
        finite_float(self.gamma1, "gamma1", low=0.0)
        finite_float(self.batch_fraction, "batch_fraction", low=0.0, low_open=True, high=1.0)

    def batch(self, P: int) -> int:
        return max(1, round(self.batch_fraction * P))


def cases(alpha: float) -> list[dict]:
    """The compared cases: ReLU and sign at ``alpha`` (equal α), and sign at α·α_RS(sign)/α_RS(ReLU) (equal
    load α/α_RS). Each: ``activation, K, alpha, alpha_rs, load, comparison``."""
    from depthlab.committee.theory import alpha_rs

    alpha = check_alpha(alpha)
    (ra, rk), (sa, sk) = GEOMETRY_MACHINES
    rs_r, rs_s = float(alpha_rs(ra, "spherical", rk)), float(alpha_rs(sa, "spherical", sk))
    a_load = round(alpha * rs_s / rs_r, 4)
    return [{"activation": ra, "K": rk, "alpha": alpha, "alpha_rs": rs_r, "comparison": "both"},
            {"activation": sa, "K": sk, "alpha": alpha, "alpha_rs": rs_s, "comparison": "equal-alpha"},
            {"activation": sa, "K": sk, "alpha": a_load, "alpha_rs": rs_s, "comparison": "equal-load"}]


def _overlaps(W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``W (M, y, K, n)`` → per-problem mean pairwise replica overlap ``(M,)`` and overlap of each replica with
    the normalised centre ``(M, y)`` (both averaged over units)."""
    hat = W / W.norm(dim=-1, keepdim=True)
    y = W.shape[1]
    c = hat.mean(1)
    c = c / c.norm(dim=-1, keepdim=True)
    qc = torch.einsum("myki,mki->myk", hat, c).mean(-1)
    if y < 2:
        return torch.ones(W.shape[0], dtype=W.dtype), qc
    q = torch.einsum("maki,mbki->mabk", hat, hat).mean(-1)
    iu = torch.triu_indices(y, y, 1)
    return q[:, iu[0], iu[1]].mean(-1), qc


def _replicated(spec: CommitteeSpec, X: torch.Tensor, Y: torch.Tensor, key: str, settings: GeometrySettings,
                gamma0: float, gamma1: float, device: torch.device | str) -> dict[str, torch.Tensor]:
    """y replicas per problem with coupling (γ0, γ1): the solving replica nearest the centre (else replica 0),
    whether any replica solved, whether the centre solves, and the mean pairwise replica overlap."""
    from depthlab.committee.training import TrainSettings, train_weights

    instances, P = X.shape[0], X.shape[1]
    y = settings.replicas
    Xr, Yr = repeat_machines(X, y), Y.repeat_interleave(y, dim=0)
    rep = {"gamma0": gamma0, "gamma1": gamma1, "batch": settings.batch(P), "lr_final": 1.0}
    ts = TrainSettings(steps=settings.steps, lr=settings.lr)
    Wr, _ = train_weights(spec, Xr, Yr, key, [(i, r) for i in range(instances) for r in range(y)], ts, device,
                          replicated=rep, replicas=y)
    ok_r = check_solutions(Wr, Xr, Yr, spec.activation).view(instances, y)
    Wr = project_sphere(Wr).view(instances, y, spec.K, spec.n)
    overlap, qc = _overlaps(Wr)
    pick = torch.where(ok_r, qc, torch.full_like(qc, -2.0)).argmax(dim=1)
    centre = project_sphere(Wr.mean(1))
    return {"W": Wr[torch.arange(instances), pick], "ok": ok_r.any(dim=1),
            "centre_ok": check_solutions(centre, X.double(), Y.double(), spec.activation), "overlap": overlap}


def solve_both(spec: CommitteeSpec, alpha: float, key: str, instances: int, settings: GeometrySettings,
               device: torch.device | str = "cpu") -> dict:
    """Plain and robust solutions of the same ``instances`` problems (data key ``key``).

    Returns:
        ``X, y`` (float64) and, per algorithm (``adam-engine``, ``replicated``, and with ``settings.control``
        ``replicated-uncoupled``: the same replicas, batches and steps with γ = 0), a dict with ``W``
        ``(instances, K, n)`` (replicated: the solving replica nearest the centre, else replica 0), ``ok``,
        ``centre_ok`` and ``overlap`` (mean pairwise replica overlap at the stop; NaN for plain).
    """
    from depthlab.committee.training import TrainSettings, train_weights

    P = n_patterns(alpha, spec.N)
    idx = list(range(instances))
    X, Y = make_instances(spec, P, key, idx, dtype=torch.float32)
    Xd, Yd = X.double(), Y.double()
    ts = TrainSettings(steps=settings.steps, lr=settings.lr)
    Wp, _ = train_weights(spec, X, Y, f"{key}/plain", [(i, 0) for i in idx], ts, device)
    Wp = project_sphere(Wp)
    out = {"X": Xd, "y": Yd,
           PLAIN: {"W": Wp, "ok": check_solutions(Wp, Xd, Yd, spec.activation),
                   "centre_ok": torch.zeros(instances, dtype=torch.bool),
                   "overlap": torch.full((instances,), float("nan"), dtype=torch.float64)},
           ROBUST: _replicated(spec, X, Y, f"{key}/replicated", settings, settings.gamma0, settings.gamma1, device)}
    if settings.control:
        # same key as the coupled run: the same starts and mini-batches, only the coupling differs
        out[UNCOUPLED] = _replicated(spec, X, Y, f"{key}/replicated", settings, 0.0, 0.0, device)
    return out


def _se(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan")


def measure_case(case: dict, N: int, instances: int, settings: GeometrySettings, seed: int,
                 device: torch.device | str = "cpu") -> pd.DataFrame:
    """Per-instance rows of one case: ``algorithm, instance, solved, perturbation`` (``distance`` / ``input``),
    ``level, error, frac_solutions`` (NaN for unsolved problems and for input noise), ``centre_solved`` and
    ``replica_overlap`` (replicated rows; NaN or False for plain)."""
    act, K, alpha = case["activation"], case["K"], case["alpha"]
    spec = CommitteeSpec(adjusted_N(N, K), K, act)
    key = f"committee-geometry/{seed}/{act}/K{K}/N{spec.N}/a{alpha}"
    s = solve_both(spec, alpha, key, instances, settings, device)
    rows = []
    for alg in (a for a in (PLAIN, ROBUST, UNCOUPLED) if a in s):
        W, ok = s[alg]["W"], s[alg]["ok"]
        okn = ok.numpy()
        energy = np.full((len(settings.distances), instances), np.nan)
        frac = np.full_like(energy, np.nan)
        noise = np.full((len(settings.input_sigmas), instances), np.nan)
        if okn.any():
            e, f = distance_profile(W[ok], s["X"][ok], s["y"][ok], act, settings.distances, draws=settings.draws,
                                    seed=f"{key}/{alg}")
            energy[:, okn], frac[:, okn] = e, f
            noise[:, okn] = input_noise_errors(W[ok], s["X"][ok], s["y"][ok], act, settings.input_sigmas,
                                               draws=settings.draws, seed=f"{key}/{alg}")
        extra = {"centre_solved": s[alg]["centre_ok"].numpy(), "replica_overlap": s[alg]["overlap"].numpy()}
        for kind, levels, err, fr in (("distance", settings.distances, energy, frac),
                                      ("input", settings.input_sigmas, noise, None)):
            for i, lev in enumerate(levels):
                rows.append(pd.DataFrame({
                    "algorithm": alg, "instance": np.arange(instances), "solved": okn, "perturbation": kind,
                    "level": float(lev), "error": err[i],
                    "frac_solutions": fr[i] if fr is not None else np.nan, **extra}))
    out = pd.concat(rows, ignore_index=True)
    for k, v in (("activation", act), ("weights", "spherical"), ("K", K), ("N", spec.N), ("alpha", alpha),
                 ("alpha_rs", case["alpha_rs"]), ("load", alpha / case["alpha_rs"]),
                 ("comparison", case["comparison"])):
        out[k] = v
    return out


SUMMARY_KEYS = ["activation", "weights", "K", "N", "alpha", "alpha_rs", "load", "comparison", "algorithm",
                "perturbation", "level"]


def summarise(per_instance: pd.DataFrame) -> pd.DataFrame:
    """One row per (case, algorithm, perturbation, level): ``instances``, ``solutions``, ``error`` ± ``error_se``,
    ``frac_solutions`` ± ``frac_solutions_se`` (over solved problems), ``centre_solved`` (fraction of solved
    problems whose replicas' centre also solves) and ``replica_overlap`` ± ``replica_overlap_se``."""
    rows = []
    for keys, g in per_instance.groupby(SUMMARY_KEYS, sort=False):
        ok = g[g["solved"]]
        e, f = ok["error"].to_numpy(float), ok["frac_solutions"].to_numpy(float)
        q = ok["replica_overlap"].to_numpy(float)
        rows.append({**dict(zip(SUMMARY_KEYS, keys, strict=True)), "instances": len(g), "solutions": len(ok),
                     "error": float(e.mean()) if len(e) else float("nan"), "error_se": _se(e),
                     "frac_solutions": float(f.mean()) if len(f) else float("nan"),
                     "frac_solutions_se": _se(f) if np.isfinite(f).all() else float("nan"),
                     "centre_solved": float(ok["centre_solved"].mean()) if len(ok) else float("nan"),
                     "replica_overlap": float(q.mean()) if len(q) and np.isfinite(q).all() else float("nan"),
                     "replica_overlap_se": _se(q) if len(q) and np.isfinite(q).all() else float("nan")})
    return pd.DataFrame(rows)


def geometry(alpha: float, N: int, instances: int, *, settings: GeometrySettings | None = None, seed: int = 0,
             device: torch.device | str = "cpu", on_case=None,
             only: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All cases at nominal size ``N`` (rounded to a multiple of each K): ``(summary, per_instance)``.

    ``on_case(case)`` is called before each case (progress); ``only`` restricts to some ``comparison`` values.
    """
    settings = settings or GeometrySettings()
    positive_int(instances, "instances")
    frames = []
    for case in cases(alpha):
        if only is not None and case["comparison"] not in only:
            continue
        if on_case is not None:
            on_case(case)
        frames.append(measure_case(case, N, instances, settings, seed, device))
    per = pd.concat(frames, ignore_index=True)
    return summarise(per), per
