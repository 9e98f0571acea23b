"""Training link on digits: stacked replicate training works and the predictor is wired in."""

from __future__ import annotations

import numpy as np

from depthlab.angles.training import TrainConfig, load_digits_split, train_architecture, training_link


def test_shallow_network_learns_digits():
    data = load_digits_split(0)
    acc = train_architecture((64, 64), data, TrainConfig(epochs=2, replicates=2), seed=0, arch_index=0)
    assert acc.shape == (2,)
    assert np.all(acc > 0.5)  # chance is 0.1


def test_training_link_rows_and_spearman():
    rows, summary = training_link([(32, 32), (8,) * 6], TrainConfig(epochs=1, replicates=2), seed=0)
    assert len(rows) == 2 and summary["architectures"] == 2
    # the deeper narrow net is predicted to lose more angle (Algorithm 1)
    assert rows[1]["pred_log_sin2"] < rows[0]["pred_log_sin2"]
    assert -1.0 <= summary["spearman_finite"] <= 1.0
