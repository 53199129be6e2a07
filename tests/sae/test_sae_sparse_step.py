"""The L1 ("relu") SAE's gathered training step (issue 13): once the codes are sparse, the loss touches only the
batch's active (sample, latent) pairs; it must be the dense loss up to float rounding, fall back to the dense loss
when a batch has more active pairs than its room, and choose one path for all copies trained together."""

import collections
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from toysup import engine, sae
from toysup.sae import models
from toysup.sae.models import _active_pairs, architecture, pre_activation

CONFIG = sae.SAEConfig(arch="relu", n_inputs=16, n_latents=64, batch_size=32, l1_coefficient=0.3)
CAPACITY = models.RELU_GATHERED_L0 * CONFIG.batch_size
GATHERED = lambda count: jnp.full_like(count, CAPACITY)  # noqa: E731 — a reduce_copies that forces the largest room
DENSE = lambda count: jnp.full_like(count, 2**30)  # noqa: E731 — … and one that forces the dense path


@pytest.mark.parametrize("width", [64, 70, 1024])
def test_active_pairs_are_the_true_entries_in_row_major_order(width):
    rng = np.random.default_rng(width)
    active = rng.random((50, width)) < 3 / width
    active[7] = False  # an empty sample
    active[8, -1] = active[9, 0] = True  # the last and the first latent
    rows, cols = np.nonzero(active)
    for capacity in (len(rows), len(rows) + 17):
        sample, latent, valid = map(np.asarray, _active_pairs(jnp.asarray(active), capacity))
        assert sample.shape == latent.shape == valid.shape == (capacity,)
        np.testing.assert_array_equal(valid, np.arange(capacity) < len(rows))
        np.testing.assert_array_equal(sample[: len(rows)], rows)
        np.testing.assert_array_equal(latent[: len(rows)], cols)
        assert np.all((0 <= sample) & (sample < 50) & (0 <= latent) & (latent < width))  # padding stays in range


def sparse_inputs(config, shift):
    """Params with b_dec ≠ 0 and negative encoder biases (shifted by ``shift``) and one batch."""
    params = architecture(config).init(jax.random.key(0))
    params = {**params, "b_dec": 0.1 * jnp.ones(16), "b_enc": jnp.linspace(-0.3, 0.02, 64) - shift}
    x = jax.random.normal(jax.random.key(1), (32, 16))
    return params, x, int(jnp.sum(pre_activation(params, x) > 0))


def loss_and_grads(config, params, x, reduce_copies=None):
    arch = architecture(config)
    extra = {} if reduce_copies is None else {"reduce_copies": reduce_copies}
    hyper = {"l1_coefficient": jnp.asarray(0.3)}
    return jax.value_and_grad(arch.loss, has_aux=True)(params, x, 5, jnp.zeros(64, bool), hyper, **extra)


def assert_same(one, other, atol=1e-6):
    (loss, aux), grads = one
    (other_loss, other_aux), other_grads = other
    assert float(loss) == pytest.approx(float(other_loss), rel=1e-6)
    assert set(aux) == set(other_aux) == {"mse", "fired", "sample_error", "l0"}
    for name in aux:
        np.testing.assert_allclose(np.asarray(aux[name], float), np.asarray(other_aux[name], float), atol=atol)
    for name in grads:
        np.testing.assert_allclose(grads[name], other_grads[name], atol=atol, err_msg=name)


@pytest.mark.parametrize("tied", [False, True])
def test_the_gathered_and_the_dense_path_give_the_same_loss_aux_and_gradients_when_the_batch_fits(tied):
    config = CONFIG.replace(tied=tied)
    params, x, count = sparse_inputs(config, 0.1)
    assert 0 < count <= CAPACITY and count > x.shape[0]  # fits, and some sample has several active latents
    dense = loss_and_grads(config, params, x, DENSE)
    assert_same(loss_and_grads(config, params, x, GATHERED), dense)
    assert_same(loss_and_grads(config, params, x), dense)  # alone (no copy axis) the loss picks the gathered path
    assert 0 < float(dense[0][1]["l0"]) == count / x.shape[0]


def test_every_room_the_pairs_fit_in_gives_the_dense_result_and_a_smaller_one_does_not():
    rooms = models.gathered_rooms(CONFIG.batch_size, CONFIG.n_latents)
    assert rooms == tuple(int(CAPACITY * share) for share in models.RELU_ROOM_SHARES)  # 16, 32, 64, 128 pairs
    params, x, count = sparse_inputs(CONFIG, 0.1)
    dense = loss_and_grads(CONFIG, params, x, DENSE)
    fitting = [room for room in rooms if room >= count]
    assert fitting and len(fitting) < len(rooms)  # the batch fits some rooms and not others
    for room in rooms:  # a reduce_copies that reports ``room`` pairs makes the loss take that room
        chosen = loss_and_grads(CONFIG, params, x, lambda c, room=room: jnp.full_like(c, room))
        if room >= count:
            assert_same(chosen, dense)
        else:  # too small: it drops pairs, so the loss must not choose it
            assert float(chosen[0][0]) != pytest.approx(float(dense[0][0]), rel=1e-3)


