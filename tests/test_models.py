import jax
import jax.numpy as jnp
import numpy as np
import pytest

from toysup.models import ToyModel, importance_weighted_loss


def forward(kind, params, x):
    return np.asarray(ToyModel(n_features=4, n_hidden=3, kind=kind).apply({"params": params}, x))


@pytest.fixture
def x():
    return np.asarray(jax.random.uniform(jax.random.key(0), (4, 7), minval=-1.0, maxval=1.0))


@pytest.fixture
def params():
    k1, k2, k3 = jax.random.split(jax.random.key(1), 3)
    return {
        "W": jax.random.normal(k1, (3, 4)),
        "W1": jax.random.normal(k1, (3, 4)),
        "W2": jax.random.normal(k2, (4, 3)),
        "b": jax.random.normal(k3, (4,)),
    }


def relu(v):
    return np.maximum(v, 0)


def test_each_kind_computes_the_papers_formula(params, x):
    W, b = np.asarray(params["W"]), np.asarray(params["b"])[:, None]
    small = {"W": params["W"], "b": params["b"]}
    np.testing.assert_allclose(forward("linear", small, x), W.T @ W @ x + b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(forward("relu_output", small, x), relu(W.T @ W @ x + b), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(forward("relu_hidden", small, x), relu(W.T @ relu(W @ x) + b), rtol=1e-5, atol=1e-5)
    W1, W2 = np.asarray(params["W1"]), np.asarray(params["W2"])
    absolute = {"W1": params["W1"], "W2": params["W2"], "b": params["b"]}
    np.testing.assert_allclose(forward("abs", absolute, x), relu(W2 @ relu(W1 @ x) + b), rtol=1e-5, atol=1e-5)


def test_initialisation_is_xavier_normal_with_zero_bias():
    model = ToyModel(n_features=400, n_hidden=100)
    params = model.init(jax.random.key(0), jnp.zeros((400, 1)))["params"]
    assert params["W"].shape == (100, 400)
    assert float(jnp.std(params["W"])) == pytest.approx(np.sqrt(2 / 500), rel=0.03)
    assert float(jnp.abs(params["b"]).max()) == 0.0


def test_loss_is_importance_weighted_squared_error_summed_over_features_mean_over_batch():
    target = jnp.array([[1.0, 0.0], [0.5, 0.5]])
    output = jnp.array([[0.0, 0.0], [0.5, 1.5]])
    importance = jnp.array([2.0, 3.0])
    # batch 0: 2 * 1 = 2; batch 1: 3 * 1 = 3; mean 2.5
    assert float(importance_weighted_loss(output, target, importance)) == pytest.approx(2.5)
