"""Claims, consistency checks and findings of the matrix-exponential study, declared once.

Paper: Gai & Zhang, arXiv 2407.02540 — a three-layer network f(X) = W3·expm(W2·expm(W1·X)) solves two matrix
equations exactly ("with only invertible assumptions"); a one-layer network Y = W·X solves only one. The
paper's own formulas were not available to us: the construction measured here (docs/matexp.md) is ours.
"""

from __future__ import annotations

from depthlab.matexp.theory.closed_form import RESIDUAL_TOL
from depthlab.report.claims import AtLeast, AtMost, Claim, Finding, NotMeasured, Value, measured, ours, paper
from depthlab.report.types import StudyResult

PAPER = "Gai & Zhang, arXiv 2407.02540"
#: A generic two-equation problem has no one-layer solution; its least-squares residual is O(1). An exact fit
#: would sit at rounding level (~1e-15), so 1e-6 separates the two with a margin of nine digits.
ONE_LAYER_GAP = 1e-6


def _e(x: float) -> str:
    return f"{x:.1e}"


def _closed_form(r: StudyResult):
    t = r.tables["closed_form"]
    tol = t["rounding_scale"].clip(lower=RESIDUAL_TOL)
    values = [Value(row.max_residual, ref=lim, label=f"d={row.d} {'real' if row.real else 'complex'} #{row.instance}")
              for row, lim in zip(t.itertuples(), tol, strict=True)]
    over = t[t["max_residual"] > RESIDUAL_TOL]
    cplx, real = t[~t["real"]], t[t["real"]]
    text = (f"max relative residual {_e(t['max_residual'].max())} over {len(t)} random instances, d ∈ "
            f"{sorted(int(d) for d in t['d'].unique())} (complex median {_e(cplx['max_residual'].median())}"
            + (f", real median {_e(real['max_residual'].median())}" if len(real) else "") + ")"
            + (f"; {len(over)} instance(s) above {RESIDUAL_TOL:g}" if len(over) else ""))
    return measured(text, *values)


def _one_layer(r: StudyResult):
    t = r.tables["closed_form"]
    text = (f"best one-layer (least-squares) residual ≥ {t['one_layer_ls_residual'].min():.3f} on every instance "
            f"(median {t['one_layer_ls_residual'].median():.3f}); fitting X1 exactly leaves median residual "
            f"{t['one_layer_exact_first_residual_second'].median():.2f} on the second")
    return measured(text, *(Value(v, label=f"instance {i}") for i, v in enumerate(t["one_layer_ls_residual"])))


def _certified(r: StudyResult):
    t = r.tables["closed_form"]
    cert = t.dropna(subset=["certified_residual"])
    if cert.empty:
        raise NotMeasured("no instance small enough to certify (d ≤ 8)")
    text = (f"certified max residual {_e(cert['certified_residual'].max())} over {len(cert)} instances, "
            f"d ≤ {int(cert['d'].max())}")
    return measured(text, *(Value(v, label=f"d={d}") for d, v in zip(cert["d"], cert["certified_residual"],
                                                                      strict=True)))


def _real_weights(r: StudyResult):
    t = r.tables["closed_form"]
    real = t[t["real"]]
    if real.empty:
        raise NotMeasured("no real instances at this scale")
    neg = real[~real["real_weights_necessary"].astype(bool)]
    bad = int(neg["weights_real"].sum())
    text = (f"{int(real['weights_real'].sum())}/{len(real)} real instances got real weights; {len(neg)} had "
            f"det Y1·det Y2 < 0, of which {bad} got real weights")
    return measured(text, Value(bad, label="real weights despite det Y1·det Y2 < 0"))


def _depth3(r: StudyResult):
    l3 = r.tables["n_max"]
    l3 = l3[l3["depth"] == 3]
    if l3.empty:
        raise NotMeasured("depth 3 is not in this scale's depth table")
    return measured("n_max(3, d) = " + ", ".join(f"{int(x.n_max)} (d={int(x.d)})" for x in l3.itertuples()),
                    *(Value(x.n_max, label=f"d={x.d}") for x in l3.itertuples()))


def _l2_n2(r: StudyResult):
    t = r.tables["depth_table"]
    l2 = t[(t["depth"] == 2) & (t["n"] == 2)]
    if l2.empty:
        raise NotMeasured("the depth table did not reach (L = 2, n = 2)")
    dims = sorted(int(v) for v in l2["d"].unique())
    return measured(f"yes: {int(l2['solved'].sum())}/{len(l2)} instances solved (d ∈ {dims}), best residuals "
                    f"median {_e(l2['best_residual'].median())}" if l2["solved"].mean() >= 0.5 else
                    f"no: {int(l2['solved'].sum())}/{len(l2)} instances solved (d ∈ {dims})")


