"""The abstract's dense-region statement of Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), arXiv
1907.07578, as claims. Robustness rows (table ``robustness``) compare the training error of plain ReLU and sign
solutions after weight, input and distance perturbations; geometry rows (tables ``geometry``,
``geometry_instances``; :mod:`depthlab.committee.geometry`) compare robust-ensemble (replicated) solutions with
plain ones and robust ReLU with robust sign by their local energy at :data:`GEOMETRY_D`, after Baldassi et al.,
PNAS 113, E7655 (2016) and Baldassi, Pittorino & Zecchina, PNAS 117, 161 (2020); :func:`_coupling_measure`
measures the finding that separates the elastic coupling's share with uncoupled replicas.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from depthlab.committee.claims.common import PAPER
from depthlab.committee.rules import K_SE
from depthlab.committee.scales import ROBUST_MACHINES, SCALES
from depthlab.report.claims import Claim, Exceeds, Measurement, NotMeasured, Value, measured, paper
from depthlab.report.types import StudyResult

# ----------------------------------------------------------------------------------------------------------
# Robustness of solutions (table ``robustness``)

PERTURBATIONS = {"weight": "weight perturbations", "input": "input perturbations",
                 "distance": "moves to distance d along random directions (local energy)"}

#: Perturbation level at which each robustness comparison is judged, per (weights, perturbation).
ROBUST_LEVELS = {"spherical/weight": 0.3, "spherical/input": 1.0, "spherical/distance": 0.05,
                 "binary/weight": 0.05, "binary/input": 1.0, "binary/distance": 0.1}


def _robust_measure(weights: str, kind: str, level: float) -> Callable[[StudyResult], Measurement]:
    def measure(r: StudyResult) -> Measurement:
        t = r.tables["robustness"]
        pick = t[(t["weights"] == weights) & (t["perturbation"] == kind) & np.isclose(t["level"], level)]
        relu, sign = pick[pick["activation"] == "relu"], pick[pick["activation"] == "sign"]
        if relu.empty or sign.empty:
            raise NotMeasured(f"no solutions of both kinds at {weights}/{kind} level {level:g}")
        a, b = relu.iloc[0], sign.iloc[0]
        diff, se = float(b["error"] - a["error"]), math.hypot(a["error_se"], b["error_se"])
        return measured(f"error fraction at level {level:g}: ReLU K={a['K']} {a['error']:.4f} ± {a['error_se']:.4f} "
                        f"vs sign K={b['K']} {b['error']:.4f} ± {b['error_se']:.4f}; sign − ReLU = {diff:+.4f} ± "
                        f"{se:.4f}", Value(diff, se=se, label=f"{weights}/{kind}"))

    return measure


def robustness_claims(scale: str) -> list[Claim]:
    """ReLU vs sign mean training error at one reference level per (weights, perturbation)."""
    rob = SCALES[scale]["robust"]
    alpha = {"spherical": rob["alpha"], "binary": rob["binary_alpha"]}
    out = []
    for weights in sorted(ROBUST_MACHINES):
        for kind in sorted(PERTURBATIONS):
            out.append(Claim(
                key=f"robust-{weights}-{kind}",
                statement=f"ReLU solutions are more robust than sign solutions to {PERTURBATIONS[kind]} ({weights} "
                          f"weights, α = {alpha[weights]:g})",
                source=paper(f"{PAPER}, abstract (dense regions; robust to weight and input perturbations)"),
                expected="ReLU more robust (qualitative)",
                quantity="sign − ReLU mean training-error fraction after the perturbation",
                rule=Exceeds(0.0, why="'more robust' read as fewer errors, by more than 2 combined SE"),
                measure=_robust_measure(weights, kind, ROBUST_LEVELS[f"{weights}/{kind}"]),
                note="These solutions come from plain Adam/annealing, not from a local-entropy algorithm, so they "
                     "need not lie in the rare dense regions the paper describes; the geometry rows "
                     "(geometry-*) compare them with robust-ensemble (replicated) solutions."))
    return out


# ----------------------------------------------------------------------------------------------------------
# The geometry claim (tables ``geometry``, ``geometry_instances``; depthlab.committee.geometry)

#: Reference distance of the geometry rules (normalised distance d = (1 − q)/2 of a random move of every unit).
#: Fixed before the evaluation run, from the tuning data only (keys tune/1000/… and committee-geometry/999/…, never
#: the report's seed): at d = 0.01 the local energy of every kind was 0.10–0.18, far from both 0 (where
#: differences vanish) and from the d = 0.05 plateau (0.21–0.27) where the curves of all kinds converge towards
#: chance.
GEOMETRY_D = 0.01
ROBUST_SOURCE = ("Baldassi et al., PNAS 113, E7655 (2016), abstract (robust-ensemble / local-entropy algorithms "
                 "target the rare dense regions); Baldassi, Pittorino & Zecchina, PNAS 117, 161 (2020), abstract "
                 "(wide flat minima, low local energy)")
GEOMETRY_NOTE = ("Spherical weights, local energy = mean training-error fraction at d = {d:g} along random "
                 "directions (robustness.distance_profile). Robust solution: the solving replica nearest the "
                 "replicas' centre (the engine stops when any replica solves, and the centre was then rarely a "
                 "solution on the tuning data); plain: one Adam run. Same compute is not matched: y replicas vs "
                 "one run.")


def _geometry_cell(t: pd.DataFrame, activation: str, comparison: str, algorithm: str) -> pd.DataFrame:
    comps = ("both",) if activation == "relu" else (comparison,)  # the ReLU case serves both comparisons
    pick = t[(t["activation"] == activation) & t["comparison"].isin(comps) & (t["algorithm"] == algorithm)
             & (t["perturbation"] == "distance") & np.isclose(t["level"], GEOMETRY_D)]
    return pick


def flatter_value(per_instance: pd.DataFrame, activation: str, comparison: str, sharp: str = "adam-engine",
                  flat: str = "replicated") -> tuple[Value, int]:
    """Paired ``sharp`` − ``flat`` local energy at :data:`GEOMETRY_D` (default plain − robust) over problems both
    algorithms solve, and how many problems that is."""
    a = _geometry_cell(per_instance, activation, comparison, sharp)
    b = _geometry_cell(per_instance, activation, comparison, flat)
    m = a[a["solved"]].merge(b[b["solved"]], on="instance", suffixes=("_plain", "_robust"))
    if len(m) < 2:
        raise NotMeasured(f"fewer than two problems solved by both {sharp} and {flat} ({activation}, {comparison})")
    d = (m["error_plain"] - m["error_robust"]).to_numpy(float)
    se = float(d.std(ddof=1) / math.sqrt(len(d)))
    return Value(float(d.mean()), se=se, label=f"{activation}/{comparison}"), len(d)


def _flatter_measure(activation: str, comparison: str) -> Callable[[StudyResult], Measurement]:
    def measure(r: StudyResult) -> Measurement:
        per = r.tables["geometry_instances"]
        v, n = flatter_value(per, activation, comparison)
        s = r.tables["geometry"]
        p, q = (_geometry_cell(s, activation, comparison, alg).iloc[0] for alg in ("adam-engine", "replicated"))
        return measured(f"local energy at d = {GEOMETRY_D:g} (α = {p['alpha']:.4g}, K = {p['K']}, N = {p['N']}): "
                        f"plain {p['error']:.4f} ± {p['error_se']:.4f} ({p['solutions']} solutions), robust "
                        f"{q['error']:.4f} ± {q['error_se']:.4f} ({q['solutions']}); paired plain − robust "
                        f"{v.x:+.4f} ± {v.se:.4f} over {n} problems", v)

    return measure


def relu_vs_sign_value(summary: pd.DataFrame, comparison: str) -> tuple[Value, pd.Series, pd.Series]:
    """Robust sign − robust ReLU local energy at :data:`GEOMETRY_D` (independent problems: combined SE)."""
    relu = _geometry_cell(summary, "relu", comparison, "replicated")
    sign = _geometry_cell(summary, "sign", comparison, "replicated")
    if relu.empty or sign.empty or min(relu["solutions"].iloc[0], sign["solutions"].iloc[0]) < 2:
        raise NotMeasured(f"fewer than two robust solutions of ReLU or sign ({comparison})")
    a, b = relu.iloc[0], sign.iloc[0]
    return (Value(float(b["error"] - a["error"]), se=math.hypot(a["error_se"], b["error_se"]), label=comparison),
            a, b)


def _relu_vs_sign_measure(comparison: str) -> Callable[[StudyResult], Measurement]:
    def measure(r: StudyResult) -> Measurement:
        v, a, b = relu_vs_sign_value(r.tables["geometry"], comparison)
        return measured(f"robust local energy at d = {GEOMETRY_D:g}: ReLU K = {a['K']} (α = {a['alpha']:.4g}, "
                        f"α/α_RS = {a['load']:.3f}) {a['error']:.4f} ± {a['error_se']:.4f} vs sign K = {b['K']} "
                        f"(α = {b['alpha']:.4g}, α/α_RS = {b['load']:.3f}) {b['error']:.4f} ± {b['error_se']:.4f}; "
                        f"sign − ReLU {v.x:+.4f} ± {v.se:.4f}", v)

    return measure


def geometry_claims(scale: str) -> list[Claim]:
    """(a) robust solutions flatter than plain ones, per activation (and, for sign, per load); (b) robust ReLU
    flatter than robust sign, at equal α/α_RS and at equal α."""
    alpha = SCALES[scale]["geometry"]["alpha"]
    note = GEOMETRY_NOTE.format(d=GEOMETRY_D)
    where = {"equal-alpha": f"α = {alpha:g}", "equal-load": "equal α/α_RS"}
    flat_rule = Exceeds(0.0, k_se=K_SE, why="'flatter' read as a lower local energy at the reference distance, "
                                            "paired over the same problems, by more than 2 SE (one-sided false "
                                            "positive rate ≈ 2 % under no difference)")
    out = [Claim(
        key=f"geometry-flatter-{act}-{comp}",
        statement=f"Robust-ensemble solutions are flatter than plain ones ({act}, spherical weights, {where[comp]})",
        source=paper(f"{PAPER}, abstract (dense regions whose solutions are robust); {ROBUST_SOURCE}"),
        expected="robust flatter (qualitative)",
        quantity=f"plain − robust local energy at d = {GEOMETRY_D:g} (mean paired difference)",
        rule=flat_rule, measure=_flatter_measure(act, comp), note=note)
        for act, comp in (("relu", "equal-alpha"), ("sign", "equal-alpha"), ("sign", "equal-load"))]
    for comp in ("equal-load", "equal-alpha"):
        out.append(Claim(
            key=f"geometry-relu-vs-sign-{comp}",
            statement=f"Robust ReLU solutions are flatter than robust sign solutions ({where[comp]})",
            source=paper(f"{PAPER}, abstract (dense regions much denser for ReLU than for threshold units)"),
            expected="ReLU flatter (qualitative)",
            quantity=f"sign − ReLU robust local energy at d = {GEOMETRY_D:g}",
            rule=Exceeds(0.0, k_se=K_SE, why="lower local energy for ReLU by more than 2 combined SE"),
            measure=_relu_vs_sign_measure(comp),
            note=note + (" Equal load: α/α_RS with α_RS from our replica calculator (ties = errors) at the K "
                         "used; both finite (ReLU K = 4: 2.4745, sign K = 3: 4.0252)." if comp == "equal-load"
                         else "")))
    return out


def _coupling_measure(r: StudyResult) -> Measurement:
    per = r.tables["geometry_instances"]
    if "replicated-uncoupled" not in set(per["algorithm"]):
        raise NotMeasured("the geometry table has no uncoupled control (GeometrySettings.control)")
    parts, values = [], []
    for act, comp in (("relu", "equal-alpha"), ("sign", "equal-alpha"), ("sign", "equal-load")):
        try:
            v, n = flatter_value(per, act, comp, sharp="replicated-uncoupled", flat="replicated")
        except NotMeasured:
            continue
        values.append(v)
        parts.append(f"{act} {comp}: {v.x:+.4f} ± {v.se:.4f} ({n} problems)")
    if not values:
        raise NotMeasured("no case with problems solved both coupled and uncoupled")
    return measured(f"uncoupled − coupled local energy at d = {GEOMETRY_D:g}, paired: " + "; ".join(parts), *values)
