"""Almost-orthogonal directions and the interference they cause (Elhage et al. 2022, Sec. 1 and 2).

Superposition rests on a fact of high-dimensional geometry: m dimensions hold only m exactly orthogonal
directions, but exponentially many (in m) whose pairwise |cos| stays below a small ε. The first half of this module
measures that count three ways, against the Johnson–Lindenstrauss form N ≈ exp(c ε² m):

- random unit directions, drawn one after another until one of them breaks the bound (:func:`random_counts`);
- directions optimised for it, by gradient descent on Σ_{i<j} relu(|cos_ij| − ε)² at a given count, with
  doubling and bisection on the count (:func:`optimised_counts`);
- the union bound of random directions, exp(ε² m / 4) (:func:`johnson_lindenstrauss_count`), and Welch's upper
  bound (:func:`welch_count`).

The second half reads a trained toy model's W (hidden, features; column W_i is feature i's embedding): how much
the other features spill onto a chosen one (:func:`interference_terms`, :func:`expected_squared_interference`,
under the data distribution of :func:`toysup.data.sample_features`, see :func:`feature_moments`), and which small
non-negative combinations of other features it can be mistaken for (:func:`confusions`).

References:
  W. B. Johnson and J. Lindenstrauss, "Extensions of Lipschitz mappings into a Hilbert space", Contemporary
  Mathematics 26 (1984). K. Ball, "An elementary introduction to modern convex geometry", Flavors of Geometry,
  MSRI Publications 31 (1997), Lemma 2.2 (a spherical cap's measure). S. Dasgupta and A. Gupta, "An elementary
  proof of a theorem of Johnson and Lindenstrauss", Random Structures & Algorithms 22 (2003). L. R. Welch, "Lower
  bounds on the maximum cross correlation of signals", IEEE Trans. Inf. Theory 20 (1974). N. Elhage et al., "Toy
  Models of Superposition", Transformer Circuits Thread (2022).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .validation import integer, real

JL_CONSTANT = 0.25  # N = exp(c ε² m) with c = 1/4: the union bound over pairs of Ball's cap bound (see below)
TOLERANCE = 1e-3  # an optimised set counts as reaching ε when its largest |cos| is at most ε + TOLERANCE
RANDOM_BLOCK = 128  # random directions are checked this many at a time, against all earlier ones
MAX_SUPPORTS = 200_000  # supports the confusion finder may enumerate
_TINY = 1e-12


# --- how many almost-orthogonal directions fit


def _check_count_inputs(n_dims: int, epsilon: float) -> None:
    integer("n_dims", n_dims, 1, 4096)
    real("epsilon", epsilon, 0.0, 1.0, high_open=True)


def johnson_lindenstrauss_count(n_dims, epsilon: float, constant: float = JL_CONSTANT) -> np.ndarray:
    """N = exp(c ε² m): the Johnson–Lindenstrauss form of how many directions with pairwise |cos| ≤ ε fit in m
    dimensions.

    With c = 1/4 it is a guaranteed lower bound, by the argument behind the lemma: for independent uniform unit
    vectors u, v in R^m, P(|u·v| > ε) ≤ 2 exp(−m ε² / 2) (Ball 1997, Lemma 2.2: a cap of height ε has measure at
    most exp(−m ε² / 2)). Among N < exp(m ε² / 4) random vectors the expected number of the N(N − 1)/2 pairs that
    break the bound is below N² exp(−m ε² / 2) < 1, so some draw has none (Dasgupta and Gupta 2003 give the same
    constant for the distance-preserving form). Upper bounds have the same shape with a log factor (Alon 2003).

    Args:
      n_dims: m, a scalar or an array.
      epsilon: the bound on |cos|, in [0, 1).
      constant: c.

    Examples:
      >>> float(johnson_lindenstrauss_count(16, 0.5))  # exp(0.25 · 0.25 · 16) = e
      2.718281828459045
    """
    real("epsilon", epsilon, 0.0, 1.0, high_open=True)
    return np.exp(constant * epsilon**2 * np.asarray(n_dims, dtype=np.float64))


def welch_count(n_dims: int, epsilon: float) -> float:
    """The most directions that can fit in m dimensions with pairwise |cos| ≤ ε, by Welch's bound (Welch 1974):
    N unit vectors in R^m (N > m) have max |cos|² ≥ (N − m) / (m (N − 1)), so N ≤ m (1 − ε²) / (1 − m ε²) when
    m ε² < 1; no bound (inf) otherwise. At ε = 0 it is m; it is reached by the m + 1 vertices of a regular simplex
    when ε = 1/m.
    """
    _check_count_inputs(n_dims, epsilon)
    if n_dims * epsilon**2 >= 1:
        return math.inf
    # The small slack keeps a simplex (ε = 1/m exactly, where the bound is an integer) from rounding down.
    return float(math.floor(n_dims * (1 - epsilon**2) / (1 - n_dims * epsilon**2) + 1e-9))


def max_abs_cosine(directions) -> float:
    """The largest |cos| between two different rows of ``directions`` (count, dims); 0 for fewer than two rows."""
    x = np.asarray(directions, dtype=np.float64)
    if len(x) < 2:
        return 0.0
    unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), _TINY)
    cosine = np.abs(unit @ unit.T)
    return float(cosine[np.triu_indices(len(x), 1)].max())


def _padded_dims(n_dims: int) -> int:
    """Sizes are padded to a power of two (at least 16), so one compiled program serves many m."""
    return max(16, 1 << (int(n_dims) - 1).bit_length())


@partial(jax.jit, static_argnames=("padded_dims", "max_count"))
def _first_breaches(keys, n_dims, epsilon, padded_dims: int, max_count: int):
    """For each key: draw up to ``max_count`` uniform unit directions in the first ``n_dims`` of ``padded_dims``
    coordinates (block b from ``fold_in(key, 128 b)``), and return how many leading ones have pairwise |cos| ≤ ε
    (``max_count`` when all do). The directions are checked a block at a time against every earlier block,
    stopping at the first block that breaks the bound, so the work grows with the square of the count found, not
    of ``max_count``."""
    used = jnp.arange(padded_dims) < n_dims

    def one(key):
        def unfinished(state):
            start, count, _ = state
            return (count == max_count) & (start < max_count)

        def check_block(state):
            start, count, x = state
            # Each block is drawn when it is reached, so the draws too grow with the count found.
            rows = jnp.where(used, jax.random.normal(jax.random.fold_in(key, start), (RANDOM_BLOCK, padded_dims)), 0.0)
            rows = rows / jnp.linalg.norm(rows, axis=1, keepdims=True)
            x = jax.lax.dynamic_update_slice_in_dim(x, rows, start, axis=0)
            row_index = start + jnp.arange(RANDOM_BLOCK)

            def against(column_start, worst):  # the rows against one earlier block of columns
                columns = jax.lax.dynamic_slice_in_dim(x, column_start, RANDOM_BLOCK)
                earlier = (column_start + jnp.arange(RANDOM_BLOCK))[None, :] < row_index[:, None]
                cosine = jnp.where(earlier, jnp.abs(rows @ columns.T), 0.0)
                return jnp.maximum(worst, jnp.max(cosine, axis=1))

            blocks = start // RANDOM_BLOCK + 1
            worst = jax.lax.fori_loop(
                0, blocks, lambda b, worst: against(b * RANDOM_BLOCK, worst), jnp.zeros(RANDOM_BLOCK)
            )
            broken = worst > epsilon
            return start + RANDOM_BLOCK, jnp.where(broken.any(), start + jnp.argmax(broken), count), x

        state = (jnp.int32(0), jnp.int32(max_count), jnp.zeros((max_count, padded_dims)))
        return jax.lax.while_loop(unfinished, check_block, state)[1]

    return jax.vmap(one)(keys)


class DirectionCounts(NamedTuple):
    """Measured counts of directions with pairwise |cos| ≤ ε, one per m.

    Attributes:
      n_dims: m, ascending (dims,).
      counts: the count reported per m (dims,): the median over seeds for random directions.
      at_cap: whether the count reached the measurement's cap, so the true count is at least this (dims,).
      per_seed: every seed's count (dims, seeds); for optimised counts a single column.
    """

    n_dims: np.ndarray
    counts: np.ndarray
    at_cap: np.ndarray
    per_seed: np.ndarray


def _check_dims(dims: Sequence[int], epsilon: float, max_count: int) -> np.ndarray:
    dims = np.asarray(dims)
    if dims.ndim != 1 or len(dims) == 0:
        raise ValueError(f"n_dims: must be a non-empty list of dimensions, got {dims.tolist()!r}")
    for m in dims.tolist():
        _check_count_inputs(m, epsilon)
    if np.any(np.diff(dims) <= 0):
        raise ValueError(f"n_dims: must be strictly increasing, got {dims.tolist()}")
    integer("max_count", max_count, 2, 1 << 14)
    return dims.astype(np.int64)


def random_counts(
    key: jax.Array,
    n_dims: Sequence[int],
    epsilon: float,
    *,
    n_seeds: int = 5,
    max_count: int = 2048,
    on_progress: Callable[[int, int], None] | None = None,
) -> DirectionCounts:
    """How many uniform random unit directions in R^m keep every pairwise |cos| ≤ ε: directions are drawn one
    after another (a fixed stream per seed), and the count is the number drawn before the first that breaks the
    bound with an earlier one; the median over ``n_seeds`` seeds.

    The count grows like exp(ε² m / 4) (:func:`johnson_lindenstrauss_count`); it is below m for small m, where a
    random pair is rarely that close to orthogonal. At ε = 0 it is 1. Counts stop at ``max_count``; once the
    median reaches it, larger m (whose counts are larger still) are not measured and are reported at the cap.

    Args:
      key: PRNG key; seed s of dimension m uses ``fold_in(fold_in(key, m), s)``.
      n_dims: strictly increasing dimensions m, each in [1, 4096].
      epsilon: the bound on |cos|, in [0, 1).
      n_seeds: seeds per m (odd, so the median is a count).
      max_count: the most directions drawn per seed, a multiple of 128 (rounded up to one).
      on_progress: called with (dimensions done, dimensions) after each m.
    """
    dims = _check_dims(n_dims, epsilon, max_count)
    integer("n_seeds", n_seeds, 1, 101)
    max_count = -(-max_count // RANDOM_BLOCK) * RANDOM_BLOCK
    padded = _padded_dims(int(dims.max()))
    per_seed = np.full((len(dims), n_seeds), max_count, dtype=np.int64)
    for row, m in enumerate(dims.tolist()):
        keys = jax.vmap(partial(jax.random.fold_in, jax.random.fold_in(key, m)))(jnp.arange(n_seeds))
        per_seed[row] = np.asarray(_first_breaches(keys, jnp.int32(m), jnp.float32(epsilon), padded, max_count))
        if on_progress is not None:
            on_progress(row + 1, len(dims))
        if np.median(per_seed[row]) >= max_count:
            break
    counts = np.median(per_seed, axis=1).astype(np.int64)
    return DirectionCounts(dims, counts, counts >= max_count, per_seed)


@partial(jax.jit, static_argnames=("max_count", "padded_dims"))
def _optimise(keys, counts, n_dims, epsilon, learning_rate, steps, max_count: int, padded_dims: int):
    """Optimise one set of directions per (key, count, n_dims): the first ``count`` rows of a (max_count,
    padded_dims) array, in the first ``n_dims`` coordinates, by Adam on Σ_{i<j} relu(|cos_ij| − ε)², stopping
    early once the largest |cos| is at most ε + TOLERANCE, or after ``steps`` (an input: no recompilation).
    Returns (directions, largest |cos|, steps taken)."""
    optimizer = optax.adam(learning_rate)
    upper = jnp.triu(jnp.ones((max_count, max_count), bool), 1)

    def one(key, count, dims):
        rows = jnp.arange(max_count) < count
        columns = jnp.arange(padded_dims) < dims
        pairs = upper & rows[:, None] & rows[None, :]
        # Unused rows sit on the first axis, so every row has a norm; they take no part in the loss.
        start = jnp.where(rows[:, None], jax.random.normal(key, (max_count, padded_dims)), jnp.arange(padded_dims) == 0)
        start = jnp.where(columns, start, 0.0)

        def abs_cosines(x):
            unit = x / jnp.linalg.norm(x, axis=1, keepdims=True)
            return jnp.abs(unit @ unit.T)

        def worst(x):
            return jnp.max(jnp.where(pairs, abs_cosines(x), 0.0))

        def penalty(x):
            return jnp.sum(jnp.where(pairs, jax.nn.relu(abs_cosines(x) - epsilon) ** 2, 0.0))

        def unfinished(state):
            _, _, step, largest = state
            return (step < steps) & (largest > epsilon + TOLERANCE)

        def descend(state):
            x, opt_state, step, _ = state
            updates, opt_state = optimizer.update(jnp.where(columns, jax.grad(penalty)(x), 0.0), opt_state, x)
            x = optax.apply_updates(x, updates)
            return x, opt_state, step + 1, worst(x)

        state = (start, optimizer.init(start), jnp.int32(0), worst(start))
        x, _, step, largest = jax.lax.while_loop(unfinished, descend, state)
        return x, largest, step

    return jax.vmap(one)(keys, counts, n_dims)


def optimise_directions(
    key: jax.Array, count: int, n_dims: int, epsilon: float, *, steps: int = 300, learning_rate: float = 0.05
) -> tuple[np.ndarray, float]:
    """``count`` directions in R^m optimised for pairwise |cos| ≤ ε: Adam from a random start on the smooth
    penalty Σ_{i<j} relu(|cos_ij| − ε)², which is zero exactly when the bound holds; it stops early once the
    largest |cos| is within TOLERANCE of ε. Returns the unit directions (count, n_dims) and their largest |cos|."""
    _check_count_inputs(n_dims, epsilon)
    integer("count", count, 1, 1 << 14)
    integer("steps", steps, 1, 100_000)
    real("learning_rate", learning_rate, 0.0, 1.0, low_open=True)
    padded = _padded_dims(n_dims)
    x, _, _ = _optimise(
        key[None],
        jnp.array([count], jnp.int32),
        jnp.array([n_dims], jnp.int32),
        jnp.float32(epsilon),
        jnp.float32(learning_rate),
        jnp.int32(steps),
        count,
        padded,
    )
    directions = np.asarray(x[0, :, :n_dims], dtype=np.float64)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return directions, max_abs_cosine(directions)


def optimised_counts(
    key: jax.Array,
    n_dims: Sequence[int],
    epsilon: float,
    *,
    max_count: int = 64,
    steps: int = 300,
    learning_rate: float = 0.05,
    on_progress: Callable[[int, int], None] | None = None,
) -> DirectionCounts:
    """The largest count of directions in R^m that gradient descent brings to pairwise |cos| ≤ ε (+ TOLERANCE),
    for every m at once.

    For each m the search starts at count m, doubles while the optimiser succeeds (:func:`optimise_directions`'s
    penalty and stopping rule), then bisects between the last success and the first failure. All m step through
    the search together: each round is one compiled, vmapped call over every m, with the counts as inputs, so
    the program compiles once per (max_count, padded m). A failure of the optimiser is taken as "does not fit",
    so the count is a lower bound on the true maximum, which is at most :func:`welch_count`.

    Args:
      key: PRNG key (the start of every optimisation of dimension m comes from ``fold_in(key, m)``).
      n_dims: strictly increasing dimensions m.
      epsilon: the bound on |cos|, in [0, 1).
      max_count: the largest count tried (a cap: counts that reach it are flagged ``at_cap``).
      steps: the most Adam steps per optimisation.
      learning_rate: Adam's learning rate.
      on_progress: called with (rounds done, the most rounds the search can take) after each round.
    """
    dims = _check_dims(n_dims, epsilon, max_count)
    integer("steps", steps, 1, 100_000)
    real("learning_rate", learning_rate, 0.0, 1.0, low_open=True)
    padded = _padded_dims(int(dims.max()))
    keys = jax.vmap(partial(jax.random.fold_in, key))(jnp.asarray(dims))
    success = np.ones(len(dims), dtype=np.int64)  # one direction always fits
    failure = np.full(len(dims), max_count + 1, dtype=np.int64)  # the smallest count known not to fit
    guess = np.minimum(np.maximum(dims, 2), max_count)
    most_rounds = 2 * max(1, math.ceil(math.log2(max_count))) + 1
    rounds = 0
    while np.any(failure - success > 1):
        open_ = failure - success > 1
        trial = np.where(open_, guess, 1)
        _, largest, _ = _optimise(
            keys,
            jnp.asarray(trial, jnp.int32),
            jnp.asarray(dims, jnp.int32),
            jnp.float32(epsilon),
            jnp.float32(learning_rate),
            jnp.int32(steps),
            max_count,
            padded,
        )
        reached = np.asarray(largest) <= epsilon + TOLERANCE
        success = np.where(open_ & reached, np.maximum(success, trial), success)
        failure = np.where(open_ & ~reached, np.minimum(failure, trial), failure)
        # Double until the first failure (a success at max_count closes the search), then bisect.
        guess = np.where(failure > max_count, np.minimum(2 * success, max_count), (success + failure) // 2)
        rounds += 1
        if on_progress is not None:
            on_progress(rounds, max(rounds, most_rounds))
    return DirectionCounts(dims, success, success >= max_count, success[:, None])


# --- interference and confusion in a trained model


def feature_moments(
    feature_probability,
    *,
    correlated_sets: tuple[int, ...] = (),
    anticorrelated_sets: tuple[int, ...] = (),
    signed: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The mean E[x] (features,) and second moments E[x xᵀ] (features, features) of the features that
    :func:`toysup.data.sample_features` draws with the same arguments.

    An independent feature is 0 with probability 1 − p, else uniform on [0, 1] (on [−1, 1] when ``signed``):
    E[x_j] = p_j/2 (0 signed), E[x_j²] = p_j/3. In a correlated set one draw u switches member j on when u < p_j,
    with independent magnitudes, so E[x_j x_k] = min(p_j, p_k)/4 (0 signed). In an anticorrelated set of size s
    with probability p (its first feature's) one uniformly chosen member is on: E[x_j] = p/(2s), E[x_j²] = p/(3s)
    and E[x_j x_k] = 0. Features in different sets are independent: E[x_j x_k] = E[x_j] E[x_k].
    """
    p = np.asarray(feature_probability, dtype=np.float64)
    if p.ndim != 1 or np.any(~(p > 0)) or np.any(p > 1):
        raise ValueError(f"feature_probability: must be a list of probabilities in (0, 1], got {p.tolist()!r}")
    n = len(p)
    if sum(correlated_sets) + sum(anticorrelated_sets) > n:
        raise ValueError(f"correlated_sets + anticorrelated_sets: sizes must add up to at most {n}")
    half = 0.0 if signed else 0.5
    probability_on = p.copy()
    pair_on = np.zeros((n, n))  # P(x_j ≠ 0 and x_k ≠ 0) within a set, for j ≠ k
    in_set = np.zeros((n, n), dtype=bool)
    start = 0
    for size in correlated_sets:
        members = slice(start, start + size)
        pair_on[members, members] = np.minimum(p[members, None], p[None, members])
        in_set[members, members] = True
        start += size
    for size in anticorrelated_sets:
        members = slice(start, start + size)
        probability_on[members] = p[start] / size
        in_set[members, members] = True  # at most one member is on: pair_on stays 0
        start += size
    mean = half * probability_on
    second = np.where(in_set, half * half * pair_on, np.outer(mean, mean))
    np.fill_diagonal(second, probability_on / 3.0)
    return mean, second


