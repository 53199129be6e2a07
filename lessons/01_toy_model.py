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
# # Lesson 1 — The toy model: features, importance, sparsity
#
# **Learning goals.** After this lesson you can
#
# 1. say what a *feature*, its *importance* and its *feature probability* $p$ (the paper's sparsity
#    $S = 1 - p$) are in Elhage et al. (2022),
#    [*Toy Models of Superposition*](https://transformer-circuits.pub/2022/toy_model/index.html);
# 2. write the toy model's forward pass and its importance-weighted loss in JAX;
# 3. train n = 5 features into m = 2 dimensions and watch a **pentagon** appear as the features get sparse;
# 4. build a trainer of your own: parameters, one Optax training step, a whole run as one `jax.lax.scan`,
#    many models at once with `jax.vmap`.
#
# **How the lessons work.** Each exercise is a function with a stub (`raise NotImplementedError`). Write it,
# run the cell below it: a `check_*` function from `toysup.lessons` runs your function against the reference on
# random and edge-case inputs and prints ✓ or tells you what is wrong. Each exercise says roughly how long it
# takes and how hard it is (★☆☆ to ★★★); hints are folded away under "Hint". Solutions are in
# `lessons/solutions/01_toy_model.py` — try first. Setup: in a clone of the repository,
# `pip install -e '.[lessons]'` (see `lessons/README.md`). The whole notebook runs in about a minute on a laptop
# CPU.
#
# **Layout.** Every lesson puts the batch first: a batch of inputs is an array of shape `(batch, features)`, one
# sample per row. Weights keep the paper's shape: $W$ is `(hidden, features)` and $h = W x$ for one sample, so
# a whole batch is `x @ W.T`.

# %%
# %matplotlib inline
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

import toysup
from toysup import plots
from toysup.lessons import (
    check_angle_gaps,
    check_draw_sparse_features,
    check_forward,
    check_init_params,
    check_train_instances,
    check_train_model,
    check_train_step,
    check_weighted_loss,
    is_quick,
)

plt.ioff()  # in Jupyter a figure shows where a cell ends with it, once
QUICK = is_quick()  # TOYSUP_QUICK=1 shrinks every run (the tests use it)
STEPS = 300 if QUICK else 5_000

# %% [markdown]
# ## 1. Features that are sparse
#
# The toy model's input is a vector of $n$ **features** $x \in \mathbb{R}^n$. Think of each $x_i$ as a
# property of the input a real network might care about ("there is a curve here", "this is French").
# Real features are **sparse**: most are absent most of the time. The paper models this with a sparsity $S$:
#
# $$x_i = \begin{cases} 0 & \text{with probability } S \\ u_i \sim \mathrm{Uniform}[0, 1] & \text{with
# probability } p = 1 - S \end{cases}$$
#
# independently for every feature. **Notation used in every lesson:** the paper's sparsity $S$ is the
# probability that a feature is *absent*; these lessons, toysup, its app and its figures use the **feature
# probability** $p = 1 - S$, the probability that it is *present*. $p = 1$ is dense, $p = 0.05$ means a
# feature is present in one input out of twenty (the paper's $S = 0.95$).
#
# ### Exercise 1.1 — draw a batch of sparse features (10 min, ★☆☆)
#
# Return an array of shape `(batch_size, n_features)`: one sample per row. Use `jax.random`: split `key` in
# two, draw one uniform array to decide which entries are active and another for their values. Every random
# number must come from `key`, so the same key gives the same batch.
#
# <details><summary>Hint</summary>
#
# `active_key, value_key = jax.random.split(key)`; an entry is active where
# `jax.random.uniform(active_key, shape) < feature_probability`; `jnp.where(active, values, 0.0)` puts it
# together.
#
# </details>


# %%
def draw_sparse_features(key, feature_probability, n_features, batch_size):
    """(batch_size, n_features) array: each entry 0 with probability 1 − p, else uniform on [0, 1]."""
    raise NotImplementedError("Exercise 1.1")


# %%
check_draw_sparse_features(draw_sparse_features)

