"""The mutation table of lesson 0's checks (the JAX primer): every ``check_*`` of ``toysup.lessons.primer_checks``
accepts the reference solution and other correct ways to write it, and rejects at least three plausible wrong
answers ("mutants") with an AssertionError naming the exercise. ``CHECKS`` has the structure of
``test_check_mutations.CHECKS``: check name -> ((lesson, solution name), [other correct answers], [mutants]).

The tests themselves (accept the solution and the other correct answers, reject every mutant, at least three
mutants per check) run over every table in ``test_check_mutations.py``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from mutants import Mutant, solution

# ---------------------------------------------------------------- exercise 0.1


def _assign_in_place(x, i):
    x[:, i] = 0.0
    return x


def _zero_with_python_int(x, i):
    return jnp.where(jnp.arange(x.shape[1]) == int(i), 0.0, x)  # int() of a traced i fails inside jit


# ---------------------------------------------------------------- exercise 0.2


def _step(update, *, loss_after=False, argnum=0):
    """gradient_step with one thing changed: the update of a leaf, the loss returned, what is differentiated."""

    def gradient_step(loss_fn, params, batch, learning_rate):
        loss, grads = jax.value_and_grad(loss_fn, argnums=argnum)(params, batch)
        new_params = jax.tree.map(lambda p, g: update(p, g, learning_rate), params, grads)
        return (loss_fn(new_params, batch) if loss_after else loss), new_params

    return gradient_step


def _step_with_grad_then_loss(loss_fn, params, batch, learning_rate):
    grads = jax.grad(loss_fn)(params, batch)
    return loss_fn(params, batch), jax.tree_util.tree_map(lambda p, g: p - learning_rate * g, params, grads)


def _step_with_dict_keys(loss_fn, params, batch, learning_rate):
    loss, grads = jax.value_and_grad(loss_fn)(params, batch)
    return loss, {name: value - learning_rate * grads[name] for name, value in params.items()}


def _step_returning_params_only(loss_fn, params, batch, learning_rate):
    return solution(0, "gradient_step")(loss_fn, params, batch, learning_rate)[1]


# ---------------------------------------------------------------- exercise 0.4


def _trainer(*, batch_key="fold_in", loss_after=False, carry=True):
    """train with one thing changed: how step t's key is made, the loss recorded, the params carried."""

    def train(loss_fn, params, key, n_steps, learning_rate):
        keys = {
            "fold_in": jax.vmap(lambda t: jax.random.fold_in(key, t))(jnp.arange(n_steps)),
            "fold_in(t + 1)": jax.vmap(lambda t: jax.random.fold_in(key, t + 1))(jnp.arange(n_steps)),
            "the same key": jnp.stack([key] * n_steps),
        }[batch_key]

        def step(current, step_key):
            start = current if carry else params
            loss, grads = jax.value_and_grad(loss_fn)(start, step_key)
            new = jax.tree.map(lambda p, g: p - learning_rate * g, start, grads)
            return new, (loss_fn(new, step_key) if loss_after else loss)

        return jax.lax.scan(step, params, keys)

    return train


def _train_in_a_python_loop(loss_fn, params, key, n_steps, learning_rate):
    losses = []
    for t in range(n_steps):
        loss, params = solution(0, "gradient_step")(loss_fn, params, jax.random.fold_in(key, t), learning_rate)
        losses.append(loss)
    return params, jnp.stack(losses)


# ---------------------------------------------------------------- the table

CHECKS: dict[str, tuple[tuple[int, str], list, list[Mutant]]] = {
    "check_zero_feature": (
        (0, "zero_feature"),
        [
            lambda x, i: jnp.where(jnp.arange(x.shape[1]) == i, 0.0, x),
            lambda x, i: x * (jnp.arange(x.shape[1]) != i),
        ],
        [
            Mutant("assigns in place (x[:, i] = 0)", _assign_in_place, "immutable"),
            Mutant("zeroes sample i, not feature i", lambda x, i: x.at[i].set(0.0)),
            Mutant("deletes the column", lambda x, i: jnp.delete(x, i, axis=1), "shape"),
            Mutant("keeps only feature i", lambda x, i: x * (jnp.arange(x.shape[1]) == i), "kept only"),
            Mutant("zeroes features 0…i", lambda x, i: x.at[:, : i + 1].set(0.0)),
            Mutant("int(i) (fails inside jax.jit)", _zero_with_python_int, "jax.jit"),
        ],
    ),
    "check_gradient_step": (
        (0, "gradient_step"),
        [_step_with_grad_then_loss],
        [
            Mutant("goes uphill (+)", _step(lambda p, g, lr: p + lr * g), "uphill"),
            Mutant("returns the loss after the step", _step(lambda p, g, lr: p - lr * g, loss_after=True), "after"),
            Mutant("returns the gradients as params", _step(lambda p, g, lr: g)),
            Mutant("learning rate ignored", _step(lambda p, g, lr: p - g)),
            Mutant("assumes params is a dict", _step_with_dict_keys),
            Mutant("returns new_params only", _step_returning_params_only, "pair"),
            Mutant("differentiates with respect to the batch", _step(lambda p, g, lr: p - lr * g, argnum=1)),
        ],
    ),
    "check_ensemble_losses": (
        (0, "ensemble_losses"),
        [
            lambda loss_fn, W, x: jnp.stack([loss_fn(w, x) for w in W]),
            lambda loss_fn, W, x: jax.vmap(lambda w: loss_fn(w, x))(W),
        ],
        [
            Mutant("default in_axes (maps over x too)", lambda loss_fn, W, x: jax.vmap(loss_fn)(W, x), "sample k"),
            Mutant(
                "mean over instances",
                lambda loss_fn, W, x: jnp.mean(jax.vmap(loss_fn, in_axes=(0, None))(W, x)),
                "not their mean",
            ),
            Mutant("no vmap: the whole stack at once", lambda loss_fn, W, x: loss_fn(W, x)),
            Mutant("the first instance's loss for all", lambda loss_fn, W, x: jnp.full(len(W), loss_fn(W[0], x))),
            Mutant("the mean weights' loss for all", lambda loss_fn, W, x: jnp.full(len(W), loss_fn(W.mean(0), x))),
        ],
    ),
    "check_train": (
        (0, "train"),
        [_train_in_a_python_loop],
        [
            Mutant("the same batch key every step", _trainer(batch_key="the same key"), "from `key` itself"),
            Mutant("step t uses fold_in(key, t + 1)", _trainer(batch_key="fold_in(t + 1)"), "one off"),
            Mutant("records the loss after the update", _trainer(loss_after=True), "before any update"),
            Mutant("params not carried between steps", _trainer(carry=False), "carry the updated params"),
        ],
    ),
}
