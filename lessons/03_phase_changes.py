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
# # Lesson 3 — Superposition as a phase change
#
# **Learning goals.** After this lesson you can
#
# 1. list the three ways a model with n = 2 features and m = 1 dimension can spend its one dimension;
# 2. **derive** each one's expected loss in closed form;
# 3. draw the theoretical phase diagram over sparsity and importance and compare it with hundreds of trained
#    models: the learned solution jumps from one phase to another, like water freezing.
#
# This follows the paper's section "Superposition as a Phase Change"; `toysup.theory` holds the full
# derivations. Solutions: `lessons/solutions/03_phase_changes.py`. Runs in about a minute on a laptop CPU.

# %%
# %matplotlib inline
import tempfile

import jax
import matplotlib.pyplot as plt
import numpy as np

from toysup import phase, plots, theory
from toysup.lessons import (
    check_antipodal_loss_without_bias,
    check_candidate_losses,
    check_dropped_feature_loss,
    check_monte_carlo_loss,
    is_quick,
)

plt.ioff()  # in Jupyter a figure shows where a cell ends with it, once
QUICK = is_quick()  # TOYSUP_QUICK=1 shrinks every run (the tests use it)

# %% [markdown]
# ## 1. Three candidates
#
# Feature 1 has importance 1, feature 2 importance $I$; both have probability $p$. With $W \in
# \mathbb{R}^{1 \times 2}$ and $x' = \mathrm{ReLU}(W^\top W x + b)$ the model can
#
# | label | $W$ | what happens | expected loss |
# |---|---|---|---|
# | 0 *not represented* | $[1, 0]$ | feature 2 dropped, $x'_2 = b_2$ | $I \cdot V(p)$ |
# | 1 *dedicated* | $[0, 1]$ | feature 1 dropped | $V(p)$ |
# | 2 *superposition* | $[1, -1]$ | an antipodal pair: $x'_1 = \mathrm{ReLU}(x_1 - x_2 + b_1)$ | $(1 + I)\, f^*(p)$ |
#
# where $V(p)$ is the loss of a dropped feature and $f^*(p)$ the loss of one output of the antipodal pair.
# Let us derive both. Throughout, an active feature is $u \sim \mathrm{Uniform}[0, 1]$, so
# $\mathbb{E}[u] = 1/2$ and $\mathbb{E}[u^2] = 1/3$.
#
# ### Exercise 3.1 — the loss of a dropped feature (10 min, ★☆☆)
#
# A dropped feature's output is a constant $b$. $\mathbb{E}[(x - b)^2]$ is smallest at $b = \mathbb{E}[x] =
# p/2$, where it equals $\mathrm{Var}(x) = \mathbb{E}[x^2] - \mathbb{E}[x]^2$. Work out $\mathbb{E}[x^2]$ (the
# feature is non-zero with probability $p$) and write the formula. It must work elementwise on arrays.
#
# <details><summary>Hint</summary>
#
# $\mathbb{E}[x^2] = p \, \mathbb{E}[u^2]$ and $\mathbb{E}[x] = p \, \mathbb{E}[u]$.
#
# </details>


# %%
def dropped_feature_loss(feature_probability):
    """V(p) = min_b E[(x − b)²] for x = 0 with probability 1 − p, else uniform on [0, 1]."""
    raise NotImplementedError("Exercise 3.1")


# %%
check_dropped_feature_loss(dropped_feature_loss)

# %% [markdown]
# ### Exercise 3.2 — the antipodal pair without a bias (15 min, ★★☆)
#
# Take $b = 0$ and look at output 1, $x'_1 = \mathrm{ReLU}(x_1 - x_2)$, case by case:
#
# * neither feature active (probability $(1-p)^2$): $x'_1 = 0 = x_1$, no error;
# * only $x_1 = u$ active: $x'_1 = u$, no error;
# * only $x_2 = v$ active: $x'_1 = \mathrm{ReLU}(-v) = 0 = x_1$ — **the ReLU removes the negative
#   interference**, no error;
# * both active (probability $p^2$): the error is $(u - \mathrm{ReLU}(u - v))^2 = \min(u, v)^2$.
#
# So $f(p, 0) = p^2\, \mathbb{E}[\min(u, v)^2]$ for independent uniforms. The minimum of two uniforms has
# density $2(1 - t)$ on $[0, 1]$. Finish the integral and write the function.
#
# <details><summary>Hint</summary>
#
# $\mathbb{E}[\min(u, v)^2] = \int_0^1 t^2 \cdot 2(1 - t)\, dt$.
#
# </details>


# %%
def antipodal_loss_without_bias(feature_probability):
    """f(p, 0) = E[(x₁ − ReLU(x₁ − x₂))²], elementwise."""
    raise NotImplementedError("Exercise 3.2")


# %%
check_antipodal_loss_without_bias(antipodal_loss_without_bias)

# %% [markdown]
# Interference only costs when both features are active: probability $p^2$, against $p$ for a dropped
# feature. That is why sparse features favour superposition. A small **positive** bias does slightly better
# still: when both are active, $x'_1$ underestimates $x_1$, and $b > 0$ compensates. `toysup.theory` has the
# piecewise closed form $f(p, b)$ for every $b$ and its minimiser $b^*(p)$; $f^* = f(p, b^*)$.

# %%
bias = np.linspace(-0.2, 0.6, 200)
fig, ax = plt.subplots(figsize=(5, 3.2))
for p in (0.1, 0.3, 1.0):
    ax.plot(bias, theory.antipodal_loss(p, bias) / p**2, label=f"p = {p}")
    ax.plot(theory.optimal_bias_antipodal(p), theory.optimal_antipodal_loss(p) / p**2, "k.")
