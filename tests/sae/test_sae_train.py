"""Batched SAE training: reproducibility, resampling, tied weights (the recovery diagram: test_sae_recovery;
recovering known features: test_sae_quality)."""

import numpy as np
import pytest

from toysup import sae

SMALL = dict(n_inputs=16, n_latents=64, batch_size=128, steps=200, learning_rate=3e-3)


def test_instances_are_independent_of_chunking_and_of_each_other():
    data = sae.synthetic_activations(32, 16, mean_active=3.0)
    config = sae.SAEConfig(arch="topk", k=(3, 4), n_instances=2, **SMALL)
    one = sae.train_sae(config, data, chunk_steps=100, progress=False)
    again = sae.train_sae(config, data, chunk_steps=50, log_every=10, progress=False)
    np.testing.assert_allclose(one.params["W_dec"], again.params["W_dec"], atol=1e-5)
    assert one.history["l0"].shape == (20, 2)
    assert np.all(np.abs(one.history["l0"][-1] - [3, 4]) < 0.01)  # k per instance, one compiled program
    # Keys come from instance ids: swapping the ids (and the per-instance k) swaps the trained SAEs.
    swapped = sae.train_sae(config.replace(k=(4, 3)), data, progress=False, instance_ids=[1, 0])
    np.testing.assert_allclose(swapped.params["W_dec"][::-1], one.params["W_dec"], atol=1e-5)


def test_resampling_replaces_dead_rows_towards_inputs_and_zeroes_their_adam_moments():
    import jax
    import jax.numpy as jnp

    from toysup.sae.models import architecture
    from toysup.sae.train import _resample, make_optimizer

    config = sae.SAEConfig(arch="relu", resampling="inputs", **SMALL)
    params = architecture(config).init(jax.random.key(0))
    optimizer = make_optimizer(config)
    opt_state = optimizer.init(params)
    grads = jax.tree.map(jnp.ones_like, params)
    _, opt_state = optimizer.update(grads, opt_state, params)  # non-zero moments everywhere
    dead = jnp.arange(64) < 10
    x = jax.random.normal(jax.random.key(1), (128, 16))
    error = jnp.zeros(128).at[7].set(1.0)  # only sample 7 is badly reconstructed
    new, new_state = _resample(config, params, opt_state, dead, x, error, jax.random.key(2), jnp.float32(0.05))
    direction = np.asarray(x[7] / jnp.linalg.norm(x[7]))
    cosines = np.asarray(new["W_dec"][:10] @ direction) / np.linalg.norm(new["W_dec"][:10], axis=1)
    np.testing.assert_allclose(cosines, 1.0, atol=1e-5)
    np.testing.assert_array_equal(new["W_dec"][10:], params["W_dec"][10:])
    np.testing.assert_array_equal(new["b_enc"][:10], 0.0)
    mu = new_state[0].mu
    assert np.all(np.asarray(mu["W_enc"][:10]) == 0) and np.all(np.asarray(mu["W_enc"][10:]) != 0)


def test_tied_relu_and_gated_and_jumprelu_train_finitely():
    data = sae.synthetic_activations(32, 16, mean_active=3.0)
    for changes in (
        dict(arch="relu", tied=True),
        dict(arch="gated"),
        dict(arch="jumprelu"),
        dict(arch="batchtopk", k=2.5),
    ):
        result = sae.train_sae(sae.SAEConfig(**changes, **{**SMALL, "steps": 100}), data, progress=False)
        assert np.all(np.isfinite(result.history["loss"])), changes
        assert ("W_dec" in result.params) != changes.get("tied", False)


SHARDED = """
import numpy as np, jax
from toysup import engine, sae
from toysup.sae.data import synthetic_activations
assert jax.local_device_count() == 2
shard_copies, devices_used = engine.shard_copies, []
def counted(arrays, n_devices):
    devices_used.append(n_devices)
    return shard_copies(arrays, n_devices)
engine.shard_copies = counted
# The penalty grid of tests/reference/make_reference.py: three instances, so two devices need one padded copy.
grid = sae.SAEConfig(arch="topk", n_inputs=8, n_latents=32, n_instances=3, k=(1, 2, 3), steps=150, batch_size=128,
                     seed=6)
result = sae.train_sae(grid, synthetic_activations(24, 8, mean_active=2.0, seed=4), chunk_steps=100, progress=False)
assert devices_used == [2], devices_used
np.save({out!r}, result.params["W_dec"])
"""


