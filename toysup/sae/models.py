"""Five sparse-autoencoder architectures behind one interface, each acting on one instance.

Every architecture is an :class:`Architecture` of pure functions over a params dict:

    init(key, hyper=None) -> params                   (``hyper``: the starting threshold of jumprelu, else config's)
    encode(params, x, hyper) -> f                    x: (batch, inputs) -> f: (batch, latents), inference mode
    decode(params, f) -> x̂ = f W_dec + b_dec         (batch, outputs)
    loss(params, x, step, dead, hyper, reduce_copies, target) -> (loss, aux)  the training objective and its parts
    constrain(params, aux) -> params                 after each optimiser step (unit decoder rows, …)

``hyper`` holds the instance's penalties (``l1_coefficient``, ``k``, ``l0_coefficient``), ``dead`` is a
(latents,) mask of latents that have not fired for ``dead_window`` steps, ``step`` the step index,
``reduce_copies`` (optional) a reduction of an integer over every copy trained together (the training step passes
``pmax`` over ``toysup.engine.COPIES_AXIS``; alone, the default, the value itself): ``relu`` uses it to choose its
code path for all copies at once (see :func:`_relu`). Params:
``W_enc`` (latents, inputs), ``b_enc`` (latents,), ``W_dec`` (latents, inputs; absent when tied), ``b_dec``
(inputs,), plus ``log_threshold`` (jumprelu), ``r_mag`` and ``b_mag`` (gated), ``threshold`` (batchtopk).
Pre-activations are π = W_enc (x − b_dec) + b_enc. The reconstruction error is Σ_d (x − x̂)², averaged over
the batch. ``jax.vmap`` over params and data gives the instance axis.

Transcoders (``config.n_outputs`` set; Dunefsky et al. 2024, "Transcoders Find Interpretable LLM Feature Circuits")
are the same machines with a target: the loss takes ``target`` (batch, outputs), the model's output for the input
``x``, and scores Σ_o (target − ŷ)² instead (an SAE's target, the default None, is x itself). The decoder writes the
output space (W_dec (latents, outputs), b_dec (outputs,)), so the input is not centred: π = W_enc x + b_enc.

References:
  relu: Bricken et al. 2023, "Towards Monosemanticity"; Conerly et al. 2024, "Circuits Updates — April 2024"
    (L1 weighted by decoder norms, λ warm-up, W_enc initialised as W_decᵀ).
  topk: Gao et al. 2024, "Scaling and evaluating sparse autoencoders" (TopK, AuxK, unit decoder rows).
  batchtopk: Bussmann et al. 2024, "BatchTopK Sparse Autoencoders" (top k·B over the batch; at inference a
    threshold θ, the running mean of the smallest kept activation).

BatchTopK's lost latents (issue 13). Its weak scores came mostly from its settings. With k = the expected true L0
(Σ p_i), Adam at 3e-3 with a cosine decay and 2 latents per feature (``toysup.sae.config.derive_settings``) it
recovers 512 directions in 256 dimensions at MCC 0.983 in 500 steps (0.967 at the old constant 1e-3) and 0.9997
in the default 3000; its "dead" share there (37–50 %, TopK's 46 %) is the dictionary's slack, 1024 latents for 512
features, not lost features. What remains is the method, in few dimensions. On the pentagon (5 features in 2
dimensions, L = 0.25) a latent can stop being dead without becoming useful: a "zombie" latent is kept in the
batch's top k·B every few steps, so it is never dead for AuxK (AuxK on or off gives identical runs, and a 5-step
dead window does not fix it), while its b_enc is driven to ≈ −0.4 and its encoder norm to ≈ 0.4. Meanwhile a
feature left without a latent of its own is reconstructed *exactly* by two latents on either side of it (in 2
dimensions two latents span every direction between them): a stationary point of the squared error that a budget
of active latents hardly penalises. TopK with k = 2 falls into the same state (MMCS 0.92), TopK with k = 1 cannot
(one latent per input) and the L1 SAEs pay for the pair in their penalty, so both escape. A smaller learning rate
(1e-3) or twice the steps do not fix it reliably; 4 latents per feature, so that some latent starts near every
feature, bring it to MMCS 0.96–1.0 per instance (2 per feature: 0.88–1.0). What does fix it is a budget a little
below the true L0: with k = 0.8 L the second latent of a pair crowds out a real activation, not a spare slot, and
36 of 36 pentagon SAEs reach MMCS ≥ 0.997 (``derive_settings`` uses both).
  jumprelu: Rajamanoharan et al. 2024b, "Jumping Ahead" (f = π·H(π − θ), L0 penalty, straight-through
    pseudo-derivatives with a rectangle kernel of bandwidth ε).
  gated: Rajamanoharan et al. 2024a, "Improving Dictionary Learning with Gated SAEs" (shared weights with
    r_mag, L1 on ReLU(π_gate), auxiliary reconstruction through a frozen decoder).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

from .config import SAEConfig

THRESHOLD_MOMENTUM = 0.99  # BatchTopK: θ ← m θ + (1 − m) · (smallest kept activation of the batch)
RELU_DECODER_NORM = 0.1  # relu: initial decoder-row norm (Conerly et al. 2024 use small norms)
# relu: the gathered training step has room for this many active latents per sample on average, i.e.
# RELU_GATHERED_L0 × batch (sample, latent) pairs in the whole batch; a batch with more (in any copy) takes the dense
# step. The room is counted per batch, not per sample, because the per-sample counts are heavy-tailed: on the workload
# of benchmarks/bench_sae_peer.py (512 directions in 256 dims, 1,024 latents, batch 1,024, L1 0.6) the batch's mean
# L0 is 0.15–1.4 after step 30 while its busiest sample has (median per batch) 9–41 active latents, up to 210, so a
# per-sample room (top-k) would need 32–64 per sample, 8–16 times the pairs of this one. The pair work is paid for
# the whole room, active or not: there, one loss-and-gradient evaluation took (fastest of 40, 2 busy CPU cores)
# 25 ms dense, one dense product 3.6 ms, and gathered with a room of 1, 2, 4, 8 per sample 4.2, 6.7, 9.8, 29 ms.
# At 4 only the first 13 of its 300 steps are dense.
RELU_GATHERED_L0 = 4
# Rooms of the gathered step, as shares of the largest: a batch takes the smallest room its pairs fit in, so the
# pair work follows the codes' sparsity (the mean L0 falls from 1.4 to 0.15 over the run above).
RELU_ROOM_SHARES = (1 / 8, 1 / 4, 1 / 2, 1)
_PAIR_BLOCK = 32  # latents per block in the search for active pairs (see _active_pairs)


class Architecture(NamedTuple):
    """The pure functions of one SAE architecture (see the module docstring)."""

    init: Callable
    encode: Callable
    decode: Callable
    loss: Callable
    constrain: Callable


def _unit_rows(W: jax.Array) -> jax.Array:
    return W / jnp.maximum(jnp.linalg.norm(W, axis=-1, keepdims=True), 1e-8)


def decoder_weights(params: dict) -> jax.Array:
    """W_dec (latents, inputs); the encoder's W_enc when tied."""
    return params["W_dec"] if "W_dec" in params else params["W_enc"]


