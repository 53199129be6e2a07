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
# # Lesson 0 — JAX for NumPy and PyTorch users
#
# **Learning goals.** After this lesson you can read and write the JAX of lessons 1–7:
#
# 1. use `jax.numpy` like NumPy, and update an array without changing it (`.at[…].set`);
# 2. get a loss and its gradient with `jax.value_and_grad`, for parameters held in a dict (a *pytree*);
# 3. say what `jax.jit` compiles and what makes it compile again;
# 4. turn a function of one model into a function of many with `jax.vmap`;
# 5. draw random numbers from explicit keys (`split`, `fold_in`) and run a training loop in `jax.lax.scan`.
#
# **Who it is for.** You know NumPy and have trained a network in PyTorch; you have not used JAX. The lesson
# is short: each idea, where the later lessons use it, and a small exercise. About 45 minutes.
#
# **How the lessons work.** Each exercise is a function with a stub (`raise NotImplementedError`). Write it and
# run the cell below it: a `check_*` function from `toysup.lessons` runs your function against the reference on
# small inputs and prints ✓ or says what is wrong. Hints are folded under "Hint"; the solutions are in
# `lessons/solutions/00_jax_primer.py` — try first. Data are **batch-first** in every lesson: `x` has shape
# `(batch, features)`, one sample per row, as in PyTorch.

# %%
# %matplotlib inline
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

from toysup.lessons import check_ensemble_losses, check_gradient_step, check_train, check_zero_feature, is_quick

plt.ioff()  # in Jupyter a figure shows where a cell ends with it, once
QUICK = is_quick()  # TOYSUP_QUICK=1 shrinks every run (the tests use it)
STEPS = 50 if QUICK else 500

# %% [markdown]
# ## 1. Arrays: NumPy's interface, but immutable
#
# `jax.numpy` (imported as `jnp`) has NumPy's functions and broadcasting rules. Three differences matter:
#
# * the default float is **float32** (as in PyTorch), not float64;
# * arrays live on the accelerator if there is one (GPU, TPU), else on the CPU; `np.asarray(a)` brings one back;
# * arrays are **immutable**: `x[0, 1] = 5.0` is an error. `x.at[0, 1].set(5.0)` returns a new array with that
#   entry changed (also `.add`, `.multiply`, `.min`, `.max`). Inside a compiled function the compiler does the
#   update in place when the old array is not used again, so this costs nothing where it matters.

# %%
x = jnp.arange(6.0).reshape(2, 3)  # a batch of 2 samples with 3 features
y = x.at[0, 1].set(10.0)
print("x:", x.tolist(), "dtype", x.dtype)
print("y:", y.tolist(), "— x is unchanged")
print("NumPy interoperates:", np.sum(np.asarray(y)), "on", jax.devices()[0].platform)

# %% [markdown]
# ### Exercise 0.1 — zero one feature (5 min, ★☆☆)
#
# Write `zero_feature(x, i)`: for `x` of shape `(batch, features)`, return a new array equal to `x` with
# feature `i` (column `i`) set to 0 in every sample. (Setting a feature to 0 is an *ablation*: it shows what a
# model does without that feature.) The check also calls it inside `jax.jit`, where `i` is a traced value
# (section 3), not a Python int.
#
# <details><summary>Hint</summary>
#
# `x.at[:, i].set(0.0)`. The indexing inside `.at[…]` is NumPy's: `:` for every sample, `i` for the feature.
#
# </details>


# %%
def zero_feature(x, i):
    """x (batch, features) with feature i set to 0 everywhere: a new array; x is unchanged."""
    raise NotImplementedError("Exercise 0.1")


# %%
check_zero_feature(zero_feature)

# %% [markdown]
# ## 2. Gradients are functions; parameters are pytrees
#
# In PyTorch, tensors with `requires_grad=True` record what is done to them and `loss.backward()` writes
# gradients into each tensor's `.grad`. In JAX, differentiation transforms a *function*:
# `jax.grad(loss_fn)` is a new function that returns the gradient of `loss_fn` with respect to its first
# argument. `jax.value_and_grad(loss_fn)` returns the loss too, from the same forward pass. Nothing is stored
# anywhere, so there is nothing to zero between steps.
#
# The first argument can be any **pytree**: a nested structure of dicts, lists and tuples with arrays at the
# leaves. The gradient has the same structure. `jax.tree.map(f, tree, other)` applies `f` leaf by leaf — the
# update `params − lr · grads` is one line for any model. toysup's models keep their parameters in dicts
# (`{"W": …, "b": …}`), and the optimiser library Optax (lessons 1, 6 and 7) is functions over pytrees.


