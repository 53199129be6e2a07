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
# # Lesson 7 — Modern SAEs: TopK, JumpReLU, Gated — and where SAEs fail
#
# **Learning goals.** After this lesson you can
#
# 1. measure the **shrinkage** an L1 penalty causes and say why it is a problem;
# 2. write the activation functions of the SAEs that replaced the L1 SAE: **TopK** (Gao et al. 2024),
#    **JumpReLU** (Rajamanoharan et al. 2024b) with its straight-through threshold gradient, and **Gated**
#    (Rajamanoharan et al. 2024a);
# 3. compare the architectures on data with known features, on the sparsity–recovery trade-off;
# 4. read a **recovery phase diagram** and name the regimes where SAEs fail: features too dense, dictionaries
#    too small, and feature hierarchies (absorption).
#
# All SAEs here come from `toysup.sae`; your functions reproduce their encoders. Solutions:
# `lessons/solutions/07_modern_saes.py`. Runs in a few minutes on a laptop CPU.

# %%
# %matplotlib inline
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

from toysup import sae
from toysup.lessons import (
    check_gated_encode,
    check_jumprelu,
    check_jumprelu_threshold_gradient,
    check_shrinkage,
    check_topk_activation,
    is_quick,
)
from toysup.sae import plots as sae_plots
from toysup.sae.recovery import recovery_diagram

plt.ioff()  # in Jupyter a figure shows where a cell ends with it, once
QUICK = is_quick()  # TOYSUP_QUICK=1 shrinks every run (the tests use it)
STEPS = 200 if QUICK else 2_000

# %% [markdown]
# ## 1. Data with known features, in superposition
#
# Lesson 6's pentagon was easy: 5 features in 2 dimensions. Here `sae.synthetic_activations` draws
# **16 random unit directions in 8 dimensions** (twice as many features as dimensions, so they overlap); each
# sample activates each feature with probability $1.5/16$ (on average 1.5 features, the "true L0") with a
# magnitude uniform on $[0, 1]$, and $x = \sum_i c_i t_i$.

# %%
data = sae.synthetic_activations(16, 8, mean_active=1.5)
print("true directions:", data.truth.shape, "(instances, features, inputs)")


def train_and_score(arch, **penalties):
    """One SAE per penalty value (all in one compiled run): the result and its recovery scores."""
    n_instances = len(next(iter(penalties.values())))
    config = sae.SAEConfig(
        arch=arch,
        n_inputs=8,
        n_latents=32,
        n_instances=n_instances,
        steps=STEPS,
        batch_size=512,
        learning_rate=3e-3,
        **penalties,
    )
    result = sae.train_sae(config, data, progress=False)
    return result, sae.evaluate(result, data, n_samples=4096)


# %% [markdown]
# ## 2. The trouble with L1: shrinkage
#
# The L1 penalty $\lambda \sum_j f_j$ charges a latent for its **size**, not for being active. So every active
# latent is pulled towards 0, and the reconstruction comes out systematically too small. Measure it with the
# relative reconstruction bias (Rajamanoharan et al. 2024a)
#
# $$\gamma = \frac{\mathbb{E}\,\lVert \hat x \rVert^2}{\mathbb{E}\,[\hat x \cdot x]},$$
#
# the factor by which $\hat x$ is scaled relative to the best scaling: $\gamma = 1$ unbiased, $\gamma < 1$
# shrunk.
#
# ### Exercise 7.1 — shrinkage
#
# `x` and `x_reconstructed` are `(batch, inputs)`; the expectations are means over the batch (the $1/B$ cancels).


# %%
def shrinkage(x, x_reconstructed):
    """γ = E‖x̂‖² / E[x̂ · x] over the batch: 1 when unbiased, below 1 when reconstructions are shrunk."""
    raise NotImplementedError("Exercise 7.1")


# %%
check_shrinkage(shrinkage)