def decode(params: dict, f: jax.Array) -> jax.Array:
    """x̂ = f W_dec + b_dec."""
    return f @ decoder_weights(params) + params["b_dec"]


def projection(params: dict, x: jax.Array, centred: bool = True) -> jax.Array:
    """W_enc (x − b_dec), shape (batch, latents), computed as W_enc x − W_enc b_dec: the same value, but the
    gradient with respect to b_dec is then W_encᵀ (Σ_batch ∂π), a vector product, instead of a dense
    (batch, latents) × (latents, inputs) product summed over the batch (one of the six dense products of an
    L1 SAE's step). Not ``centred`` (a transcoder, whose b_dec lives in the output space): W_enc x."""
    if not centred:
        return x @ params["W_enc"].T
    return x @ params["W_enc"].T - params["W_enc"] @ params["b_dec"]


def pre_activation(params: dict, x: jax.Array, centred: bool = True) -> jax.Array:
    """π = W_enc (x − b_dec) + b_enc, shape (batch, latents) (see :func:`projection`); not ``centred`` (a
    transcoder): π = W_enc x + b_enc."""
    return projection(params, x, centred) + params["b_enc"]


def _one_copy(value: jax.Array) -> jax.Array:
    """The default ``reduce_copies`` of a loss called on its own (no engine vmap, no copy axis): the value itself."""
    return value


