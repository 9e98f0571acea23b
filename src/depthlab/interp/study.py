"""Registration of the interpolation-matrix study (Huang, arXiv 2208.07498)."""

from depthlab.registry import Study

STUDY = Study(
    name="interp",
    title="Interpolation matrices of ReLU networks: exact constructions, depth, training",
    paper="C. Huang, Universal Solutions of Feedforward ReLU Networks for Interpolations, arXiv 2208.07498 "
          "(v5, 2022); one-hidden-layer follow-up: arXiv 2411.06728",
    experiment="depthlab.interp.experiment:run",
    claims="depthlab.interp.claims",
    figures="depthlab.interp.figures:FIGURES",
    cli="depthlab.interp.cli:app",
    sweepable="depthlab.interp.sweep:SWEEPABLE",
    seconds={"quick": 13.0},
)
