"""Shared small runs, trained once per test session (compiled functions are cached across tests too)."""

import pytest

from toysup import ToyConfig, geometric_importance, train


@pytest.fixture(scope="session")
def pentagon_run():
    """n=5, m=2, uniform importance, feature probability 0.05, best of 4 restarts."""
    config = ToyConfig(n_features=5, n_hidden=2, n_instances=2, feature_probability=0.05, restarts=4,
                       steps=3000, learning_rate=1e-2, seed=0)
    return train(config, progress=False)


@pytest.fixture(scope="session")
def dense_run():
    """n=5, m=2, dense features, importance 0.9**i (the paper's intro, leftmost panel)."""
    config = ToyConfig(n_features=5, n_hidden=2, n_instances=2, feature_probability=1.0,
                       importance=geometric_importance(5, 0.9), restarts=2, steps=2000, learning_rate=1e-2)
    return train(config, progress=False)
