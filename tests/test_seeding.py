"""Seeds: stable config hashes and per-model streams independent of packing."""

from __future__ import annotations

import torch

from depthlab.seeding import config_hash, stacked_normal, to_jsonable


def test_config_hash_stable_and_order_free() -> None:
    a = config_hash({"x": 1, "y": [1, 2], "z": 0.5})
    assert a == config_hash({"z": 0.5, "y": [1, 2], "x": 1})
    assert a != config_hash({"x": 2, "y": [1, 2], "z": 0.5})
    assert len(a) == 16


def test_stacked_normal_packing_invariant() -> None:
    idx = [(0, i) for i in range(10)]
    whole = stacked_normal("k", idx, (3, 2), complex_=True)
    parts = torch.cat([stacked_normal("k", idx[:3], (3, 2), complex_=True),
                       stacked_normal("k", idx[3:], (3, 2), complex_=True)])
    torch.testing.assert_close(whole, parts, rtol=0, atol=0)
    single = stacked_normal("k", [idx[7]], (3, 2), complex_=True)
    torch.testing.assert_close(whole[7:8], single, rtol=0, atol=0)
    assert not torch.equal(whole[0], whole[1])


def test_to_jsonable_complex_and_numpy() -> None:
    import numpy as np

    assert to_jsonable({"a": np.float64(1.5), "b": 1 + 2j, "c": np.arange(2)}) == {"a": 1.5, "b": [1.0, 2.0],
                                                                                  "c": [0, 1]}
