"""Solutions to the exercises of lesson 0 (the JAX primer), and answers to its questions."""

import jax
import jax.numpy as jnp


def zero_feature(x, i):
    """x (batch, features) with feature i set to 0 everywhere: a new array; x is unchanged."""
    return x.at[:, i].set(0.0)


def gradient_step(loss_fn, params, batch, learning_rate):
    """(loss at params, params − learning_rate · ∇loss), for params any pytree."""
    loss, grads = jax.value_and_grad(loss_fn)(params, batch)
    new_params = jax.tree.map(lambda p, g: p - learning_rate * g, params, grads)
    return loss, new_params


def ensemble_losses(loss_fn, W, x):
    """(instances,): loss_fn(W[k], x) for every instance k of W (instances, hidden, features); x is shared."""
    return jax.vmap(loss_fn, in_axes=(0, None))(W, x)


def train(loss_fn, params, key, n_steps, learning_rate):
    """(final params, losses (n_steps,)): step t is a gradient step on loss_fn(params, fold_in(key, t))."""

    def step(params, t):
        loss, params = gradient_step(loss_fn, params, jax.random.fold_in(key, t), learning_rate)
        return params, loss

    return jax.lax.scan(step, params, jnp.arange(n_steps))


ANSWERS = {
    1: (
        "`x[:, i] = 0.0` raises a TypeError: JAX arrays are immutable. `x.at[:, i].set(0.0)` returns a new array "
        "and leaves x as it was. Inside jax.jit the compiler sees that x is not used again and updates it in "
        "place, so the copy costs nothing where it matters. Immutability is what lets jit, grad and vmap treat a "
        "function as a mathematical function of its inputs."
    ),
    2: (
        "`jax.grad(loss_fn)` is a new function that returns the gradient with respect to the first argument, "
        "with the same pytree structure as that argument (a dict of arrays gives a dict of gradients). PyTorch "
        "instead records operations on tensors with requires_grad=True and `loss.backward()` stores the "
        "gradients in each tensor's `.grad`, which must be zeroed between steps. In JAX nothing is stored: the "
        "gradient is a return value, and `jax.value_and_grad` gives the loss too, from the same forward pass."
    ),
    3: (
        "The first call of a jitted function traces it and compiles it for the shapes and dtypes of its array "
        "arguments and the values of its static arguments. A call with a new shape (a batch of 1,000 after a "
        "batch of 1,024), a new dtype or a new static value compiles again; new values of the same shape do not. "
        "That is why toysup makes every swept setting (feature probability, importance) an array input, and "
        "keeps sizes and the model kind static: a new grid point of a sweep never recompiles."
    ),
    4: (
        "With one global seed (torch.manual_seed), the numbers a call draws depend on every draw made before it, "
        "so adding a print of a random sample or reordering two lines changes the results, and parallel or "
        "compiled code cannot know the order. With explicit keys every draw is a pure function of its key: "
        "`fold_in(key, step)` gives step t its batch whatever ran before, the same key gives the same batch on "
        "any device, and vmap over split keys gives independent seeds. Reusing a key gives the same numbers "
        "again — in draw_sparse_features the mask and the values would be correlated — hence `split`."
    ),
    5: (
        "A Python loop under jit is unrolled: the compiled program holds one copy of the step per iteration, so "
        "compile time grows with n_steps (10,000 steps take minutes to compile). `lax.scan` compiles the step "
        "once and loops on the device; its carry (the params and optimiser state) must keep the same shapes "
        "and dtypes every step, and the per-step outputs (the losses) are stacked into one array. Lesson 1 and "
        "lesson 6 train this way, and toysup's engine runs whole chunks of steps in one scan."
    ),
}
