import json

import numpy as np
import pytest

import toysup
from toysup import ToyConfig, train


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    config = ToyConfig(
        n_features=4, n_hidden=2, n_instances=2, feature_probability=(1.0, 0.1), steps=100, batch_size=128
    )
    result = train(config, chunk_steps=100, progress=False)
    return result, toysup.save(result, tmp_path_factory.mktemp("run"))


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
    assert np.load(directory / "params.npz")["W"].shape == (2, 2, 4)


def copy_run(directory, tmp_path):
    target = tmp_path / "copy"
    target.mkdir()
    for path in directory.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "config.json").write_text("{not json"), "not valid JSON"),
        (lambda d: (d / "config.json").unlink(), "missing"),
        (lambda d: (d / "config.json").write_text('{"config": {"n_features": -2}}'), "n_features"),
        (lambda d: (d / "params.npz").write_bytes(b"garbage"), "params.npz"),
        (lambda d: np.savez(d / "params.npz", W=np.zeros((2, 2, 4))), "'b'"),
        (lambda d: np.savez(d / "params.npz", W=np.zeros((3, 2, 4)), b=np.zeros((2, 4))), "shape"),
        (
            lambda d: np.savez(
                d / "params.npz", W=np.array([{"x": 1}] * 16, dtype=object).reshape(2, 2, 4), b=np.zeros((2, 4))
            ),
            "cannot be read",
        ),
        (lambda d: np.save(d / "loss.npy", np.zeros(5)), "loss.npy"),
    ],
)
def test_corrupted_or_foreign_runs_get_a_clear_error(saved, tmp_path, damage, message):
    directory = copy_run(saved[1], tmp_path)
    damage(directory)
    with pytest.raises(ValueError, match=message):
        toysup.load(directory)


def test_a_missing_folder_is_not_a_run(tmp_path):
    with pytest.raises(ValueError, match="not a toysup run"):
        toysup.load(tmp_path / "nowhere")
