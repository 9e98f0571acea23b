"""Claims, studies, the registry and the reproduction report."""

from depthlab.report.registry import available_studies, get_study
from depthlab.report.reproduce import ReproduceResult, reproduce
from depthlab.report.types import Claim, FigureRef, Scale, Study, StudyContext, StudyOutput, Verdict

__all__ = [
    "Claim",
    "FigureRef",
    "ReproduceResult",
    "Scale",
    "Study",
    "StudyContext",
    "StudyOutput",
    "Verdict",
    "available_studies",
    "get_study",
    "reproduce",
]
