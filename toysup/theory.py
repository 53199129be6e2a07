"""Theoretical phase diagrams from closed-form expected losses (Elhage et al. 2022, "Superposition as a
Phase Change").

Model: x' = ReLU(W^T W x + b), loss L = E[sum_i I_i (x_i - x'_i)^2]; every feature is independently 0
with probability 1 - p and ~ U[0, 1] with probability p. Write u, v ~ U[0, 1] for the values of active
features and V(p) = Var(x) = p/3 - p^2/4.

Dedicated feature (W_i a unit vector orthogonal to all others, b_i = 0): x'_i = x_i exactly, loss 0.
Dropped feature (W_i = 0): x'_i = ReLU(b_i), best constant b_i = E[x_i] = p/2, loss I_i V(p).

Antipodal pair (W = [1, -1], so x'_1 = ReLU(x_1 - x_2 + b_1)). Each output's error depends only on its
own bias, and it is scaled by its own importance, so the optimal bias does not depend on I. Per output,
    f(p, b) = E[(x_1 - ReLU(x_1 - x_2 + b))^2] = (1-p)^2 A + p(1-p) (B + C) + p^2 D,   with
    A (neither active)  = ReLU(b)^2
    B (only x_1 = u)    = E[(u - ReLU(u + b))^2] = 1/3 (b <= -1);  b^2 + 2b^3/3 (-1 <= b <= 0);  b^2 (b >= 0)
    C (only x_2 = v)    = E[ReLU(b - v)^2]       = 0 (b <= 0);  b^3/3 (0 <= b <= 1);  b^2 - b + 1/3 (b >= 1)
    D (both active)     = int_0^1 int_0^1 (u - ReLU(u - v + b))^2 du dv: the error is (v - b)^2 where
        u - v + b > 0 and u^2 elsewhere. For -1 <= b <= 0 (c = -b):
            int_c^1 t^2 (1 - t) dt + [1/3 - int_c^1 u^2 (u - c) du] = 1/6 - b/3 + b^3/3 + b^4/6;
        for 0 <= b <= 1 (the error-(v-b)^2 region is the square minus the triangle v >= u + b):
            (1/3 - b + b^2) - (1-b)^4/4 + (1-b)^4/12 = 1/3 - b + b^2 - (1-b)^4/6;
        D = 1/3 for b <= -1 and D = 1/3 - b + b^2 for b >= 1.
For b <= -1 the output is always 0 and f = p/3 = E[x^2]; at b = 0, f = p^2/6.

Optimal bias. On (-1, 0) f' = 2p(1-p) b(1+b) + p^2 (b^2 + 2b^3/3 - 1/3) < 0, and f is convex on
[0, inf), so the minimiser over all real b is unique and lies in [0, 1): it is POSITIVE, not negative.
(The ReLU already removes the negative interference of a lone x_2; when both are active x_1 is
under-estimated by x_2, which a small positive bias partly compensates.) On [0, 1] it is the root of
    f'(b) = -(2/3) p^2 b^3 + p(1+p) b^2 + 2(1-p) b - p^2/3 = 0,
b* ~ p^2 / (6(1-p)) for small p (1.7e-5 at p=0.01, 0.0019 at 0.1, 0.021 at 0.3, 0.079 at 0.5) and
b* = 0.4421 at p = 1. We find it by a vectorised golden-section search plus a Newton polish (numpy).

Non-unit norms (checked numerically offline, not used here): with W = [a_1, -a_2] the outputs are
ReLU(a_1^2 x_1 - a_1 a_2 x_2 + b_1) etc. For I = 1 the best a_1 = a_2 stays within ~2% of 1 and lowers
the pair loss by < 0.5%. For I far from 1 the less important feature shrinks (a_2 ~ 0.6-0.75 near the
superposition / not-represented boundary), lowering the pair loss by up to ~15% and moving that
boundary to ~15% lower I (e.g. p = 0.1: I = 0.057 -> 0.049). The candidates keep W = [1, -1], as in
the paper, so the theoretical superposition region is slightly conservative. (Also: in the dense
limit p = 1, I = 1, a same-sign W = [0.94, 0.37] is marginally better than either dedicated candidate,
0.08325 vs 0.08333; not a candidate here.)

Candidate losses (f* = f(p, b*(p)), V = V(p)):
    n=2, m=1:  0 not represented  I V;   1 dedicated  V;   2 superposition  (1 + I) f*.
    n=3, m=2:  0 W ⊥ [0,0,1]  I V;   1 W ⊥ [1,0,0]  V;   2 W ⊥ [0,1,1]  (1 + I) f*;   3 W ⊥ [1,1,0]  2 f*.
Ties (e.g. labels 0 and 1 at I = 1) resolve to the lowest label (np.argmin).
"""