def test_sae_instances_are_sharded_over_two_devices_with_the_one_device_result(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "W_dec.npy"
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    subprocess.run(
        [sys.executable, "-c", SHARDED.format(out=str(out))], env=env, check=True, capture_output=True, text=True
    )
    with np.load(Path(__file__).resolve().parents[1] / "reference" / "reference.npz") as reference:
        one_device = reference["sae/grid/W_dec"]
    # The same copies, keys and steps on each device; XLA may order float sums differently per shard shape, and
    # 150 Adam steps carry that rounding forward (up to ~5e-6 here); a wrong key or step would differ at 1e-2 … 1.
    np.testing.assert_allclose(np.load(out), one_device, rtol=1e-4, atol=1e-5)


def test_the_sae_compile_key_holds_every_field_that_is_not_fed_to_the_program_as_an_array():
    import dataclasses

    from toysup.sae.train import ProgramKey, compile_key

    per_instance = {"n_instances", "l1_coefficient", "l0_coefficient", "k", "seed", "jumprelu_initial_threshold"}
    fields = {field.name for field in dataclasses.fields(sae.SAEConfig)}
    assert set(ProgramKey._fields) == (fields - per_instance) | {"k_max"}
    config = sae.SAEConfig(arch="topk", k=(2, 3), n_instances=2, **SMALL)
    assert compile_key(config.replace(k=(3, 1), seed=4)) == compile_key(config)  # the largest k sizes the top-k
    assert compile_key(config.replace(k=(4, 1))) != compile_key(config)


def test_jumprelu_starting_thresholds_derived_from_the_data_share_one_compiled_program(monkeypatch):
    """The starting threshold θ₀ is derived from the data (``derive_settings``), so it is an input, not compiled in:
    a new dataset must not recompile. Each run still starts from its own θ₀."""
    import collections

    from toysup import engine

    monkeypatch.setattr(engine, "PROGRAMS", collections.OrderedDict())
    data = sae.synthetic_activations(32, 16, mean_active=3.0)
    config = sae.SAEConfig(arch="jumprelu", **{**SMALL, "steps": 1, "learning_rate": 1e-7})
    for threshold in (0.05, 0.3):
        result = sae.train_sae(config.replace(jumprelu_initial_threshold=threshold), data, progress=False)
        np.testing.assert_allclose(np.exp(result.params["log_threshold"]), threshold, rtol=1e-4)
    assert len(engine.PROGRAMS) == 1


def test_a_diverging_sae_raises_after_its_first_chunk():
    import toysup

    data = sae.synthetic_activations(32, 16, mean_active=3.0, magnitude=(0.0, 1e25))  # squares overflow float32
    config = sae.SAEConfig(arch="relu", **{**SMALL, "steps": 5000})
    chunks = []
    with pytest.raises(toysup.DivergedError, match="^diverged at step 0: the loss became non-finite"):
        sae.train_sae(config, data, chunk_steps=100, progress=False, on_chunk=lambda done, total: chunks.append(done))
    assert not chunks  # stopped after the first of 50 chunks


def test_topk_training_loss_in_gathered_form_equals_the_dense_code():
    # The training loss gathers the k selected latents per sample instead of multiplying dense (batch, latents)
    # codes: its value, gradients, L0 and fired latents must be those of the dense encode/decode.
    import jax
    import jax.numpy as jnp

    from toysup.sae.models import architecture
    from toysup.sae.train import static_config

    config = sae.SAEConfig(arch="topk", n_inputs=16, n_latents=64, k=4, aux_coefficient=0.0)
    arch = architecture(static_config(config))
    params = arch.init(jax.random.key(0))
    params = {**params, "b_dec": 0.1 * jnp.ones(16), "b_enc": jnp.linspace(-0.2, 0.2, 64)}
    x = jax.random.normal(jax.random.key(1), (32, 16))
    hyper = {"k": jnp.asarray(3.0)}  # below the compiled k_max = 4: the fourth value must be dropped

    def dense(p):
        return jnp.mean(jnp.sum((x - arch.decode(p, arch.encode(p, x, hyper))) ** 2, -1))

    (loss, parts), grads = jax.value_and_grad(arch.loss, has_aux=True)(params, x, 0, jnp.zeros(64, bool), hyper)
    expected, expected_grads = jax.value_and_grad(dense)(params)
    assert loss == pytest.approx(float(expected), rel=1e-6)
    for name in expected_grads:
        np.testing.assert_allclose(grads[name], expected_grads[name], atol=1e-6, err_msg=name)
    codes = arch.encode(params, x, hyper)
    assert float(parts["l0"]) == 3.0 == float(jnp.mean(jnp.sum(codes != 0, -1)))
    np.testing.assert_array_equal(parts["fired"], jnp.any(codes > 0, axis=0))
