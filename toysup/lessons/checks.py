"""Checks of the exercises of lessons 1–5 (the toy model, sparsity, phase changes, geometry, correlation).

Each ``check_<function>(student_function)`` runs the student's function on random and edge-case inputs,
compares it with the reference below (or with ``toysup.metrics`` / ``toysup.theory``), prints ✓ or raises
``AssertionError`` with a message saying what went wrong.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import scipy.stats

from .. import metrics, theory
from ._harness import as_array, assert_close, call, compare, passed, shapes

NOT_DIFFERENTIABLE = (
    jax.errors.TracerArrayConversionError,
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerBoolConversionError,
)
NOT_TRACEABLE = NOT_DIFFERENTIABLE + (jax.errors.TracerIntegerConversionError,)


def _random_weights(rng: np.random.Generator, n_hidden: int, n_features: int) -> np.ndarray:
    return rng.normal(size=(n_hidden, n_features)).astype(np.float32)


def assert_differentiable(name: str, case: str, student, reference, args: tuple, argnum: int) -> None:
    """The gradient of Σ output² through the student's function equals the reference's."""

    def squared(function):
        return lambda *a: jnp.sum(jnp.asarray(function(*a)) ** 2)

    try:  # compiled: one compilation instead of one per operation
        got = jax.jit(jax.grad(squared(student), argnums=argnum))(*args)
    except NOT_DIFFERENTIABLE:
        raise AssertionError(
            f"{name}: jax cannot differentiate it — write it with jax.numpy (jnp), not numpy, "
            f"and without Python `if` on array values"
        ) from None
    except NotImplementedError:
        raise AssertionError(f"{name}: not written yet — replace `raise NotImplementedError` with your code") from None
    except Exception as error:
        raise AssertionError(f"{name} raised {type(error).__name__} when jax differentiated {case}: {error}") from error
    expected = jax.jit(jax.grad(squared(reference), argnums=argnum))(*args)
    assert_close(name, f"the gradient on {case}", got, expected, atol=1e-4, rtol=1e-3)


# ---------------------------------------------------------------- lesson 1: the toy model


def _draw(name: str, case: str, draw_sparse_features, key, probability, n_features: int, batch_size: int):
    """The student's batch as an array of shape (batch_size, n_features), or an AssertionError."""
    x = as_array(name, case, call(name, case, draw_sparse_features, key, probability, n_features, batch_size))
    if x.shape != (batch_size, n_features):
        hint = " — transposed? The batch goes on the first axis" if x.shape == (n_features, batch_size) else ""
        raise AssertionError(
            f"{name} on {case}: returned shape {x.shape}, expected (batch, features) = {(batch_size, n_features)}{hint}"
        )
    return x


def most_correlated(values: np.ndarray) -> tuple[float, int, int]:
    """The largest |correlation| between two columns of ``values`` (batch, features); constant columns count
    as uncorrelated."""
    centred = values - values.mean(axis=0, keepdims=True)
    scale = np.sqrt(np.sum(centred**2, axis=0))
    scale = np.where(scale > 0, scale, np.inf)
    correlation = np.abs((centred / scale).T @ (centred / scale))
    np.fill_diagonal(correlation, 0.0)
    i, j = np.unravel_index(int(np.argmax(correlation)), correlation.shape)
    return float(correlation[i, j]), int(i), int(j)