# %%
def linear_loss(params, batch):
    """Mean squared error of y ≈ x·w + b on a batch (x (batch, features), y (batch,))."""
    x, y = batch
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


params = {"w": jnp.zeros(3), "b": jnp.array(0.0)}
batch = (jnp.ones((4, 3)), jnp.full(4, 2.0))
loss, grads = jax.value_and_grad(linear_loss)(params, batch)
print("loss", float(loss), "gradients", jax.tree.map(lambda g: g.tolist(), grads))
print("leaves of params:", [leaf.shape for leaf in jax.tree.leaves(params)])

# %% [markdown]
# ### Exercise 0.2 — one step of gradient descent (10 min, ★★☆)
#
# Write `gradient_step(loss_fn, params, batch, learning_rate)`, where `loss_fn(params, batch)` returns one
# number. Return the pair `(loss, new_params)`: the loss at `params` (before the step) and the parameters after
# one step of gradient descent with learning rate $\eta$,
#
# $$\theta_{\text{new}} = \theta - \eta \, \nabla_\theta L(\theta, \text{batch}),
# \qquad \text{for every leaf } \theta \text{ of params}.$$
#
# `params` may be an array, a dict or a nested structure — do not assume its keys. It is the whole of plain SGD;
# Adam (lesson 1) only changes how the gradient becomes an update.
#
# <details><summary>Hint</summary>
#
# `loss, grads = jax.value_and_grad(loss_fn)(params, batch)`, then
# `jax.tree.map(lambda p, g: p - learning_rate * g, params, grads)`.
#
# </details>


# %%
def gradient_step(loss_fn, params, batch, learning_rate):
    """(loss at params, params − learning_rate · ∇loss), for params any pytree."""
    raise NotImplementedError("Exercise 0.2")


# %%
check_gradient_step(gradient_step)

# %% [markdown]
# ## 3. `jit`: trace once, compile, run fast
#
# `jax.jit(f)` runs `f` once with **tracers** — stand-ins that record each operation and know only the shape
# and dtype of the arrays — and compiles what they recorded into one XLA program. Later calls with arrays of
# the same shapes and dtypes run the compiled program without Python. Three consequences:
#
# * **What recompiles**: a new shape or dtype of an array argument, or a new value of a *static* argument
#   (`jax.jit(f, static_argnums=…)`, for things like a number of steps or a model kind). New *values* of the
#   same shape do not. toysup keeps everything that is swept (feature probabilities, importances) an array
#   input, so a new point of a sweep never recompiles.
# * **Python runs only while tracing.** A `print` inside shows tracers, once; use `jax.debug.print` to see
#   values.
# * **No Python `if` on array values**: a tracer has no value to branch on. Write `jnp.where(cond, a, b)`
#   instead, or `jax.lax.cond`. The same goes for `int(x)` and NumPy functions on traced arrays — this is why
#   the checks of lessons 1–7 ask for `jnp`, not `np`.
#
# The cell below counts the traces of a jitted function.

# %%
traces = []


@jax.jit
def squared_norms(x):
    traces.append(x.shape)  # Python side effect: runs only when jit traces
    return jnp.sum(x**2, axis=1)


for shape in [(1024, 5), (1024, 5), (1000, 5), (1024, 5)]:
    squared_norms(jnp.ones(shape))
print("traced for shapes:", traces, "— four calls, two compilations")

big = jnp.ones((4096, 512))
squared_norms(big).block_until_ready()  # compile first; JAX runs asynchronously, so wait before timing
start = time.perf_counter()
squared_norms(big).block_until_ready()
print(f"a compiled call: {1e3 * (time.perf_counter() - start):.2f} ms")

