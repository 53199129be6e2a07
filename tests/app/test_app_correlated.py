"""The Correlated features page: it renders, trains at quick scale and plots."""

from app_helpers import assert_experiment_page_trains_and_plots, assert_renders_before_any_training


def test_correlated_renders_before_any_training():
    assert_renders_before_any_training("correlated")


def test_correlated_trains_and_plots():
    assert_experiment_page_trains_and_plots("correlated", {"models": 1, "sets": 3})
