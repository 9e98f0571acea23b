"""Network families: shapes, forward maps against explicit formulas, registry, bad configurations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from depthlab.engine import Family, make_family, mlp, register_family, square_mlp
from depthlab.errors import ConfigError
from depthlab.matexp.family import matexp_net
from depthlab.matexp.theory.network import forward as matexp_forward


def test_mlp_forward_matches_explicit_loop():
    fam = mlp(3, (5, 4), 2, "tanh", bias=True)
    params = fam.initial("k", range(4))
    params = {k: v + 0.1 * torch.randn_like(v) for k, v in params.items()}  # non-zero biases
    x = torch.randn(4, 6, 3, dtype=torch.float64)
    out = fam.forward(params, x)
    assert out.shape == (4, 6, 2)
    for m in range(4):
        h = torch.tanh(x[m] @ params["W1"][m] + params["b1"][m])
        h = torch.tanh(h @ params["W2"][m] + params["b2"][m])
        ref = h @ params["W3"][m] + params["b3"][m]
        torch.testing.assert_close(out[m], ref, rtol=1e-13, atol=1e-13)  # float64 round-off


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "linear"])
def test_every_activation_runs(activation):
    fam = square_mlp(4, 3, activation)
    assert fam.n_params == 3 * 16
    out = fam.forward(fam.initial(0, [0, 1]), torch.randn(2, 5, 4, dtype=torch.float64))
    assert out.shape == (2, 5, 4) and torch.isfinite(out).all()
    assert fam.smooth == (activation in ("sigmoid", "tanh", "linear"))


def test_init_depends_only_on_key_and_index():
    fam = square_mlp(4, 2, "relu")
    a = fam.initial("k", [0, 1, 2, 3])
    b = fam.initial("k", [2])
    torch.testing.assert_close(a["W1"][2], b["W1"][0], rtol=0, atol=0)
    c = fam.initial("other", [2])
    assert not torch.equal(a["W1"][2], c["W1"][0])
    # He initialisation: entries N(0, 2/fan_in); a loose 5-sigma check on 2000 entries.
    big = fam.initial("k", range(125))["W1"]
    var = float(big.var())
    assert abs(var - 2 / 4) < 5 * (2 / 4) * np.sqrt(2 / big.numel())


def test_matexp_family_matches_scipy_forward():
    fam = matexp_net(3, depth=3)
    params = fam.initial("m", range(2))
    x = torch.randn(2, 4, 3, 3, dtype=torch.complex128) / 3
    out = fam.forward(params, x)
    assert out.shape == (2, 4, 3, 3)
    for m in range(2):
        w = (params["w_re"][m] + 1j * params["w_im"][m]).numpy()
        for i in range(4):
            ref = matexp_forward(x[m, i].numpy(), list(w))
            np.testing.assert_allclose(out[m, i].numpy(), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"d": 4, "depth": 0}, "depth"),
        ({"d": 0, "depth": 2}, "width d"),
        ({"d": 4, "depth": 2, "activation": "swish"}, "activation"),
    ],
)
def test_bad_square_mlp_configs(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        square_mlp(**kwargs)


def test_bad_mlp_configs():
    with pytest.raises(ConfigError, match="hidden width 2"):
        mlp(3, (4, 0), 1)
    with pytest.raises(ConfigError, match="d_in"):
        mlp(0, (4,), 1)
    with pytest.raises(ConfigError, match="unknown network family"):
        make_family("transformer")
    with pytest.raises(ConfigError, match="bad arguments"):
        make_family("mlp", d=3)


def test_register_custom_family():
    """A committee machine as a custom family: sign-free output sum of K tanh units."""

    def committee(d: int, k: int) -> Family:
        def forward(params, x):
            return torch.tanh(torch.matmul(x, params["W"])).sum(-1, keepdim=True)

        return Family(name="committee_test", shapes={"W": (d, k)}, forward=forward, in_shape=(d,),
                      out_shape=(1,), init_scales={"W": d ** -0.5})

    register_family("committee_test", committee, replace=True)
    fam = make_family("committee_test", d=5, k=3)
    out = fam.forward(fam.initial(1, range(2)), torch.randn(2, 7, 5, dtype=torch.float64))
    assert out.shape == (2, 7, 1)
    with pytest.raises(ConfigError, match="already registered"):
        register_family("committee_test", committee)


def test_revive_dead_relu_units_preserves_outputs():
    from depthlab.engine import revive_dead_relu_units

    fam = square_mlp(4, 3, "relu", bias=True)
    params = fam.initial("dead", range(3))
    params["b1"] = params["b1"] - 10.0 * (torch.arange(4) < 2)  # units 0, 1 of layer 1 dead on all points
    x = torch.randn(3, 6, 4, dtype=torch.float64) / 2
    z1 = x @ params["W1"] + params["b1"].unsqueeze(1)
    assert (z1[..., :2] <= 0).all()
    new = revive_dead_relu_units(params, x, 3, True)
    torch.testing.assert_close(fam.forward(new, x), fam.forward(params, x), rtol=1e-12, atol=1e-12)
    z1 = x @ new["W1"] + new["b1"].unsqueeze(1)
    assert ((z1 > 0).any(dim=1)).all()  # every layer-1 unit is now active somewhere


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "linear"])
@pytest.mark.parametrize("bias", [False, True])
def test_explicit_mlp_jacobian_matches_autodiff(activation, bias):
    from depthlab.engine.lm import stacked_jacobian
    from depthlab.engine.objective import flatten, outputs, unflatten

    fam = mlp(3, (4, 5), 2, activation, bias=bias)
    params = {k: v + 0.1 * torch.randn_like(v) for k, v in fam.initial("jac", range(3)).items()}
    theta = flatten(params, fam)
    x = torch.randn(3, 6, 3, dtype=torch.float64)
    auto = stacked_jacobian(lambda t: outputs(fam, t, x).reshape(3, -1), theta, 12)
    explicit = fam.jacobian(unflatten(theta, fam), x)
    torch.testing.assert_close(explicit, auto, rtol=1e-12, atol=1e-12)  # float64 round-off