def check_draw_sparse_features(draw_sparse_features) -> None:
    """``draw_sparse_features(key, feature_probability, n_features, batch_size)`` -> (batch, features):
    each entry independently 0 with probability 1 − p, else uniform on [0, 1]; every random number drawn
    from ``key`` with jax.random (the same key gives the same batch, another key another batch)."""
    name, n_tests = "draw_sparse_features", 0
    n_features, batch_size = 8, 20_000
    for seed, probability in enumerate((1.0, 0.3, 0.05)):
        case = f"feature_probability={probability}, {n_features} features × {batch_size} samples"
        x = _draw(name, case, draw_sparse_features, jax.random.key(seed + 1), probability, n_features, batch_size)
        if x.min() < 0 or x.max() > 1:
            raise AssertionError(f"{name} on {case}: values must lie in [0, 1], found {x.min():.3g} … {x.max():.3g}")
        active = x != 0
        spread = 6 * np.sqrt(probability * (1 - probability) / batch_size) + 1e-3  # per feature
        per_feature = active.mean(axis=0)
        if np.any(np.abs(per_feature - probability) > spread):
            worst = int(np.argmax(np.abs(per_feature - probability)))
            raise AssertionError(
                f"{name} on {case}: each feature should be non-zero with probability {probability}, "
                f"feature {worst} is non-zero in {per_feature[worst]:.3f} of the samples"
            )
        # The whole distribution, not just its mean: a constant 0.5 or uniform on [0.25, 0.75] has mean 0.5 too.
        # With thousands of values a uniform draw fails this with probability 1e-6.
        values = x[active]
        test = scipy.stats.kstest(values, "uniform")
        if test.pvalue < 1e-6:
            hint = (
                " — the mask and the values look drawn from the same random numbers: split the key"
                if probability < 1 and values.max() <= probability + 0.01
                else ""
            )
            raise AssertionError(
                f"{name} on {case}: non-zero values should be uniform on [0, 1] (mean 0.5, standard deviation "
                f"{np.sqrt(1 / 12):.3f}, spread over the whole interval); yours have mean {values.mean():.3f}, "
                f"standard deviation {values.std():.3f} and lie in {values.min():.3f} … {values.max():.3f} "
                f"(Kolmogorov–Smirnov distance {test.statistic:.3f} from uniform on [0, 1]){hint}"
            )
        # Independence over every pair of features: correlations of independent features stay within
        # ±0.05 (7 standard errors at 20,000 samples).
        if probability < 1:
            together, i, j = most_correlated(active.astype(np.float64))
            if together > 0.05:
                raise AssertionError(
                    f"{name} on {case}: features should switch on independently, but features {i} and {j} are "
                    f"non-zero together with correlation {together:.2f} — draw one random number per feature "
                    f"and sample, shape (batch_size, n_features)"
                )
        related, i, j = most_correlated(x)
        if related > 0.05:
            raise AssertionError(
                f"{name} on {case}: the values of different features should be independent, but features {i} "
                f"and {j} have correlation {related:.2f} — draw one uniform value per feature and sample"
            )
        n_tests += 1
    case = "the same key twice"
    first = _draw(name, case, draw_sparse_features, jax.random.key(7), 0.5, 4, 500)
    second = _draw(name, case, draw_sparse_features, jax.random.key(7), 0.5, 4, 500)
    if not np.array_equal(first, second):
        raise AssertionError(f"{name}: the same key must give the same batch — draw every random number from `key`")
    case = "two different keys"
    other = _draw(name, case, draw_sparse_features, jax.random.key(8), 0.5, 4, 500)
    same_pattern = np.mean((first != 0) == (other != 0))  # about 0.5 for independent draws
    if same_pattern > 0.8:
        raise AssertionError(
            f"{name}: different keys gave the same pattern of non-zero features ({same_pattern:.0%} of the entries "
            f"agree) — draw which features are active from `key`"
        )
    both = (first != 0) & (other != 0)
    if np.mean(first[both] == other[both]) > 0.5:
        raise AssertionError(
            f"{name}: different keys gave the same non-zero values — draw the values from `key` too (split it)"
        )
    case = "inside jax.jit (the training loop compiles it)"
    try:
        traced = jax.eval_shape(lambda key: draw_sparse_features(key, 0.5, 4, 500), jax.random.key(7))
    except NOT_TRACEABLE:
        raise AssertionError(
            f"{name}: it must work inside jax.jit, as in the training loop — draw with jax.random and jnp, "
            f"not numpy, and without Python `if` on array values"
        ) from None
    except Exception as error:
        raise AssertionError(f"{name} raised {type(error).__name__} on {case}: {error}") from error
    if getattr(traced, "shape", None) != (500, 4):
        raise AssertionError(f"{name} on {case}: returned {traced!r:.80}, expected an array of shape (500, 4)")
    case = "batch_size=1"
    _draw(name, case, draw_sparse_features, jax.random.key(2), 0.5, 4, 1)
    passed(name, n_tests + 5)


def _forward(W, b, x):
    return jax.nn.relu((x @ W.T) @ W + b)


def _forward_values(W, b, x):
    """``_forward`` in numpy (quick: no compilation) for comparing values."""
    return np.maximum((x @ W.T) @ W + b, 0.0)


