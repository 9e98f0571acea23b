"""The committee study: registration, claims with verdicts, figures and tables (on a tiny preset)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from depthlab.committee import study as study_mod
from depthlab.committee.study_claims import _half_unit
from depthlab.report.registry import available_studies
from depthlab.report.types import StudyContext, Verdict

TINY = {
    "relu": {"Ks": (2, 4), "Ns": (16, 32), "alphas": (0.5, 1.5, 3.0, 5.0), "instances": 6, "steps": 150},
    "sign": {"Ks": (1, 3), "Ns": (15, 30), "alphas": (0.5, 1.5, 3.0, 5.0), "instances": 6, "steps": 150},
    "sign_la": {"Ks": (1, 3), "Ns": (15, 30), "alphas": (0.5, 1.5, 3.0, 5.0), "instances": 6, "epochs": 100},
    "binary": {"Ns": (12,), "alphas": (0.2, 0.6, 1.2), "instances": 6, "sweeps": 30},
    "robust": {"N": 24, "alpha": 0.5, "machines": 6, "draws": 2, "steps": 200, "binary_N": 18,
               "binary_alpha": 0.2, "sweeps": 50},
    "theory": {"relu_ks": (2, 4), "sign_ks": (3,)},
}


def test_registered() -> None:
    studies = available_studies()
    assert "committee" in studies
    assert studies["committee"].cli is not None


def test_half_unit() -> None:
    assert _half_unit(0.904) == pytest.approx(5e-4)
    assert _half_unit(2.6643) == pytest.approx(5e-5)
    assert _half_unit(2.0) == pytest.approx(0.5)


def test_study_runs_on_tiny_preset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(study_mod.SCALES, "quick", TINY)
    ctx = StudyContext(out_dir=tmp_path, scale="quick", seed=0, device=torch.device("cpu"))
    out = study_mod.STUDY.run(ctx)
    for f in out.figures:
        assert (tmp_path / f.path).exists()
    assert {"theory", "success", "transitions", "extrapolated", "robustness"} <= set(out.tables)
    verdicts = {c.verdict for c in out.claims}
    assert verdicts <= set(Verdict)
    texts = " ".join(c.claim for c in out.claims)
    assert "α_RS relu, spherical, K=∞" in texts and "α_1RSB relu, spherical, K=∞" in texts
    heads = [c for c in out.claims if "Capacity stays finite" in c.claim]
    assert len(heads) == 2 and any("least-action" in c.claim for c in heads)  # Adam and least-action rows
    assert set(out.tables["extrapolated"]["algorithm"]) == {"adam-engine", "least-action", "simulated-annealing"}
    # The calculator reproduces the closed form and the classic perceptron values (checked by theory tests too).
    rs = next(c for c in out.claims if c.claim == "α_RS relu, spherical, K=∞")
    assert rs.verdict == Verdict.HOLDS
    # Resumable: a second run reuses every shard.
    monkeypatch.setattr(study_mod, "run_sweep", _no_recompute(study_mod.run_sweep))
    study_mod.STUDY.run(ctx)


def _no_recompute(real):
    from depthlab.committee import experiment

    def wrapped(*args, **kwargs):
        orig = experiment.run_cell

        def boom(*a, **k):
            raise AssertionError("recomputed a finished cell")

        experiment.run_cell = boom
        try:
            return real(*args, **kwargs)
        finally:
            experiment.run_cell = orig

    return wrapped