# %% [markdown]
# ## 4. `vmap`: write it for one, run it for many
#
# `jax.vmap(f)` maps `f` over a leading axis of its arguments, as if `f` were called on each slice and the
# results stacked — but as one vectorised program, not a Python loop. `in_axes` says which axis of each
# argument is mapped; `None` means the argument is shared by every call. You write the code for **one** model
# (or one sample) and vmap gives you the batch.
#
# toysup trains many models at once this way: every *instance* (a seed, a point of a sweep) is one slice of a
# leading axis of the parameters, and one compiled step trains them all. In lesson 1 (Exercise 1.7) you vmap your
# one-model trainer over seeds and feature probabilities; through toysup, lessons 3 and 7 train whole phase
# diagrams this way.


# %%
def one_model(W, x):
    """The toy model's reconstruction for one model, batch-first: x (batch, features) -> ReLU(x Wᵀ W)."""
    return jax.nn.relu(x @ W.T @ W)


stack_of_W = jax.random.normal(jax.random.key(0), (8, 2, 5))  # 8 models, each (hidden 2, features 5)
batch_of_x = jnp.ones((16, 5))
out = jax.vmap(one_model, in_axes=(0, None))(stack_of_W, batch_of_x)
print("8 models on one shared batch:", out.shape)

# %% [markdown]
# ### Exercise 0.3 — the loss of every instance (10 min, ★★☆)
#
# Write `ensemble_losses(loss_fn, W, x)`: `W` has shape `(instances, hidden, features)`, `x` is one batch
# `(batch, features)` that **every** instance sees, and `loss_fn(W_k, x)` is the loss of one instance. Return
# an array of shape `(instances,)` whose entry k is `loss_fn(W[k], x)`. Use `jax.vmap` (a Python loop gives
# the same numbers, more slowly).
#
# <details><summary>Hint</summary>
#
# Map over the first axis of `W` and share `x`: `jax.vmap(loss_fn, in_axes=(0, None))(W, x)`. With the
# default `in_axes=0`, instance k would get only sample k.
#
# </details>


# %%
def ensemble_losses(loss_fn, W, x):
    """(instances,): loss_fn(W[k], x) for every instance k of W (instances, hidden, features); x is shared."""
    raise NotImplementedError("Exercise 0.3")


# %%
check_ensemble_losses(ensemble_losses)

# %% [markdown]
# ## 5. Random numbers from explicit keys
#
# PyTorch and NumPy keep a hidden global random state: what a call draws depends on every draw before it.
# JAX has no hidden state. A **key** is a value; `jax.random.uniform(key, shape)` is a pure function of it —
# the same key always gives the same numbers. So:
#
# * **never reuse a key** for two things that should be independent; `jax.random.split(key)` makes two (or
#   `split(key, n)`: n) new independent keys. Lesson 1's `draw_sparse_features` splits its key, one half for
#   which features are active, the other for their values;
# * `jax.random.fold_in(key, t)` makes a key from a key and an integer: step t of a training loop draws its
#   batch from `fold_in(data_key, t)`, the same whatever ran before — lessons 1 and 6 draw every batch this way;
# * vmap over `split(key, n)` gives n independently seeded models (lesson 1, Exercise 1.7).

# %%
key = jax.random.key(0)
print("same key, same numbers:", jax.random.uniform(key, (3,)).tolist(), jax.random.uniform(key, (3,)).tolist())
mask_key, value_key = jax.random.split(key)
print("split keys differ:", jax.random.uniform(mask_key, (3,)).tolist(), jax.random.uniform(value_key, (3,)).tolist())
print("step 7's batch key:", jax.random.key_data(jax.random.fold_in(key, 7)))

# %% [markdown]
# ## 6. `lax.scan`: a loop the compiler sees once
#
# A Python `for` loop inside `jit` is *unrolled*: 10,000 steps become 10,000 copies of the step in the compiled
# program, and compiling takes minutes. `jax.lax.scan(step, carry, xs)` compiles `step` once and loops on the
# device. `step(carry, x) -> (new_carry, y)` gets the running state (here the parameters) and one slice of `xs`
# (here the step number); scan returns the final carry and every `y` stacked (here the losses). The carry must
# keep its shapes and dtypes from step to step.


# %%
def running_sum(total, value):
    return total + value, total + value  # (the new carry, this step's output)


final, partial_sums = jax.lax.scan(running_sum, 0.0, jnp.arange(1.0, 6.0))
print("final", float(final), "each step", partial_sums.tolist())

