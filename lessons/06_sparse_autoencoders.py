# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 6 — Sparse autoencoders: taking features out of superposition
#
# **Learning goals.** After this lesson you can
#
# 1. state the dictionary-learning problem behind sparse autoencoders (SAEs) and write an L1 SAE in JAX;
# 2. train it on the pentagon model's hidden activations, where we **know** the true features, and measure
#    how well it recovers them (MMCS, MCC);
# 3. see the sparsity–reconstruction trade-off set by the L1 coefficient;
# 4. find **dead latents** and revive them by resampling.
#
# Lessons 1–5 built models that put features in superposition. Interpretability asks the reverse: given only
# the activations $h$, find the features. In a real network the true features are unknown; in a toy model they
# are the columns $W_i$, so we can grade the answer. Solutions: `lessons/solutions/06_sparse_autoencoders.py`.
# Runs in about a minute on a laptop CPU.

# %%
# %matplotlib inline
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

import toysup
from toysup import sae
from toysup.lessons import (
    check_dead_latents,
    check_mean_max_cosine_similarity,
    check_resample_dead_latents,
    check_sae_encode,
    check_sae_loss,
    is_quick,
)

plt.ioff()  # in Jupyter a figure shows where a cell ends with it, once
QUICK = is_quick()  # TOYSUP_QUICK=1 shrinks every run (the tests use it)
CHUNK_STEPS = 100 if QUICK else 500  # the SAE trains in compiled chunks of this many steps

# %% [markdown]
# ## 1. The data: a pentagon's activations
#
# First the toy model of lesson 1: n = 5 features in m = 2 dimensions at $p = 0.05$ — a pentagon. Its hidden
# activation is $h = W x \in \mathbb{R}^2$: every sample is a sparse, non-negative combination of the five
# directions $W_i$. `sae.toy_activations` packages a trained toy model as SAE training data; its `truth` holds
# the unit directions $W_i / \lVert W_i \rVert$ the SAE should find.

# %%
toy = toysup.train(
    toysup.ToyConfig(
        n_features=5,
        n_hidden=2,
        feature_probability=0.05,
        learning_rate=1e-2,
        steps=600 if QUICK else 5_000,
        restarts=4,
    ),
    progress=False,
)
activations = sae.toy_activations(toy)
truth = activations.truth[0]  # (5 features, 2 inputs)
W_toy = jnp.asarray(toy.W[0])


def draw_activations(key, n_samples):
    """h = W x for n_samples fresh samples x of the toy model's features, shape (n_samples, 2)."""
    x = toysup.sample_features(key, jnp.full(5, 0.05), n_samples)  # (features, samples)
    return (W_toy @ x).T


h = np.asarray(draw_activations(jax.random.key(0), 4000))
fig, ax = plt.subplots(figsize=(3.6, 3.6))
ax.scatter(h[:, 0], h[:, 1], s=3, alpha=0.3)
for direction in truth:
    ax.plot([0, direction[0]], [0, direction[1]], "k-", lw=1)
ax.set_aspect("equal")
ax.set_title("activations h (dots) and true features (lines)", fontsize=9)
fig

# %% [markdown]
# Most samples lie on the five lines (one feature active); some lie between them (two active) and most are
# at 0. The SAE's job: explain each $h$ as a sparse, non-negative combination of learned directions.
#
# ## 2. The sparse autoencoder
#
# An SAE with $L$ latents (usually $L \ge$ the number of features) encodes, then decodes:
#
# $$f = \mathrm{ReLU}\big(W_\text{enc} (h - b_\text{dec}) + b_\text{enc}\big) \in \mathbb{R}^L, \qquad
# \hat h = W_\text{dec}^\top f + b_\text{dec} = \sum_j f_j \, d_j + b_\text{dec},$$
#
# where row $d_j$ of $W_\text{dec}$ (shape `(latents, inputs)`) is latent $j$'s **dictionary direction**. It
# trains on
#
# $$L(h) = \lVert h - \hat h \rVert^2 + \lambda \sum_j f_j \lVert d_j \rVert,$$
#
# reconstruction plus an L1 penalty that makes $f$ sparse. Weighting by $\lVert d_j \rVert$ stops the SAE
# cheating the penalty by shrinking $f$ and growing $d_j$ (Anthropic's April 2024 update; toysup's `relu` SAE).
# We keep samples on the **first** axis, as `toysup.sae` does: `x` is `(batch, inputs)`, `f` is
# `(batch, latents)`; params are a dict with `W_enc` (latents, inputs), `b_enc` (latents,), `W_dec` (latents,
# inputs), `b_dec` (inputs,).
#
# ### Exercise 6.1 — encode


