"""The Computation in superposition page: it renders, trains at quick scale and plots."""

from app_helpers import assert_experiment_page_trains_and_plots, assert_renders_before_any_training


def test_computation_renders_before_any_training():
    assert_renders_before_any_training("computation")


def test_computation_trains_and_plots():
    assert_experiment_page_trains_and_plots("computation", {"features": 3, "hidden": 6, "models": 1})
