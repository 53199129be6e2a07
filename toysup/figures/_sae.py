"""Plumbing shared by the SAE figures: every training setting stated explicitly (so a change of the library's
defaults cannot move a figure), a random dictionary's score as the baseline a trained SAE must beat, and t-intervals
over seeds."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from ..sae.metrics import mcc

PENALTY_ARCHS = ("relu", "gated", "jumprelu")  # trained against a penalty; the TopK ones are given k
PENALTY_FIELD = {"relu": "l1_coefficient", "gated": "l1_coefficient", "jumprelu": "l0_coefficient"}
ARCH_LABELS = {"relu": "ReLU (L1)", "topk": "TopK", "batchtopk": "BatchTopK", "jumprelu": "JumpReLU", "gated": "Gated"}
BEATS_RANDOM = 0.2  # a trained SAE's MCC must exceed a random dictionary's by this much


def training(arch: str, steps: int, n_inputs: int) -> dict[str, Any]:
    """Every ``SAEConfig`` field of an SAE of ``arch`` except the sizes and the penalties: Adam 3e-3 with a cosine
    schedule, batch 256; the penalty SAEs with a penalty warm-up over the first 20% of steps and resampling of dead
    latents towards badly reconstructed inputs, TopK / BatchTopK with AuxK (α = 1/32, d/2 latents); a latent is
    dead after 100 steps without firing (the settings of ``benchmarks/bench_sae_recovery.py``)."""
    penalised = arch in PENALTY_ARCHS
    return {
        "penalty_warmup_steps": steps // 5 if penalised else 0,
        "aux_k": max(1, n_inputs // 2),
        "aux_coefficient": 1 / 32,
        "dead_window": 100,
        "resampling": "inputs" if penalised else "none",
        "jumprelu_bandwidth": 0.05,
        "jumprelu_initial_threshold": 0.1,
        "tied": False,
        "learning_rate": 3e-3,
        "schedule": "cosine",
        "warmup_steps": 0,
        "steps": steps,
        "batch_size": 256,
        "seed": 0,
    }


def penalty_fields(arch: str, values: tuple) -> dict[str, Any]:
    """The three per-instance penalties of an ``SAEConfig``: ``values`` in the field ``arch`` trains with, the
    other two at fixed values it never reads."""
    fields: dict[str, Any] = {"l1_coefficient": 0.0, "k": 1, "l0_coefficient": 0.0}
    if arch in PENALTY_ARCHS:
        fields[PENALTY_FIELD[arch]] = tuple(float(v) for v in values)
    else:
        fields["k"] = tuple(int(v) if arch == "topk" else float(v) for v in values)
    return fields


def train_grid(arch: str, dictionaries: list, penalties: list, spec: dict[str, Any]) -> tuple[Any, Any]:
    """One SAE per (penalty, seed) of ``arch``, penalty-major, seed s on ``dictionaries[s]``, trained as instances of
    one compiled run with ``spec``'s latents and training settings; returns (result, the stacked activations)."""
    from ..sae import SAEConfig, stack, train_sae

    seeds = len(dictionaries)
    activations = stack([dictionaries[seed] for _ in penalties for seed in range(seeds)])
    config = SAEConfig(
        arch=arch,
        n_inputs=activations.n_inputs,
        n_latents=spec["n_latents"],
        n_instances=len(penalties) * seeds,
        **penalty_fields(arch, tuple(p for p in penalties for _ in range(seeds))),
        **spec["training"][arch],
    )
    return train_sae(config, activations, progress=False, chunk_steps=500), activations


def random_mcc(truth: np.ndarray, n_latents: int, draws: int = 4, seed: int = 0) -> float:
    """The MCC of a random dictionary: ``n_latents`` Gaussian unit rows against ``truth`` (features, inputs), the
    mean over ``draws`` dictionaries. What an untrained or failed SAE scores."""
    rng = np.random.default_rng(seed)
    return float(np.mean([mcc(rng.standard_normal((n_latents, truth.shape[1])), truth) for _ in range(draws)]))


def t_interval(values: Any, confidence: float = 0.95) -> tuple[float, float]:
    """(mean, half-width) of the Student-t confidence interval of the mean of ``values`` (at least two)."""
    values = np.asarray(values, np.float64)
    spread = values.std(ddof=1) / np.sqrt(len(values))
    return float(values.mean()), float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * spread)
