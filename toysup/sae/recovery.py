"""The recovery phase diagram: where do SAEs recover the true features, and where do they fail?

A grid of SAEs of one architecture on synthetic dictionaries, over

* feature sparsity: the expected true L0 ``m`` (Σ_i p_i = m; uniform firing p_i = m / N, or Zipf-like),
* dictionary size: the ratio ρ = latents / true features (n_latents = max(1, round(ρ N))),
* sparsity penalty: λ of the L1 penalty (``relu``, ``gated``), λ of the L0 penalty (``jumprelu``), or k
  (``topk``, ``batchtopk``),
* seed s: the SAE's initialisation and data stream, and the dictionary itself (directions drawn with seed
  ``seed + s``: N random unit vectors in d dims, magnitudes U[0, 1]),

each scored against the ground truth by every metric of :func:`toysup.sae.metrics.evaluate` (MCC, SAELens's
mean |cosine| of matched pairs; the matched cosine, signed with unmatched features counting 0, so it is at most
min(1, ρ); MMCS, recovery above 0.9 / 0.99, L0, explained variance, relative reconstruction bias, dead share, …)
on ``n_samples`` fresh samples.

It runs on the sweeps infrastructure, :mod:`toysup.chunks`: the grid points of one ratio share a static shape
and train as instances of one compiled run, split into chunks of at most ``chunk_instances``; each chunk's
scores are written to ``out/chunks/`` as it finishes, re-running the same grid into the same folder resumes
(and a different grid is refused), and under ``jax.distributed`` each process takes every
``process_count``-th chunk. The assembled ``xarray.Dataset`` is saved as ``out/recovery.nc`` (netCDF 3).
Grid point (i, j, l, s) folds its PRNG keys from its flat index in the grid, so its SAE does not depend on
the chunking.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np
import xarray as xr

from ..chunks import manifest_fingerprint, read_chunk, read_dataset, run_chunks, write_dataset
from ..config import MIN_FEATURE_PROBABILITY
from ..engine import DEFAULT_CHUNK_STEPS, DEFAULT_LOG_EVERY, check_loop
from ..sweeps import MAX_GRID_POINTS
from ..validation import MAX_SIZE, at_most, check_memory, integer
from .config import ARCHITECTURES, SAEConfig
from .data import stack, synthetic_activations, zipf_probabilities
from .metrics import evaluate
from .train import train_sae

PENALTY_FIELD = {
    "relu": "l1_coefficient",
    "gated": "l1_coefficient",
    "jumprelu": "l0_coefficient",
    "topk": "k",
    "batchtopk": "k",
}
DIMS = ("mean_active", "ratio", "penalty", "seed")
RESULT = "recovery.nc"
KIND = "recovery"  # the kind of result the diagram's folder holds (its toysup.json)
_SET_BY_GRID = ("arch", "n_inputs", "n_latents", "n_instances", "l1_coefficient", "k", "l0_coefficient")


@dataclass(frozen=True)
class _Chunk:
    """Grid points ``points`` (flat indices into DIMS) of one ratio, trained together."""

    config: SAEConfig
    points: np.ndarray


def _values(name: str, values: Any, low: float, high: float | None = None) -> tuple[float, ...]:
    """A non-empty list of distinct finite numbers in (low, high]."""
    try:
        numbers = tuple(float(v) for v in np.atleast_1d(np.asarray(values, dtype=object)))
    except (TypeError, ValueError):
        raise ValueError(f"{name}: must be numbers, got {values!r}") from None
    bound = f"in ({low:g}, {high:g}]" if high is not None else f"> {low:g}" if low > -math.inf else "finite"
    for value in numbers:
        if not math.isfinite(value) or value <= low or (high is not None and value > high):
            raise ValueError(f"{name}: every value must be {bound}, got {value:g}")
    if not numbers or len(set(numbers)) != len(numbers):
        raise ValueError(f"{name}: must be one or more distinct values, got {list(numbers)}")
    return numbers


def _plan(
    arch: str,
    n_features: int,
    n_inputs: int,
    mean_active: Sequence[float],
    ratios: Sequence[float],
    penalties: Sequence[float],
    seeds: int,
    firing: str,
    chunk_instances: int | None,
    config: dict[str, Any],
) -> tuple[dict[str, Any], list[_Chunk]]:
    """Validate the grid (before any compute); its JSON description and its chunks."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch: must be one of {', '.join(ARCHITECTURES)}, got {arch!r}")
    for name, value in (("n_features", n_features), ("n_inputs", n_inputs), ("seeds", seeds)):
        integer(name, value, 1, MAX_SIZE)
    if chunk_instances is not None:
        integer("chunk_instances", chunk_instances, 1, MAX_SIZE)
    at_most("n_features × n_inputs", n_features * n_inputs, MAX_SIZE)
    # Each chunk draws its dictionaries: N × d directions in float64 (drawn, normalised) and float32 (kept twice).
    check_memory({"n_features × n_inputs": n_features * n_inputs * 32})
    if firing not in ("uniform", "zipf"):
        raise ValueError(f"firing: must be one of uniform, zipf, got {firing!r}")
    unknown = sorted(set(config) - {field.name for field in dataclasses.fields(SAEConfig)})
    if unknown:
        raise ValueError(f"config: unknown SAEConfig field(s) {', '.join(unknown)}")
    taken = sorted(set(config) & set(_SET_BY_GRID))
    if taken:
        raise ValueError(f"config: {', '.join(taken)} are set by the grid (arch, n_inputs, ratios, penalties)")
    mean_active = _values("mean_active", mean_active, 0.0, float(n_features))
    ratios = _values("ratios", ratios, 0.0)
    field = PENALTY_FIELD[arch]
    penalties = _values("penalties", penalties, -math.inf)  # ranges are SAEConfig's, checked per ratio below
    if arch == "topk" and any(p != int(p) for p in penalties):
        raise ValueError(f"penalties: k must be an integer for topk, got {list(penalties)}")
    at_most(
        "mean_active × ratios × penalties × seeds",
        len(mean_active) * len(ratios) * len(penalties) * seeds,
        MAX_GRID_POINTS,
    )
    rarest = (
        min(mean_active) / n_features
        if firing == "uniform"
        else float(zipf_probabilities(n_features, min(mean_active)).min())
    )
    if rarest < MIN_FEATURE_PROBABILITY:
        raise ValueError(
            f"mean_active: the rarest feature's probability must be >= 2**-23 ≈ {MIN_FEATURE_PROBABILITY:.3g} (the "
            f"sampler's uniforms have 23 bits, so a rarer feature would never fire), got {rarest:.3g}"
        )
    base = SAEConfig(arch=arch, n_inputs=int(n_inputs), n_latents=max(1, round(max(ratios) * n_features)), **config)
    shape = (len(mean_active), len(ratios), len(penalties), seeds)
    chunks = []
    for r, ratio in enumerate(ratios):
        points = np.asarray(
            [
                np.ravel_multi_index((m, r, p, s), shape)
                for m, p, s in itertools.product(range(shape[0]), range(shape[2]), range(seeds))
            ]
        )
        size = len(points) if chunk_instances is None else int(chunk_instances)
        for start in range(0, len(points), size):
            part = points[start : start + size]
            values = tuple(penalties[i] for i in np.unravel_index(part, shape)[2])
            values = tuple(int(v) for v in values) if arch == "topk" else values
            try:
                chunk_config = base.replace(
                    n_latents=max(1, round(ratio * n_features)), n_instances=len(part), **{field: values}
                )
            except ValueError as error:
                raise ValueError(f"penalties: at ratio {ratio:g}, {error}") from None
            chunk_config.check_memory(n_features)
            chunks.append(_Chunk(chunk_config, part))
    description = {
        "kind": "sae recovery diagram",
        "arch": arch,
        "n_features": int(n_features),
        "n_inputs": int(n_inputs),
        "firing": firing,
        "mean_active": list(mean_active),
        "ratios": list(ratios),
        "penalties": list(penalties),
        "seeds": int(seeds),
        "chunk_instances": None if chunk_instances is None else int(chunk_instances),
        "config": {k: v for k, v in base.to_dict().items() if k not in _SET_BY_GRID},
    }
    return description, chunks