# %% [markdown]
# ### Exercise 0.4 — a training loop in `scan` (15 min, ★★★)
#
# Put it together. Write `train(loss_fn, params, key, n_steps, learning_rate)`, where `loss_fn(params, key)`
# draws its own batch from `key` and returns its loss. Step t (t = 0 … n_steps − 1) is one
# `gradient_step` (your Exercise 0.2) on `loss_fn` with the batch key `jax.random.fold_in(key, t)`. Return
# `(params, losses)`: the final parameters and an array of shape `(n_steps,)` with each step's loss, taken
# before its update. This is the shape of every training loop in the course, and of toysup's own.
#
# <details><summary>Hint</summary>
#
# The carry is the parameters and `xs` the step numbers:
#
# ```python
# def step(params, t):
#     ...  # one gradient_step, on the batch key jax.random.fold_in(key, t)
#     return params, loss  # (the new carry, this step's output)
# ```
#
# `jax.lax.scan(step, params, jnp.arange(n_steps))` then returns exactly the pair asked for.
#
# </details>


# %%
def train(loss_fn, params, key, n_steps, learning_rate):
    """(final params, losses (n_steps,)): step t is a gradient step on loss_fn(params, fold_in(key, t))."""
    raise NotImplementedError("Exercise 0.4")


# %%
check_train(train)

# %% [markdown]
# ## 7. All of it at once: eight models in one compiled call
#
# Your `train`, jitted and vmapped over eight seeds: each seed starts from its own random weights and draws
# its own batches. Here it fits a line to noisy data; in lesson 1 the same loop, with Adam, trains the toy
# model.

# %%
TRUE_W = jnp.array([1.0, -2.0, 0.5])


def regression_loss(params, key):
    """A fresh batch of y = x·(1, −2, 0.5) + noise from key, and the squared error of x·w + b."""
    x_key, noise_key = jax.random.split(key)
    x = jax.random.normal(x_key, (32, 3))
    y = x @ TRUE_W + 0.1 * jax.random.normal(noise_key, (32,))
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


def train_one_seed(key):
    init_key, data_key = jax.random.split(key)
    params = {"w": jax.random.normal(init_key, (3,)), "b": jnp.array(0.0)}
    return train(regression_loss, params, data_key, STEPS, 0.05)


seeds = jax.random.split(jax.random.key(1), 8)
fitted, losses = jax.jit(jax.vmap(train_one_seed))(seeds)
print("losses:", losses.shape, "(seeds, steps); fitted w of seed 0:", np.round(np.asarray(fitted["w"][0]), 2))

fig, ax = plt.subplots(figsize=(5, 3))
ax.semilogy(np.asarray(losses).T, alpha=0.7)
ax.set(xlabel="step", ylabel="loss", title="eight seeds, one compiled call")
fig.tight_layout()
fig

# %% [markdown]
# ## Take-aways and questions
#
# * `jnp` is NumPy with immutable arrays: `x.at[…].set(…)` instead of assignment.
# * Transformations compose: `jax.jit(jax.vmap(train))` is a compiled trainer of many models, and `train`
#   itself is `scan` over `value_and_grad`. Parameters are pytrees; `jax.tree.map` updates them all.
# * Keys are values: split them for independent draws, `fold_in` the step for each batch.
#
# Where the course uses each: lesson 1 (`split` in the data generator, an Optax step with `value_and_grad`, a
# run in `scan` with `fold_in`, `vmap` over seeds), lessons 2–5 (`jnp` functions of weights, checked for being
# differentiable), lesson 6 (an SAE and its training loop in `scan`), lesson 7 (JumpReLU, whose threshold
# gradient is defined by hand because the true one is zero almost everywhere).
#
# **Questions.** (1) What happens if you write `x[:, i] = 0.0` on a JAX array, and why is the copy made by
# `.at[…].set` cheap inside `jit`? (2) How does `jax.grad` differ from PyTorch's `loss.backward()`: where do the
# gradients go, and what is their structure? (3) Which changes to the arguments of a jitted function make it
# compile again, and how does that shape the way a sweep over feature probabilities is written? (4) Why does
# JAX make random keys explicit instead of keeping a global seed like `torch.manual_seed`, and what goes wrong
# if you use one key for two draws? (5) Why use `lax.scan` instead of a Python `for` loop inside `jit`?
