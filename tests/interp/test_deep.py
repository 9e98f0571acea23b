"""Deep constructions: exact interpolation, sparse interpolation matrices, the classifier, neuron counts."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.interp.datasets import clusters, digits, random_points
from depthlab.interp.layer_analysis import analyse
from depthlab.interp.theory import neuron_counts as counts
from depthlab.interp.theory.deep_classifier import classifier
from depthlab.interp.theory.deep_grouped import grouped
from depthlab.interp.theory.deep_windowed import windowed


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


@pytest.mark.parametrize(("N", "d", "m"), [(1, 1, 1), (2, 1, 1), (5, 1, 1), (60, 2, 1), (200, 8, 3)])
def test_windowed_interpolates_exactly(N: int, d: int, m: int) -> None:
    X, Y = random_points(N, d, np.random.default_rng(N + d), outputs=m)
    con = windowed(X, Y, rng=np.random.default_rng(0))
    assert con.residual <= 1e-10
    G, s = con.info["groups"], con.info["group_size"]
    assert con.net.widths == [2 * G - 1, 2 * G, 2 * s * m]
    assert con.hidden_neurons == counts.windowed_neurons(N, G, m, s) == con.stated_neurons
    assert con.net.parameters == counts.windowed_parameters(N, d, G, m, s)


def test_windowed_layer2_is_exact_windows_and_indicators() -> None:
    X, Y = random_points(300, 4, np.random.default_rng(13))
    con = windowed(X, Y, rng=np.random.default_rng(14), groups=12)
    _, H2, H3 = con.net.hidden(X[con.order])
    G = 12
    win, ind = H2[:, :G], H2[:, G:]
    # the indicator block is exactly one-hot (0 and 1, no rounding) and agrees with the windows' support
    assert set(np.unique(ind)) == {0.0, 1.0}
    assert np.all(ind.sum(axis=1) == 1)
    group = np.argmax(ind, axis=1)
    assert np.all(np.diff(group) >= 0)  # rows in projection order: groups are consecutive
    off = np.ones_like(win, dtype=bool)
    off[np.arange(300), group] = False
    assert np.all(win[off] == 0) and np.all(win[~off] > 0)
    s = con.info["group_size"]
    assert (H3 != 0).sum(axis=1).max() <= s and np.mean(H3 == 0) >= 0.75 - 1 / (2 * s)


def test_windowed_beats_grouped_numerically_at_n1000() -> None:
    # the study's tolerance is residual ≤ 1e-10; grouped reaches ≈ 5e-10 here (ramps that cancel), windowed ≈ 3e-12
    X, Y = random_points(1000, 10, np.random.default_rng(15))
    con = windowed(X, Y, rng=np.random.default_rng(16))
    assert con.residual <= 1e-10


@pytest.mark.parametrize("base", ["grouped", "windowed"])
def test_classifier_on_either_base(base: str) -> None:
    X, y = clusters(200, 4, 6, np.random.default_rng(17))
    con = classifier(X, y, rng=np.random.default_rng(18), num_classes=6, base=base)
    assert con.info["accuracy"] == 1.0 and con.residual <= 1e-10
    G, s = con.info["groups"], con.info["group_size"]
    assert con.net.depth == (4 if base == "grouped" else 5)
    assert con.hidden_neurons == counts.classifier_neurons(200, G, 6, s, base=base) == con.stated_neurons
    assert con.net.parameters == counts.classifier_parameters(200, 4, G, 6, s, base=base)


def test_counting_lower_bound_is_minimal_and_below_every_built_net() -> None:
    for N in (1, 10, 100, 1000, 10_000):
        n = counts.counting_lower_bound(N)
        assert n * n / 4 + 3 * n + 1 >= N and (n == 0 or (n - 1) ** 2 / 4 + 3 * (n - 1) + 1 < N)
    for N in (100, 1000):
        X, Y = random_points(N, 1, np.random.default_rng(N))
        for con in (grouped(X, Y, rng=np.random.default_rng(1)), windowed(X, Y, rng=np.random.default_rng(1))):
            assert con.hidden_neurons >= counts.counting_lower_bound(N)
            # and the parameter count the bound rests on: P ≤ n²/4 + 3n + 1 for d = 1, one output
            n = con.hidden_neurons
            assert con.net.parameters <= n * n / 4 + 3 * n + 1
