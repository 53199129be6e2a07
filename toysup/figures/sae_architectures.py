"""SAE architectures compared at matched L0 over seeds, on a CPU-sized benchmark with hierarchy, correlation and a
Zipf firing profile.

N = 64 true features (random unit directions) in d = 24 dimensions, firing with Zipf-like probabilities
(p_i ∝ 1/(i + 1), Σ p_i = 4), positively correlated (a Gaussian copula with ρ = 0.2), the first 16 of them a
hierarchy (4 parents with 3 children each; a child fires only with its parent, one child per active parent with
probability 0.8). Every architecture gets a dictionary as wide as the truth (64 latents) and is compared at the
same L0 = 4: TopK and BatchTopK at k = 4, the penalty SAEs (ReLU with L1, Gated, JumpReLU) at three penalties
bracketing L0 = 4, their MCC interpolated linearly in L0 seed by seed (``toysup.sae.metrics.at_matched_l0``).
Seed s draws the dictionary, the SAE's initialisation and its data stream; the same seeds serve every
architecture, so differences are paired. Published claim (Gao et al. 2024, Bussmann et al. 2024, Rajamanoharan
et al. 2024b, on LLM activations): at matched L0, TopK, BatchTopK and JumpReLU reconstruct and recover features
better than the L1 (ReLU) SAE.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..sae import evaluate, synthetic_activations
from ..sae.metrics import at_matched_l0
from ._sae import ARCH_LABELS, random_mcc, t_interval, train_grid, training

NAME = "sae_architectures"
TITLE = "SAE architectures at matched L0, over seeds"
SECTION = "SAEs: Gao et al. 2024; Bussmann et al. 2024; Rajamanoharan et al. 2024a, b"
CAPTION = (
    "Left: MCC of each architecture at the same L0 (dots: seeds; bars: 95% t-intervals of the mean; dashed: a "
    "random dictionary) on 64 hierarchical, correlated, Zipf-firing features in 24 dimensions with 64 latents. "
    "Right: MCC against L0 for every penalty (mean over seeds), the matched L0 dotted."
)
ARCHS = ("relu", "topk", "batchtopk", "jumprelu", "gated")
QUICK_ARCHS = ("relu", "topk")  # a quick run compiles two architectures' programs, not five
PUBLISHED_AHEAD_OF_RELU = ("topk", "batchtopk", "jumprelu")
MATCHED_L0_TOLERANCE = 0.1  # a k-SAE's L0 within 10% of the target counts as matched
LEARNED = 0.1  # an SAE has learned the dictionary when its MCC beats a random dictionary's by this much


def experiment(quick: bool) -> dict[str, Any]:
    """The activations, the target L0, each architecture's penalties (k for the TopK ones) and training (a quick
    run: only ``QUICK_ARCHS``, smaller and shorter)."""
    steps = 200 if quick else 2000
    n_inputs = 12 if quick else 24
    return {
        "data": {
            "n_features": 32 if quick else 64,
            "n_inputs": n_inputs,
            "firing": "zipf",
            "mean_active": 4.0,
            "zipf_exponent": 1.0,
            "magnitude": (0.0, 1.0),
            "correlation": 0.2,
            "n_parents": 4,
            "children_per_parent": 3,
            "child_probability": 0.8,
        },
        "n_latents": 32 if quick else 64,
        "seeds": 3 if quick else 5,
        "target_l0": 4.0,
        "penalties": {
            "relu": (0.2, 0.4, 0.8),
            "topk": (4,),
            "batchtopk": (4.0,),
            "jumprelu": (0.02, 0.05, 0.12),
            "gated": (0.3, 0.6, 1.2),
        },
        "training": {arch: training(arch, steps, n_inputs) for arch in ARCHS},
        "n_samples": 1024 if quick else 8192,
    }


def run(quick: bool, out: Path) -> dict:
    spec = experiment(quick)
    seeds, target = spec["seeds"], spec["target_l0"]
    dictionaries = [synthetic_activations(**spec["data"], seed=seed) for seed in range(seeds)]
    data: dict[str, Any] = {
        "target_l0": target,
        "seeds": seeds,
        "n_latents": spec["n_latents"],
        "n_features": spec["data"]["n_features"],
        "n_inputs": spec["data"]["n_inputs"],
        "steps": spec["training"]["relu"]["steps"],
        "penalties": spec["penalties"],
        "random_mcc": np.asarray(
            [random_mcc(d.truth[0], spec["n_latents"], seed=i) for i, d in enumerate(dictionaries)]
        ),
        "archs": {},
    }
    for arch in QUICK_ARCHS if quick else ARCHS:
        penalties = spec["penalties"][arch]
        result, activations = train_grid(arch, dictionaries, penalties, spec)
        scores = evaluate(result, activations, n_samples=spec["n_samples"])
        shape = (len(penalties), seeds)
        l0, mcc = scores["l0"].reshape(shape), scores["mcc"].reshape(shape)
        matched, bracketed = at_matched_l0(l0, mcc, target)
        data["archs"][arch] = {
            "l0": l0,
            "mcc": mcc,
            "explained_variance": scores["explained_variance"].reshape(shape),
            "dead_share": scores["dead_share"].reshape(shape),
            "true_l0": float(scores["true_l0"].mean()),
            "mcc_at_target": matched,
            "matched": bracketed | (np.abs(l0 - target).min(axis=0) <= MATCHED_L0_TOLERANCE * target),
        }
    return data


def plot(data: dict) -> Figure:
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    archs = list(data["archs"])
    colours = {arch: f"C{i}" for i, arch in enumerate(archs)}
    for i, arch in enumerate(archs):
        values = np.asarray(data["archs"][arch]["mcc_at_target"])
        mean, half = t_interval(values)
        left.scatter(np.full(len(values), i) + np.linspace(-0.12, 0.12, len(values)), values, s=14, color=colours[arch])
        left.errorbar(i + 0.25, mean, yerr=half, fmt="o", color="black", capsize=4)
        l0 = np.asarray(data["archs"][arch]["l0"]).mean(axis=1)
        mcc = np.asarray(data["archs"][arch]["mcc"]).mean(axis=1)
        right.plot(l0, mcc, "o-", color=colours[arch], label=ARCH_LABELS[arch])
    baseline = float(np.mean(data["random_mcc"]))
    left.axhline(baseline, color="grey", ls="--", label="random dictionary")
    left.set_xticks(range(len(archs)), [ARCH_LABELS[a] for a in archs])
    left.set_ylabel(f"MCC at L0 = {data['target_l0']:g}")
    left.set_title(f"matched L0, {data['seeds']} seeds, 95% t-intervals", fontsize=10)
    left.legend(fontsize=8, loc="lower left")
    right.axvline(data["target_l0"], color="grey", ls=":")
    right.axhline(baseline, color="grey", ls="--")
    right.set_xlabel("L0 (latents firing per sample)")
    right.set_ylabel("MCC")
    right.set_title("every penalty (mean over seeds)", fontsize=10)
    right.legend(fontsize=8)
    return fig


def check(data: dict) -> dict:
    """Published ordering at matched L0: TopK, BatchTopK and JumpReLU recover the true features better than the L1
    (ReLU) SAE. Per architecture the MCC at L0 = 4 (interpolated between the penalties that bracket it; k = 4 for
    the TopK ones) with a 95% t-interval over seeds; per comparison the paired difference with ReLU (same seeds,
    same dictionaries) and its 95% t-interval: "ahead" when the interval lies above 0, "behind" below 0, "tied"
    otherwise. An architecture counts as ahead only if it reached L0 = 4 and beats a random dictionary's MCC (64
    latents; SAELens's MCC gives a random dictionary about 0.6 here) by 0.1 in every seed, and ReLU must do the
    same, so a failed optimisation cannot pass. Holds when all three are ahead of ReLU."""
    archs, target = data["archs"], data["target_l0"]
    baseline = float(np.max(data["random_mcc"]))
    numbers: dict[str, Any] = {"random_dictionary_mcc": round(float(np.mean(data["random_mcc"])), 3)}
    unmatched, unlearned, counts = [], [], {}
    for arch, result in archs.items():
        values = np.asarray(result["mcc_at_target"])
        mean, half = t_interval(values)
        numbers[f"{arch}_mcc_at_l0_{target:g}"] = f"{mean:.3f} ± {half:.3f}"
        counts[arch] = bool(np.all(result["matched"])) and float(np.min(values)) >= baseline + LEARNED
        if not np.all(result["matched"]):
            unmatched.append(ARCH_LABELS[arch])
        elif not counts[arch]:
            unlearned.append(ARCH_LABELS[arch])
    relu = np.asarray(archs["relu"]["mcc_at_target"])
    verdicts = {}
    for arch in PUBLISHED_AHEAD_OF_RELU:
        if arch not in archs:
            verdicts[arch] = "not measured"
            continue
        mean, half = t_interval(np.asarray(archs[arch]["mcc_at_target"]) - relu)
        verdicts[arch] = "ahead" if mean - half > 0 else "behind" if mean + half < 0 else "tied"
        if verdicts[arch] == "ahead" and not (counts[arch] and counts["relu"]):
            verdicts[arch] = "not comparable"
        numbers[f"{arch}_minus_relu"] = f"{mean:+.3f} ± {half:.3f} ({verdicts[arch]})"
    others = [a for a in archs if a not in ("relu", *PUBLISHED_AHEAD_OF_RELU)]
    for arch in others:
        mean, half = t_interval(np.asarray(archs[arch]["mcc_at_target"]) - relu)
        numbers[f"{arch}_minus_relu"] = f"{mean:+.3f} ± {half:.3f}"
    numbers["order_by_mean_mcc"] = " > ".join(
        ARCH_LABELS[a] for a in sorted(archs, key=lambda a: -float(np.mean(archs[a]["mcc_at_target"])))
    )
    notes = []
    if unmatched:
        notes.append(f"{', '.join(unmatched)} did not reach L0 = {target:g} in every seed.")
    if unlearned:
        notes.append(
            f"At L0 = {target:g}, {', '.join(unlearned)} {'is' if len(unlearned) == 1 else 'are'} within {LEARNED} MCC "
            f"of a random dictionary ({baseline:.2f}) in some seed: at this L0 and training budget "
            f"{'it has' if len(unlearned) == 1 else 'they have'} hardly learned the dictionary."
        )
    not_ahead = [a for a, v in verdicts.items() if v != "ahead"]
    if not_ahead:
        phrase = {
            "ahead": "is ahead of",
            "tied": "ties with",
            "behind": "falls behind",
            "not comparable": "is ahead of, but not comparable with,",
            "not measured": "was not trained beside",
        }
        notes.append(
            f"At this scale ({data['n_features']} features in {data['n_inputs']} dimensions, {data['n_latents']} "
            f"latents, {data['steps']:,} steps, {data['seeds']} seeds) the published ordering at matched L0 does not "
            "reproduce: "
            + "; ".join(
                f"{ARCH_LABELS[a]} {phrase[v]} ReLU (L1)" + (f" ({numbers[f'{a}_minus_relu']})" if a in archs else "")
                for a, v in verdicts.items()
            )
            + ". The published comparisons train far longer, on LLM activations, with 16k+ latents. Here JumpReLU and "
            "Gated recover more at lower L0 (the right panel) and were still improving with longer training in "
            "benchmarks/README.md; BatchTopK lagged there too."
        )
    holds = not not_ahead
    return {"holds": bool(holds), **numbers, **({"not_reproduced": notes} if notes else {})}
