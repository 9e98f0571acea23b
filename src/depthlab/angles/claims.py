"""Claims, consistency checks and findings of the depth-degeneracy study, declared once.

Paper: C. Jakub & M. Nica, "Depth Degeneracy in Neural Networks: Vanishing Angles in Fully Connected ReLU Networks
on Initialization", JMLR 25(239), 2024 (arXiv 2302.09712). Each declaration reads the tables of
:func:`depthlab.angles.experiment.run`; its rule object decides the verdict and states how. Rule constants are
fixed here, before the data:

* mean laws: |Algorithm 1 − MC| ≤ 5 % of the MC decay |E ln sin²θ_L − ln sin²θ_0| + 3 Monte Carlo SE. The 5 % is
  our model-error allowance for a law whose per-layer error is O(n⁻²) (Theorem 1); the paper states none.
* KS tests: a p-value is a random variable, and the paper's come from the authors' own construction
  (:mod:`depthlab.angles.ks`). The paper's printed p must lie inside the central 95 % (2.5 %–97.5 % quantiles,
  ``np.quantile``) of the p-values that construction gives on fresh samples of 5000 (one per evaluation seed).
* one-step laws (Fig. 2): at most one of the angles' 99 % intervals misses μ, and at most one misses σ².
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from depthlab.report.claims import (
    AtLeast,
    AtMost,
    Claim,
    Finding,
    Inside,
    Value,
    Within,
    external,
    measured,
    ours,
    paper,
)
from depthlab.report.types import StudyResult

PAPER = "Jakub & Nica, JMLR 25(239) 2024"
#: The authors' Figure-1 notebook (their KS construction and their discretisation of Approximation 2).
NOTEBOOK = ("github.com/camjakub/Depth-Degeneracy-in-Neural-Networks, "
            "Angle_Evolution/Depth_Degeneracy_in_Neural_Networks_Plots.ipynb (commit 187c18e), cells 18–30")
#: Mean-law tolerance: a fraction of the Monte Carlo decay, plus Monte Carlo standard errors.
DECAY_FRACTION, K_SE = 0.05, 3.0
MEAN_LAW = Within(frac=DECAY_FRACTION, frac_of="the MC decay |E ln sin²θ_L − ln sin²θ_0|", k_se=K_SE,
                  why="our model-error allowance for a law with O(n⁻²) error per layer (Theorem 1; the paper "
                      "states no tolerance) plus the MC standard error")
#: Level of the two-sample KS test of the two simulators, and of the KS quantiles a printed p must fall between.
SAME_LAW_LEVEL = 0.01
KS_CENTRAL = (0.025, 0.975)
#: The paper's printed p-values (Fig. 1, right).
PAPER_KS = {1: 0.987, 30: 0.186}


def _last(t: pd.DataFrame) -> tuple[pd.Series, float]:
    """The last layer's row and the MC decay |E ln sin²θ_L − ln sin²θ_0|."""
    return t.iloc[-1], float(abs(t.iloc[-1]["markov_mean"] - t.iloc[0]["markov_mean"]))


def _mean_value(t: pd.DataFrame, label: str) -> Value:
    last, decay = _last(t)
    return Value(float(last["alg1_mean"]), se=float(last["markov_sem"]), ref=float(last["markov_mean"]),
                 scale=decay, label=label)


# ----------------------------------------------------------------------------------------------------------
# Figure 1: the KS tests and the mean path