# %% [markdown]
# ## 2. The model: squeeze n features into m < n dimensions
#
# The model embeds the features in $m$ hidden dimensions with a matrix $W \in \mathbb{R}^{m \times n}$ and
# reads them back out with its transpose:
#
# $$h = W x, \qquad x' = \mathrm{ReLU}(W^\top h + b) = \mathrm{ReLU}(W^\top W x + b).$$
#
# Column $W_i$ is **feature $i$'s direction** in the hidden space. If the columns are orthogonal, $x'_i = x_i$
# for every represented feature. With $n > m$ they cannot all be orthogonal: a feature read out along $W_i$
# picks up **interference** $\sum_{j \ne i} (W_i \cdot W_j) x_j$ from the others. The ReLU sets every
# negative output to 0, so it removes *negative* interference; a negative bias $b_i$ (with the ReLU) also
# removes *small positive* interference. That filtering is what makes superposition possible.
#
# ### Exercise 1.2 — the forward pass (10 min, ★☆☆)
#
# `W` has shape `(hidden, features)`, `b` shape `(features,)`, `x` shape `(batch, features)`; return $x'$ of
# shape `(batch, features)`. Use `jax.numpy` (`jnp`), not `numpy`, so that JAX can differentiate your function.
#
# <details><summary>Hint</summary>
#
# For one sample (a row $x$), $h = W x$; for a batch of rows that is `x @ W.T`, of shape `(batch, hidden)`.
# Likewise $W^\top h$ for every row is `h @ W`. `b` of shape `(features,)` broadcasts over the rows.
#
# </details>


# %%
def forward(W, b, x):
    """x' = ReLU(x Wᵀ W + b) for x of shape (batch, features): each row is ReLU(Wᵀ W x + b)."""
    raise NotImplementedError("Exercise 1.2")


# %%
check_forward(forward)

# %% [markdown]
# ## 3. The loss: importance-weighted reconstruction error
#
# Not all features matter equally. Each feature has an **importance** $I_i > 0$ and the loss is the
# importance-weighted squared error, averaged over the data:
#
# $$L = \mathbb{E}_x \Big[ \sum_{i=1}^{n} I_i \,(x_i - x'_i)^2 \Big].$$
#
# In practice we average over a batch of samples. The paper often uses geometric importances $I_i = r^i$
# (`toysup.geometric_importance(n, r)`).
#
# ### Exercise 1.3 — the loss (5 min, ★☆☆)
#
# `x` and `x_reconstructed` have shape `(batch, features)`, `importance` shape `(features,)`. Return one number:
# the sum over features, averaged over the batch.
#
# <details><summary>Hint</summary>
#
# Sum over the features axis (`axis=1`), then `jnp.mean` over the batch.
#
# </details>


# %%
def weighted_loss(x, x_reconstructed, importance):
    """Mean over the batch of Σ_i I_i (x_i − x'_i)²."""
    raise NotImplementedError("Exercise 1.3")


# %%
check_weighted_loss(weighted_loss)

# %% [markdown]
# ## 4. Your own trainer
#
# Your three functions are all a training loop needs. In four short exercises you build the recipe of
# toysup's trainer: parameters from a key, one optimisation step with Optax, a whole run as **one compiled
# `jax.lax.scan`**, and many models at once with **`jax.vmap`**. The pieces are pure functions: state (the
# parameters, the optimiser's state, the key) goes in and comes out, nothing is hidden.
#
# ### Exercise 1.4 — initial parameters (5 min, ★☆☆)
#
# Return `{"W": ..., "b": ...}`: `W` of shape `(n_hidden, n_features)` drawn from `key` with the Xavier-normal
# initialisation of the paper's notebook — independent normals with mean 0 and standard deviation
# $\sqrt{2 / (n + m)}$ — and `b` zeros of shape `(n_features,)`.
#
# <details><summary>Hint</summary>
#
# `jax.random.normal(key, shape)` draws standard normals (standard deviation 1): multiply them by the standard
# deviation you want.
#
# </details>


# %%
def init_params(key, n_features, n_hidden):
    """{"W": Xavier-normal (n_hidden, n_features), "b": zeros (n_features,)}."""
    raise NotImplementedError("Exercise 1.4")


# %%
check_init_params(init_params)

# %% [markdown]
# ### Exercise 1.5 — one training step with Optax (15 min, ★★☆)
#
# An Optax optimiser is a pair of pure functions: `optimizer.init(params)` makes its state (Adam's running
# moments), and `optimizer.update(grads, state, params)` turns gradients into `updates` and a new state;
# `optax.apply_updates(params, updates)` adds them. Write one step on the batch `x`: the loss of `params` and its
# gradient with `jax.value_and_grad` (a function of `params` alone, built from your `forward` and
# `weighted_loss`), then the update. Return `(new_params, new_optimizer_state, loss)`, the loss *before* the
# update.
#
# <details><summary>Hint</summary>
#
# ```python
# def loss(params):
#     return weighted_loss(x, forward(params["W"], params["b"], x), importance)
# value, grads = jax.value_and_grad(loss)(params)   # grads has the same keys as params
# ```
# Pass `params` to `optimizer.update` too: some optimisers (AdamW's weight decay) need them.
#
# </details>