# %%
def sae_encode(params, x):
    """Latent codes f = ReLU((x − b_dec) W_encᵀ + b_enc), shape (batch, latents)."""
    raise NotImplementedError("Exercise 6.1")


# %%
check_sae_encode(sae_encode)

# %% [markdown]
# ### Exercise 6.2 — the loss
#
# Decode $\hat x = f W_\text{dec} + b_\text{dec}$ and return the batch mean of $\lVert x - \hat x \rVert^2 +
# \lambda \sum_j f_j \lVert d_j \rVert$ (one number). Use `jnp` so JAX can differentiate it.


# %%
def sae_loss(params, x, l1_coefficient):
    """Mean over the batch of ‖x − x̂‖² + λ Σ_j f_j ‖W_dec,j‖, with x̂ = f W_dec + b_dec."""
    raise NotImplementedError("Exercise 6.2")


# %%
check_sae_loss(sae_loss)

# %% [markdown]
# ## 3. Train your SAE
#
# The loop is lesson 1's: Adam, steps in `lax.scan`, a fresh batch each step. Encoder rows start equal to the
# (random, unit) decoder rows.


# %%
def init_sae(key, n_latents, n_inputs=2):
    directions = jax.random.normal(key, (n_latents, n_inputs))
    directions = directions / jnp.linalg.norm(directions, axis=1, keepdims=True)
    return {"W_enc": directions, "b_enc": jnp.zeros(n_latents), "W_dec": directions, "b_dec": jnp.zeros(n_inputs)}


@jax.jit
def train_chunk(params, key, l1_coefficient, learning_rate):
    """CHUNK_STEPS Adam steps of your sae_loss (a fresh optimiser state each chunk keeps the code short)."""
    optimizer = optax.adam(learning_rate)

    def step(carry, step_index):
        params, optimizer_state = carry
        x = draw_activations(jax.random.fold_in(key, step_index), 1024)
        loss, grads = jax.value_and_grad(sae_loss)(params, x, l1_coefficient)
        updates, optimizer_state = optimizer.update(grads, optimizer_state)
        return (optax.apply_updates(params, updates), optimizer_state), loss

    (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jnp.arange(CHUNK_STEPS))
    return params, losses


def train_my_sae(params, key, l1_coefficient=0.1, learning_rate=3e-3, chunks=8):
    for chunk in range(chunks):
        params, losses = train_chunk(params, jax.random.fold_in(key, chunk), l1_coefficient, learning_rate)
    return params


my_sae = train_my_sae(init_sae(jax.random.key(1), n_latents=8), jax.random.key(2))


def plot_dictionary(decoder, title, dead=None):
    fig, ax = plt.subplots(figsize=(3.4, 3.4))
    for direction in truth:
        ax.plot([0, direction[0]], [0, direction[1]], color="lightgray", lw=6)
    for j, row in enumerate(np.asarray(decoder)):
        row = row / np.linalg.norm(row)
        style = ":" if dead is not None and dead[j] else "-"
        ax.plot([0, row[0]], [0, row[1]], style, color="tab:red", lw=1.5)
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-1.1, 1.1)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    return fig


fig = plot_dictionary(my_sae["W_dec"], "true features (grey), your SAE's decoder rows (red)")
fig

