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
# 1. state the dictionary-learning problem behind sparse autoencoders (SAEs) and build an L1 SAE in JAX — its
#    initialisation, encoder, loss, Optax training step and a training loop compiled as one `jax.lax.scan`;
# 2. train it on the pentagon model's hidden activations, where we **know** the true features, and measure
#    how well it recovers them (MMCS, MCC);
# 3. see the sparsity–reconstruction trade-off set by the L1 coefficient;
# 4. find **dead latents** and revive them by resampling inside the training loop.
#
# Lessons 1–5 built models that put features in superposition. Interpretability asks the reverse: given only
# the activations $h$, find the features. In a real network the true features are unknown; in a toy model they
# are the columns $W_i$, so we can grade the answer. Exercise by exercise you build a working SAE of your own;
# `toysup.sae` is the same system, grown up. Solutions and answers to the questions:
# `lessons/solutions/06_sparse_autoencoders.py`. About 2 hours with the exercises; the code runs in about a
# minute on a laptop CPU.

# %%
# %matplotlib inline
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax  # noqa: F401 (your exercises use it)

import toysup
from toysup import sae
from toysup.lessons import (
    check_dead_latents,
    check_init_sae,
    check_mean_max_cosine_similarity,
    check_resample_dead_latents,
    check_sae_encode,
    check_sae_loss,
    check_sae_train_step,
    check_train_sae_loop,
    check_train_sae_with_resampling,
    is_quick,
)

plt.ioff()  # in Jupyter a figure shows where a cell ends with it, once
QUICK = is_quick()  # TOYSUP_QUICK=1 shrinks every run (the tests use it)
CHUNK_STEPS = 100 if QUICK else 500  # training runs are multiples of this many steps

# %% [markdown]
# ## 1. The data: a pentagon's activations
#
# First the toy model of lesson 1: n = 5 features in m = 2 dimensions, each feature active with probability
# $p = 0.05$ (sparsity $S = 1 - p = 0.95$) — a pentagon. Its hidden activation is $h = W x \in \mathbb{R}^2$:
# every sample is a sparse, non-negative combination of the five directions $W_i$. `sae.toy_activations`
# packages a trained toy model as SAE training data; its `truth` holds the unit directions
# $W_i / \lVert W_i \rVert$ the SAE should find.

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
    """h = W x for n_samples fresh samples x of the toy model's features, shape (n_samples, 2): batch first."""
    x = toysup.sample_features(key, jnp.full(5, 0.05), n_samples)  # toysup draws features first: (5, n_samples)
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
# ### Exercise 6.1 — initialise an SAE (5 min, ★☆☆)
#
# Return the params dict. Decoder rows: random **unit** directions drawn with `key`, evenly spread over the
# sphere. Encoder rows: equal to the decoder rows (so latent $j$ starts by detecting its own direction; Conerly
# et al. 2024). Biases: zero.
#
# <details><summary>Hint</summary>
#
# A standard normal vector, divided by its norm, points in a uniformly random direction:
# `jax.random.normal(key, (n_latents, n_inputs))`, then divide by
# `jnp.linalg.norm(..., axis=1, keepdims=True)` — one norm per row.
#
# </details>


# %%
def init_sae(key, n_latents, n_inputs):
    """Params of an SAE: W_dec rows random unit directions, W_enc = W_dec, b_enc and b_dec zero."""
    raise NotImplementedError("Exercise 6.1")


# %%
check_init_sae(init_sae)

# %% [markdown]
# ### Exercise 6.2 — encode (5 min, ★☆☆)
#
# With samples as rows, $W_\text{enc}(x - b_\text{dec})$ for every sample at once is `(x - b_dec) @ W_enc.T`.


# %%
def sae_encode(params, x):
    """Latent codes f = ReLU((x − b_dec) W_encᵀ + b_enc), shape (batch, latents)."""
    raise NotImplementedError("Exercise 6.2")


# %%
check_sae_encode(sae_encode)

# %% [markdown]
# ### Exercise 6.3 — the loss (10 min, ★★☆)
#
# Decode $\hat x = f W_\text{dec} + b_\text{dec}$ and return the batch mean of $\lVert x - \hat x \rVert^2 +
# \lambda \sum_j f_j \lVert d_j \rVert$ (one number). Use `jnp` so JAX can differentiate it.
#
# <details><summary>Hint</summary>
#
# Sum the squared error over the inputs (`axis=1`), not the batch. The penalty of every sample at once is
# `codes @ jnp.linalg.norm(params["W_dec"], axis=1)`, shape `(batch,)`. Take the mean over the batch last.
#
# </details>


