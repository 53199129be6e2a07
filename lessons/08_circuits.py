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
# # Lesson 8 — From features to circuits: attribution and steering where the true answer is known
#
# **Learning goals.** After this lesson you can
#
# 1. say what a **transcoder** is (an SAE with a target: it reads a layer's input and writes its output) and train
#    one on a toy model that computes $|x|$ in superposition;
# 2. split every output of the transcoder into **direct effects** along the edges input → latent → output — an
#    **attribution graph** — and prune it to the edges that carry the effect;
# 3. score a traced graph against the **true** graph, which we know because we built the computation;
# 4. **steer** a model by adding a feature's direction to its hidden activation, and predict from $W^\top W$ what
#    the intended output and every other output will do.
#
# Lessons 6–7 *found* features. Interpretability has since moved on to how features are *used*: replacing a layer
# by a sparse transcoder and tracing which features drive which through it (attribution graphs, "circuit
# tracing": Dunefsky et al. 2024, Ameisen et al. 2025), and *acting* on features by steering (Templeton et al.
# 2024 made a model talk about the Golden Gate Bridge by clamping one feature). On a large model nobody can say
# whether a traced circuit is the true one: the true computation is what we are trying to find. In a toy model we
# wrote the task down, so every claim can be checked. Solutions and answers to the questions:
# `lessons/solutions/08_circuits.py`. About 1½ hours with the exercises; the code runs in about a minute on a
# laptop CPU.

# %%
# %matplotlib inline
import dataclasses

import jax
import matplotlib.pyplot as plt
import numpy as np

import toysup
from toysup import circuits, sae
from toysup.circuits import attribution, steering
from toysup.circuits import plots as circuit_plots
from toysup.lessons import (
    check_attribution_edges,
    check_predicted_steering,
    check_prune_edges,
    check_steer_feature,
    is_quick,
)

plt.ioff()  # in Jupyter a figure shows where a cell ends with it, once
QUICK = is_quick()  # TOYSUP_QUICK=1 shrinks every run (the tests use it)
np.set_printoptions(precision=3, suppress=True)

# %% [markdown]
# ## 1. A model whose circuit we know: |x| in superposition
#
# Lesson 5 trained models that *compute*: the $|x|$ model reads $n$ signed features $x \in [-1, 1]^n$ (batch-first:
# `(batch, n)`), each non-zero with probability $p$, through $m < n$ hidden ReLU neurons and must output
# $|x_i|$ for every $i$:
#
# $$h = \mathrm{ReLU}(W_1 x), \qquad y = \mathrm{ReLU}(W_2 h + b), \qquad W_1: (m, n),\; W_2: (n, m).$$
#
# The task defines the true **graph**: output $i$ depends on input $i$ and on nothing else — the identity, $n$
# edges. `circuits.SPARSE_ABS` is a recipe that computes in superposition: $n = 20$ features, and a feature
# computed monosemantically takes two neurons ($|x_i| = \mathrm{ReLU}(x_i) + \mathrm{ReLU}(-x_i)$), so to compute
# more than $m/2$ of them the model must share neurons. A trained model may still leave some features out (an output
# ReLU that died in training answers 0 whatever the input), so `circuits.transcoder_data` also measures the
# **model's own graph**: feature $j$ → output $i$ when a lone $x_j = \pm 1$ moves $y_i$ by at least 0.25.

# %%
abs_config = circuits.SPARSE_ABS
if QUICK:
    abs_config = dataclasses.replace(abs_config, steps=1_000, batch_size=512, warmup_steps=100)
abs_run = toysup.train(abs_config, progress=False)
data = circuits.transcoder_data(abs_run)
true_graph, model_graph = data.graph[0], data.model_graph[0]
n, m = abs_config.n_features, abs_config.n_hidden
print(f"|x| model: n = {n} features, m = {m} neurons, p = {abs_config.feature_probability}")
print(f"final loss {abs_run.final_loss[0]:.3f}")
print(f"the task's graph: {true_graph.sum()} edges (input i → output i)")
print(
    f"the model's graph: {model_graph.sum()} edges, {np.trace(model_graph)} of them on the diagonal "
    f"(outputs that respond to their own feature), {model_graph.sum() - np.trace(model_graph)} off it"
)

