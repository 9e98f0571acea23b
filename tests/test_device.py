"""The one thread policy: torch and BLAS pinned together; bad values refused."""

from __future__ import annotations

import pytest
import torch
from threadpoolctl import threadpool_info

from depthlab import device
from depthlab.errors import ConfigError


def _blas_threads() -> set[int]:
    return {p["num_threads"] for p in threadpool_info()}


def test_threads_pins_torch_and_blas_together_and_restores() -> None:
    before_torch, before_blas = torch.get_num_threads(), _blas_threads()
    with device.threads(1) as n:
        assert n == 1 and torch.get_num_threads() == 1
        assert _blas_threads() == {1}
    assert torch.get_num_threads() == before_torch and _blas_threads() == before_blas


def test_parse_threads() -> None:
    assert device.parse_threads(3) == 3
    assert 1 <= device.parse_threads("auto") <= device.available_cores()
    for bad in ("0", -1, "two"):
        with pytest.raises(ConfigError, match="threads"):
            device.parse_threads(bad)