def _unit_column(W: np.ndarray, feature: int) -> np.ndarray:
    if W.ndim != 2:
        raise ValueError(f"W: must be one model's matrix (hidden, features), got shape {W.shape}")
    integer("feature", feature, 0, W.shape[1] - 1)
    norm = np.linalg.norm(W[:, feature])
    if norm < 1e-6:
        raise ValueError(f"feature: feature {feature} has ‖W_i‖ = {norm:.2g}, no direction to interfere with")
    return W[:, feature] / norm


def interference_terms(W, feature: int) -> np.ndarray:
    """Ŵ_i · W_j for every feature j (features,), with Ŵ_i = W_i / ‖W_i‖ and i = ``feature``: how much of x_j
    lands on feature i's direction in the hidden space, h·Ŵ_i = ‖W_i‖ x_i + Σ_{j≠i} (Ŵ_i · W_j) x_j (paper
    Sec. 2). Entry i is ‖W_i‖ itself. W is one model's (hidden, features)."""
    W = np.asarray(W, dtype=np.float64)
    return _unit_column(W, feature) @ W


def expected_squared_interference(W, feature: int, second_moments) -> float:
    """E[(Σ_{j≠i} (Ŵ_i · W_j) x_j)²] = aᵀ E[x xᵀ] a with a_j = Ŵ_i · W_j (a_i = 0): the mean square of what the
    other features add to feature i's direction, under the data's moments (:func:`feature_moments`)."""
    terms = interference_terms(W, feature)
    terms[feature] = 0.0
    second_moments = np.asarray(second_moments, dtype=np.float64)
    if second_moments.shape != (len(terms), len(terms)):
        raise ValueError(f"second_moments: must have shape {(len(terms), len(terms))}, got {second_moments.shape}")
    return float(terms @ second_moments @ terms)


