"""The mutation table of the checks of lesson 8 (``toysup.lessons.circuit_checks``): every check accepts the
reference solution and other correct ways to write it, and rejects at least three plausible wrong answers
("mutants") with an AssertionError naming the exercise. ``CHECKS`` has the structure of
``test_check_mutations.CHECKS``: check name -> ((lesson, solution name), [other correct answers], [mutants]).

Every answer is numpy (no compilation). The tests themselves run over every table in ``test_check_mutations.py``.
"""

from __future__ import annotations

import numpy as np
from mutants import Mutant

# ---------------------------------------------------------------- exercise 8.1: the direct effects


def _edges(*, mask=True, reads="W_enc E", source="x", code="f"):
    """attribution_edges with one thing changed."""

    def attribution_edges(x, E, f, W_enc, W_dec):
        matrix = {"W_enc E": W_enc @ E, "W_enc": W_enc}[reads]
        start = {"x": x, "a = x Eᵀ": x @ E.T}[source]
        active = (f != 0).astype(np.float64) if mask else np.ones_like(f)
        input_latent = start[:, :, None] * matrix.T[None] * active[:, None, :]
        carried = {"f": f, "whether it fired": (f != 0).astype(np.float64)}[code]
        return input_latent, carried[:, :, None] * W_dec[None]

    return attribution_edges


def _edges_with_einsum(x, E, f, W_enc, W_dec):
    input_latent = np.einsum("bi,ji,bj->bij", x, W_enc @ E, f != 0)
    return input_latent, np.einsum("bj,jk->bjk", f, W_dec)


def _edges_in_loops(x, E, f, W_enc, W_dec):
    reads = W_enc @ E
    batch, n = x.shape
    latents, outputs = W_dec.shape
    input_latent, latent_output = np.zeros((batch, n, latents)), np.zeros((batch, latents, outputs))
    for b in range(batch):
        for j in range(latents):
            if f[b, j] > 0:
                input_latent[b, :, j] = x[b] * reads[j]
            latent_output[b, j] = f[b, j] * W_dec[j]
    return input_latent, latent_output


# ---------------------------------------------------------------- exercise 8.2: pruning


def _prune(*, weigh="mean |effect|", nodes=True, per_target=True, zeros_dropped=True, strict=False):
    """prune_edges with one thing changed."""

    def prune_edges(effects, threshold):
        weight = {
            "mean |effect|": np.abs(effects).mean(axis=0),
            "|mean effect|": np.abs(effects.mean(axis=0)),
            "mean effect": effects.mean(axis=0),
        }[weigh]
        totals = weight.sum(axis=0)
        live = totals >= threshold * totals.max() if nodes else np.ones_like(totals, dtype=bool)
        strongest = weight.max(axis=0, keepdims=True) if per_target else weight.max()
        strong = weight > threshold * strongest if strict else weight >= threshold * strongest
        return strong & (weight > 0 if zeros_dropped else True) & live[None, :]

    return prune_edges


def _prune_by_sorting(effects, threshold):
    """Per output: keep the sorted edges down to θ × the strongest; outputs dropped by their totals."""
    weight = np.abs(effects).mean(axis=0)
    totals = weight.sum(axis=0)
    kept = np.zeros(weight.shape, bool)
    for k in np.flatnonzero(totals >= threshold * totals.max()):
        order = np.argsort(-weight[:, k])
        for i in order:
            if weight[i, k] == 0 or weight[i, k] < threshold * weight[order[0], k]:
                break
            kept[i, k] = True
    return kept


# ---------------------------------------------------------------- exercises 8.3 and 8.4: steering


def _steer(*, direction="column", relu=True, change=True, unit=False, reduce="mean"):
    """steer_feature with one thing changed."""

    def steer_feature(W, b, x, feature, alphas):
        h = x @ W.T
        d = {"column": W[:, feature], "row": W[feature]}[direction]
        d = d / np.linalg.norm(d) if unit else d
        out = (lambda pre: np.maximum(pre, 0)) if relu else (lambda pre: pre)
        pool = {"mean": lambda y: y.mean(axis=0), "first sample": lambda y: y[0]}[reduce]
        base = pool(out(h @ W + b)) if change else 0.0
        return np.stack([pool(out((h + alpha * d) @ W + b)) - base for alpha in alphas])

    return steer_feature


