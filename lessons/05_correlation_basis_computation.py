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
# 1. predict how **correlated** features (present together) and **anticorrelated** features (never together)
#    arrange themselves, and measure it with cosine similarities;
# 2. explain why a ReLU *on the hidden layer* creates a **privileged basis**, and measure how aligned features
#    are with neurons — monosemantic and polysemantic neurons;
# 3. build a network that computes $|x|$ exactly, then watch a smaller one compute $|x|$ for **more features
#    than it has neuron pairs**: computation in superposition.
#
# Sections "Superposition and Correlated Features", "Superposition in a Privileged Basis" and "Computation in
# Superposition" of the paper. Solutions: `lessons/solutions/05_correlation_basis_computation.py`. Runs in
# about a minute on a laptop CPU.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import toysup
from toysup import plots
from toysup.lessons import check_cosine_similarities, check_exact_abs_weights, check_neuron_alignment, is_quick

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
# toysup draws both (`correlated_sets`, `anticorrelated_sets` in `ToyConfig`). We train n = 4 features in
# m = 2 dimensions as two sets of two: independent, correlated, anticorrelated.
#
# ### Exercise 5.1 — cosine similarities
#
# Return the `(features, features)` matrix of $\hat W_i \cdot \hat W_j$ with $\hat W_i = W_i / \lVert W_i
# \rVert$; rows and columns of a zero feature ($\lVert W_i \rVert < 10^{-6}$) are 0.


# %%
def cosine_similarities(W):
    """(features, features) matrix of cosines between the columns of W; 0 for zero columns."""
    raise NotImplementedError("Exercise 5.1")


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
# Correlated pairs sit at right angles (cosine ≈ 0): each set gets a *local orthogonal basis*, and the two sets
# overlap each other instead. Anticorrelated pairs sit opposite each other (cosine ≈ −1): they never fire
# together, so sharing a direction costs nothing. Independent features form two antipodal pairs too, but any
# pairing is as good as any other — which features pair up is chance (try other seeds); for anticorrelated
# features it is forced.
#
# ## 2. A privileged basis
#
# In the models so far the hidden layer is linear: rotate $W$ by any orthogonal $R$ ($W \to RW$) and
# $W^\top W$ — and so the model — is unchanged. No hidden direction is special. Put a ReLU on the hidden layer,
#
# $$h = \mathrm{ReLU}(W x), \qquad x' = \mathrm{ReLU}(W^\top h + b),$$
#
# and the **neurons** (coordinate axes of $h$) become special: a **privileged basis**. Do features then line up
# with neurons? Measure it per feature: the largest share of $\lVert W_i \rVert^2$ on one neuron,
#
# $$\text{alignment}_i = \max_k \frac{W_{ki}^2}{\sum_{k'} W_{k'i}^2} \in [1/m, 1],$$
#
# which is 1 for a feature that is exactly one neuron's direction.
#
# ### Exercise 5.2 — neuron alignment
#
# `W` has shape `(neurons, features)`; return the alignment of every feature, 0 for a zero feature.


# %%
def neuron_alignment(W):
    """max_k W_ki² / Σ_k W_ki² for every feature i (0 for a zero feature), shape (features,)."""
    raise NotImplementedError("Exercise 5.2")


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
# So far the models only *store* features. Now they compute: the target is $y = |x|$ for signed inputs $x_i
# \in [-1, 1]$ (zero with probability $1 - p$), with a hidden ReLU layer (toysup's `abs` model):
#
# $$h = \mathrm{ReLU}(W_1 x), \qquad y' = \mathrm{ReLU}(W_2 h + b).$$
#
# ### Exercise 5.3 — compute |x| exactly
#
# Use $|x| = \mathrm{ReLU}(x) + \mathrm{ReLU}(-x)$: two neurons per feature. Return `(W1, W2)` with `W1` of
# shape `(2n, n)` and `W2` of shape `(n, 2n)` such that $\mathrm{ReLU}(W_2 \mathrm{ReLU}(W_1 x)) = |x|$.


# %%
def exact_abs_weights(n_features):
    """(W1, W2) of shapes (2n, n) and (n, 2n) with ReLU(W2 ReLU(W1 x)) = |x| for every x."""
    raise NotImplementedError("Exercise 5.3")


# %%
check_exact_abs_weights(exact_abs_weights)

# %% [markdown]
# That needs $2n$ neurons. Give a model only $m = 6$ neurons for $n = 10$ features: dense, it can compute
# $|x|$ for only 3 features. Sparse, it computes more — neurons are shared between features.

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
# Dense: pairs of neurons with opposite signs, one pair per feature — your exact construction, for as many
# features as fit. Sparse: neurons respond to several features, with the ReLUs filtering interference as in
# the storage models. The model computes in superposition.
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