# %%
def train_step(params, optimizer_state, x, importance, optimizer):
    """One step of gradient descent on the batch x: (new params, new optimizer state, loss before the step)."""
    raise NotImplementedError("Exercise 1.5")


# %%
check_train_step(train_step)

# %% [markdown]
# ### Exercise 1.6 — a whole run in one `jax.lax.scan` (20 min, ★★☆)
#
# A Python loop over steps would dispatch thousands of small operations; `jax.lax.scan(body, carry, xs)`
# compiles the loop into one program. `body(carry, x_t)` returns `(new_carry, y_t)` and scan stacks the
# `y_t`: here the carry is `(params, optimizer_state)`, `x_t` the step number `t` and `y_t` the step's loss.
#
# Follow this recipe exactly (the check compares your run, step by step, with the run your own pieces give):
# `init_key, data_key = jax.random.split(key)`; `params = init_params(init_key, n_features, n_hidden)` with
# `n_features = importance.shape[0]`; step `t` trains on a **fresh batch**
# `draw_sparse_features(jax.random.fold_in(data_key, t), feature_probability, n_features, batch_size)`. Return
# `(params, losses)` with `losses` of shape `(steps,)`.
#
# <details><summary>Hint</summary>
#
# ```python
# def step(carry, t):
#     params, optimizer_state = carry
#     x = ...  # this step's batch
#     params, optimizer_state, loss = train_step(params, optimizer_state, x, importance, optimizer)
#     return (params, optimizer_state), loss
#
# (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jnp.arange(steps))
# ```
#
# </details>


# %%
def train_model(key, feature_probability, importance, n_hidden, optimizer, steps, batch_size):
    """One model trained for `steps` steps inside jax.lax.scan: (params, losses of shape (steps,))."""
    raise NotImplementedError("Exercise 1.6")


# %%
check_train_model(train_model)

# %% [markdown]
# ### Exercise 1.7 — many models at once with `jax.vmap` (10 min, ★★☆)
#
# The paper keeps the best of several runs, because a single run can get stuck with a feature missing, and
# sweeps $p$ over many values. `jax.vmap` turns your one-model `train_model` into one that trains a whole
# stack of models in the same compiled program: instance `i` uses `keys[i]` and `feature_probabilities[i]`;
# everything else is shared. Return `(params, losses)` with a leading instance axis: `W` of shape
# `(instances, hidden, features)`, `losses` of shape `(instances, steps)`.
#
# <details><summary>Hint</summary>
#
# Map a function of the two per-instance arguments only:
# `jax.vmap(lambda key, p: train_model(key, p, importance, n_hidden, optimizer, steps, batch_size))(keys,
# feature_probabilities)`. (Or give `train_model` itself to `jax.vmap` with
# `in_axes=(0, 0, None, None, None, None, None)`.)
#
# </details>


# %%
def train_instances(keys, feature_probabilities, importance, n_hidden, optimizer, steps, batch_size):
    """train_model for every (key, feature probability) pair at once: params and losses with a leading axis."""
    raise NotImplementedError("Exercise 1.7")


# %%
check_train_instances(train_instances)

# %% [markdown]
# ## 5. Train your model
#
# Now your trainer does the real thing: n = 5 features of equal importance into m = 2 dimensions with
# $p = 0.05$, four models from four seeds, compiled once with `jax.jit`.