def test_a_batch_with_more_active_pairs_than_its_room_takes_the_dense_path():
    params, x, count = sparse_inputs(CONFIG, 0.0)
    assert count > CAPACITY
    dense = loss_and_grads(CONFIG, params, x, DENSE)
    assert_same(loss_and_grads(CONFIG, params, x), dense)
    # The gathered path would have dropped the pairs past its room: a different loss, so the test can tell.
    assert float(loss_and_grads(CONFIG, params, x, GATHERED)[0][0]) != pytest.approx(float(dense[0][0]), rel=1e-3)


def test_under_the_engine_vmap_the_copies_share_one_branch_and_keep_their_own_results():
    """With ``pmax`` over ``engine.COPIES_AXIS`` the branch condition is unbatched, so the vmapped loss keeps a real
    ``cond`` (a batched condition would turn it into a select that computes both paths). A copy that fits and one
    that does not then both take the dense path, each with its own dense result."""
    arch = architecture(CONFIG)
    (sparse, x, _), (busy, _, _) = sparse_inputs(CONFIG, 0.1), sparse_inputs(CONFIG, 0.0)
    both = jax.tree.map(lambda a, b: jnp.stack([a, b]), sparse, busy)
    hyper = {"l1_coefficient": jnp.asarray(0.3)}

    def vmapped(reduce_copies):
        def one(params):
            return arch.loss(params, x, 5, jnp.zeros(64, bool), hyper, reduce_copies=reduce_copies)

        return jax.vmap(one, axis_name=engine.COPIES_AXIS)

    def primitives(fn):  # every primitive of the program, nested ones (inside custom_vjp, cond, …) included
        def walk(jaxpr):
            for eqn in jaxpr.eqns:
                yield eqn.primitive.name
                for value in eqn.params.values():
                    for inner in value if isinstance(value, tuple | list) else (value,):
                        inner = getattr(inner, "jaxpr", inner)
                        if hasattr(inner, "eqns"):
                            yield from walk(inner)

        return set(walk(jax.make_jaxpr(fn)(both).jaxpr))

    shared = lambda count: jax.lax.pmax(count, engine.COPIES_AXIS)  # noqa: E731
    assert "cond" in primitives(vmapped(shared))  # (a switch is a cond with an index)
    assert "cond" not in primitives(vmapped(lambda count: count))  # per-copy conditions: a select
    loss, aux = vmapped(shared)(both)
    for copy, params in enumerate((sparse, busy)):
        (expected, expected_aux), _ = loss_and_grads(CONFIG, params, x, DENSE)
        assert float(loss[copy]) == pytest.approx(float(expected), rel=1e-6)
        np.testing.assert_allclose(aux["sample_error"][copy], expected_aux["sample_error"], atol=1e-6)


SMALL_SETTINGS = dict(
    arch="relu", n_inputs=8, n_latents=32, n_instances=3, l1_coefficient=(2.0, 4.0, 8.0), steps=150, batch_size=128
)
SMALL = sae.SAEConfig(**SMALL_SETTINGS)
DATA_SETTINGS = dict(n_features=24, n_inputs=8, mean_active=1.5, seed=4)


def small_data():
    return sae.synthetic_activations(**DATA_SETTINGS)


def test_training_with_the_gathered_step_matches_training_with_the_dense_step_only(monkeypatch):
    monkeypatch.setattr(engine, "PROGRAMS", collections.OrderedDict())  # programs built under the patch stay here
    mixed = sae.train_sae(SMALL, small_data(), chunk_steps=50, progress=False)
    # Both paths are taken: dense while the codes are busy, gathered once every instance's L0 is within its room.
    l0 = mixed.history["l0"]
    assert l0[0].max() > models.RELU_GATHERED_L0 and l0[-1].max() < models.RELU_GATHERED_L0
    monkeypatch.setattr(models, "RELU_GATHERED_L0", 0)  # no room: every step with an active latent is dense
    dense = sae.train_sae(SMALL, small_data(), chunk_steps=50, progress=False)
    for name in mixed.params:
        np.testing.assert_allclose(mixed.params[name], dense.params[name], atol=1e-4, err_msg=name)
    np.testing.assert_allclose(mixed.history["loss"], dense.history["loss"], rtol=1e-4)


SHARDED = """
import numpy as np, jax
from toysup import sae
assert jax.local_device_count() == 2
data = sae.synthetic_activations(**{data!r})
np.save({out!r}, sae.train_sae(sae.SAEConfig(**{config!r}), data, chunk_steps=50, progress=False).params["W_dec"])
"""


def test_the_gathered_step_sharded_over_two_devices_gives_the_one_device_result(tmp_path):
    out = tmp_path / "W_dec.npy"
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    script = SHARDED.format(data=DATA_SETTINGS, config=SMALL_SETTINGS, out=str(out))
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    one_device = sae.train_sae(SMALL, small_data(), chunk_steps=50, progress=False).params["W_dec"]
    # Three instances on two devices (one padded copy): the same keys and steps, XLA's sums ordered per shard shape.
    np.testing.assert_allclose(np.load(out), one_device, rtol=1e-4, atol=1e-5)
