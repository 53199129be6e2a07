"""Geometry metrics of a toy model's weight matrix W (Elhage et al. 2022, "Toy Models of Superposition").

Column i of W (shape (..., hidden, features)) is feature i's embedding W_i. Its norm says whether the
feature is represented, its interference measures overlap with other features, and its "feature
dimensionality" D_i is the fraction of a hidden dimension it occupies; D* = m / ||W||_F^2 is the average
number of hidden dimensions per learned feature. The functions up to ``summary`` accept any number of leading
instance axes; the numpy helpers after it describe one model's W of shape (hidden, features): the angles
between feature directions, the polygons they form in two dimensions, and which feature each neuron reads.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

_EPS = 1e-6  # features with norm below this count as zero (no division by ~0)
_RANK_TOL = 1e-3  # relative eigenvalue tolerance for rank deficiency of the Gram matrix

REPRESENTED_NORM = 0.5  # a feature counts as represented when ‖W_i‖ exceeds this (paper Sec. 2)
MONOSEMANTIC_SHARE = 0.9  # a neuron whose top feature holds this share of its squared weights is monosemantic
ACTIVE_NEURON_NORM = 0.1  # neurons with smaller weights are unused and not counted
COMPUTED_GAIN = 0.25  # a feature is computed when some neuron passes it to its own output with at least this gain


def _gram(W: jax.Array) -> jax.Array:
    """W^T W with shape (..., features, features); entry (i, j) is W_i . W_j."""
    return jnp.einsum("...hi,...hj->...ij", W, W)


def feature_norms(W: jax.Array) -> jax.Array:
    """||W_i|| for every feature (paper Sec. 2, "feature norm"). (..., hidden, features) -> (..., features)."""
    W = jnp.asarray(W)
    return jnp.sqrt(jnp.sum(W**2, axis=-2))


def interference(W: jax.Array) -> jax.Array:
    """sum_{j != i} (Ŵ_i . W_j)^2 with Ŵ_i = W_i / ||W_i|| (paper Sec. 2, "superposition" visualisation).

    Zero for a zero-norm feature. (..., hidden, features) -> (..., features).
    """
    W = jnp.asarray(W)
    G = _gram(W)
    sq_norm = jnp.diagonal(G, axis1=-2, axis2=-1)
    off = jnp.sum(G**2, axis=-1) - sq_norm**2  # sum_{j != i} (W_i . W_j)^2
    nonzero = sq_norm > _EPS**2
    return jnp.where(nonzero, off / jnp.where(nonzero, sq_norm, 1.0), 0.0)


def feature_dimensionality(W: jax.Array) -> jax.Array:
    """D_i = ||W_i||^2 / sum_j (Ŵ_i . W_j)^2, sum including j = i (paper Sec. 7, "Feature Dimensionality").

    Equivalently ||W_i||^4 / sum_j (W_i . W_j)^2. Defined as 0 for features with ||W_i|| < 1e-6.
    (..., hidden, features) -> (..., features).
    """
    W = jnp.asarray(W)
    G = _gram(W)
    sq_norm = jnp.diagonal(G, axis1=-2, axis2=-1)
    denom = jnp.sum(G**2, axis=-1)  # >= sq_norm^2
    nonzero = sq_norm > _EPS**2
    return jnp.where(nonzero, sq_norm**2 / jnp.where(nonzero, denom, 1.0), 0.0)


def dimensions_per_feature(W: jax.Array) -> jax.Array:
    """D* = m / ||W||_F^2 with m the hidden size (paper Sec. 7, "dimensions per feature").

    Defined as 0 for an all-zero W (no learned features). (..., hidden, features) -> (...).
    """
    W = jnp.asarray(W)
    m = W.shape[-2]
    frob2 = jnp.sum(W**2, axis=(-2, -1))
    nonzero = frob2 > _EPS**2
    return jnp.where(nonzero, m / jnp.where(nonzero, frob2, 1.0), 0.0)


def n_represented(W: jax.Array, threshold: float = REPRESENTED_NORM) -> jax.Array:
    """Number of features with ||W_i|| > threshold (paper Sec. 2). (..., hidden, features) -> (...) int."""
    return jnp.sum(feature_norms(W) > threshold, axis=-1).astype(jnp.int32)


def in_superposition(W: jax.Array, threshold: float = REPRESENTED_NORM) -> jax.Array:
    """Whether the represented features (||W_i|| > threshold) are in superposition (paper Sec. 2).

    True when n_represented > m, or when the Gram matrix W^T W restricted to the represented features
    is not invertible: lambda_min < 1e-3 * lambda_max. Unrepresented rows/cols are masked to the
    largest represented squared norm on the diagonal and 0 elsewhere, which leaves lambda_min and
    lambda_max of the restricted block unchanged, so no Python loop is needed (jit/vmap safe).
    (..., hidden, features) -> (...) bool.
    """
    W = jnp.asarray(W)
    G = _gram(W)
    rep = feature_norms(W) > threshold  # (..., f)
    pair = rep[..., :, None] & rep[..., None, :]
    sq_norm = jnp.diagonal(G, axis1=-2, axis2=-1)
    fill = jnp.max(jnp.where(rep, sq_norm, 0.0), axis=-1)
    fill = jnp.where(fill > 0, fill, 1.0)[..., None, None]
    eye = jnp.eye(G.shape[-1], dtype=bool)
    Gm = jnp.where(pair, G, jnp.where(eye, fill, 0.0))
    eig = jnp.linalg.eigvalsh(Gm)  # ascending
    singular = eig[..., 0] < _RANK_TOL * eig[..., -1]
    return (jnp.sum(rep, axis=-1) > W.shape[-2]) | singular


SUMMARY = (feature_norms, interference, feature_dimensionality, dimensions_per_feature, n_represented, in_superposition)


def summary(W: jax.Array) -> dict[str, np.ndarray]:
    """All metrics above as numpy arrays (for metrics.json, the app's run views). Keys are the function names.

    They run as one compiled program. Called eagerly, each of their few dozen array operations compiled on its first
    use at every new shape: 1.4–3 s on two loaded cores the first time the app drew a run, 0.35–0.9 s as one
    program (which a persistent compilation cache also keeps)."""
    measured = _summary_program(jnp.asarray(W, jnp.float32))
    return {fn.__name__: np.asarray(measured[fn.__name__]) for fn in SUMMARY}


@jax.jit
def _summary_program(W: jax.Array) -> dict[str, jax.Array]:
    return {fn.__name__: fn(W) for fn in SUMMARY}


# ---------------------------------------------------------- one model's geometry (numpy, W of shape (hidden, features))


def cosines(W: np.ndarray) -> np.ndarray:
    """Cosine of the angle between every two feature directions, (hidden, features) -> (features, features);
    0 where a feature has (almost) no norm."""
    W = np.asarray(W, dtype=float)
    norms = np.linalg.norm(W, axis=0)
    unit = W / np.where(norms > 1e-9, norms, 1.0)
    return unit.T @ unit


def represented(W: np.ndarray, threshold: float = REPRESENTED_NORM) -> np.ndarray:
    """Boolean mask of the features with ‖W_i‖ > threshold, (hidden, features) -> (features,)."""
    return np.linalg.norm(np.asarray(W), axis=0) > threshold


def angle_gaps(W: np.ndarray, threshold: float = REPRESENTED_NORM) -> np.ndarray:
    """Angles in degrees between circularly adjacent represented feature directions of an m=2 model; they sum
    to 360. (2, features) -> (represented,)."""
    W = np.asarray(W)
    keep = represented(W, threshold)
    angles = np.sort(np.degrees(np.arctan2(W[1, keep], W[0, keep])))
    if len(angles) == 0:
        return angles
    return np.diff(np.concatenate([angles, [angles[0] + 360.0]]))


def is_regular_polygon(W: np.ndarray, corners: int, tolerance_degrees: float = 12.0) -> bool:
    """Whether exactly ``corners`` features of an m=2 model are represented, spaced 360/corners degrees apart
    (within the tolerance) — e.g. the pentagon of five features in two dimensions (paper Sec. 3)."""
    gaps = angle_gaps(W)
    return len(gaps) == corners and bool(np.all(np.abs(gaps - 360.0 / corners) <= tolerance_degrees))


def is_two_digons(W: np.ndarray, antipodal_cosine: float = -0.95, orthogonal_cosine: float = 0.2) -> bool:
    """Whether an m=2 model represents exactly four features as two antipodal pairs (digons) on orthogonal
    axes — the configuration a pentagon collapses into (paper Sec. 3, "Non-uniform superposition")."""
    keep = np.flatnonzero(represented(W))
    if len(keep) != 4:
        return False
    cos = cosines(W)[np.ix_(keep, keep)]
    partner = np.argmin(cos, axis=1)
    pairs = {tuple(sorted((i, int(partner[i])))) for i in range(4)}
    if len(pairs) != 2 or any(cos[i, j] > antipodal_cosine for i, j in pairs):
        return False
    (a, _), (b, _) = sorted(pairs)
    return abs(cos[a, b]) < orthogonal_cosine


# ---------------------------------------------------------------- neurons of one ReLU layer (paper Sec. 8 and 10)


def top_feature_share(W: np.ndarray) -> np.ndarray:
    """Per neuron, the share of its squared input weights held by its largest feature: 1 for a monosemantic
    neuron, 1/k for k equal features (paper Sec. 8, "Superposition in a Privileged Basis").
    (hidden, features) -> (hidden,); NaN for an unused neuron (‖W[k]‖ ≤ ACTIVE_NEURON_NORM)."""
    squared = np.asarray(W, dtype=float) ** 2
    total = squared.sum(axis=1)
    return np.where(np.sqrt(total) > ACTIVE_NEURON_NORM, squared.max(axis=1) / np.maximum(total, 1e-12), np.nan)


def asymmetric_motifs(W1: np.ndarray, W2: np.ndarray) -> list[tuple[int, int, int]]:
    """Neurons k computing two features a, b asymmetrically (paper Sec. 10, "Computation in Superposition"): a is
    the neuron's strongest input and b the feature it writes to most besides a; |W₁[k,a]| ≥ 2|W₁[k,b]| ≥ 0.4,
    W₂[b,k] ≥ 2|W₂[a,k]|, W₂[b,k] ≥ 0.5 and W₂[a,k] > 0 (it adds to both outputs). W1 (hidden, features),
    W2 (features, hidden). Returns (k, a, b) for each."""
    W1, W2 = np.asarray(W1), np.asarray(W2)
    found = []
    for k in range(W1.shape[0]):
        a = int(np.argmax(np.abs(W1[k])))
        written = W2[:, k].copy()
        written[a] = -np.inf
        b = int(np.argmax(written))
        strong_in, weak_in, weak_out, strong_out = abs(W1[k, a]), abs(W1[k, b]), W2[a, k], W2[b, k]
        if strong_in >= 2 * weak_in >= 0.4 and strong_out >= max(2 * abs(weak_out), 0.5) and weak_out > 0:
            found.append((k, a, b))
    return found


def computed_features(W1: np.ndarray, W2: np.ndarray) -> int:
    """Number of features i with max_k W₁[k,i]·W₂[i,k] ≥ COMPUTED_GAIN = 0.25: some neuron passes x_i to output i
    (paper Sec. 10). W1 (hidden, features), W2 (features, hidden)."""
    return int(np.sum((np.asarray(W1) * np.asarray(W2).T).max(axis=0) >= COMPUTED_GAIN))


# --------------------------------------------------- trajectories through training on a log-time axis (paper Sec. 7)

DIMENSION_LEVELS = (0.0, 1 / 3, 2 / 5, 1 / 2, 2 / 3, 3 / 4, 1.0)  # the fractional dimensionalities D_i sits at
LEVEL_TOLERANCE = 0.04  # D_i is at a level within this (or half the gap to the nearest other level, if smaller)
PLATEAU_SLOPE = 0.2  # on a plateau |dD_i / d log10(step)| is at most this (a jump moves ~0.2–0.5 in ~0.2 decades)
PLATEAU_DECADES = 0.1  # a plateau lasts at least this many decades of step (a factor of 1.6)
GRID_PER_DECADE = 100  # trajectories are resampled onto a grid uniform in log10(step)
SMOOTH_DECADES = 0.05  # running median over this log-time window, against the minibatch noise
SLOPE_DECADES = 0.1  # the slope at a point is the least-squares slope over this centred log-time window


class Plateau(NamedTuple):
    """A stretch of training where a trajectory sits still at ``level``, from step ``start`` to step ``end``."""

    level: float
    start: float
    end: float


class Transition(NamedTuple):
    """A move between two consecutive plateaus at different levels: it leaves ``before`` at step ``start`` and
    arrives at ``after`` at step ``end``, taking ``decades`` = log10(end / start)."""

    before: float
    after: float
    start: float
    end: float
    decades: float


def log_time_grid(values: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log10 step, values) resampled onto a grid uniform in log10(step) with ``GRID_PER_DECADE`` points per
    decade, from the first positive step to the last; step 0 is dropped (it has no place on a log axis)."""
    values, steps = np.asarray(values, dtype=float), np.asarray(steps, dtype=float)
    positive = steps > 0
    x = np.log10(steps[positive])
    grid = np.linspace(x[0], x[-1], max(2, int(round((x[-1] - x[0]) * GRID_PER_DECADE)) + 1))
    return grid, np.interp(grid, x, values[positive])


def _smoothed_and_slope(values: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Running median over ``SMOOTH_DECADES`` and least-squares slope (per decade) over ``SLOPE_DECADES`` of a
    series on a uniform log-time grid of ``spacing`` decades; edges are padded with the end values."""
    half = max(1, int(round(SMOOTH_DECADES / spacing / 2)))
    padded = np.pad(values, half, mode="edge")
    smoothed = np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)
    half = max(1, int(round(SLOPE_DECADES / spacing / 2)))
    offsets = np.arange(-half, half + 1) * spacing
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(smoothed, half, mode="edge"), 2 * half + 1)
    return smoothed, windows @ offsets / np.sum(offsets**2)


def flat_stretches(
    values: np.ndarray, steps: np.ndarray, slope: float = PLATEAU_SLOPE, min_decades: float = PLATEAU_DECADES
) -> list[tuple[float, float]]:
    """(start step, end step) of every stretch of at least ``min_decades`` on a log-time axis over which
    ``values`` (smoothed) change by at most ``slope`` per decade of step — e.g. the plateaus of a loss curve scaled
    to its range. ``values`` and ``steps`` are (snapshots,)."""
    grid, resampled = log_time_grid(values, steps)
    _, slopes = _smoothed_and_slope(resampled, grid[1] - grid[0])
    return [(10 ** grid[a], 10 ** grid[b]) for a, b in _runs(np.abs(slopes) <= slope, grid, min_decades)]


def _runs(mask: np.ndarray, grid: np.ndarray, min_decades: float) -> list[tuple[int, int]]:
    """(first, last) grid indices of the runs of True in ``mask`` spanning at least ``min_decades``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(a, b) for a, b in zip(starts, ends) if grid[b] - grid[a] >= min_decades - 1e-9]


def level_tolerances(levels: tuple[float, ...] = DIMENSION_LEVELS, tolerance: float = LEVEL_TOLERANCE) -> np.ndarray:
    """Each level's tolerance: ``tolerance``, or half the gap to its nearest neighbour when that is smaller."""
    levels = np.asarray(levels, dtype=float)
    gaps = np.abs(levels[:, None] - levels[None, :]) + np.diag(np.full(len(levels), np.inf))
    return np.minimum(tolerance, gaps.min(axis=1) / 2)


def level_plateaus(
    trajectory: np.ndarray,
    steps: np.ndarray,
    levels: tuple[float, ...] = DIMENSION_LEVELS,
    tolerance: float = LEVEL_TOLERANCE,
    slope: float = PLATEAU_SLOPE,
    min_decades: float = PLATEAU_DECADES,
) -> list[Plateau]:
    """The plateaus of one feature's dimensionality D_i through training (paper Sec. 7, "Learning Dynamics"): the
    stretches of at least ``min_decades`` of log10(step) over which the smoothed D_i stays within its tolerance
    (:func:`level_tolerances`) of one of ``levels`` and moves by at most ``slope`` per decade. A smooth drift
    that passes through a level is not a plateau there unless it slows to ``slope``. (snapshots,) -> in time
    order."""
    grid, resampled = log_time_grid(trajectory, steps)
    smoothed, slopes = _smoothed_and_slope(resampled, grid[1] - grid[0])
    levels_array, tolerances = np.asarray(levels, dtype=float), level_tolerances(levels, tolerance)
    nearest = np.argmin(np.abs(smoothed[:, None] - levels_array[None, :]), axis=1)
    at_level = (np.abs(smoothed - levels_array[nearest]) <= tolerances[nearest]) & (np.abs(slopes) <= slope)
    label = np.where(at_level, nearest, -1)
    plateaus = []
    for index in range(len(levels_array)):
        for a, b in _runs(label == index, grid, min_decades):
            plateaus.append(Plateau(float(levels_array[index]), float(10 ** grid[a]), float(10 ** grid[b])))
    return sorted(plateaus, key=lambda plateau: plateau.start)


def level_transitions(plateaus: list[Plateau]) -> list[Transition]:
    """The moves between consecutive plateaus at different levels (a return to the same level is no move)."""
    return [
        Transition(a.level, b.level, a.end, b.start, float(np.log10(b.start / a.end)))
        for a, b in zip(plateaus, plateaus[1:])
        if a.level != b.level
    ]


def plateau_share(plateaus: list[Plateau], start: float, end: float) -> float:
    """The share of log-time from step ``start`` to step ``end`` (both > 0) spent on the given plateaus."""
    span = np.log10(end / start)
    inside = sum(max(0.0, np.log10(min(p.end, end) / max(p.start, start))) for p in plateaus if p.end > start)
    return float(inside / span) if span > 0 else 0.0
