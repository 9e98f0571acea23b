"""Study registration and claim rules (the full quick run is exercised by `depthlab reproduce`)."""

from __future__ import annotations

import pandas as pd
from depthlab.report.registry import BUILTIN_STUDIES

from depthlab.angles.study import STUDY, _bessel_claim, _mean_law_claim
from depthlab.report.types import Verdict


def test_registered():
    assert "depthlab.angles.study:STUDY" in BUILTIN_STUDIES
    assert STUDY.name == "angles" and STUDY.cli is not None


def _sweep(alg1_last):
    return pd.DataFrame(
        {
            "width": [64, 64],
            "layer": [0, 50],
            "markov_mean": [0.0, -5.0],
            "markov_sem": [0.0, 0.02],
            "alg1_mean": [0.0, alg1_last],
            "inf_width": [0.0, -3.7],
            "full_mean": [float("nan")] * 2,
            "full_sem": [float("nan")] * 2,
            "collapsed": [0, 0],
        }
    )


def test_mean_law_verdicts():
    # tolerance = 5% of the decay (0.25) + 3 SE (0.06) = 0.31
    assert _mean_law_claim(_sweep(-5.2), 64, "quick").verdict == Verdict.HOLDS
    assert _mean_law_claim(_sweep(-5.4), 64, "quick").verdict == Verdict.DIFFERS


def test_bessel_identity_claim_holds():
    assert _bessel_claim().verdict == Verdict.HOLDS
