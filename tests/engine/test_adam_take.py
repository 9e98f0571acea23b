"""The Adam stage's model subsetting keeps the data's memory layout (and equals plain indexing)."""

import torch

from depthlab.engine.adam import _take


def test_take_keeps_layout_and_values():
    x = torch.randn(4, 3, 5, 2).permute(0, 3, 1, 2)  # a non-contiguous (4, 2, 3, 5) view
    keep = torch.tensor([True, False, True, True])
    got = _take(x, keep)
    assert torch.equal(got, x[keep]) and got.stride() == x[:3].stride()
    c = torch.randn(4, 6)
    assert torch.equal(_take(c, keep), c[keep]) and _take(c, keep).is_contiguous()
