"""How well an SAE recovers known features: dictionary metrics and firing/reconstruction metrics.

The names follow the field (SAELens and the papers it follows); where a score of ours differs from the field's,
it has a name of its own. ``METRICS`` gives each a plain-language label and a one-line definition, for tables and
the app.

Dictionary metrics compare decoder rows D (latents, inputs) with true unit directions T (features, inputs)
through the cosine matrix C_ij = cos(T_i, D_j):

* ``mmcs``: (1/N) Σ_i max_j C_ij, the mean max cosine similarity (Sharkey et al. 2022).
* ``mcc``: the mean |C_ij| over the pairs of a one-to-one matching of features to latents maximising Σ |C_ij|
  (Hungarian algorithm, ``scipy.optimize.linear_sum_assignment``), averaged over the matched pairs only — the
  convention of SAELens's synthetic-data evaluation (after O'Neill et al. 2024).
* ``matched_cosine``: the stricter score of ours: a one-to-one matching maximising the signed Σ C_ij, averaged
  over all N features with a feature left unmatched (fewer latents than features) counting 0. A latent can only
  add its decoder row with a non-negative code, so −T_i does not recover T_i. ``recovered_0.9`` and
  ``recovered_0.99``, the share of features matched at a cosine ≥ 0.9 / 0.99, use this matching.
* ``uniqueness``: the share of true features whose best latent is no other feature's best latent — 1 when every
  feature has a latent of its own, whatever the width (not capped by latents/features).
* ``duplicate_rate``: the share of latents that duplicate another: a latent at cosine ≥ 0.9 to its best feature
  while another latent is closer to that feature.

Firing and reconstruction metrics need samples x with true codes c (batch, features), SAE codes f
(batch, latents) and reconstructions x̂: per matched pair, precision P(c_i > 0 | f_j > 0), recall
P(f_j > 0 | c_i > 0) and F1; L0 of f and of c; explained variance 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖²; MSE
E‖x − x̂‖² (summed over inputs, as in the training loss); dead share, the share of latents that never fire on
the samples. Shrinkage is measured as SAELens does, by two numbers (SAELens groups them as "shrinkage"):
``relative_reconstruction_bias`` γ = E‖x̂‖² / E[x̂·x] (Rajamanoharan et al. 2024a, eq. 10: 1 unbiased, below 1
shrunk) and ``l2_ratio``, the mean of ‖x̂‖ / ‖x‖ over samples (inputs of norm below 1e-4 divide by 1).
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from scipy.optimize import linear_sum_assignment

RECOVERY_THRESHOLDS = (0.9, 0.99)
DUPLICATE_COSINE = 0.9  # a latent this close to a feature another latent matches better duplicates it
METRICS = {  # name: (plain-language label, definition), in table order
    "mcc": ("MCC", "mean |cosine| of matched feature–latent pairs (Hungarian; SAELens convention)"),
    "matched_cosine": ("matched cosine", "mean signed cosine of the one-to-one matching, unmatched features as 0"),
    "mmcs": ("MMCS", "mean over features of the best cosine to any latent"),
    "recovered_0.9": ("recovered ≥0.9", "share of features matched at cosine ≥ 0.9"),
    "recovered_0.99": ("recovered ≥0.99", "share of features matched at cosine ≥ 0.99"),
    "uniqueness": ("uniqueness", "share of features whose best latent is no other feature's best"),
    "duplicate_rate": ("duplicates", "share of latents at cosine ≥ 0.9 to a feature another latent matches better"),
    "precision": ("precision", "P(feature active | its latent fires), mean over matched pairs"),
    "recall": ("recall", "P(latent fires | its feature active), mean over matched pairs"),
    "f1": ("F1", "harmonic mean of precision and recall, mean over matched pairs"),
    "l0": ("L0", "mean number of latents firing per sample"),
    "true_l0": ("true L0", "mean number of true features active per sample"),
    "dead_share": ("dead latents", "share of latents that never fire on the evaluation samples"),
    "explained_variance": ("explained variance", "1 − Σ‖x − x̂‖² / Σ‖x − x̄‖²"),
    "mse": ("MSE", "mean squared reconstruction error E‖x − x̂‖²"),
    "relative_reconstruction_bias": (
        "reconstruction bias γ",
        "E‖x̂‖² / E[x̂·x]: 1 unbiased, below 1 shrunk (SAELens: shrinkage/relative_reconstruction_bias)",
    ),
    "l2_ratio": ("L2 ratio", "mean ‖x̂‖ / ‖x‖ (SAELens: shrinkage/l2_ratio)"),
}


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, np.float64)
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)


def cosine_matrix(decoder: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """C_ij = cos(T_i, D_j): (latents, inputs), (features, inputs) -> (features, latents)."""
    return _unit(truth) @ _unit(decoder).T


def mmcs(decoder: np.ndarray, truth: np.ndarray) -> float:
    """Mean over true features of the max cosine to any decoder row."""
    return float(cosine_matrix(decoder, truth).max(axis=1).mean())


def hungarian_match(decoder: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matching maximising the summed signed cosine.

    Returns (latent matched to each feature, −1 if none; its cosine, 0 if none), both of shape (features,).
    """
    cos = cosine_matrix(decoder, truth)
    rows, cols = linear_sum_assignment(cos, maximize=True)
    matched = np.full(cos.shape[0], -1, np.int64)
    matched[rows] = cols
    cosines = np.zeros(cos.shape[0])
    cosines[rows] = cos[rows, cols]
    return matched, cosines