# %% [markdown]
# ## 2. A transcoder: an SAE with a target
#
# An SAE reconstructs its input. A **transcoder** reads a layer's input $a$ and predicts the layer's *output*
# $y$ through a sparse code $f$:
#
# $$f = \mathrm{sparse}(W_\text{enc}\, a + \dots), \qquad \hat y = f\, W_\text{dec} + b_\text{dec}, \qquad
# \text{loss} = \lVert y - \hat y \rVert^2 + \text{sparsity}.$$
#
# Its latents replace the layer's neurons: if they are sparse and each reads one feature and writes one output,
# the layer's computation can be read off them, although its neurons are polysemantic. Here the layer is the whole
# $|x|$ model, $a = x$ (in general $a = x E^\top$ with an embedding $E$: `data.embedding`, the identity here,
# $W$ for the ReLU-output model, whose layer reads $h = Wx$). `sae.derive_settings` chooses the settings from the
# data, as in lesson 7; here a ReLU transcoder with an L1 penalty (lesson 6's SAE, with a target), as in the app's
# **Circuits** page and figure 15. Two scores say how good it is:
# **imitation** (the share of the model's output variance the transcoder explains) and **monosemanticity** (how
# much of each live latent's reading is one feature, of its writing one output, and how often those agree).

# %%
settings = sae.derive_settings("relu", data.activations, **({"steps": 600} if QUICK else {}))
print(settings.fields)
transcoder_config = sae.SAEConfig(**settings.fields)
transcoder = circuits.train_transcoder(transcoder_config, data)
imitation = circuits.imitation(transcoder, data)
mono = circuits.monosemanticity(transcoder, data)
print(
    f"explained variance {imitation['explained_variance'][0]:.3f}, L0 {imitation['l0'][0]:.2f}, "
    f"live latents {imitation['live'][0]} of {transcoder_config.n_latents}"
)
print(
    f"read share {mono['read_share'][0]:.2f}, write share {mono['write_share'][0]:.2f}, "
    f"latents whose feature read is their output written: {mono['same'][0]:.0%}"
)

# %% [markdown]
# With the full runs the transcoder explains about 0.92 of the model's output variance with fewer than one active
# latent per sample (most samples have at most one active feature), and every one of its live latents carries
# one feature to that feature's own output. (In quick mode the runs are too short to reach this.)
#
# ## 3. Attribution: splitting every output into direct effects
#
# Given which latents are active, the transcoder is linear: an active latent passes its pre-activation
# $\pi_j = (W_\text{enc} E)_{j\cdot}\, x + (\text{bias terms})$, an inactive one passes 0. So every sample's output
# splits exactly into **direct effects** along the edges of a three-layer graph:
#
# $$\text{input } i \to \text{latent } j:\quad e_{ij} = x_i\,(W_\text{enc} E)_{ji} \;\text{ if } f_j \neq 0,
# \text{ else } 0; \qquad \text{latent } j \to \text{output } k:\quad e_{jk} = f_j\, W_{\text{dec},jk}.$$
#
# The part of $f_j$ no input explains is the latent's bias, $r_j = f_j - \sum_i e_{ij}$; the paths through the
# latents add up to the input → output effects $A_{ik} = \sum_j e_{ij} W_{\text{dec},jk}$, and
# $\sum_i A_{ik} + \sum_j r_j W_{\text{dec},jk} + b_{\text{dec},k} = \hat y_k$ exactly. Averaged over a batch, an
# edge's **weight** is its mean *absolute* effect.
#
# ### Exercise 8.1 — the direct effects (15 min, ★★☆)
#
# `x` is `(batch, n)`, `E` is `(inputs, n)`, the codes `f` are `(batch, latents)`, `W_enc` is `(latents, inputs)`
# and `W_dec` is `(latents, outputs)`. Return the pair of per-sample edges: input → latent, shape
# `(batch, n, latents)`, and latent → output, shape `(batch, latents, outputs)`.
#
# <details><summary>Hint</summary>
#
# `reads = W_enc @ E` is `(latents, n)`; `x[:, :, None] * reads.T[None]` is every $x_i (W_\text{enc} E)_{ji}$.
# Multiply by the active mask `(f != 0)` placed on the latent axis: `[:, None, :]`. The second edge set is
# `f[:, :, None] * W_dec[None]`.
#
# </details>


# %%
def attribution_edges(x, E, f, W_enc, W_dec):
    """(input → latent edges (batch, n, latents): x_i · (W_enc E)[j, i] where f_j ≠ 0, else 0;
    latent → output edges (batch, latents, outputs): f_j · W_dec[j, k])."""
    raise NotImplementedError("Exercise 8.1")


# %%
check_attribution_edges(attribution_edges)

