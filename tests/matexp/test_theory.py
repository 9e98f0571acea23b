"""Closed-form solver: residuals on random data, diagnostics, λ and branch, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.errors import InputError, NumericalError, SingularMatrixError
from depthlab.matexp import forward, make_problem, random_problem, solve_problem, solve_two
from depthlab.matexp.theory.closed_form import RESIDUAL_TOL

# Tolerances (notes §5.3): 1e-10 for d ≤ 16 on CN(0, 1/d) data with λ chosen on a grid; 1e-8 at d = 64, where
# cond(X2 − X1) of a random matrix grows like d and the intermediate exponentials amplify rounding.
TOL = {1: RESIDUAL_TOL, 2: RESIDUAL_TOL, 4: RESIDUAL_TOL, 16: RESIDUAL_TOL, 64: 1e-8}


@pytest.mark.parametrize("d", [1, 2, 4, 16, 64])
@pytest.mark.parametrize("real", [False, True])
def test_residuals_random(d: int, real: bool) -> None:
    seeds = range(3) if d < 64 else range(1)
    for seed in seeds:
        p = random_problem(d, seed=seed, real=real)
        sol = solve_problem(p)
        diag = sol.diagnostics
        # the residual in the diagnostics is a real forward evaluation: recompute it independently
        for x, y, r in ((p.X1, p.Y1, diag.residuals[0]), (p.X2, p.Y2, diag.residuals[1])):
            direct = np.linalg.norm(forward(x, sol.weights) - y) / np.linalg.norm(y)
            assert direct == pytest.approx(r, rel=1e-6, abs=1e-16)
        assert diag.max_residual <= TOL[d], (d, seed, real, diag)


def test_diagnostics_content() -> None:
    sol = solve_two(**_problem(4, seed=5))
    d = sol.diagnostics
    assert d.lam_auto and d.candidates_verified >= 1
    assert d.cond_dx >= 1 and d.cond_y1 >= 1 and d.cond_m >= 1
    for key in ("W1", "W2", "W3", "A1", "expm(A1)", "H1", "expm(H1)", "A2", "H2"):
        assert np.isfinite(d.norms[key]) and d.norms[key] > 0
    assert d.log_method in ("eig", "iss")
    js = d.to_dict()
    assert len(js["residuals"]) == 2 and len(js["lam"]) == 2


def test_w1_shifts_by_lambda() -> None:
    """The construction's key identity: W1·X2 = W1·X1 + λI (notes §3)."""
    p = random_problem(5, seed=2)
    lam = 0.8 + 0.3j
    w1, _, _ = solve_problem(p, lam=lam).weights
    np.testing.assert_allclose(w1 @ p.X2 - w1 @ p.X1, lam * np.eye(5), atol=1e-12)


@pytest.mark.parametrize("lam", [1.0, 0.5 + 1j, -1.5])
def test_fixed_lambda_and_branch(lam: complex) -> None:
    p = random_problem(4, seed=1)
    for branch in (0, 1, -1):
        sol = solve_problem(p, lam=lam, branch=branch)
        assert sol.diagnostics.lam == lam and not sol.diagnostics.lam_auto
        assert sol.diagnostics.branch == branch
        assert sol.diagnostics.max_residual <= 1e-9


def test_real_weights_condition() -> None:
    """det Y1·det Y2 < 0 ⇒ the weights cannot be real (det f(X) has the sign of det W3, notes §2.5)."""
    seen_neg = seen_real = 0
    for seed in range(40):
        p = random_problem(2, seed=seed, real=True)
        d = solve_problem(p).diagnostics
        necessary = np.linalg.det(p.Y1.real) * np.linalg.det(p.Y2.real) > 0
        assert d.real_weights_necessary == necessary
        if not necessary:
            seen_neg += 1
            assert not d.weights_real
        if d.weights_real:
            seen_real += 1
            w = solve_problem(p).weights
            assert all(np.all(wi.imag == 0) for wi in w)
    assert seen_neg > 0 and seen_real > 0  # both branches of the logic were exercised


def _problem(d: int = 3, seed: int = 0) -> dict[str, np.ndarray]:
    p = random_problem(d, seed=seed)
    return {"X1": p.X1, "X2": p.X2, "Y1": p.Y1, "Y2": p.Y2}


def test_bad_shapes() -> None:
    args = _problem()
    with pytest.raises(InputError, match="square"):
        make_problem(**{**args, "X1": np.ones((3, 4))})
    with pytest.raises(InputError, match="shape"):
        make_problem(**{**args, "Y2": np.eye(4)})


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite(bad: float) -> None:
    args = _problem()
    x = args["Y1"].copy()
    x[1, 2] = bad
    with pytest.raises(InputError, match=r"Y1 contains .*(NaN|Inf)"):
        make_problem(**{**args, "Y1": x})


def test_singular_dx_names_matrix_and_condition() -> None:
    args = _problem()
    with pytest.raises(SingularMatrixError, match=r"X2 − X1") as exc:
        solve_two(**{**args, "X2": args["X1"]})
    # numerically singular: X2 − X1 with singular values 1, 1, 1e-14 (cond 1e14 > 1e12)
    u, _, vh = np.linalg.svd(np.random.default_rng(0).standard_normal((3, 3)))
    x2 = args["X1"] + u @ np.diag([1.0, 1.0, 1e-14]) @ vh
    with pytest.raises(SingularMatrixError, match="condition number") as exc:
        solve_two(**{**args, "X2": x2})
    assert exc.value.cond > 1e12


def test_nearly_coincident_inputs_overflow_is_explained() -> None:
    """X2 = X1 + 1e-14·E is well-conditioned relative to itself but tiny: W1 ~ 1e14 overflows expm."""
    args = _problem()
    x2 = args["X1"] + 1e-14 * np.random.default_rng(1).standard_normal((3, 3))
    with pytest.raises(NumericalError, match="nearly coincide"):
        solve_two(**{**args, "X2": x2})


def test_singular_y1_and_m() -> None:
    args = _problem()
    y1 = args["Y1"].copy()
    y1[:, 0] = y1[:, 1]
    with pytest.raises(SingularMatrixError, match="Y1"):
        solve_two(**{**args, "Y1": y1})
    y2 = args["Y2"].copy()
    y2[:, 0] = 0
    with pytest.raises(SingularMatrixError, match=r"Y1⁻¹Y2|Y2"):
        solve_two(**{**args, "Y2": y2})


@pytest.mark.parametrize("lam", [2j * np.pi, -4j * np.pi, 0])
def test_lambda_with_unit_exponential(lam: complex) -> None:
    with pytest.raises(InputError, match="λ"):
        solve_two(**_problem(), lam=lam)


def test_bad_branch() -> None:
    with pytest.raises(InputError, match="branch"):
        solve_two(**_problem(), branch=0.5)  # type: ignore[arg-type]