def _n_max(r: StudyResult):
    s = r.tables["n_max"]
    t = r.tables["depth_table"]
    by_l = s.groupby("depth")["n_max"].agg(["min", "max"])
    text = "; ".join(f"L={int(L)}: {int(x['min'])}" + (f"–{int(x['max'])}" if x["max"] != x["min"] else "")
                     for L, x in by_l.iterrows())
    at = bool((s["n_max"] == s["count_bound"]).all())
    dims = sorted(int(v) for v in s["d"].unique())
    tries = (f" ({t.groupby(['depth', 'd', 'n']).size().max()} instances × {int(t['restarts'].max())} restarts "
             f"per (L, d, n))") if len(t) else ""
    return measured(f"{'n_max(L) = L' if at else 'n_max(L) ≠ L somewhere'} over L ∈ "
                    f"{sorted(int(v) for v in s['depth'].unique())}, d ∈ {dims}{tries}: {text}")


CLAIMS = (
    Claim(
        key="closed-form-exact",
        statement="A three-layer expm network solves Y1 = f(X1), Y2 = f(X2) exactly",
        source=paper(f"{PAPER}, abstract (theorem: an analytical solution 'with only invertible assumptions')"),
        expected="exact (residual 0)",
        quantity="each instance's relative residual (a fresh float64 forward pass of our construction)",
        rule=AtMost(why=f"reference: {RESIDUAL_TOL:g}, or the instance's float64 rounding scale "
                        "eps·(1+‖W2‖‖expm(A)‖)·‖W3‖‖expm(H)‖/‖Y‖ where that is larger; a wrong construction "
                        "gives O(1) residuals"),
        measure=_closed_form,
        note="the construction W1 = λ(X2−X1)⁻¹ is ours (docs/matexp.md); the paper's formulas were not "
             "available to us",
    ),
    Claim(
        key="one-layer-gap",
        statement="A one-layer network Y = W·X cannot solve the same two equations",
        source=paper(f"{PAPER}, abstract ('one layer network can only solve one equation, i.e., Y=WX')"),
        expected="only one equation solvable",
        quantity="each instance's best one-layer (least-squares) residual",
        rule=AtLeast(ONE_LAYER_GAP, why="an exact fit would sit at rounding level, ~1e-15"),
        measure=_one_layer,
    ),
    Claim(
        key="depth3-two-equations",
        statement="Depth 3 solves two equations, found numerically (independent of the closed form)",
        source=paper(f"{PAPER}, abstract (L = 3, n = 2)"),
        expected="n = 2 at L = 3",
        quantity="n_max(3, d) at each d",
        rule=AtLeast(2, why="the paper's n = 2"),
        measure=_depth3,
        note="LM from random starts; a failure to find a solution would not disprove the paper",
    ),
)

CONSISTENCY = (
    Claim(
        key="mpmath-certificate",
        statement="The closed-form weights are exact in high precision (mpmath, 40 digits)",
        source=ours("our construction, recomputed in 40-digit arithmetic (depthlab.matexp.theory.certify)"),
        expected="exact",
        quantity="each certified residual",
        rule=AtMost(RESIDUAL_TOL, why="what remains is the rounding of the float64 weights themselves"),
        measure=_certified,
    ),
    Claim(
        key="real-weights-det",
        statement="Real data: real weights need det Y1·det Y2 > 0",
        source=ours("det expm(H) = e^{tr H} > 0 for real H (docs/matexp.md)"),
        expected="necessary condition",
        quantity="the number of instances with det Y1·det Y2 < 0 that got real weights",
        rule=AtMost(0, why="a single one would contradict the determinant identity"),
        measure=_real_weights,
    ),
)

FINDINGS = (
    Finding(
        key="l2-solves-n2",
        question="Does depth L = 2 already solve n = 2 equations? (the paper uses L = 3)",
        evidence="the engine's batched Levenberg–Marquardt from random restarts; solved = every equation's "
                 "residual ≤ 1e-10 for some restart; a numerical lower estimate",
        measure=_l2_n2,
    ),
    Finding(
        key="n-max-equals-depth",
        question="How many equations does a depth-L expm network solve? Count bound: L·d² unknowns vs n·d² "
                 "equations gives n ≤ L",
        evidence="n_max(L, d) = largest n with ≥ half the random instances solved (every residual ≤ 1e-10) by "
                 "some restart of the engine's Levenberg–Marquardt (Daleckii–Krein Jacobian); a numerical lower "
                 "estimate. Quick scale: L ≤ 3, d ≤ 3; full scale (--full, or depthlab matexp depth-table): "
                 "L ≤ 5, d ≤ 6",
        measure=_n_max,
    ),
)