# %% [markdown]
# Now on the trained transcoder: 2,048 fresh samples of the model's data, their codes, and your edges against the
# library's `attribution.effects`. The last line checks that the effects add up to the transcoder's own output.

# %%
x, a, y = circuits.transcoder_samples(data, 2_048)
f, y_hat = circuits.transcoder_outputs(transcoder, a)
params = circuits.instance_params(transcoder)
E = data.embedding[0]
my_input_latent, my_latent_output = attribution_edges(x, E, f, params["W_enc"], params["W_dec"])
traced = attribution.effects(x, E, f, params["W_enc"], params["W_dec"], params["b_dec"])
print("your input → latent edges − the library's:", float(np.abs(my_input_latent - traced.input_latent).max()))
print("your latent → output edges − the library's:", float(np.abs(my_latent_output - traced.latent_output).max()))
print("largest |Σ effects − ŷ|:", float(np.abs(traced.outputs() - y_hat).max()))

# %% [markdown]
# ## 4. Pruning, and scoring against the true graph
#
# The full graph has an edge wherever some sample had an effect, almost all of them tiny. Pruning keeps the ones
# that carry the effect, by this rule (the library's `attribution.prune`, with $\theta = 0.1$):
#
# 1. an edge's weight is its **mean absolute** effect over the batch (a signed mean lets effects of opposite sign
#    in different samples cancel: with signed inputs, a strong edge that acts for both signs of $x_i$ would
#    average to about 0);
# 2. an output (target) is kept only if its total incoming weight is at least $\theta$ times the largest output's
#    (an output the inputs hardly reach is dropped, its strongest edge being noise);
# 3. a kept output keeps its incoming edges of weight at least $\theta$ times **its own** strongest (so a weak
#    output is not emptied because a strong one dominates); an edge of weight 0 is never kept.
#
# (Circuit tracing prunes by cumulative share instead: keep the strongest edges until they carry, say, 90% of the
# total weight. On a graph whose answer is known a share rule fails both ways: of 20 equal true edges it keeps only
# 18, and once many weak spurious edges together carry more than 10% of the weight it keeps the strongest of them.)
#
# ### Exercise 8.2 — prune by a stated rule (15 min, ★★☆)
#
# `effects` is `(batch, sources, targets)` (per-sample effects of one layer of the graph), `threshold` is $\theta$.
# Return the boolean `(sources, targets)` mask of the kept edges.
#
# <details><summary>Hint</summary>
#
# `weight = np.abs(effects).mean(axis=0)`; the totals are `weight.sum(axis=0)` (one per target); each target's
# strongest edge is `weight.max(axis=0, keepdims=True)`. Combine the three conditions with `&`, the node rule as
# `live[None, :]`.
#
# </details>


# %%
def prune_edges(effects, threshold):
    """Kept edges (sources, targets) of per-sample effects (batch, sources, targets): weight = mean |effect|; drop
    the targets whose total weight is under θ × the largest total, then keep each remaining target's edges whose
    weight is at least θ × its strongest (never an edge of weight 0)."""
    raise NotImplementedError("Exercise 8.2")


# %%
check_prune_edges(prune_edges)

# %% [markdown]
# Prune the input → output effects $A$ of the trained transcoder, and score the kept edges against both graphs by
# precision (the share of kept edges that are true), recall (the share of true edges kept) and F1 (their harmonic
# mean). `attribution.score` adds how much of the model's output variance the pruned graph still explains.

# %%
my_kept = prune_edges(traced.input_output, 0.1)
traced_graph = attribution.graph(traced, 0.1)
print("your pruning = the library's:", bool(np.array_equal(my_kept, traced_graph.input_output_kept)))
for label, truth in (("the task's graph", true_graph), ("the model's graph", model_graph)):
    precision, recall, f1 = attribution.edge_scores(my_kept, truth)
    print(f"against {label:>17}: precision {precision:.2f}, recall {recall:.2f}, F1 {f1:.2f}")
graph_score = attribution.score(traced, traced_graph, true_graph, y)
print(
    f"kept {graph_score.kept_edges} edges carrying {graph_score.carried:.0%} of the weight; explained variance "
    f"{graph_score.explained_variance:.3f} (every edge: {graph_score.replacement_explained_variance:.3f}, "
    f"none: {graph_score.bias_explained_variance:.3f})"
)
fig = circuit_plots.attribution_graph(traced_graph, title="the transcoder's pruned attribution graph")
fig

