"""Feature absorption on a hierarchy of features, per SAE architecture and sparsity setting (Chanin et al. 2024,
"A is for Absorption").

N = 24 orthonormal true features in d = 32 dimensions, each firing with probability 0.1 at magnitude 1 (as in
Chanin et al.'s toy model), the first 16 of them a hierarchy: 4 parents with 3 children each; a child fires only
with its parent, and an active parent has one child with probability 0.75 (so a parent also fires alone). Each
architecture (32 latents) is trained at three sparsity settings, three seeds each. Absorption
(``toysup.sae.metrics.absorption``): on samples where a child (hence its parent) is active, the parent's latent is
silent while the child's latent fires with a decoder row that has taken on the parent's direction (cosine ≥ 0.3).
Claim: the sparsity objective makes SAEs absorb a parent into its children's latents — in every architecture, more
so the sparser the SAE.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..sae import evaluate, synthetic_activations
from ..sae.metrics import absorption, hierarchy_pairs, samples
from ._sae import ARCH_LABELS, BEATS_RANDOM, random_mcc, train_grid, training

NAME = "sae_absorption"
TITLE = "Feature absorption on a hierarchy"
SECTION = "SAEs: Chanin et al. 2024, A is for Absorption"
CAPTION = (
    "Left: share of child-active samples on which the parent's latent is absorbed into the child's, against the "
    "SAE's L0, one line per architecture (three sparsity settings, mean of three seeds). Right: at each "
    "architecture's sparsest setting, how often the parent's latent fires when its parent is active alone versus "
    "together with a child."
)
ARCHS = ("relu", "topk", "batchtopk", "jumprelu", "gated")
QUICK_ARCHS = ("relu", "topk")  # a quick run compiles two architectures' programs, not five
PRESENT = 0.2  # absorption "present": at least this share of child-active samples, and this far above untrained
RISES = 0.05  # the sparsest setting's absorption exceeds the densest's by at least this much
L0_SPAN = 1.25  # ... when the densest setting's L0 is at least this multiple of the sparsest's (else unmeasured)


def experiment(quick: bool) -> dict[str, Any]:
    """The hierarchy, the sparsity settings (densest first) and the training of each architecture (a quick run:
    only ``QUICK_ARCHS``, shorter)."""
    steps, n_inputs = (200 if quick else 1500), 32
    settings = {arch: training(arch, steps, n_inputs) for arch in ARCHS}
    settings["jumprelu"]["jumprelu_initial_threshold"] = 0.3  # from 0.1 it does not sparsify in 1,500 steps here
    return {
        "data": {
            "n_features": 24,
            "n_inputs": n_inputs,
            "firing": "uniform",
            "feature_probability": 0.1,
            "magnitude": (1.0, 1.0),
            "orthogonal": True,
            "n_parents": 4,
            "children_per_parent": 3,
            "child_probability": 0.75,
        },
        "n_latents": 32,
        "seeds": 1 if quick else 3,
        "penalties": {
            "relu": (0.05, 0.2, 0.6),
            "topk": (3, 2, 1),
            "batchtopk": (3.0, 2.0, 1.0),
            "jumprelu": (0.01, 0.1, 1.0),
            "gated": (0.1, 0.4, 1.0),
        },
        "training": settings,
        "n_samples": 1024 if quick else 8192,
    }


def untrained_absorption(x: np.ndarray, true_codes: np.ndarray, truth: np.ndarray, pairs, n_latents: int) -> float:
    """The absorption an untrained SAE shows: random unit decoder rows D, codes ReLU(x Dᵀ) (tied encoder)."""
    decoder = np.random.default_rng(0).standard_normal((n_latents, truth.shape[1]))
    decoder /= np.linalg.norm(decoder, axis=1, keepdims=True)
    return float(absorption(np.maximum(x @ decoder.T, 0.0), true_codes, decoder, truth, pairs)["absorption"])


def run(quick: bool, out: Path) -> dict:
    spec = experiment(quick)
    seeds, hierarchy = spec["seeds"], spec["data"]
    pairs = hierarchy_pairs(hierarchy["n_parents"], hierarchy["children_per_parent"])
    dictionaries = [synthetic_activations(**hierarchy, seed=seed) for seed in range(seeds)]
    data: dict[str, Any] = {
        "seeds": seeds,
        "random_mcc": float(np.mean([random_mcc(d.truth[0], spec["n_latents"]) for d in dictionaries])),
        "archs": {},
    }
    for arch in QUICK_ARCHS if quick else ARCHS:
        penalties = spec["penalties"][arch]
        result, activations = train_grid(arch, dictionaries, penalties, spec)
        scores = evaluate(result, activations, n_samples=spec["n_samples"])
        drawn = samples(result, activations, n_samples=spec["n_samples"])
        measures = [
            absorption(drawn["codes"][i], drawn["true_codes"][i], result.decoder[i], activations.truth[i], pairs)
            for i in range(result.config.n_instances)
        ]
        shape = (len(penalties), seeds)

        def grid(name: str, measures=measures, shape=shape) -> np.ndarray:
            return np.asarray([m[name] for m in measures], np.float64).reshape(shape)

        data["archs"][arch] = {
            "penalties": penalties,
            "l0": scores["l0"].reshape(shape),
            "mcc": scores["mcc"].reshape(shape),
            "absorption": grid("absorption"),
            "parent_recall_with_child": grid("parent_recall_with_child"),
            "parent_recall_alone": grid("parent_recall_alone"),
            "child_parent_cosine": grid("child_parent_cosine"),
        }
        if "untrained_absorption" not in data:
            data["untrained_absorption"] = untrained_absorption(
                drawn["x"][0], drawn["true_codes"][0], activations.truth[0], pairs, spec["n_latents"]
            )
    return data


def _sparsest(result: dict) -> tuple[int, int]:
    """(sparsest, densest) setting by the mean measured L0."""
    l0 = np.asarray(result["l0"]).mean(axis=1)
    return int(np.argmin(l0)), int(np.argmax(l0))


def plot(data: dict) -> Figure:
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    archs = list(data["archs"])
    for i, arch in enumerate(archs):
        result = data["archs"][arch]
        l0, rate = np.asarray(result["l0"]).mean(axis=1), np.asarray(result["absorption"]).mean(axis=1)
        order = np.argsort(l0)
        left.plot(l0[order], rate[order], "o-", color=f"C{i}", label=ARCH_LABELS[arch])
        sparsest, _ = _sparsest(result)
        alone = np.asarray(result["parent_recall_alone"])[sparsest].mean()
        together = np.asarray(result["parent_recall_with_child"])[sparsest].mean()
        right.bar(i - 0.2, alone, 0.4, color=f"C{i}", alpha=0.45, label="parent alone" if i == 0 else None)
        right.bar(i + 0.2, together, 0.4, color=f"C{i}", label="parent with a child" if i == 0 else None)
    left.axhline(data["untrained_absorption"], color="grey", ls="--", label="untrained SAE")
    left.set_xlabel("L0 (latents firing per sample)")
    left.set_ylabel("absorption (share of child-active samples)")
    left.set_ylim(-0.02, 1.02)
    left.legend(fontsize=8)
    right.set_xticks(range(len(archs)), [ARCH_LABELS[a] for a in archs])
    right.set_ylabel("the parent's latent fires (recall)")
    right.set_ylim(0, 1.05)
    right.set_title("sparsest setting", fontsize=10)
    right.legend(fontsize=8)
    return fig


def check(data: dict) -> dict:
    """Per architecture, at its sparsest setting (lowest mean L0): absorption is present — at least 0.2 of the
    child-active samples, and 0.2 above an untrained SAE (random tied dictionary) — and it rises with sparsity (the
    sparsest setting's absorption at least 0.05 above the densest setting's, whose L0 must be at least 1.25 times
    the sparsest's for the rise to be measured); the SAE learned the features (MCC
    at least 0.2 above a random dictionary's in every seed at the sparsest setting), so a failed optimisation
    cannot pass. Holds when every architecture shows all three; the ones that do not are listed."""
    numbers: dict[str, Any] = {
        "untrained_sae_absorption": round(float(data["untrained_absorption"]), 3),
        "random_dictionary_mcc": round(float(data["random_mcc"]), 3),
    }
    notes = []
    floor = max(PRESENT, data["untrained_absorption"] + PRESENT)
    for arch, result in data["archs"].items():
        sparsest, densest = _sparsest(result)
        rate = np.asarray(result["absorption"]).mean(axis=1)
        l0 = np.asarray(result["l0"]).mean(axis=1)
        learned = float(np.min(np.asarray(result["mcc"])[sparsest]))
        numbers[f"{arch}_absorption_by_setting"] = np.round(rate, 3).tolist()
        numbers[f"{arch}_l0_by_setting"] = np.round(l0, 2).tolist()
        numbers[f"{arch}_parent_recall_alone_vs_with_child_sparsest"] = [
            round(float(np.mean(result["parent_recall_alone"][sparsest])), 3),
            round(float(np.mean(result["parent_recall_with_child"][sparsest])), 3),
        ]
        missing = []
        if rate[sparsest] < floor:
            missing.append(f"absorption at its sparsest setting ({rate[sparsest]:.2f} < {floor:.2f})")
        if l0[densest] < L0_SPAN * l0[sparsest]:
            missing.append(
                f"a measured rise with sparsity: its L0 hardly moves with its sparsity setting ({l0.min():.2f}–"
                f"{l0.max():.2f}), though it absorbs at every setting ({rate.min():.2f}–{rate.max():.2f})"
            )
        elif rate[sparsest] < rate[densest] + RISES:
            missing.append(
                f"absorption rising with sparsity ({rate[densest]:.2f} at L0 {l0[densest]:.2f} → "
                f"{rate[sparsest]:.2f} at L0 {l0[sparsest]:.2f})"
            )
        if learned < data["random_mcc"] + BEATS_RANDOM:
            missing.append(f"a learned dictionary (MCC {learned:.2f} vs random {data['random_mcc']:.2f})")
        if missing:
            notes.append(f"{ARCH_LABELS[arch]} does not show " + " or ".join(missing) + " in this run.")
    return {"holds": not notes, **numbers, **({"not_reproduced": notes} if notes else {})}
