"""The Figures page: it renders one figure of the gallery, a link opens the figure it names, and it regenerates a
figure with its check."""

from app_helpers import assert_clean, assert_url_round_trip, count, open_page


def test_figures_renders_the_first_figure():
    app = open_page("figures")
    assert_clean(app)
    assert app.title and app.selectbox(key="figures_figure").value == "intro"
    assert app.query_params["figure"] == "intro" and count(app, "image") == 1  # the gallery's PNG


def test_a_link_opens_its_figure_and_a_bad_value_warns():
    from toysup.figures import FIGURES

    assert_url_round_trip("figures", {"figure": "phase_diagrams"}, {})
    app = open_page("figures", {"figure": "phase_diagrams"})
    assert app.subheader[0].value == FIGURES["phase_diagrams"].TITLE
    app = open_page("figures", {"figure": "no_such_figure"})
    assert any("figure=" in warning.value for warning in app.warning)


def test_figures_page_regenerates_a_figure_with_its_check():
    app = open_page("figures")
    app.button(key="figures_intro_make").click().run()
    assert_clean(app)
    # A quick run gives no verdict: it says how the check looks at small scale and names the full-scale command.
    assert any("Quick run" in info.value and "toysup figures intro" in info.value for info in app.info)
    assert count(app, "json") >= 1