# %%
L1_COEFFICIENTS = (0.03, 0.1, 0.3)
relu_result, relu_scores = train_and_score("relu", l1_coefficient=L1_COEFFICIENTS)
relu = sae.architecture(relu_result.config)
batch, _ = sae.data.draw("synthetic", data.options, {k: v[0] for k, v in data.arrays.items()}, jax.random.key(0), 4096)
for i, l1 in enumerate(L1_COEFFICIENTS):
    params = {name: value[i] for name, value in relu_result.params.items()}
    reconstruction = relu.decode(params, relu.encode(params, batch, {}))
    print(
        f"L1 SAE, λ = {l1:<4}: your γ = {float(shrinkage(batch, reconstruction)):.3f}   "
        f"(sae.evaluate: {relu_scores['relative_reconstruction_bias'][i]:.3f}), L0 = {relu_scores['l0'][i]:.2f}"
    )

# %% [markdown]
# The stronger the penalty — needed to get L0 near the true 1.5 — the stronger the shrinkage. The modern
# architectures separate *whether* a latent is active from *how large* it is.
#
# ## 3. TopK: choose the sparsity directly
#
# Gao et al. (2024) drop the penalty altogether: keep the $k$ largest pre-activations of each sample,
#
# $$f = \mathrm{TopK}_k\big(\mathrm{ReLU}(W_\text{enc}(x - b_\text{dec}) + b_\text{enc})\big),$$
#
# so L0 $\le k$ by construction and nothing pulls the kept values down. (BatchTopK, Bussmann et al. 2024, keeps
# the $k \cdot B$ largest over a whole batch instead, so samples can use different numbers of latents; toysup
# has it as `arch="batchtopk"`.) Dead latents get an auxiliary loss ("AuxK") in toysup's `topk`.
#
# ### Exercise 7.2 — the TopK activation
#
# `pre_activations` is `(batch, latents)`. Keep, in each row, the `k` largest entries — passed through a ReLU —
# and set the rest to 0. (`jax.lax.top_k(values, k)` returns the `k` largest of each row, sorted.)


# %%
def topk_activation(pre_activations, k):
    """ReLU of the k largest pre-activations of each row (batch, latents); every other entry 0."""
    raise NotImplementedError("Exercise 7.2")


# %%
check_topk_activation(topk_activation)


# %% [markdown]
# ## 4. JumpReLU: a threshold per latent, and an L0 penalty
#
# Rajamanoharan et al. (2024b) give each latent a learned threshold $\theta_j > 0$:
#
# $$f_j = \mathrm{JumpReLU}_{\theta_j}(z_j) = z_j \, H(z_j - \theta_j),$$
#
# with $H$ the step function: below the threshold 0, above it $z_j$ itself — no shrinkage. The penalty counts
# active latents, $\lambda \lVert f \rVert_0 = \lambda \sum_j H(z_j - \theta_j)$. But $H$ has zero derivative
# almost everywhere: how can $\theta$ learn? With a **straight-through estimator**: in the backward pass replace
# the derivative of $H$ by a narrow rectangle kernel $K(u) = \mathbb{1}\{|u| < 1/2\}$ of bandwidth
# $\varepsilon$,
#
# $$\frac{\partial}{\partial \theta} \mathrm{JumpReLU}_\theta(z) := -\frac{\theta}{\varepsilon}
# K\!\Big(\frac{z - \theta}{\varepsilon}\Big), \qquad \frac{\partial}{\partial \theta} H(z - \theta) :=
# -\frac{1}{\varepsilon} K\!\Big(\frac{z - \theta}{\varepsilon}\Big).$$
#
# Only samples within $\varepsilon/2$ of the threshold move it: raising $\theta$ there saves L0 but loses a
# value of size about $\theta$ from the reconstruction.
#
# ### Exercise 7.3 — JumpReLU
#
# `pre_activations` is `(batch, latents)`, `threshold` is `(latents,)`. Strictly above the threshold only.


# %%
def jumprelu(pre_activations, threshold):
    """z · H(z − θ): each pre-activation where it exceeds its latent's threshold θ, else 0."""
    raise NotImplementedError("Exercise 7.3")


# %%
check_jumprelu(jumprelu)


# %% [markdown]
# ### Exercise 7.4 — the threshold's pseudo-derivative
#
# Return $-\frac{\theta}{\varepsilon} K\big(\frac{z - \theta}{\varepsilon}\big)$ elementwise, shape
# `(batch, latents)`.