def _ks_measure(layer: int):
    def measure(r: StudyResult):
        t = r.tables["ks_seeds"]
        t = t[t["layer"] == layer]
        own = r.tables["figure1_ks"].set_index(["test", "layer"])
        setup = r.tables["figure1_setup"].iloc[0]
        lo, med, hi = np.quantile(t["p_authors"], (KS_CENTRAL[0], 0.5, KS_CENTRAL[1]))
        olo, omed, ohi = np.quantile(t["p_ours"], (KS_CENTRAL[0], 0.5, KS_CENTRAL[1]))
        low = int((t["p_ours"] < 0.01).sum())
        text = (f"authors' construction: median p = {med:.3g}, central 95 % [{lo:.3g}, {hi:.3g}], range "
                f"[{t['p_authors'].min():.3g}, {t['p_authors'].max():.3g}]; ours (one-sample): median "
                f"{omed:.3g}, central 95 % [{olo:.3g}, {ohi:.3g}], {low}/{len(t)} below 0.01 "
                f"({len(t)} seeds × {int(t['samples'].median())} chain paths). Figure 1's sample (seed "
                f"{int(setup['seed'])}): p = {own.loc[('markov', layer), 'p']:.3g} (D = "
                f"{own.loc[('markov', layer), 'statistic']:.4f}, {int(setup['markov_paths'])} chain paths); p = "
                f"{own.loc[('full', layer), 'p']:.3g} vs {int(setup['full_networks'])} full networks")
        return measured(text, Value(float(med), low=float(lo), high=float(hi),
                                    label=f"layer {layer}, authors' construction"))

    return measure


def _ks_claim(layer: int) -> Claim:
    return Claim(
        key=f"ks-layer{layer}",
        statement=f"The Approximation-2 density fits ln sin²θ_{layer} (KS test), θ_0 = 0.1, width 256: the paper's "
                  "p-value is what its construction gives",
        source=paper(f"{PAPER}, Fig. 1 (right), eq. 10; the p-value's construction: {NOTEBOOK}"),
        expected=f"p = {PAPER_KS[layer]}",
        quantity="the central 95 % of the authors' KS p-values over fresh samples of 5000 (one per seed)",
        rule=Inside(PAPER_KS[layer], why="a p-value varies from sample to sample; the paper prints one draw"),
        measure=_ks_measure(layer),
        note="samples: the exact Markov chain (same law as the network; see the consistency table) in float32; "
             "the paper used one sample of 5000 full networks. Quick scale has 20 seeds, so the 2.5 % and 97.5 % "
             "quantiles rest on the two most extreme draws; full scale has 100. The authors' construction is a "
             "two-sample test of the ECDF grid against the predicted CDF at the samples, which inflates p against "
             "the one-sample test on the same data; their notebook's own stored run prints p = 0.112 at layer 30.",
    )


def _fig1_mean(r: StudyResult):
    t = r.tables["figure1"]
    last, _ = _last(t)
    text = (f"Alg. 1 {last['alg1_mean']:.3f}, Approx. 2 {last['approx2_mean']:.3f} ± {last['approx2_sd']:.3f}; "
            f"MC {last['markov_mean']:.3f} ± {last['markov_sem']:.3f} (SD {last['markov_sd']:.3f}); infinite width "
            f"{last['inf_width']:.3f}")
    return measured(text, _mean_value(t, f"layer {int(last['layer'])}"))


# ----------------------------------------------------------------------------------------------------------
# Width sweep, Figure 2, small widths


def _mean_law_measure(width: int):
    def measure(r: StudyResult):
        t = r.tables["width_sweep"]
        t = t[t["width"] == width]
        last, decay = _last(t)
        err = last["alg1_mean"] - last["markov_mean"]
        full = ("" if not np.isfinite(last["full_mean"])
                else f"; full-network MC {last['full_mean']:.3f} ± {last['full_sem']:.3f}")
        text = (f"θ_0=π/2, ℓ={int(last['layer'])}: Alg. 1 {last['alg1_mean']:.3f} vs MC {last['markov_mean']:.3f} ± "
                f"{last['markov_sem']:.3f} (error {err:+.3f} = {100 * err / decay:+.1f}% of the decay; tolerance "
                f"{DECAY_FRACTION * decay + K_SE * last['markov_sem']:.3f}){full}; infinite width "
                f"{last['inf_width']:.3f}; collapsed paths {int(last['collapsed'])}")
        return measured(text, _mean_value(t, f"width {width}"))

    return measure


