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
# # Lesson 4 — The geometry of superposition
#
# **Learning goals.** After this lesson you can
#
# 1. compute a feature's **dimensionality** $D_i$ — the fraction of a hidden dimension it gets — and a model's
#    **dimensions per feature** $D^*$;
# 2. predict $D_i$ for the regular polytopes features arrange themselves into (digons, triangles, pentagons,
#    tetrahedra …);
# 3. train many models in **uniform superposition** and see $D^*$ stick at 1/2 and 2/5 and the features'
#    $D_i$ cluster at the polytopes' fractions.
#
# This follows the paper's section "The Geometry of Superposition". Solutions:
# `lessons/solutions/04_geometry.py`. Runs in about a minute on a laptop CPU.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import toysup
from toysup.lessons import check_dimensions_per_feature, check_feature_dimensionality, check_regular_polygon, is_quick

plt.ioff()  # in Jupyter a figure shows where a cell ends with it, once
QUICK = is_quick()  # TOYSUP_QUICK=1 shrinks every run (the tests use it)

# %% [markdown]
# ## 1. How much of a dimension does a feature get?
#
# If $k$ features share $d$ dimensions symmetrically, each gets $d / k$ of a dimension. The paper makes this
# precise for any $W$ with the **feature dimensionality**
#
# $$D_i = \frac{\lVert W_i \rVert^2}{\sum_j (\hat W_i \cdot W_j)^2} = \frac{\lVert W_i \rVert^4}{\sum_j
# (W_i \cdot W_j)^2},$$
#
# the sum running over **all** $j$, including $j = i$. Numerator: how much the feature is represented.
# Denominator: how many features share its direction (its own contributes $\lVert W_i \rVert^2$). A feature
# with a dimension of its own has $D_i = 1$; each half of an antipodal pair $1/2$; a dropped feature $0$ (by
# convention, for $\lVert W_i \rVert < 10^{-6}$).
#
# ### Exercise 4.1 — feature dimensionality (10 min, ★★☆)
#
# `W` has shape `(hidden, features)`; return $D_i$ for every feature.
#
# <details><summary>Hint</summary>
#
# The Gram matrix $G = W^\top W$ has $G_{ij} = W_i \cdot W_j$: the numerator is $G_{ii}^2$, the denominator
# the sum of row $i$ of $G^2$ (elementwise). Guard zero features with `np.where`.
#
# </details>


# %%
def feature_dimensionality(W):
    """D_i = ‖W_i‖⁴ / Σ_j (W_i · W_j)² for every feature (0 when ‖W_i‖ < 1e-6), shape (features,)."""
    raise NotImplementedError("Exercise 4.1")


# %%
check_feature_dimensionality(feature_dimensionality)

# %% [markdown]
# ### Exercise 4.2 — dimensions per feature (5 min, ★☆☆)
#
# A model-wide summary: $D^* = m / \lVert W \rVert_F^2$, where $\lVert W \rVert_F^2 = \sum_i \lVert W_i
# \rVert^2$ counts the represented features (each about 1). $D^* = 1$: every represented feature has its own
# dimension; $D^* = 1/2$: two features per dimension. Return 0 for $W = 0$.


# %%
def dimensions_per_feature(W):
    """D* = m / ‖W‖_F² for W of shape (m, n), one number (0 for an all-zero W)."""
    raise NotImplementedError("Exercise 4.2")


# %%
check_dimensions_per_feature(dimensions_per_feature)

# %% [markdown]
# ### Exercise 4.3 — regular polygons (5 min, ★☆☆)
#
# Lesson 1's five features formed a pentagon. Build the regular $k$-gon: `W` of shape `(2, k)` whose columns
# are unit vectors at angles $2\pi j / k$. Then your `feature_dimensionality` should give $2/k$ for every
# vertex when $k \ge 2$: $k$ features sharing $d = 2$ dimensions.
#
# <details><summary>Hint</summary>
#
# `angles = 2 * np.pi * np.arange(k) / k`; stack their cosines and sines as the two rows.
#
# </details>


# %%
def regular_polygon(n_vertices):
    """W of shape (2, n_vertices): unit vectors 360°/n_vertices apart."""
    raise NotImplementedError("Exercise 4.3")


# %%
check_regular_polygon(regular_polygon)
for k in (1, 2, 3, 4, 5, 6):
    print(f"{k}-gon: D_i = {np.round(np.asarray(feature_dimensionality(regular_polygon(k))), 3)}")

