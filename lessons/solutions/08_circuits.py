"""Solutions to the exercises of lesson 8 (from features to circuits), and answers to its questions."""

import numpy as np


def attribution_edges(x, E, f, W_enc, W_dec):
    """(input → latent edges (batch, n, latents): x_i · (W_enc E)[j, i] where f_j ≠ 0, else 0;
    latent → output edges (batch, latents, outputs): f_j · W_dec[j, k])."""
    reads = W_enc @ E  # (latents, n): how much of feature i latent j reads
    active = (f != 0).astype(x.dtype)  # (batch, latents)
    input_latent = x[:, :, None] * reads.T[None, :, :] * active[:, None, :]
    latent_output = f[:, :, None] * W_dec[None, :, :]
    return input_latent, latent_output


def prune_edges(effects, threshold):
    """Kept edges (sources, targets) of per-sample effects (batch, sources, targets): weight = mean |effect|; drop
    the targets whose total weight is under θ × the largest total, then keep each remaining target's edges whose
    weight is at least θ × its strongest (never an edge of weight 0)."""
    weight = np.abs(effects).mean(axis=0)
    totals = weight.sum(axis=0)
    live = totals >= threshold * totals.max()
    strong = weight >= threshold * weight.max(axis=0, keepdims=True)
    return strong & (weight > 0) & live[None, :]


def steer_feature(W, b, x, feature, alphas):
    """(alphas, n): for each α the batch mean of the change of every output of x' = ReLU(h W + b), h = x Wᵀ, when
    α W[:, feature] is added to h."""
    h = x @ W.T
    direction = W[:, feature]  # what a lone x_feature = 1 writes into h
    base = np.maximum(h @ W + b, 0).mean(axis=0)
    return np.stack([np.maximum((h + alpha * direction) @ W + b, 0).mean(axis=0) - base for alpha in alphas])


def predicted_steering(W, b, feature, alphas):
    """(alphas, n): ReLU(b + α (WᵀW)[:, feature]) − ReLU(b), the change at x = 0."""
    response = (W.T @ W)[:, feature]  # every output's pre-activation change per unit α
    return np.maximum(b[None, :] + np.asarray(alphas)[:, None] * response[None, :], 0) - np.maximum(b, 0)[None, :]


ANSWERS = {
    1: (
        "θ trades precision against recall and against the variance the graph explains. With the full runs θ = 0.1 "
        "keeps 20 edges (precision and recall 0.95 against the task's graph). θ = 0.02 keeps about 124: the weak "
        "interference edges come back, precision falls to about 0.15, recall cannot rise (the output the model does "
        "not compute has no edge to find), and the explained variance rises only from about 0.86 to 0.91. θ = 0.3 "
        "keeps 19 edges, the model's own graph exactly (F1 1.0 against it, 0.97 against the task's). θ = 0.5 keeps "
        "11: precision 1.0, but true edges whose weight is under half of the strongest into their output are lost "
        "(recall 0.55) and the explained variance drops to about 0.46. A clean graph has a wide gap between its true "
        "and its spurious edges, which is what makes a threshold rule work; where to cut inside the gap is a choice."
    ),
    2: (
        "No. The transcoder imitates the model, not the task. In the full run one of the 20 outputs does not respond "
        "to any feature (its output ReLU died in training, so it answers a constant), and a replacement that "
        "imitates the model perfectly has no effect to trace there either. Recall against the task is therefore at "
        "most 19/20 = 0.95, and F1 at most 2 · 0.95 / 1.95 ≈ 0.97 — which the trained transcoder reaches at "
        "θ = 0.3, where its graph is the model's graph exactly. In a large model there is no task graph, only the "
        "model, so a traced circuit can at best be faithful to the model; this is why faithfulness and being the "
        "'true algorithm' are different claims."
    ),
    3: (
        "The outputs that spill over are those with positive interference (WᵀW)_j1 = W_j · W_1: feature 1's two "
        "neighbours on the pentagon (in the full run outputs 2 and 4, W_j · W_1 ≈ +0.40 and +0.42), which rise by "
        "about 0.53 and 0.58 at α = 2, about a quarter of output 1's own rise of 2.28. The two features across the "
        "pentagon (W_j · W_1 ≈ −1.03) are off at x = 0 and stay there, dipping by about 0.02 over the data from the "
        "samples where they were on. By the pentagon's symmetry every feature gives the same picture with the "
        "outputs relabelled; which outputs are neighbours depends on the order the training put the features in."
    ),
    4: (
        "At x = 0 the prediction for the intended output is flat at 0: its bias is negative, so pushing its "
        "pre-activation further down changes nothing, and the same holds for its neighbours. The two opposite "
        "features (W_j · W_i ≈ −1.04 and −1.06 in the full run) rise instead, once |α| |W_j · W_i| exceeds their "
        "−b ≈ 0.25: at α = −2 by about 1.8, measured and predicted alike. (Try alphas = np.linspace(-2, 0, 9).) "
        "Over the data the intended output does fall, by about 0.022 — its whole "
        "mean output, because where x_i was present its output was on and can be pushed down to 0, but no further. "
        "So negative steering removes a feature only where it is present, and everywhere writes the features "
        "opposite it."
    ),
    5: (
        "The |x| model's hidden layer has a ReLU, so feature i's direction is what a lone x_i = 1 writes into h: "
        "ReLU(W₁_i), the neurons that read +x_i (steering.feature_direction; with value −1 it gives the neurons that "
        "read −x_i). Adding the raw column W₁_i would raise those neurons and lower the others, whose effects on "
        "|x_i| cancel. The prediction is then P = W₂ ReLU(W₁), and steering_curve('abs', params, x, i, alphas) on the "
        "trained SPARSE_ABS model measures it: in the full run, for features 0, 1 and 2 the measured curves are "
        "within about 1% of the prediction (relative to the intended change), and the largest spill-over onto "
        "another output at α = 2 is 2–11% of the intended change, against the pentagon's 23% onto each neighbour."
    ),
}
