"""The SAE lab page: its default view, trained without a button, recovers the toy's features with settings derived
from the data and explains L0 against the true L0; every toy feature is in its matching table (a dropped or
unmatched one too); it retrains as a control moves, every preset applies, its settings round-trip through the URL,
it draws the recovery diagram, and it refuses a bad upload with a message."""

from app_helpers import (
    assert_a_bad_upload_gets_a_message_not_a_traceback,
    assert_clean,
    assert_presets_apply,
    assert_url_round_trip,
    charts_on,
    open_page,
)


def scores(app) -> dict[str, float]:
    return {metric.label: float(metric.value) for metric in app.metric}


def feature_table(app):
    return next(frame.value for frame in app.dataframe if "status" in frame.value.columns)


def test_the_default_view_recovers_the_features_without_a_button():
    app = open_page("sae_lab")
    assert_clean(app)
    assert not [button for button in app.button if button.key == "sae_lab_train"]  # nothing to press at this size
    shown = scores(app)  # plain-language labels (toysup.sae.metrics.METRICS), not raw keys
    assert shown["MCC"] >= 0.99 and shown["recovered ≥0.9"] == 1.0 and shown["matched cosine"] >= 0.99
    table = feature_table(app)
    assert table["toy feature"].tolist() == [0, 1, 2, 3, 4] and set(table["status"]) == {"recovered"}
    text = " ".join(block.value for block in app.markdown)
    # every setting left at "derived" is shown with its reason (toysup.sae.config.derive_settings)
    assert "n_latents = 10 (2 × the 5 true features)" in text and "k = 1 (the expected number" in text
    # L0 against the true L0: what each counts, and why a TopK SAE with k = 1 sits at 1
    assert shown["L0"] == 1.0 and 0.2 < shown["true L0"] < 0.3
    assert "fires exactly k = 1 latent on every input" in text and "have no active feature" in text
    firing = next(frame.value for frame in app.dataframe if "share of inputs" in frame.value.columns)
    assert firing["active true features"][0] == "0" and 0.7 < firing["share of inputs"][0] < 0.85
    assert charts_on(app) == 2  # the 2-D arrows and the cosine heatmap
    assert app.query_params["arch"] == "topk" and app.query_params["latents"] == "derived"


def test_every_toy_feature_is_in_the_table_dropped_and_unmatched_ones_too():
    """Six features in two dimensions: the toy keeps five and shrinks one; with three latents two of the five are
    left without a latent. All six are listed, each with its best latent and cosine."""
    app = open_page("sae_lab", {"features": "6", "toy_steps": "1000", "latents": "3", "steps": "500"})
    assert_clean(app)
    table = feature_table(app)
    assert table["toy feature"].tolist() == list(range(6))
    status = table["status"].tolist()
    assert sum(s.startswith("not represented") for s in status) == 1
    assert sum(s.startswith("unmatched") for s in status) == 2
    assert table["best latent"].notna().all() and table["best cosine"].notna().all()
    assert table["matched latent"].notna().sum() == 3


def test_a_moved_control_retrains_and_redraws(quick):
    app = open_page("sae_lab")
    before = feature_table(app)["toy feature"].tolist()
    app.slider(key="sae_lab_features").set_value(3).run()
    assert_clean(app)
    assert feature_table(app)["toy feature"].tolist() == [0, 1, 2] != before


def test_every_preset_applies(quick):
    from views.sae_lab import PRESETS

    assert_presets_apply("sae_lab", PRESETS, "arch")


def test_a_link_opens_its_view_and_a_bad_value_warns(quick):
    """The link's settings reach the widgets and the URL; here a single-latent ReLU SAE, which must not trip over k
    (validated against the latents whatever the architecture)."""
    assert_url_round_trip(
        "sae_lab",
        {"arch": "relu", "latents": "1", "penalty": "0.3", "features": "4"},
        {"hidden": "99", "steps": "abc"},
    )
    app = open_page("sae_lab", {"arch": "relu", "latents": "1", "penalty": "0.3"})
    assert_clean(app)
    assert len(app.metric) == 8 and 0 <= scores(app)["dead latents"] <= 1
    assert "l1_coefficient = " not in " ".join(block.value for block in app.markdown)  # given, so not derived


def test_the_recovery_diagram_is_drawn(quick):
    app = open_page("sae_lab")
    shown = charts_on(app)
    app.multiselect(key="sae_lab_rec_l0").set_value([1.0])
    app.multiselect(key="sae_lab_rec_ratios").set_value([1.0])
    app.button(key="sae_lab_recovery").click().run()
    assert_clean(app)
    assert charts_on(app) == shown + 1


def test_a_bad_upload_gets_a_message_not_a_traceback(quick, small_run):
    app = open_page("sae_lab")
    app.radio(key="sae_lab_source").set_value("load a run").run()
    assert_a_bad_upload_gets_a_message_not_a_traceback(app, "sae_lab_upload", small_run)
