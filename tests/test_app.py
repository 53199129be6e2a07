"""The Streamlit app, page by page, with ``streamlit.testing.v1.AppTest``: each page renders, its main action runs
at quick scale, and uploads that are not a safe toysup run are refused with a message."""

import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

import toysup  # noqa: E402

APP_FOLDER = Path(__file__).resolve().parents[1] / "app"
APP = APP_FOLDER / "streamlit_app.py"
sys.path.insert(0, str(APP_FOLDER))
from run_zip import RUN_FILES, run_from_zip, run_to_zip  # noqa: E402

PAGES = ("playground", "watch", "phase", "geometry", "correlated", "privileged", "computation", "sae_lab", "lessons",
         "figures")
TIMEOUT = 240


def open_page(page: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    app.switch_page(f"views/{page}.py").run()
    return app


def count(app: AppTest, kind: str) -> int:
    """Elements of a kind (e.g. ``image``) anywhere on the page, sidebar and columns included."""
    def walk(node) -> int:
        return (getattr(node, "type", None) == kind) + sum(walk(child) for child in getattr(node, "children",
                                                                                           {}).values())
    return walk(app._tree)


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


@pytest.fixture(scope="module")
def small_run() -> toysup.TrainResult:
    return toysup.train(toysup.ToyConfig(n_features=4, n_hidden=2, feature_probability=0.1, steps=20),
                        chunk_steps=10, progress=False)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_before_any_training(page):
    app = open_page(page)
    assert_clean(app)
    assert app.title and app.title[0].value
    if page not in ("lessons", "figures"):  # the training pages wait for their button
        assert any("Press" in info.value for info in app.info)


def test_playground_trains_and_shows_the_geometry():
    app = open_page("playground")
    app.select_slider(key="playground_steps").set_value(50)
    app.slider(key="playground_models").set_value(2)
    app.button(key="playground_train").click().run()
    assert_clean(app)
    assert count(app, "image") == 3  # directions, WᵀW/bias/norms, loss
    table = app.dataframe[0].value
    np.testing.assert_allclose(table["1 − S"], [1.0, 0.05], rtol=1e-6)
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


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def run_files(result: toysup.TrainResult) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(run_to_zip(result))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pickled_params() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def bad_uploads(result: toysup.TrainResult) -> dict[str, tuple[bytes, str]]:
    """Name -> (zip bytes, words the refusal must contain)."""
    good = run_files(result)
    huge_config = good["config.json"].replace(b'"n_features": 4', b'"n_features": 100000000')
    return {
        "not a zip": (b"just some text", "not a zip"),
        "path traversal": (zip_of({**good, "../config.json": good["config.json"]}), "unsafe"),
        "absolute path": (zip_of({"/etc/config.json": good["config.json"]}), "unsafe"),
        "foreign file": (zip_of({**good, "evil.py": b"import os"}), "unexpected file"),
        "missing file": (zip_of({k: v for k, v in good.items() if k != "params.npz"}), "params.npz"),
        "pickled params": (zip_of({**good, "params.npz": pickled_params()}), "corrupted run"),
        "broken json": (zip_of({**good, "config.json": b"{not json"}), "not a toysup run"),
        "huge config": (zip_of({**good, "config.json": huge_config}), "too large"),
        "wrong shapes": (zip_of({**good, "loss.npy": good["loss.npy"][:-8]}), "corrupted run"),
    }


def test_run_zip_round_trips(small_run):
    loaded = run_from_zip(run_to_zip(small_run))
    assert loaded.config == small_run.config
    np.testing.assert_array_equal(loaded.W, small_run.W)
    np.testing.assert_array_equal(loaded.loss_history, small_run.loss_history)
    in_a_folder = zip_of({f"my-run/{name}": content for name, content in run_files(small_run).items()})
    np.testing.assert_array_equal(run_from_zip(in_a_folder).b, small_run.b)
    assert sorted(run_files(small_run)) == sorted(RUN_FILES)


def test_run_zip_refuses_unsafe_and_foreign_zips(small_run):
    for name, (data, words) in bad_uploads(small_run).items():
        with pytest.raises(ValueError, match=words):
            run_from_zip(data)


@pytest.mark.parametrize("page, uploader", [("playground", "playground_upload"), ("sae_lab", "sae_upload")])
def test_a_bad_upload_gets_a_message_not_a_traceback(page, uploader, small_run):
    app = open_page(page)
    if page == "sae_lab":
        app.radio(key="sae_source").set_value("load a run").run()
    for name in ("not a zip", "path traversal", "pickled params"):
        data, words = bad_uploads(small_run)[name]
        app.file_uploader(key=uploader).set_value(("run.zip", data, "application/zip"))
        app.run()
        assert not app.exception, (name, [e.value for e in app.exception])
        assert len(app.error) == 1 and words in app.error[0].value, (name, [e.value for e in app.error])


def test_watch_it_learn_records_snapshots_and_scrubs():
    app = open_page("watch")
    app.select_slider(key="watch_steps").set_value(50)
    app.select_slider(key="watch_every").set_value(10)
    app.button(key="watch_train").click().run()
    assert_clean(app)
    frame = app.slider(key="watch_frame")
    assert (frame.min, frame.max, frame.value) == (0, 5, 5)  # step 0 and after each of 5 chunks
    frame.set_value(0).run()
    assert_clean(app)
    app.button(key="watch_gif").click().run()
    assert_clean(app)
    assert count(app, "image") == 3  # the frame, the GIF and the D_i-over-training plot


def test_watch_it_learn_refuses_too_many_snapshots():
    app = open_page("watch")
    app.select_slider(key="watch_steps").set_value(20_000)
    app.select_slider(key="watch_every").set_value(10).run()
    assert not app.exception
    assert "at most" in app.error[0].value
    assert app.button(key="watch_train").disabled


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


@pytest.mark.parametrize("page, settings", [
    ("geometry", {"features": 10, "hidden": 2, "models": 2}),
    ("correlated", {"models": 1, "sets": 3}),
    ("privileged", {"features": 4, "hidden": 2, "models": 2}),
    ("computation", {"features": 3, "hidden": 6, "models": 1}),
])
def test_experiment_pages_train_and_plot(page, settings):
    app = open_page(page)
    for name, value in settings.items():
        app.slider(key=f"{page}_{name}").set_value(value)
    app.select_slider(key=f"{page}_steps").set_value(50)
    app.button(key=f"{page}_train").click().run()
    assert_clean(app)
    assert count(app, "image") >= 1
    assert count(app, "dataframe") >= (0 if page == "geometry" else 1)


def test_sae_lab_trains_scores_and_draws_the_recovery_diagram():
    app = open_page("sae_lab")
    app.select_slider(key="sae_toy_steps").set_value(50)
    app.select_slider(key="sae_steps").set_value(50)
    app.button(key="sae_train").click().run()
    assert_clean(app)
    scores = {metric.label: float(metric.value) for metric in app.metric}
    assert 0 <= scores["mcc"] <= 1 and 0 <= scores["dead_share"] <= 1
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
    app.slider(key="sae_latents").set_value(1)
    app.select_slider(key="sae_toy_steps").set_value(50)
    app.select_slider(key="sae_steps").set_value(50)
    app.button(key="sae_train").click().run()
    assert_clean(app)
    assert len(app.metric) == 8


def test_lessons_are_readable_with_display_math_on_lines_of_its_own():
    app = open_page("lessons")
    lessons = app.selectbox(key="lessons_lesson")
    assert len(lessons.options) >= 1
    app.toggle(key="lessons_solutions").set_value(True).run()  # the first lesson has $$…$$ across lines
    assert_clean(app)
    assert len(app.code) >= 2 and any(markdown.value.startswith("#") for markdown in app.markdown)
    math_lines = [line for markdown in app.markdown for line in markdown.value.splitlines() if "$$" in line]
    assert math_lines and all(line == "$$" for line in math_lines)
    lessons.select_index(len(lessons.options) - 1).run()
    assert_clean(app)


def test_figures_page_regenerates_a_figure_with_its_check():
    app = open_page("figures")
    app.button(key="figures_intro_make").click().run()
    assert_clean(app)
    assert any("claim holds" in success.value for success in app.success) or app.warning
    assert count(app, "json") >= 1
