"""The two KS constructions and the authors' notebook density (Jakub & Nica, Fig. 1; the authors' notebook
Angle_Evolution/Depth_Degeneracy_in_Neural_Networks_Plots.ipynb, cells 18–30)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import kolmogorov

from depthlab.angles.ks import ecdf_points, ks_authors, ks_one_sample, ks_seed_table
from depthlab.angles.theory.authors_notebook import (
    NOTEBOOK_GRID,
    authors_density,
    notebook_first_layer,
    notebook_rho,
)
from depthlab.angles.theory.finite import mu, rho, sigma2
from depthlab.errors import InputError


def test_ecdf_points_are_statsmodels_ecdf():
    x, y = ecdf_points(np.array([3.0, 1.0, 2.0]))
    np.testing.assert_array_equal(x, [-np.inf, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(y, [0.0, 1 / 3, 2 / 3, 1.0])


def test_authors_construction_is_a_two_sample_test_of_the_same_statistic():
    """Same D up to the grid's 1/(n+1) steps; p judged as for two samples of n + 1: p_authors ≫ p_ours."""
    rng = np.random.default_rng(3)
    x = rng.normal(0.05, 1.0, size=2000)  # a small shift: the one-sample test sees it
    d1, p1 = ks_one_sample(x, stats.norm.cdf)
    d2, p2 = ks_authors(x, stats.norm.cdf)
    n = x.size
    assert abs(d1 - d2) <= 1.0 / n
    assert p2 > 3 * p1
    # asymptotically p_authors ≈ Kolmogorov tail at D·√((n+1)/2), p_ours at D·√n
    assert p2 == pytest.approx(kolmogorov(d2 * math.sqrt((n + 1) / 2)), abs=0.02)
    assert p1 == pytest.approx(kolmogorov(d1 * math.sqrt(n)), abs=0.02)


def test_notebook_first_layer_and_rho_equal_theorem1():
    for n in (16, 256, 1024):
        m, v = notebook_first_layer(0.1, n)
        assert m == pytest.approx(float(mu(0.1, n)), rel=1e-11)
        assert v == pytest.approx(float(sigma2(0.1, n)), rel=1e-9)  # float64 cancellation in D ~ θ², X ~ θ⁴
        assert notebook_rho(n) == pytest.approx(float(rho(n)), rel=1e-13)


def test_authors_density_equals_the_notebooks_dense_product():
    """One step of the notebook's dense Riemann sum (cell 22), at 300 target cells across the support."""
    dens = authors_density(0.1, 256, 2)
    x_start, x_end, points = NOTEBOOK_GRID
    x = np.linspace(x_start, x_end, points)
    n, delta = 256, (x_end - x_start) / points
    alpha = x - 2 / (3 * np.pi) * np.arcsin(np.exp(x / 2)) - notebook_rho(n)
    beta = np.sqrt(8 * n / (n + 5) ** 2)
    targets = np.unique(np.r_[np.linspace(0, points - 1, 200).astype(int), np.argmax(dens.pdf[2]) + np.arange(-50, 50)])
    kernel = stats.norm(0, 1).pdf((x[targets, None] - alpha[None, :]) / beta) / beta
    dense = (kernel @ dens.pdf[1]) * delta
    assert np.max(np.abs(dense - dens.pdf[2][targets])) < 1e-13 * dens.pdf[2].max()
    # the notebook's CDF is cumsum(pdf)·Δ with Δ = 15/10000 (not the spacing 15/9999): it tops out below 1
    assert dens.cdf[1, -1] == pytest.approx(0.9999, abs=1e-12)
    assert dens.cdf_at(1, -np.inf) == dens.cdf[1, 0]


def test_authors_density_inputs():
    with pytest.raises(InputError, match="theta0"):
        authors_density(0.0, 256, 3)
    with pytest.raises(InputError, match="width"):
        authors_density(0.1, 1, 3)
    with pytest.raises(InputError, match="layer"):
        authors_density(0.1, 64, 3).cdf_at(4, 0.0)


def test_seed_table_rows_depend_only_on_the_seed():
    one = ks_seed_table(0.1, 32, 3, 256, [5, 6, 7], layers=(1, 3))
    two = ks_seed_table(0.1, 32, 3, 256, [7, 5], layers=(1, 3), workers=2)
    assert list(one.columns) == ["seed", "layer", "samples", "d_ours", "p_ours", "d_authors", "p_authors"]
    key = ["seed", "layer"]
    merged = one.merge(two, on=key, suffixes=("", "_2"))
    assert len(merged) == 4
    np.testing.assert_array_equal(merged["p_authors"], merged["p_authors_2"])
    np.testing.assert_array_equal(merged["p_ours"], merged["p_ours_2"])