# %%
N_FEATURES, N_HIDDEN, FEATURE_PROBABILITY = 5, 2, 0.05
importance = jnp.ones(N_FEATURES)
optimizer = optax.adam(1e-2)
keys = jax.random.split(jax.random.key(0), 4)
train_four = jax.jit(
    lambda keys, probabilities: train_instances(keys, probabilities, importance, N_HIDDEN, optimizer, STEPS, 1024)
)
my_params, my_losses = train_four(keys, jnp.full(4, FEATURE_PROBABILITY))
final_losses = my_losses[:, -STEPS // 10 :].mean(axis=1)
best = int(jnp.argmin(final_losses))
print("final loss of each seed:", np.round(np.asarray(final_losses), 5), "→ keeping seed", best)

# %%
fig = plots.feature_directions_2d(np.asarray(my_params["W"]), titles=[f"seed {s}" for s in range(4)])
fig

# %% [markdown]
# Each arrow is a column $W_i$: feature $i$'s direction in the 2-d hidden space. With enough steps the best
# seed shows **five features in two dimensions** — a regular pentagon. Two dimensions hold five features because
# they rarely occur together. When only feature $i$ is active, output $j$ is
# $\mathrm{ReLU}((W_j \cdot W_i)\, x_i + b_j)$. The two features $144°$ away have $W_j \cdot W_i \approx
# \cos 144° < 0$: negative interference, which the ReLU removes on its own. The two neighbours $72°$ away have
# $W_j \cdot W_i \approx \cos 72° > 0$: positive interference, which the ReLU lets through; the small negative
# bias $b_j$ removes it while it is small ($|b_j|$ or less) and shrinks it otherwise.

# %% [markdown]
# ## 6. From dense to sparse with toysup
#
# toysup's `train` is your `train_instances` grown up: every instance is one copy on a leading axis, all
# trained in one compiled program, with restarts (keeping the best of several seeds), progress and saved
# results. Here are eight models with importance $I_i = 0.9^i$ (yellow =
# most important), from dense ($p = 1$) to sparse ($p = 0.05$), as in the paper's first figure.

# %%
config = toysup.ToyConfig(
    n_features=5,
    n_hidden=2,
    n_instances=8,
    feature_probability=toysup.sparsity_sweep(8, 0.05),
    importance_decay=0.9,
    steps=STEPS * 2,
    learning_rate=1e-2,
    restarts=2,
    seed=0,
)
result = toysup.train(config, progress=False)
probabilities = config.feature_probability_array()[:, 0]
fig = plots.feature_directions_2d(
    result.W, config.importance_array()[0], titles=[f"p = {p:.2g}" for p in probabilities]
)
fig

# %% [markdown]
# Dense features (left): the model keeps the **two most important** features on orthogonal axes and drops
# the rest, as the best linear model would (lesson 2). Sparse features (right): all five share the plane.
#
# ### Exercise 1.8 — is it a pentagon? (10 min, ★★☆)
#
# A pentagon's directions are 72° apart. Write `angle_gaps(W)` for `W` of shape `(2, features)`: the angle of
# each column (`jnp.arctan2` or `np.arctan2`), sorted around the circle; the gaps between neighbours, including
# the one from the last back round to the first (they add up to 360°); return the gaps sorted from smallest to
# largest, in degrees.
#
# <details><summary>Hint</summary>
#
# `jnp.degrees(jnp.arctan2(W[1], W[0])) % 360` gives angles in $[0, 360)$; after sorting them, append the first
# plus 360 and take `jnp.diff`.
#
# </details>


# %%
def angle_gaps(W):
    """Sorted angles in degrees between neighbouring directions W[:, i] around the circle (sum 360)."""
    raise NotImplementedError("Exercise 1.8")


# %%
check_angle_gaps(angle_gaps)

# %%
sparsest = result.W[-1]
represented = np.linalg.norm(sparsest, axis=0) > 0.5
print(
    f"p = {probabilities[-1]:.2g}: {represented.sum()} features represented; gaps between them:",
    np.round(np.asarray(angle_gaps(sparsest[:, represented])), 1),
)
print("your best model: gaps", np.round(np.asarray(angle_gaps(np.asarray(my_params["W"][best]))), 1))

# %% [markdown]
# ## Take-aways and questions
#
# * A feature is a direction $W_i$ in hidden space; importance says how much its error costs; the feature
#   probability $p = 1 - S$ says how often it is present.
# * A trainer is a few pure functions: parameters from a key, a step that maps (params, optimiser state, batch)
#   to new ones, `jax.lax.scan` over steps, `jax.vmap` over instances.
# * With dense features a model represents only the $m$ most important ones, orthogonally. With sparse features
#   it packs **more features than dimensions** — superposition — accepting interference it can filter out.
#
# **Questions.** (1) Re-run section 6 with `importance_decay=0.7`: which features disappear first as $p$
# grows? (2) Replace `jax.nn.relu` by the identity in your `forward` (a linear model) and train again: does the
# pentagon survive? Lesson 2 answers this one. (3) Time `train_four` (after a first call that compiles it; use
# `jax.block_until_ready`) and a version with 64 keys. Why is 64 models not 16 times slower than 4?