def _gathered_pre_activation(params: dict, x: jax.Array, latents: jax.Array, centred: bool = True) -> jax.Array:
    """π at chosen latents only: for rows ``x`` (…, inputs) and latent indices ``latents`` (…, k), the (…, k)
    pre-activations W_enc,i (x − b_dec) + b_enc,i from the gathered encoder rows, so that the gradient reaches W_enc
    and b_enc only through those rows (a scatter of k rows per sample) instead of a dense product. It equals the
    dense π of :func:`pre_activation` up to float rounding. (Centred x, as TopK always had, rather than
    :func:`projection`'s W_enc x − W_enc b_dec: TopK's results stay bit-identical, and b_dec's gradient here is only
    k rows per sample anyway.) Not ``centred`` (a transcoder): W_enc,i x + b_enc,i."""
    read = x - params["b_dec"] if centred else x
    return jnp.einsum("...kd,...d->...k", params["W_enc"][latents], read) + params["b_enc"][latents]


def _with_gradient_of_pre_activation(params: dict, x: jax.Array, pre: jax.Array, centred: bool = True) -> jax.Array:
    """``pre`` = ``pre_activation(params, x)``, computed earlier without gradient, given back with the gradient of
    :func:`pre_activation` with respect to ``params``. A branch of ``lax.cond`` that needs π's gradient can then take
    π from outside without computing the dense product again, and without π's dense backward product (dW_enc)
    leaving the branch: had π been computed with its gradient outside, that product would run on every step,
    whichever branch ran. (Only the linear tangent of π is traced; its unused primal is dead code to XLA.)"""

    @jax.custom_jvp
    def attach(params, x, pre):
        return pre

    @attach.defjvp
    def attach_jvp(primals, tangents):
        params, x, pre = primals
        return pre, jax.jvp(lambda p: pre_activation(p, x, centred), (params,), (tangents[0],))[1]

    return attach(params, x, pre)


def _squared_error(x: jax.Array, x_hat: jax.Array) -> jax.Array:
    return jnp.sum((x - x_hat) ** 2, axis=-1)  # (batch,)


def _warmed_up(config: SAEConfig, coefficient: jax.Array, step: jax.Array) -> jax.Array:
    """λ_t = λ · min(1, (t + 1) / warm-up): the λ warm-up keeps the L1 SAE from collapsing to L0 = 0 early."""
    if config.penalty_warmup_steps == 0:
        return coefficient
    return coefficient * jnp.minimum(1.0, (step + 1.0) / config.penalty_warmup_steps)


def _top_k_mask(values: jax.Array, k: jax.Array, k_max: int) -> jax.Array:
    """Mask of the k largest entries along the last axis (k <= k_max dynamic, k_max static)."""
    top = jax.lax.top_k(values, k_max)[0]
    kth = jnp.take(top, k.astype(jnp.int32) - 1, axis=-1)[..., None]
    return values >= jax.lax.stop_gradient(kth)


def _kth_largest_lower_bound(values: jax.Array, k: int, iterations: int = 24) -> jax.Array:
    """A t <= the k-th largest entry of each row of non-negative ``values`` (0 if fewer than k are positive),
    by bisection on [0, max]: 24 counting passes instead of a sort (``lax.top_k`` with a large k is slow on CPU)."""

    def body(_, bounds):
        low, high = bounds
        middle = (low + high) / 2
        enough = jnp.sum(values >= middle, axis=-1, keepdims=True) >= k
        return jnp.where(enough, middle, low), jnp.where(enough, high, middle)

    top = jnp.max(values, axis=-1, keepdims=True)
    return jax.lax.fori_loop(0, iterations, body, (jnp.zeros_like(top), top))[0]