def check_forward(forward) -> None:
    """``forward(W, b, x)`` with W (hidden, features), b (features,), x (batch, features) -> x' of shape
    (batch, features), each row ReLU(WᵀW x + b): ReLU(x Wᵀ W + b)."""
    rng = np.random.default_rng(0)
    cases = []
    for n_hidden, n_features, batch in ((2, 5, 64), (1, 2, 3), (5, 20, 1), (3, 3, 16)):
        W = _random_weights(rng, n_hidden, n_features)
        b = rng.normal(size=n_features).astype(np.float32)
        x = rng.uniform(size=(batch, n_features)).astype(np.float32)
        cases.append((f"random inputs, {shapes(W, b, x)}", (W, b, x)))
    W, b, x = cases[0][1]
    cases.append(("W = 0 (the output is ReLU(b))", (np.zeros_like(W), b, x)))
    cases.append(("a very negative bias (every output is 0)", (W, np.full_like(b, -100.0), x)))
    n_tests = compare("forward", forward, _forward_values, cases)
    for argnum, what in ((0, "W"), (1, "b")):
        assert_differentiable("forward", f"d/d{what} of random inputs", forward, _forward, cases[0][1], argnum)
    passed("forward", n_tests + 2)


def _weighted_loss(x, x_reconstructed, importance, xp=jnp):
    return xp.mean(xp.sum(importance * (x - x_reconstructed) ** 2, axis=1))


def check_weighted_loss(weighted_loss) -> None:
    """``weighted_loss(x, x_reconstructed, importance)``, x and x' (batch, features), importance (features,) ->
    the mean over the batch of Σ_i I_i (x_i − x'_i)², one number."""
    rng = np.random.default_rng(1)
    cases = []
    for n_features, batch in ((5, 64), (1, 10), (20, 1)):
        x = rng.uniform(size=(batch, n_features)).astype(np.float32)
        x_reconstructed = rng.uniform(size=(batch, n_features)).astype(np.float32)
        importance = (0.9 ** np.arange(n_features)).astype(np.float32)
        cases.append((f"random inputs, {shapes(x, x_reconstructed, importance)}", (x, x_reconstructed, importance)))
    x, x_reconstructed, importance = cases[0][1]
    cases.append(("a perfect reconstruction (loss 0)", (x, x.copy(), importance)))
    cases.append(
        (
            "importance 0 for every feature but the first",
            (x, x_reconstructed, np.eye(1, len(importance), dtype=np.float32)[0]),
        )
    )
    cases.append(("importance 10 for every feature", (x, x_reconstructed, np.full_like(importance, 10.0))))
    n_tests = compare("weighted_loss", weighted_loss, functools.partial(_weighted_loss, xp=np), cases)
    assert_differentiable("weighted_loss", "d/dx' of random inputs", weighted_loss, _weighted_loss, cases[0][1], 1)
    passed("weighted_loss", n_tests + 1)


def _angle_gaps(W):
    angles = np.sort(np.degrees(np.arctan2(W[1], W[0])) % 360.0)
    return np.sort(np.diff(np.concatenate([angles, angles[:1] + 360.0])))


def _polygon(n_vertices: int, rotation: float = 0.0) -> np.ndarray:
    angles = rotation + 2 * np.pi * np.arange(n_vertices) / n_vertices
    return np.stack([np.cos(angles), np.sin(angles)])


def check_angle_gaps(angle_gaps) -> None:
    """``angle_gaps(W)``, W (2, features) -> the angles in degrees between neighbouring feature directions
    around the circle, sorted from smallest to largest (they add up to 360)."""
    rng = np.random.default_rng(2)
    pentagon = _polygon(5, rotation=0.3)[:, rng.permutation(5)] * rng.uniform(0.5, 2.0, size=5)
    cases = [
        ("a rotated, shuffled pentagon with unequal norms (five gaps of 72°)", (pentagon,)),
        ("an antipodal pair (two gaps of 180°)", (np.array([[1.0, -1.0], [0.0, 0.0]]),)),
        ("a single feature (one gap of 360°)", (np.array([[0.0], [2.0]]),)),
        ("two orthogonal features", (np.array([[0.0, -1.0], [1.0, 0.0]]),)),
        ("seven random directions", (rng.normal(size=(2, 7)),)),
    ]
    passed("angle_gaps", compare("angle_gaps", angle_gaps, _angle_gaps, cases, atol=1e-3))


