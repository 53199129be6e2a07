"""Saved runs (``toysup.save`` / ``toysup.load``): a round trip, atomic saves that never mix old and new files,
ownership of the folder, and every kind of damaged folder refused with one ``DamagedFileError`` naming the file."""

import dataclasses
import io
import json
import time
import warnings
import zipfile

import numpy as np
import pytest

import toysup
from toysup import ToyConfig, train
from toysup.storage import DamagedFileError, OutputError


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    config = ToyConfig(
        n_features=4, n_hidden=2, n_instances=2, feature_probability=(1.0, 0.1), steps=100, batch_size=128
    )
    result = train(config, chunk_steps=100, progress=False)
    return result, toysup.save(result, tmp_path_factory.mktemp("saved") / "run")


def test_round_trip(saved):
    result, directory = saved
    loaded = toysup.load(directory)
    assert loaded.config == result.config
    for name in result.params:
        np.testing.assert_array_equal(loaded.params[name], result.params[name])
    np.testing.assert_array_equal(loaded.loss_history, result.loss_history)
    np.testing.assert_array_equal(loaded.final_loss, result.final_loss)
    stored = json.loads((directory / "config.json").read_text())
    assert stored["seed"] == 0 and stored["jax_version"] and stored["toysup_version"] == toysup.__version__
    written = json.loads((directory / "metrics.json").read_text())
    assert len(written["feature_dimensionality"]) == 2 and len(written["final_loss"]) == 2
    assert written["complete"] is True and written["steps_done"] == 100
    assert np.load(directory / "params.npz")["W"].shape == (2, 2, 4)
    assert json.loads((directory / "toysup.json").read_text()) == {"kind": "run"}


