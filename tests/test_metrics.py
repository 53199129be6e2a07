"""Tests for toysup.metrics against hand-computed geometries (Elhage et al. 2022)."""

import importlib
import pkgutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import toysup.figures
from toysup import metrics, phase
from toysup.metrics import (
    ACTIVE_NEURON_NORM,
    COMPUTED_GAIN,
    REPRESENTED_NORM,
    angle_gaps,
    asymmetric_motifs,
    computed_features,
    cosines,
    dimensions_per_feature,
    feature_dimensionality,
    feature_norms,
    in_superposition,
    interference,
    is_regular_polygon,
    is_two_digons,
    n_represented,
    represented,
    summary,
    top_feature_share,
)

FNS = (feature_norms, interference, feature_dimensionality, dimensions_per_feature, n_represented, in_superposition)


def pentagon() -> np.ndarray:
    ang = 2 * np.pi * np.arange(5) / 5
    return np.stack([np.cos(ang), np.sin(ang)]).astype(np.float32)  # (2, 5)


def dense_n5_m2() -> np.ndarray:
    W = np.zeros((2, 5), np.float32)
    W[0, 0] = W[1, 1] = 1.0
    return W


def parallel_pair() -> np.ndarray:
    return np.array([[1.0, 0.9], [0.0, 0.0]], np.float32)


