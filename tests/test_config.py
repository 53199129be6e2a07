import numpy as np
import pytest

from toysup import ToyConfig, geometric_importance, sparsity_sweep


@pytest.mark.parametrize(
    "changes, field, allowed",
    [
        ({"n_features": 0}, "n_features", ">= 1"),
        ({"n_hidden": -3}, "n_hidden", ">= 1"),
        ({"model": "sigmoid"}, "model", "linear, relu_output, relu_hidden, abs"),
        ({"feature_probability": 0.0}, "feature_probability", "(0, 1]"),
        ({"feature_probability": 1.5}, "feature_probability", "(0, 1]"),
        ({"n_instances": 2, "feature_probability": (0.5, 0.2, 0.1)}, "feature_probability", "one value per instance"),
        ({"importance": -1.0}, "importance", "> 0"),
        ({"importance": (1.0, 2.0)}, "importance", "one value per feature"),
        ({"importance_decay": 1.2}, "importance_decay", "in (0, 1]"),
        ({"learning_rate": 0.0}, "learning_rate", "> 0 and finite"),
        ({"optimizer": "sgd"}, "optimizer", "adam, adamw"),
        ({"schedule": "step"}, "schedule", "constant, linear, cosine"),
        ({"steps": 0}, "steps", ">= 1"),
        ({"warmup_steps": 10, "steps": 10}, "warmup_steps", "[0, 9]"),
        ({"correlated_sets": (2, 2), "anticorrelated_sets": (2,)}, "correlated_sets", "at most n_features=5"),
        ({"correlated_sets": (1,)}, "correlated_sets", ">= 2"),
        ({"batch_size": 2.5}, "batch_size", "integer"),
    ],
)
def test_bad_values_name_the_field_and_range(changes, field, allowed):
    with pytest.raises(ValueError) as error:
        ToyConfig(**changes)
    assert str(error.value).startswith(field)
    assert allowed in str(error.value)


def test_feature_probability_and_importance_broadcast():
    config = ToyConfig(n_features=3, n_instances=2, feature_probability=(0.5, 0.1), importance=(1.0, 0.5, 0.25))
    np.testing.assert_allclose(config.feature_probability_array(), [[0.5] * 3, [0.1] * 3])
    np.testing.assert_allclose(config.importance_array(), [[1.0, 0.5, 0.25]] * 2)
    matrix = ToyConfig(n_features=2, n_instances=2, feature_probability=[[1.0, 0.5], [0.2, 0.1]])
    np.testing.assert_allclose(matrix.feature_probability_array(), [[1.0, 0.5], [0.2, 0.1]], rtol=1e-6)


def test_importance_decay_multiplies_importance():
    config = ToyConfig(n_features=4, importance=2.0, importance_decay=0.5)
    np.testing.assert_allclose(config.importance_array(), [[2.0, 1.0, 0.5, 0.25]])
    assert geometric_importance(3, 0.9) == pytest.approx((1.0, 0.9, 0.81))


def test_dict_round_trip_and_lists_become_tuples():
    config = ToyConfig(n_instances=3, feature_probability=sparsity_sweep(3, 0.1), correlated_sets=[2])
    again = ToyConfig.from_dict(config.to_dict())
    assert again == config and hash(again) == hash(config)
    assert isinstance(again.correlated_sets, tuple)
    with pytest.raises(ValueError, match="unknown ToyConfig field"):
        ToyConfig.from_dict({"n_feature": 3})
