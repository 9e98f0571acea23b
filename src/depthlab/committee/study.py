"""Registration of the committee-machine capacity study (Baldassi, Malatesta & Zecchina, PRL 123, 170602)."""

from depthlab.registry import Study

STUDY = Study(
    name="committee",
    title="Committee-machine capacity: ReLU vs sign hidden units, replica theory beside measurement",
    paper="Baldassi, Malatesta & Zecchina, Properties of the geometry of solutions and capacity of multilayer "
          "neural networks with rectified linear unit activations, PRL 123, 170602 (2019), arXiv 1907.07578",
    experiment="depthlab.committee.experiment:run",
    claims="depthlab.committee.claims",
    figures="depthlab.committee.figures:FIGURES",
    cli="depthlab.committee.cli:app",
    sweepable="depthlab.committee.sweep:SWEEPABLE",
    seconds={"quick": 60.0},  # 48 s measured idle 2026-12-02, + the exact perceptron rows (9.6 s idle, 2026-12-03)
)