class Confusion(NamedTuple):
    """A non-negative combination of other features whose image lands near feature i's direction.

    Attributes:
      support: the features j combined, ascending.
      coefficients: their values x_j ≥ 0, the least-squares fit of W_S x_S to W_i.
      cosine: cos(W_S x_S, W_i), 1 when the combination is indistinguishable from x_i = 1 in the hidden space.
      residual: ‖W_i − W_S x_S‖ / ‖W_i‖ = sqrt(1 − cosine²).
    """

    support: tuple[int, ...]
    coefficients: tuple[float, ...]
    cosine: float
    residual: float


def confusions(
    W,
    feature: int,
    *,
    max_support: int = 3,
    min_norm: float = 0.0,
    max_coefficient: float = math.inf,
    top: int = 10,
) -> list[Confusion]:
    """The sparse non-negative combinations of other features that feature i can be mistaken for, best first.

    For every support S of 1 to ``max_support`` other features with ‖W_j‖ > ``min_norm``, the non-negative least
    squares fit min_{x_S ≥ 0} ‖W_S x_S − W_i‖ (W_S: the columns of S) is found; its image W_S x_S is what the
    combination writes into the hidden space, and its cosine with W_i says how well it imitates x_i = 1 (a model
    reading along W_i sees the same thing up to scale). A non-negative fit on S is the plain least-squares fit on
    the subset of S where it is positive (the active set), so the distinct fits are exactly the supports whose
    least-squares coefficients are all positive and whose columns are independent; those are ranked by cosine,
    then by size. A collinear support adds nothing: by Carathéodory's theorem for cones its best point is reached on
    an independent subset, enumerated too.

    Args:
      W: one model's (hidden, features).
      feature: i.
      max_support: the largest number of features combined (1 to 4).
      min_norm: features with ‖W_j‖ at or below this are left out (those the model does not represent).
      max_coefficient: fits needing a larger x_j are left out. Such a combination imitates at most
        x_i = 1 / max_coefficient with inputs x_j ≤ 1; nearly cancelling features (an antipodal pair) can point
        anywhere, but only with huge coefficients.
      top: how many to return.
    """
    W = np.asarray(W, dtype=np.float64)
    target = _unit_column(W, feature) * np.linalg.norm(W[:, feature])
    integer("max_support", max_support, 1, 4)
    integer("top", top, 1, 10_000)
    real("min_norm", min_norm, 0.0)
    if max_coefficient != math.inf:
        real("max_coefficient", max_coefficient, 0.0, low_open=True)
    norms = np.linalg.norm(W, axis=0)
    others = [j for j in range(W.shape[1]) if j != feature and norms[j] > max(min_norm, 1e-9)]
    total = sum(math.comb(len(others), size) for size in range(1, max_support + 1))
    if total > MAX_SUPPORTS:
        raise ValueError(
            f"max_support: {total:,} supports of up to {max_support} of {len(others)} features is more than "
            f"{MAX_SUPPORTS:,}; choose a smaller max_support"
        )
    found: list[Confusion] = []
    target_norm = np.linalg.norm(target)
    for size in range(1, max_support + 1):
        supports = np.array(list(itertools.combinations(others, size)), dtype=np.int64).reshape(-1, size)
        if len(supports) == 0:
            continue
        columns = W.T[supports]  # (supports, size, hidden)
        gram = columns @ columns.transpose(0, 2, 1)
        right = columns @ target
        # Independent columns: the Gram determinant relative to the product of the squared norms (1 when
        # orthogonal, 0 when dependent).
        scale = np.prod(np.diagonal(gram, axis1=1, axis2=2), axis=1)
        independent = np.linalg.det(gram) > 1e-8 * scale
        solved = np.zeros_like(right)
        solved[independent] = np.linalg.solve(gram[independent], right[independent][..., None])[..., 0]
        keep = independent & np.all(solved > 1e-9, axis=1) & np.all(solved <= max_coefficient, axis=1)
        image = np.einsum("sk,skh->sh", solved[keep], columns[keep])
        cosine = image @ target / np.maximum(np.linalg.norm(image, axis=1) * target_norm, _TINY)
        for support, coefficients, c in zip(supports[keep], solved[keep], cosine):
            c = float(min(c, 1.0))
            found.append(
                Confusion(tuple(support.tolist()), tuple(coefficients.tolist()), c, math.sqrt(max(0.0, 1 - c * c)))
            )
    found.sort(key=lambda confusion: (-round(confusion.cosine, 9), len(confusion.support)))
    return found[:top]
