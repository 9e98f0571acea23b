"""The certificate audit (depthlab.capacity.audit) and the report's ``certificates-verified`` row.

Thresholds are set relative to each fit's own recomputed residuals r (NumPy), mp (mpmath, 50 digits) and rounding
bound B, so every case is decided by the module's rule, not by a tolerance of the test."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from depthlab.capacity import CellConfig, claims, open_store, run_curve
from depthlab.capacity.audit import _classes, certificate_audit
from depthlab.capacity.certificates import certificate_files, load_certificate, residual_mpmath, residual_numpy
from depthlab.report.claims import Verdict, declarations, evaluate_one
from depthlab.report.types import StudyResult


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("audit")
    run_curve(CellConfig(depth=2, width=2, activation="tanh", trials=3, restarts=1), open_store(out), n_min=1,
              n_max=3, step=1, device="cpu")
    return out


def test_honest_run_is_all_confirmed(run_dir) -> None:
    t, mism = certificate_audit(run_dir)
    assert len(t) > 0 and mism == []
    assert (t["confirmed"] == t["fits"]).all() and (t[["exact", "rejected", "disagree"]] == 0).all().all()


def test_each_fit_lands_in_one_class_by_its_own_residuals(run_dir) -> None:
    c = load_certificate(certificate_files(run_dir)[0])
    r, b = residual_numpy(c, 0)
    mp = residual_mpmath(c, 0)
    # above r and mp, below r + B: the float64 rule cannot confirm fit 0, mpmath says it is exact
    k = _classes(dataclasses.replace(c, tol=max(r, mp) + b / 4), 8, 50)
    assert k["exact"][0] and not k["confirmed"][0] and not k["rejected"][0]
    # the same without mpmath for every fit (as at d > 8): mpmath runs for the undecided fit only
    k0 = _classes(dataclasses.replace(c, tol=max(r, mp) + b / 4), 0, 50)
    assert k0["exact"][0] and np.isfinite(k0["mp"][0])
    assert all(np.isnan(k0["mp"][i]) == bool(k0["confirmed"][i]) for i in range(c.theta.shape[0]))
    # below mp: the stored fit is not one at this threshold
    k = _classes(dataclasses.replace(c, tol=mp / 2), 0, 50)
    assert k["rejected"][0] and not k["exact"][0]
    for kk in (k, k0):
        assert (kk["confirmed"].astype(int) + kk["exact"] + kk["rejected"] == 1).all()


def test_tampered_weights_are_rejected_and_disagree(run_dir, tampered_copy) -> None:
    out, f, _ = tampered_copy(run_dir, 1e-3)
    t, mism = certificate_audit(out)
    row = t[t["file"] == str(f)].iloc[0]
    assert row["rejected"] == 1 and row["disagree"] == 1 and row["max_mpmath_rejected"] > 1e-8
    assert mism == []  # the certificate entry is still there; only its weights changed
    f.unlink()
    t, mism = certificate_audit(out)
    assert len(mism) == int(row["fits"]) and "no certificate" in mism[0]


def test_empty_folder_gives_an_empty_table(tmp_path) -> None:
    t, mism = certificate_audit(tmp_path)
    assert t.empty and mism == []


def _verdict(result: StudyResult) -> Verdict:
    decl = next(d for group in declarations(claims, "quick") for d in group if d.key == "certificates-verified")
    return evaluate_one("capacity", decl, result).verdict


def test_row_verdicts() -> None:
    def tab(**over) -> pd.DataFrame:
        row = {"file": "f.npz", "cell": "L=2 d=8 tanh N=9", "width": 8, "n_points": 9, "fits": 10, "confirmed": 9,
               "exact": 1, "rejected": 0, "disagree": 0, "max_residual": 1e-9, "max_mpmath_rejected": np.nan}
        return pd.DataFrame([{**row, **over}])

    none = pd.DataFrame({"message": []}, dtype=str)
    assert _verdict(StudyResult(tables={"certificates": tab(), "certificate_mismatches": none})) == Verdict.PASSES
    bad = tab(exact=0, rejected=1, max_mpmath_rejected=1.7e-8)
    assert _verdict(StudyResult(tables={"certificates": bad, "certificate_mismatches": none})) == Verdict.FAILS
    assert _verdict(StudyResult(tables={"certificates": tab(), "certificate_mismatches":
                                        pd.DataFrame({"message": ["shard x claims ..."]})})) == Verdict.FAILS
    assert _verdict(StudyResult(tables={"certificates": tab(disagree=1)})) == Verdict.FAILS
    assert _verdict(StudyResult(tables={"certificates": tab()[:0], "certificate_mismatches": none})) == \
        Verdict.NOT_RUN
    assert _verdict(StudyResult(tables={})) == Verdict.NOT_RUN
