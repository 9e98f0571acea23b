"""Training link on digits: stacked replicate training works and the predictor is wired in."""

from __future__ import annotations

from depthlab.angles.training import TrainConfig, training_link


def test_training_link_learns_and_ranks():
    rows, summary = training_link([(64, 64), (8,) * 6], TrainConfig(epochs=2, replicates=2), seed=0)
    assert len(rows) == 2 and summary["architectures"] == 2
    assert rows[0]["acc_mean"] > 0.5  # a shallow wide net learns digits (chance is 0.1)
    # the deeper narrow net is predicted to lose more angle (Algorithm 1)
    assert rows[1]["pred_log_sin2"] < rows[0]["pred_log_sin2"]
    assert -1.0 <= summary["spearman_finite"] <= 1.0
