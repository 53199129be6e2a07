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
# # Lesson 2 — Superposition vs sparsity
#
# **Learning goals.** After this lesson you can
#
# 1. reproduce the paper's basic result: n = 20 features, m = 5 hidden dimensions, importance $0.7^i$, from
#    dense to sparse features, for a **linear** and a **ReLU-output** model;
# 2. measure each feature's **norm** (is it represented?) and its **interference** (does it share its
#    direction with others?);
# 3. compute the best *linear* model's loss in closed form, and see the ReLU model beat it only when the
#    features are sparse — superposition pays.
#
# Exercises are checked by `toysup.lessons.check_*`; solutions are in
# `lessons/solutions/02_superposition_and_sparsity.py`. Runs in about a minute on a laptop CPU.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import toysup
from toysup import plots
from toysup.lessons import check_feature_norms, check_interference, check_linear_model_loss, is_quick

plt.ioff()  # in Jupyter a figure shows where a cell ends with it, once
QUICK = is_quick()  # TOYSUP_QUICK=1 shrinks every run (the tests use it)
STEPS = 400 if QUICK else 6_000

# %% [markdown]
# ## 1. Two models, five sparsities
#
# Both models embed $x \in \mathbb{R}^{20}$ with $W \in \mathbb{R}^{5 \times 20}$:
#
# $$\text{linear: } x' = W^\top W x + b, \qquad \text{ReLU output: } x' = \mathrm{ReLU}(W^\top W x + b).$$
#
# The importance is $I_i = 0.7^i$ and every feature has the same probability $p$ of being non-zero.
# We train one model per $p$ — all five in one compiled run — and keep the best of two restarts.

# %%
PROBABILITIES = (1.0, 0.3, 0.1, 0.03, 0.01)
base = toysup.ToyConfig(
    n_features=20,
    n_hidden=5,
    n_instances=len(PROBABILITIES),
    feature_probability=PROBABILITIES,
    importance_decay=0.7,
    steps=STEPS,
    learning_rate=1e-2,
    restarts=2,
    seed=0,
)
runs = {kind: toysup.train(base.replace(model=kind), progress=False) for kind in ("linear", "relu_output")}
titles = [f"p = {p:g}" for p in PROBABILITIES]

# %%
fig = plots.gram_and_bias(runs["linear"].W, runs["linear"].b, titles=titles)
fig.suptitle("linear model", y=1.02)
fig

# %%
fig = plots.gram_and_bias(runs["relu_output"].W, runs["relu_output"].b, titles=titles)
fig.suptitle("ReLU-output model", y=1.02)
fig

# %% [markdown]
# How to read these (the paper's format): the top panel is $W^\top W$ (red +1, blue −1): a feature represented
# alone shows as a lone diagonal entry, features sharing dimensions as off-diagonal entries. The middle row is
# the bias $b$. The bottom bars are the **norms** $\lVert W_i \rVert$, coloured by **interference**: dark when
# feature $i$ has its own direction, yellow when others overlap it.
#
# The linear model always learns the same thing: the 5 most important features, orthogonal — it cannot filter
# interference, so superposition never pays. The ReLU model does the same when features are dense, but as
# they get sparse it represents more and more features, in superposition.
#
# ## 2. Measuring it
#
# Column $W_i$ is feature $i$'s direction. Two numbers summarise it:
#
# * the **norm** $\lVert W_i \rVert = \sqrt{\sum_k W_{ki}^2}$: about 1 if the feature is represented, about 0
#   if it is dropped;
# * the **interference** $\sum_{j \ne i} (\hat W_i \cdot W_j)^2$ with $\hat W_i = W_i / \lVert W_i \rVert$:
#   how much of the other features leaks into feature $i$'s direction. 0 for a feature with a direction of
#   its own; take it to be 0 for a zero feature too.
#
# ### Exercise 2.1 — feature norms (5 min, ★☆☆)
#
# `W` has shape `(hidden, features)`; return the norm of every column, shape `(features,)`.
#
# <details><summary>Hint</summary>
#
# A feature is a column: sum the squares over `axis=0` (or `jnp.linalg.norm(W, axis=0)`).
#
# </details>


# %%
def feature_norms(W):
    """‖W_i‖ for every feature i, shape (features,)."""
    raise NotImplementedError("Exercise 2.1")


# %%
check_feature_norms(feature_norms)