# %% [markdown]
# In three dimensions the same rule gives the **tetrahedron** (4 features in 3 dimensions, $D = 3/4$) and the
# **square antiprism** (8 features in 3 dimensions, $D = 3/8$); in two the **triangle** ($2/3$),
# **digon** (antipodal pair, $1/2$) and **pentagon** ($2/5$). The paper found exactly these shapes in trained
# models.
#
# ## 2. Uniform superposition
#
# Now many features, all of equal importance, in $m$ dimensions, at a range of sparsities — one model per
# $p$. Plotting $D^*$ against $1/p$ (how rare a feature is) shows where the models settle.

# %%
N_FEATURES, N_HIDDEN = (20, 4) if QUICK else (40, 8)
probabilities = tuple(np.logspace(0, -1.2, 4 if QUICK else 16))
config = toysup.ToyConfig(
    n_features=N_FEATURES,
    n_hidden=N_HIDDEN,
    n_instances=len(probabilities),
    feature_probability=probabilities,
    steps=300 if QUICK else 3_000,
    batch_size=512,
    learning_rate=1e-2,
    seed=0,
)
result = toysup.train(config, progress=False)
D_star = np.array([dimensions_per_feature(W) for W in result.W])
D_features = np.array([feature_dimensionality(W) for W in result.W])  # (models, features)
represented = np.linalg.norm(result.W, axis=1) > 0.5  # dropped features' D_i says little: leave them out

# %%
FRACTIONS = {
    "dedicated": 1.0,
    "tetrahedron": 3 / 4,
    "triangle": 2 / 3,
    "digon": 1 / 2,
    "pentagon": 2 / 5,
    "square antiprism": 3 / 8,
}
inverse_p = 1 / np.array(probabilities)
fig, ax = plt.subplots(figsize=(6, 3.6))
for values, shown in zip(D_features.T, represented.T):
    ax.scatter(inverse_p[shown], values[shown], s=6, color="tab:gray", alpha=0.4)
ax.plot(inverse_p, D_star, "k-", lw=2, label="D* (dimensions per feature)")
for name, fraction in FRACTIONS.items():
    ax.axhline(fraction, lw=0.6, ls="--", color="tab:blue")
    ax.text(inverse_p[-1] * 1.05, fraction, name, fontsize=7, va="center")
ax.set_xscale("log")
ax.set_xlabel("1 / p (sparser →)")
ax.set_ylabel("dimensionality")
ax.set_ylim(0, 1.1)
ax.legend(fontsize=8, loc="lower left")
fig.tight_layout()
fig

# %% [markdown]
# The black curve does not fall smoothly: it **sticks** at $1/2$ (features pair up antipodally) and
# lingers near $2/5$ (pentagons) before dropping on. The grey dots, one per represented feature, cluster on
# the dashed lines: the features arrange themselves into the polytopes above.
#
# ## 3. The polytopes and their fractions
#
# Counting which polytope each represented feature sits in gives the paper's fractions plot: a feature belongs
# to a polytope when its $D_i$ is within 0.04 of the polytope's fraction, else to some less regular
# arrangement ("other"). The white space above the bands is the share of features the model drops.

# %%
names, values = list(FRACTIONS), np.array(list(FRACTIONS.values()))
distance = np.abs(D_features[..., None] - values)  # (models, features, polytopes)
on_polytope = represented & (distance.min(axis=-1) < 0.04)
nearest = distance.argmin(axis=-1)
share = [(on_polytope & (nearest == k)).mean(axis=1) for k in range(len(names))]
share.append((represented & ~on_polytope).mean(axis=1))
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.stackplot(inverse_p, np.stack(share), labels=names + ["other"], alpha=0.8)
ax.set_xscale("log")
ax.set_xlabel("1 / p (sparser →)")
ax.set_ylabel("fraction of all features")
ax.legend(fontsize=7, loc="upper left")
fig.tight_layout()
fig

# %% [markdown]
# ## Take-aways and questions
#
# * $D_i$ measures the share of a dimension a feature gets; symmetric arrangements of $k$ features in $d$
#   dimensions give $D = d/k$.
# * In uniform superposition the models prefer a few special fractions — the regular polytopes — and $D^*$
#   sticks at them as sparsity grows.
#
# **Questions.** (1) Build a regular tetrahedron (hint: four of the cube's corners) and check $D_i = 3/4$.
# (2) Show that $D_i = d/k$ for any $k$ unit vectors in $d$ dimensions with $W W^\top = (k/d) I$ (a *tight
# frame*; hint: $\sum_j (W_i \cdot W_j)^2 = W_i^\top W W^\top W_i$). (3) Train with more steps or restarts:
# do the plateaus get sharper?
