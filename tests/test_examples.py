"""Named example runs: trained once, cached, loaded in one call; each shows what its description claims."""

from __future__ import annotations

import numpy as np
import pytest

import toysup
from toysup import examples, metrics


@pytest.fixture(autouse=True)
def _quiet():
    previous = toysup.set_progress(False)
    yield
    toysup.set_progress(previous)


def _no_training(*args, **kwargs):
    raise AssertionError("trained, but the example was cached")


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One cache folder for the module: each example is trained once, here or in the claim tests below."""
    return tmp_path_factory.mktemp("examples-cache")


@pytest.fixture(scope="module")
def pentagon(shared_cache):
    """The pentagon example, trained once for the module (with the real ``train``)."""
    return toysup.load_example("pentagon", cache=shared_cache)


@pytest.fixture
def trainings(pentagon, monkeypatch):
    """``examples.train`` replaced by one that records its calls and returns the pentagon trained above (a fresh
    copy): the cache tests see when training happens without training the same config again."""
    calls = []

    def fake_train(config, **options):
        assert config == pentagon.config, "only the pentagon example is trained here"
        calls.append(config)
        return type(pentagon)(**vars(pentagon))

    monkeypatch.setattr(examples, "train", fake_train)
    return calls


def test_the_first_call_trains_and_caches_and_the_second_only_loads(tmp_path, monkeypatch, trainings):
    first = toysup.load_example("pentagon", cache=tmp_path)
    assert len(trainings) == 1
    assert examples.example_path("pentagon", tmp_path).is_dir()
    monkeypatch.setattr(examples, "train", _no_training)
    second = toysup.load_example("pentagon", cache=tmp_path)
    assert second.config == first.config == examples.EXAMPLES["pentagon"].config
    np.testing.assert_array_equal(second.W, first.W)
    np.testing.assert_array_equal(second.final_loss, first.final_loss)


def test_the_cache_folder_comes_from_toysup_cache(tmp_path, monkeypatch, trainings):
    monkeypatch.setenv(examples.CACHE_VARIABLE, str(tmp_path / "cache"))
    assert examples.cache_folder() == tmp_path / "cache"
    result = toysup.load_example("pentagon")
    assert len(trainings) == 1
    assert examples.example_path("pentagon").parent == tmp_path / "cache" / "examples"
    assert examples.example_path("pentagon").is_dir()
    monkeypatch.setattr(examples, "train", _no_training)
    np.testing.assert_array_equal(toysup.load_example("pentagon").W, result.W)


def test_without_toysup_cache_the_platform_cache_folder_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv(examples.CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(examples.sys, "platform", "linux")
    assert examples.cache_folder() == tmp_path / "toysup"


def test_a_damaged_cache_entry_is_retrained_not_a_traceback(tmp_path, trainings):
    first = toysup.load_example("pentagon", cache=tmp_path)
    params = examples.example_path("pentagon", tmp_path) / "params.npz"
    params.write_bytes(params.read_bytes()[:100])
    with pytest.warns(UserWarning, match="retraining, the cached run is damaged"):
        again = toysup.load_example("pentagon", cache=tmp_path)
    assert len(trainings) == 2  # trained, cached, damaged, trained again
    np.testing.assert_allclose(again.W, first.W, atol=1e-6)
    assert toysup.load(examples.example_path("pentagon", tmp_path)).config == first.config  # the cache is repaired


def test_a_damaged_marker_is_retrained_too(tmp_path, trainings):
    toysup.load_example("pentagon", cache=tmp_path)
    (examples.example_path("pentagon", tmp_path) / "toysup.json").write_text("{not json")
    with pytest.warns(UserWarning, match="damaged"):
        toysup.load_example("pentagon", cache=tmp_path)
    assert len(trainings) == 2
    assert toysup.load(examples.example_path("pentagon", tmp_path)).steps_done == 3000


def test_an_interrupted_training_is_not_cached(tmp_path, monkeypatch, trainings):
    real = examples.train  # the recording stand-in: the pentagon trained once for the module

    def interrupted(config, **options):
        result = real(config, **options)
        return type(result)(**{**vars(result), "steps_done": config.steps - 1})

    monkeypatch.setattr(examples, "train", interrupted)
    assert toysup.load_example("pentagon", cache=tmp_path).steps_done == 2999
    assert not examples.example_path("pentagon", tmp_path).exists()


def test_an_unknown_name_is_one_line_listing_the_names(tmp_path):
    with pytest.raises(ValueError) as error:
        toysup.load_example("hexagon", cache=tmp_path)
    message = str(error.value)
    assert "\n" not in message and "'hexagon'" in message
    assert all(name in message for name in toysup.example_names())
    assert not any(tmp_path.iterdir())


def test_the_cache_is_keyed_by_the_config(tmp_path, monkeypatch):
    before = examples.example_path("pentagon", tmp_path)
    changed = examples.Example("pentagon", "", examples.EXAMPLES["pentagon"].config.replace(seed=1))
    monkeypatch.setitem(examples.EXAMPLES, "pentagon", changed)
    assert examples.example_path("pentagon", tmp_path) != before


# --- each example shows what it says ---------------------------------------------------------------------------------


def _claim(name: str, result: toysup.TrainResult) -> bool:
    W = result.W
    if name == "pentagon":
        return metrics.is_regular_polygon(W[0], 5)
    if name == "antipodal_pairs":
        return metrics.is_two_digons(W[0])
    if name == "dense_two_dimensions":
        norms = np.linalg.norm(W[0], axis=0)
        return bool((norms[:2] > 0.9).all() and (norms[2:] < 0.1).all() and abs(metrics.cosines(W[0])[0, 1]) < 0.1)
    if name == "basic_results":
        represented = np.asarray(metrics.n_represented(W))
        return bool(represented[0] == 5 and represented[-1] > 10 and np.all(np.diff(represented) >= 0))
    if name == "phase_change":
        norms = np.linalg.norm(W, axis=1)
        dense_one = norms[0, 1] > 0.9 and norms[0, 0] < 0.1
        sparse_pair = (norms[-1] > 0.9).all() and W[-1, 0, 0] * W[-1, 0, 1] < 0
        return bool(dense_one and sparse_pair)
    raise AssertionError(f"no claim for example {name!r}")


@pytest.mark.parametrize("name", sorted(examples.EXAMPLES))
def test_each_example_shows_what_it_says(name, shared_cache):
    """Each example trained for real (the pentagon's training is shared with the cache tests above)."""
    result = toysup.load_example(name, cache=shared_cache)
    assert result.steps_done == result.config.steps
    assert _claim(name, result), examples.EXAMPLES[name].description
