"""Attribution graphs: which input feature drives which latent of a replacement layer, and which latent drives
which output, traced through the direct effects and scored against the graph the task defines.

A replacement layer (a transcoder, or an SAE whose decoder writes the model's outputs) reads an input
a = x Eᵀ, the model's features x (batch, n) embedded by E (inputs, n) (E = identity for the ``abs`` model,
whose transcoder reads x itself; E = W for ``relu_output``, whose transcoder reads h = Wx), encodes it into codes
f (batch, latents) and decodes ŷ = f W_dec + b_dec (batch, outputs). The codes come from the architecture's own
encoder, so its activation function is not this module's concern; what it assumes is that an active latent passes
its pre-activation π = W_enc a + (bias terms), as ReLU, TopK and JumpReLU do. Given which latents are active the
layer is then linear, and every sample's output splits exactly into direct effects (Ameisen et al. 2025,
"Circuit Tracing: Revealing Computational Graphs in Language Models"; Dunefsky et al. 2024, "Transcoders Find
Interpretable LLM Feature Circuits"):

    input i → latent j:   e[b, i, j] = x[b, i] · (W_enc E)[j, i]            where f[b, j] ≠ 0, else 0
    latent j's bias:      r[b, j]    = f[b, j] − Σ_i e[b, i, j]              (b_enc − W_enc b_dec for an SAE)
    latent j → output k:  e[b, j, k] = f[b, j] · W_dec[j, k]
    input i → output k:   A[b, i, k] = Σ_j e[b, i, j] · W_dec[j, k]          (the sum over the paths through latents)
    bias → output k:      c[b, k]    = Σ_j r[b, j] · W_dec[j, k] + b_dec[k]

so that Σ_i e[b, i, j] + r[b, j] = f[b, j] and Σ_i A[b, i, k] + c[b, k] = ŷ[b, k] (checked by the tests). The
bias path depends on the input only through which latents are active.

Averaged over a batch (or for one input: a batch of one), an edge's weight is its mean absolute effect (its signed
mean is kept for the sign; a mean of signed effects could cancel between samples of opposite sign). Pruning
(:func:`prune`) drops the nodes whose total incoming weight is under a fraction θ (default 0.1) of the largest
node's, then keeps, for each remaining node, the incoming edges whose weight is at least θ times the strongest edge
into it. Circuit tracing prunes by cumulative influence instead (keep the strongest edges until they carry a share τ
of the total), but a share rule fails both ways on graphs whose answer is known: equal edges of a clean graph are
split by the threshold (20 equal edges at τ = 0.9 lose two true ones), and many weak edges are kept whenever their
sum exceeds 1 − τ (leaks of σ = 0.01 in the encoder and decoder of the exact 20-feature |x| replacement, each edge
under 5 % of a true one, carry 18 % of its input → output weight together, so a 90 % share rule keeps the strongest
of them). The edge rule is relative to each node, so a weak output is not pruned away because a strong one
dominates; the node rule drops what is left of a node the sources hardly reach (an output the model does not
compute, whose strongest incoming edge is noise). What share of the weight the kept edges carry is reported with the
scores (:class:`GraphScore`). The pruned input → output map is scored against the true boolean graph (precision,
recall, F1; for the |x| task input i → output i only), and the share of the model's output variance the pruned graph
explains is measured with the outputs recomputed through the kept edges only, plus the bias path.

Arrays are batch-major, as the SAEs' (``toysup.sae``): (batch, features). Everything is numpy float32.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..validation import at_most, real

# θ: a node is kept when its total incoming weight is at least this fraction of the largest node's, an edge when its
# weight is at least this fraction of the strongest edge into its node (see prune).
DEFAULT_THRESHOLD = 0.1
# The largest per-sample effect array (batch × sources × targets float32 elements, 256 MB): trace a larger data
# set in batches.
MAX_EFFECT_ELEMENTS = 2**26


class Effects(NamedTuple):
    """Every sample's direct effects (see the module docstring for the formulas).

    Attributes:
      input_latent: e[b, i, j], (batch, n, latents).
      latent_bias: r[b, j], (batch, latents): the part of each active latent's code no input explains.
      latent_output: e[b, j, k], (batch, latents, outputs).
      input_output: A[b, i, k], (batch, n, outputs).
      bias_output: c[b, k], (batch, outputs).
      active: f[b, j] ≠ 0, (batch, latents).
      W_dec: (latents, outputs) and b_dec: (outputs,), the decoder the latents write through.
    """

    input_latent: np.ndarray
    latent_bias: np.ndarray
    latent_output: np.ndarray
    input_output: np.ndarray
    bias_output: np.ndarray
    active: np.ndarray
    W_dec: np.ndarray
    b_dec: np.ndarray

    def outputs(self) -> np.ndarray:
        """The replacement's output ŷ = Σ_i A[:, i, :] + c, (batch, outputs)."""
        return self.input_output.sum(axis=1) + self.bias_output


