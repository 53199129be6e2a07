"""Shared small runs, trained once per test session (compiled functions are cached across tests too), and the
recovery diagram's small grid shared by a library test and a CLI test.

Compiled programs are also shared across processes: the session keeps a JAX persistent compilation cache in a
temporary folder, named in the environment, so the lessons' kernels and the tests' subprocesses (sharded and
multi-process sweeps, the packed class's kernel) load what another process of the session already compiled
instead of compiling it again. A loaded program is the same executable, so results do not change."""

import os
import shutil
import tempfile

import jax
import matplotlib
import pytest

from toysup import ToyConfig, geometric_importance, train

# The tests draw figures without a display; the library leaves the backend to its callers, so the tests choose one.
matplotlib.use("Agg")

# Every compiled program is cached, however small or quick to compile: most of a kernel's programs are small.
_COMPILATION_CACHE = {
    "jax_compilation_cache_dir": tempfile.mkdtemp(prefix="toysup-tests-jax-cache-"),
    "jax_persistent_cache_min_compile_time_secs": 0,
    "jax_persistent_cache_min_entry_size_bytes": 0,
}


def pytest_configure(config):
    """The session's compilation cache, for this process (JAX is imported already) and, through the environment,
    for every process it starts."""
    for name, value in _COMPILATION_CACHE.items():
        os.environ[name.upper()] = str(value)
        jax.config.update(name, value)


def pytest_unconfigure(config):
    shutil.rmtree(_COMPILATION_CACHE["jax_compilation_cache_dir"], ignore_errors=True)


@pytest.fixture(scope="session")
def pentagon_run():
    """n=5, m=2, uniform importance, feature probability 0.05, best of 4 restarts."""
    config = ToyConfig(
        n_features=5,
        n_hidden=2,
        n_instances=2,
        feature_probability=0.05,
        restarts=4,
        steps=3000,
        learning_rate=1e-2,
        seed=0,
    )
    return train(config, progress=False)


@pytest.fixture(scope="session")
def dense_run():
    """n=5, m=2, dense features, importance 0.9**i (the paper's intro, leftmost panel)."""
    config = ToyConfig(
        n_features=5,
        n_hidden=2,
        n_instances=2,
        feature_probability=1.0,
        importance=geometric_importance(5, 0.9),
        restarts=2,
        steps=2000,
        learning_rate=1e-2,
    )
    return train(config, progress=False)


@pytest.fixture
def recovery_grid() -> dict:
    """The recovery diagram's small grid (``toysup.sae.recovery.recovery_diagram`` keywords), for
    tests/sae/test_sae_recovery.py and, as flags, tests/cli/test_cli_sae.py.

    32 true features in 16 dims; two chunks of 4 SAEs per ratio (one compiled program per ratio). The training
    fields are those the CLI derives from --steps 100, so the CLI test reuses the compiled programs."""
    return dict(
        n_features=32,
        n_inputs=16,
        mean_active=[2.0, 4.0],
        ratios=[0.5, 1.0],
        penalties=[2, 4],
        seeds=2,
        chunk_instances=4,
        steps=100,
        batch_size=128,
        learning_rate=3e-3,
        chunk_steps=100,
        log_every=1,
        penalty_warmup_steps=20,
    )


@pytest.fixture
def recovery_training_flags(recovery_grid) -> list[str]:
    """``toysup sae --recovery`` flags for the grid's dictionary and training fields (the CLI derives chunk_steps,
    log_every and penalty_warmup_steps from --steps); with ``--penalties 2,4`` its ratio-1 programs are the grid's."""
    grid = recovery_grid
    return [
        "--true-features",
        str(grid["n_features"]),
        "--dim",
        str(grid["n_inputs"]),
        "--steps",
        str(grid["steps"]),
        "--batch-size",
        str(grid["batch_size"]),
        "--lr",
        str(grid["learning_rate"]),
    ]