# %%
def sae_loss(params, x, l1_coefficient):
    """Mean over the batch of ‖x − x̂‖² + λ Σ_j f_j ‖W_dec,j‖, with x̂ = f W_dec + b_dec."""
    raise NotImplementedError("Exercise 6.3")


# %%
check_sae_loss(sae_loss)

# %% [markdown]
# ## 3. Train your SAE
#
# Training is the loop of lesson 0, with Optax doing the update. An Optax optimiser is a pair of pure
# functions: `optimizer.init(params)` makes its state (Adam's moment estimates), and
# `optimizer.update(grads, state, params)` returns the **updates** to add and the new state;
# `optax.apply_updates(params, updates)` adds them.
#
# ### Exercise 6.4 — one training step (10 min, ★★☆)
#
# Return `(new_params, new_opt_state, loss)`, with `loss` the value of `sae_loss` **before** the update.
#
# <details><summary>Hint</summary>
#
# `loss, grads = jax.value_and_grad(sae_loss)(params, x, l1_coefficient)` differentiates with respect to the
# first argument, the whole params dict at once: `grads` is a dict with the same keys.
#
# </details>


# %%
def sae_train_step(params, opt_state, x, l1_coefficient, optimizer):
    """One optimiser step on sae_loss: (new params, new optimiser state, the loss before the update)."""
    raise NotImplementedError("Exercise 6.4")


# %%
check_sae_train_step(sae_train_step)

# %% [markdown]
# ### Exercise 6.5 — the training loop as one `lax.scan` (15 min, ★★☆)
#
# A Python `for` loop over steps would run one small compiled call per step, or be unrolled into a huge program
# under `jit`. `jax.lax.scan(step, carry, xs)` compiles `step` once and runs it for each element of `xs`:
# `step(carry, x_t) -> (new_carry, y_t)`, and scan returns the last carry and the stacked `y_t`. Carry
# `(params, opt_state)`, scan over `jnp.arange(n_steps)`, and at step $t$ draw the batch
# `draw(jax.random.fold_in(key, t), batch_size)` — a fresh batch every step, reproducible from `key` (the
# checker compares your losses with the reference's, step by step). Use `optax.adam(learning_rate)` and your
# `sae_train_step`; return `(params, losses)` with `losses` of shape `(n_steps,)`.
#
# <details><summary>Hint</summary>
#
# ```python
# optimizer = optax.adam(learning_rate)
#
# def step(carry, t):
#     params, opt_state = carry
#     x = ...  # this step's batch
#     params, opt_state, loss = ...
#     return (params, opt_state), loss
#
# (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jnp.arange(n_steps))
# ```
#
# </details>


# %%
def train_sae_loop(params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size):
    """n_steps Adam steps in one jax.lax.scan, step t on draw(fold_in(key, t), batch_size): (params, losses)."""
    raise NotImplementedError("Exercise 6.5")


# %%
check_train_sae_loop(train_sae_loop)

# %% [markdown]
# Your loop compiles anew on every call. Compiled once with `jax.jit` — the data function, the number of steps
# and the batch size static (they shape the program), the penalty and the learning rate traced (so new values
# reuse it) — it can run a long training as a series of compiled **chunks**, as toysup's engine does: one
# compilation for every run of this lesson. Your SAE, trained: 8 latents for the pentagon's 5 features, λ = 0.1.

# %%
train_chunk = jax.jit(train_sae_loop, static_argnums=(2, 5, 6))  # draw, n_steps, batch_size


def train_my_sae(params, key, l1_coefficient, learning_rate, n_chunks):
    """n_chunks compiled chunks of CHUNK_STEPS steps on the pentagon's activations: (params, all the losses)."""
    losses = []
    for chunk in range(n_chunks):
        chunk_key = jax.random.fold_in(key, chunk)
        params, chunk_losses = train_chunk(
            params, chunk_key, draw_activations, l1_coefficient, learning_rate, CHUNK_STEPS, 1024
        )
        losses.append(chunk_losses)
    return params, jnp.concatenate(losses)


