"""Figure 11: computation in superposition — the absolute-value task (Elhage et al. 2022, Sec. 10 "Computation in
Superposition").

The model computes y = |x| through a ReLU hidden layer: h = ReLU(W₁x), y' = ReLU(W₂h + b), inputs 0 with probability
1 − p, else uniform on [−1, 1]. Two experiments. n = 3 dense features with m = 6 neurons: |x| = ReLU(x) + ReLU(−x),
so each feature gets one neuron reading +x and one reading −x. n = 100 features of importance 0.8^i with m = 40
neurons, across sparsity. The paper's claim: with dense features the neurons are monosemantic (two per feature, so
at most m/2 features are computed); with sparse features the model computes more features than fit monosemantically
— in superposition, more than there are neurons at high sparsity — and some neurons show the asymmetric-superposition
motif: one feature read strongly and written weakly, another read weakly and written strongly.

Such a claim only holds for a model that optimised well, so the check is gated on the loss. The reference is
``theory.abs_monosemantic_baseline_loss``: the floor(m/2) costliest features computed exactly by a +x and a −x neuron
each, every other one predicted by its best constant E|x| = p/2 (its weights: ``theory.abs_monosemantic_weights``).
The check evaluates every model's loss from its weights (a seeded Monte Carlo estimate, :func:`expected_loss`).

A feature counts as computed when some neuron k carries it to its own output with gain W₁[k,i]·W₂[i,k] ≥ 0.25
(``metrics.computed_features``) — the analogue of ‖W_i‖ > 0.5 in the ReLU-output model, and unchanged by the rescaling
W₁[k] → αW₁[k], W₂[:,k] → W₂[:,k]/α that leaves the model the same. (It needs a neuron reading +x_i: a feature
computed only through a −x neuron is not counted.)

Training recipe and what it reaches (issue 12). Nothing tried trains the n=100, m=40 model to the monosemantic
baseline at high sparsity, let alone below it; the recipe in :func:`experiment` is the best of what was tried within
this package's options — Adam, learning rate 1e-2 with 1,000 steps of linear warm-up then a cosine decay, batch 512,
10,000 steps, Xavier initialisation, best of 2 restarts — and the check reports the failure. With it, the loss over
the baseline at p = 1, 0.3, 0.1, 0.03, 0.01 is 3.2×, 1.00×, 1.15×, 30×, 24× (15, 20, 23, 24, 22 features
computed; the full figure takes about 60 CPU-seconds). Other settings, loss over the baseline at p = 0.1, 0.03,
0.01 (computed features in brackets), 10,000 steps, batch 512, seed 0 unless said:

- the previous recipe (lr 1e-2, cosine, no warm-up, one restart): 36×, 55×, 62× (19, 12, 10);
- lr 1e-3 / 3e-3, cosine: 47×, 33×, 46× / 45×, 41×, 46×; constant lr 1e-2: 36×, 55×, 62×;
- lr 1e-2, cosine, 1,000 warm-up steps: 24×, 22×, 45× (20, 19, 15) with these three instances alone, 14×, 30×,
  24× within the five-instance run (other seeds); its second restart reaches 1.15× at 0.1 but not below 30× / 24×;
- batch 4,096 for 3,000 steps: 45×, 48×, 48×; batch 64 for 5,000 steps: —, 67×, 72×;
- outside this package's options (a training loop of its own): initialisation 0.3× / 3× Xavier: 19×, 13×, 36× /
  50×, 54×, 58×; output bias started at 0.05 / 0.5: 33×, 48×, 42× / 0.62× (below the baseline), 74×, 78×; W₂
  started at 0.1× Xavier with b = p/2, lr 1e-3: 2.1×, 1.9×, 16×; W₂ = |W₁|ᵀ with b = p/2, lr 1e-3: 1.7×, 2.7×,
  4.6×; W₂ = 0.1·|Xavier| with b = p/2, lr 1e-3: 2.7×, 1.9×, 1.2× (25 features computed at 0.01, still above the
  baseline), and for 30,000 steps 1.12×, 1.17×, 0.57× (29 features computed and 10 motif neurons at 0.01: the only
  run below the baseline at 0.01, but not at 0.1 or 0.03, and three times the time budget), at lr 3e-3 for 10,000
  steps 1.28×, 1.09×, 12× (best of two restarts with other seeds: 1.15×, 4.0×, 20×); Adam ε = 1e-4, 1e-3, 1e-2:
  48× to 73×. None reaches the baseline at every sparsity, so no initialisation option was added.

Why: the output ReLU dies. At high sparsity an output is almost always wrongly positive (other features are
active, its own rarely is), so Adam, whose steps are about the learning rate whatever the gradient's size, drives its
bias and every weight into it negative within the first tens of steps — before any neuron has specialised on its
feature. From then on the output is 0 for every input and gets no gradient: the feature is lost for good (its loss
is I·p/3, slightly above the constant's I·(p/3 − p²/4)), or only one of its two halves is kept (half the loss). A
lower learning rate, a warm-up or another batch size does not remove it: the race is between the bias and the
weights, both moving about lr per step. (The dense model fails differently: it computes 15 of the 20 features that
fit, the others lost entirely.) Started from the monosemantic solution (plus noise) instead, 5,000 steps of the same
training go below the baseline — 0.88×, 0.72×, 1.00× at lr 1e-2 and 0.99×, 0.61×, 0.37× at lr 1e-3, with up to 26
features computed at p = 0.01 — so solutions in superposition exist and are found from there; from a random start
they are not.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import plots, theory
from ..config import ToyConfig
from ..metrics import MONOSEMANTIC_SHARE, asymmetric_motifs, computed_features, top_feature_share
from ._common import BEATS_BASELINE, MATCHES_BASELINE, sparsity_label, train_once

NAME = "computation"
TITLE = "Computing |x| in superposition"
SECTION = "Sec. 10, Computation in Superposition"
CAPTION = (
    "Input weights W₁ of each neuron as stacked bars (one segment per feature, yellow = most important). "
    "Top left: n=3 dense features, m=6 neurons — a ReLU(x) and a ReLU(−x) neuron per feature. Top middle: "
    "an asymmetric-superposition neuron of the sparsest model that has one (input and output weights of its two "
    "features). Top right: the loss of each n=100 model against the best monosemantic model's (m/2 features computed "
    "exactly, the rest at their mean): a model computing in superposition must score below it. Bottom: n=100 "
    "features, m=40 neurons (sorted by their strongest feature), dense to sparse."
)
EVALUATION_SAMPLES = 2**17  # Monte Carlo samples of each model's loss in the check
EVALUATION_CHUNK = 2**13


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
        warmup_steps=300 if quick else 1000,
        restarts=1 if quick else 2,
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


def expected_loss(
    W1: np.ndarray,
    W2: np.ndarray,
    b: np.ndarray,
    feature_probability: float,
    importance: np.ndarray,
    samples: int = EVALUATION_SAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """Monte Carlo estimate of one ``abs`` model's loss E[Σ_i I_i (|x_i| − y'_i)²], y' = ReLU(W₂ ReLU(W₁x) + b), x_i
    0 with probability 1 − p else uniform on [−1, 1] (as ``toysup.data`` draws them), from ``samples`` seeded draws;
    returns (mean, standard error). W1 (hidden, features), W2 (features, hidden), b (features,)."""
    W1, W2 = np.asarray(W1, np.float32), np.asarray(W2, np.float32)
    b, importance = np.asarray(b, np.float32)[:, None], np.asarray(importance, np.float32)[:, None]
    p = np.float32(feature_probability)
    rng = np.random.default_rng(seed)
    losses = []
    for start in range(0, samples, EVALUATION_CHUNK):
        u = rng.random((W1.shape[1], min(EVALUATION_CHUNK, samples - start)), dtype=np.float32)
        x = np.where(u < p, 2.0 * u / p - 1.0, 0.0).astype(np.float32)
        y = np.maximum(W2 @ np.maximum(W1 @ x, 0.0) + b, 0.0)
        losses.append(np.sum(importance * (np.abs(x) - y) ** 2, axis=0, dtype=np.float64))
    loss = np.concatenate(losses)
    return float(loss.mean()), float(loss.std(ddof=1) / np.sqrt(loss.size))


def plot(data: dict) -> Figure:
    W1, W2 = np.asarray(data["W1"]), np.asarray(data["W2"])
    probability = np.asarray(data["feature_probability"])
    importance = np.asarray(data["importance"])
    fig = plt.figure(figsize=(max(12.0, 3.2 * len(W1)), 6.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.1])
    left, middle, right = top.subfigures(1, 3, width_ratios=[1, 1, 1])
    dense_W1 = np.asarray(data["dense_W1"])
    plots.neuron_feature_weights(
        dense_W1[None],
        importance=np.arange(dense_W1.shape[1], 0, -1),
        titles=["n=3 dense features (one colour each), m=6 neurons"],
        axes=[left.subplots()],
    )
    ax = middle.subplots()
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
    ax = right.subplots()
    n_hidden = W1.shape[1]
    baseline = theory.abs_monosemantic_baseline_loss(probability[:, None], importance, n_hidden)
    constant = theory.abs_monosemantic_baseline_loss(probability[:, None], importance, 0)
    ax.loglog(probability, constant, ":", color="0.5", label="every output constant (p/2)")
    ax.loglog(probability, baseline, "-", color="k", label=f"monosemantic: {n_hidden // 2} features exact")
    ax.loglog(probability, BEATS_BASELINE * baseline, "--", color="k", lw=0.8, label=f"{BEATS_BASELINE:g} × that")
    ax.loglog(probability, np.asarray(data["loss"]), "o", color="tab:red", label="trained (training loss)")
    ax.set_xlabel("feature probability p")
    ax.set_ylabel("loss")
    ax.set_title("n=100, m=40: loss against the monosemantic baseline", fontsize=9)
    ax.legend(fontsize=7)
    # Neurons sorted by their strongest feature, most important first, as in the paper.
    order = np.argsort(np.argmax(np.abs(W1), axis=2), axis=1, kind="stable")
    plots.neuron_feature_weights(
        np.take_along_axis(W1, order[:, :, None], axis=1),
        importance,
        titles=[f"n=100, m=40, {sparsity_label(p)}" for p in probability],
        axes=bottom.subplots(1, len(W1), sharey=True),
    )
    return fig


def check(data: dict) -> dict:
    """n=3 dense: every neuron monosemantic (top-feature share ≥ 0.9) and every feature has a neuron reading +x and
    one reading −x. n=100, m=40, losses evaluated from the weights (:func:`expected_loss`) against the best monosemantic
    model's (theory.abs_monosemantic_baseline_loss: m/2 features computed exactly, the rest at their mean): no model
    above 1.05 × that baseline; every model computing more than m/2 features at most 0.9 × it; the sparsest model
    computes more than m/2 features (in superposition); at least one asymmetric-superposition neuron in the sparse
    models. More features computed than neurons (the paper's high-sparsity result) is reported, not required; what
    fails is listed under not_reproduced."""
    dense_W1 = np.asarray(data["dense_W1"])
    dense_shares = top_feature_share(dense_W1)
    owner = np.argmax(np.abs(dense_W1), axis=1)
    sign = np.sign(dense_W1[np.arange(len(owner)), owner])
    both_signs = all({1.0, -1.0} <= set(sign[owner == f].tolist()) for f in range(dense_W1.shape[1]))
    dense_holds = bool(np.all(dense_shares >= MONOSEMANTIC_SHARE) and both_signs)

    W1, W2, b = np.asarray(data["W1"]), np.asarray(data["W2"]), np.asarray(data["b"])
    probability = np.asarray(data["feature_probability"], dtype=float)
    importance = np.asarray(data["importance"], dtype=float)
    n_hidden = W1.shape[1]
    fits = n_hidden // 2
    evaluated = [expected_loss(*weights, p, importance) for *weights, p in zip(W1, W2, b, probability)]
    loss = np.array([mean for mean, _ in evaluated])
    baseline = theory.abs_monosemantic_baseline_loss(probability[:, None], importance, n_hidden)
    ratio = loss / np.maximum(baseline, np.finfo(np.float32).tiny)
    computed = np.array([computed_features(w1, w2) for w1, w2 in zip(W1, W2)])
    superposed = computed > fits
    shares = [top_feature_share(w1) for w1 in W1]
    used = [s[~np.isnan(s)] for s in shares]
    monosemantic = [float(np.mean(s >= MONOSEMANTIC_SHARE)) if len(s) else 0.0 for s in used]
    motifs = [len(asymmetric_motifs(w1, w2)) for w1, w2 in zip(W1, W2)]
    sparse = probability < 1.0

    no_failed_fit = bool(np.all(ratio <= MATCHES_BASELINE))
    superposition_pays = bool(np.all(ratio[superposed] <= BEATS_BASELINE))
    sparsest_superposed = bool(superposed[np.argmin(probability)])
    has_motif = int(np.sum(np.asarray(motifs)[sparse])) >= 1
    more_than_neurons = bool(np.any(computed > n_hidden))

    not_reproduced = []
    failed = [f"{r:.3g}× at {sparsity_label(p)}" for p, r in zip(probability, ratio) if r > MATCHES_BASELINE]
    if failed:
        not_reproduced.append(
            "Trained from a random start, the models do not reach the monosemantic baseline (loss over it: "
            + ", ".join(failed)
            + f"; at most {MATCHES_BASELINE:g}× allowed): they are failed optimisations — the output ReLUs die early "
            "in training; every recipe tried is listed in the module — so their polysemantic neurons are not "
            "computation in superposition."
        )
    for p, r, count in zip(probability, ratio, computed):
        if count > fits and r > BEATS_BASELINE:
            not_reproduced.append(
                f"{sparsity_label(p)}: {count} features computed, but at {r:.3g}× the baseline's loss (superposition "
                f"must reach {BEATS_BASELINE:g}×)."
            )
    if not sparsest_superposed:
        not_reproduced.append(
            f"{sparsity_label(probability.min())}: {computed[np.argmin(probability)]} features computed, not more than "
            f"the {fits} that fit monosemantically."
        )
    if not has_motif:
        not_reproduced.append("No asymmetric-superposition neuron in the sparse models.")
    if not more_than_neurons:
        not_reproduced.append(
            f"More features computed than neurons ({n_hidden}; not required): at most {int(computed.max())}."
        )
    if not dense_holds:
        not_reproduced.append("n=3 dense: not one +x and one −x monosemantic neuron per feature.")
    return {
        "holds": bool(dense_holds and no_failed_fit and superposition_pays and sparsest_superposed and has_motif),
        "n3_neuron_top_feature_shares": np.round(dense_shares, 3).tolist(),
        "n3_every_feature_has_plus_and_minus_neuron": both_signs,
        "n100_feature_probability": probability.tolist(),
        "n100_loss_per_sparsity": loss.tolist(),
        "n100_loss_standard_error_per_sparsity": [se for _, se in evaluated],
        "n100_training_loss_per_sparsity": np.asarray(data["loss"], dtype=float).tolist() if "loss" in data else None,
        "n100_monosemantic_baseline_loss_per_sparsity": baseline.tolist(),
        "n100_loss_over_baseline_per_sparsity": ratio.tolist(),
        "n100_computed_features_per_sparsity": computed.tolist(),
        "n100_computed_features_that_fit_monosemantically": fits,
        "n100_asymmetric_motif_neurons_per_sparsity": motifs,
        "n100_share_of_monosemantic_neurons_per_sparsity": monosemantic,
        "n100_more_features_computed_than_neurons_(not_required)": more_than_neurons,
        "not_reproduced": not_reproduced,
    }