def mcc(decoder: np.ndarray, truth: np.ndarray) -> float:
    """SAELens's MCC: the mean |cosine| over the pairs of the one-to-one matching maximising Σ |cosine|."""
    cos = np.abs(cosine_matrix(decoder, truth))
    rows, cols = linear_sum_assignment(cos, maximize=True)
    return float(cos[rows, cols].mean())


def matched_cosine(decoder: np.ndarray, truth: np.ndarray) -> float:
    """Mean signed cosine under the signed Hungarian matching, over all features (unmatched ones count 0)."""
    return float(hungarian_match(decoder, truth)[1].mean())


def uniqueness(decoder: np.ndarray, truth: np.ndarray) -> float:
    """Share of true features whose best latent is no other feature's best latent."""
    best = cosine_matrix(decoder, truth).argmax(axis=1)
    return float(np.mean(np.bincount(best, minlength=decoder.shape[0])[best] == 1))


def duplicate_rate(decoder: np.ndarray, truth: np.ndarray, threshold: float = DUPLICATE_COSINE) -> float:
    """Share of latents at cosine ≥ ``threshold`` to their best feature while another latent is closer to it."""
    cos = cosine_matrix(decoder, truth)
    feature = cos.argmax(axis=0)
    close = cos[feature, np.arange(cos.shape[1])]
    best_of_feature = cos.argmax(axis=1)[feature]
    return float(np.mean((close >= threshold) & (best_of_feature != np.arange(cos.shape[1]))))