def _matrix(name: str, value: Any, shape: tuple[int | None, ...], names: tuple[str, ...]) -> np.ndarray:
    """``value`` as a finite float32 array of ``shape`` (None: any size >= 1), or a ValueError naming ``name``."""
    array = np.asarray(value, dtype=np.float32)
    wanted = _tuple_text(names)
    if array.ndim != len(shape) or any(size is not None and got != size for got, size in zip(array.shape, shape)):
        raise ValueError(f"{name}: must have shape {wanted} = {_shown_shape(shape)}, got {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name}: must have every size >= 1, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: must be finite, got {int((~np.isfinite(array)).sum())} non-finite values")
    return array


def _tuple_text(items: tuple[str, ...]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _shown_shape(shape: tuple[int | None, ...]) -> str:
    return _tuple_text(tuple("any" if size is None else str(size) for size in shape))


def effects(x: Any, E: Any, f: Any, W_enc: Any, W_dec: Any, b_dec: Any) -> Effects:
    """The direct effects of every sample (see the module docstring).

    Args:
      x: the model's input features, (batch, n).
      E: the embedding that makes the replacement's input a = x Eᵀ, (inputs, n): the identity for ``abs``, W for
        ``relu_output``.
      f: the codes the replacement's encoder produced from a, (batch, latents).
      W_enc: (latents, inputs).
      W_dec: (latents, outputs).
      b_dec: (outputs,).
    """
    x = _matrix("x", x, (None, None), ("batch", "n_features"))
    batch, n = x.shape
    E = _matrix("E", E, (None, n), ("inputs", "n_features"))
    W_enc = _matrix("W_enc", W_enc, (None, E.shape[0]), ("latents", "inputs"))
    latents = W_enc.shape[0]
    f = _matrix("f", f, (batch, latents), ("batch", "latents"))
    W_dec = _matrix("W_dec", W_dec, (latents, None), ("latents", "outputs"))
    outputs = W_dec.shape[1]
    b_dec = _matrix("b_dec", b_dec, (outputs,), ("outputs",))
    at_most("batch × n_features × latents", batch * n * latents, MAX_EFFECT_ELEMENTS)
    at_most("batch × latents × outputs", batch * latents * outputs, MAX_EFFECT_ELEMENTS)
    at_most("batch × n_features × outputs", batch * n * outputs, MAX_EFFECT_ELEMENTS)

    active = f != 0
    gate = active.astype(np.float32)
    reads = W_enc @ E  # (latents, n): how much of input i latent j reads
    input_latent = x[:, :, None] * reads.T[None, :, :] * gate[:, None, :]
    latent_bias = f - input_latent.sum(axis=1)
    latent_output = f[:, :, None] * W_dec[None, :, :]
    # Σ_j x_i reads[j, i] gate[b, j] W_dec[j, k], without the (batch, n, latents, outputs) intermediate.
    input_output = x[:, :, None] * np.einsum("bj,ji,jk->bik", gate, reads, W_dec, optimize=True)
    bias_output = latent_bias @ W_dec + b_dec
    return Effects(
        input_latent, latent_bias, latent_output, input_output.astype(np.float32), bias_output, active, W_dec, b_dec
    )


def prune(weight: Any, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """Prune nodes, then edges: returns the kept mask, the shape of ``weight``.

    A target (column) is kept when its total incoming weight is at least ``threshold`` times the largest total
    of any target (a node the sources hardly reach, such as an output the model does not compute, is dropped with
    its edges); a kept target keeps the incoming edges whose weight is at least ``threshold`` times its strongest.
    Zero-weight edges are never kept; ``threshold`` 0 keeps every edge with weight (the unpruned graph).

    Args:
      weight: (sources, targets), non-negative (mean absolute effects).
      threshold: θ in [0, 1].
    """
    threshold = real("threshold", threshold, 0.0, 1.0)
    weight = _matrix("weight", weight, (None, None), ("sources", "targets"))
    if (weight < 0).any():
        raise ValueError(f"weight: must be >= 0 (mean absolute effects), got minimum {weight.min():g}")
    totals = weight.sum(axis=0, dtype=np.float64)
    live = totals >= threshold * totals.max()
    return (weight >= threshold * weight.max(axis=0, keepdims=True)) & (weight > 0) & live[None, :]


class AttributionGraph(NamedTuple):
    """A layered graph inputs → latents → outputs, with its input → output summary, averaged over a batch.

    Every ``*_mean`` is a signed mean effect, every ``*_weight`` a mean absolute effect (what pruning ranks), every
    ``*_kept`` the mask :func:`prune` keeps at ``threshold``.

    Attributes:
      threshold: θ of :func:`prune` (nodes under θ of the largest node's total and edges under θ of the strongest
        into their node are pruned).
      n_samples: the batch the effects were averaged over.
      latent_live: (latents,) latents active in at least one sample.
      input_latent_mean, input_latent_weight, input_latent_kept: (n, latents).
      latent_output_mean, latent_output_weight, latent_output_kept: (latents, outputs).
      input_output_mean, input_output_weight, input_output_kept: (n, outputs), the paths through the latents
        summed.
    """

    threshold: float
    n_samples: int
    latent_live: np.ndarray
    input_latent_mean: np.ndarray
    input_latent_weight: np.ndarray
    input_latent_kept: np.ndarray
    latent_output_mean: np.ndarray
    latent_output_weight: np.ndarray
    latent_output_kept: np.ndarray
    input_output_mean: np.ndarray
    input_output_weight: np.ndarray
    input_output_kept: np.ndarray

    @property
    def n_inputs(self) -> int:
        return self.input_output_mean.shape[0]

    @property
    def n_latents(self) -> int:
        return self.latent_live.shape[0]

    @property
    def n_outputs(self) -> int:
        return self.input_output_mean.shape[1]

    def shown_latents(self) -> np.ndarray:
        """The latents a drawing shows: live, with a kept edge in and a kept edge out."""
        return self.latent_live & self.input_latent_kept.any(axis=0) & self.latent_output_kept.any(axis=1)

    def to_json_dict(self) -> dict[str, Any]:
        """The graph as plain JSON values: sizes, θ, the live latents and, per layer, its kept edges as
        ``[source, target, mean, weight]`` rows (the pruned edges are left out)."""

        def kept_edges(mean: np.ndarray, weight: np.ndarray, kept: np.ndarray) -> list[list[float | int]]:
            return [[int(s), int(t), float(mean[s, t]), float(weight[s, t])] for s, t in zip(*np.nonzero(kept))]

        return {
            "threshold": float(self.threshold),
            "n_samples": int(self.n_samples),
            "n_inputs": self.n_inputs,
            "n_latents": self.n_latents,
            "n_outputs": self.n_outputs,
            "live_latents": [int(j) for j in np.flatnonzero(self.latent_live)],
            "input_latent": kept_edges(self.input_latent_mean, self.input_latent_weight, self.input_latent_kept),
            "latent_output": kept_edges(self.latent_output_mean, self.latent_output_weight, self.latent_output_kept),
            "input_output": kept_edges(self.input_output_mean, self.input_output_weight, self.input_output_kept),
        }


def graph(effects: Effects, threshold: float = DEFAULT_THRESHOLD) -> AttributionGraph:
    """The batch-averaged attribution graph of ``effects``, pruned at ``threshold`` (see :func:`prune`)."""
    threshold = real("threshold", threshold, 0.0, 1.0)

    def layer(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        weight = np.abs(edges).mean(axis=0)
        return edges.mean(axis=0), weight, prune(weight, threshold)

    return AttributionGraph(
        threshold,
        effects.active.shape[0],
        effects.active.any(axis=0),
        *layer(effects.input_latent),
        *layer(effects.latent_output),
        *layer(effects.input_output),
    )


def trace(
    x: Any, E: Any, f: Any, W_enc: Any, W_dec: Any, b_dec: Any, threshold: float = DEFAULT_THRESHOLD
) -> tuple[Effects, AttributionGraph]:
    """:func:`effects` and their pruned :func:`graph` in one call (arguments as there)."""
    real("threshold", threshold, 0.0, 1.0)
    traced = effects(x, E, f, W_enc, W_dec, b_dec)
    return traced, graph(traced, threshold)


def pruned_outputs(effects: Effects, kept: Any) -> np.ndarray:
    """The outputs recomputed through the kept input → output edges only, plus the bias path, (batch, outputs)."""
    kept = np.asarray(kept, dtype=bool)
    if kept.shape != effects.input_output.shape[1:]:
        wanted = effects.input_output.shape[1:]
        raise ValueError(f"kept: must have shape (n_features, outputs) = {wanted}, got {kept.shape}")
    return (effects.input_output * kept[None]).sum(axis=1) + effects.bias_output


def layered_outputs(effects: Effects, traced: AttributionGraph) -> np.ndarray:
    """The outputs recomputed through the drawn graph: each latent's code rebuilt from its kept input edges and
    its bias, then carried to the outputs along its kept latent → output edges only, plus b_dec, (batch, outputs).
    """
    codes = (effects.input_latent * traced.input_latent_kept[None]).sum(axis=1) + effects.latent_bias
    return codes @ (effects.W_dec * traced.latent_output_kept) + effects.b_dec


def edge_scores(kept: Any, truth: Any) -> tuple[float, float, float]:
    """(precision, recall, F1) of the kept edges against the true graph, both boolean (sources, targets).

    Precision is 0 when nothing is kept; F1 is 0 when precision and recall are."""
    kept = np.asarray(kept, dtype=bool)
    truth = np.asarray(truth)
    if truth.shape != kept.shape or truth.dtype != bool:
        raise ValueError(f"truth: must be a boolean array of shape {kept.shape}, got {truth.dtype} {truth.shape}")
    if not truth.any():
        raise ValueError("truth: must have at least one true edge, got none")
    hits = int((kept & truth).sum())
    precision = hits / int(kept.sum()) if kept.any() else 0.0
    recall = hits / int(truth.sum())
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def explained_variance(prediction: Any, target: Any) -> float:
    """1 − Σ (target − prediction)² / Σ (target − its per-output mean)², pooled over outputs and samples: the
    share of the target's variance the prediction explains (1 exactly, 0 for the per-output mean, negative when
    worse than that constant)."""
    target = _matrix("model_output", target, (None, None), ("batch", "outputs"))
    prediction = np.asarray(prediction, dtype=np.float64)
    if prediction.shape != target.shape:
        raise ValueError(f"model_output: must have the outputs' shape {prediction.shape}, got {target.shape}")
    target = target.astype(np.float64)
    total = float(((target - target.mean(axis=0)) ** 2).sum())
    if total == 0:
        raise ValueError("model_output: must vary over the batch (its variance is the denominator), got a constant")
    return 1.0 - float(((target - prediction) ** 2).sum()) / total


class GraphScore(NamedTuple):
    """How well a pruned attribution graph recovers the true graph and the model's outputs.

    Attributes:
      precision, recall, f1: of the kept input → output edges against the true graph.
      kept_edges, true_edges: their counts.
      carried: the share of the input → output map's total weight (mean absolute effect) the kept edges carry.
      explained_variance: share of the model output's variance explained by the pruned input → output map plus
        the bias path.
      layered_explained_variance: the same through the pruned layered graph (what is drawn).
      replacement_explained_variance: the same with every edge (the replacement's own output: the ceiling).
      bias_explained_variance: the same with no edge (the bias path alone, which knows only which latents are
        active): the floor the edges must beat.
    """

    precision: float
    recall: float
    f1: float
    kept_edges: int
    true_edges: int
    carried: float
    explained_variance: float
    layered_explained_variance: float
    replacement_explained_variance: float
    bias_explained_variance: float

    def to_json_dict(self) -> dict[str, float | int]:
        return {
            name: int(value) if isinstance(value, (int, np.integer)) else float(value)
            for name, value in self._asdict().items()
        }


def _carried(weight: np.ndarray, kept: np.ndarray) -> float:
    total = float(weight.sum())
    return float(weight[kept].sum()) / total if total > 0 else 0.0


def score(effects: Effects, traced: AttributionGraph, truth: Any, model_output: Any) -> GraphScore:
    """Score the pruned graph ``traced`` of ``effects`` against the true input → output graph ``truth`` (boolean,
    (n, outputs); ``numpy.eye(n, dtype=bool)`` for the |x| task) and the model's outputs (batch, outputs)."""
    precision, recall, f1 = edge_scores(traced.input_output_kept, truth)
    variance = lambda prediction: explained_variance(prediction, model_output)
    return GraphScore(
        precision,
        recall,
        f1,
        int(np.asarray(traced.input_output_kept).sum()),
        int(np.asarray(truth).sum()),
        float(
            traced.input_output_weight[traced.input_output_kept].sum() / max(traced.input_output_weight.sum(), 1e-30)
        ),
        variance(pruned_outputs(effects, traced.input_output_kept)),
        variance(layered_outputs(effects, traced)),
        variance(effects.outputs()),
        variance(effects.bias_output),
    )


def exact_abs_transcoder(n_features: int) -> dict[str, np.ndarray]:
    """The exact replacement of the |x| task with n features: 2n latents, latent 2i reading +x_i and latent 2i + 1
    reading −x_i, both writing to output i (ReLU(x_i) + ReLU(−x_i) = |x_i|). Params as a transcoder's:
    ``W_enc`` (2n, n), ``b_enc`` (2n,), ``W_dec`` (2n, n), ``b_dec`` (n,)."""
    eye = np.eye(n_features, dtype=np.float32)
    W_enc = np.stack([eye, -eye], axis=1).reshape(2 * n_features, n_features)
    W_dec = np.repeat(eye, 2, axis=0)
    return {
        "W_enc": W_enc,
        "b_enc": np.zeros(2 * n_features, np.float32),
        "W_dec": W_dec,
        "b_dec": np.zeros(n_features, np.float32),
    }


__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_EFFECT_ELEMENTS",
    "AttributionGraph",
    "Effects",
    "GraphScore",
    "edge_scores",
    "effects",
    "exact_abs_transcoder",
    "explained_variance",
    "graph",
    "layered_outputs",
    "prune",
    "pruned_outputs",
    "score",
    "trace",
]
