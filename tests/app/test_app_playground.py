"""The Playground page: its default is a pentagon, it retrains by itself as a control moves, every preset
applies, its settings round-trip through the URL, it loads an uploaded run and refuses a bad upload."""

import numpy as np
import pytest
from app_helpers import (
    assert_a_bad_upload_gets_a_message_not_a_traceback,
    assert_clean,
    assert_every_control_has_help,
    assert_presets_apply,
    assert_retrains_by_itself,
    assert_url_round_trip,
    charts_on,
    count,
    open_page,
)
from run_zip import run_to_zip


def test_the_default_view_is_a_trained_pentagon_without_a_button():
    app = open_page("playground")
    assert_clean(app)
    assert_every_control_has_help(app)
    table = app.dataframe[0].value
    assert table["features represented"][0] == 5
    assert table["D* = m/‖W‖²"][0] < 0.5  # five features sharing two dimensions
    dimensionality = app.dataframe[1].value
    np.testing.assert_allclose(dimensionality.iloc[0].to_numpy(), 0.4, atol=0.03)  # each D_i = 2/5: a pentagon
    assert charts_on(app) == 5  # directions, WᵀW, norms, biases, loss
    assert count(app, "download_button") == 1
    assert not app.button  # nothing to press at this size


def test_a_moved_control_retrains_and_redraws(quick):
    app = open_page("playground")
    assert_retrains_by_itself(
        app, "playground_features", 3, lambda page: page.dataframe[0].value["features represented"].tolist()
    )
    assert len(app.dataframe[1].value.columns) == 3  # D_0 … D_2
    app.slider(key="playground_models").set_value(2).run()
    assert_clean(app)
    np.testing.assert_allclose(app.dataframe[0].value["p"], [1.0, 0.05], rtol=1e-6)
    assert charts_on(app) == 2 + 5  # every model's directions, then one model in detail


def test_every_preset_applies(quick):
    from views.playground import PRESETS

    assert_presets_apply("playground", PRESETS, "features")


def test_a_link_opens_its_view_and_a_bad_value_warns(quick):
    assert_url_round_trip(
        "playground", {"features": "4", "probability": "0.1", "model": "linear"}, {"hidden": "99", "lr": "abc"}
    )


def test_playground_loads_an_uploaded_run(quick, small_run):
    app = open_page("playground")
    app.file_uploader(key="playground_upload").set_value(("run.zip", run_to_zip(small_run), "application/zip"))
    app.run()
    assert_clean(app)
    assert any("uploaded run" in caption.value for caption in app.caption)
    assert app.dataframe[0].value["final loss"][0] == pytest.approx(float(small_run.final_loss[0]))


def test_a_bad_upload_gets_a_message_not_a_traceback(quick, small_run):
    app = open_page("playground")
    assert_a_bad_upload_gets_a_message_not_a_traceback(app, "playground_upload", small_run)


def test_a_large_run_waits_for_train_streams_and_is_kept(quick, monkeypatch):
    import shared

    monkeypatch.setattr(shared, "LIVE_WORK", 0)  # every run counts as large
    app = open_page("playground")
    assert_clean(app)
    assert any("Press **Train**" in info.value for info in app.info)
    assert charts_on(app) == 0
    app.button(key="playground_train").click().run()
    assert_clean(app)
    assert charts_on(app) == 5
    trained = app.dataframe[0].value["final loss"].tolist()
    app.slider(key="playground_features").set_value(4).run()  # changed: the last run stays shown
    assert_clean(app)
    assert any("settings have changed" in caption.value for caption in app.caption)
    assert app.dataframe[0].value["final loss"].tolist() == trained
    app.slider(key="playground_features").set_value(5).run()  # back: the kept run, no caption
    assert not any("settings have changed" in caption.value for caption in app.caption)


def test_the_charts_name_each_feature_and_its_numbers():
    import charts

    W = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0]])
    spec = charts.feature_directions(W, np.array([1.0, 0.9, 0.81])).to_dict()
    values = next(iter(spec["datasets"].values()))
    tip = {row["feature"]: row for row in values if row["x"] != 0 or row["y"] != 0}
    assert tip[1]["norm"] == pytest.approx(2.0)
    assert tip[0]["interference"] == pytest.approx(1.0)  # feature 2 lies along feature 0, antipodal: (−1)² = 1
    assert tip[1]["interference"] == pytest.approx(0.0)  # orthogonal to both
    titles = {t["title"] for t in spec["layer"][1]["encoding"]["tooltip"]}
    assert {"feature i", "importance I_i", "norm ‖W_i‖"} <= titles