def firing_scores(codes: np.ndarray, true_codes: np.ndarray, matched: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall and F1 of each matched latent's firing against its feature's, shape (features,).

    NaN for unmatched features; precision 0 for a latent that never fires; recall NaN for a feature that is
    never active in the sample.
    """
    fired = np.asarray(codes) != 0
    active = np.asarray(true_codes) != 0
    has = matched >= 0
    latent_fired = fired[:, np.where(has, matched, 0)]
    both = (latent_fired & active).sum(axis=0).astype(np.float64)
    n_fired = latent_fired.sum(axis=0)
    n_active = active.sum(axis=0)
    precision = np.where(n_fired > 0, both / np.maximum(n_fired, 1), 0.0)
    recall = np.where(n_active > 0, both / np.maximum(n_active, 1), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    f1 = np.where(np.isnan(recall), np.nan, f1)
    nan = np.full(len(matched), np.nan)
    return {
        "precision": np.where(has, precision, nan),
        "recall": np.where(has, recall, nan),
        "f1": np.where(has, f1, nan),
    }


def reconstruction_scores(x: np.ndarray, x_hat: np.ndarray) -> dict[str, float]:
    """Explained variance, MSE (E‖x − x̂‖²), the relative reconstruction bias γ = E‖x̂‖² / E[x̂·x] and the L2 ratio
    mean ‖x̂‖ / ‖x‖ (both as SAELens computes them)."""
    x, x_hat = np.asarray(x, np.float64), np.asarray(x_hat, np.float64)
    error = np.sum((x - x_hat) ** 2)
    variance = np.sum((x - x.mean(axis=0)) ** 2)
    inner = np.sum(x_hat * x)
    norm_in = np.linalg.norm(x, axis=-1)
    norm_in = np.where(norm_in < 1e-4, 1.0, norm_in)
    return {
        "explained_variance": float(1 - error / variance) if variance > 0 else float("nan"),
        "mse": float(error / len(x)),
        "relative_reconstruction_bias": float(np.sum(x_hat**2) / inner) if inner > 0 else float("nan"),
        "l2_ratio": float(np.mean(np.linalg.norm(x_hat, axis=-1) / norm_in)),
    }


def summary(
    decoder: np.ndarray,
    truth: np.ndarray,
    x: np.ndarray | None = None,
    x_hat: np.ndarray | None = None,
    codes: np.ndarray | None = None,
    true_codes: np.ndarray | None = None,
) -> dict[str, float]:
    """Every metric of one SAE; the firing and reconstruction ones only when samples are given."""
    matched, cosines = hungarian_match(decoder, truth)
    values = {
        "mcc": mcc(decoder, truth),
        "matched_cosine": float(cosines.mean()),
        "mmcs": mmcs(decoder, truth),
        **{f"recovered_{t}": float(np.mean(cosines >= t)) for t in RECOVERY_THRESHOLDS},
        "uniqueness": uniqueness(decoder, truth),
        "duplicate_rate": duplicate_rate(decoder, truth),
    }
    if codes is not None and true_codes is not None:
        scores = firing_scores(codes, true_codes, matched)
        values.update(
            {
                name: float(np.nanmean(value)) if np.any(~np.isnan(value)) else float("nan")
                for name, value in scores.items()
            }
        )
        values["l0"] = float(np.mean(np.sum(np.asarray(codes) != 0, axis=1)))
        values["true_l0"] = float(np.mean(np.sum(np.asarray(true_codes) != 0, axis=1)))
        values["dead_share"] = float(np.mean(~np.any(np.asarray(codes) != 0, axis=0)))
    if x is not None and x_hat is not None:
        values.update(reconstruction_scores(x, x_hat))
    return values


@functools.lru_cache(maxsize=32)
def _sampler(static: Any, sampler: str, options: tuple, n_samples: int):
    from .data import draw
    from .models import architecture

    arch = architecture(static)

    @jax.jit
    def run(params, arrays, hyper, key):
        x, true_codes = draw(sampler, options, arrays, key, n_samples)
        codes = arch.encode(params, x, hyper)
        return x, arch.decode(params, codes), codes, true_codes

    return run


def evaluate(result: Any, activations: Any, *, n_samples: int = 16_384) -> dict[str, np.ndarray]:
    """Every metric of every instance of an ``SAEResult`` on fresh samples of ``activations``.

    Returns name -> array of shape (instances,). The samples come from the evaluation key stream of the run's
    seed, never the training stream.
    """
    from .train import check_activations

    activations = check_activations(result.config, activations)
    drawn = samples(result, activations, n_samples=n_samples)
    rows = [
        summary(
            result.decoder[i],
            activations.truth[i],
            drawn["x"][i],
            drawn["x_hat"][i],
            drawn["codes"][i],
            drawn["true_codes"][i],
        )
        for i in range(result.config.n_instances)
    ]
    return {name: np.asarray([row[name] for row in rows]) for name in rows[0]}


def samples(result: Any, activations: Any, *, n_samples: int = 16_384) -> dict[str, np.ndarray]:
    """Fresh samples of every instance of an ``SAEResult``, as :func:`evaluate` draws them (the evaluation key
    stream of the run's seed): ``x`` and ``x_hat`` (instances, samples, inputs), the SAE's ``codes`` (instances,
    samples, latents) and the ``true_codes`` (instances, samples, features)."""
    from .train import check_activations, hyper_arrays, instance_keys, static_config

    config = result.config
    activations = check_activations(config, activations)
    run = _sampler(static_config(config), activations.sampler, activations.options, n_samples)
    _, _, eval_keys = instance_keys(config.seed, config.n_instances, getattr(result, "instance_ids", None))
    hyper = hyper_arrays(config)
    parts = []
    for i in range(config.n_instances):

        def one(tree: dict, i: int = i) -> dict:
            return {name: jnp.asarray(value[i]) for name, value in tree.items()}

        parts.append(
            [np.asarray(a) for a in run(one(result.params), one(activations.arrays), one(hyper), eval_keys[i])]
        )
    return {name: np.stack([part[j] for part in parts]) for j, name in enumerate(("x", "x_hat", "codes", "true_codes"))}


def at_matched_l0(l0: np.ndarray, values: np.ndarray, target: float) -> tuple[np.ndarray, np.ndarray]:
    """A score at L0 = ``target`` per seed, linear in L0 between the two settings that bracket it.

    Args:
      l0, values: (settings, seeds): each SAE's L0 and score, e.g. over a penalty grid.
      target: the L0 to compare at.

    Returns:
      (values, bracketed), both (seeds,): where no two adjacent settings bracket the target, the value of the
      setting with the nearest L0 and bracketed False.
    """
    l0, values = np.atleast_2d(np.asarray(l0, np.float64)), np.atleast_2d(np.asarray(values, np.float64))
    result, bracketed = [], []
    for seed in range(l0.shape[1]):
        x, y = l0[:, seed], values[:, seed]
        value, inside = y[np.argmin(np.abs(x - target))], False
        for i in range(len(x) - 1):
            low, high = sorted((x[i], x[i + 1]))
            if low <= target <= high and high > low:
                value = y[i] + (target - x[i]) * (y[i + 1] - y[i]) / (x[i + 1] - x[i])
                inside = True
                break
        result.append(value)
        bracketed.append(inside)
    return np.asarray(result), np.asarray(bracketed)


ABSORPTION_COSINE = 0.3  # a child's latent has taken on its parent when its decoder row is this close to the parent


def hierarchy_pairs(n_parents: int, children_per_parent: int) -> np.ndarray:
    """(parent, child) feature indices, shape (n_parents · children_per_parent, 2), in the layout of
    :func:`toysup.sae.data.synthetic_activations`: parent i at i·(1 + c), its c children right after it."""
    group = 1 + children_per_parent
    return np.asarray(
        [(p * group, p * group + 1 + c) for p in range(n_parents) for c in range(children_per_parent)], np.int64
    ).reshape(-1, 2)


def absorption(
    codes: np.ndarray,
    true_codes: np.ndarray,
    decoder: np.ndarray,
    truth: np.ndarray,
    pairs: np.ndarray,
    *,
    cosine: float = ABSORPTION_COSINE,
) -> dict[str, Any]:
    """Feature absorption (Chanin et al. 2024, "A is for Absorption") of one SAE on a hierarchy of features.

    A parent feature is implied by its children. Each feature's latent is its partner in the signed Hungarian
    matching (:func:`hungarian_match`). On a sample where child c (hence its parent p) is active, the parent is
    *absorbed* when the parent's latent does not fire (or p has no latent), the child's latent fires, and the
    child's decoder row has taken on the parent's direction: cos(D_child, T_p) ≥ ``cosine``. A dead or
    unlearned parent latent beside clean child latents is therefore no absorption, nor is a child latent that
    merely fires with its parent.

    Args:
      codes: SAE codes (samples, latents); a latent fires where its code is non-zero.
      true_codes: true codes (samples, features).
      decoder, truth: decoder rows (latents, inputs) and true directions (features, inputs).
      pairs: (parent, child) feature indices, shape (pairs, 2) (see :func:`hierarchy_pairs`).
      cosine: the decoder condition's threshold.

    Returns:
      ``absorption``: the share of child-active samples on which the parent is absorbed, pooled over pairs;
      ``per_pair``: that share per pair (NaN for a child never active); ``parent_recall_with_child`` and
      ``parent_recall_alone``: how often the parent's latent fires when the parent is active with a child /
      without one (NaN when no such sample); ``child_parent_cosine``: mean cos(D_child, T_p) over pairs.
    """
    codes, true_codes = np.asarray(codes), np.asarray(true_codes)
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    matched, _ = hungarian_match(decoder, truth)
    cos = cosine_matrix(decoder, truth)  # (features, latents)
    fired = codes != 0
    never = np.zeros(len(codes), bool)

    def fires(latent: int) -> np.ndarray:
        return fired[:, latent] if latent >= 0 else never

    absorbed_total, active_total, per_pair, child_parent = 0, 0, [], []
    for parent, child in pairs:
        active = true_codes[:, child] != 0
        parent_latent, child_latent = matched[parent], matched[child]
        takes_parent = child_latent >= 0 and cos[parent, child_latent] >= cosine
        child_parent.append(cos[parent, child_latent] if child_latent >= 0 else 0.0)
        absorbed = active & ~fires(parent_latent) & fires(child_latent) & takes_parent
        absorbed_total += int(absorbed.sum())
        active_total += int(active.sum())
        per_pair.append(absorbed.sum() / active.sum() if active.any() else np.nan)

    def recall(mask: np.ndarray, parent: int) -> tuple[int, int]:
        return int((mask & fires(matched[parent])).sum()), int(mask.sum())

    with_child, alone = np.zeros(2, np.int64), np.zeros(2, np.int64)
    for parent in np.unique(pairs[:, 0]):
        children = pairs[pairs[:, 0] == parent, 1]
        parent_active = true_codes[:, parent] != 0
        any_child = np.any(true_codes[:, children] != 0, axis=1)
        with_child += recall(parent_active & any_child, parent)
        alone += recall(parent_active & ~any_child, parent)
    return {
        "absorption": absorbed_total / active_total if active_total else float("nan"),
        "per_pair": np.asarray(per_pair, np.float64),
        "parent_recall_with_child": with_child[0] / with_child[1] if with_child[1] else float("nan"),
        "parent_recall_alone": alone[0] / alone[1] if alone[1] else float("nan"),
        "child_parent_cosine": float(np.mean(child_parent)) if child_parent else float("nan"),
    }


__all__ = [
    "METRICS",
    "ABSORPTION_COSINE",
    "absorption",
    "at_matched_l0",
    "hierarchy_pairs",
    "samples",
    "cosine_matrix",
    "mmcs",
    "hungarian_match",
    "mcc",
    "matched_cosine",
    "uniqueness",
    "duplicate_rate",
    "firing_scores",
    "reconstruction_scores",
    "summary",
    "evaluate",
]