# %% [markdown]
# ## 4. Measuring recovery
#
# Two standard scores compare the learned dictionary $\{d_j\}$ with the true features $\{t_i\}$ through the
# cosines $C_{ij} = \cos(t_i, d_j)$:
#
# * **MMCS**, the mean max cosine similarity (Sharkey et al. 2022): $\frac1N \sum_i \max_j C_{ij}$ — does
#   every true feature have *some* latent pointing its way?
# * **MCC**, the mean |cosine| after a **one-to-one** matching of features to latents (Hungarian algorithm),
#   averaged over the matched pairs as SAELens does: stricter, since one latent cannot be credited for two
#   features. (`sae.metrics.matched_cosine` is stricter still: signed, and a feature left without a latent
#   counts 0.)
#
# ### Exercise 6.3 — mean max cosine similarity
#
# `decoder` is `(latents, inputs)`, `truth` is `(features, inputs)`; normalise the rows, take the cosine matrix,
# the max over latents, the mean over features.


# %%
def mean_max_cosine_similarity(decoder, truth):
    """(1/N) Σ_i max_j cos(truth_i, decoder_j) for decoder (latents, inputs) and truth (features, inputs)."""
    raise NotImplementedError("Exercise 6.3")


# %%
check_mean_max_cosine_similarity(mean_max_cosine_similarity)

# %%
decoder = np.asarray(my_sae["W_dec"])
print(
    f"your SAE: MMCS {float(mean_max_cosine_similarity(decoder, truth)):.3f} "
    f"(toysup.sae.metrics.mmcs: {sae.metrics.mmcs(decoder, truth):.3f}), MCC {sae.metrics.mcc(decoder, truth):.3f}"
)

# %% [markdown]
# ### The L1 coefficient trades sparsity for reconstruction
#
# `toysup.sae` trains many SAEs at once like `toysup.train` trains toy models. One compiled run trains
# an SAE per L1 coefficient; `sae.evaluate` scores each on fresh samples: MCC, the mean number of active latents
# **L0** (against the true L0, the mean number of active features), and the **explained variance** of the
# reconstruction.

# %%
L1_COEFFICIENTS = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
config = sae.SAEConfig(
    arch="relu",
    n_inputs=2,
    n_latents=8,
    n_instances=len(L1_COEFFICIENTS),
    l1_coefficient=L1_COEFFICIENTS,
    learning_rate=3e-3,
    steps=8 * CHUNK_STEPS,
)
scores = sae.evaluate(sae.train_sae(config, activations, chunk_steps=CHUNK_STEPS, progress=False), activations)
fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
for ax, (name, label) in zip(
    axes, (("mcc", "MCC"), ("l0", "L0 (dashed: true L0)"), ("explained_variance", "explained variance"))
):
    ax.plot(L1_COEFFICIENTS, scores[name], "o-")
    ax.set_xscale("log")
    ax.set_xlabel("L1 coefficient λ")
    ax.set_title(label, fontsize=9)
axes[1].plot(L1_COEFFICIENTS, scores["true_l0"], "k--")
fig.tight_layout()
fig

# %% [markdown]
# Small λ: near-perfect reconstruction, but L0 well above the true L0 — several latents split one feature or
# mix features, and MCC suffers. Larger λ: sparser codes matching the true features, at the cost of some
# reconstruction (the L1 also *shrinks* activations; lesson 7). There is no free lunch: λ must be tuned.
#
# ## 5. Dead latents
#
# A latent whose pre-activation is negative for every input never fires. Then its ReLU passes **no gradient**:
# nothing can bring it back. Such **dead latents** waste the dictionary. They appear early in training, from a
# too-large learning rate, too strong an L1 penalty at the start, or a bad initialisation. Here we provoke them
# with a learning rate of 0.1 for the first chunk.
#
# ### Exercise 6.4 — find dead latents
#
# Given codes `(batch, latents)` on a large batch, return a boolean mask of the latents that are zero on every
# sample.


# %%
def dead_latents(codes):
    """Boolean mask (latents,): True for latents that are zero on every sample of codes (batch, latents)."""
    raise NotImplementedError("Exercise 6.4")


