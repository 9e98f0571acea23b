"""Bad configurations and inputs raise ConfigError/InputError with messages that name the problem."""

from __future__ import annotations

import pytest
import torch

from depthlab.engine import FitConfig, fit, perceptron, sampler_for, square_mlp
from depthlab.errors import ConfigError, DeviceError, InputError


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "ranking"}, "mode"),
        ({"stages": ("sgd",)}, "stage"),
        ({"stages": ()}, "stages is empty"),
        ({"tol": 0.0}, "tol"),
        ({"adam_steps": 0}, "adam_steps"),
        ({"adam_dtype": "float16"}, "adam_dtype"),
        ({"adam_betas": (0.9, 1.0)}, "adam_betas"),
        ({"continuation_slopes": (0.5, -1.0)}, "continuation slope"),
    ],
)
def test_bad_fit_config(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        FitConfig(**kwargs)


def test_n_below_one():
    fam = square_mlp(3, 2, "tanh")
    with pytest.raises(ConfigError, match="number of points N"):
        sampler_for(fam, 0)
    with pytest.raises(InputError, match="at least one model and one point"):
        empty = torch.zeros(2, 0, 3, dtype=torch.float64)
        fit(fam, (empty, empty), key=0)


def test_shape_mismatches():
    fam = square_mlp(3, 2, "tanh")
    x = torch.randn(2, 4, 3, dtype=torch.float64)
    with pytest.raises(InputError, match="X must have shape"):
        fit(fam, (torch.randn(2, 4, 5), x), key=0)
    with pytest.raises(InputError, match="Y must have shape"):
        fit(fam, (x, torch.randn(2, 4, 2)), key=0)
    with pytest.raises(InputError, match="disagree"):
        fit(fam, (x, torch.randn(2, 5, 3)), key=0)
    with pytest.raises(InputError, match="indices"):
        fit(fam, (x, x), key=0, indices=range(3))
    with pytest.raises(InputError, match="distinct"):
        fit(fam, (x, x), key=0, indices=[1, 1])
    with pytest.raises(InputError, match="NaN"):
        fit(fam, (x * float("nan"), x), key=0)
    with pytest.raises(ConfigError, match="indices"):
        fit(fam, sampler_for(fam, 3), key=0)


def test_classification_needs_labels_and_one_output():
    x = torch.randn(2, 4, 3, dtype=torch.float64)
    cfg = FitConfig(mode="classification")
    with pytest.raises(InputError, match=r"\+1 or -1"):
        fit(perceptron(3), (x, torch.randn(2, 4, 1)), key=0, config=cfg)
    with pytest.raises(ConfigError, match="one output"):
        fit(square_mlp(3, 2, "tanh"), (x, torch.ones(2, 4, 3)), key=0, config=cfg)


def test_bad_device_and_budget():
    fam = square_mlp(3, 1, "linear")
    x = torch.randn(1, 2, 3, dtype=torch.float64)
    with pytest.raises(DeviceError, match="tpu"):
        fit(fam, (x, x), key=0, device="tpu")
    with pytest.raises(ConfigError, match="memory_budget"):
        fit(fam, (x, x), key=0, memory_budget=-5)