def _aux_k_loss(
    config: SAEConfig, params: dict, x: jax.Array, x_hat: jax.Array, pre: jax.Array, dead: jax.Array
) -> jax.Array:
    """Gao et al.'s AuxK: reconstruct the residual e = x − x̂ from the top aux_k dead latents,
    ‖e − W_decᵀ z_aux‖² normalised by the residual's total variance; 0 when no latent is dead.
    (The top-aux_k cut is found by bisection, so ties at the cut may keep a few more.)"""
    candidates = jnp.where(dead, jax.nn.relu(pre), 0.0)
    cut = jax.lax.stop_gradient(_kth_largest_lower_bound(candidates, config.resolved_aux_k))
    z_aux = jnp.where((candidates >= cut) & (candidates > 0), candidates, 0.0)
    residual = jax.lax.stop_gradient(x - x_hat)
    error = jnp.sum((residual - z_aux @ decoder_weights(params)) ** 2)
    variance = jnp.sum((residual - residual.mean(axis=0)) ** 2)
    return jnp.where(jnp.any(dead), error / jnp.maximum(variance, 1e-12), 0.0)


def _init_weights(config: SAEConfig, key: jax.Array, decoder_norm: float) -> dict:
    """Random unit directions as decoder rows (scaled to ``decoder_norm``) and W_enc = W_decᵀ. A transcoder's
    encoder and decoder live in different spaces: each gets random unit rows of its own (both scaled)."""
    W = _unit_rows(jax.random.normal(key, (config.n_latents, config.n_inputs))) * decoder_norm
    params = {"W_enc": W, "b_enc": jnp.zeros(config.n_latents), "b_dec": jnp.zeros(config.resolved_outputs)}
    if config.is_transcoder:
        decoder_key = jax.random.fold_in(key, 1)
        rows = jax.random.normal(decoder_key, (config.n_latents, config.n_outputs))
        params["W_dec"] = _unit_rows(rows) * decoder_norm
    elif not config.tied:
        params["W_dec"] = W
    return params


def _normalise_decoder(params: dict, aux: dict) -> dict:
    return {**params, "W_dec": _unit_rows(params["W_dec"])}


def _common(config: SAEConfig, fired: jax.Array, sample_error: jax.Array, f: jax.Array) -> dict:
    return {"fired": fired, "sample_error": sample_error, "l0": jnp.mean(jnp.sum(f != 0, axis=-1))}


# --- relu -------------------------------------------------------------------------------------------------


