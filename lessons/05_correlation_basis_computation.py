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
# # Lesson 5 — Correlated features, a privileged basis, computation in superposition
#
# **Learning goals.** After this lesson you can
#
# 1. draw **correlated** features (a set present together) and **anticorrelated** features (at most one of a
#    set present), predict how they arrange themselves, and measure it with cosine similarities;
# 2. write the hidden-ReLU model, explain why its ReLU *on the hidden layer* creates a **privileged basis**,
#    and measure how aligned features are with neurons — monosemantic and polysemantic neurons;
# 3. build a network that computes $|x|$ exactly, write the $|x|$ model, then watch a smaller one compute
#    $|x|$ for **more features than it has neuron pairs**: computation in superposition.
#
# Sections "Superposition and Correlated Features", "Superposition in a Privileged Basis" and "Computation in
# Superposition" of the paper. Solutions: `lessons/solutions/05_correlation_basis_computation.py`. Runs in
# about a minute on a laptop CPU. As in every lesson, a batch is an array of shape `(batch, features)` and $W$
# has the paper's shape `(hidden, features)`.

# %%
# %matplotlib inline
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import toysup
from toysup import plots
from toysup.lessons import (
    check_abs_forward,
    check_cosine_similarities,
    check_draw_anticorrelated_features,
    check_draw_correlated_features,
    check_exact_abs_weights,
    check_neuron_alignment,
    check_relu_hidden_forward,
    is_quick,
)

plt.ioff()  # in Jupyter a figure shows where a cell ends with it, once
QUICK = is_quick()  # TOYSUP_QUICK=1 shrinks every run (the tests use it)
STEPS = 300 if QUICK else 4_000

# %% [markdown]
# ## 1. Correlated and anticorrelated features
#
# Superposition is cheap when features rarely occur **together** (lesson 3: interference costs $\propto
# p^2$). So the joint statistics matter:
#
# * **correlated** features — a set that is all present or all absent — *do* occur together, so they should
#   avoid interfering: expect them **orthogonal** to each other;
# * **anticorrelated** features — at most one of a set present — never interfere at all: expect them
#   **antipodal**, sharing one direction.
#
# The paper's definitions, which toysup follows: in a **correlated set** one random draw decides whether the
# whole set is present (probability $p$); each present feature then gets its own uniform value. In an
# **anticorrelated set** one draw decides whether the set is present (probability $p$), and if it is, exactly
# one member, chosen uniformly, is non-zero. Different sets are independent. Features are numbered set by set:
# set $s$ holds features $s \cdot \text{set\_size}, \dots, (s + 1) \cdot \text{set\_size} - 1$.
#
# ### Exercise 5.1 — correlated features (10 min, ★★☆)
#
# Return a batch of shape `(batch_size, n_sets * set_size)`. Every random number must come from `key`.
#
# <details><summary>Hint</summary>
#
# Work in shape `(batch_size, n_sets, set_size)` and reshape at the end. One uniform per sample and set,
# shape `(batch_size, n_sets, 1)`, compared with $p$, broadcasts over the set's members.
#
# </details>


# %%
def draw_correlated_features(key, feature_probability, n_sets, set_size, batch_size):
    """(batch, n_sets · set_size): each set fires with probability p, all its features together."""
    raise NotImplementedError("Exercise 5.1")


# %%
check_draw_correlated_features(draw_correlated_features)

# %% [markdown]
# ### Exercise 5.2 — anticorrelated features (15 min, ★★☆)
#
# The same layout; now an active set has exactly one non-zero member, chosen uniformly, so each feature is
# non-zero with probability $p / \text{set\_size}$ and two features of a set never fire together.
#
# <details><summary>Hint</summary>
#
# Split `key` in three: whether the set fires, which member (`jax.random.randint(key, shape, 0, set_size)`),
# the values. `jnp.arange(set_size) == member` with `member` of shape `(batch_size, n_sets, 1)` is a one-hot
# mask of shape `(batch_size, n_sets, set_size)`.
#
# </details>


# %%
def draw_anticorrelated_features(key, feature_probability, n_sets, set_size, batch_size):
    """(batch, n_sets · set_size): each set fires with probability p, and then exactly one member, at random."""
    raise NotImplementedError("Exercise 5.2")


# %%
check_draw_anticorrelated_features(draw_anticorrelated_features)

# %% [markdown]
# Your generators draw what toysup's trainer draws (`correlated_sets`, `anticorrelated_sets` in `ToyConfig`):
# compare how often the two features of set 1 are both present, and how often each one is.

