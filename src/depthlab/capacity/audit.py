"""The certificate audit of a run: every counted exact fit recomputed independently, for the report.

:func:`depthlab.capacity.certificates.verify_certificate` judges each stored fit by the rigorous float64 rule
(NumPy residual + rounding bound B ≤ tol) and, for d ≤ 8, in mpmath. The audit adds what a report needs to
*decide*: a fit the float64 rule cannot confirm (B can exceed tol for ill-conditioned weights) is recomputed in
mpmath at any width, so every fit ends in exactly one class —

* ``confirmed``: passes the float64 rule (and, where mpmath ran for every fit, the mpmath checks);
* ``exact``: not confirmed in float64, but its mpmath residual (50 digits, exact for the stored floats far below
  B) is ≤ tol: an exact fit of the stored weights that a float64 forward pass is not guaranteed to reproduce;
* ``rejected``: its mpmath residual exceeds tol, i.e. the run counted a fit that is not one at its threshold.

Separately, ``disagree`` counts fits whose recomputed residuals differ by more than the rounding bound allows
(NumPy vs stored by 2B, mpmath vs either by B): a bug in the engine or in this check, whatever the class (such a
fit is never ``confirmed``).

With the shard/certificate cross-check (:func:`uncertified_claims`: each fit a shard claims has a certificate
entry, and each entry a claim), this is what the consistency row ``certificates-verified`` judges.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from depthlab.capacity.certificates import (
    MP_DIGITS,
    MP_MAX_WIDTH,
    Certificate,
    CertificateError,
    certificate_files,
    load_certificate,
    residual_mpmath,
    verify_certificate,
)

CLASSES = ("confirmed", "exact", "rejected", "disagree")
AUDIT_COLUMNS = ["file", "cell", "width", "n_points", "fits", *CLASSES, "max_residual", "max_mpmath_rejected"]


def _classes(cert: Certificate, mp_max_width: int, digits: int) -> dict[str, np.ndarray]:
    """Per fit of ``cert``: ``confirmed``, ``exact``, ``rejected`` (exactly one True per fit), ``disagree``
    (recomputed residuals differ by more than the rounding bound allows: 2B NumPy vs stored, B mpmath vs either)
    and ``mp`` (mpmath residuals, NaN where not computed). The checks are the verify rule's
    (:meth:`~depthlab.capacity.certificates.FileReport.checks`)."""
    rep = verify_certificate(cert, mp_max_width=mp_max_width, digits=digits)
    mp = np.full(rep.stored.shape, np.nan) if rep.mp is None else rep.mp.copy()
    c = rep.checks(mp)
    ok = c["float64"] & c["numpy_agrees"] & c["mp_within"]
    for i in np.flatnonzero(~ok & np.isnan(mp)):  # the float64 rule cannot decide it: recompute in mpmath
        mp[i] = residual_mpmath(cert, int(i), digits)
    c = rep.checks(mp)
    disagree = ~c["numpy_agrees"] | ~c["mp_agrees"]
    rejected = ~ok & ~(mp <= rep.tol)
    return {"confirmed": ok & ~disagree, "exact": ~ok & ~rejected | ok & disagree, "rejected": rejected,
            "disagree": disagree, "mp": mp}


def uncertified_claims(certs: list[Certificate]) -> list[str]:
    """For every run folder holding the certificates (``ROOT/certificates/*.npz`` beside ``ROOT/shards/``): each
    fit a shard claims (``success``) must have a certificate entry and each entry a claim. Returns one message
    per mismatch (empty: they match). A certificate without its shard (a unit interrupted between the two
    writes) is checked on its own."""
    held: dict[Path, dict[str, set[tuple[int, int]]]] = {}
    for c in certs:
        if c.path.parent.name == "certificates":
            held.setdefault(c.path.parent.parent, {})[c.key] = {
                (int(t), int(r)) for t, r in zip(c.trial, c.restart, strict=True)}
    out = []
    for root, keys in sorted(held.items()):
        for shard in sorted((root / "shards").glob("*.parquet")):
            rows = pd.read_parquet(shard, columns=["trial", "restart", "success"])
            ok = rows["success"].to_numpy(dtype=bool)
            claimed = {(int(t), int(r)) for t, r in zip(rows["trial"][ok], rows["restart"][ok], strict=True)}
            have = keys.get(shard.stem, set())
            out += [f"shard {shard.name} claims an exact fit (trial {t}, restart {r}) with no certificate"
                    for t, r in sorted(claimed - have)]
            out += [f"certificate {shard.stem}.npz holds (trial {t}, restart {r}), which its shard does not claim"
                    for t, r in sorted(have - claimed)]
    return out


def certificate_audit(path: str | Path, *, mp_max_width: int = MP_MAX_WIDTH,
                      digits: int = MP_DIGITS) -> tuple[pd.DataFrame, list[str]]:
    """Audit every certificate under ``path`` (a run folder, or a folder above several, as for
    ``depthlab capacity verify``).

    Returns:
        ``(table, mismatches)``: one row per certificate file (:data:`AUDIT_COLUMNS`: counts of ``confirmed``,
        ``exact``, ``rejected`` and ``disagree`` fits, the largest stored residual and the largest mpmath
        residual among the rejected, NaN if none) and the shard/certificate mismatches of
        :func:`uncertified_claims`. A folder with no certificate (no exact fit anywhere) gives an empty table.
    """
    try:
        files = certificate_files(path)
    except CertificateError:
        return pd.DataFrame(columns=AUDIT_COLUMNS), []
    certs = [load_certificate(f) for f in files]
    rows = []
    for c in certs:
        k = _classes(c, mp_max_width, digits)
        bad = k["mp"][k["rejected"]]
        rows.append({"file": str(c.path), "cell": c.label, "width": c.width, "n_points": c.n_points,
                     "fits": int(k["confirmed"].size), **{n: int(k[n].sum()) for n in CLASSES},
                     "max_residual": float(c.residual.max()),
                     "max_mpmath_rejected": float(bad.max()) if bad.size else float("nan")})
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS), uncertified_claims(certs)
