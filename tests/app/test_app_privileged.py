"""The Privileged basis page: by default it trains by itself and its neurons go from monosemantic (dense) to
polysemantic (sparse); its heatmaps are not flattened by one outlying weight; it retrains when a control moves;
every preset applies; the URL keeps the view."""

from app_helpers import (
    assert_clean,
    assert_every_control_has_help,
    assert_presets_apply,
    assert_retrains_by_itself,
    assert_url_round_trip,
    charts_on,
    open_page,
)


def test_the_default_goes_from_monosemantic_to_polysemantic():
    app = open_page("privileged")
    assert_clean(app)
    assert_every_control_has_help(app)
    assert charts_on(app) == 4  # one heatmap per model
    table = app.dataframe[0].value
    assert table["monosemantic neurons"].iloc[0] >= 3  # dense: most neurons hold one feature
    assert table["polysemantic neurons"].iloc[-1] == 5  # sparse: every neuron mixes features


def test_it_retrains_when_a_control_moves(quick):
    app = open_page("privileged", {"features": "4", "hidden": "2", "models": "2"})
    assert_retrains_by_itself(app, "privileged_models", 1, lambda page: page.dataframe[0].value["p"].tolist())


def test_every_preset_applies(quick):
    from views.privileged import PRESETS

    assert_presets_apply("privileged", PRESETS, "probability")


def test_a_link_opens_its_view(quick):
    assert_url_round_trip("privileged", {"features": "4", "hidden": "2", "probability": "0.1"}, {"decay": "0.2"})


def test_one_outlying_weight_does_not_flatten_a_heatmap_and_the_legend_says_so():
    import charts
    import numpy as np

    weights = np.random.default_rng(0).uniform(-1, 1, size=(5, 10))
    weights[2, 3] = -22.0
    colour = charts.heatmap(weights, "feature i", "neuron k", value_label="weight").to_dict()["encoding"]["color"]
    low, high = colour["scale"]["domain"]
    assert high == -low and high <= 1.0  # clipped at the 98th percentile of |weight|, not at 22
    assert "clipped" in colour["title"] and "98th" in colour["title"]
    plain = charts.heatmap(np.eye(3), "j", "i", value_label="w").to_dict()["encoding"]["color"]
    assert plain["scale"]["domain"] == [-1.0, 1.0] and plain["title"] == "w"  # nothing to clip: nothing said