my_sae, losses = train_my_sae(init_sae(jax.random.key(1), 8, 2), jax.random.key(2), 0.1, 3e-3, n_chunks=8)
print(f"loss: {float(losses[:50].mean()):.4f} over the first 50 steps, {float(losses[-50:].mean()):.4f} over the last")


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
# * **MCC**: match features to latents **one to one** so that the sum of $|C_{ij}|$ is largest (the Hungarian
#   algorithm), then average $|C_{ij}|$ over the matched pairs — the convention of SAELens's synthetic-data
#   evaluation (`sae.metrics.mcc`). It is stricter than MMCS, since one latent cannot be credited for two
#   features. The name comes from the *mean correlation coefficient* of independent component analysis, but
#   what is computed here is a mean absolute **cosine** of directions, not a correlation of activations.
#   `sae.metrics.matched_cosine` is stricter still: it matches on the signed cosine ($-t_i$ cannot rebuild
#   $t_i$ with a non-negative code) and counts a feature left without a latent as 0.
#
# ### Exercise 6.6 — mean max cosine similarity (10 min, ★☆☆)
#
# `decoder` is `(latents, inputs)`, `truth` is `(features, inputs)`; normalise the rows, take the cosine matrix,
# the max over latents, the mean over features.
#
# <details><summary>Hint</summary>
#
# Normalise both with `rows / jnp.linalg.norm(rows, axis=1, keepdims=True)`; then
# `truth_unit @ decoder_unit.T` is the `(features, latents)` cosine matrix: `max` over `axis=1`, then `mean`.
#
# </details>


# %%
def mean_max_cosine_similarity(decoder, truth):
    """(1/N) Σ_i max_j cos(truth_i, decoder_j) for decoder (latents, inputs) and truth (features, inputs)."""
    raise NotImplementedError("Exercise 6.6")


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
# with a learning rate of 0.1.
#
# ### Exercise 6.7 — find dead latents (5 min, ★☆☆)
#
# Given codes `(batch, latents)` on a large batch, return a boolean mask of the latents that are zero on every
# sample.
#
# <details><summary>Hint</summary>
#
# `codes == 0` is a boolean array; `jnp.all(..., axis=0)` asks "on every sample?" for each latent.
#
# </details>


# %%
def dead_latents(codes):
    """Boolean mask (latents,): True for latents that are zero on every sample of codes (batch, latents)."""
    raise NotImplementedError("Exercise 6.7")


# %%
check_dead_latents(dead_latents)

# %%
broken, _ = train_my_sae(init_sae(jax.random.key(1), 8, 2), jax.random.key(4), 0.1, 0.1, n_chunks=1)
probe = draw_activations(jax.random.key(4), 16_384)
dead = np.asarray(dead_latents(sae_encode(broken, probe)))
print(f"after {CHUNK_STEPS} steps at learning rate 0.1: {dead.sum()} of 8 latents dead")
fig = plot_dictionary(broken["W_dec"], "dotted: dead latents", dead)
fig

# %% [markdown]
# ### Exercise 6.8 — resample them (15 min, ★★★)
#
# Bricken et al. (2023) revive dead latents by pointing them at inputs: for each dead latent, pick an input
# $x_k$ of the batch at random (`jax.random.choice` with `key`), set its decoder row to the unit vector
# $(x_k - b_\text{dec}) / \lVert x_k - b_\text{dec} \rVert$, its encoder row to $0.2\times$ that vector and its
# encoder bias to 0. Live latents and $b_\text{dec}$ stay as they are. (They also pick inputs the SAE
# reconstructs badly more often — toysup's `resampling="inputs"`.) Careful: many pentagon activations are
# exactly 0 and have no direction — only choose inputs $x_k \ne b_\text{dec}$.
#
# <details><summary>Hint</summary>
#
# Draw one input per latent — dead or not — with
# `jax.random.choice(key, x.shape[0], shape=dead.shape, p=...)`, where `p` is 0 for the inputs equal to
# $b_\text{dec}$ and uniform on the others; then keep the new rows only where `dead` with
# `jnp.where(dead[:, None], new_rows, old_rows)`. Fixed shapes, no Python `if`: it will run inside `lax.scan`.
#
# </details>


