"""Registration of the matrix-exponential study (Gai & Zhang, arXiv 2407.02540)."""

from depthlab.registry import Study

STUDY = Study(
    name="matexp",
    title="Matrix-exponential networks: two equations with three layers, one with one (Gai & Zhang)",
    paper="Gai & Zhang, Analytical Solution of a Three-layer Network with a Matrix Exponential Activation "
          "Function, arXiv 2407.02540 (2024)",
    experiment="depthlab.matexp.experiment:run",
    claims="depthlab.matexp.claims",
    figures="depthlab.matexp.figures:FIGURES",
    cli="depthlab.matexp.cli:app",
    sweepable="depthlab.matexp.sweep:SWEEPABLE",
    aliases=("matexp-depth",),
    seconds={"quick": 8.0},
)