from __future__ import annotations

import numpy as np

PHASE_LABELS_2 = ("not represented", "dedicated", "superposition")
PHASE_LABELS_3 = ("W ⊥ [0,0,1]", "W ⊥ [1,0,0]", "W ⊥ [0,1,1]", "W ⊥ [1,1,0]")

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
_GOLDEN_ITERS = 60  # interval [0, 1] shrinks to 0.618^60 ~ 3e-13


def _check_inputs(feature_probability, importance=None):
    p = np.asarray(feature_probability, dtype=np.float64)
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("feature_probability must lie in [0, 1]")
    if importance is None:
        return p
    imp = np.asarray(importance, dtype=np.float64)
    if np.any(~np.isfinite(imp)) or np.any(imp < 0):
        raise ValueError("importance must be finite and >= 0")
    return np.broadcast_arrays(p, imp)


def feature_variance(feature_probability) -> np.ndarray:
    """Var(x) = p/3 - p^2/4: loss of a dropped feature with its optimal constant output ReLU(p/2)."""
    p = _check_inputs(feature_probability)
    return p / 3.0 - p**2 / 4.0


def dedicated_baseline_loss(feature_probability, importance, n_hidden: int) -> np.ndarray:
    """The loss of the best model without superposition: the ``n_hidden`` features whose drop would cost most
    (largest I_i V(p_i)) each get a dedicated direction (loss 0), every other feature is dropped to its best
    constant (loss I_i V(p_i)). Any claim that a trained model uses superposition well must beat it.

    ``feature_probability`` and ``importance`` broadcast to (..., n_features); returns shape (...,).
    """
    if int(n_hidden) != n_hidden or n_hidden < 0:
        raise ValueError(f"n_hidden must be an integer >= 0, got {n_hidden!r}")
    p, imp = _check_inputs(feature_probability, importance)
    dropped_cost = np.sort(imp * (p / 3.0 - p**2 / 4.0), axis=-1)
    kept = min(int(n_hidden), dropped_cost.shape[-1])
    return dropped_cost[..., : dropped_cost.shape[-1] - kept].sum(axis=-1)