def _active_pairs(active: jax.Array, capacity: int) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The True entries of ``active`` (batch, latents) as ``capacity`` (sample, latent) pairs in row-major order:
    ``sample``, ``latent`` (capacity,) and ``valid`` (capacity,), which marks the first ``sum(active)`` pairs (the
    rest point at an arbitrary in-range entry). Entries past ``capacity`` are left out: check the count first.

    No sort and no full-width prefix sum: on CPU, at 1,024 × 1,024, ``lax.top_k`` with k = 32 and a ``cumsum`` along
    the latents each cost 3–6 dense (1,024 × 256 × 1,024) products, this about a third of one. The latents are cut
    into blocks of ``_PAIR_BLOCK``; the counts per block and their running sums are small, so pair j finds its sample
    by a binary search over the samples' running totals, its block by a count over that sample's block sums, and its
    latent within the block by a count over the block's ``_PAIR_BLOCK`` entries."""
    batch, width = active.shape
    blocks = -(-width // _PAIR_BLOCK)
    cells = jnp.pad(active, ((0, 0), (0, blocks * _PAIR_BLOCK - width))).reshape(batch, blocks, _PAIR_BLOCK)
    block_counts = jnp.sum(cells, axis=-1, dtype=jnp.int32)  # (batch, blocks)
    block_ends = jnp.cumsum(block_counts, axis=-1)  # per sample, pairs up to the end of each block
    sample_ends = jnp.cumsum(block_ends[:, -1])  # pairs up to the end of each sample
    pair = jnp.arange(capacity)
    valid = pair < sample_ends[-1]
    sample = jnp.minimum(jnp.searchsorted(sample_ends, pair, side="right"), batch - 1)
    rank = pair - (sample_ends[sample] - block_ends[sample, -1])  # the pair's rank among its sample's
    block = jnp.minimum(jnp.sum(block_ends[sample] <= rank[:, None], axis=-1), blocks - 1)
    rank = rank - (block_ends[sample, block] - block_counts[sample, block])  # … and among its block's
    within = jnp.sum(jnp.cumsum(cells[sample, block], axis=-1) <= rank[:, None], axis=-1)
    latent = jnp.minimum(block * _PAIR_BLOCK + jnp.minimum(within, _PAIR_BLOCK - 1), width - 1)
    return sample, latent, valid


def _switch_differentiated_inside(
    index: jax.Array, losses: list[Callable], params: dict, *args: jax.Array
) -> tuple[jax.Array, dict]:
    """``lax.switch(index, losses, params, *args)`` for losses returning (value, aux), with the gradient with
    respect to ``params`` taken inside the chosen branch: the forward pass runs ``value_and_grad`` of that branch
    alone and the backward pass only scales the gradient it kept. The same value and gradient as differentiating
    the ``switch`` itself, which would make JAX's linearisation carry every branch's residuals through the switch
    and run a second, transposed switch for the backward pass: on CPU that cost the L1 SAE's gathered step about
    four times its own time (issue 13). ``args`` get no gradient."""

    @jax.custom_vjp
    def branch(params, *args):
        return jax.lax.switch(index, losses, params, *args)

    def with_gradient(loss):
        return lambda params, *args: jax.value_and_grad(loss, has_aux=True)(params, *args)

    def forward(params, *args):
        value_and_aux, grads = jax.lax.switch(index, [with_gradient(loss) for loss in losses], params, *args)
        return value_and_aux, (grads, args)

    def backward(saved, cotangent):
        grads, args = saved
        return (jax.tree.map(lambda g: g * cotangent[0], grads), *(jnp.zeros_like(a) for a in args))

    branch.defvjp(forward, backward)
    return branch(params, *args)


def gathered_rooms(batch: int, n_latents: int) -> tuple[int, ...]:
    """The (sample, latent) pairs each gathered step of the L1 SAE has room for, smallest first (see
    ``RELU_ROOM_SHARES``); none when ``RELU_GATHERED_L0`` is 0."""
    largest = min(RELU_GATHERED_L0 * batch, batch * n_latents)
    return tuple(sorted({int(largest * share) for share in RELU_ROOM_SHARES} - {0}))


def _relu(config: SAEConfig) -> Architecture:
    """The L1 SAE. Its training loss has two code paths with the same value and gradients (up to float rounding).
    Dense: f = ReLU(π) for every latent, five (batch, latents, inputs) products per step (π, x̂ and three gradient
    products). Gathered, once the codes are sparse: π is still computed densely (to find the active latents), but
    x̂, the L1 term and every gradient use only the batch's active (sample, latent) pairs, in the smallest of the
    rooms of :func:`gathered_rooms` (up to ``RELU_GATHERED_L0`` × batch pairs) that holds them (see
    :func:`_active_pairs`); their values are recomputed from gathered encoder rows (:func:`_gathered_pre_activation`)
    so that gradients flow only through those rows. Entries of the dense f that are not positive are 0 with zero
    gradient, so dropping them changes nothing. The room (or the dense path, when no room holds the pairs) is chosen
    from ``reduce_copies`` of the count: under the engine's vmap a ``pmax`` over copies, so the ``lax.switch`` stays a
    branch that runs one path, not a select that runs all of them. The gradient is taken inside the chosen branch
    (:func:`_switch_differentiated_inside`)."""

    centred = not config.is_transcoder

    def init(key, hyper=None):
        return _init_weights(config, key, RELU_DECODER_NORM)

    def encode(params, x, hyper):
        return jax.nn.relu(pre_activation(params, x, centred))

    def dense(params, x, target, pre, coefficient):
        f = jax.nn.relu(_with_gradient_of_pre_activation(params, x, pre, centred))
        error = _squared_error(target, decode(params, f))
        mse = error.mean()
        l1 = jnp.mean(f @ jnp.linalg.norm(decoder_weights(params), axis=-1))  # Σ_i f_i ‖W_dec,i‖
        l0 = jnp.mean(jnp.sum(f != 0, axis=-1)).astype(jnp.float32)
        aux = {"mse": mse, "fired": jnp.any(f > 0, axis=0), "sample_error": error, "l0": l0}
        return mse + coefficient * l1, aux

    def gathered(capacity, params, x, target, pre, coefficient):
        batch = x.shape[0]
        sample, latent, valid = _active_pairs(pre > 0, capacity)
        values = _gathered_pre_activation(params, x[sample], latent[:, None], centred)[:, 0]
        codes = jnp.where(valid, jax.nn.relu(values), 0.0)  # (pairs,): the dense f at its active entries
        W_dec = decoder_weights(params)
        x_hat = jax.ops.segment_sum(codes[:, None] * W_dec[latent], sample, batch, indices_are_sorted=True)
        error = _squared_error(target, x_hat + params["b_dec"])
        mse = error.mean()
        l1 = jnp.sum(codes * jnp.linalg.norm(W_dec, axis=-1)[latent]) / batch
        l0 = (jnp.sum(codes != 0) / batch).astype(jnp.float32)
        fired = jnp.zeros(config.n_latents, bool).at[latent].max(codes > 0)
        aux = {"mse": mse, "fired": fired, "sample_error": error, "l0": l0}
        return mse + coefficient * l1, aux

    def loss(params, x, step, dead, hyper, reduce_copies=_one_copy, target=None):
        target = x if target is None else target
        pre = jax.lax.stop_gradient(pre_activation(params, x, centred))
        rooms = gathered_rooms(x.shape[0], config.n_latents)
        count = reduce_copies(jnp.sum(pre > 0, dtype=jnp.int32))
        index = jnp.searchsorted(jnp.asarray(rooms, jnp.int32), count)  # the smallest room that fits; past all: dense
        coefficient = _warmed_up(config, hyper["l1_coefficient"], step)
        losses = [functools.partial(gathered, room) for room in rooms] + [dense]
        return _switch_differentiated_inside(index, losses, params, x, target, pre, coefficient)

    return Architecture(init, encode, decode, loss, lambda params, aux: params)


# --- topk and batchtopk -----------------------------------------------------------------------------------


def _topk(config: SAEConfig) -> Architecture:
    centred = not config.is_transcoder

    def init(key, hyper=None):
        return _init_weights(config, key, 1.0)

    def encode(params, x, hyper):
        pre = pre_activation(params, x, centred)
        return jnp.where(_top_k_mask(pre, hyper["k"], int(config.k_max)), jax.nn.relu(pre), 0.0)

    def loss(params, x, step, dead, hyper, reduce_copies=_one_copy, target=None):
        target = x if target is None else target
        pre = pre_activation(params, x, centred)
        index, codes = _gathered_top_k(config, params, x, pre, hyper["k"])
        x_hat = jnp.einsum("bk,bkd->bd", codes, decoder_weights(params)[index]) + params["b_dec"]
        total, mse, error = _reconstruction_with_aux_k(config, params, target, x_hat, pre, dead)
        fired = jnp.zeros(config.n_latents, bool).at[index].max(codes > 0)
        return total, {"mse": mse, "fired": fired, "sample_error": error, "l0": jnp.mean(jnp.sum(codes != 0, -1))}

    return Architecture(init, encode, decode, loss, _normalise_decoder)


def _gathered_top_k(config: SAEConfig, params: dict, x: jax.Array, pre: jax.Array, k: jax.Array):
    """TopK's code in gathered form, for training: per sample the latents of the k_max largest pre-activations
    (batch, k_max) and their ReLU'd values, 0 past the instance's k. The selection has no gradient, so the values
    are recomputed from the gathered encoder rows (:func:`_gathered_pre_activation`): the decoder, its gradient and
    the encoder's gradient then cost k_max rows per sample instead of dense (batch, latents) products (only the
    selection needs every latent).
    Mathematically the dense ``encode`` and ``decode``; float rounding differs."""
    k_max = int(config.k_max)
    index = jax.lax.top_k(jax.lax.stop_gradient(pre), k_max)[1]
    values = _gathered_pre_activation(params, x, index, not config.is_transcoder)
    return index, jnp.where(jnp.arange(k_max) < k, jax.nn.relu(values), 0.0)


def _reconstruction_with_aux_k(config: SAEConfig, params, x, x_hat, pre, dead):
    """(loss, MSE, per-sample squared error) of the TopK-style SAEs: MSE plus the AuxK term on dead latents.
    ``x`` is the target: the input of an SAE, the model's output for a transcoder."""
    error = _squared_error(x, x_hat)
    mse = error.mean()
    total = mse
    if config.aux_coefficient > 0:
        total = total + config.aux_coefficient * _aux_k_loss(config, params, x, x_hat, pre, dead)
    return total, mse, error


def _batchtopk(config: SAEConfig) -> Architecture:
    centred = not config.is_transcoder

    def init(key, hyper=None):
        return {**_init_weights(config, key, 1.0), "threshold": jnp.zeros(())}

    def encode(params, x, hyper):
        pre = jax.nn.relu(pre_activation(params, x, centred))
        return jnp.where(pre > params["threshold"], pre, 0.0)

    def loss(params, x, step, dead, hyper, reduce_copies=_one_copy, target=None):
        target = x if target is None else target
        pre_raw = pre_activation(params, x, centred)
        pre = jax.nn.relu(pre_raw)
        batch = x.shape[0]
        flat = pre.reshape(-1)
        kept_max = min(math.ceil(config.k_max * batch), flat.shape[0])
        n_kept = jnp.clip(jnp.round(hyper["k"] * batch).astype(jnp.int32), 1, kept_max)
        top = jax.lax.top_k(flat, kept_max)[0]
        kth = jax.lax.stop_gradient(jnp.take(top, n_kept - 1))
        kept = (pre >= kth) & (pre > 0)
        f = jnp.where(kept, pre, 0.0)
        total, mse, error = _reconstruction_with_aux_k(config, params, target, decode(params, f), pre_raw, dead)
        smallest_kept = jnp.min(jnp.where(kept, pre, jnp.inf))
        aux = {
            "mse": mse,
            "smallest_kept": jnp.where(jnp.isfinite(smallest_kept), smallest_kept, 0.0),
            "first_step": step == 0,
            **_common(config, jnp.any(kept, axis=0), error, f),
        }
        return total, aux

    def constrain(params, aux):
        theta = params["threshold"]
        theta = jnp.where(
            aux["first_step"],
            aux["smallest_kept"],
            THRESHOLD_MOMENTUM * theta + (1 - THRESHOLD_MOMENTUM) * aux["smallest_kept"],
        )
        return {**_normalise_decoder(params, aux), "threshold": theta}

    return Architecture(init, encode, decode, loss, constrain)


# --- jumprelu ---------------------------------------------------------------------------------------------


def _rectangle(u: jax.Array) -> jax.Array:
    return ((u > -0.5) & (u < 0.5)).astype(u.dtype)


def _jump_functions(bandwidth: float) -> tuple[Callable, Callable]:
    """JumpReLU_θ(z) = z·H(z − θ) and H(z − θ) with Rajamanoharan et al.'s pseudo-derivatives
    ∂/∂θ JumpReLU = −(θ/ε) K((z − θ)/ε), ∂/∂θ H = −(1/ε) K((z − θ)/ε), K the rectangle kernel;
    the step has no gradient with respect to z."""

    @jax.custom_vjp
    def jump_relu(z, theta):
        return z * (z > theta)

    def jump_fwd(z, theta):
        return jump_relu(z, theta), (z, theta)

    def jump_bwd(saved, g):
        z, theta = saved
        return g * (z > theta), -g * (theta / bandwidth) * _rectangle((z - theta) / bandwidth)

    jump_relu.defvjp(jump_fwd, jump_bwd)

    @jax.custom_vjp
    def step(z, theta):
        return (z > theta).astype(z.dtype)

    def step_fwd(z, theta):
        return step(z, theta), (z, theta)

    def step_bwd(saved, g):
        z, theta = saved
        return jnp.zeros_like(z), -g / bandwidth * _rectangle((z - theta) / bandwidth)

    step.defvjp(step_fwd, step_bwd)
    return jump_relu, step


def _jumprelu(config: SAEConfig) -> Architecture:
    jump_relu, heaviside = _jump_functions(config.jumprelu_bandwidth)
    centred = not config.is_transcoder

    def init(key, hyper=None):
        threshold = config.jumprelu_initial_threshold if hyper is None else hyper["jumprelu_initial_threshold"]
        log_threshold = jnp.full(config.n_latents, jnp.log(threshold))
        return {**_init_weights(config, key, 1.0), "log_threshold": log_threshold}

    def encode(params, x, hyper):
        pre = pre_activation(params, x, centred)
        return pre * (pre > jnp.exp(params["log_threshold"]))

    def loss(params, x, step, dead, hyper, reduce_copies=_one_copy, target=None):
        target = x if target is None else target
        pre = pre_activation(params, x, centred)
        theta = jnp.broadcast_to(jnp.exp(params["log_threshold"]), pre.shape)
        f = jump_relu(pre, theta)
        error = _squared_error(target, decode(params, f))
        mse = error.mean()
        l0 = jnp.mean(jnp.sum(heaviside(pre, theta), axis=-1))
        total = mse + _warmed_up(config, hyper["l0_coefficient"], step) * l0
        return total, {"mse": mse, **_common(config, jnp.any(f != 0, axis=0), error, f)}

    return Architecture(init, encode, decode, loss, _normalise_decoder)


# --- gated ------------------------------------------------------------------------------------------------


def _gated(config: SAEConfig) -> Architecture:
    def init(key, hyper=None):
        params = _init_weights(config, key, 1.0)
        return {**params, "r_mag": jnp.zeros(config.n_latents), "b_mag": jnp.zeros(config.n_latents)}

    def gates(params, x):
        """π_gate = W_gate(x − b_dec) + b_gate and π_mag = exp(r_mag) ⊙ W_gate(x − b_dec) + b_mag."""
        projected = projection(params, x, not config.is_transcoder)
        return projected + params["b_enc"], jnp.exp(params["r_mag"]) * projected + params["b_mag"]

    def encode(params, x, hyper):
        pi_gate, pi_mag = gates(params, x)
        return jnp.where(pi_gate > 0, jax.nn.relu(pi_mag), 0.0)

    def loss(params, x, step, dead, hyper, reduce_copies=_one_copy, target=None):
        target = x if target is None else target
        pi_gate, pi_mag = gates(params, x)
        f = jnp.where(pi_gate > 0, jax.nn.relu(pi_mag), 0.0)
        error = _squared_error(target, decode(params, f))
        mse = error.mean()
        gate = jax.nn.relu(pi_gate)
        frozen = jax.lax.stop_gradient({"W_dec": params["W_dec"], "b_dec": params["b_dec"]})
        aux_error = _squared_error(target, decode(frozen, gate)).mean()
        l1 = jnp.mean(jnp.sum(gate, axis=-1))  # decoder rows are unit norm
        total = mse + _warmed_up(config, hyper["l1_coefficient"], step) * l1 + aux_error
        return total, {"mse": mse, **_common(config, jnp.any(f > 0, axis=0), error, f)}

    return Architecture(init, encode, decode, loss, _normalise_decoder)


_BUILDERS = {"relu": _relu, "topk": _topk, "batchtopk": _batchtopk, "jumprelu": _jumprelu, "gated": _gated}

# Params with a latent axis first: these rows are what resampling replaces.
LATENT_PARAMS = ("W_enc", "b_enc", "W_dec", "log_threshold", "r_mag", "b_mag")


def architecture(config: SAEConfig) -> Architecture:
    """The architecture named by ``config.arch``."""
    return _BUILDERS[config.arch](config)


__all__ = ["Architecture", "architecture", "decode", "decoder_weights", "pre_activation", "LATENT_PARAMS"]