def _train_chunk(
    chunk: _Chunk, description: dict[str, Any], n_samples: int, loop: dict[str, int], progress: bool
) -> dict[str, np.ndarray] | None:
    """Train and score one chunk; its arrays, or None when interrupted."""
    shape = (
        len(description["mean_active"]),
        len(description["ratios"]),
        len(description["penalties"]),
        description["seeds"],
    )
    m_index, _, _, s_index = np.unravel_index(chunk.points, shape)
    dictionaries = {}
    for m, s in zip(m_index, s_index):
        if (m, s) not in dictionaries:
            dictionaries[m, s] = synthetic_activations(
                description["n_features"],
                description["n_inputs"],
                firing=description["firing"],
                mean_active=description["mean_active"][m],
                seed=chunk.config.seed + int(s),
            )
    activations = stack([dictionaries[m, s] for m, s in zip(m_index, s_index)])
    result = train_sae(chunk.config, activations, progress=progress, instance_ids=chunk.points, **loop)
    if result.steps_done < chunk.config.steps:
        return None
    scores = evaluate(result, activations, n_samples=n_samples)
    return {"points": chunk.points, **{name: np.asarray(value, np.float64) for name, value in scores.items()}}


def recovery_diagram(
    arch: str,
    *,
    out: str | Path | None = None,
    n_features: int,
    n_inputs: int,
    mean_active: Sequence[float],
    ratios: Sequence[float],
    penalties: Sequence[float],
    seeds: int = 1,
    firing: str = "uniform",
    n_samples: int = 4096,
    chunk_instances: int | None = None,
    chunk_steps: int = DEFAULT_CHUNK_STEPS,
    log_every: int = DEFAULT_LOG_EVERY,
    progress: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
    **config: Any,
) -> xr.Dataset:
    """Train and score SAEs on a grid (or resume); a Dataset with dims (mean_active, ratio, penalty, seed).

    Args:
      arch: the architecture; ``penalties`` are its L1 (relu, gated) or L0 (jumprelu) coefficients, or its k.
      out: the folder for the chunks and ``recovery.nc`` (a toysup ``recovery`` result; anything else there is
        refused before any compute); re-running the same grid into it resumes, retraining damaged chunks. None: a
        temporary folder, removed afterwards.
      n_features, n_inputs: N true features in d dimensions.
      mean_active: expected true L0 per grid row (the feature sparsity axis), each in (0, N].
      ratios: latents / true features, each > 0.
      penalties: the sparsity setting per grid column (integers for topk).
      seeds: seeds per grid point, >= 1; seed s draws the dictionary with ``config['seed'] + s``.
      firing: ``uniform`` or ``zipf`` (see :func:`toysup.sae.data.synthetic_activations`).
      n_samples: fresh samples per SAE for the firing and reconstruction metrics.
      chunk_instances: at most this many SAEs per chunk (None: one chunk per ratio).
      chunk_steps, log_every: the training loop's settings (see :func:`toysup.sae.train.train_sae`).
      progress: tqdm bars over chunks and over the steps of a chunk.
      on_progress: called as ``on_progress(chunks_done, n_chunks)`` after each written chunk.
      overwrite: start afresh, removing what an earlier diagram left in ``out``.
      config: further ``SAEConfig`` fields shared by every SAE (steps, batch_size, learning_rate, seed, …). The
        L1 SAEs need ``penalty_warmup_steps`` (e.g. steps // 5) or they may collapse to L0 = 0.

    Returns:
      Every metric of ``evaluate`` as a variable (``recovered_0.9`` as ``recovered_0_9``), coordinates
      ``mean_active``, ``ratio``, ``penalty``, ``seed`` and ``n_latents`` (along ratio), the settings as
      attributes (``recovery``: the grid's JSON description).

    Raises:
      ValueError: a bad grid value, naming the field and its range, before any compute; ``OutputError`` (a
        ValueError) when ``out`` holds something else or a different grid (without ``overwrite``).
      KeyboardInterrupt: after Ctrl-C (or an ``on_progress`` raising it), once finished chunks are written.
    """

    description, chunks = _plan(
        arch, n_features, n_inputs, mean_active, ratios, penalties, seeds, firing, chunk_instances, config
    )
    integer("n_samples", n_samples, 1)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="toysup-recovery-") as folder:
            return recovery_diagram(
                arch,
                out=folder,
                n_features=n_features,
                n_inputs=n_inputs,
                mean_active=mean_active,
                ratios=ratios,
                penalties=penalties,
                seeds=seeds,
                firing=firing,
                n_samples=n_samples,
                chunk_instances=chunk_instances,
                chunk_steps=chunk_steps,
                log_every=log_every,
                progress=progress,
                on_progress=on_progress,
                **config,
            )
    check_loop(chunk_steps, log_every)
    description["n_samples"] = int(n_samples)
    loop = {"chunk_steps": chunk_steps, "log_every": log_every}
    run_chunks(
        out,
        description,
        len(chunks),
        lambda index: _train_chunk(chunks[index], description, n_samples, loop, progress),
        kind=KIND,
        overwrite=overwrite,
        progress=progress,
        on_progress=on_progress,
    )
    dataset = _assemble(description, len(chunks), Path(out))
    if jax.process_index() == 0:
        write_dataset(dataset, Path(out) / RESULT)
    return dataset