def _steer_the_input(W, b, x, feature, alphas):
    """Feeding α more of x_feature is the same as adding α W[:, feature] to h = x Wᵀ, for this model."""
    base = np.maximum(x @ W.T @ W + b, 0).mean(axis=0)
    changes = []
    for alpha in alphas:
        steered = x.copy()
        steered[:, feature] += alpha
        changes.append(np.maximum(steered @ W.T @ W + b, 0).mean(axis=0) - base)
    return np.stack(changes)


def _predict(*, matrix="WᵀW", relu=True, baseline="ReLU(b)", bias=True):
    """predicted_steering with one thing changed."""

    def predicted_steering(W, b, feature, alphas):
        P = {"WᵀW": W.T @ W, "W Wᵀ": W @ W.T}[matrix]
        pre = (b if bias else 0.0) + np.asarray(alphas)[:, None] * P[:, feature][None]
        steered = np.maximum(pre, 0) if relu else pre
        unsteered = {"ReLU(b)": np.maximum(b, 0) if relu else b, "b": b, "none": 0.0}[baseline]
        return steered - unsteered

    return predicted_steering


def _predict_by_readout(W, b, feature, alphas):
    """The model run at x = 0 with the steered hidden activation α W[:, feature]."""
    return np.stack([np.maximum(alpha * W[:, feature] @ W + b, 0) - np.maximum(b, 0) for alpha in alphas])


# ---------------------------------------------------------------- the table

# check name -> ((lesson, solution name), [other correct answers], [mutants])
CHECKS: dict[str, tuple[tuple[int, str], list, list[Mutant]]] = {
    "check_attribution_edges": (
        (8, "attribution_edges"),
        [_edges_with_einsum, _edges_in_loops],
        [
            Mutant("no active-latent mask", _edges(mask=False), "inactive latents"),
            Mutant("W_enc instead of W_enc E", _edges(reads="W_enc")),
            Mutant("edges from the inputs a", _edges(reads="W_enc", source="a = x Eᵀ"), "feature x_i"),
            Mutant("carries whether the latent fired, not its code", _edges(code="whether it fired"), "code f_j"),
        ],
    ),
    "check_prune_edges": (
        (8, "prune_edges"),
        [_prune_by_sorting],
        [
            Mutant("pruned by |signed mean|", _prune(weigh="|mean effect|"), "absolute"),
            Mutant("pruned by the signed mean", _prune(weigh="mean effect")),
            Mutant("no node rule", _prune(nodes=False), "node rule"),
            Mutant("the strongest edge overall", _prune(per_target=False), "its own output"),
            Mutant("zero edges kept at θ = 0", _prune(zeros_dropped=False)),
            Mutant("strictly above θ × the strongest", _prune(strict=True)),
        ],
    ),
    "check_steer_feature": (
        (8, "steer_feature"),
        [_steer_the_input],
        [
            Mutant("along W's row", _steer(direction="row")),
            Mutant("no output ReLU", _steer(relu=False), "after the ReLU"),
            Mutant("the steered outputs, not their change", _steer(change=False), "change"),
            Mutant("a unit direction", _steer(unit=True), "not the unit vector"),
            Mutant("the first sample only", _steer(reduce="first sample")),
        ],
    ),
    "check_predicted_steering": (
        (8, "predicted_steering"),
        [_predict_by_readout],
        [
            Mutant("no ReLU", _predict(relu=False), "pass a ReLU"),
            Mutant("no baseline subtracted", _predict(baseline="none"), "change"),
            Mutant("b subtracted, not ReLU(b)", _predict(baseline="b"), "not b"),
            Mutant("W Wᵀ instead of WᵀW", _predict(matrix="W Wᵀ")),
            Mutant("the bias left out", _predict(bias=False)),
        ],
    ),
}
