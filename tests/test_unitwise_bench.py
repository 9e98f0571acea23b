"""benchmarks/unitwise.py: the scipy baseline's analytic Jacobian is right, and the tiny suite runs end to end."""

from __future__ import annotations

import numpy as np


def test_scipy_baseline_jacobian_matches_finite_differences(benchmark_script) -> None:
    """Central differences with h = 1e-6 have truncation error O(h²·|f'''|) ≈ 1e-12 and rounding ≈ ε/h ≈ 1e-10."""
    mod = benchmark_script("unitwise")
    rng = np.random.default_rng(0)
    d, n = 3, 5
    x, y = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    p = rng.standard_normal(2 * d * d)
    j = mod.tanh_jacobian(p, x, y, d)
    h = 1e-6
    num = np.stack([(mod.tanh_residual(p + h * e, x, y, d) - mod.tanh_residual(p - h * e, x, y, d)) / (2 * h)
                    for e in np.eye(p.size)], axis=1)
    assert j.shape == (n * d, 2 * d * d)
    np.testing.assert_allclose(j, num, atol=1e-8)


def test_tiny_suite(benchmark_script) -> None:
    mod = benchmark_script("unitwise")
    res = mod.main(["--suite", "tiny"])
    tanh = next(c for c in res["cases"] if c["activation"] == "tanh")
    # N = 2d − 1 = 5: the construction certifies every data set (tests/test_unitwise.py)
    assert tanh["sides"]["unitwise"]["certified"] == tanh["data_sets"]
    assert set(tanh["sides"]) == {"unitwise", "lm", "scipy"}
    assert all(s["seconds"] > 0 for c in res["cases"] for s in c["sides"].values())
    assert res["load_at_start"] is None or len(res["load_at_start"]) == 3