# ---------------------------------------------------------------- lesson 2: superposition vs sparsity


def _weight_cases(seed: int) -> list[tuple[str, tuple]]:
    """Random matrices, a zero feature, orthogonal and antipodal features, one hidden dimension."""
    rng = np.random.default_rng(seed)
    with_zero = _random_weights(rng, 3, 6)
    with_zero[:, 2] = 0.0
    return [
        (f"random W, {shapes(np.zeros((2, 5)))}", (_random_weights(rng, 2, 5),)),
        (f"random W, {shapes(np.zeros((5, 20)))}", (_random_weights(rng, 5, 20),)),
        ("W with an all-zero feature 2", (with_zero,)),
        ("orthogonal features (W = identity)", (np.eye(3, dtype=np.float32),)),
        ("an antipodal pair W = [[1, −1]]", (np.array([[1.0, -1.0]], np.float32),)),
        ("a pentagon", (_polygon(5).astype(np.float32),)),
    ]


def check_feature_norms(feature_norms) -> None:
    """``feature_norms(W)``, W (hidden, features) -> ‖W_i‖ for each feature, shape (features,)."""
    passed("feature_norms", compare("feature_norms", feature_norms, metrics.feature_norms, _weight_cases(3)))


def check_interference(interference) -> None:
    """``interference(W)`` -> Σ_{j≠i} (Ŵ_i · W_j)² per feature, 0 for a zero feature, shape (features,)."""
    passed("interference", compare("interference", interference, metrics.interference, _weight_cases(4), atol=1e-4))


def _linear_model_loss(importance, feature_probability, n_hidden):
    importance = np.sort(np.asarray(importance, dtype=np.float64))[::-1]
    variance = feature_probability / 3 - feature_probability**2 / 4
    return float(np.sum(importance[n_hidden:]) * variance)


def check_linear_model_loss(linear_model_loss) -> None:
    """``linear_model_loss(importance, feature_probability, n_hidden)`` -> the expected loss of the best linear
    model: the n_hidden most important features kept exactly, every other one replaced by its mean."""
    decaying = 0.7 ** np.arange(20)
    cases = [
        ("n=20, m=5, importance 0.7**i, p=1", (decaying, 1.0, 5)),
        ("n=20, m=5, importance 0.7**i, p=0.1", (decaying, 0.1, 5)),
        ("importance not sorted", (np.random.default_rng(5).permutation(decaying), 0.3, 5)),
        ("m = n (nothing is dropped)", (decaying[:4], 0.5, 4)),
        ("m > n", (decaying[:3], 0.5, 8)),
        ("one hidden dimension, equal importance", (np.ones(6), 0.05, 1)),
    ]
    passed("linear_model_loss", compare("linear_model_loss", linear_model_loss, _linear_model_loss, cases))


# ---------------------------------------------------------------- lesson 3: phase changes

_PROBABILITIES = np.array([0.0, 0.01, 0.1, 0.3, 0.5, 0.9, 1.0])


def check_dropped_feature_loss(dropped_feature_loss) -> None:
    """``dropped_feature_loss(feature_probability)`` -> min_b E[(x − b)²] = Var(x) = p/3 − p²/4, elementwise."""
    cases = [
        ("an array of probabilities from 0 to 1", (_PROBABILITIES,)),
        ("p = 0.5 as a Python float", (0.5,)),
        ("a (2, 3) grid of probabilities", (np.array([[0.02, 0.2, 0.7], [0.05, 0.4, 1.0]]),)),
    ]
    passed(
        "dropped_feature_loss", compare("dropped_feature_loss", dropped_feature_loss, theory.feature_variance, cases)
    )


def check_antipodal_loss_without_bias(antipodal_loss_without_bias) -> None:
    """``antipodal_loss_without_bias(feature_probability)`` -> E[(x₁ − ReLU(x₁ − x₂))²] (= p²/6), elementwise."""
    cases = [("an array of probabilities from 0 to 1", (_PROBABILITIES,)), ("p = 0.3 as a Python float", (0.3,))]
    passed(
        "antipodal_loss_without_bias",
        compare(
            "antipodal_loss_without_bias", antipodal_loss_without_bias, lambda p: theory.antipodal_loss(p, 0.0), cases
        ),
    )


