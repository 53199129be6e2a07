"""Figure 11: computation in superposition — the absolute-value task (Elhage et al. 2022, Sec. 10 "Computation in
Superposition").

The model computes y = |x| through a ReLU hidden layer: h = ReLU(W₁x), y' = ReLU(W₂h + b), inputs in [−1, 1].
Two experiments. n = 3 dense features with m = 6 neurons: |x| = ReLU(x) + ReLU(−x), so each feature gets one
neuron reading +x and one reading −x. n = 100 features of importance 0.8^i with m = 40 neurons, across sparsity.
Claim: with dense features the neurons are monosemantic (two per feature, so at most m/2 features are computed);
with sparse features the neurons become polysemantic — the model computes in superposition — and some neurons show
the asymmetric-superposition motif: one feature read strongly and written weakly, another read weakly and written
strongly, both through the same neuron. (The paper also finds more features computed than neurons at high
sparsity; the check reports that count but does not require it — our runs compute fewer, see the JSON.)

A feature counts as computed when some neuron k carries it to its own output with gain W₁[k,i]·W₂[i,k] ≥ 0.25 — the
analogue of ‖W_i‖ > 0.5 in the ReLU-output model, and unchanged by the rescaling W₁[k] → αW₁[k], W₂[:,k] → W₂[:,k]/α
that leaves the model the same.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import plots
from ..config import ToyConfig
from ..metrics import MONOSEMANTIC_SHARE, asymmetric_motifs, computed_features, top_feature_share
from ._common import sparsity_label, train_once

NAME = "computation"
TITLE = "Computing |x| in superposition"
SECTION = "Sec. 10, Computation in Superposition"
CAPTION = (
    "Input weights W₁ of each neuron as stacked bars (one segment per feature, yellow = most important). "
    "Top left: n=3 dense features, m=6 neurons — a ReLU(x) and a ReLU(−x) neuron per feature. Top right: "
    "an asymmetric-superposition neuron of the sparsest model (input and output weights of its two "
    "features). Bottom: n=100 features, m=40 neurons (sorted by their strongest feature), dense to sparse: "
    "monosemantic to polysemantic."
)


def experiment(quick: bool) -> dict[str, ToyConfig]:
    dense = ToyConfig(
        n_features=3,
        n_hidden=6,
        model="abs",
        feature_probability=1.0,
        steps=2000 if quick else 5000,
        learning_rate=1e-2,
        restarts=2,
        seed=0,
    )
    probabilities = (1.0, 0.1, 0.01) if quick else (1.0, 0.3, 0.1, 0.03, 0.01)
    many = ToyConfig(
        n_features=100,
        n_hidden=40,
        model="abs",
        n_instances=len(probabilities),
        feature_probability=probabilities,
        importance_decay=0.8,
        steps=3000 if quick else 10_000,
        batch_size=256 if quick else 512,
        learning_rate=1e-2,
        schedule="cosine",
        seed=0,
    )
    return {"dense": dense, "many": many}


def run(quick: bool, out: Path) -> dict:
    configs = experiment(quick)
    dense, many = train_once(configs["dense"]), train_once(configs["many"])
    return {
        "dense_W1": dense.params["W1"][0],
        "dense_W2": dense.params["W2"][0],
        "feature_probability": configs["many"].feature_probability_array()[:, 0],
        "importance": configs["many"].importance_array()[0],
        "W1": many.params["W1"],
        "W2": many.params["W2"],
        "b": many.b,
        "loss": many.final_loss,
    }


def plot(data: dict) -> Figure:
    W1, W2 = np.asarray(data["W1"]), np.asarray(data["W2"])
    probability = np.asarray(data["feature_probability"])
    fig = plt.figure(figsize=(max(10.0, 3.2 * len(W1)), 6.4), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.1])
    left, right = top.subfigures(1, 2)
    dense_W1 = np.asarray(data["dense_W1"])
    plots.neuron_feature_weights(
        dense_W1[None],
        importance=np.arange(dense_W1.shape[1], 0, -1),
        titles=["n=3 dense features (one colour each), m=6 neurons"],
        axes=[left.subplots()],
    )
    ax = right.subplots()
    found = [(index, motif) for index in range(len(W1) - 1, 0, -1) for motif in asymmetric_motifs(W1[index], W2[index])]
    if found:
        index, (k, a, b) = found[0]
        values = [W1[index][k, a], W1[index][k, b], W2[index][a, k], W2[index][b, k]]
        ax.bar(range(4), values, color=["tab:blue", "tab:orange", "tab:blue", "tab:orange"])
        ax.set_xticks(range(4), [f"W₁ in, f{a}", f"W₁ in, f{b}", f"W₂ out, f{a}", f"W₂ out, f{b}"], fontsize=8)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_title(f"asymmetric superposition: neuron {k}, {sparsity_label(probability[index])}", fontsize=9)
    else:
        ax.text(0.5, 0.5, "no asymmetric-superposition neuron found", ha="center", va="center")
        ax.set_axis_off()
    # Neurons sorted by their strongest feature, most important first, as in the paper.
    order = np.argsort(np.argmax(np.abs(W1), axis=2), axis=1, kind="stable")
    plots.neuron_feature_weights(
        np.take_along_axis(W1, order[:, :, None], axis=1),
        np.asarray(data["importance"]),
        titles=[f"n=100, m=40, {sparsity_label(p)}" for p in probability],
        axes=bottom.subplots(1, len(W1), sharey=True),
    )
    return fig


def check(data: dict) -> dict:
    """n=3 dense: every neuron monosemantic (top-feature share ≥ 0.9) and every feature has a neuron reading +x
    and one reading −x. n=100, m=40: dense — at least 90% of used neurons monosemantic and at most m/2 features
    computed; sparsest — at least half the used neurons polysemantic (share < 0.9); at least one
    asymmetric-superposition neuron in the sparse models."""
    dense_W1 = np.asarray(data["dense_W1"])
    dense_shares = top_feature_share(dense_W1)
    owner = np.argmax(np.abs(dense_W1), axis=1)
    sign = np.sign(dense_W1[np.arange(len(owner)), owner])
    both_signs = all({1.0, -1.0} <= set(sign[owner == f].tolist()) for f in range(dense_W1.shape[1]))
    dense_holds = bool(np.all(dense_shares >= MONOSEMANTIC_SHARE) and both_signs)

    W1, W2 = np.asarray(data["W1"]), np.asarray(data["W2"])
    n_hidden = W1.shape[1]
    computed = [computed_features(w1, w2) for w1, w2 in zip(W1, W2)]
    shares = [top_feature_share(w1) for w1 in W1]
    monosemantic = [float(np.mean(s[~np.isnan(s)] >= MONOSEMANTIC_SHARE)) for s in shares]
    motifs = [len(asymmetric_motifs(w1, w2)) for w1, w2 in zip(W1, W2)]
    many_dense = monosemantic[0] >= 0.9 and computed[0] <= n_hidden // 2
    many_sparse = 1 - monosemantic[-1] >= 0.5 and sum(motifs[1:]) >= 1
    return {
        "holds": bool(dense_holds and many_dense and many_sparse),
        "n3_neuron_top_feature_shares": np.round(dense_shares, 3).tolist(),
        "n3_every_feature_has_plus_and_minus_neuron": both_signs,
        "n100_share_of_monosemantic_neurons_per_sparsity": monosemantic,
        "n100_asymmetric_motif_neurons_per_sparsity": motifs,
        "n100_computed_features_per_sparsity": computed,
        "n100_more_features_computed_than_neurons_(not_required)": bool(max(computed) > n_hidden),
    }