def test_settings_survive_a_visit_to_another_page(quick):
    app = open_page("playground", {"features": "4", "model": "linear"})
    app.switch_page("views/watch.py").run()
    app.switch_page("views/playground.py").run()
    assert_clean(app)
    assert app.slider(key="playground_features").value == 4
    assert app.selectbox(key="playground_model").value == "linear"


def test_a_large_run_streams_its_metrics_geometry_and_loss_after_every_chunk(quick, monkeypatch):
    import shared

    import toysup

    monkeypatch.setattr(shared, "LIVE_WORK", 0)  # every run counts as large
    monkeypatch.setenv("TOYSUP_APP_MAX_STEPS", "200")  # two chunks of 100 steps
    frames, titles = [], []
    draw, chart = shared.stream_frame, shared.chart

    def recorded_frame(config, done, W, curve):
        frames.append((done, {name: len(steps) for name, (steps, _) in curve.curves().items()} if curve.means else {}))
        draw(config, done, W, curve)

    def recorded_chart(value, **kwargs):
        titles.append(value.to_dict().get("title", {}))
        return chart(value, **kwargs)

    monkeypatch.setattr(shared, "stream_frame", recorded_frame)
    monkeypatch.setattr(shared, "chart", recorded_chart)
    monkeypatch.setattr(shared, "FRAME_INTERVAL_S", 0.0)  # a frame after every chunk, however quick
    app = open_page("playground", {"models": "2"})
    app.button(key="playground_train").click().run()
    assert_clean(app)
    # After initialisation and after each chunk, with one more point of every model's loss each time.
    assert frames == [(0, {}), (100, {"p = 1": 1, "p = 0.05": 1}), (200, {"p = 1": 2, "p = 0.05": 2})]
    shown = [str(title) for title in titles]
    assert sum("W_i at step" in title for title in shown) == 3
    assert sum("Loss so far" in title for title in shown) == 2
    # The streamed run is exactly toysup.train's, chunked as the app chunks it.
    config = toysup.ToyConfig(
        n_features=5,
        n_hidden=2,
        n_instances=2,
        feature_probability=(1.0, 0.05),
        importance_decay=0.9,
        steps=200,
        learning_rate=1e-2,
        batch_size=1024,
        seed=0,
    )
    expected = toysup.train(config, chunk_steps=100, log_every=1, progress=False)
    np.testing.assert_array_equal(app.dataframe[0].value["final loss"], expected.final_loss)


def test_a_streamed_frame_shows_the_loss_so_far_and_the_first_models_metrics():
    """A known frame: a regular pentagon of unit vectors (5 features represented, D* = 2/5) after two chunks whose
    mean losses were 0.2 and 0.1."""

    def frame():
        import numpy as np
        import shared

        import toysup

        config = toysup.ToyConfig(n_features=5, n_hidden=2, feature_probability=0.05, steps=200)
        curve = shared.LossSoFar(config)
        curve(0, np.full((100, 1), 0.2))
        curve(100, np.full((100, 1), 0.1))
        angles = 2 * np.pi * np.arange(5) / 5
        shared.stream_frame(config, 200, np.stack([np.cos(angles), np.sin(angles)]), curve)

    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(frame).run()
    assert_clean(app)
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown == {"loss L (last chunk)": "0.1", "features represented": "5 of 5", "D* = m/‖W‖²": "0.4"}
    assert charts_on(app) == 2  # the directions and the loss so far
    assert any("Step 200 of 200" in caption.value for caption in app.caption)


def test_a_streamed_run_redraws_at_most_every_frame_interval(quick, monkeypatch):
    import shared

    monkeypatch.setattr(shared, "LIVE_WORK", 0)
    monkeypatch.setenv("TOYSUP_APP_MAX_STEPS", "300")  # three chunks, each far quicker than the interval
    monkeypatch.setattr(shared, "FRAME_INTERVAL_S", 600.0)
    frames = []
    draw = shared.stream_frame
    monkeypatch.setattr(shared, "stream_frame", lambda *args: (frames.append(args[1]), draw(*args)))
    app = open_page("playground")
    app.button(key="playground_train").click().run()
    assert_clean(app)
    assert frames == [0, 100]  # initialisation and the first chunk only