def check_candidate_losses(candidate_losses) -> None:
    """``candidate_losses(feature_probability, importance)`` -> the three n=2, m=1 candidates' losses
    [I·V, V, (1 + I)·f*] stacked on a new last axis (broadcasting p against I)."""
    probability = np.logspace(-2, 0, 8)[None, :]
    importance = np.logspace(-1, 1, 6)[:, None]
    cases = [
        ("a 6 × 8 grid (importance rows × probability columns)", (probability, importance)),
        ("scalars p = 0.1, I = 2", (0.1, 2.0)),
        ("dense features p = 1, I = 1", (1.0, 1.0)),
    ]
    passed("candidate_losses", compare("candidate_losses", candidate_losses, theory.candidate_losses_2, cases))


def check_monte_carlo_loss(monte_carlo_loss) -> None:
    """``monte_carlo_loss(W, b, importance, feature_probability, key, n_samples)`` -> the mean of
    Σ_i I_i (x_i − x'_i)² over ``n_samples`` draws of x (drawn with ``key``), for x' = ReLU(WᵀWx + b)."""
    name, n_tests = "monte_carlo_loss", 0
    for probability, extra_importance in ((0.3, 1.0), (0.1, 3.0), (1.0, 0.5)):
        importance = np.array([1.0, extra_importance], np.float32)
        expected = theory.candidate_losses_2(probability, extra_importance)
        biases = theory.candidate_biases_2(probability)
        for label, (W, b) in enumerate(zip(theory.candidate_weights_2(), biases)):
            case = (
                f"the '{theory.PHASE_LABELS_2[label]}' candidate W={W.tolist()}, b={np.round(b, 4).tolist()}, "
                f"I={importance.tolist()}, p={probability}, 200000 samples"
            )
            got = as_array(
                name,
                case,
                call(
                    name,
                    case,
                    monte_carlo_loss,
                    W.astype(np.float32),
                    b.astype(np.float32),
                    importance,
                    probability,
                    jax.random.key(n_tests),
                    200_000,
                ),
            )
            if got.shape != ():
                raise AssertionError(f"{name} on {case}: return one number (the mean loss), got shape {got.shape}")
            # 200,000 samples leave a relative standard error below 1%: 5% is a wide margin.
            if not np.isclose(got, expected[label], rtol=0.05, atol=2e-4):
                raise AssertionError(
                    f"{name} on {case}: got {float(got):.5g}, the closed form gives {expected[label]:.5g}"
                )
            n_tests += 1
    # The key: the same key gives the same estimate, another key another one.
    W, b = theory.candidate_weights_2()[2], theory.candidate_biases_2(0.3)[2]
    args = (W.astype(np.float32), b.astype(np.float32), np.array([1.0, 2.0], np.float32), 0.3)
    case = "the superposition candidate, p=0.3, 200000 samples"
    first, second, other = (
        as_array(name, case, call(name, case, monte_carlo_loss, *args, jax.random.key(seed), 200_000))
        for seed in (100, 100, 101)
    )
    if not np.isclose(first, second, rtol=1e-5, atol=0.0):
        raise AssertionError(
            f"{name} on {case}: the same key gave {float(first):.6g} and then {float(second):.6g} — draw the "
            f"samples from `key` (toysup.sample_features(key, …)), not from numpy or a fixed key"
        )
    if first == other:
        raise AssertionError(
            f"{name} on {case}: two different keys gave the same estimate {float(first):.6g} — draw the "
            f"samples with the `key` you are given, not a fixed one"
        )
    fewer = as_array(name, case, call(name, case, monte_carlo_loss, *args, jax.random.key(100), 100_000))
    if fewer == first:
        raise AssertionError(
            f"{name} on {case}: 100000 and 200000 samples gave the same estimate {float(first):.6g} — draw "
            f"`n_samples` samples"
        )
    passed(name, n_tests + 3)


# ---------------------------------------------------------------- lesson 4: geometry


def check_feature_dimensionality(feature_dimensionality) -> None:
    """``feature_dimensionality(W)`` -> D_i = ‖W_i‖⁴ / Σ_j (W_i · W_j)² per feature (0 for a zero feature)."""
    passed(
        "feature_dimensionality",
        compare(
            "feature_dimensionality",
            feature_dimensionality,
            metrics.feature_dimensionality,
            _weight_cases(6),
            atol=1e-4,
        ),
    )


