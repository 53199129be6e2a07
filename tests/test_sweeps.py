import json
import os
import subprocess
import sys

import numpy as np
import pytest

import toysup
from toysup.sweeps import Axis, SweepSpec, load_sweep, parse_axis, run_sweep, sweep_spec

BASE = toysup.ToyConfig(n_features=3, n_hidden=2, steps=100, batch_size=64, learning_rate=1e-2)
AXES = ["feature_probability=0.1,0.5,1.0", "importance[2]=logspace(-1,1,2)"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The small sweep in one chunk."""
    spec = sweep_spec(BASE, AXES, seeds=2)
    return spec, run_sweep(spec, tmp_path_factory.mktemp("reference"), progress=False)


def test_axis_parsing():
    assert parse_axis("feature_probability=logspace(-2,0,3)").values == pytest.approx((0.01, 0.1, 1.0))
    assert parse_axis("importance_decay=linspace(0.5, 1, 3)").values == pytest.approx((0.5, 0.75, 1.0))
    assert parse_axis("n_hidden=1,2,3").values == (1, 2, 3)
    assert parse_axis("model=linear,relu_output").values == ("linear", "relu_output")
    assert parse_axis("importance[1]=0.5,2").dim == "importance_1"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: parse_axis("feature_probability"), "expected NAME=VALUES"),
        (lambda: parse_axis("feature_probability=0.1,1.2.3"), "values must be numbers"),
        (lambda: Axis("sparsity", (0.1,)), "must name a config field"),
        (lambda: Axis("n_hidden[1]", (1,)), "take a [feature] index"),
        (lambda: Axis("restarts", (1, 2)), "cannot be swept"),
        (lambda: Axis("n_hidden", ()), "at least one value"),
        (lambda: sweep_spec(BASE, ["feature_probability=0.5,1.5"]), "feature_probability: must be in (0, 1]"),
        (lambda: sweep_spec(BASE, ["importance[7]=1,2"]), "feature index must be in [0, 2]"),
        (lambda: sweep_spec(BASE, ["n_hidden=0,1"]), "n_hidden: must be >= 1"),
        (lambda: sweep_spec(BASE, AXES, seeds=0), "seeds"),
        (lambda: sweep_spec(BASE.replace(n_instances=2, feature_probability=1.0), AXES), "base.n_instances"),
    ],
)
def test_bad_axes_are_refused_before_compute(make, message):
    with pytest.raises(ValueError) as error:
        make()
    assert message in str(error.value)


def test_dataset_is_labelled_by_the_axes(reference):
    spec, dataset = reference
    assert dict(dataset.sizes) == {
        "feature_probability": 3,
        "importance_2": 2,
        "seed": 2,
        "hidden": 2,
        "feature": 3,
        "log_step": 10,
    }
    np.testing.assert_allclose(dataset["importance_2"], [0.1, 10.0])
    assert dataset["W"].dims == ("feature_probability", "importance_2", "seed", "hidden", "feature")
    assert np.all(np.isfinite(dataset["loss"]))
    assert json.loads(dataset.attrs["sweep"]) == json.loads(json.dumps(spec.to_dict()))
    # Seeds are independent fits; the metrics match the stored weights.
    assert not np.allclose(dataset["W"].isel(seed=0), dataset["W"].isel(seed=1))
    norms = np.linalg.norm(dataset["W"].values, axis=-2)
    np.testing.assert_allclose(dataset["feature_norms"].values, norms, rtol=1e-5)


def test_chunks_resume_and_do_not_change_results(reference, tmp_path):
    spec = SweepSpec(base=BASE, axes=reference[0].axes, seeds=2, chunk_copies=5)
    stops = []

    def stop_after_two(done, total):
        if done == 2:
            stops.append(done)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, tmp_path, progress=False, on_progress=stop_after_two)
    chunks = sorted((tmp_path / "chunks").iterdir())
    assert len(chunks) == 2 and stops == [2]
    with pytest.raises(ValueError, match="unfinished"):
        toysup.sweeps.assemble(spec, tmp_path)
    stamp = chunks[0].stat().st_mtime_ns
    dataset = run_sweep(spec, tmp_path, progress=False)
    assert chunks[0].stat().st_mtime_ns == stamp  # finished chunks are not trained again
    assert len(list((tmp_path / "chunks").iterdir())) == 3
    np.testing.assert_allclose(dataset["W"], reference[1]["W"], rtol=1e-5, atol=1e-6)
    loaded = load_sweep(tmp_path)
    np.testing.assert_array_equal(loaded["W"], dataset["W"])


def test_a_different_sweep_into_the_same_folder_is_refused(reference, tmp_path):
    run_sweep(sweep_spec(BASE, ["feature_probability=1.0"]), tmp_path, progress=False)
    with pytest.raises(ValueError, match="different sweep"):
        run_sweep(sweep_spec(BASE, ["feature_probability=0.5"]), tmp_path, progress=False)


def test_static_axes_are_grouped_and_padded(tmp_path):
    spec = sweep_spec(BASE, {"n_hidden": [1, 2], "feature_probability": [1.0]})
    dataset = run_sweep(spec, tmp_path, progress=False)
    one_hidden = dataset["W"].sel(n_hidden=1).values
    assert np.all(np.isnan(one_hidden[..., 1, :])) and np.all(np.isfinite(one_hidden[..., 0, :]))
    # D* uses each point's own hidden size: m / ‖W‖_F².
    W = one_hidden[0, 0, :1]
    assert float(dataset["dimensions_per_feature"].sel(n_hidden=1)[0, 0]) == pytest.approx(1 / np.sum(W**2), rel=1e-4)


def test_corrupted_sweep_file_is_a_clear_error(tmp_path):
    (tmp_path / "sweep.nc").write_bytes(b"not netcdf")
    with pytest.raises(ValueError, match="corrupted sweep"):
        load_sweep(tmp_path)
    with pytest.raises(ValueError, match="not a finished toysup sweep"):
        load_sweep(tmp_path / "missing")


SHARDED = """
import numpy as np, jax, toysup
from toysup.sweeps import sweep_spec, run_sweep
from toysup import engine
assert jax.local_device_count() == 2
shard_copies, devices_used = engine.shard_copies, []
def counted(arrays, n_devices):
    devices_used.append(n_devices)
    sharded = shard_copies(arrays, n_devices)
    assert all(len(leaf.sharding.device_set) == 2 for leaf in jax.tree.leaves(sharded))
    return sharded
engine.shard_copies = counted
base = toysup.ToyConfig(n_features=3, n_hidden=2, steps=100, batch_size=64, learning_rate=1e-2)
dataset = run_sweep(sweep_spec(base, {axes!r}, seeds=2), {out!r}, progress=False)
np.save({out!r} + "/W.npy", dataset["W"].values)
assert devices_used and set(devices_used) == {{2}}
"""


def test_instance_axis_is_sharded_over_two_devices_with_the_same_result(reference, tmp_path):
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    script = SHARDED.format(axes=AXES, out=str(tmp_path))
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True)
    np.testing.assert_allclose(np.load(tmp_path / "W.npy"), reference[1]["W"].values, rtol=1e-5, atol=1e-6)


WORKER = """
import sys, jax
jax.config.update("jax_cpu_collectives_implementation", "gloo")
jax.distributed.initialize(coordinator_address="127.0.0.1:" + sys.argv[1], num_processes=2,
                           process_id=int(sys.argv[2]))
import toysup
from toysup.sweeps import sweep_spec, run_sweep
base = toysup.ToyConfig(n_features=3, n_hidden=2, steps=100, batch_size=64, learning_rate=1e-2)
run_sweep(sweep_spec(base, {axes!r}, seeds=2, chunk_copies=5), {out!r}, progress=False)
"""


def test_two_processes_share_the_chunks_over_loopback(reference, tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    script = WORKER.format(axes=AXES, out=str(tmp_path))
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, port, str(i)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    np.testing.assert_allclose(load_sweep(tmp_path)["W"], reference[1]["W"], rtol=1e-5, atol=1e-6)