# %%
def resample_dead_latents(params, dead, x, key):
    """New params: each dead latent points at a random input of the batch, its decoder row the unit vector
    (x − b_dec) / ‖x − b_dec‖, its encoder row 0.2 × that vector, its encoder bias 0; live latents unchanged."""
    raise NotImplementedError("Exercise 6.8")


# %%
check_resample_dead_latents(resample_dead_latents)

# %% [markdown]
# ### Exercise 6.9 — resampling inside the training loop (20 min, ★★★)
#
# Now wire resampling into your scan, as toysup's trainer does. Carry a third array, `steps_since_fired`
# (latents,), starting at 0. At step $t$, on the step's batch $x$:
#
# 1. note which latents fire on $x$ with the params **before** the update (`sae_encode(params, x) > 0` for some
#    sample), then do the training step;
# 2. `steps_since_fired` becomes 0 for those that fired and grows by 1 for the others;
# 3. after every `resample_every`-th step (when `(t + 1) % resample_every == 0`), the latents with
#    `steps_since_fired >= resample_every` are dead: replace params by `resample(params, dead, x, key_t)`, with
#    `key_t = jax.random.fold_in(jax.random.fold_in(key, t), 1)`, and set their counts back to 0.
#
# `resample` is passed in (you will pass your `resample_dead_latents`), so the checker can hand you a
# resampler of its own. Toysup also zeroes Adam's moment estimates of the resampled latents; we skip that.
#
# <details><summary>Hint</summary>
#
# Inside `scan` the step number `t` is a traced array, so `if (t + 1) % resample_every == 0:` fails. Compute
# both versions and keep one: `resampled = resample(params, dead, x, key_t)`, then
# `params = jax.tree.map(lambda new, old: jnp.where(due, new, old), resampled, params)` with `due` the boolean
# condition — or `jax.lax.cond(due, lambda p: resample(p, dead, x, key_t), lambda p: p, params)`.
#
# </details>


# %%
def train_sae_with_resampling(
    params, key, draw, l1_coefficient, learning_rate, n_steps, batch_size, resample_every, resample
):
    """train_sae_loop that resamples, after every resample_every-th step, the latents that have not fired for
    resample_every steps: (params, losses)."""
    raise NotImplementedError("Exercise 6.9")


# %%
check_train_sae_with_resampling(train_sae_with_resampling)

# %% [markdown]
# Now continue training the broken SAE at a sensible learning rate, once as it is and once resampling latents
# that have not fired for 50 steps during the first two thirds of the run (like toysup, which resamples in the
# first half only, so the last resampled latents have time to settle).

# %%
without, _ = train_my_sae(broken, jax.random.key(5), 0.1, 3e-3, n_chunks=6)
with_resampling, _ = train_sae_with_resampling(
    broken, jax.random.key(5), draw_activations, 0.1, 3e-3, 4 * CHUNK_STEPS, 1024, 50, resample_dead_latents
)
with_resampling, _ = train_my_sae(with_resampling, jax.random.key(6), 0.1, 3e-3, n_chunks=2)
print(f"{'':>18} {'dead':>5} {'MMCS':>6} {'MCC':>6}")
for label, params in (("without", without), ("with resampling", with_resampling)):
    decoder = np.asarray(params["W_dec"])
    n_dead = int(np.sum(dead_latents(sae_encode(params, probe))))
    print(
        f"{label:>18} {n_dead:>5} "
        f"{float(mean_max_cosine_similarity(decoder, truth)):>6.3f} {sae.metrics.mcc(decoder, truth):>6.3f}"
    )

# %% [markdown]
# Without resampling the dead latents stay dead however long we train; resampling brings them back near real
# data. Here the five live latents already cover the pentagon's five features, so the revived latents can only
# duplicate one (MMCS and MCC hardly move either way): resampling pays off when dead latents leave features
# uncovered, as in dictionaries for many more features than this. You now have the whole system:
# `init_sae`, `sae_encode`, `sae_loss`, `sae_train_step`, a scanned loop, and resampling in it. toysup's SAEs
# are the same, plus an instance axis (`jax.vmap` over many SAEs), chunked compilation and progress:
# `SAEConfig(resampling="inputs", dead_window=...)` resamples, and `penalty_warmup_steps` ramps λ up from 0 so
# fewer latents die in the first place.
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
