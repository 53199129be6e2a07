"""The Geometry page: it renders, trains at quick scale and plots."""

from app_helpers import assert_experiment_page_trains_and_plots, assert_renders_before_any_training


def test_geometry_renders_before_any_training():
    assert_renders_before_any_training("geometry")


def test_geometry_trains_and_plots():
    assert_experiment_page_trains_and_plots("geometry", {"features": 10, "hidden": 2, "models": 2})
