"""The SAE lab page: it renders, trains and scores an SAE and draws the recovery diagram, trains a
single-latent penalty SAE, shows the settings it derived from the data, and refuses a bad upload with a message."""

from app_helpers import (
    assert_a_bad_upload_gets_a_message_not_a_traceback,
    assert_clean,
    assert_renders_before_any_training,
    count,
    open_page,
)


def test_sae_lab_renders_before_any_training():
    assert_renders_before_any_training("sae_lab")


def test_a_bad_upload_gets_a_message_not_a_traceback(small_run):
    app = open_page("sae_lab")
    app.radio(key="sae_source").set_value("load a run").run()
    assert_a_bad_upload_gets_a_message_not_a_traceback(app, "sae_upload", small_run)


def test_sae_lab_trains_scores_and_draws_the_recovery_diagram():
    app = open_page("sae_lab")
    app.select_slider(key="sae_toy_steps").set_value(50)
    app.select_slider(key="sae_steps").set_value(50)
    app.button(key="sae_train").click().run()
    assert_clean(app)
    scores = {metric.label: float(metric.value) for metric in app.metric}
    assert 0 <= scores["MCC"] <= 1 and 0 <= scores["dead latents"] <= 1  # plain-language labels
    shown = " ".join(block.value for block in app.markdown)
    # the settings left at "derived" are shown with what they came from (toysup.sae.config.derive_settings)
    assert "Derived from the data" in shown and "l1_coefficient = " in shown and "(1 × √e; e = E‖x‖² / L" in shown
    assert "n_latents = " in shown and "penalty_warmup_steps = 10 (20% of the 50 steps)" in shown
    assert count(app, "image") == 1
    app.multiselect(key="sae_rec_l0").set_value([1.0])
    app.multiselect(key="sae_rec_ratios").set_value([1.0])
    app.multiselect(key="sae_rec_penalties_relu").set_value([0.1])
    app.select_slider(key="sae_rec_steps").set_value(50)
    app.button(key="sae_recovery").click().run()
    assert_clean(app)
    assert count(app, "image") == 2


def test_sae_lab_trains_a_single_latent_penalty_sae():
    """k is validated against the latents whatever the architecture; the lab must not trip over it."""
    app = open_page("sae_lab")
    app.selectbox(key="sae_arch").set_value("relu")
    app.select_slider(key="sae_latents").set_value(1)
    app.select_slider(key="sae_toy_steps").set_value(50)
    app.select_slider(key="sae_steps").set_value(50)
    app.button(key="sae_train").click().run()
    assert_clean(app)
    assert len(app.metric) == 8
