"""The app's run zip (app/run_zip.py): a run round-trips, uploads that are not a safe toysup run are refused — a
hostile params.npz header or config.json before anything large is built — and a run too large to draw quickly is
summarised, not plotted."""

import io
import json
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from app_helpers import assert_clean, bad_uploads, count, huge_declared_params, open_page, run_files, zip_of
from run_zip import RUN_FILES, run_from_zip, run_to_zip

import toysup
from toysup.storage import DamagedFileError


def test_run_zip_round_trips(small_run):
    loaded = run_from_zip(run_to_zip(small_run))
    assert loaded.config == small_run.config
    np.testing.assert_array_equal(loaded.W, small_run.W)
    np.testing.assert_array_equal(loaded.loss_history, small_run.loss_history)
    in_a_folder = zip_of({f"my-run/{name}": content for name, content in run_files(small_run).items()})
    np.testing.assert_array_equal(run_from_zip(in_a_folder).b, small_run.b)
    assert sorted(run_files(small_run)) == sorted(RUN_FILES)
    with_marker = zip_of({**run_files(small_run), "toysup.json": b'{"kind": "run"}'})  # a run folder, zipped
    np.testing.assert_array_equal(run_from_zip(with_marker).W, small_run.W)


def test_run_zip_refuses_unsafe_and_foreign_zips(small_run):
    for data, words in bad_uploads(small_run).values():
        with pytest.raises(ValueError, match=words):
            run_from_zip(data)


def test_a_huge_declared_array_in_a_small_zip_is_refused_without_allocating(small_run):
    data = zip_of({**run_files(small_run), "params.npz": huge_declared_params(small_run, n_bytes=2**20)})
    assert len(data) < 1.1 * 2**20  # about 1 MB uploaded, 80 GB declared
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(DamagedFileError, match=r"params.npz \[W.npy\]: declares shape \(100000, 100000\)"):
            run_from_zip(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20 and time.perf_counter() - start < 2.0


def test_a_deep_or_large_config_is_refused_before_it_is_built(small_run):
    deep = b'{"config": {"importance": ' + b"[" * 45_000 + b"]" * 45_000 + b"}}"
    tracemalloc.start()
    try:
        with pytest.raises(DamagedFileError, match="nested deeper"):
            run_from_zip(zip_of({**run_files(small_run), "config.json": deep}))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20
    padded = b'{"config": {}, "notes": "' + b"x" * 2**21 + b'"}'
    with pytest.raises(DamagedFileError, match="config.json: 2.0 MB"):
        run_from_zip(zip_of({**run_files(small_run), "config.json": padded}))


def test_a_bad_upload_is_an_error_message_on_the_page_not_a_traceback(small_run):
    app = open_page("playground")
    for name in ("huge declared shape", "deep config", "infinite number", "wrong shapes"):
        data, words = bad_uploads(small_run)[name]
        app.file_uploader(key="playground_upload").set_value(("run.zip", data, "application/zip"))
        app.run()
        assert not app.exception, (name, [e.value for e in app.exception])
        assert len(app.error) == 1 and words in app.error[0].value, (name, [e.value for e in app.error])


def wide_run_zip(n_features: int) -> bytes:
    """A valid run of one model of ``n_features`` features in 2 dimensions, written by hand (saving it would
    compute its features × features metrics)."""
    config = toysup.ToyConfig(n_features=n_features, n_hidden=2, feature_probability=0.01, steps=10, batch_size=8)
    rng = np.random.default_rng(0)

    def npy(array):
        buffer = io.BytesIO()
        np.save(buffer, array)
        return buffer.getvalue()

    params = io.BytesIO()
    with zipfile.ZipFile(params, "w") as archive:
        archive.writestr("W.npy", npy(rng.normal(size=(1, 2, n_features)).astype(np.float32)))
        archive.writestr("b.npy", npy(np.zeros((1, n_features), np.float32)))
    stored = {"config": config.to_dict(), "toysup_version": toysup.__version__, "jax_version": "", "seed": 0}
    return zip_of(
        {
            "config.json": json.dumps(stored).encode(),
            "params.npz": params.getvalue(),
            "metrics.json": json.dumps({"final_loss": [0.5], "steps_done": 10, "log_every": 10}).encode(),
            "loss.npy": npy(np.full((1, 1), 0.5, np.float32)),
        }
    )


def test_a_run_too_large_to_draw_is_summarised_not_plotted():
    data = wide_run_zip(20_000)
    assert len(data) < 400_000
    app = open_page("playground")
    app.file_uploader(key="playground_upload").set_value(("wide.zip", data, "application/zip"))
    start = time.perf_counter()
    app.run()
    assert time.perf_counter() - start < 10.0
    assert_clean(app)
    assert count(app, "image") == 0 and count(app, "download_button") == 0
    assert any("summarised here instead of plotted" in info.value for info in app.info)
    table = app.dataframe[0].value
    assert list(table["model"]) == [0] and table["features represented"][0] > 0
