"""Registration of the depth-degeneracy study (Jakub & Nica, JMLR 25(239) 2024, arXiv 2302.09712)."""

from depthlab.registry import Study

STUDY = Study(
    name="angles",
    title="Depth degeneracy: vanishing angles in deep ReLU networks (Jakub & Nica)",
    paper="C. Jakub & M. Nica, Depth Degeneracy in Neural Networks: Vanishing Angles in Fully Connected ReLU "
          "Networks on Initialization, JMLR 25(239), 2024 (arXiv 2302.09712)",
    experiment="depthlab.angles.experiment:run",
    claims="depthlab.angles.claims",
    figures="depthlab.angles.figures:FIGURES",
    cli="depthlab.angles.cli:app",
    sweepable="depthlab.angles.sweep:SWEEPABLE",
    seconds={"quick": 24.0},
)
