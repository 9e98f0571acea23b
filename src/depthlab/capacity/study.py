"""Registration of the capacity-vs-depth study (Gai & Zhang's experiments, arXiv 2407.02540 §4)."""

from depthlab.registry import Study

STUDY = Study(
    name="capacity",
    title="Capacity vs depth: how many random points a depth-L square network fits exactly",
    paper="Kuo Gai and Shihua Zhang, Analytical Solution of a Three-layer Network with a Matrix Exponential "
          "Activation Function, arXiv:2407.02540 (2024)",
    experiment="depthlab.capacity.experiment:run",
    claims="depthlab.capacity.claims",
    figures="depthlab.capacity.figures:FIGURES",
    cli="depthlab.capacity.cli:app",
    sweepable="depthlab.capacity.sweep:SWEEPABLE",
    seconds={"quick": 25.0},  # measured idle 2026-12-07: 22 s (18 s fits and checks + 3 s LPs at bound − 1)
)