# %%
key, n_samples = jax.random.key(0), 20_000
probability = jnp.full(4, 0.3)
# toysup.sample_features returns (features, samples): transposed here to the lessons' (samples, features).
batches = {
    "correlated, yours": draw_correlated_features(key, 0.3, 2, 2, n_samples),
    "correlated, toysup": toysup.sample_features(key, probability, n_samples, correlated_sets=(2, 2)).T,
    "anticorrelated, yours": draw_anticorrelated_features(key, 0.3, 2, 2, n_samples),
    "anticorrelated, toysup": toysup.sample_features(key, probability, n_samples, anticorrelated_sets=(2, 2)).T,
}
for name, x in batches.items():
    present = np.asarray(x) != 0
    print(
        f"{name:>22}: P(feature 0) = {present[:, 0].mean():.3f}, P(feature 1) = {present[:, 1].mean():.3f}, "
        f"P(both) = {(present[:, 0] & present[:, 1]).mean():.3f}"
    )

# %% [markdown]
# We train n = 4 features in m = 2 dimensions as two sets of two: independent, correlated, anticorrelated.
#
# ### Exercise 5.3 — cosine similarities (10 min, ★☆☆)
#
# Return the `(features, features)` matrix of $\hat W_i \cdot \hat W_j$ with $\hat W_i = W_i / \lVert W_i
# \rVert$; rows and columns of a zero feature ($\lVert W_i \rVert < 10^{-6}$) are 0.
#
# <details><summary>Hint</summary>
#
# Divide each column by its norm where the norm is above $10^{-6}$ (and set it to 0 elsewhere, with
# `np.where`); then the whole matrix is `unit.T @ unit`.
#
# </details>


# %%
def cosine_similarities(W):
    """(features, features) matrix of cosines between the columns of W; 0 for zero columns."""
    raise NotImplementedError("Exercise 5.3")


# %%
check_cosine_similarities(cosine_similarities)

# %%
base = toysup.ToyConfig(
    n_features=4, n_hidden=2, feature_probability=0.05, steps=STEPS, learning_rate=1e-2, restarts=4, seed=1
)
variants = {
    "independent": base,
    "correlated": base.replace(correlated_sets=(2, 2)),
    "anticorrelated": base.replace(anticorrelated_sets=(2, 2)),
}
W_by_variant = {name: toysup.train(config, progress=False).W[0] for name, config in variants.items()}
for name, W in W_by_variant.items():
    cosines = np.asarray(cosine_similarities(W))
    print(f"{name:>15}: cosine within set 1 {cosines[0, 1]:+.2f}, within set 2 {cosines[2, 3]:+.2f}")
set_colour = np.array([1.0, 1.0, 0.0, 0.0])  # yellow: set 1, purple: set 2
fig = plots.feature_directions_2d(np.stack(list(W_by_variant.values())), set_colour, titles=list(W_by_variant))
fig

# %% [markdown]
# Correlated pairs tend to sit at right angles (cosine near 0): each set gets a *local orthogonal basis*, and
# the two sets overlap each other instead. Anticorrelated pairs sit opposite each other (cosine near −1): they
# never fire together, so sharing a direction costs them nothing. Independent features form two antipodal pairs
# too, but any pairing is as good as any other — which features pair up is chance (try other seeds); for
# anticorrelated features the pairing within a set is the one that costs nothing.
#
# ## 2. A privileged basis
#
# In the models so far the hidden layer is linear: rotate $W$ by any orthogonal $R$ ($W \to RW$) and
# $W^\top W$ — and so the model — is unchanged. No hidden direction is special. Put a ReLU on the hidden layer,
#
# $$h = \mathrm{ReLU}(W x), \qquad x' = \mathrm{ReLU}(W^\top h + b),$$
#
# and the **neurons** (coordinate axes of $h$) become special: a **privileged basis**.
#
# ### Exercise 5.4 — the hidden-ReLU model (5 min, ★☆☆)
#
# `W` `(neurons, features)`, `b` `(features,)`, `x` `(batch, features)`; return $x'$ of shape
# `(batch, features)`, batch-first as your `forward` of lesson 1.
#
# <details><summary>Hint</summary>
#
# Lesson 1's forward pass was `jax.nn.relu(x @ W.T @ W + b)`; the hidden values of every sample are
# `x @ W.T`.
#
# </details>


# %%
def relu_hidden_forward(W, b, x):
    """x' = ReLU(ReLU(x Wᵀ) W + b) for x of shape (batch, features)."""
    raise NotImplementedError("Exercise 5.4")


# %%
check_relu_hidden_forward(relu_hidden_forward)