def _mean_law_claim(width: int) -> Claim:
    return Claim(
        key=f"mean-law-width{width}",
        statement=f"Finite-width law (Theorem 1 / Algorithm 1) predicts E ln sin²θ_ℓ at width {width}",
        source=paper(f"{PAPER}, §1.2 Algorithm 1, Theorem 1 (error O(n⁻²) per layer); Fig. 1 (width 256)"),
        expected="accurate at width 256 (Fig. 1, graphical)",
        quantity="Algorithm 1's E ln sin²θ_50 (θ_0 = π/2)",
        rule=MEAN_LAW,
        measure=_mean_law_measure(width),
        note="reference: exact Markov chain MC (same law as the network; see the consistency table)",
    )


def _mean_law_finding(width: int) -> Finding:
    """Widths the paper does not show: how far the 1/n law is from the MC there (no verdict against the paper)."""
    return Finding(
        key=f"mean-law-width{width}",
        question=f"How accurate is the finite-width law (Algorithm 1) for E ln sin²θ_50 at width {width}, which "
                 "the paper does not show?",
        evidence="exact Markov-chain MC at θ_0 = π/2, depth 50; the tolerance printed beside the error is the one "
                 "the width-256 claim is judged by (5 % of the decay + 3 SE)",
        measure=_mean_law_measure(width),
    )


def _under(r: StudyResult):
    t = r.tables["width_sweep"]
    rows = [t[t["width"] == n].iloc[-1] for n in sorted(t["width"].unique(), reverse=True)]
    text = "; ".join(f"n={int(x['width'])}: inf {x['inf_width']:.3f} vs MC {x['markov_mean']:.3f}" for x in rows)
    return measured(text + " (θ_0=π/2, ℓ=50)", *(Value(float((x["inf_width"] - x["markov_mean"]) / x["markov_sem"]),
                                                      label=f"width {int(x['width'])}") for x in rows))


def _figure2(r: StudyResult):
    f2 = r.tables["figure2"]
    out_mean = int((np.abs(f2["mc_mean"] - f2["mu_drift"]) > f2["mc_mean_ci"]).sum())
    out_var = int(((f2["sigma2"] < f2["mc_var_lo"]) | (f2["sigma2"] > f2["mc_var_hi"])).sum())
    text = (f"{len(f2)} angles × {int(f2['n'].iloc[0])} networks: μ outside the 99% CI at {out_mean}, σ² at "
            f"{out_var}; max |MC − μ| = {np.abs(f2['mc_mean'] - f2['mu_drift']).max():.4f}")
    return measured(text, Value(out_mean, label="μ(θ, n)"), Value(out_var, label="σ²(θ, n)"))


def _small_width(r: StudyResult):
    s = r.tables["one_step_small_width"].set_index("width").loc[16]
    text = (f"MC mean {s['mc_mean']:.3f} ± {s['mc_sem']:.3f}, var {s['mc_var']:.3f} vs μ = {s['mu']:.3f}, σ² = "
            f"{s['sigma2']:.3f}; collapsed {int(s['collapsed'])}")
    return measured(text, Value(float(s["mc_mean"]), se=float(s["mc_sem"]), ref=float(s["mu"]), label="n = 16"))


# ----------------------------------------------------------------------------------------------------------
# Bessel numbers, training link


def _bessel(r: StudyResult):
    j, o = r.tables["bessel_j"], r.tables["bessel_oeis"]
    worst = float(j["rel_error"].max())
    mismatches = int((o["P"] != o["A001498"]).sum())
    text = (f"max relative error {worst:.1e} (1 ≤ a ≤ 6, a ≤ b ≤ 8, {j['theta'].nunique()} angles); P(a,b) = "
            f"A001498 for a < 16: {mismatches == 0} ({len(o)} entries, {mismatches} differ)")
    return measured(text, Value(worst, ref=1e-9, label="Theorem 5 vs quadrature"),
                    Value(mismatches, ref=0, label="P vs A001498"))