# %% [markdown]
# With the full runs pruning keeps 20 edges: every output the model computes is traced to its own input, with
# one spurious edge besides (precision 0.95), and those few edges still explain about 0.86 of the output
# variance, against 0.92 with every edge. Recall against the task's graph is 0.95, not 1: the one output the
# model never learned to compute has no edge, and no transcoder can find one, because a transcoder imitates the
# model, not the task. (In quick mode the transcoder is too short for a clean graph.) This is the question a
# large model cannot answer: is a traced circuit the computation, or only what the replacement does? Here we can
# also build a replacement whose answer we know: `attribution.exact_abs_transcoder(n)` computes $|x_i| =
# \mathrm{ReLU}(x_i) + \mathrm{ReLU}(-x_i)$ with two latents per feature. Traced with your functions it gives the
# true graph exactly.

# %%
exact = attribution.exact_abs_transcoder(n)
exact_codes = np.maximum(x @ exact["W_enc"].T + exact["b_enc"], 0)
exact_edges, _ = attribution_edges(x, np.eye(n, dtype=np.float32), exact_codes, exact["W_enc"], exact["W_dec"])
exact_effects = np.einsum("bij,jk->bik", exact_edges, exact["W_dec"])
exact_scores = attribution.edge_scores(prune_edges(exact_effects, 0.1), true_graph)
print("exact replacement: precision {:.2f}, recall {:.2f}, F1 {:.2f}".format(*exact_scores))

# %% [markdown]
# ## 5. Steering: add a feature's direction, watch every output
#
# To *act* on a feature, add $\alpha$ times its direction to the hidden activation. We steer the ReLU-output
# model of lessons 1–2, $x' = \mathrm{ReLU}(W^\top W x + b)$ with $h = Wx$ (batch-first: `h = x @ W.T`), trained on
# the pentagon ($n = 5$ features in $m = 2$ dimensions). Feature $i$'s direction is what a lone $x_i = 1$ writes
# into $h$: the **column** $W_i$ = `W[:, i]`, unnormalised, so $\alpha$ is in units of the feature's own value.
# Steering moves output $j$'s pre-activation by exactly
#
# $$\alpha\,(W^\top W)_{ji} = \alpha\, W_j \cdot W_i:$$
#
# the intended output by $\alpha \lVert W_i\rVert^2$, every other output by the **interference** $\alpha\, W_j
# \cdot W_i$ — the superposition geometry of lessons 2–4 is also a map of steering's spill-over. At $x = 0$
# ($h = 0$) the outputs are $\mathrm{ReLU}(b)$, so the change is predicted exactly:
#
# $$\Delta x'_j(\alpha) = \mathrm{ReLU}\big(b_j + \alpha (W^\top W)_{ji}\big) - \mathrm{ReLU}(b_j).$$
#
# Over real data the ReLU gates it: an output that is off moves only once it is lifted above 0, one that is on
# can be pushed down only to 0.

# %%
pentagon_config = toysup.ToyConfig(
    n_features=5,
    n_hidden=2,
    feature_probability=0.05,
    restarts=4,
    steps=600 if QUICK else 3_000,
    learning_rate=1e-2,
    seed=0,
)
pentagon = toysup.train(pentagon_config, progress=False)
W, b = pentagon.params["W"][0], pentagon.params["b"][0]
print("‖W_i‖:", np.linalg.norm(W, axis=0), " b:", b)
print("WᵀW:\n", W.T @ W)

# %% [markdown]
# ### Exercise 8.3 — a steering curve, measured (10 min, ★☆☆)
#
# `W` is `(m, n)`, `b` is `(n,)`, `x` is a batch `(batch, n)`. For each $\alpha$ in `alphas`, add
# $\alpha$ `W[:, feature]` to every sample's $h$ and return the change of the batch-mean outputs, shape
# `(len(alphas), n)`.
#
# <details><summary>Hint</summary>
#
# `h = x @ W.T`; the outputs of a hidden batch are `np.maximum(h @ W + b, 0)`. Subtract the unsteered mean
# outputs from the steered ones, one row per α, and `np.stack` the rows.
#
# </details>


# %%
def steer_feature(W, b, x, feature, alphas):
    """(alphas, n): for each α the batch mean of the change of every output of x' = ReLU(h W + b), h = x Wᵀ, when
    α W[:, feature] is added to h."""
    raise NotImplementedError("Exercise 8.3")


# %%
check_steer_feature(steer_feature)

