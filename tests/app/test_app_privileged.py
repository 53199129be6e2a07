"""The Privileged basis page: it renders, trains at quick scale and plots."""

from app_helpers import assert_experiment_page_trains_and_plots, assert_renders_before_any_training


def test_privileged_renders_before_any_training():
    assert_renders_before_any_training("privileged")


def test_privileged_trains_and_plots():
    assert_experiment_page_trains_and_plots("privileged", {"features": 4, "hidden": 2, "models": 2})
