"""The capacity study's row on its own certificates (:mod:`depthlab.capacity.audit`).

* consistency ``certificates-verified``: every exact fit the study counts, recomputed from its stored weights by
  the independent NumPy / mpmath check, fits its data to the protocol's threshold.
"""

from __future__ import annotations

from depthlab.report.claims import AtMost, Claim, NotMeasured, Value, measured, ours
from depthlab.report.types import StudyResult


def _certificates(r: StudyResult):
    t = r.tables.get("certificates")
    if t is None:
        raise NotMeasured("no certificate audit in this result")
    mism = r.tables.get("certificate_mismatches")
    n_mism = 0 if mism is None else len(mism)
    if t.empty and not n_mism:
        raise NotMeasured("no exact fit was stored at this scale")
    tot = {k: int(t[k].sum()) for k in ("fits", "confirmed", "exact", "rejected", "disagree")}
    worst = t["max_mpmath_rejected"].max()
    text = (f"{tot['fits']} counted fits in {len(t)} files: {tot['confirmed']} confirmed by the float64 rule, "
            f"{tot['exact']} exact only in mpmath (float64 not guaranteed), {tot['rejected']} rejected"
            + (f" (largest mpmath residual {worst:.2e})" if tot["rejected"] else "")
            + f"; {tot['disagree']} recomputations beyond the rounding bound; {n_mism} shard/certificate mismatches")
    return measured(text, Value(tot["rejected"] + tot["disagree"] + n_mism, label="rejected + disagree + mismatches"))


CERTIFICATES_VERIFIED = Claim(
    key="certificates-verified",
    statement="every exact fit the study counts is one: its stored weights, recomputed independently, fit its "
              "data to the protocol's threshold",
    source=ours("depthlab.capacity.audit: a float64 NumPy forward pass with an a-priori rounding bound (Higham "
                "2002, §3.1), and 50-digit mpmath wherever that bound cannot decide (and for every fit at d ≤ 8)"),
    expected="0 rejected, 0 disagreements, 0 mismatches",
    quantity="fits whose exact (mpmath) residual exceeds the threshold, plus recomputations that differ by more "
             "than the rounding bound, plus fits a shard claims without a certificate (or the reverse)",
    rule=AtMost(0, why="any such fit is a false exact-fit certificate, or a bug in the check"),
    measure=_certificates,
    note="'exact only in mpmath': ill-conditioned weights whose float64 evaluation is not guaranteed within the "
         "threshold; counted as fits, shown apart",
)
