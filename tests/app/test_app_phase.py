"""The Phase diagram page: it renders, runs a small grid and shows a cell."""

from app_helpers import assert_clean, assert_renders_before_any_training, count, open_page


def test_phase_renders_before_any_training():
    assert_renders_before_any_training("phase")


def test_phase_diagram_runs_a_grid_and_shows_a_cell():
    app = open_page("phase")
    app.slider(key="phase_grid").set_value(2)
    app.slider(key="phase_restarts").set_value(1)
    app.select_slider(key="phase_steps").set_value(50)
    app.button(key="phase_run").click().run()
    assert_clean(app)
    app.select_slider(key="phase_row").set_value(1)
    app.select_slider(key="phase_col").set_value(0).run()
    assert_clean(app)
    assert any("Trained:" in markdown.value for markdown in app.markdown)
    assert count(app, "image") == 2  # the diagram and the cell's WᵀW (m = 1: no plane)