def abs_monosemantic_baseline_loss(feature_probability, importance, n_hidden: int) -> np.ndarray:
    """The loss of the best monosemantic model of the absolute-value task y = |x| (paper Sec. 10, ``abs`` model
    h = ReLU(W₁x), y' = ReLU(W₂h + b), inputs 0 with probability 1 − p, else uniform on [−1, 1]).

    |x| = ReLU(x) + ReLU(−x) takes two neurons, so floor(n_hidden / 2) features are computed exactly (loss 0): those
    whose drop would cost most. Every other feature is predicted by its best constant E|x| = p/2, at loss
    I_i Var(|x_i|) with Var(|x|) = p/3 − p²/4 (|x| is 0 with probability 1 − p, else uniform on [0, 1]), which is
    :func:`feature_variance`. The weights of this solution: :func:`abs_monosemantic_weights`. A model credited with
    computing more than n_hidden / 2 features in superposition must beat it.

    ``feature_probability`` and ``importance`` broadcast to (..., n_features); returns shape (...,).
    """
    if int(n_hidden) != n_hidden or n_hidden < 0:
        raise ValueError(f"n_hidden must be an integer >= 0, got {n_hidden!r}")
    return dedicated_baseline_loss(feature_probability, importance, int(n_hidden) // 2)


def abs_monosemantic_weights(feature_probability, importance, n_hidden: int) -> dict[str, np.ndarray]:
    """The weights ``{"W1", "W2", "b"}`` of the solution whose loss is :func:`abs_monosemantic_baseline_loss`, for
    one model (``feature_probability`` and ``importance`` broadcast to (n_features,)): the j-th costliest feature f
    gets neuron 2j reading +x_f and neuron 2j + 1 reading −x_f, both writing 1 to output f (bias 0); every other
    feature has zero weights and bias p_f / 2. W1 (n_hidden, n_features), W2 (n_features, n_hidden), b (n_features,)."""
    if int(n_hidden) != n_hidden or n_hidden < 0:
        raise ValueError(f"n_hidden must be an integer >= 0, got {n_hidden!r}")
    p, imp = _check_inputs(feature_probability, importance)
    if p.ndim != 1:
        raise ValueError(f"feature_probability, importance: must broadcast to one model's (n_features,), got {p.shape}")
    n_features = p.shape[0]
    computed = np.argsort(-imp * (p / 3.0 - p**2 / 4.0), kind="stable")[: min(int(n_hidden) // 2, n_features)]
    W1 = np.zeros((int(n_hidden), n_features), np.float32)
    W2 = np.zeros((n_features, int(n_hidden)), np.float32)
    b = (p / 2.0).astype(np.float32)
    for j, feature in enumerate(computed):
        W1[2 * j, feature], W1[2 * j + 1, feature] = 1.0, -1.0
        W2[feature, 2 * j] = W2[feature, 2 * j + 1] = 1.0
        b[feature] = 0.0
    return {"W1": W1, "W2": W2, "b": b}


def antipodal_loss(feature_probability, bias) -> np.ndarray:
    """f(p, b) = E[(x_1 - ReLU(x_1 - x_2 + b))^2] for any real b (piecewise closed form, module docstring).

    Expected squared error of one output of the antipodal pair W = [1, -1], importance 1.
    Broadcasts feature_probability against bias.
    """
    p = _check_inputs(feature_probability)
    p, b = np.broadcast_arrays(p, np.asarray(bias, dtype=np.float64))
    bp = np.maximum(b, 0.0)
    case_a = bp**2
    case_b = np.where(b >= 0, b**2, np.where(b >= -1, b**2 + 2 * b**3 / 3, 1.0 / 3.0))
    case_c = np.where(b <= 0, 0.0, np.where(b <= 1, b**3 / 3, b**2 - b + 1.0 / 3.0))
    case_d = np.select(
        [b <= -1, b <= 0, b <= 1],
        [1.0 / 3.0, 1.0 / 6.0 - b / 3 + b**3 / 3 + b**4 / 6, 1.0 / 3.0 - b + b**2 - (1 - b) ** 4 / 6],
        default=1.0 / 3.0 - b + b**2,
    )
    return (1 - p) ** 2 * case_a + p * (1 - p) * (case_b + case_c) + p**2 * case_d


def optimal_bias_antipodal(feature_probability) -> np.ndarray:
    """Bias b*(p) minimising antipodal_loss over all real b (it lies in [0, 1); module docstring).

    Independent of the importances: each output's loss is its own importance times f(p, b_i).
    Vectorised golden-section search on [0, 1], where f is convex, then two Newton steps on f'(b) = 0.
    """
    p = _check_inputs(feature_probability)
    lo, hi = np.zeros_like(p), np.ones_like(p)
    for _ in range(_GOLDEN_ITERS):
        x1, x2 = hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo)
        left = antipodal_loss(p, x1) <= antipodal_loss(p, x2)  # minimum lies in [lo, x2]
        lo, hi = np.where(left, lo, x1), np.where(left, x2, hi)
    b = (lo + hi) / 2.0
    for _ in range(2):  # polish: Newton on the cubic f'(b) = 0 (golden section stalls at ~1e-9)
        fp1 = -(2 / 3) * p**2 * b**3 + p * (1 + p) * b**2 + 2 * (1 - p) * b - p**2 / 3
        fp2 = -2 * p**2 * b**2 + 2 * p * (1 + p) * b + 2 * (1 - p)
        b = np.clip(b - np.where(fp2 > 0, fp1 / np.where(fp2 > 0, fp2, 1.0), 0.0), 0.0, 1.0)
    return b if b.ndim else b[()]


def optimal_antipodal_loss(feature_probability) -> np.ndarray:
    """f*(p) = min_b f(p, b): one antipodal output's loss (importance 1) at its optimal bias."""
    return antipodal_loss(feature_probability, optimal_bias_antipodal(feature_probability))


def candidate_weights_2() -> np.ndarray:
    """W of the n=2, m=1 candidates, shape (3 labels, 1 hidden, 2 features)."""
    return np.array([[[1.0, 0.0]], [[0.0, 1.0]], [[1.0, -1.0]]])


def candidate_weights_3() -> np.ndarray:
    """W of the n=3, m=2 candidates (W v = 0 for the labelled null vector v), shape (4, 2, 3)."""
    return np.array(
        [
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],  # ⊥ [0,0,1]
            [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],  # ⊥ [1,0,0]
            [[1.0, 0.0, 0.0], [0.0, 1.0, -1.0]],  # ⊥ [0,1,1]
            [[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]],  # ⊥ [1,1,0]
        ]
    )


def candidate_biases_2(feature_probability) -> np.ndarray:
    """Optimal biases of the n=2 candidates, shape p.shape + (3, 2): dropped p/2, dedicated 0, pair b*."""
    p = _check_inputs(feature_probability)
    half, bs, zero = p / 2.0, optimal_bias_antipodal(p), np.zeros_like(p)
    rows = [[zero, half], [half, zero], [bs, bs]]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


def candidate_biases_3(feature_probability) -> np.ndarray:
    """Optimal biases of the n=3 candidates, shape p.shape + (4, 3)."""
    p = _check_inputs(feature_probability)
    half, bs, zero = p / 2.0, optimal_bias_antipodal(p), np.zeros_like(p)
    rows = [[zero, zero, half], [half, zero, zero], [zero, bs, bs], [bs, bs, zero]]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


def candidate_losses_2(feature_probability, importance) -> np.ndarray:
    """Expected loss of each n=2 candidate (optimal biases); shape broadcast(p, I) + (3,).

    Feature 1 has importance 1, feature 2 importance I: [I V, V, (1 + I) f*].
    """
    p, imp = _check_inputs(feature_probability, importance)
    var, fstar = feature_variance(p), optimal_antipodal_loss(p)
    return np.stack([imp * var, var, (1.0 + imp) * fstar], axis=-1)


def candidate_losses_3(feature_probability, importance) -> np.ndarray:
    """Expected loss of each n=3 candidate (optimal biases); shape broadcast(p, I) + (4,).

    Features 1, 2 have importance 1, feature 3 importance I: [I V, V, (1 + I) f*, 2 f*].
    """
    p, imp = _check_inputs(feature_probability, importance)
    var, fstar = feature_variance(p), optimal_antipodal_loss(p)
    return np.stack([imp * var, var, (1.0 + imp) * fstar, 2.0 * fstar], axis=-1)


def candidate_losses(feature_probability, importance, n_features: int = 2) -> np.ndarray:
    """:func:`candidate_losses_2` or :func:`candidate_losses_3` by ``n_features``: shape broadcast(p, I) + (labels,)."""
    if n_features == 2:
        return candidate_losses_2(feature_probability, importance)
    if n_features == 3:
        return candidate_losses_3(feature_probability, importance)
    raise ValueError(f"n_features must be 2 or 3, got {n_features!r}")


def theoretical_phase(feature_probability, importance, n_features: int = 2) -> np.ndarray:
    """Integer label (index into PHASE_LABELS_2 / PHASE_LABELS_3) of the lowest-loss candidate."""
    return np.argmin(candidate_losses(feature_probability, importance, n_features), axis=-1)


def agreement(labels_a, labels_b) -> float:
    """Fraction of grid cells where two label grids agree (shapes must match exactly)."""
    a, b = np.asarray(labels_a), np.asarray(labels_b)
    if a.shape != b.shape:
        raise ValueError(f"labels_a and labels_b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        raise ValueError("labels_a and labels_b must be non-empty")
    return float(np.mean(a == b))