# %% [markdown]
# ### Exercise 2.2 — interference (10 min, ★★☆)
#
# Return $\sum_{j \ne i} (\hat W_i \cdot W_j)^2$ for every feature, shape `(features,)`, and 0 for a zero
# feature (norm below $10^{-6}$).
#
# <details><summary>Hint</summary>
#
# The Gram matrix $G = W^\top W$ holds every $W_i \cdot W_j$; so
# $\sum_{j \ne i} (\hat W_i \cdot W_j)^2 = \big(\sum_j G_{ij}^2 - G_{ii}^2\big) / G_{ii}$. Guard the division
# with `jnp.where` for zero features.
#
# </details>


# %%
def interference(W):
    """Σ_{j≠i} (Ŵ_i · W_j)² for every feature i (0 for a zero feature), shape (features,)."""
    raise NotImplementedError("Exercise 2.2")


# %%
check_interference(interference)

# %%
print(f"{'model':>12} {'p':>6} {'represented':>12} {'in superposition':>17}")
for kind, run in runs.items():
    for W, p in zip(run.W, PROBABILITIES):
        represented = np.asarray(feature_norms(W)) > 0.5
        superposed = represented & (np.asarray(interference(W)) > 0.1)
        print(f"{kind:>12} {p:>6g} {represented.sum():>12} {superposed.sum():>17}")

# %% [markdown]
# ## 3. Why the linear model stops at m features
#
# A linear model has no way to undo interference, so its best choice is to give the $m$ most important
# features one orthogonal direction each ($x'_i = x_i$, no error) and drop the rest. A dropped feature's
# output is just its bias $b_i$, and the best constant is the mean, $b_i = \mathbb{E}[x_i] = p/2$, leaving the
# variance as the error:
#
# $$\mathbb{E}[(x_i - p/2)^2] = \mathrm{Var}(x_i) = \mathbb{E}[x_i^2] - \mathbb{E}[x_i]^2 = \frac{p}{3} -
# \frac{p^2}{4}.$$
#
# So the best linear model's loss is $L_\text{linear} = \big(\frac{p}{3} - \frac{p^2}{4}\big) \sum_{i \notin
# \text{top } m} I_i$.
#
# ### Exercise 2.3 — the best linear model's loss (10 min, ★☆☆)
#
# `importance` is an array of shape `(features,)` — not necessarily sorted; `feature_probability` a number;
# `n_hidden` the number $m$ of features kept. Return one number.
#
# <details><summary>Hint</summary>
#
# Sort the importances in decreasing order (`jnp.sort(importance)[::-1]`) and sum all but the first
# `n_hidden`.
#
# </details>


# %%
def linear_model_loss(importance, feature_probability, n_hidden):
    """(p/3 − p²/4) · Σ of the importances of all but the n_hidden most important features."""
    raise NotImplementedError("Exercise 2.3")


# %%
check_linear_model_loss(linear_model_loss)

# %% [markdown]
# Now compare theory and experiment: each trained model's final loss divided by the best linear loss at the
# same $p$. The linear models sit at 1 (they *are* the best linear model); ReLU models below 1 have found
# something better than any linear model — superposition.

# %%
importance = base.importance_array()[0]
bound = np.array([linear_model_loss(importance, p, base.n_hidden) for p in PROBABILITIES])
fig, ax = plt.subplots(figsize=(5, 3.2))
for kind, run in runs.items():
    ax.plot(PROBABILITIES, run.final_loss / bound, "o-", label=kind)
ax.axhline(1.0, color="gray", lw=0.8, ls="--")
ax.set_xscale("log")
ax.invert_xaxis()
ax.set_xlabel("feature probability p (sparser →)")
ax.set_ylabel("loss / best linear loss")
ax.legend()
fig.tight_layout()
fig

# %% [markdown]
# ## Take-aways and questions
#
# * Dense features: both models learn the top-$m$ features orthogonally (like PCA).
# * Sparse features: the ReLU model represents more features than dimensions, in superposition, and its loss
#   falls below anything a linear model can reach.
#
# **Questions.** (1) At which $p$ does the ReLU model first represent a 6th feature? Add probabilities between
# 1 and 0.3 to find out. (2) Which features go into superposition first — the most or the least important
# ones? Look at the bars' colours. (3) Train with `importance_decay=1.0`: how does the picture change?