def copy_run(directory, tmp_path):
    target = tmp_path / "copy"
    target.mkdir()
    for path in directory.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def declared(shape, data=b"\0" * 64) -> bytes:
    """An .npy whose header declares ``shape`` (float64) but holds only ``data``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + data


def edit_json(name, change):
    def damage(folder):
        value = json.loads((folder / name).read_text())
        change(value)
        (folder / name).write_text(json.dumps(value))

    return damage


def write(name, content):
    return lambda folder: (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())


def params_archive(**members):
    def damage(folder):
        with zipfile.ZipFile(folder / "params.npz", "w") as archive:
            for member, content in members.items():
                archive.writestr(f"{member}.npy", content)

    return damage


def truncate(name, keep=0.5):
    def damage(folder):
        content = (folder / name).read_bytes()
        (folder / name).write_bytes(content[: int(len(content) * keep)])

    return damage


def replace_with_folder(name):
    def damage(folder):
        (folder / name).unlink()
        (folder / name).mkdir()

    return damage


def set_config(**values):
    return edit_json("config.json", lambda stored: stored["config"].update(values))


def set_metrics(**values):
    return edit_json("metrics.json", lambda stored: stored.update(values))


W_OK, B_OK = np.zeros((2, 2, 4)), np.zeros((2, 4))

# name -> (damage done to a copy of a good run, the file the error must name, words it must contain)
DAMAGE = {
    "config.json missing": (lambda f: (f / "config.json").unlink(), "config.json", "missing"),
    "config.json empty": (write("config.json", ""), "config.json", "not valid JSON"),
    "config.json not JSON": (write("config.json", "{not json"), "config.json", "not valid JSON"),
    "config.json binary": (write("config.json", b"\xff\xfe\x00\x01"), "config.json", "UTF-8"),
    "config.json deeply nested": (
        write("config.json", '{"config": ' + "[" * 45_000 + "]" * 45_000 + "}"),
        "config.json",
        "nested deeper",
    ),
    "config.json 1e400": (write("config.json", '{"config": {"learning_rate": 1e400}}'), "config.json", "finite"),
    "config.json NaN": (write("config.json", '{"config": {"learning_rate": NaN}}'), "config.json", "NaN"),
    "config.json a list": (write("config.json", "[1, 2]"), "config.json", "'config' object"),
    "config.json config a string": (write("config.json", '{"config": "x"}'), "config.json", "'config' object"),
    "config.json invalid field": (set_config(n_features=-2), "config.json", "n_features"),
    "config.json unknown field": (set_config(colour="red"), "config.json", "unknown"),
    "config.json wrong type": (set_config(feature_probability={"a": 1}), "config.json", "feature_probability"),
    "config.json string size": (set_config(n_hidden="2"), "config.json", "n_hidden"),
    "config.json huge sizes": (set_config(n_features=10**9, n_instances=10**6), "config.json", "declares"),
    "config.json absurd integer": (set_config(n_features=10**4000), "config.json", "n_features"),
    "params.npz missing": (lambda f: (f / "params.npz").unlink(), "params.npz", "missing"),
    "params.npz garbage": (write("params.npz", b"garbage"), "params.npz", "not a readable .npz"),
    "params.npz empty": (write("params.npz", b""), "params.npz", "not a readable .npz"),
    "params.npz truncated": (truncate("params.npz"), "params.npz", "params.npz"),
    "params.npz an npy": (write("params.npz", npy_bytes(W_OK)), "params.npz", "not a readable .npz"),
    "params.npz no b": (params_archive(W=npy_bytes(W_OK)), "params.npz", "'b'"),
    "params.npz wrong shape": (
        params_archive(W=npy_bytes(np.zeros((3, 2, 4))), b=npy_bytes(B_OK)),
        "params.npz",
        "shape",
    ),
    "params.npz integers": (
        params_archive(W=npy_bytes(W_OK.astype(np.int64)), b=npy_bytes(B_OK)),
        "params.npz",
        "expected float",
    ),
    "params.npz objects": (
        params_archive(W=npy_bytes(np.array([{"x": 1}] * 16, dtype=object).reshape(2, 2, 4)), b=npy_bytes(B_OK)),
        "params.npz",
        "not numbers",
    ),
    "params.npz huge declared shape": (
        params_archive(W=declared((10**6, 10**6)), b=npy_bytes(B_OK)),
        "params.npz",
        "declares shape",
    ),
    "params.npz a folder": (replace_with_folder("params.npz"), "params.npz", "params.npz"),
    "params.npz extra member": (params_archive(W=npy_bytes(W_OK), b=npy_bytes(B_OK), **{"../x": b""}), "npz", ""),
    "loss.npy missing": (lambda f: (f / "loss.npy").unlink(), "loss.npy", "missing"),
    "loss.npy wrong shape": (lambda f: np.save(f / "loss.npy", np.zeros(5)), "loss.npy", "shape"),
    "loss.npy truncated": (truncate("loss.npy", 0.9), "loss.npy", "truncated"),
    "loss.npy saved as loss.npz": (
        lambda f: (f / "loss.npy").rename(f / "loss.npz"),
        "loss.npy",
        "missing",
    ),
    "loss.npy holding an npz": (
        lambda f: (f / "loss.npy").write_bytes((f / "params.npz").read_bytes()),
        "loss.npy",
        "not a numpy array file",
    ),
    "loss.npy pickled": (write("loss.npy", npy_bytes(np.array([None, {}], dtype=object))), "loss.npy", "numbers"),
    "loss.npy huge declared shape": (write("loss.npy", declared((10**9, 2))), "loss.npy", "declares shape"),
    "loss.npy a folder": (replace_with_folder("loss.npy"), "loss.npy", "cannot be read"),
    "metrics.json missing": (lambda f: (f / "metrics.json").unlink(), "metrics.json", "missing"),
    "metrics.json a list": (write("metrics.json", "[]"), "metrics.json", "JSON object"),
    "metrics.json final_loss short": (set_metrics(final_loss=[0.1]), "metrics.json", "final_loss"),
    "metrics.json final_loss strings": (set_metrics(final_loss=["a", "b"]), "metrics.json", "final_loss"),
    "metrics.json final_loss huge": (set_metrics(final_loss=[10**400, 1]), "metrics.json", "final_loss"),
    "metrics.json steps_done too many": (set_metrics(steps_done=101), "metrics.json", "steps_done"),
    "metrics.json steps_done a float": (set_metrics(steps_done=50.5), "metrics.json", "steps_done"),
    "metrics.json log_every zero": (set_metrics(log_every=0), "metrics.json", "log_every"),
    "metrics.json complete contradicts": (set_metrics(steps_done=50, complete=True), "metrics.json", "complete"),
    "toysup.json another kind": (write("toysup.json", '{"kind": "sweep"}'), "toysup.json", "not a run"),
    "toysup.json broken": (write("toysup.json", "{"), "toysup.json", "not valid JSON"),
}


@pytest.mark.parametrize("name", DAMAGE)
def test_every_kind_of_damage_is_one_damaged_file_error_naming_the_file(saved, tmp_path, name):
    damage, file, words = DAMAGE[name]
    directory = copy_run(saved[1], tmp_path)
    damage(directory)
    start = time.perf_counter()
    with pytest.raises(DamagedFileError) as error:
        toysup.load(directory)
    assert time.perf_counter() - start < 1.0
    assert file in str(error.value) and words in str(error.value), str(error.value)
    assert isinstance(error.value, ValueError)


def test_a_missing_folder_is_not_a_run(tmp_path):
    with pytest.raises(DamagedFileError, match="not a toysup run"):
        toysup.load(tmp_path / "nowhere")
    with pytest.raises(DamagedFileError, match="config.json: missing"):
        toysup.load(tmp_path)


def test_a_save_that_fails_half_way_leaves_the_old_run_loadable_and_unchanged(saved, tmp_path, monkeypatch):
    result, directory = saved
    run = copy_run(directory, tmp_path)
    before = {path.name: path.read_bytes() for path in run.iterdir()}
    retrained = dataclasses.replace(result, final_loss=result.final_loss + 1)

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", fail)
    with pytest.raises(OSError, match="disk full"):
        toysup.save(retrained, run, overwrite=True)
    monkeypatch.undo()
    assert {path.name: path.read_bytes() for path in run.iterdir()} == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["copy"]  # no half-written sibling, no lock
    np.testing.assert_array_equal(toysup.load(run).final_loss, result.final_loss)


def test_save_refuses_what_is_not_its_own_and_replaces_a_run_only_with_overwrite(saved, tmp_path):
    result, directory = saved
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "config.json").write_text('{"my": "own file"}')
    with pytest.raises(OutputError, match="toysup did not write"):
        toysup.save(result, foreign, overwrite=True)
    assert (foreign / "config.json").read_text() == '{"my": "own file"}'
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        toysup.save(result, tmp_path / "a-file")
    run = copy_run(directory, tmp_path)
    with pytest.raises(OutputError, match="pass --overwrite"):
        toysup.save(result, run)
    changed = dataclasses.replace(result, final_loss=result.final_loss + 1)
    toysup.save(changed, run, overwrite=True)
    np.testing.assert_array_equal(toysup.load(run).final_loss, changed.final_loss)


def test_numpy_numbers_in_a_config_save_and_load(tmp_path):
    config = ToyConfig(
        n_features=np.int64(3),
        n_hidden=np.int32(2),
        feature_probability=np.float32(0.5),
        importance=np.linspace(1.0, 0.5, 3),
        learning_rate=np.float64(1e-2),
        steps=np.int64(20),
        batch_size=64,
        seed=np.int64(3),
    )
    result = train(config, chunk_steps=20, progress=False)
    loaded = toysup.load(toysup.save(result, tmp_path / "run"))
    assert loaded.config == config and type(loaded.config.n_features) is int
    np.testing.assert_array_equal(loaded.W, result.W)


def test_non_finite_losses_are_written_as_null_and_read_as_nan(saved, tmp_path):
    result, _ = saved
    diverged = dataclasses.replace(result, final_loss=np.array([np.nan, 0.5], np.float32))
    run = toysup.save(diverged, tmp_path / "run")
    assert json.loads((run / "metrics.json").read_text())["final_loss"] == [None, 0.5]
    np.testing.assert_array_equal(toysup.load(run).final_loss, [np.nan, 0.5])


def test_a_partial_run_loads_with_a_warning(saved, tmp_path):
    result, _ = saved
    partial = dataclasses.replace(result, steps_done=60)
    run = toysup.save(partial, tmp_path / "run")
    assert json.loads((run / "metrics.json").read_text())["complete"] is False
    with pytest.warns(UserWarning, match="is a partial run: 60 of 100 steps"):
        assert toysup.load(run).steps_done == 60


def test_a_run_saved_before_markers_still_loads(saved, tmp_path):
    """The layout of 0.1: no toysup.json, no ``complete`` or ``log_every`` in metrics.json, and the loop settings
    ``chunk_steps`` and ``log_every`` inside the config."""
    result, _ = saved
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    config = {**result.config.to_dict(), "chunk_steps": 100, "log_every": 5}
    stored = {"config": config, "toysup_version": "0.1.0", "jax_version": "0.4.30", "seed": 0}
    (legacy / "config.json").write_text(json.dumps(stored))
    np.savez(legacy / "params.npz", **result.params)
    metrics = {"final_loss": result.final_loss.tolist(), "steps_done": 100, "feature_norms": [[1.0] * 4] * 2}
    (legacy / "metrics.json").write_text(json.dumps(metrics))
    np.save(legacy / "loss.npy", result.loss_history)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete legacy run loads without a warning
        loaded = toysup.load(legacy)
    assert loaded.config == result.config and loaded.log_every == 5 and loaded.steps_done == 100
    np.testing.assert_array_equal(loaded.W, result.W)
    with pytest.raises(OutputError, match="pass --overwrite"):
        toysup.save(result, legacy)
    toysup.save(result, legacy, overwrite=True)  # a legacy run is toysup's own, so it may be replaced
    assert toysup.load(legacy).log_every == result.log_every and (legacy / "toysup.json").exists()
