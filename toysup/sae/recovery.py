"""The recovery phase diagram: where do SAEs recover the true features, and where do they fail?

MCC (and the other metrics) over feature sparsity × dictionary size ratio (latents / true features) ×
sparsity penalty (L1 / L0 coefficient, or k), for one architecture, on synthetic dictionaries. Grid points
that share a static shape — every (sparsity, penalty, seed) of one ratio — are instances of one compiled
training run; each ratio is one run.
"""

from __future__ import annotations

import itertools

import numpy as np
import xarray as xr

from .config import SAEConfig
from .data import stack, synthetic_activations
from .metrics import evaluate
from .train import train_sae

PENALTY_FIELD = {"relu": "l1_coefficient", "gated": "l1_coefficient", "jumprelu": "l0_coefficient",
                 "topk": "k", "batchtopk": "k"}
VARIABLES = ("mcc", "mmcs", "recovered_0.9", "explained_variance", "l0", "true_l0", "dead_share", "shrinkage")


def recovery_diagram(arch: str, *, n_features: int, n_inputs: int, mean_active: list[float],
                     ratios: list[float], penalties: list[float], seeds: int = 1, progress: bool = False,
                     **config: object) -> xr.Dataset:
    """Train and score SAEs on a grid; returns a Dataset with dims (mean_active, ratio, penalty, seed).

    Args:
      arch: the architecture; ``penalties`` are its L1 / L0 coefficients or its k.
      n_features, n_inputs: the synthetic dictionary (random directions, uniform firing probability
        ``mean_active / n_features``, magnitudes U[0, 1]).
      mean_active: expected true L0 per grid row (the feature sparsity axis).
      ratios: latents / true features.
      seeds: SAE initialisations per grid point (the dictionary is fixed by seed 0).
      config: further ``SAEConfig`` fields (steps, batch_size, learning_rate, …).
    """
    field = PENALTY_FIELD[arch]
    grid = list(itertools.product(mean_active, penalties, range(seeds)))
    parts = {m: synthetic_activations(n_features, n_inputs, mean_active=m) for m in mean_active}
    activations = stack([parts[m] for m, _, _ in grid])
    values = {name: np.full((len(mean_active), len(ratios), len(penalties), seeds), np.nan) for name in VARIABLES}
    for r, ratio in enumerate(ratios):
        penalty = tuple(int(p) if field == "k" and arch == "topk" else float(p) for _, p, _ in grid)
        sae_config = SAEConfig(arch=arch, n_inputs=n_inputs, n_latents=max(1, round(ratio * n_features)),
                               n_instances=len(grid), **{field: penalty}, **config)
        result = train_sae(sae_config, activations, progress=progress)
        scores = evaluate(result, activations, n_samples=4096)
        for name in VARIABLES:
            values[name][:, r] = scores[name].reshape(len(mean_active), len(penalties), seeds)
    coords = {"mean_active": list(mean_active), "ratio": list(ratios), "penalty": list(penalties),
              "seed": list(range(seeds))}
    dims = ("mean_active", "ratio", "penalty", "seed")
    return xr.Dataset({name.replace(".", "_"): (dims, v) for name, v in values.items()}, coords=coords,
                      attrs={"arch": arch, "penalty_field": field, "n_features": n_features, "n_inputs": n_inputs})


__all__ = ["recovery_diagram", "PENALTY_FIELD"]
