"""Deep constructions: exact interpolation, sparse interpolation matrices, the classifier, neuron counts."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.interp import counts
from depthlab.interp.analysis import analyse
from depthlab.interp.data import clusters, digits, random_points
from depthlab.interp.deep import classifier, grouped


@pytest.mark.parametrize(("N", "d", "m"), [(1, 1, 1), (5, 1, 1), (60, 2, 1), (200, 8, 3)])
def test_grouped_interpolates_exactly(N: int, d: int, m: int) -> None:
    X, Y = random_points(N, d, np.random.default_rng(N + d), outputs=m)
    con = grouped(X, Y, rng=np.random.default_rng(0))
    assert con.residual <= 1e-10
    G, s = con.info["groups"], con.info["group_size"]
    assert con.net.widths == [2 * G - 1, 2 * s * m]
    assert con.hidden_neurons == counts.grouped_neurons(N, G, m, s) == con.stated_neurons
    assert con.net.parameters == counts.grouped_parameters(N, d, G, m, s)
    assert s <= counts.group_size_bound(N, G)


def test_grouped_layer2_is_sparse_and_blockwise_triangular() -> None:
    X, Y = random_points(150, 3, np.random.default_rng(1))
    con = grouped(X, Y, rng=np.random.default_rng(2))
    H2 = con.net.hidden(X[con.order])[1]
    s = con.info["group_size"]
    assert np.mean(H2 == 0) >= 0.75 - 1 / (2 * s)
    assert (H2 != 0).sum(axis=1).max() <= s  # a point of group g: at most s_g active neurons


@pytest.mark.parametrize(("N", "d", "K"), [(30, 2, 2), (300, 5, 7)])
def test_classifier_classifies_every_point(N: int, d: int, K: int) -> None:
    X, y = clusters(N, d, K, np.random.default_rng(3))
    con = classifier(X, y, rng=np.random.default_rng(4), num_classes=K)
    assert con.info["accuracy"] == 1.0
    assert con.residual <= 1e-10
    G, s = con.info["groups"], con.info["group_size"]
    assert con.hidden_neurons == counts.classifier_neurons(N, G, K, s) == con.stated_neurons
    assert con.net.parameters == counts.classifier_parameters(N, d, G, K, s)
    H4 = con.net.hidden(X)[3]
    active = H4 > 0
    assert np.all(active.sum(axis=1) == 2)  # exactly the class pair is active
    assert np.all(active[np.arange(N), 2 * y]) and np.all(active[np.arange(N), 2 * y + 1])
    table = analyse(con.net, X, y)
    assert table["resembles"].iloc[-1] == "one-hot / block-sparse"
    assert table["within_jaccard"].iloc[-1] == 1.0 and table["between_jaccard"].iloc[-1] == 0.0


def test_classifier_on_digits_subset() -> None:
    X, y = digits(300)
    con = classifier(X, y, rng=np.random.default_rng(5))
    assert con.info["accuracy"] == 1.0 and con.hidden_neurons < 300


def test_depth_advantage_formulas() -> None:
    for N in (100, 1000, 10_000, 100_000):
        G = counts.best_groups(N)
        deep = counts.grouped_neurons(N, G, 1, counts.group_size_bound(N, G))
        assert deep < counts.shallow_lower_bound(N) < counts.shallow_neurons(N)
        assert deep <= 6 * np.sqrt(N)
    assert counts.shallow_lower_bound(7) == 3 and counts.shallow_neurons(7, bias=True) == 6