def _assemble(description: dict[str, Any], n_chunks: int, out: Path) -> xr.Dataset:
    from ..version import __version__

    shape = (
        len(description["mean_active"]),
        len(description["ratios"]),
        len(description["penalties"]),
        description["seeds"],
    )
    variables: dict[str, np.ndarray] = {}
    work = manifest_fingerprint(out)
    for index in range(n_chunks):
        values = read_chunk(out, index, work)
        points = values.pop("points")
        for name, value in values.items():
            variables.setdefault(name, np.full(math.prod(shape), np.nan))[points] = value
    n_features = description["n_features"]
    coords = {
        "mean_active": description["mean_active"],
        "ratio": description["ratios"],
        "penalty": description["penalties"],
        "seed": np.arange(shape[3], dtype=np.int32),
        "n_latents": ("ratio", np.asarray([max(1, round(r * n_features)) for r in description["ratios"]], np.int32)),
    }
    attrs = {
        "arch": description["arch"],
        "penalty_field": PENALTY_FIELD[description["arch"]],
        "n_features": n_features,
        "n_inputs": description["n_inputs"],
        "firing": description["firing"],
        "recovery": json.dumps(description),
        "toysup_version": __version__,
        "jax_version": jax.__version__,
    }
    return xr.Dataset(
        {name.replace(".", "_"): (DIMS, value.reshape(shape)) for name, value in variables.items()},
        coords=coords,
        attrs=attrs,
    )


def load_recovery(out: str | Path) -> xr.Dataset:
    """The dataset of a finished recovery diagram (``out/recovery.nc``); ``DamagedFileError`` (a ``ValueError``)
    when it is missing or damaged — running the diagram again rebuilds it from the chunks."""
    return read_dataset(Path(out) / RESULT, "out: not a finished recovery diagram", "out")


__all__ = ["KIND", "recovery_diagram", "load_recovery", "PENALTY_FIELD"]