# %%
def jumprelu_threshold_gradient(pre_activations, threshold, bandwidth):
    """Pseudo-derivative ∂JumpReLU/∂θ = −(θ/ε) K((z − θ)/ε) with the rectangle kernel K(u) = 1{|u| < 1/2}."""
    raise NotImplementedError("Exercise 7.4")


# %%
check_jumprelu_threshold_gradient(jumprelu_threshold_gradient)


# %% [markdown]
# ## 5. Gated SAEs: a gate decides, a magnitude path measures
#
# Rajamanoharan et al. (2024a) split the encoder in two paths sharing one weight matrix:
#
# $$\pi_\text{gate} = W_\text{enc}(x - b_\text{dec}) + b_\text{enc}, \qquad \pi_\text{mag} = e^{r_\text{mag}}
# \odot W_\text{enc}(x - b_\text{dec}) + b_\text{mag}, \qquad f = \mathbb{1}[\pi_\text{gate} > 0] \odot
# \mathrm{ReLU}(\pi_\text{mag}).$$
#
# The L1 penalty acts on $\mathrm{ReLU}(\pi_\text{gate})$ only (with an auxiliary reconstruction loss to train
# the gate), so it decides *which* latents fire without shrinking *how much* they fire.
#
# ### Exercise 7.5 — the gated encoder
#
# `params` holds `W_enc`, `b_enc` (the gate's bias), `r_mag`, `b_mag` (latents,), `b_dec`.


# %%
def gated_encode(params, x):
    """f = 1[π_gate > 0] ⊙ ReLU(π_mag): π_gate = (x − b_dec) W_encᵀ + b_enc, π_mag = exp(r_mag) ⊙ (x − b_dec) W_encᵀ
    + b_mag."""
    raise NotImplementedError("Exercise 7.5")


# %%
check_gated_encode(gated_encode)

# %% [markdown]
# ## 6. The architectures side by side
#
# Each architecture is trained at three sparsity settings (its penalty, or $k$) in one compiled run, then
# scored. First, your functions against the trained SAEs' own encoders:

# %%
PENALTIES = {
    "relu": {"l1_coefficient": L1_COEFFICIENTS},
    "topk": {"k": (1, 2, 3)},
    "jumprelu": {"l0_coefficient": (0.01, 0.03, 0.1)},
    "gated": {"l1_coefficient": (0.1, 0.3, 1.0)},
}
runs = {"relu": (relu_result, relu_scores)}
runs.update({arch: train_and_score(arch, **penalties) for arch, penalties in PENALTIES.items() if arch != "relu"})


def first_sae(arch):
    """Params of the first SAE of an architecture's run, and its encoder's output on the batch."""
    result = runs[arch][0]
    params = {name: value[0] for name, value in result.params.items()}
    hyper = {name: value[0] for name, value in result.hyper().items()}
    return params, sae.architecture(result.config).encode(params, batch, hyper)


params, codes = first_sae("topk")
pre = sae.models.pre_activation(params, batch)
print("TopK, k=1:  your codes − toysup's:", float(jnp.abs(topk_activation(pre, 1) - codes).max()))
params, codes = first_sae("jumprelu")
pre = sae.models.pre_activation(params, batch)
threshold = jnp.exp(params["log_threshold"])
print("JumpReLU:   your codes − toysup's:", float(jnp.abs(jumprelu(pre, threshold) - codes).max()))
params, codes = first_sae("gated")
print("Gated:      your codes − toysup's:", float(jnp.abs(gated_encode(params, batch) - codes).max()))

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
for arch, (_, scores) in runs.items():
    for ax, name in zip(axes, ("mcc", "explained_variance", "relative_reconstruction_bias")):
        ax.plot(scores["l0"], scores[name], "o-", label=arch)
for ax, title in zip(axes, ("MCC (feature recovery)", "explained variance", "shrinkage γ")):
    ax.axvline(float(relu_scores["true_l0"][0]), color="gray", ls="--", lw=0.8)
    ax.set_xlabel("L0 (active latents per sample; dashed: true L0)")
    ax.set_title(title, fontsize=9)
axes[0].legend(fontsize=8)
fig.tight_layout()
fig

