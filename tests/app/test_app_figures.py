"""The Figures page: it renders, and regenerates a figure with its check."""

from app_helpers import assert_clean, assert_renders_before_any_training, count, open_page


def test_figures_renders_before_any_training():
    assert_renders_before_any_training("figures")


def test_figures_page_regenerates_a_figure_with_its_check():
    app = open_page("figures")
    app.button(key="figures_intro_make").click().run()
    assert_clean(app)
    # A quick run gives no verdict: it says how the check looks at small scale and names the full-scale command.
    assert any("Quick run" in info.value and "toysup figures intro" in info.value for info in app.info)
    assert count(app, "json") >= 1
