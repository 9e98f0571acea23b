"""Names shared by the committee study's declarations: the paper they test (Baldassi, Malatesta & Zecchina,
PRL 123, 170602 (2019), arXiv 1907.07578), its abstract's two capacity statements, the ReLU RS capacity at
K → ∞, 2π/(π − 1) (the paper's finite ceiling, which a diverging sign capacity must pass).
"""

from __future__ import annotations

import math

PAPER = "Baldassi, Malatesta & Zecchina, PRL 123, 170602 (2019), arXiv 1907.07578"
#: The abstract's two capacity statements.
FINITE = "the capacity of the network remains finite as the number of neurons in the hidden layer increases"
DIVERGES = "at odds with the case of threshold units in which the capacity diverges"
#: The ReLU RS capacity at K → ∞, 2κ′(1) = 2π/(π − 1): the finite ceiling a diverging sign capacity must pass.
RELU_CEILING = 2.0 * math.pi / (math.pi - 1.0)