# %% [markdown]
# ### Exercise 8.4 — the prediction from WᵀW (10 min, ★☆☆)
#
# Return $\mathrm{ReLU}\big(b_j + \alpha (W^\top W)_{ji}\big) - \mathrm{ReLU}(b_j)$ for every $\alpha$ and output
# $j$, shape `(len(alphas), n)`.


# %%
def predicted_steering(W, b, feature, alphas):
    """(alphas, n): ReLU(b + α (WᵀW)[:, feature]) − ReLU(b), the change at x = 0."""
    raise NotImplementedError("Exercise 8.4")


# %%
check_predicted_steering(predicted_steering)

# %% [markdown]
# Steer feature 0 over $\alpha \in [0, 2]$ on 4,096 samples of the model's own data, and compare with the
# prediction. The spill-over is every output's change at the largest $\alpha$ as a share of the intended one's.

# %%
FEATURE = 0
alphas = np.linspace(0.0, 2.0, 9)
x_data = steering.model_inputs(pentagon_config, jax.random.key(0), 4_096)
measured = steer_feature(W, b, x_data, FEATURE, alphas)
predicted = predicted_steering(W, b, FEATURE, alphas)
print("measured change at α = 2: ", measured[-1])
print("predicted change at α = 2:", predicted[-1])
print("spill-over at α = 2 (share of the intended change):", measured[-1] / measured[-1, FEATURE])
gap = np.abs(measured - predicted).max() / np.abs(predicted[:, FEATURE]).max()
print(f"largest |measured − predicted| as a share of the largest intended change: {gap:.3f}")
curve = steering.steering_curve("relu_output", {"W": W, "b": b}, x_data, FEATURE, alphas)
print(f"yours − the library's: {np.abs(measured - curve.measured).max():.1e} (float32 sums over 4,096 samples)")
fig = circuit_plots.steering_curves([curve])
fig

# %% [markdown]
# With the full run, steering feature 0 by $\alpha = 2$ raises its own output by about 2.3 and its two pentagon
# neighbours (interference $W_j \cdot W_i \approx +0.4$) by about 0.54 each, 23% of the intended change: steering
# spills onto the features that share its direction, as $W^\top W$ says. The two features across the pentagon
# ($W_j \cdot W_i \approx -1.0$) are already off at $x = 0$, so the prediction there is 0; over the data they dip
# slightly, from the few samples in which they were on. Measured and predicted curves agree to within about 1% of
# the intended change. (Quick mode trains the pentagon for fewer steps; the numbers move, the pattern stays.)
#
# ## 6. What a toy model lets us check that a large model cannot
#
# * **The true graph.** We wrote the task, so "input $i$ → output $i$" is known, and a traced graph can be scored
#   by precision, recall and F1 — not only by how plausible it looks.
# * **Model versus task.** The model's own graph (`model_graph`) is measurable too, and the gap between the two
#   shows that a perfect replacement recovers the *model's* computation, including what it failed to learn.
# * **Completeness.** The direct effects add up to the replacement's output exactly, and the pruned graph's
#   explained variance says how much of the model's behaviour the drawn circuit accounts for.
# * **Steering's side effects, predicted.** The interference $W^\top W$ predicts every output's response before
#   we steer; the measured curves test it, so spill-over is a number, not a surprise.
#
# A large model offers none of these: its features, its graph and its geometry are all unknowns. Toy models are
# where methods can be tested against the answer before they are trusted where there is none.
#
# ## Take-aways and questions
#
# * A transcoder is an SAE with a target; it replaces a layer by sparse latents whose edges can be traced.
# * Given the active latents the replacement is linear, so every output splits exactly into direct effects; an
#   edge's weight is its mean absolute effect, and pruning keeps the edges that carry it.
# * A traced graph can only be as true as the model: it recovers the model's graph, not the task's.
# * Steering along a feature's column moves every output by $\alpha (W^\top W)_{ji}$ before the ReLU;
#   superposition's interference is steering's spill-over.
#
# **Questions.** (1) Prune the trained transcoder's graph with θ = 0.02, 0.3 and 0.5: how do precision and
# recall against the two graphs change? (2) Could a better transcoder reach F1 = 1 against the task's graph for
# this model? Why or why not? (3) Steer feature 1 instead of 0: which outputs spill over, and why those?
# (4) Steer with negative α: what does the prediction at x = 0 say, and why does the measured curve of the
# intended output differ from it? (5) How would you steer the |x| model of section 1, whose hidden layer has a
# ReLU? Try `steering.steering_curve("abs", ...)` on it.
