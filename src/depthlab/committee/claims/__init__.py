"""Claims, consistency checks and findings of the committee-machine study, declared once.

Paper: Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), arXiv 1907.07578. Its abstract makes two claims
we test: the capacity of a tree committee machine with ReLU hidden units stays finite as the number K of hidden
units grows, while with threshold (sign) units it diverges; and ReLU machines have dense regions of robust
solutions. The paper's own capacity numbers were not available to us, so

* **claims** (:data:`CLAIMS`) are judged against what an outside source prints: the abstract's two statements,
  Cover's and Gardner's α_c = 2 for the spherical perceptron, Krauth & Mézard's 0.833 for the binary one, and
  Monasson & Zecchina's growth law;
* **consistency checks** (:data:`CONSISTENCY`) compare our code with our own derivations: the replica
  calculator's RS / 1RSB / binary values with closed forms of :mod:`depthlab.activations` and with an
  independent implementation of the same equations, and the measured storage transitions with the RS capacity
  our calculator gives for the same machine.

* the **geometry** rows (:func:`geometry_claims`) judge the abstract's dense-region statement with
  robust-ensemble (replicated) solutions beside plain ones (:mod:`depthlab.committee.geometry`), and one
  **finding** (:func:`FINDINGS`) separates the coupling's share of the effect with uncoupled replicas.

Every rule is fixed here, before the run it judges, and each rule object writes its own sentence in the report
(so no rule is restated in prose here). The headline is three claims (:func:`headline_claims`): ReLU, whose rule
is the one written before the first run, and the sign half once per sign algorithm. Declarations are built per
scale (:func:`CLAIMS`, :func:`CONSISTENCY` take the scale) because the scales measure different K
(:mod:`depthlab.committee.scales`).

The declarations live in submodules, one per part of the report; this module assembles the three lists and
re-exports the names each submodule defines:

* :mod:`~depthlab.committee.claims.common` — the paper, the abstract's two statements, the ReLU ceiling 2π/(π−1)
  and the number formatters;
* :mod:`~depthlab.committee.claims.theory` — the replica calculator's values (claims and consistency checks);
* :mod:`~depthlab.committee.claims.transitions` — the measured storage transitions and the perceptron decided
  exactly by linear programming (Cover's ½);
* :mod:`~depthlab.committee.claims.headline` — the headline claims;
* :mod:`~depthlab.committee.claims.geometry` — the robustness and geometry rows, and the coupling control's
  measurement.
"""

from __future__ import annotations

from depthlab.committee.claims.common import DIVERGES, FINITE, PAPER, RELU_CEILING
from depthlab.committee.claims.geometry import (
    GEOMETRY_D,
    GEOMETRY_NOTE,
    PERTURBATIONS,
    ROBUST_LEVELS,
    ROBUST_SOURCE,
    _coupling_measure,
    flatter_value,
    geometry_claims,
    relu_vs_sign_value,
    robustness_claims,
)
from depthlab.committee.claims.headline import CAVEAT, headline_claims
from depthlab.committee.claims.theory import RELU_TIES_CORRECT_MC, theory_checks, theory_claims
from depthlab.committee.claims.transitions import ALGORITHMS, COVER_K_SE, _machines, _transition, exact_cover_claim
from depthlab.report.claims import Declaration, Finding

__all__ = [
    "ALGORITHMS",
    "CAVEAT",
    "CLAIMS",
    "CONSISTENCY",
    "COVER_K_SE",
    "DIVERGES",
    "FINDINGS",
    "FINITE",
    "GEOMETRY_D",
    "GEOMETRY_NOTE",
    "PAPER",
    "PERTURBATIONS",
    "RELU_CEILING",
    "RELU_TIES_CORRECT_MC",
    "ROBUST_LEVELS",
    "ROBUST_SOURCE",
    "exact_cover_claim",
    "flatter_value",
    "geometry_claims",
    "headline_claims",
    "relu_vs_sign_value",
    "robustness_claims",
    "theory_checks",
    "theory_claims",
]


# ----------------------------------------------------------------------------------------------------------
# The three lists (functions of the scale: the scales measure different K)


def CLAIMS(scale: str) -> list[Declaration]:
    """Rows judged against the paper or an outside source."""
    cover = [_transition(*m) for m in _machines(scale) if m[0] == "sign" and m[3] == 1]
    return [*theory_claims(scale), *cover, exact_cover_claim(), *headline_claims(), *robustness_claims(scale),
            *geometry_claims(scale)]


def CONSISTENCY(scale: str) -> list[Declaration]:
    """Rows that check our code against our own derivations and computations."""
    rs = [_transition(*m) for m in _machines(scale) if not (m[0] == "sign" and m[3] == 1)]
    return [*theory_checks(scale), *rs]


def FINDINGS(scale: str) -> list[Declaration]:
    """Answers beyond the paper: does the robust solutions' flatness come from the coupling?"""
    return [Finding(
        key="geometry-coupling-control",
        question="Is the robust-ensemble solutions' lower local energy due to the elastic coupling, or to "
                 "mini-batch noise and picking one of y runs?",
        evidence="The same y replicas, starts, mini-batches and steps are run once coupled (γ0, γ1 as in the "
                 "geometry rows) and once uncoupled (γ = 0), with the same 'solving replica nearest the centre' "
                 f"rule; shown: the paired difference of local energy at d = {GEOMETRY_D:g} (positive: the "
                 "coupling makes solutions flatter), ± SE over problems solved by both.",
        measure=_coupling_measure)]
