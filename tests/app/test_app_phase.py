"""The Phase diagram page: by default it trains its grid and the chosen cell without a button, and the cell's
trained model agrees with the theory; picking another cell retrains it; every preset applies; the URL keeps the
view, the cell included."""

from app_helpers import (
    assert_clean,
    assert_every_control_has_help,
    assert_presets_apply,
    assert_url_round_trip,
    charts_on,
    open_page,
)


def test_the_default_trains_the_grid_and_a_cell_beside_the_theory():
    app = open_page("phase")
    assert_clean(app)
    assert_every_control_has_help(app)
    assert charts_on(app) == 6  # trained and theory diagrams; each side's cell model: positions and WᵀW
    assert any("agreement with theory" in markdown.value for markdown in app.markdown)
    cell = next(markdown.value for markdown in app.markdown if markdown.value.startswith("At p ="))
    assert "trained **superposition**" in cell and "theory **superposition**" in cell, cell
    table = app.dataframe[0].value
    assert table["lowest"].tolist() == [False, False, True]


def test_picking_another_cell_retrains_it(quick):
    app = open_page("phase")
    before = next(markdown.value for markdown in app.markdown if markdown.value.startswith("At p ="))
    app.select_slider(key="phase_row").set_value(0)
    app.select_slider(key="phase_col").set_value(5).run()
    assert_clean(app)
    after = next(markdown.value for markdown in app.markdown if markdown.value.startswith("At p ="))
    assert after != before and after.startswith("At p = 1, I = 0.1:"), after
    assert "theory **not represented**" in after  # dense and unimportant: the extra feature is dropped
    assert app.query_params["row"] == "0" and app.query_params["col"] == "5"


def test_every_preset_applies(quick):
    from views.phase import PRESETS

    assert_presets_apply("phase", PRESETS, "shape")


def test_a_link_opens_its_view_and_its_cell(quick):
    assert_url_round_trip("phase", {"shape": "3x2", "grid": "4", "row": "3", "col": "0"}, {"restarts": "9"})