# %%
print(f"{'':>9} {'setting':>8} {'L0':>6} {'MCC':>6} {'expl. var':>9} {'γ':>6} {'dead':>6}")
for arch, (result, scores) in runs.items():
    field = {"topk": "k", "jumprelu": "l0_coefficient"}.get(arch, "l1_coefficient")
    for i, setting in enumerate(getattr(result.config, field)):
        print(
            f"{arch:>9} {setting:>8g} {scores['l0'][i]:>6.2f} {scores['mcc'][i]:>6.3f} "
            f"{scores['explained_variance'][i]:>9.3f} {scores['relative_reconstruction_bias'][i]:>6.3f} "
            f"{scores['dead_share'][i]:>6.0%}"
        )

# %% [markdown]
# Read each curve as a trade-off: moving right (more active latents) reconstructs better but is less sparse.
# The L1 SAE is the only one with $\gamma$ clearly below 1: the others have removed shrinkage. For recovery,
# look near the dashed line (the true L0). Which architecture wins there depends on the data, the dictionary
# size and the training budget — on this small problem some architectures lose many latents (the "dead"
# column), which costs them recovery. Mapping such dependencies systematically is what a phase diagram does.
#
# ## 7. The recovery phase diagram: where SAEs fail
#
# `recovery_diagram` trains a grid of SAEs — true L0 (how dense the features are) × dictionary size ×
# sparsity setting — on fresh synthetic dictionaries and records MCC for each cell.

# %%
diagram = recovery_diagram(
    "topk",
    n_features=16,
    n_inputs=8,
    mean_active=[0.5, 1.5, 4.0],
    ratios=[2] if QUICK else [1, 2],
    penalties=[1, 2, 4],
    steps=STEPS,
    batch_size=512,
    learning_rate=3e-3,
)
fig = sae_plots.recovery_heatmaps(diagram, "mcc")
fig

# %% [markdown]
# Three failure modes show up:
#
# * **Features too dense** (top rows): with 4 of 16 features active in 8 dimensions the inputs are not sparse
#   combinations any more; no $k$ recovers them well. Superposition is only undoable when it is sparse — the
#   same condition under which the model chose it (lessons 2–3).
# * **The wrong sparsity**: $k$ far from the true L0 splits features (too many latents per sample) or merges
#   them (too few).
# * **Too small a dictionary** (ratio 1): every latent must land exactly on a feature; a larger dictionary
#   (ratio 2) is more forgiving.
#
# ### Feature hierarchies: absorption
#
# Real features come in hierarchies ("animal" → "dog", "cat"). If a child fires only with its parent, an SAE
# can save L0 by folding the parent into the children's latents: the parent's own latent then fails to fire
# when a child does — **feature absorption**. Synthetic data with 4 parents of 2 children each shows it as a
# lower recovery of the parents.

# %%
hierarchy = sae.synthetic_activations(16, 8, mean_active=1.5, n_parents=4, children_per_parent=2)
config = sae.SAEConfig(arch="topk", n_inputs=8, n_latents=32, k=2, steps=STEPS, batch_size=512, learning_rate=3e-3)
result = sae.train_sae(config, hierarchy, progress=False)
_, cosines = sae.metrics.hungarian_match(result.decoder[0], hierarchy.truth[0])
roles = np.array((["parent"] + ["child"] * 2) * 4 + ["independent"] * 4)
for role in ("parent", "child", "independent"):
    print(f"{role:>12} features: mean matched cosine {cosines[roles == role].mean():.3f}")

# %% [markdown]
# The parents' directions are recovered worst: their latents have been partly absorbed into their children's.
#
# ## Take-aways and questions
#
# * L1 shrinks activations; TopK, JumpReLU and Gated SAEs decide *whether* a latent fires separately from
#   *how much*, removing the shrinkage.
# * JumpReLU trains thresholds through a non-differentiable L0 with a straight-through pseudo-derivative.
# * SAEs recover features when they are sparse enough, with a dictionary large enough and a sparsity matched to
#   the data; dense features, hierarchies and mismatched sparsity break recovery.
#
# **Questions.** (1) Add `batchtopk` with `k=(1.0, 2.0, 3.0)` to section 6: how does it compare with TopK?
# (2) Run the recovery diagram for `jumprelu` with `penalties=[0.01, 0.03, 0.1]`: does its failure region match
# TopK's? (3) With hierarchical data, does a larger `k` reduce absorption?
