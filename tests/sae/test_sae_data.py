"""The synthetic data generators: firing rates, the hierarchy, orthogonal dictionaries, and bad input."""

import numpy as np
import pytest

from toysup import sae


def test_synthetic_generator_fires_at_the_asked_rates_and_obeys_the_hierarchy():
    import jax

    data = sae.synthetic_activations(
        12,
        8,
        firing="uniform",
        feature_probability=0.2,
        n_parents=2,
        children_per_parent=3,
        child_probability=1.0,
        orthogonal=True,
    )
    arrays = {k: v[0] for k, v in data.arrays.items()}
    x, codes = (np.asarray(a) for a in sae.data.draw("synthetic", data.options, arrays, jax.random.key(0), 20_000))
    np.testing.assert_allclose(x, codes @ data.truth[0], atol=1e-5)
    active = codes > 0
    assert abs(active[:, 0].mean() - 0.2) < 0.01 and abs(active[:, 8:].mean() - 0.2) < 0.01
    children = active[:, 1:4]
    assert not np.any(children.any(axis=1) & ~active[:, 0])  # children only with their parent
    assert children.sum(axis=1).max() == 1  # siblings exclude each other
    np.testing.assert_array_equal(children.any(axis=1), active[:, 0])  # child_probability = 1
    np.testing.assert_allclose(data.truth[0][:8] @ data.truth[0][:8].T, np.eye(8), atol=1e-5)  # orthogonalised
    zipf = sae.data.zipf_probabilities(100, 5.0)
    assert zipf.sum() == pytest.approx(5.0) and np.all(np.diff(zipf) < 0)


def test_bad_synthetic_input_names_the_field():
    with pytest.raises(ValueError, match="firing: must be one of"):
        sae.synthetic_activations(10, 4, firing="pareto")
    with pytest.raises(ValueError, match=r"correlation: must be in \[0, 1\)"):
        sae.synthetic_activations(10, 4, correlation=1.0)