def test_antipodal_pair():
    W = np.array([[1.0, -1.0]], np.float32)
    np.testing.assert_allclose(feature_dimensionality(W), [0.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(interference(W), [1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(dimensions_per_feature(W), 0.5, atol=1e-6)
    assert int(n_represented(W)) == 2
    assert bool(in_superposition(W))


def test_pentagon():
    W = pentagon()
    np.testing.assert_allclose(feature_norms(W), np.ones(5), atol=1e-6)
    np.testing.assert_allclose(feature_dimensionality(W), np.full(5, 0.4), atol=1e-5)
    np.testing.assert_allclose(dimensions_per_feature(W), 0.4, atol=1e-6)
    # sum_{j != i} cos^2(72 k) = 5/2 - 1
    np.testing.assert_allclose(interference(W), np.full(5, 1.5), atol=1e-5)
    assert int(n_represented(W)) == 5
    assert bool(in_superposition(W))


def test_orthonormal_basis():
    W = np.eye(3, dtype=np.float32)
    np.testing.assert_allclose(feature_dimensionality(W), np.ones(3), atol=1e-6)
    np.testing.assert_allclose(interference(W), np.zeros(3), atol=1e-6)
    np.testing.assert_allclose(dimensions_per_feature(W), 1.0, atol=1e-6)
    assert int(n_represented(W)) == 3
    assert not bool(in_superposition(W))


def test_dense_two_of_five():
    W = dense_n5_m2()
    assert int(n_represented(W)) == 2
    np.testing.assert_allclose(feature_dimensionality(W), [1, 1, 0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(interference(W), np.zeros(5), atol=1e-6)
    np.testing.assert_allclose(dimensions_per_feature(W), 1.0, atol=1e-6)
    assert not bool(in_superposition(W))


def test_parallel_pair_rank_deficient():
    W = parallel_pair()
    assert int(n_represented(W)) == 2  # both norms > 0.5, not more than m = 2
    assert bool(in_superposition(W))
    # threshold above 0.9 leaves one feature: a 1x1 invertible Gram
    assert not bool(in_superposition(W, threshold=0.95))


def test_large_norm_orthogonal_not_in_superposition():
    # scale must not matter for the relative eigenvalue test
    W = np.zeros((2, 4), np.float32)
    W[0, 0], W[1, 1], W[0, 2] = 100.0, 50.0, 0.1
    assert not bool(in_superposition(W))


def test_all_zero_no_nan():
    W = jnp.zeros((3, 4))
    for fn in FNS:
        out = np.asarray(fn(W))
        assert not np.isnan(out.astype(np.float64)).any(), fn.__name__
    np.testing.assert_array_equal(feature_dimensionality(W), np.zeros(4))
    np.testing.assert_array_equal(interference(W), np.zeros(4))
    assert int(n_represented(W)) == 0
    assert not bool(in_superposition(W))


def _stack() -> np.ndarray:
    """Several (2, 5) models with leading instance axes (2, 3, 2, 5)."""
    rng = np.random.default_rng(0)
    par = np.zeros((2, 5), np.float32)
    par[:, :2] = parallel_pair()
    cases = [
        pentagon(),
        dense_n5_m2(),
        par,
        np.zeros((2, 5), np.float32),
        rng.normal(size=(2, 5)).astype(np.float32),
        np.eye(2, 5, dtype=np.float32),
    ]
    return np.stack(cases).reshape(2, 3, 2, 5)


@pytest.mark.parametrize("fn", FNS, ids=lambda f: f.__name__)
def test_batching_and_jit_match_single(fn):
    Ws = _stack()
    batched = np.asarray(fn(Ws))
    jitted = np.asarray(jax.jit(fn)(Ws))
    vmapped = np.asarray(jax.vmap(jax.vmap(fn))(Ws))
    single = np.stack([np.asarray(fn(W)) for W in Ws.reshape(-1, 2, 5)])
    single = single.reshape(batched.shape)
    for got in (batched, jitted, vmapped):
        assert got.shape == single.shape
        np.testing.assert_allclose(got, single, rtol=1e-5, atol=1e-6)


def test_batched_expected_values():
    Ws = _stack()
    np.testing.assert_array_equal(
        n_represented(Ws), [[5, 2, 2], [0, np.sum(np.linalg.norm(Ws[1, 1], axis=0) > 0.5), 2]]
    )
    sup = np.asarray(in_superposition(Ws))
    assert sup.shape == (2, 3)
    assert sup[0].tolist() == [True, False, True]
    assert sup[1, 0] == False and sup[1, 2] == False  # noqa: E712
    np.testing.assert_allclose(dimensions_per_feature(Ws)[0], [0.4, 1.0, 2 / 1.81], rtol=1e-5)


def test_summary_keys_and_types():
    out = summary(jnp.asarray(_stack()))
    assert set(out) == {
        "feature_norms",
        "interference",
        "feature_dimensionality",
        "dimensions_per_feature",
        "n_represented",
        "in_superposition",
    }
    assert all(isinstance(v, np.ndarray) for v in out.values())
    assert out["feature_norms"].shape == (2, 3, 5)
    assert out["in_superposition"].dtype == np.bool_


# ---------------------------------------------------------------- one model's geometry (numpy helpers)


def _polygon(corners: int, radius: float = 1.0, rotation: float = 0.3) -> np.ndarray:
    """``corners`` unit vectors (times ``radius``) 360/corners degrees apart, (2, corners)."""
    angles = 2 * np.pi * np.arange(corners) / corners + rotation
    return radius * np.stack([np.cos(angles), np.sin(angles)])


def _two_digons(rotation: float = 0.3) -> np.ndarray:
    """Two antipodal pairs on orthogonal axes, rotated: the n=4, m=2 square read as two digons."""
    return _polygon(4, rotation=rotation)[:, [0, 2, 1, 3]]


def test_represented_threshold_is_strict_and_shared():
    norms = np.array([0.0, REPRESENTED_NORM - 0.01, REPRESENTED_NORM, REPRESENTED_NORM + 0.01, 3.0])
    W = np.stack([norms, np.zeros_like(norms)])  # (2, 5): feature i along x with norm norms[i]
    np.testing.assert_array_equal(represented(W), [False, False, False, True, True])
    assert int(n_represented(W.astype(np.float32))) == 2
    assert represented(W, threshold=0.0).sum() == 4
    # The phase classifier uses the same threshold: feature 1 of norm just above it is represented, just below not.
    above = np.array([[[1.0, REPRESENTED_NORM + 0.01]]])
    below = np.array([[[1.0, REPRESENTED_NORM - 0.01]]])
    assert phase.classify_2(above)[0] == 2 and phase.classify_2(below)[0] == 0


def test_cosines_of_known_directions():
    W = np.array([[1.0, 0.0, -2.0, 3.0, 0.0], [0.0, 5.0, 0.0, 3.0, 0.0]])  # x, y, −x, diagonal, zero feature
    cos = cosines(W)
    assert cos.shape == (5, 5)
    np.testing.assert_allclose(np.diag(cos)[:4], 1.0)
    assert cos[0, 1] == pytest.approx(0.0, abs=1e-12) and cos[0, 2] == pytest.approx(-1.0)
    assert cos[0, 3] == pytest.approx(np.sqrt(0.5)) and cos[1, 3] == pytest.approx(np.sqrt(0.5))
    np.testing.assert_array_equal(cos[4], 0.0)  # no norm: 0, not NaN
    # A regular pentagon: neighbours at cos 72°.
    np.testing.assert_allclose([cosines(_polygon(5))[i, (i + 1) % 5] for i in range(5)], np.cos(np.radians(72)))


def test_angle_gaps_of_polygons():
    np.testing.assert_allclose(angle_gaps(_polygon(5)), np.full(5, 72.0))
    np.testing.assert_allclose(angle_gaps(_polygon(3, radius=2.0)), np.full(3, 120.0))
    # Order of the features and their norms do not matter; unrepresented features are left out.
    shuffled = _polygon(6)[:, [3, 0, 5, 1, 4, 2]] * np.array([1.0, 2.0, 0.8, 1.5, 3.0, 0.6])
    np.testing.assert_allclose(angle_gaps(shuffled), np.full(6, 60.0))
    with_small = np.concatenate([_polygon(4), 0.1 * _polygon(1, rotation=0.0)], axis=1)
    np.testing.assert_allclose(angle_gaps(with_small), np.full(4, 90.0))
    uneven = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]])  # at 0°, 90°, 180°
    np.testing.assert_allclose(angle_gaps(uneven), [90.0, 90.0, 180.0])
    assert angle_gaps(np.zeros((2, 3))).shape == (0,)


def test_regular_polygon_recognised_and_others_rejected():
    assert is_regular_polygon(_polygon(5), 5)
    assert is_regular_polygon(_polygon(5, rotation=2.0, radius=0.7), 5)
    assert not is_regular_polygon(_polygon(5), 6)
    assert not is_regular_polygon(_polygon(4), 5)  # a square is not a pentagon
    assert is_regular_polygon(_polygon(4), 4)
    squashed = _polygon(5) * np.array([[1.0], [0.5]])
    assert not is_regular_polygon(squashed, 5)
    one_lost = _polygon(5) * np.array([1.0, 1.0, 1.0, 1.0, 0.1])  # four represented, one gap of 144°
    assert not is_regular_polygon(one_lost, 5) and not is_regular_polygon(one_lost, 4)
    # The tolerance: one corner moved 10° still counts as a pentagon, moved 20° does not.
    for shift, expected in ((10.0, True), (20.0, False)):
        angles = np.radians(72.0 * np.arange(5) + np.array([shift, 0, 0, 0, 0]))
        assert is_regular_polygon(np.stack([np.cos(angles), np.sin(angles)]), 5) == expected


def test_two_digons_recognised_and_others_rejected():
    digons = np.array([[1.0, -1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0, 0.1]])  # fifth feature not represented
    assert is_two_digons(digons)
    assert is_two_digons(_two_digons(rotation=1.1) * np.array([1.0, 1.0, 0.6, 0.6]))  # rotated, pairs of two norms
    assert not is_two_digons(_polygon(5))
    angles = np.radians([0.0, 180.0, 45.0, 225.0])
    crossed = np.stack([np.cos(angles), np.sin(angles)])  # two antipodal pairs, but their axes 45° apart
    assert not is_two_digons(crossed)
    assert is_two_digons(crossed, orthogonal_cosine=0.75)  # cos 45° ≈ 0.71 passes a looser bound
    assert not is_two_digons(_polygon(4)[:, :3])  # three features
    bent = _polygon(4, rotation=0.0)
    bent[:, 2] = [-np.cos(0.5), -np.sin(0.5)]  # feature 2 no longer antipodal to feature 0
    assert not is_two_digons(bent)


# ---------------------------------------------------------------- neurons of one ReLU layer


def test_top_feature_share_of_known_neurons():
    W = np.array(
        [
            [0.0, 2.0, 0.0, 0.0],  # one-hot: monosemantic
            [0.7, 0.7, 0.0, 0.0],  # two features equally
            [1.0, -1.0, 1.0, -1.0],  # four equally, signs do not matter
            [0.0, 0.0, 0.0, 0.0],  # unused
            [0.0, 0.0, 0.9 * ACTIVE_NEURON_NORM, 0.0],  # too weak to count
            [3.0, 0.0, 4.0, 0.0],
        ]
    )  # 16 of 25
    shares = top_feature_share(W)
    assert shares.shape == (6,)
    np.testing.assert_allclose(shares[[0, 1, 2, 5]], [1.0, 0.5, 0.25, 16 / 25])
    assert np.isnan(shares[3]) and np.isnan(shares[4])
    np.testing.assert_allclose(top_feature_share(10 * W[[0, 1, 2, 5]]), shares[[0, 1, 2, 5]])  # scale-free


def test_computed_features_of_exact_abs_neurons():
    # |x| = ReLU(x) + ReLU(−x): a +x neuron and a −x neuron, both writing to the feature's output.
    W1 = np.array([[1.0], [-1.0]])  # (hidden, features)
    W2 = np.array([[1.0, 1.0]])  # (features, hidden)
    assert computed_features(W1, W2) == 1
    # The same pair for each of three features, plus a fourth feature no neuron carries.
    W1 = np.kron(np.eye(3), [[1.0], [-1.0]])  # (6, 3)
    assert computed_features(np.pad(W1, ((0, 0), (0, 1))), np.pad(W1.T, ((0, 1), (0, 0)))) == 3
    # The gain W1[k,i]·W2[i,k] decides, not either weight: rescaling a neuron changes nothing.
    assert computed_features(np.array([[4.0]]), np.array([[0.25 * COMPUTED_GAIN * 1.01]])) == 1
    assert computed_features(np.array([[4.0]]), np.array([[0.25 * COMPUTED_GAIN * 0.99]])) == 0
    # A neuron reading feature 0 but writing to feature 1 computes neither.
    assert computed_features(np.array([[1.0, 0.0]]), np.array([[0.0], [1.0]])) == 0


def test_asymmetric_motifs_find_the_hand_built_neuron():
    # Neuron 0 reads feature 0 strongly and feature 1 weakly, writes feature 1 strongly and feature 0 weakly.
    # Neuron 1 is monosemantic (feature 2); neuron 2 writes features 0 and 1 equally (symmetric, not a motif).
    W1 = np.array([[1.0, 0.3, 0.0], [0.0, 0.0, 1.0], [1.0, 0.3, 0.0]])
    W2 = np.array([[0.2, 0.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    assert asymmetric_motifs(W1, W2) == [(0, 0, 1)]
    # Writing the weak feature negatively (it no longer adds to both outputs) breaks the motif.
    W2[0, 0] = -0.2
    assert asymmetric_motifs(W1, W2) == []
    assert asymmetric_motifs(np.array([[1.0], [-1.0]]), np.array([[1.0, 1.0]])) == []  # one feature: no pair


# ---------------------------------------------------------------- one home


MOVED = (
    "REPRESENTED_NORM",
    "MONOSEMANTIC_SHARE",
    "ACTIVE_NEURON_NORM",
    "COMPUTED_GAIN",
    "cosines",
    "represented",
    "angle_gaps",
    "is_regular_polygon",
    "is_two_digons",
    "top_feature_share",
    "asymmetric_motifs",
    "computed_features",
)


def test_figure_modules_and_phase_use_the_metrics_definitions():
    modules = [phase] + [
        importlib.import_module(f"toysup.figures.{info.name}") for info in pkgutil.iter_modules(toysup.figures.__path__)
    ]
    for module in modules:
        for name in MOVED:
            if hasattr(module, name):
                assert getattr(module, name) is getattr(metrics, name), f"{module.__name__}.{name} redefined"


# ------------------------------------------------------- plateaus of trajectories on a log-time axis (paper Sec. 7)

LOG_STEPS = np.unique(np.round(np.geomspace(10, 100_000, 401)))


def test_level_tolerances_shrink_where_levels_are_close():
    tolerances = dict(zip(metrics.DIMENSION_LEVELS, metrics.level_tolerances()))
    assert tolerances[0.5] == tolerances[1.0] == metrics.LEVEL_TOLERANCE
    assert tolerances[1 / 3] == pytest.approx((2 / 5 - 1 / 3) / 2) and tolerances[2 / 5] == pytest.approx(1 / 30)
    # the bands of neighbouring levels at most touch
    levels, bands = np.array(metrics.DIMENSION_LEVELS), metrics.level_tolerances()
    assert np.all(levels[1:] - bands[1:] >= levels[:-1] + bands[:-1] - 1e-12)


def test_a_constant_trajectory_is_one_plateau_at_its_level_and_none_off_levels():
    (plateau,) = metrics.level_plateaus(np.full(len(LOG_STEPS), 0.51), LOG_STEPS)
    assert plateau == metrics.Plateau(0.5, LOG_STEPS[0], LOG_STEPS[-1])
    assert metrics.level_plateaus(np.full(len(LOG_STEPS), 0.58), LOG_STEPS) == []  # between 1/2 and 2/3
    assert metrics.plateau_share([plateau], 100, 10_000) == pytest.approx(1.0)


def test_a_step_between_levels_is_a_short_transition_and_a_ramp_is_not_a_plateau():
    x = np.log10(LOG_STEPS)
    step = np.where(x < 3, 2 / 3, 1 / 2)
    first, second = metrics.level_plateaus(step, LOG_STEPS)
    (move,) = metrics.level_transitions([first, second])
    assert (move.before, move.after) == (2 / 3, 1 / 2) and move.start < 1000 < move.end and move.decades <= 0.15
    assert metrics.plateau_share([first, second], 10, 100_000) > 0.9
    # a ramp at 0.5 per decade crosses the bands of 1/3 and 2/5 without a plateau there
    ramp = np.clip(0.1 + 0.25 * (x - 1), 0.1, 0.6)
    assert all(plateau.level not in (1 / 3, 2 / 5) for plateau in metrics.level_plateaus(ramp, LOG_STEPS))
    assert metrics.level_transitions([first, metrics.Plateau(2 / 3, 2e4, 1e5)]) == []  # a return is no move


def test_flat_stretches_of_a_loss_falling_in_two_steps():
    x = np.log10(LOG_STEPS)
    loss = 1.0 - 0.5 / (1 + np.exp(-(x - 2) * 20)) - 0.5 / (1 + np.exp(-(x - 4) * 20))
    stretches = metrics.flat_stretches(loss, LOG_STEPS)
    assert len(stretches) == 3  # before, between and after the two drops
    assert stretches[0][1] < 100 < stretches[1][0] and stretches[1][1] < 10_000 < stretches[2][0]


def test_the_summary_compiled_as_one_program_equals_each_metric_called_on_its_own():
    W = np.random.default_rng(0).normal(size=(3, 2, 6)).astype(np.float32)
    W[1, :, 4] = 0.0  # an unrepresented feature
    measured = metrics.summary(W)
    assert list(measured) == [fn.__name__ for fn in metrics.SUMMARY]
    for fn in metrics.SUMMARY:
        np.testing.assert_allclose(measured[fn.__name__], np.asarray(fn(W)), rtol=1e-5, atol=1e-6, err_msg=fn.__name__)
