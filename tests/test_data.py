import jax
import numpy as np
import pytest

from toysup import ToyConfig, generate_batch, sample_features
from toysup.data import uniform

RNGS = pytest.mark.parametrize("rng", ["hash", "threefry"])


def draw(p, batch=200_000, **kw):
    return np.asarray(sample_features(jax.random.key(1), np.asarray(p, np.float32), batch, **kw))


@RNGS
def test_uniforms_are_uniform_and_independent(rng):
    keys = jax.random.split(jax.random.key(3), 2)
    u = np.asarray(uniform(keys[0], (400, 1000), rng)).ravel()
    v = np.asarray(uniform(keys[1], (400, 1000), rng)).ravel()
    assert u.min() >= 0 and u.max() < 1
    counts = np.histogram(u, bins=50, range=(0, 1))[0]
    expected = len(u) / 50
    chi2 = np.sum((counts - expected) ** 2 / expected)
    assert chi2 < 100  # 49 degrees of freedom: the 99.99th percentile is ~95
    tolerance = 5 / np.sqrt(len(u))
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < tolerance  # neighbouring elements
    assert abs(np.corrcoef(u[:-1000], u[1000:])[0, 1]) < tolerance  # neighbouring rows
    assert abs(np.corrcoef(u, v)[0, 1]) < tolerance  # two keys
    np.testing.assert_array_equal(u, np.asarray(uniform(keys[0], (400, 1000), rng)).ravel())


@RNGS
def test_independent_features_have_the_papers_distribution(rng):
    x = draw([1.0, 0.3, 0.05], rng=rng)
    active = x > 0
    np.testing.assert_allclose(active.mean(axis=1), [1.0, 0.3, 0.05], atol=0.005)
    for row in range(3):
        values = x[row][active[row]]
        assert values.min() >= 0 and values.max() <= 1
        # Uniform on [0, 1]: mean 1/2 and variance 1/12; and the features are independent.
        assert values.mean() == pytest.approx(0.5, abs=0.01)
        assert values.var() == pytest.approx(1 / 12, abs=0.005)
    both = (active[1] & active[2]).mean()
    assert both == pytest.approx(0.3 * 0.05, abs=0.002)


@RNGS
def test_correlated_sets_are_all_or_nothing(rng):
    x = draw([0.2] * 5, correlated_sets=(3,), rng=rng)
    active = x > 0
    in_set = active[:3]
    assert np.all(in_set.all(axis=0) | ~in_set.any(axis=0))
    assert in_set[0].mean() == pytest.approx(0.2, abs=0.005)
    # The set's members still have their own magnitudes.
    assert not np.allclose(x[0][in_set[0]], x[1][in_set[0]])
    # The rest stay independent of the set.
    assert (active[3] & in_set[0]).mean() == pytest.approx(0.04, abs=0.003)


@RNGS
def test_anticorrelated_sets_have_at_most_one_member_active(rng):
    x = draw([0.3] * 6, anticorrelated_sets=(2, 3), rng=rng)
    active = x > 0
    pair, triple = active[:2], active[2:5]
    assert pair.sum(axis=0).max() == 1 and triple.sum(axis=0).max() == 1
    assert pair.any(axis=0).mean() == pytest.approx(0.3, abs=0.005)
    np.testing.assert_allclose(triple.mean(axis=1), [0.1] * 3, atol=0.004)
    assert x[2:5][triple].mean() == pytest.approx(0.5, abs=0.01)


def test_signed_inputs_are_uniform_on_minus_one_to_one():
    x = draw([0.5, 1.0], signed=True)
    values = x[1]
    assert values.min() >= -1 and values.max() <= 1
    assert values.mean() == pytest.approx(0.0, abs=0.01)
    assert (values < 0).mean() == pytest.approx(0.5, abs=0.01)
    assert (x[0] != 0).mean() == pytest.approx(0.5, abs=0.005)


def test_generate_batch_uses_each_instances_probability():
    config = ToyConfig(n_features=4, n_instances=3, feature_probability=(1.0, 0.5, 0.1))
    x = np.asarray(generate_batch(config, jax.random.key(0), batch_size=20_000))
    assert x.shape == (3, 4, 20_000)
    np.testing.assert_allclose((x > 0).mean(axis=(1, 2)), [1.0, 0.5, 0.1], atol=0.01)