def _training(r: StudyResult):
    s = r.values["training"]
    rho, p = s["spearman_finite"], s["p_finite"]
    one_sided = p / 2 if rho > 0 else 1 - p / 2
    text = (f"Spearman ρ = {rho:.2f} (p = {p:.2g}) finite width; ρ = {s['spearman_infinite']:.2f} (p = "
            f"{s['p_infinite']:.2g}) infinite width; {s['architectures']} architectures × {s['replicates']} runs, "
            f"{s['epochs']} epochs on digits")
    return measured(text, Value(float(one_sided), label="finite width"))


CLAIMS = (
    _ks_claim(1),
    _ks_claim(30),
    Claim(
        key="fig1-mean-path",
        statement="Fig. 1 mean path: Algorithm 1 vs MC at θ_0=0.1, width 256, layer 30",
        source=paper(f"{PAPER}, Fig. 1 (left)"),
        expected="agreement (graphical)",
        quantity="Algorithm 1's E ln sin²θ_30",
        rule=MEAN_LAW,
        measure=_fig1_mean,
    ),
    _mean_law_claim(256),
    Claim(
        key="infinite-width-under-predicts",
        statement="The infinite-width law under-predicts the decay of the angle at every finite width",
        source=paper(f"{PAPER}, §1.1, Fig. 1, Fig. 4 (right)"),
        expected="under-predicts for all widths / architectures",
        quantity="(infinite-width ln sin²θ_50 − MC mean)/SE at each width",
        rule=AtLeast(K_SE, why="the infinite-width value must sit above the MC mean by more than its noise"),
        measure=_under,
    ),
    Claim(
        key="one-step-law",
        statement="One-step mean μ(θ,n) and variance σ²(θ,n) of ln sin²θ_{ℓ+1} (width 1024, θ ∈ [0.005, 0.8])",
        source=paper(f"{PAPER}, Theorem 1, Fig. 2"),
        expected="inside the MC 99% CIs (graphical)",
        quantity="the number of angles whose 99 % interval misses the prediction, for μ and for σ²",
        rule=AtMost(1, why="at 99 % about one in a hundred intervals misses a correct prediction"),
        measure=_figure2,
        note="quick scale: 12 angles × 2000 networks; the paper 100 × 10 000",
    ),
    Claim(
        key="bessel-identity",
        statement="J_{a,b} through the Bessel-type numbers P, Q (Theorem 5) equals direct quadrature of its "
                  "definition; P = OEIS A001498",
        source=external(f"{PAPER}, Theorem 5, Definition 4, Lemma 12, footnote 2; references: J_{{a,b}}'s defining "
                        "integral (quadrature) and OEIS A001498's formula T(n, k) = (n+k)!/(2^k (n−k)! k!)"),
        expected="exact identity",
        quantity="the largest relative difference Theorem 5 − quadrature (reference 1e-9), and the number of "
                 "P(a, b) ≠ A001498 (reference 0)",
        rule=AtMost(why="Theorem 5's sum cancels in float64 near θ = π (worst at θ = 2.5; elsewhere 1e-15), "
                        "quadrature runs at epsrel 1e-13; the integers must agree exactly"),
        measure=_bessel,
    ),
    Claim(
        key="training-link",
        statement="Architectures with a smaller predicted final angle train worse (rank correlation)",
        source=paper(f"{PAPER}, §1.2, Fig. 3–4, App. D"),
        expected="association shown graphically (MNIST/FMNIST/CIFAR-10); no coefficient",
        quantity="the one-sided p-value of Spearman's ρ > 0 (finite-width prediction vs accuracy)",
        rule=AtMost(0.025, why="ρ > 0 at two-sided level 5 %"),
        measure=_training,
        note="data set differs from the paper (digits ships with scikit-learn)",
    ),
)


