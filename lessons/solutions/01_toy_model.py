"""Solutions to the exercises of lesson 1 (the toy model), and answers to its questions."""

import jax
import jax.numpy as jnp
import optax


def draw_sparse_features(key, feature_probability, n_features, batch_size):
    """(batch_size, n_features) array: each entry 0 with probability 1 − p, else uniform on [0, 1]."""
    active_key, value_key = jax.random.split(key)
    active = jax.random.uniform(active_key, (batch_size, n_features)) < feature_probability
    value = jax.random.uniform(value_key, (batch_size, n_features))
    return jnp.where(active, value, 0.0)


def forward(W, b, x):
    """x' = ReLU(x Wᵀ W + b) for x of shape (batch, features): each row is ReLU(Wᵀ W x + b)."""
    hidden = x @ W.T  # (batch, hidden): each row is h = W x
    return jax.nn.relu(hidden @ W + b)


def weighted_loss(x, x_reconstructed, importance):
    """Mean over the batch of Σ_i I_i (x_i − x'_i)²."""
    per_sample = jnp.sum(importance * (x - x_reconstructed) ** 2, axis=1)
    return jnp.mean(per_sample)


def init_params(key, n_features, n_hidden):
    """{"W": Xavier-normal (n_hidden, n_features), "b": zeros (n_features,)}."""
    scale = jnp.sqrt(2 / (n_features + n_hidden))
    return {"W": scale * jax.random.normal(key, (n_hidden, n_features)), "b": jnp.zeros(n_features)}


def train_step(params, optimizer_state, x, importance, optimizer):
    """One step of gradient descent on the batch x: (new params, new optimizer state, loss before the step)."""

    def loss(params):
        return weighted_loss(x, forward(params["W"], params["b"], x), importance)

    value, grads = jax.value_and_grad(loss)(params)
    updates, optimizer_state = optimizer.update(grads, optimizer_state, params)
    return optax.apply_updates(params, updates), optimizer_state, value


def train_model(key, feature_probability, importance, n_hidden, optimizer, steps, batch_size):
    """One model trained for `steps` steps inside jax.lax.scan: (params, losses of shape (steps,))."""
    init_key, data_key = jax.random.split(key)
    n_features = importance.shape[0]
    params = init_params(init_key, n_features, n_hidden)

    def step(carry, step_index):
        params, optimizer_state = carry
        x = draw_sparse_features(jax.random.fold_in(data_key, step_index), feature_probability, n_features, batch_size)
        params, optimizer_state, loss = train_step(params, optimizer_state, x, importance, optimizer)
        return (params, optimizer_state), loss

    (params, _), losses = jax.lax.scan(step, (params, optimizer.init(params)), jnp.arange(steps))
    return params, losses


def train_instances(keys, feature_probabilities, importance, n_hidden, optimizer, steps, batch_size):
    """train_model for every (key, feature probability) pair at once: params and losses with a leading axis."""

    def one(key, feature_probability):
        return train_model(key, feature_probability, importance, n_hidden, optimizer, steps, batch_size)

    return jax.vmap(one)(keys, feature_probabilities)


def angle_gaps(W):
    """Sorted angles in degrees between neighbouring directions W[:, i] around the circle (sum 360)."""
    angles = jnp.sort(jnp.degrees(jnp.arctan2(W[1], W[0])) % 360)
    gaps = jnp.diff(jnp.concatenate([angles, angles[:1] + 360]))
    return jnp.sort(gaps)


ANSWERS = {
    1: "The least important features (the last ones, I_i = 0.7^i smallest). With importance_decay=0.7 the "
    "importances fall off fast, so as p grows towards dense features the model stops paying for interference "
    "and drops features from the least important end, until at p = 1 only the two most important remain, on "
    "orthogonal axes.",
    2: "No. Without the ReLU (and with it the bias's filtering) interference can never be removed, so it always "
    "costs. With equal importances the best linear model is any orthogonal projection onto a 2-d subspace: "
    "WᵀW is a projection of rank 2 (‖W‖_F² = 2) and its loss, (n − m)·Var(x) = 3 (p/3 − p²/4), is the same "
    "whichever plane is chosen. So the arrows are some such frame, with norms below 1, not five unit-length "
    "features; the model does no better than keeping two features' worth of information. Lesson 2 measures it.",
    3: "Each step's work is a few matrix products of sizes 1024 × 5 × 2: far too small to keep a CPU busy, so the "
    "time per step is mostly fixed overhead (launching the compiled step, the loop, the random numbers' "
    "bookkeeping). jax.vmap turns 64 models into one program whose operations are 64 times larger, which the "
    "CPU does with the same number of launches and better use of its vector units; the time grows much less "
    "than 16-fold until the arithmetic itself dominates. This is why toysup trains a whole sweep as one batch.",
}