ax.set_xlabel("bias b")
ax.set_ylabel("f(p, b) / p²")
ax.set_title("antipodal pair: loss of one output (dots: optimal bias)", fontsize=9)
ax.legend()
fig.tight_layout()
fig

# %% [markdown]
# ### Exercise 3.3 — the three candidates' losses (10 min, ★★☆)
#
# Return the table's last column, `[I·V, V, (1 + I)·f*]`, stacked on a **new last axis**, for arrays `p` and
# `I` that broadcast against each other (e.g. a column of importances against a row of probabilities gives a
# grid). Use your `dropped_feature_loss` and `theory.optimal_antipodal_loss(p)` for $f^*$.
#
# <details><summary>Hint</summary>
#
# `np.broadcast_arrays(p, I)` gives both the common shape; `np.stack([...], axis=-1)` adds the last axis.
#
# </details>


# %%
def candidate_losses(feature_probability, importance):
    """Losses of the n=2, m=1 candidates [not represented, dedicated, superposition], shape (..., 3)."""
    raise NotImplementedError("Exercise 3.3")


# %%
check_candidate_losses(candidate_losses)

# %% [markdown]
# ### Exercise 3.4 — check the theory by sampling (15 min, ★★☆)
#
# A closed form is only as good as its derivation. Estimate the expected loss of a given model by Monte Carlo:
# draw `n_samples` inputs with `toysup.sample_features(key, probabilities, n_samples)` (it takes one
# probability per feature and returns toysup's internal layout, shape `(features, samples)`: transpose it to
# the lessons' `(samples, features)`), run $x' = \mathrm{ReLU}(W^\top W x + b)$ on every sample and average
# $\sum_i I_i (x_i - x'_i)^2$ over the samples. The check compares your estimate with the closed forms at each
# candidate's optimal biases.
#
# <details><summary>Hint</summary>
#
# `x = toysup.sample_features(key, jnp.full(n_features, feature_probability), n_samples).T`, then lesson 1's
# forward pass and loss, batch-first: `jax.nn.relu(x @ W.T @ W + b)`.
#
# </details>


# %%
def monte_carlo_loss(W, b, importance, feature_probability, key, n_samples):
    """Mean over n_samples draws of x of Σ_i I_i (x_i − x'_i)², x' = ReLU(WᵀWx + b); one number."""
    raise NotImplementedError("Exercise 3.4")


# %%
check_monte_carlo_loss(monte_carlo_loss)

# %%
probabilities = np.logspace(-2, 0, 30)
fig, ax = plt.subplots(figsize=(5.5, 3.4))
for label, name in enumerate(theory.PHASE_LABELS_2):
    ax.plot(probabilities, candidate_losses(probabilities, 1.5)[:, label], label=f"{name} (theory)")
    W, b = theory.candidate_weights_2()[label], theory.candidate_biases_2(probabilities[::6])[:, label]
    sampled = [
        monte_carlo_loss(W, b_p, np.array([1.0, 1.5]), p, jax.random.key(i), 400_000)
        for i, (b_p, p) in enumerate(zip(b, probabilities[::6]))
    ]
    ax.plot(probabilities[::6], sampled, "k.", ms=5)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("feature probability p")
ax.set_ylabel("expected loss")
ax.set_title("I = 1.5: theory (lines) and Monte Carlo (dots)", fontsize=9)
ax.legend(fontsize=7)
fig.tight_layout()
fig

# %% [markdown]
# The superposition curve falls like $p^2$, the others like $p$: at small $p$ superposition always wins, and
# the crossing point moves with $I$.
#
# ## 2. The phase diagram: theory against hundreds of trained models
#
# The theory's answer at each $(p, I)$ is the candidate with the lowest loss. `toysup.phase` trains one model
# per grid cell (best of several restarts, all cells in one batched run), classifies each learned $W$ by which
# features have norm above 0.5, and `plots.phase_diagram` shows both side by side.

# %%
GRID, RESTARTS, STEPS = (4, 2, 300) if QUICK else (8, 4, 1_500)
spec = phase.phase_spec(n_features=2, n_hidden=1, grid=GRID, restarts=RESTARTS, steps=STEPS, batch_size=512)
result = phase.run_phase(spec, tempfile.mkdtemp(prefix="toysup-lesson3-"), progress=False)
probability_axis, importance_axis = np.array(result["feature_probability"]), np.array(result["importance"])
my_theory = np.argmin(candidate_losses(probability_axis[None, :], importance_axis[:, None]), axis=-1)
print("your theoretical labels equal toysup.theory's:", np.array_equal(my_theory, result["theoretical"]))
fig = plots.phase_diagram(
    probability_axis,
    importance_axis,
    result["empirical"],
    my_theory,
    result["labels"],
    theory.agreement(result["empirical"], my_theory),
)
fig

# %% [markdown]
# Most cells agree. The disagreements sit on the phase boundaries, where two candidates' losses are nearly
# equal and training can settle either way (and where the real optimum, with norms other than 1, shifts the
# boundary a little — see the `toysup.theory` docstring).
#
# ## Take-aways and questions
#
# * Superposition's cost scales like $p^2$ (both features active), dropping a feature's like $p$: sparsity
#   makes superposition cheap.
# * The optimal solution changes **discontinuously** across the $(p, I)$ plane: a phase change.
#
# **Questions.** (1) Along the line $I = 1$, at which $p$ does superposition start to win? Solve
# $2 f^*(p) = V(p)$ numerically with your functions. (2) Run `toysup phase --features 3 --hidden 2` and
# read its four phases from `theory.PHASE_LABELS_3`.
