"""The Geometry page: by default it trains by itself and D* falls from 1 (dense) to below 1/2 (sparse); it
retrains when a control moves; every preset applies; the URL keeps the view."""

from app_helpers import (
    assert_clean,
    assert_every_control_has_help,
    assert_presets_apply,
    assert_url_round_trip,
    charts_on,
    open_page,
)


def test_the_default_shows_d_star_falling_from_one():
    app = open_page("geometry")
    assert_clean(app)
    assert_every_control_has_help(app)
    assert charts_on(app) == 2
    from views.geometry import geometry  # the page's cached results: what it drew

    data = geometry(app.session_state["geometry_shown"][0])
    assert data["dims_per_feature"][0] > 0.9  # dense: one dimension per learned feature
    assert data["dims_per_feature"][-1] < 0.5  # sparse: features share dimensions


def test_it_retrains_when_a_control_moves(quick):
    app = open_page("geometry", {"features": "10", "hidden": "2", "models": "2"})
    assert app.session_state["geometry_shown"][0].n_features == 10
    app.slider(key="geometry_hidden").set_value(3).run()
    assert_clean(app)
    assert app.session_state["geometry_shown"][0].n_hidden == 3


def test_every_preset_applies(quick):
    from views.geometry import PRESETS

    assert_presets_apply("geometry", PRESETS, "features")


def test_a_link_opens_its_view(quick):
    assert_url_round_trip("geometry", {"features": "10", "hidden": "2", "models": "2"}, {"steps": "1500"})
