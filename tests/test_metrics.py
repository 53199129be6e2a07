"""Tests for toysup.metrics against hand-computed geometries (Elhage et al. 2022)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from toysup.metrics import (
    dimensions_per_feature,
    feature_dimensionality,
    feature_norms,
    in_superposition,
    interference,
    n_represented,
    summary,
)

FNS = (feature_norms, interference, feature_dimensionality,
       dimensions_per_feature, n_represented, in_superposition)


def pentagon() -> np.ndarray:
    ang = 2 * np.pi * np.arange(5) / 5
    return np.stack([np.cos(ang), np.sin(ang)]).astype(np.float32)  # (2, 5)


def dense_n5_m2() -> np.ndarray:
    W = np.zeros((2, 5), np.float32)
    W[0, 0] = W[1, 1] = 1.0
    return W


def parallel_pair() -> np.ndarray:
    return np.array([[1.0, 0.9], [0.0, 0.0]], np.float32)


def test_antipodal_pair():
    W = np.array([[1.0, -1.0]], np.float32)
    np.testing.assert_allclose(feature_dimensionality(W), [0.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(interference(W), [1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(dimensions_per_feature(W), 0.5, atol=1e-6)
    assert int(n_represented(W)) == 2
    assert bool(in_superposition(W))


def test_pentagon():
    W = pentagon()
    np.testing.assert_allclose(feature_norms(W), np.ones(5), atol=1e-6)
    np.testing.assert_allclose(feature_dimensionality(W), np.full(5, 0.4), atol=1e-5)
    np.testing.assert_allclose(dimensions_per_feature(W), 0.4, atol=1e-6)
    # sum_{j != i} cos^2(72 k) = 5/2 - 1
    np.testing.assert_allclose(interference(W), np.full(5, 1.5), atol=1e-5)
    assert int(n_represented(W)) == 5
    assert bool(in_superposition(W))


def test_orthonormal_basis():
    W = np.eye(3, dtype=np.float32)
    np.testing.assert_allclose(feature_dimensionality(W), np.ones(3), atol=1e-6)
    np.testing.assert_allclose(interference(W), np.zeros(3), atol=1e-6)
    np.testing.assert_allclose(dimensions_per_feature(W), 1.0, atol=1e-6)
    assert int(n_represented(W)) == 3
    assert not bool(in_superposition(W))


def test_dense_two_of_five():
    W = dense_n5_m2()
    assert int(n_represented(W)) == 2
    np.testing.assert_allclose(feature_dimensionality(W), [1, 1, 0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(interference(W), np.zeros(5), atol=1e-6)
    np.testing.assert_allclose(dimensions_per_feature(W), 1.0, atol=1e-6)
    assert not bool(in_superposition(W))


def test_parallel_pair_rank_deficient():
    W = parallel_pair()
    assert int(n_represented(W)) == 2  # both norms > 0.5, not more than m = 2
    assert bool(in_superposition(W))
    # threshold above 0.9 leaves one feature: a 1x1 invertible Gram
    assert not bool(in_superposition(W, threshold=0.95))


def test_large_norm_orthogonal_not_in_superposition():
    # scale must not matter for the relative eigenvalue test
    W = np.zeros((2, 4), np.float32)
    W[0, 0], W[1, 1], W[0, 2] = 100.0, 50.0, 0.1
    assert not bool(in_superposition(W))


def test_all_zero_no_nan():
    W = jnp.zeros((3, 4))
    for fn in FNS:
        out = np.asarray(fn(W))
        assert not np.isnan(out.astype(np.float64)).any(), fn.__name__
    np.testing.assert_array_equal(feature_dimensionality(W), np.zeros(4))
    np.testing.assert_array_equal(interference(W), np.zeros(4))
    assert int(n_represented(W)) == 0
    assert not bool(in_superposition(W))


def _stack() -> np.ndarray:
    """Several (2, 5) models with leading instance axes (2, 3, 2, 5)."""
    rng = np.random.default_rng(0)
    par = np.zeros((2, 5), np.float32)
    par[:, :2] = parallel_pair()
    cases = [pentagon(), dense_n5_m2(), par, np.zeros((2, 5), np.float32),
             rng.normal(size=(2, 5)).astype(np.float32), np.eye(2, 5, dtype=np.float32)]
    return np.stack(cases).reshape(2, 3, 2, 5)


@pytest.mark.parametrize("fn", FNS, ids=lambda f: f.__name__)
def test_batching_and_jit_match_single(fn):
    Ws = _stack()
    batched = np.asarray(fn(Ws))
    jitted = np.asarray(jax.jit(fn)(Ws))
    vmapped = np.asarray(jax.vmap(jax.vmap(fn))(Ws))
    single = np.stack([np.asarray(fn(W)) for W in Ws.reshape(-1, 2, 5)])
    single = single.reshape(batched.shape)
    for got in (batched, jitted, vmapped):
        assert got.shape == single.shape
        np.testing.assert_allclose(got, single, rtol=1e-5, atol=1e-6)


def test_batched_expected_values():
    Ws = _stack()
    np.testing.assert_array_equal(n_represented(Ws), [[5, 2, 2], [0, np.sum(np.linalg.norm(Ws[1, 1], axis=0) > 0.5), 2]])
    sup = np.asarray(in_superposition(Ws))
    assert sup.shape == (2, 3)
    assert sup[0].tolist() == [True, False, True]
    assert sup[1, 0] == False and sup[1, 2] == False  # noqa: E712
    np.testing.assert_allclose(dimensions_per_feature(Ws)[0], [0.4, 1.0, 2 / 1.81], rtol=1e-5)


def test_summary_keys_and_types():
    out = summary(jnp.asarray(_stack()))
    assert set(out) == {"feature_norms", "interference", "feature_dimensionality",
                        "dimensions_per_feature", "n_represented", "in_superposition"}
    assert all(isinstance(v, np.ndarray) for v in out.values())
    assert out["feature_norms"].shape == (2, 3, 5)
    assert out["in_superposition"].dtype == np.bool_
