"""The Computation in superposition page: by default it trains by itself and computes more features when they
are sparse than the two-neurons-per-feature of dense ones; it retrains when a control moves; every preset
applies; the URL keeps the view."""

from app_helpers import (
    assert_clean,
    assert_every_control_has_help,
    assert_presets_apply,
    assert_retrains_by_itself,
    assert_url_round_trip,
    charts_on,
    open_page,
)


def test_the_default_computes_more_sparse_features_than_neurons_allow_dense():
    app = open_page("computation")
    assert_clean(app)
    assert_every_control_has_help(app)
    assert charts_on(app) == 3  # W₁ of each model
    computed = app.dataframe[0].value["features computed"].tolist()
    assert computed[0] <= 5  # dense: two neurons per feature
    assert computed[-1] > 5


def test_it_retrains_when_a_control_moves(quick):
    app = open_page("computation", {"features": "3", "hidden": "6", "models": "1"})
    assert_retrains_by_itself(app, "computation_features", 4, lambda page: page.session_state["computation_shown"])


def test_every_preset_applies(quick):
    from views.computation import PRESETS

    assert_presets_apply("computation", PRESETS, "features")


def test_a_link_opens_its_view(quick):
    assert_url_round_trip("computation", {"features": "3", "hidden": "6", "models": "1"}, {"decay": "2"})


def test_a_large_run_of_the_abs_model_streams_and_then_shows_its_result(quick, monkeypatch):
    import shared

    monkeypatch.setattr(shared, "LIVE_WORK", 0)  # every run counts as large
    frames = []
    draw = shared.stream_frame
    monkeypatch.setattr(shared, "stream_frame", lambda *args: (frames.append(args[1]), draw(*args)))
    app = open_page("computation", {"features": "3", "hidden": "6", "models": "1"})
    assert charts_on(app) == 0
    app.button(key="computation_train").click().run()
    assert_clean(app)
    assert frames == [0, 50]  # the abs model's W₁ after initialisation and after its one chunk
    assert charts_on(app) == 1
