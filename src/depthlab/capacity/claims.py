"""Claims, consistency checks and findings of the capacity-vs-depth study, declared once.

Paper: Gai & Zhang, arXiv 2407.02540. Its §4 ("Experimental Results") reports that with elementwise ReLU or
sigmoid a two-layer network fits about twice as many data points as a one-layer network; the section text was not
available to us (the claim is known from secondary summaries), so the protocol measured here is depthlab's own
(:mod:`depthlab.capacity.success`) and every ratio row says so.

* ``CLAIMS`` (paper or outside sources): N*(2)/N*(1) ≈ 2 for the paper's activations at each width, and again
  for ReLU with N*(2) from the exact unit-wise decision (:mod:`depthlab.engine.unitwise`); one layer
  y = W x fits d generic points, never d + 1 (the paper's abstract); Cover's theorem for the engine's perceptron
  (Cover 1965); Wendel's half-space probability for the protocol's target sets (Wendel 1962), the basis of
  the positivity obstruction (:mod:`depthlab.capacity.positivity_claims`).
* ``CONSISTENCY`` (our code against our own derivations and computations): no cell beyond our parameter-count
  bound; the engine's perceptron certificates against our LP certificate; the engine against the lab's own
  reference Levenberg–Marquardt script (tanh, d = 16, L = 2, 3), an unpublished script of ours, not a source;
  per target cell (``NEGATIVE_TARGETS``), per-data-set N* ≥ our target or a certified negative at N = bound − 1
  (:class:`TargetOrCertifiedNegative`, the rule of :mod:`depthlab.capacity.negative`): the bound and the targets
  are ours, so these rows are consistency checks, not a paper's claim; the same targets for the L = 2 cells measured
  by the unit-wise construction; no data set the exact ReLU decision rules out is fitted by the grid's optimiser;
  no bias-free ReLU or sigmoid cell fits a data set the positivity obstruction rules out.
* ``FINDINGS``: the ratio for tanh (the paper's claim names ReLU and sigmoid only), from the grid and from the
  unit-wise cells; deep ReLU networks fitted beyond the linear capacity d (an engine capability no source states);
  whether the counting bound is reached at L = 2 (the unit-wise cells at ⌊bound⌋ − 1 and ⌊bound⌋); how far the
  positivity obstruction caps bias-free ReLU and sigmoid cells below their counting bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from depthlab.capacity import negative as neg
from depthlab.capacity.audit_claims import CERTIFICATES_VERIFIED
from depthlab.capacity.curves import logistic_rejected
from depthlab.capacity.experiment import (
    LINEAR_WIDTH,
    NEGATIVE_ATTEMPTS,
    NEGATIVE_TARGETS,
    PROTOCOL_NOTE,
    REFERENCE_GAIN_L3,
    REFERENCE_SPECS,
    SCALES,
    TUNING_SEEDS,
    UNITWISE_SPECS,
    NegativeTarget,
)
from depthlab.capacity.positivity_claims import (
    POSITIVITY_CONSISTENCY,
    POSITIVITY_FINDING,
    POSITIVITY_NEGATIVE,
    WENDEL_CLAIM,
)
from depthlab.capacity.theory import capacity_bound, max_fittable, parameter_count, symmetry_dimension
from depthlab.report.claims import (
    AtLeast,
    AtMost,
    Claim,
    Finding,
    NotMeasured,
    Overlaps,
    Rule,
    Value,
    external,
    measured,
    ours,
    paper,
)
from depthlab.report.types import StudyResult

PAPER = "Gai & Zhang, arXiv 2407.02540"
RATIO_SOURCE = (f"{PAPER}, §4 'Experimental Results' (section text not available to us; the claim is known from "
                "secondary summaries)")
#: The activations the paper's "about twice" names; the study's other activations are findings.
PAPER_ACTIVATIONS = frozenset({"relu", "sigmoid"})
#: "About twice": the ratio's 95 % interval must meet [2 − RATIO_TOL, 2 + RATIO_TOL].
RATIO_TOL = 0.2
#: Significance level of the exact binomial test of the Cover counts.
COVER_ALPHA = 1e-3
#: The lab's reference LM script (64 restarts, float64, no biases): 50 % of attempts fit tanh d = 16 at N ≈ 23
#: (L = 2) and N ≈ 34 (L = 3).
REFERENCE = {2: 23.0, 3: 34.0}


def _ci(lo: float, hi: float) -> str:
    return f"[{lo:.2f}, {'∞' if math.isinf(hi) else f'{hi:.2f}'}]"


def _cell(cells: pd.DataFrame, depth: int, width: int, activation: str | None = None, bias: bool = False
          ) -> pd.Series:
    sel = cells[(cells["depth"] == depth) & (cells["width"] == width) & (cells["bias"].astype(bool) == bias)]
    if activation is not None:
        sel = sel[sel["activation"] == activation]
    if sel.empty:
        raise NotMeasured(f"no L = {depth}{'' if activation is None else ' ' + activation} cell at d = {width}"
                          f"{' with biases' if bias else ''} here")
    return sel.iloc[0]


# ----------------------------------------------------------------------------------------------------------
# N*(2)/N*(1): a claim for the paper's activations, a finding for the others


def _ratio(activation: str, width: int):
    def measure(r: StudyResult):
        t = r.tables["ratios"]
        sel = t[(t["depth_num"] == 2) & ~t["bias"].astype(bool) & (t["width"] == width)
                & (t["activation"] == activation)] if not t.empty else t
        if sel.empty:
            raise NotMeasured(f"no L = 2 {activation} cell at d = {width} at this scale")
        x = sel.iloc[0]
        n2, n1 = _cell(r.tables["cells"], 2, width, activation), _cell(r.tables["cells"], 1, width)
        text = (f"N*(2)/N*(1) = {x['ratio']:.2f} {_ci(x['ratio_low'], x['ratio_high'])}; "
                f"N*(2) = {n2['n_star']:.1f} {_ci(n2['n_star_low'], n2['n_star_high'])}, N*(1) = {n1['n_star']:.1f}; "
                f"bound ratio {x['bound_ratio']:.2f}")
        return measured(text, Value(x["ratio"], low=x["ratio_low"], high=x["ratio_high"],
                                    label=f"{activation} d={width}"))
    return measure


def _ratio_claim(activation: str, width: int) -> Claim:
    return Claim(
        key=f"ratio-{activation}-d{width}",
        statement=f"two layers fit ≈ 2× as many points as one layer ({activation}, d={width})",
        source=paper(RATIO_SOURCE),
        expected='2 ("about twice"; ReLU or sigmoid)',
        quantity="the 95 % interval of N*(2)/N*(1) (from the ends of the two N* intervals)",
        rule=Overlaps(2 - RATIO_TOL, 2 + RATIO_TOL, why="the paper's 'about twice'"),
        measure=_ratio(activation, width),
        note=PROTOCOL_NOTE,
    )


def _ratio_finding(activation: str, width: int) -> Finding:
    return Finding(
        key=f"ratio-{activation}-d{width}",
        question=f"Do two {activation} layers fit ≈ 2× as many points as one layer (d={width})? The paper's claim "
                 "names ReLU and sigmoid only",
        evidence="N*(2)/N*(1) with the interval from the ends of the two N* intervals; the L = 2 bound ratio "
                 "beside it. " + PROTOCOL_NOTE,
        measure=_ratio(activation, width),
    )


def _ratio_activations(scale: str) -> list[tuple[str, int]]:
    spec = SCALES[scale]
    return [(a, d) for d in spec.widths for a in sorted(spec.activations)]


# ----------------------------------------------------------------------------------------------------------
# The unit-wise construction (L = 2, no biases): tanh constructive, ReLU an exact decision

UNITWISE_NOTE = ("unit-wise construction (depthlab.engine.unitwise): a two-layer net fits iff d solutions "
                 "(w_i, m_i) of σ(Xw) = Ym have independent m_i (with biases, of σ([x, 1]·w̃) = [y, 1]·m̃); tanh by "
                 "curve tracing (a failure proves nothing), ReLU by enumerating extreme rays (a failure certifies "
                 "that no such net fits the data set)")


def _unitwise_cells(scale: str) -> list[tuple[str, int, bool]]:
    """The (σ, d, bias) of the scale's unit-wise cells (the ratio rows compare each with the L = 1 cell of the same
    bias setting)."""
    return sorted({(a, d, b) for us in UNITWISE_SPECS[scale] for a in us.activations for d in us.widths
                   for b in us.biases})


def _bias_tag(bias: bool) -> str:
    return "-bias" if bias else ""


def _uw_cell(r: StudyResult, activation: str, width: int, bias: bool = False) -> pd.Series:
    t = r.tables.get("unitwise")
    sel = t[(t["activation"] == activation) & (t["width"] == width) & (t["bias"].astype(bool) == bias)] \
        if t is not None else None
    if sel is None or sel.empty:
        raise NotMeasured(f"no unit-wise {activation} d = {width}{' biased' if bias else ''} cell at this scale; one "
                          f"cell: `depthlab capacity run -a {activation} -L 2 -w {width}{' --bias' if bias else ''} "
                          "--method unitwise --instances 64 --restarts 1`")
    return sel.iloc[0]


def _uw_counts(r: StudyResult, activation: str, width: int, n: int, bias: bool = False) -> str:
    c = r.tables["unitwise_curves"]
    sel = c[(c["activation"] == activation) & (c["width"] == width) & (c["n_points"] == n)
            & (c["bias"].astype(bool) == bias)]
    return f"{int(sel['fitted'].iloc[0])}/{int(sel['trials'].iloc[0])}" if len(sel) else "not run"


def _uw_ratio(activation: str, width: int, bias: bool = False):
    def measure(r: StudyResult):
        n2, n1 = _uw_cell(r, activation, width, bias), _cell(r.tables["cells"], 1, width, bias=bias)
        ratio = n2["n_star"] / n1["n_star"]
        low = n2["n_star_low"] / n1["n_star_high"] if n1["n_star_high"] > 0 else 0.0
        high = n2["n_star_high"] / n1["n_star_low"] if n1["n_star_low"] > 0 else math.inf
        text = (f"N*(2)/N*(1) = {ratio:.2f} {_ci(low, high)}; N*(2) = {n2['n_star']:.2f} "
                f"{_ci(n2['n_star_low'], n2['n_star_high'])} (unit-wise, {int(n2['trials'])} data sets), N*(1) = "
                f"{n1['n_star']:.2f} (grid); bound ratio {n2['bound'] / width:.2f}")
        return measured(text, Value(ratio, low=low, high=high,
                                    label=f"{activation} d={width}{' +b' if bias else ''} unitwise"))
    return measure


def _uw_ratio_claim(activation: str, width: int, bias: bool = False) -> Claim:
    return Claim(
        key=f"ratio-{activation}-d{width}{_bias_tag(bias)}-unitwise",
        statement=f"two layers fit ≈ 2× as many points as one layer ({activation}, d={width}"
                  f"{', biases' if bias else ''}; L = 2 by the exact unit-wise decision, not an optimiser)",
        source=paper(RATIO_SOURCE),
        expected='2 ("about twice"; ReLU or sigmoid)',
        quantity="the 95 % interval of N*(2)/N*(1) (from the ends of the two N* intervals)",
        rule=Overlaps(2 - RATIO_TOL, 2 + RATIO_TOL, why="the paper's 'about twice'"),
        measure=_uw_ratio(activation, width, bias),
        note=PROTOCOL_NOTE + " " + UNITWISE_NOTE + (" The biased row compares with the biased L = 1 cell (y = Wx + b: "
                                                    "d + 1 points); it was added after the biased cells were first "
                                                    "measured, with the rule of every ratio row." if bias else ""),
    )


def _uw_ratio_finding(activation: str, width: int, bias: bool = False) -> Finding:
    return Finding(
        key=f"ratio-{activation}-d{width}{_bias_tag(bias)}-unitwise",
        question=f"With the optimiser out of the way (unit-wise construction), do two {activation} layers fit ≈ 2× "
                 f"as many points as one (d={width}{', biases' if bias else ''})? The paper's claim names ReLU and "
                 "sigmoid only",
        evidence="N*(2) of the unit-wise cell over N*(1) of the grid, the interval from the ends of the two N* "
                 "intervals; for tanh N*(2) is what the construction finds, a lower estimate. " + UNITWISE_NOTE,
        measure=_uw_ratio(activation, width, bias),
    )


def _misfit_note(c: pd.Series) -> str:
    """A note where the logistic model of the cell's curve is rejected (capacity.curves.GOF_ALPHA): the rule still
    judges the logistic N*, the note gives the model-free crossing beside it."""
    if not logistic_rejected(c.get("method"), c.get("gof_p")):
        return ""
    return (f"; the logistic curve does not fit the counts (deviance p = {c['gof_p']:.1e}): model-free crossing "
            f"{c['n_star_interp']:.2f} {_ci(c['n_star_interp_low'], c['n_star_interp_high'])}, shown beside, "
            "not judged")


def _uw_target(t: NegativeTarget):
    def measure(r: StudyResult):
        c = _uw_cell(r, t.activation, t.width)
        top = max_fittable(2, t.width, t.activation, bias=False)
        text = (f"per-data-set N* = {c['n_star']:.2f} {_ci(c['n_star_low'], c['n_star_high'])} (target {t.target}, "
                f"bound {c['bound']:g}); fitted at N = {top - 1}: {_uw_counts(r, t.activation, t.width, top - 1)}, "
                f"at N = {top}: {_uw_counts(r, t.activation, t.width, top)}")
        if t.activation == "relu":
            text += " (ReLU: every failure is an exact negative)"
        text += _misfit_note(c)
        return measured(text, Value(c["n_star"], label=f"{t.key} unitwise"))
    return measure


def _uw_target_claim(t: NegativeTarget) -> Claim:
    exact = ("an exact per-data-set decision: N* is the network's, not a method's" if t.activation == "relu"
             else "a construction: N* is a lower estimate of the network's")
    return Claim(
        key=f"unitwise-target-{t.activation}-d{t.width}",
        statement=f"per-data-set N* ≥ {t.target} with the unit-wise construction ({t.activation}, d={t.width}, "
                  "L=2, no biases)",
        source=ours(f"our target N* ≥ {t.target} beside our counting bound (P − S)/d "
                    "(depthlab.capacity.theory.bounds); the question is the paper's, how many points a deep network "
                    "fits"),
        expected=f"N* ≥ {t.target}",
        quantity=f"the per-data-set N* of the unit-wise cell ({exact})",
        rule=AtLeast(t.target, why="the target, fixed before the unit-wise method existed"),
        measure=_uw_target(t),
        note=UNITWISE_NOTE,
    )


def _uw_paired(r: StudyResult):
    t = r.tables.get("unitwise_paired")
    sel = t[t["activation"] == "relu"] if t is not None and not t.empty else None
    if sel is None or sel.empty:
        raise NotMeasured("no ReLU data set measured by both the grid and the unit-wise decision at this scale")
    text = (f"{int(sel['grid_only'].sum())} data sets fitted by the grid's optimiser but decided unfittable, of "
            f"{int(sel['data_sets'].sum())} paired (N = {int(sel['n_points'].min())}…{int(sel['n_points'].max())}); "
            f"the decision fitted {int(sel['fitted_unitwise'].sum())}, the optimiser {int(sel['fitted_grid'].sum())}")
    return measured(text, *[Value(x.grid_only, label=f"relu d={x.width}{' +b' if x.bias else ''} N={x.n_points}")
                            for x in sel.itertuples()])


UNITWISE_PAIRED = Claim(
    key="unitwise-relu-decision-vs-optimiser",
    statement="no data set the exact ReLU decision rules out is fitted by the grid's optimiser (L = 2)",
    source=ours("the unit-wise decision (our derivation, depthlab.engine.unitwise) against the grid's own "
                "certified fits on the same data sets"),
    expected="0 contradictions",
    quantity="per N, the paired data sets fitted by the grid (float64 certificate) but decided unfittable",
    rule=AtMost(0, why="a certified fit is a fit, so a decision that rules it out would be wrong"),
    measure=_uw_paired,
    note=UNITWISE_NOTE,
)


def _uw_bound(r: StudyResult):
    t = r.tables.get("unitwise")
    if t is None or t.empty:
        raise NotMeasured("no unit-wise cell at this scale")
    parts = []
    for c in t.itertuples():
        b = bool(c.bias)
        top = max_fittable(2, c.width, c.activation, bias=b)
        kind = "decided" if c.activation == "relu" else "constructed"
        parts.append(f"{c.activation} d={c.width}{' +biases' if b else ''}: bound {c.bound:g}, N* = {c.n_star:.2f}; "
                     f"fitted ({kind}) at N = {top - 1}: {_uw_counts(r, c.activation, c.width, top - 1, b)}, at "
                     f"N = {top}: {_uw_counts(r, c.activation, c.width, top, b)}")
    return measured("; ".join(parts))


UNITWISE_BOUND = Finding(
    key="unitwise-bound",
    question="Is the counting bound reachable by a two-layer network at fixed width, per data set?",
    evidence="the unit-wise cells' N* and the fitted fractions at N = ⌊bound⌋ − 1 and ⌊bound⌋. " + UNITWISE_NOTE,
    measure=_uw_bound,
)


# ----------------------------------------------------------------------------------------------------------
# Sanity checks of the engine: one-layer linear capacity and Cover's theorem


def _linear(r: StudyResult):
    lin = r.tables["linear"].iloc[0]
    T, f_d, f_d1 = int(lin["trials"]), int(lin["fitted_at_d"]), int(lin["fitted_at_d_plus_1"])
    text = (f"{f_d}/{T} fitted at N = d (max residual {lin['max_residual_at_d']:.1e}); {f_d1}/{T} at N = d + 1 "
            f"(min residual {lin['min_residual_at_d1']:.2f})")
    return measured(text, Value(T - f_d, label="data sets not fitted at N = d"),
                    Value(f_d1, label="data sets fitted at N = d + 1"))


def _cover(r: StudyResult):
    t = r.tables["cover"]
    cases = "; ".join(f"N={c.n_points},d={c.dim}: {c.engine_separated}/{c.trials} vs {c.cover_p:.3f}"
                      for c in t.itertuples())
    text = (f"{cases}; smallest binomial p-value {t['pvalue_engine'].min():.3f}; engine missed "
            f"{int(t['engine_missed'].sum())} LP-separable sets")
    values = [Value(getattr(c, f"pvalue_{who}"), label=f"{who} N={c.n_points},d={c.dim}")
              for c in t.itertuples() for who in ("engine", "lp")]
    return measured(text, *values)


def _cover_lp(r: StudyResult):
    t = r.tables["cover"]
    text = (f"engine separations the LP calls inseparable: {int(t['engine_false'].sum())} over {len(t)} cases × "
            f"{int(t['trials'].iloc[0])} data sets; LP-separable sets the engine missed (optimiser failures, not "
            f"errors): {int(t['engine_missed'].sum())}")
    return measured(text, *(Value(c.engine_false, label=f"N={c.n_points},d={c.dim}") for c in t.itertuples()))


# ----------------------------------------------------------------------------------------------------------
# Per-data-set N* targets, or a certified negative at N = bound − 1 (depthlab.capacity.negative)


@dataclass(frozen=True)
class NegativeEvidence(Value):
    """A :class:`Value` whose ``x`` is the per-data-set N*, with the counts of the negative test at bound − 1
    (``attempts`` = 0: not run)."""

    attempts: int = 0
    successes: int = 0


@dataclass(frozen=True)
class TargetOrCertifiedNegative(Rule):
    """``x ≥ target``, or a certified negative from the item's counts (:func:`depthlab.capacity.negative.certified`:
    attempts ≥ ``min_attempts`` and the one-sided ``confidence`` Clopper–Pearson upper bound on P(fit) <
    ``p_max``). The verdict is computed from the raw counts, never from a stored flag."""

    target: float
    min_attempts: int = neg.MIN_ATTEMPTS
    p_max: float = neg.P_MAX
    confidence: float = neg.CONFIDENCE
    why: str = ""

    def passes(self, value: Value) -> bool:
        if value.x >= self.target:
            return True
        attempts = getattr(value, "attempts", 0)
        return attempts > 0 and neg.certified(getattr(value, "successes", 0), attempts,
                                              min_attempts=self.min_attempts, p_max=self.p_max,
                                              confidence=self.confidence)

    def describe(self, quantity: str) -> str:
        why = f" ({self.why})" if self.why else ""
        return (f"{quantity} ≥ {self.target:g}, or at N = bound − 1 attempts ≥ {self.min_attempts} and the exact "
                f"one-sided {self.confidence:.0%} Clopper–Pearson upper bound on P(fit) < {self.p_max:g}{why}")


def _negative_command(t: NegativeTarget) -> str:
    gain = f" --init-gain {t.init_gain:g}" if t.init_gain > 0 else ""
    return (f"depthlab capacity negative -a {t.activation} -L {t.depth} -w {t.width} --method {t.method}{gain} "
            f"--attempts {NEGATIVE_ATTEMPTS}")


def _negative(t: NegativeTarget):
    n = max_fittable(t.depth, t.width, t.activation, bias=False) - 1

    def measure(r: StudyResult):
        table = r.tables.get("negatives")
        if table is None:
            raise NotMeasured(f"not tested at this scale: {NEGATIVE_ATTEMPTS} attempts at N = {n} (bound − 1) are "
                              f"full-scale work; `depthlab reproduce --full` runs it, or one cell: "
                              f"`{_negative_command(t)}`")
        sel = table[table["key"] == t.key]
        if sel.empty:
            raise NotMeasured(f"no {t.key} row at this scale")
        x = sel.iloc[0]
        text = f"per-data-set N* = {x['n_star']:.1f} (target {t.target})"
        if int(x["attempts"]) == 0:
            if x["not_run"] and not x["n_star"] >= t.target:
                raise NotMeasured(f"{text}; negative test not run: {x['not_run']}")
            return measured(text + "; no negative test needed", NegativeEvidence(x["n_star"], label=t.key))
        verdict = "certified negative" if neg.certified(int(x["successes"]), int(x["attempts"])) else "not certified"
        text += (f"; at N = {int(x['n_points'])} ({x['method']}): {int(x['successes'])}/{int(x['attempts'])} fitted, "
                 f"95 % CP upper bound {x['cp_upper']:.2e} ({verdict}); median residual {x['median_residual']:.1e}, "
                 f"largest Jacobian rank deficit at the best points {int(x['max_rank_deficit'])}")
        return measured(text, NegativeEvidence(x["n_star"], attempts=int(x["attempts"]),
                                               successes=int(x["successes"]), label=t.key))
    return measure


def negative_claim(t: NegativeTarget) -> Claim:
    """The claim row of one target cell: N* ≥ target, or a certified negative at bound − 1."""
    p = parameter_count(t.depth, t.width, bias=False)
    s = symmetry_dimension(t.depth, t.width, t.activation, bias=False)
    b = capacity_bound(t.depth, t.width, t.activation, bias=False)
    n = max_fittable(t.depth, t.width, t.activation, bias=False) - 1
    return Claim(
        key=t.key,
        statement=f"per-data-set N* ≥ {t.target} ({t.activation}, d={t.width}, L={t.depth}, no biases), or a "
                  f"certified negative at N = bound − 1 = {n}",
        source=ours(f"our counting bound (P − S)/d with P = L·d² = {p} parameters and S = {s} symmetry dimensions: "
                    f"({p} − {s})/{t.width} = {b:g} (depthlab.capacity.theory.bounds), and our target N* ≥ "
                    f"{t.target}; the question is {PAPER}'s, how many points a deep network fits"),
        expected=f"N* ≥ {t.target} (bound {b:g})",
        quantity="the per-data-set N* (grid, 16 data sets × 4 restarts per N)",
        rule=TargetOrCertifiedNegative(t.target, why=f"{NEGATIVE_ATTEMPTS} attempts = data sets × 1 restart with "
                                       f"method {t.method}; 0 successes certify from 2995 attempts"),
        measure=_negative(t),
        note="a certified negative bounds what this method finds on random data, not what exists; rule fixed in "
             "depthlab.capacity.negative before any run",
    )


def _claims(scale: str) -> list[Claim]:
    ratios = [_ratio_claim(a, d) for a, d in _ratio_activations(scale) if a in PAPER_ACTIVATIONS]
    uw = [_uw_ratio_claim(a, d, b) for a, d, b in _unitwise_cells(scale) if a in PAPER_ACTIVATIONS]
    return [*ratios, *uw, LINEAR_CLAIM, COVER_CLAIM, WENDEL_CLAIM]


LINEAR_CLAIM = Claim(
    key="one-layer-linear",
    statement=f"one-layer linear y = W x fits exactly d generic points, never d + 1 (d={LINEAR_WIDTH})",
    source=paper(f"{PAPER}, abstract ('one layer network can only solve one equation, Y=WX')"),
    expected=f"fits N = d = {LINEAR_WIDTH}, not d + 1",
    quantity="the number of data sets against it (not fitted at N = d; fitted at N = d + 1)",
    rule=AtMost(0, why="generic X ∈ R^{d×N} has rank N ≤ d, so Y = WX is solvable at N = d; at N = d + 1 its N·d "
                       "equations in d² unknowns are inconsistent with probability one"),
    measure=_linear,
    note="engine sanity check; exact = relative residual ≤ 1e-8 in float64",
)
COVER_CLAIM = Claim(
    key="cover-theorem",
    statement="a bias-free perceptron separates N random labelled points in R^d with probability "
              "2^(1−N) Σ_{k<d} C(N−1, k) (1/2 at N = 2d)",
    source=external("Cover 1965, IEEE Trans. Electron. Comput. EC-14, Theorem 1"),
    expected="Cover's formula",
    quantity="the exact two-sided binomial p-value of each case's separated count (engine and LP) against the "
             "formula",
    rule=AtLeast(COVER_ALPHA, why="under the formula each test falls below 1e-3 with probability ≤ 1e-3"),
    measure=_cover,
    note="engine sanity check (the engine's perceptron in classification mode, and the LP certificate)",
)


# ----------------------------------------------------------------------------------------------------------
# Consistency: the parameter-count bound, engine vs LP, engine vs the lab's reference LM script


def _bound(r: StudyResult):
    cells = r.tables["cells"]
    limit = cells["bound"].apply(math.floor) + 0.5
    ok = int((cells["n_star_low"] <= limit).sum())
    deep = cells[cells["depth"] > 1]
    frac = deep["n_star"] / deep["bound"] if len(deep) else cells["n_star"] / cells["bound"]
    text = (f"{ok}/{len(cells)} cells have the lower end of N*'s interval ≤ ⌊bound⌋ + 1/2; N*/bound at L ≥ 2 from "
            f"{frac.min():.2f} to {frac.max():.2f}")
    values = [Value(c.n_star_low, ref=lim, label=f"L={c.depth} d={c.width} {c.activation}{'+b' if c.bias else ''}")
              for c, lim in zip(cells.itertuples(), limit, strict=True)]
    return measured(text, *values)


def _reference_command(depth: int) -> str:
    """How to measure the reference cell alone (at the report's default seed 0)."""
    spec = next(s for s in REFERENCE_SPECS if s.depths[0] == depth)
    cmd = f"depthlab capacity run -a tanh -L {depth} --width 16 --instances {spec.trials} --restarts {spec.restarts}"
    if spec.init_gain <= 0:
        return f"one cell: `{cmd}`"
    if 0 in spec.tuning_seeds:
        return (f"its init gain {spec.init_gain:g} was chosen on the evaluation seed 0 and must first be re-decided "
                f"on the tuning seeds (`depthlab capacity tune-gain`); then one cell: `{cmd} --init-gain G "
                f"--tuning-seeds {','.join(map(str, TUNING_SEEDS))}`")
    return f"one cell: `{cmd} --init-gain {spec.init_gain:g} --tuning-seeds {','.join(map(str, spec.tuning_seeds))}`"


def _reference(depth: int):
    def measure(r: StudyResult):
        not_run = r.values.get("reference_not_run", {}).get(f"L{depth}")
        if not_run is not None:
            raise NotMeasured(not_run)
        ref = r.tables.get("reference")
        if ref is None:
            raise NotMeasured(f"quick scale; `depthlab reproduce --full` measures it ({_reference_command(depth)}); "
                              "full-scale numbers: docs/capacity.md")
        row = _cell(ref, depth, 16, "tanh")
        text = (f"N* per attempt = {row['n_star_attempt']:.1f} "
                f"{_ci(row['n_star_attempt_low'], row['n_star_attempt_high'])}; best of {int(row['restarts'])} "
                f"restarts N* = {row['n_star']:.1f}; bound {row['bound']:.0f}")
        return measured(text, Value(row["n_star_attempt_high"], label=f"tanh d=16 L={depth}"))
    return measure


def _reference_check(depth: int) -> Claim:
    gain = f"; starts from init gain {REFERENCE_GAIN_L3:g}, which must be chosen on the tuning seeds" if depth == 3 \
        else ""
    return Claim(
        key=f"reference-L{depth}",
        statement=f"engine does at least as well as the reference LM script (tanh, d=16, L={depth})",
        source=ours("the lab's reference Levenberg–Marquardt script (unpublished; 64 restarts, float64, no biases)"),
        expected=f"N* ≈ {REFERENCE[depth]:.0f}",
        quantity="the upper end of the per-attempt N* interval",
        rule=AtLeast(REFERENCE[depth], why="the script's 50 % point, read as 50 % of its 64 attempts"),
        measure=_reference(depth),
        note=f"32 data sets × 2 restarts = 64 attempts per N, the study's LM budget{gain}",
    )


CONSISTENCY = (
    CERTIFICATES_VERIFIED,
    Claim(
        key="parameter-count-bound",
        statement="no exact fit beyond the parameter-count bound N ≤ (P − S)/d (S: ReLU rescaling symmetry)",
        source=ours("our dimension count (P − S)/d, depthlab.capacity.theory.bounds"),
        expected="2d (sigmoid/tanh), 2d − 1 (ReLU) at L = 2, no biases",
        quantity="each cell's lower end of the N* interval",
        rule=AtMost(why="reference ⌊(P − S)/d⌋ + 1/2: no N above ⌊(P − S)/d⌋ can be fitted, so a crossing beyond "
                        "it would need a false exact-fit certificate"),
        measure=_bound,
        note="N*/bound < 1 measures how far optimisation (or the geometry of σ) stays below the count",
    ),
    Claim(
        key="cover-engine-vs-lp",
        statement="the engine never certifies a perceptron separation that the LP certificate calls impossible",
        source=ours("the LP separability certificate on the same data sets (depthlab.engine.linearly_separable)"),
        expected="0 contradictions",
        quantity="each case's number of engine separations the LP calls inseparable",
        rule=AtMost(0, why="an engine separation has every margin > 0, so the LP must find it too"),
        measure=_cover_lp,
    ),
    _reference_check(2),
    _reference_check(3),
    *(negative_claim(t) for t in NEGATIVE_TARGETS),
    *(_uw_target_claim(t) for t in NEGATIVE_TARGETS if t.depth == 2),
    UNITWISE_PAIRED,
    POSITIVITY_CONSISTENCY,
    POSITIVITY_NEGATIVE,
)


# ----------------------------------------------------------------------------------------------------------
# Findings


def _relu(r: StudyResult):
    cells = r.tables["cells"]
    relu = cells[(cells["activation"] == "relu") & (cells["depth"] >= 2)]
    if relu.empty:
        raise NotMeasured("no ReLU cell with L ≥ 2 at this scale")
    return measured("; ".join(f"L={c.depth} d={c.width}{' +b' if c.bias else ''}: N* = {c.n_star:.1f} "
                              f"{_ci(c.n_star_low, c.n_star_high)}, d + 1/2 = {c.width + 0.5:g}"
                              for c in relu.itertuples()))


RELU_FINDING = Finding(
    key="relu-beyond-d",
    question="Does the engine fit deep (L ≥ 2) ReLU networks exactly beyond the linear capacity d? (the lab's "
             "reference LM script found no exact ReLU fit for L ≥ 2)",
    evidence="N* of every ReLU cell with L ≥ 2 beside d + 1/2 (N* > d + 1/2: fitted beyond d); N* is what the "
             "optimiser finds, a lower estimate of the capacity",
    measure=_relu,
)


def _findings(scale: str) -> list[Finding]:
    ratios = [_ratio_finding(a, d) for a, d in _ratio_activations(scale) if a not in PAPER_ACTIVATIONS]
    uw = [_uw_ratio_finding(a, d, b) for a, d, b in _unitwise_cells(scale) if a not in PAPER_ACTIVATIONS]
    return [*ratios, *uw, RELU_FINDING, UNITWISE_BOUND, POSITIVITY_FINDING]


CLAIMS = _claims
FINDINGS = _findings
