import time
import tracemalloc

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


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"n_features": 10**12}, "n_features: must be <= 2147483647, got 1000000000000"),
        ({"n_hidden": 10**10}, "n_hidden: must be <= 2147483647"),
        ({"n_features": 2**20, "batch_size": 2**12}, "n_features × batch_size: must be at most 2147483647"),
        ({"n_instances": 2**20, "restarts": 2**12}, "n_instances × restarts: must be at most 2147483647"),
        ({"n_features": 10**6, "batch_size": 2000}, "n_instances × restarts × n_features × batch_size: the run needs"),
        ({"n_features": 10**5, "n_hidden": 10**4}, "n_instances × restarts × n_hidden × n_features: the run needs"),
        ({"n_features": 10**6, "n_instances": 10**3, "batch_size": 1}, "the run needs about"),
        ({"importance": 1e39}, "importance: must be <= 1e+30"),
        ({"importance": 1e-31}, "importance: must be >= 1e-30 after the decay"),
        ({"n_features": 1000, "importance_decay": 0.9}, "importance: must be >= 1e-30 after the decay"),
        ({"feature_probability": 1e-50}, "feature_probability: must be >= 2**-23"),
        ({"feature_probability": 2.0**-24}, "the data generator's uniforms have 23 bits"),
        ({"learning_rate": 1e30}, "learning_rate: must be <= 1000"),
        ({"learning_rate": float("inf")}, "learning_rate: must be > 0 and finite"),
        ({"weight_decay": 0.1}, "weight_decay: only adamw uses it"),
        ({"optimizer": "adamw", "learning_rate": 0.5, "weight_decay": 2.0}, "learning_rate × weight_decay < 1"),
        ({"optimizer": "adamw", "learning_rate": 1e-3, "weight_decay": float("inf")}, "weight_decay: must be >= 0"),
        ({"steps": 2**31}, "steps: must be <= 2147483647"),
    ],
)
def test_sizes_and_float32_ranges_are_refused_at_once(changes, message, monkeypatch):
    monkeypatch.setenv("TOYSUP_MEMORY_GB", "8")
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(ValueError) as error:
        ToyConfig(**changes)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert message in str(error.value) and "\n" not in str(error.value)
    assert elapsed < 0.5 and peak < 50e6  # refused before any large array is built


def test_the_smallest_values_that_fit_float32_and_the_generator_pass():
    ToyConfig(feature_probability=2.0**-23, importance=1e30, learning_rate=1e3)
    ToyConfig(n_features=100, importance_decay=0.5)  # 0.5**99 ≈ 1.6e-30: the app's extreme
    ToyConfig(optimizer="adamw", learning_rate=0.5, weight_decay=1.9)  # lr × wd = 0.95


def test_memory_terms_grow_with_the_sizes_and_name_them():
    small = ToyConfig()
    terms = small.memory_terms()
    assert set(terms) == {
        "n_instances × restarts × n_features × batch_size",
        "n_instances × restarts × n_hidden × n_features",
        "n_instances × restarts × steps",
        "n_instances × restarts × n_features",
    }
    assert 0 < sum(terms.values()) < 1e8
    bigger = small.replace(restarts=4).memory_terms()
    assert all(bigger[name] > terms[name] for name in terms)
    assert "copies per chunk × n_features × batch_size" in small.memory_terms(copies=64)
