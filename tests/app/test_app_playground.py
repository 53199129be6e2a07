"""The Playground page: it renders, trains and shows the geometry, loads an uploaded run, and refuses a bad
upload with a message."""

import numpy as np
import pytest
from app_helpers import (
    assert_a_bad_upload_gets_a_message_not_a_traceback,
    assert_clean,
    assert_renders_before_any_training,
    count,
    open_page,
)
from run_zip import run_to_zip


def test_playground_renders_before_any_training():
    assert_renders_before_any_training("playground")


def test_playground_trains_and_shows_the_geometry():
    app = open_page("playground")
    app.select_slider(key="playground_steps").set_value(50)
    app.slider(key="playground_models").set_value(2)
    app.button(key="playground_train").click().run()
    assert_clean(app)
    assert count(app, "image") == 3  # directions, WᵀW/bias/norms, loss
    table = app.dataframe[0].value
    np.testing.assert_allclose(table["p"], [1.0, 0.05], rtol=1e-6)
    assert count(app, "download_button") == 1
    app.slider(key="playground_features").set_value(3).run()  # a changed setting keeps the last model shown
    assert_clean(app)
    assert count(app, "image") == 3
    assert any("settings have changed" in caption.value for caption in app.caption)


def test_playground_loads_an_uploaded_run(small_run):
    app = open_page("playground")
    app.file_uploader(key="playground_upload").set_value(("run.zip", run_to_zip(small_run), "application/zip"))
    app.run()
    assert_clean(app)
    assert any("uploaded run" in caption.value for caption in app.caption)
    assert app.dataframe[0].value["final loss"][0] == pytest.approx(float(small_run.final_loss[0]))


def test_a_bad_upload_gets_a_message_not_a_traceback(small_run):
    app = open_page("playground")
    assert_a_bad_upload_gets_a_message_not_a_traceback(app, "playground_upload", small_run)
