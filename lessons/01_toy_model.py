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
# 1. say what a *feature*, its *importance* and its *sparsity* are in Elhage et al. (2022),
#    [*Toy Models of Superposition*](https://transformer-circuits.pub/2022/toy_model/index.html);
# 2. write the toy model's forward pass and its importance-weighted loss in JAX;
# 3. train n = 5 features into m = 2 dimensions and watch a **pentagon** appear as the features get sparse.
#
# **How the lessons work.** Each exercise is a function with a stub (`raise NotImplementedError`). Write it,
# run the cell below it: a `check_*` function from `toysup.lessons` runs your function against the reference on
# random and edge-case inputs and prints ✓ or tells you what is wrong. Solutions are in
# `lessons/solutions/01_toy_model.py` — try first. Setup: `pip install toysup` (or `pip install -e .` in a
# clone of the repository). The whole notebook runs in about a minute on a laptop CPU.

# %%
# %matplotlib inline
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

import toysup
from toysup import plots
from toysup.lessons import check_angle_gaps, check_draw_sparse_features, check_forward, check_weighted_loss, is_quick

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
# independently for every feature. toysup calls $p$ the **feature probability**: $p = 1$ is dense,
# $p = 0.05$ means a feature is present in one input out of twenty.
#
# ### Exercise 1.1 — draw a batch of sparse features
#
# Return an array of shape `(n_features, batch_size)` (toysup keeps the batch on the *last* axis). Use
# `jax.random`: split `key` in two, draw one uniform array to decide which entries are active and another for
# their values. Every random number must come from `key`, so the same key gives the same batch.


# %%
def draw_sparse_features(key, feature_probability, n_features, batch_size):
    """(n_features, batch_size) array: each entry 0 with probability 1 − p, else uniform on [0, 1]."""
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
# picks up **interference** $\sum_{j \ne i} (W_i \cdot W_j) x_j$ from the others. The ReLU and the bias $b$ can
# filter *negative* interference away — that is what makes superposition possible.
#
# ### Exercise 1.2 — the forward pass
#
# `W` has shape `(hidden, features)`, `b` shape `(features,)`, `x` shape `(features, batch)`. Use `jax.numpy`
# (`jnp`), not `numpy`, so that JAX can differentiate your function. Mind the bias's broadcasting.


# %%
def forward(W, b, x):
    """x' = ReLU(Wᵀ W x + b), shape (features, batch)."""
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
# ### Exercise 1.3 — the loss
#
# `x` and `x_reconstructed` have shape `(features, batch)`, `importance` shape `(features,)`. Return one number:
# the sum over features, averaged over the batch.


# %%
def weighted_loss(x, x_reconstructed, importance):
    """Mean over the batch of Σ_i I_i (x_i − x'_i)²."""
    raise NotImplementedError("Exercise 1.3")


# %%
check_weighted_loss(weighted_loss)

# %% [markdown]
# ## 4. Train your model
#
# Your three functions are all a training loop needs. The loop below is the whole recipe of toysup's trainer in
# miniature: gradients by `jax.value_and_grad`, Adam from Optax, the steps inside `jax.lax.scan` (one compiled
# program instead of a Python loop), a fresh batch every step from `fold_in(key, step)`. `jax.vmap` then trains
# **four models at once** from four seeds — the paper keeps the best of several runs, because a single run
# can get stuck with a feature missing.
#
# We train n = 5 features of equal importance into m = 2 dimensions with $p = 0.05$.

# %%
N_FEATURES, N_HIDDEN, FEATURE_PROBABILITY = 5, 2, 0.05
importance = jnp.ones(N_FEATURES)


def train_my_model(key, steps=STEPS, batch_size=1024, learning_rate=1e-2):
    """One model trained with your draw_sparse_features, forward and weighted_loss: (params, losses)."""
    init_key, data_key = jax.random.split(key)
    scale = np.sqrt(2 / (N_FEATURES + N_HIDDEN))  # Xavier-normal, as in the paper's notebook
    params = {"W": scale * jax.random.normal(init_key, (N_HIDDEN, N_FEATURES)), "b": jnp.zeros(N_FEATURES)}
    optimizer = optax.adam(learning_rate)

    def loss_at(params, step):
        x = draw_sparse_features(jax.random.fold_in(data_key, step), FEATURE_PROBABILITY, N_FEATURES, batch_size)
        return weighted_loss(x, forward(params["W"], params["b"], x), importance)

    def train_step(carry, step):
        params, optimizer_state = carry
        loss, grads = jax.value_and_grad(loss_at)(params, step)
        updates, optimizer_state = optimizer.update(grads, optimizer_state)
        return (optax.apply_updates(params, updates), optimizer_state), loss

    (params, _), losses = jax.lax.scan(train_step, (params, optimizer.init(params)), jnp.arange(steps))
    return params, losses


my_params, my_losses = jax.jit(jax.vmap(train_my_model))(jax.random.split(jax.random.key(0), 4))
final_losses = my_losses[:, -STEPS // 10 :].mean(axis=1)
best = int(jnp.argmin(final_losses))
print("final loss of each seed:", np.round(np.asarray(final_losses), 5), "→ keeping seed", best)

# %%
fig = plots.feature_directions_2d(np.asarray(my_params["W"]), titles=[f"seed {s}" for s in range(4)])
fig

# %% [markdown]
# Each arrow is a column $W_i$: feature $i$'s direction in the 2-d hidden space. With enough steps the best
# seed shows **five features in two dimensions** — a regular pentagon. Two dimensions hold five features because
# they rarely occur together: when only feature $i$ is active, the others' negative projections are cut off by
# the ReLU and the small negative bias.

# %% [markdown]
# ## 5. From dense to sparse with toysup
#
# toysup's `train` does the same thing for many models at once: every instance is one copy on a leading
# axis, all trained in one compiled program. Here are eight models with importance $I_i = 0.9^i$ (yellow =
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
# the rest — what PCA would do. Sparse features (right): all five share the plane.
#
# ### Exercise 1.4 — is it a pentagon?
#
# A pentagon's directions are 72° apart. Write `angle_gaps(W)` for `W` of shape `(2, features)`: the angle of
# each column (`jnp.arctan2` or `np.arctan2`), sorted around the circle; the gaps between neighbours, including
# the one from the last back round to the first (they add up to 360°); return the gaps sorted from smallest to
# largest, in degrees.


# %%
def angle_gaps(W):
    """Sorted angles in degrees between neighbouring directions W[:, i] around the circle (sum 360)."""
    raise NotImplementedError("Exercise 1.4")


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
# * A feature is a direction $W_i$ in hidden space; importance says how much its error costs; sparsity says how
#   rarely it is present.
# * With dense features a model represents only the $m$ most important ones, orthogonally. With sparse features
#   it packs **more features than dimensions** — superposition — accepting interference it can filter out.
#
# **Questions.** (1) Re-run section 5 with `importance_decay=0.7`: which features disappear first as $p$
# grows? (2) Replace `jax.nn.relu` by the identity in your `forward` (a linear model) and train again: does the
# pentagon survive? Lesson 2 answers this one.