# %% [markdown]
# Do features then line up with neurons? Measure it per feature: the largest share of $\lVert W_i \rVert^2$ on
# one neuron,
#
# $$\text{alignment}_i = \max_k \frac{W_{ki}^2}{\sum_{k'} W_{k'i}^2} \in [1/m, 1],$$
#
# which is 1 for a feature that is exactly one neuron's direction.
#
# ### Exercise 5.5 — neuron alignment (5 min, ★☆☆)
#
# `W` has shape `(neurons, features)`; return the alignment of every feature, 0 for a zero feature.
#
# <details><summary>Hint</summary>
#
# Square `W`; a feature is a column, so take the maximum and the sum over `axis=0`.
#
# </details>


# %%
def neuron_alignment(W):
    """max_k W_ki² / Σ_k W_ki² for every feature i (0 for a zero feature), shape (features,)."""
    raise NotImplementedError("Exercise 5.5")


# %%
check_neuron_alignment(neuron_alignment)

# %%
PROBABILITIES = (1.0, 0.3, 0.1, 0.03)
basis_config = toysup.ToyConfig(
    n_features=10,
    n_hidden=5,
    n_instances=len(PROBABILITIES),
    feature_probability=PROBABILITIES,
    importance_decay=0.75,
    steps=STEPS,
    learning_rate=1e-2,
    restarts=2,
    seed=0,
)
hidden_relu = toysup.train(basis_config.replace(model="relu_hidden"), progress=False)
output_relu = toysup.train(basis_config, progress=False)  # model="relu_output": no privileged basis

# Your relu_hidden_forward on toysup's trained models: its loss on fresh data matches the training loss.
# toysup.sample_features returns (features, samples): transposed to (samples, features).
x = toysup.sample_features(jax.random.key(1), jnp.full(10, PROBABILITIES[-1]), 20_000).T
importance = basis_config.importance_array()[-1]
mine = np.mean(np.sum(importance * (x - relu_hidden_forward(hidden_relu.W[-1], hidden_relu.b[-1], x)) ** 2, axis=1))
print(
    f"p = {PROBABILITIES[-1]}: loss with your forward {mine:.5f}, "
    f"toysup's training loss {hidden_relu.final_loss[-1]:.5f}"
)

print(f"{'p':>5} {'mean alignment (ReLU hidden)':>29} {'(ReLU output)':>14} {'features per neuron (ReLU hidden)':>34}")
for index, p in enumerate(PROBABILITIES):
    alignments = []
    for run in (hidden_relu, output_relu):
        W = run.W[index]
        represented = np.linalg.norm(W, axis=0) > 0.5
        alignments.append(np.mean(np.asarray(neuron_alignment(W))[represented]))
    per_neuron = (np.abs(hidden_relu.W[index]) > 0.3).sum(axis=1)
    print(f"{p:>5} {alignments[0]:>29.2f} {alignments[1]:>14.2f} {str(per_neuron):>34}")

fig, axes = plt.subplots(1, len(PROBABILITIES), figsize=(2.6 * len(PROBABILITIES), 2.2))
for ax, W, p in zip(axes, hidden_relu.W, PROBABILITIES):
    ax.imshow(W, cmap="RdBu_r", vmin=-1.2, vmax=1.2)
    ax.set_title(f"ReLU hidden, p = {p}", fontsize=9)
    ax.set_xlabel("feature")
axes[0].set_ylabel("neuron")
fig.tight_layout()
fig

# %% [markdown]
# With a hidden ReLU and dense features, each neuron carries one feature: **monosemantic** neurons (one
# dark cell per row), alignment near 1. As features get sparse, neurons take on several features:
# **polysemantic** neurons. The ReLU-output model has no reason to prefer any basis, so its alignment is
# whatever the random initialisation and training left.
#
# ## 3. Computation in superposition
#
# So far the models only *store* features. Now they compute: the target is $y = |x|$ for signed inputs $x_i$,
# zero with probability $1 - p$ and otherwise uniform on $[-1, 1]$, with a hidden ReLU layer and untied weights
# (toysup's `abs` model):
#
# $$h = \mathrm{ReLU}(W_1 x), \qquad y' = \mathrm{ReLU}(W_2 h + b),$$
#
# with $W_1$ of shape `(neurons, features)` and $W_2$ of shape `(features, neurons)`.
#
# ### Exercise 5.6 — compute |x| exactly (10 min, ★★☆)
#
# Use $|x| = \mathrm{ReLU}(x) + \mathrm{ReLU}(-x)$: two neurons per feature. Return `(W1, W2)` with `W1` of
# shape `(2n, n)` and `W2` of shape `(n, 2n)` such that $\mathrm{ReLU}(W_2 \mathrm{ReLU}(W_1 x)) = |x|$.
#
# <details><summary>Hint</summary>
#
# Neuron $i$ computes $\mathrm{ReLU}(x_i)$ (row $i$ of $W_1$ is $e_i$), neuron $n + i$ computes
# $\mathrm{ReLU}(-x_i)$; output $i$ adds the two. `np.eye` and `np.concatenate` build both matrices.
#
# </details>