# %%
check_dead_latents(dead_latents)

# %%
broken = train_my_sae(init_sae(jax.random.key(0), n_latents=8), jax.random.key(3), learning_rate=0.1, chunks=1)
probe = draw_activations(jax.random.key(4), 16_384)
dead = np.asarray(dead_latents(sae_encode(broken, probe)))
print(f"after a first chunk at learning rate 0.1: {dead.sum()} of 8 latents dead")
fig = plot_dictionary(broken["W_dec"], "dotted: dead latents", dead)
fig

# %% [markdown]
# ### Exercise 6.5 — resample them
#
# Bricken et al. (2023) revive dead latents by pointing them at inputs: for each dead latent, pick an input
# $x_k$ of the batch at random (`jax.random.choice` with `key`), set its decoder row to the unit vector
# $(x_k - b_\text{dec}) / \lVert x_k - b_\text{dec} \rVert$, its encoder row to $0.2\times$ that vector and its
# encoder bias to 0. Live latents and $b_\text{dec}$ stay as they are. (They also pick inputs the SAE
# reconstructs badly more often — toysup's `resampling="inputs"`.) Careful: many pentagon activations are
# exactly 0 and have no direction — only choose inputs $x_k \ne b_\text{dec}$.


# %%
def resample_dead_latents(params, dead, x, key):
    """New params: each dead latent points at a random input of the batch, its decoder row the unit vector
    (x − b_dec) / ‖x − b_dec‖, its encoder row 0.2 × that vector, its encoder bias 0; live latents unchanged."""
    raise NotImplementedError("Exercise 6.5")


# %%
check_resample_dead_latents(resample_dead_latents)

# %% [markdown]
# Now continue training the broken SAE at a sensible learning rate, once as it is and once resampling dead
# latents before each of the first four chunks.


# %%
def continue_training(params, resample, key, chunks=6):
    for chunk in range(chunks):
        chunk_key = jax.random.fold_in(key, chunk)
        if resample and chunk < 4:
            batch = draw_activations(jax.random.fold_in(chunk_key, 1), 16_384)
            now_dead = dead_latents(sae_encode(params, batch))
            if np.any(now_dead):
                params = resample_dead_latents(params, now_dead, batch, jax.random.fold_in(chunk_key, 2))
        params, _ = train_chunk(params, chunk_key, 0.1, 3e-3)
    return params


print(f"{'':>18} {'dead':>5} {'MMCS':>6} {'MCC':>6}")
for resample in (False, True):
    params = continue_training(broken, resample, jax.random.key(5))
    decoder = np.asarray(params["W_dec"])
    n_dead = int(np.sum(dead_latents(sae_encode(params, probe))))
    print(
        f"{'with resampling' if resample else 'without':>18} {n_dead:>5} "
        f"{float(mean_max_cosine_similarity(decoder, truth)):>6.3f} {sae.metrics.mcc(decoder, truth):>6.3f}"
    )

# %% [markdown]
# Without resampling the dead latents stay dead however long we train. Resampling gives them a second chance
# near real data, and they usually find a feature — or a useful part of one. toysup's SAEs do this for you:
# `SAEConfig(resampling="inputs", dead_window=...)`, and `penalty_warmup_steps` ramps λ up from 0 so fewer
# latents die in the first place.
#
# ## Take-aways and questions
#
# * An SAE learns an overcomplete dictionary with sparse, non-negative codes; on a toy model its decoder
#   rows can be graded against the true features (MMCS, MCC).
# * λ trades reconstruction against sparsity; neither extreme recovers the features best.
# * Dead latents get no gradient and never recover by themselves; resampling revives them.
#
# **Questions.** (1) Train your SAE with 5, 8 and 16 latents: which recovers the pentagon best by MCC?
# (2) Why can an SAE with 2 latents reconstruct $h \in \mathbb{R}^2$ perfectly yet recover no feature?
# (3) Lesson 7 replaces the L1 penalty: what is wrong with penalising $f_j$'s *size* when we want few *active*
# latents?