def check_dimensions_per_feature(dimensions_per_feature) -> None:
    """``dimensions_per_feature(W)`` -> D* = m / ‖W‖_F², one number (0 for W = 0)."""
    cases = _weight_cases(7) + [("W = 0", (np.zeros((2, 4), np.float32),))]
    passed(
        "dimensions_per_feature",
        compare("dimensions_per_feature", dimensions_per_feature, metrics.dimensions_per_feature, cases, atol=1e-4),
    )


def check_regular_polygon(regular_polygon) -> None:
    """``regular_polygon(n_vertices)`` -> W (2, n_vertices): unit vectors at equal angles 360°/n apart."""
    name, n_tests = "regular_polygon", 0
    for n_vertices in (1, 2, 3, 5, 8):
        case = f"n_vertices={n_vertices}"
        W = as_array(name, case, call(name, case, regular_polygon, n_vertices))
        if W.shape != (2, n_vertices):
            raise AssertionError(f"{name} on {case}: returned shape {W.shape}, expected (2, {n_vertices})")
        assert_close(name, f"{case} (every column a unit vector)", np.linalg.norm(W, axis=0), np.ones(n_vertices))
        assert_close(
            name,
            f"{case} (neighbouring directions {360 / n_vertices:g}° apart)",
            _angle_gaps(W),
            np.full(n_vertices, 360.0 / n_vertices),
            atol=1e-3,
        )
        n_tests += 1
    passed(name, n_tests)


# ---------------------------------------------------------------- lesson 5: correlation, basis, computation


def _cosine_similarities(W):
    norms = np.linalg.norm(W, axis=0)
    unit = np.where(norms > 1e-6, W / np.where(norms > 1e-6, norms, 1.0), 0.0)
    return unit.T @ unit


def check_cosine_similarities(cosine_similarities) -> None:
    """``cosine_similarities(W)`` -> (features, features) matrix of Ŵ_i · Ŵ_j; rows and columns of a zero
    feature are 0."""
    passed(
        "cosine_similarities",
        compare("cosine_similarities", cosine_similarities, _cosine_similarities, _weight_cases(8), atol=1e-4),
    )


def _neuron_alignment(W):
    squared = np.asarray(W, dtype=np.float64) ** 2
    total = squared.sum(axis=0)
    return np.where(total > 1e-12, squared.max(axis=0) / np.where(total > 1e-12, total, 1.0), 0.0)


def check_neuron_alignment(neuron_alignment) -> None:
    """``neuron_alignment(W)`` -> per feature max_k W_ki² / Σ_k W_ki² (the largest share of ‖W_i‖² on one
    neuron; 1 for a monosemantic direction), 0 for a zero feature."""
    passed(
        "neuron_alignment",
        compare("neuron_alignment", neuron_alignment, _neuron_alignment, _weight_cases(9), atol=1e-4),
    )


def check_exact_abs_weights(exact_abs_weights) -> None:
    """``exact_abs_weights(n_features)`` -> (W1 (2n, n), W2 (n, 2n)) with ReLU(W2 ReLU(W1 x)) = |x| exactly."""
    name, n_tests = "exact_abs_weights", 0
    rng = np.random.default_rng(10)
    for n_features in (1, 3, 10):
        case = f"n_features={n_features}"
        result = call(name, case, exact_abs_weights, n_features)
        if not isinstance(result, tuple) or len(result) != 2:
            raise AssertionError(f"{name} on {case}: return the pair (W1, W2)")
        W1, W2 = (as_array(name, case, W) for W in result)
        if W1.shape != (2 * n_features, n_features) or W2.shape != (n_features, 2 * n_features):
            raise AssertionError(
                f"{name} on {case}: W1 must have shape {(2 * n_features, n_features)} and W2 "
                f"{(n_features, 2 * n_features)}, got {W1.shape} and {W2.shape}"
            )
        x = rng.uniform(-1, 1, size=(100, n_features))  # batch-first, as in the lessons
        x[:3] = 0.0  # and some zeros
        output = np.maximum(np.maximum(x @ W1.T, 0) @ W2.T, 0)
        assert_close(name, f"{case} (ReLU(W2 ReLU(W1 x)) on 100 signed inputs x)", output, np.abs(x))
        n_tests += 1
    passed(name, n_tests)