# %%
def exact_abs_weights(n_features):
    """(W1, W2) of shapes (2n, n) and (n, 2n) with ReLU(W2 ReLU(W1 x)) = |x| for every x."""
    raise NotImplementedError("Exercise 5.6")


# %%
check_exact_abs_weights(exact_abs_weights)

# %% [markdown]
# ### Exercise 5.7 — the |x| model (5 min, ★☆☆)
#
# `params` holds `W1` `(neurons, features)`, `W2` `(features, neurons)` and `b` `(features,)`; `x` is
# `(batch, features)`. Return $y'$ of shape `(batch, features)`.
#
# <details><summary>Hint</summary>
#
# For a batch of rows, $W_1 x$ is `x @ W1.T` and $W_2 h$ is `h @ W2.T`.
#
# </details>


# %%
def abs_forward(params, x):
    """y' = ReLU(ReLU(x W1ᵀ) W2ᵀ + b) for signed x of shape (batch, features)."""
    raise NotImplementedError("Exercise 5.7")


# %%
check_abs_forward(abs_forward)

# %% [markdown]
# The exact network needs $2n$ neurons. Give a model only $m = 6$ neurons for $n = 10$ features: dense, it
# computes $|x|$ exactly for at most 3 features. Sparse, it computes more — neurons are shared between features.

# %%
abs_config = toysup.ToyConfig(
    n_features=10,
    n_hidden=6,
    model="abs",
    n_instances=len(PROBABILITIES),
    feature_probability=PROBABILITIES,
    importance_decay=0.8,
    steps=STEPS,
    learning_rate=1e-2,
    restarts=2,
    seed=0,
)
abs_run = toysup.train(abs_config, progress=False)
# Your abs_forward on the sparsest trained model: its loss on fresh signed data matches the training loss.
# toysup.sample_features returns (features, samples): transposed to (samples, features).
x = toysup.sample_features(jax.random.key(2), jnp.full(10, PROBABILITIES[-1]), 20_000, signed=True).T
sparsest = {name: values[-1] for name, values in abs_run.params.items()}
importance = abs_config.importance_array()[-1]
mine = np.mean(np.sum(importance * (jnp.abs(x) - abs_forward(sparsest, x)) ** 2, axis=1))
print(
    f"p = {PROBABILITIES[-1]}: loss with your abs_forward {mine:.5f}, "
    f"toysup's training loss {abs_run.final_loss[-1]:.5f}"
)
for p, W1 in zip(PROBABILITIES, abs_run.W):
    computed = (np.linalg.norm(W1, axis=0) > 0.5).sum()
    print(
        f"p = {p:>4}: |x| computed for {computed} of 10 features with 6 neurons (an exact network needs {2 * computed})"
    )
fig, axes = plt.subplots(1, len(PROBABILITIES), figsize=(2.6 * len(PROBABILITIES), 2.4))
for ax, W1, p in zip(axes, abs_run.W, PROBABILITIES):
    ax.imshow(W1, cmap="RdBu_r", vmin=-1.5, vmax=1.5)
    ax.set_title(f"W₁, p = {p}", fontsize=9)
    ax.set_xlabel("feature")
axes[0].set_ylabel("neuron")
fig.tight_layout()
fig

# %% [markdown]
# Dense: the model heads for your exact construction — pairs of neurons with opposite signs, one pair per
# feature, for as many features as fit — though training does not always reach it (question 2 compares the
# losses). Sparse: neurons respond to several features, with the ReLUs filtering interference as in the
# storage models: the model computes in superposition. (The count above, features with
# $\lVert W_{1,i} \rVert > 0.5$, is a rough measure; the quick run trains too briefly to show much.)
#
# ## Take-aways and questions
#
# * What features occur together decides their geometry: correlated → orthogonal, anticorrelated → antipodal.
# * An activation function on the hidden layer makes its basis privileged; features then align with neurons
#   while dense and become polysemantic when sparse.
# * Superposition is not only storage: networks compute on features in superposition.
#
# **Questions.** (1) Try `correlated_sets=(3,)` with n = 3, m = 2: three features that always co-occur
# cannot all be orthogonal in two dimensions — what does the model do? (2) For the `abs` model, compare the
# loss at $p = 0.03$ with what an exact network on the 3 most important features would get.
