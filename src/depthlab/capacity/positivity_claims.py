"""The capacity study's rows on the positivity obstruction (:mod:`depthlab.capacity.theory.positivity`).

* claim ``wendel-half-space``: the study's target sets lie in an open half-space as often as Wendel's formula
  says (an outside formula; our LP and data generator are what is tested);
* consistency ``positivity-no-contradiction``: no covered cell (L ≥ 2, no biases, ReLU or sigmoid) fits a data
  set whose targets the LP rules out (our derivation);
* consistency ``positivity-certified-negative``: at N = bound − 1 the LP's feasible fraction is a certified
  ceiling on P(fit) for every method; the cells whose Wendel probability is below 1e-3 (d = 16, L = 4) must
  pass the negative test's rule;
* finding ``positivity-cap``: how far below the counting bound the obstruction caps the covered cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from depthlab.capacity import negative as neg
from depthlab.capacity.theory import capacity_bound
from depthlab.capacity.theory.positivity import positivity_probability
from depthlab.report.claims import AtLeast, AtMost, Claim, Finding, NotMeasured, Value, external, measured, ours
from depthlab.report.rules import Rule
from depthlab.report.types import StudyResult

WENDEL_ALPHA = 1e-3
WENDEL_SOURCE = "Wendel 1962, 'A problem in geometric probability', Math. Scand. 11, 109–111"


def _wendel(r: StudyResult):
    t = r.tables["positivity"]
    text = "; ".join(f"N={c.n_points},d={c.width}: {c.feasible}/{c.trials} vs {c.wendel_p:.4f}" for c in t.itertuples())
    return measured(text + f"; smallest binomial p-value {t['pvalue'].min():.3f}",
                    *(Value(c.pvalue, label=f"N={c.n_points},d={c.width}") for c in t.itertuples()))


WENDEL_CLAIM = Claim(
    key="wendel-half-space",
    statement="N random target rows y_i ~ N(0, I_d) lie in an open half-space through 0 with probability "
              "2^(1−N) Σ_{k<d} C(N−1, k) (1/2 at N = 2d)",
    source=external(WENDEL_SOURCE),
    expected="Wendel's formula",
    quantity="the exact two-sided binomial p-value of each case's count (LP-decided, the protocol's data sets) "
             "against the formula",
    rule=AtLeast(WENDEL_ALPHA, why="under the formula each test falls below 1e-3 with probability ≤ 1e-3"),
    measure=_wendel,
    note="the basis of the positivity cap on bias-free ReLU and sigmoid nets (docs/capacity.md)",
)


def _cells(r: StudyResult):
    t = r.tables.get("positivity_cells")
    if t is None or t.empty:
        raise NotMeasured("no bias-free ReLU or sigmoid cell with L ≥ 2 at this scale")
    return t


def _no_contradiction(r: StudyResult):
    t = _cells(r)
    by_cell = t.groupby(["depth", "width", "activation", "fit_method"], as_index=False)[
        ["data_sets", "fitted", "feasible", "contradictions"]].sum()
    text = (f"{int(t['fitted'].sum())} fitted (data set, N) pairs in {len(by_cell)} cells, "
            f"{int(t['feasible'].sum())} of {int(t['data_sets'].sum())} pairs LP-feasible; fits on ruled-out "
            f"pairs: {int(t['contradictions'].sum())}")
    return measured(text, *(Value(c.contradictions, label=f"L={c.depth} d={c.width} {c.activation} {c.fit_method}")
                            for c in by_cell.itertuples()))


POSITIVITY_CONSISTENCY = Claim(
    key="positivity-no-contradiction",
    statement="no bias-free ReLU or sigmoid net (L ≥ 2, width d) fits targets whose rows lie in no open half-space",
    source=ours("our derivation (depthlab.capacity.theory.positivity: W_L invertible, σ ≥ 0, Gordan's "
                "alternative), decided per data set by linear programming"),
    expected="0 contradictions",
    quantity="each cell's number of fitted data sets the LP rules out (all N pooled)",
    rule=AtMost(0, why="such a fit would contradict the derivation or its own float64 certificate"),
    measure=_no_contradiction,
)


@dataclass(frozen=True)
class Ceiling(Value):
    """A :class:`Value` whose ``x`` is the Clopper–Pearson upper bound, with the counts it comes from."""

    trials: int = 0
    feasible: int = 0


@dataclass(frozen=True)
class CertifiedCeiling(Rule):
    """Passes iff the counts pass :func:`depthlab.capacity.negative.certified` (≥ 2000 data sets, one-sided 95 %
    Clopper–Pearson upper bound < 1e-3), recomputed from the raw counts, never from a stored flag."""

    why: str = ""

    def passes(self, value: Value) -> bool:
        return neg.certified(getattr(value, "feasible", 0), getattr(value, "trials", 0))

    def describe(self, quantity: str) -> str:
        why = f" ({self.why})" if self.why else ""
        return (f"{quantity}: ≥ {neg.MIN_ATTEMPTS} data sets and the bound < {neg.P_MAX:g} "
                f"({neg.CONFIDENCE:.0%} one-sided){why}")


def _certified(r: StudyResult):
    t = r.tables.get("positivity_negatives")
    if t is None or t.empty:
        raise NotMeasured("no LP decisions at bound − 1 in this result; one cell: "
                          "`depthlab capacity positivity -w 16 -n 60,63 --instances 10000`")
    judged = t[t["wendel_p"] < neg.P_MAX]
    if judged.empty:
        raise NotMeasured("no cell with P_W(N, d) < 1e-3 at this scale")

    def ceiling(c) -> Ceiling:
        return Ceiling(neg.cp_upper(int(c.feasible), int(c.trials)), trials=int(c.trials), feasible=int(c.feasible),
                       label=f"L={c.depth} d={c.width} {c.activation}")

    parts = [f"L={c.depth} d={c.width} {c.activation} N={c.n_points}: {c.feasible}/{c.trials} feasible, "
             f"P(fit) ≤ {ceiling(c).x:.2g}{' (certified)' if neg.certified(c.feasible, c.trials) else ''}"
             for c in t.itertuples()]
    return measured("; ".join(parts) + " (95 % one-sided CP bounds)", *(ceiling(c) for c in judged.itertuples()))


POSITIVITY_NEGATIVE = Claim(
    key="positivity-certified-negative",
    statement="at N = bound − 1, bias-free ReLU and sigmoid nets of width 16 and depth 4 fit random targets with "
              "probability < 1e-3, whatever the method (a certified negative)",
    source=ours("our derivation (depthlab.capacity.theory.positivity): a data set whose targets lie in no open "
                "half-space is unfittable at any depth, so the LP-feasible fraction bounds every method's P(fit)"),
    expected="certified (≤ 4 of 10 000 data sets feasible)",
    quantity="the exact one-sided 95 % Clopper–Pearson upper bound on the feasible fraction at N = bound − 1 of "
             "each cell with P_W(N, d) < 1e-3 (the other cells' ceilings are shown, not judged)",
    rule=CertifiedCeiling(why="the negative test's rule (depthlab.capacity.negative), applied to the cells chosen "
                              "by P_W before any decision"),
    measure=_certified,
    note="a certificate about the networks, not an optimiser: it needs no training run",
)


def _cap(r: StudyResult):
    cells = r.tables["cells"]
    covered = cells[(cells["depth"] >= 2) & ~cells["bias"].astype(bool)
                    & cells["activation"].isin(["relu", "sigmoid"])]
    if covered.empty:
        raise NotMeasured("no bias-free ReLU or sigmoid cell with L ≥ 2 at this scale")
    parts = []
    for c in covered.itertuples():
        bound = capacity_bound(int(c.depth), int(c.width), str(c.activation), bias=False)
        top = math.floor(bound + 1e-12)
        parts.append(f"L={c.depth} d={c.width} {c.activation}: N* = {c.n_star:.1f}, bound {bound:g}, "
                     f"P(fit at {top}) ≤ {positivity_probability(top, int(c.width)):.3g}, cap 2d = {2 * c.width}")
    return measured("; ".join(parts))


POSITIVITY_FINDING = Finding(
    key="positivity-cap",
    question="Can bias-free ReLU or sigmoid nets of width d reach their counting bound (≈ L·d) at depth L ≥ 2?",
    evidence="the positivity obstruction: P(fit at N) ≤ Wendel's P_W(N, d) at every depth, 1/2 at N = 2d, so the "
             "per-data-set N* is at most 2d whatever the method; shown at each covered cell's ⌊bound⌋ beside its "
             "measured N* (docs/capacity.md)",
    measure=_cap,
)
