"""The study's run(ctx) end to end on a tiny grid (fake fitter for the grid, the real engine for Cover)."""

from __future__ import annotations

import torch

import depthlab.capacity.study as study
from depthlab.capacity.grid import GridSpec
from depthlab.report.registry import available_studies
from depthlab.report.types import StudyContext, Verdict


def test_registered() -> None:
    assert available_studies()["capacity"] is study.STUDY


def test_quick_run_structure(fake_fitter, monkeypatch, tmp_path) -> None:
    fake_fitter()
    monkeypatch.setattr(study, "QUICK", GridSpec(widths=(8,), depths=(1, 2), activations=("relu", "tanh"),
                                                 biases=(False,), trials=4, restarts=1,
                                                 n_ranges={(1, 8): (7, 12, 1), (2, 8): (7, 14, 1)}))
    monkeypatch.setitem(study.COVER_CASES, "quick", [(4, 2)])
    out = study.run(StudyContext(out_dir=tmp_path, scale="quick", seed=0, device=torch.device("cpu")))
    names = [c.claim for c in out.claims]
    assert sum("≈ 2×" in n for n in names) == 2  # one ratio row per activation
    assert any("Cover" in c.source for c in out.claims)
    ref = [c for c in out.claims if "reference" in c.claim]
    assert len(ref) == 2 and all(c.verdict == Verdict.NOT_TESTED for c in ref)
    # the fake fitter fits data set t iff N < 10 + t mod 4 for every architecture, so N*(2) = N*(1): ratio 1
    ratio = [c for c in out.claims if "≈ 2×" in c.claim]
    assert all(c.verdict == Verdict.DIFFERS for c in ratio)
    for f in out.figures:
        assert (tmp_path / f.path).exists()
    assert {"cells", "ratios", "cover", "linear"} <= set(out.tables)


def test_full_run_has_reference_rows(fake_fitter, monkeypatch, tmp_path) -> None:
    fake = fake_fitter()
    monkeypatch.setattr(study, "FULL", GridSpec(widths=(8,), depths=(1, 2), activations=("tanh",),
                                                biases=(False,), trials=4, restarts=1,
                                                n_ranges={(1, 8): (7, 12, 1), (2, 8): (7, 14, 1)}))
    ref_specs = tuple(GridSpec(**{**rs.__dict__, "trials": 4, "restarts": 2,
                                  "n_ranges": {(2, 16): (8, 14, 1), (3, 16): (8, 14, 1)}})
                      for rs in study.REFERENCE_SPECS)
    monkeypatch.setattr(study, "REFERENCE_SPECS", ref_specs)
    monkeypatch.setitem(study.COVER_CASES, "full", [(4, 2)])
    out = study.run(StudyContext(out_dir=tmp_path, scale="full", seed=0, device=torch.device("cpu")))
    ref = [c for c in out.claims if "reference" in c.claim]
    assert len(ref) == 2 and all("per attempt" in c.measured for c in ref)
    # the fake fitter puts N* near 11, far below the reference 23 / 34: both rows must say "differs"
    assert all(c.verdict == Verdict.DIFFERS for c in ref)
    # the reference cells ran with the study's LM budget for smooth σ
    ref_cells = [c for rs in ref_specs for c in rs.cells()]
    assert {c.key for c in ref_cells} <= {k for k, _ in fake.calls}
    assert all(c.lm_steps == study.SMOOTH_LM_STEPS for c in ref_cells)
    assert "reference" in out.tables


def test_reference_claim_verdicts() -> None:
    import pandas as pd

    def cells(low: float, high: float) -> pd.DataFrame:
        return pd.DataFrame([{"depth": L, "width": 16, "activation": "tanh", "bias": False, "restarts": 2,
                              "n_star": 30.0, "n_star_low": 29.0, "n_star_high": 31.0, "bound": 32.0 * L / 2,
                              "n_star_attempt": (low + high) / 2, "n_star_attempt_low": low,
                              "n_star_attempt_high": high} for L in (2, 3)])

    assert all(c.verdict == Verdict.HOLDS for c in study.reference_claims(cells(33.0, 35.0), "full"))
    v = [c.verdict for c in study.reference_claims(cells(30.0, 33.5), "full")]
    assert v == [Verdict.HOLDS, Verdict.DIFFERS]  # 33.5 reaches 23 (L = 2) but not 34 (L = 3)
