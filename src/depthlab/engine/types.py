"""Types shared by the engine's modules (kept apart so that no two engine modules import each other)."""

from __future__ import annotations

import torch

#: Stacked parameters of a family: ``params[name]`` is ``(M, *shape)``.
Params = dict[str, torch.Tensor]