def _same_law(r: StudyResult):
    ks = r.tables["figure1_ks"].set_index(["test", "layer"])["p"]
    setup = r.tables["figure1_setup"].iloc[0]
    z = r.tables["figure1"]["full_minus_markov_z"]
    text = (f"p = {ks['full_vs_markov', 1]:.3g} (layer 1), {ks['full_vs_markov', 30]:.3g} (layer 30); "
            f"{int(setup['full_networks'])} networks vs {int(setup['markov_paths'])} paths; mean offsets "
            f"(full − chain)/SE from {z.min():+.2f} to {z.max():+.2f} over the layers")
    return measured(text, Value(float(ks["full_vs_markov", 1]), label="layer 1"),
                    Value(float(ks["full_vs_markov", 30]), label="layer 30"))


CONSISTENCY = (
    Claim(
        key="full-network-vs-markov",
        statement="Full-network MC and the exact O(n) Markov chain have the same law (two-sample KS)",
        source=ours("the reduction of the network to an O(n)-per-layer chain (paper eq. 57: given layer ℓ, the "
                    "neuron pairs of layer ℓ+1 are i.i.d. Gaussian), depthlab.angles.markov"),
        expected="the same law",
        quantity="the two-sample KS p-value at layers 1 and 30",
        rule=AtLeast(SAME_LAW_LEVEL),
        measure=_same_law,
        note="the mean offsets of one set of networks are correlated across layers (each layer's mean carries all "
             "earlier steps' noise), so one unlucky set sits on one side of the chain for many layers",
    ),
)


def _varying(r: StudyResult):
    parts = []
    for name, t in r.tables["varying_widths"].groupby("profile", sort=False):
        e_new = float(np.abs(t["alg1_new_layer"] - t["full_mean"]).max())
        e_prev = float(np.abs(t["alg1_previous_layer"] - t["full_mean"]).max())
        verdict = "new layer closer" if e_new < e_prev else "previous layer closer"
        parts.append(f"{name}: max|Alg.1 − MC| = {e_new:.3f} (n_ℓ+1) vs {e_prev:.3f} (n_ℓ), SE ≤ "
                     f"{t['full_sem'].max():.3f} ({verdict})")
    return measured("; ".join(parts))


def _activations(r: StudyResult):
    act = r.tables["activations"]
    last = act[act["layer"] == act["layer"].max()]
    text = "; ".join(f"{x.activation}{'' if x.sigma_b == 0 else f' σ_b={x.sigma_b:g}'}: {x.mc_mean_theta:.4f} ± "
                     f"{x.mc_sem_theta:.4f} vs {x.inf_theta:.4f}" for x in last.itertuples())
    err = r.values["quadrature_relu_max_error"]
    return measured(f"{text}; quadrature map = eq. 12 for ReLU to {err:.1e}")


FINDINGS = (
    _mean_law_finding(64),
    _mean_law_finding(16),
    Finding(
        key="one-step-small-width",
        question="Does Theorem 1's one-step law still hold at small width (n = 16, θ = 0.1), where the paper does "
                 "not claim it?",
        evidence="Monte Carlo of one layer (10⁴ networks at quick scale); compare the MC mean ± SE with μ(θ, n)",
        measure=_small_width,
    ),
    Finding(
        key="varying-widths",
        question="With varying widths, which width enters the step θ_ℓ → θ_{ℓ+1}: the new layer's n_{ℓ+1} or "
                 "n_ℓ? (the paper's index n_ℓ is ambiguous)",
        evidence="full-network MC against Algorithm 1 under both conventions on an alternating 16/128 and a "
                 "128→16→128 bottleneck profile (θ_0 = π/2); the convention with the smaller largest error over "
                 "the layers is the better one",
        measure=_varying,
    ),
    Finding(
        key="other-activations",
        question="Other activations and biases: how far is the MC mean θ_20 from the infinite-width map (width "
                 "256, θ_0 = 1)?",
        evidence="exact Markov chain MC; the infinite-width map by quadrature (polar Gauss–Legendre for ReLU-like, "
                 "Gauss–Hermite for smooth activations), checked against eq. 12 for ReLU; no published values",
        measure=_activations,
    ),
)
