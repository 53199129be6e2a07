"""Figure 11's check on hand-made weights: a model computing more than m/2 features in superposition below the best
monosemantic loss passes; the monosemantic solution itself, random weights, a model that computes many features but
loses one output, and one without the asymmetric motif fail. No training here (the figure's runs:
tests/figures/test_figures.py)."""

import itertools

import numpy as np
import pytest

from toysup import theory
from toysup.figures import computation
from toysup.metrics import asymmetric_motifs, computed_features

N_FEATURES, N_HIDDEN = 100, 40
IMPORTANCE = 0.8 ** np.arange(N_FEATURES)
PROBABILITY = np.array([1.0, 0.03, 0.01])
DEDICATED = 14  # features computed monosemantically by the superposed model; the other 12 neurons are shared


def shared_rays(neurons: int, tries: int = 20, seed: int = 0) -> list[tuple[set, set]]:
    """Pairs (P_f, N_f) of disjoint two-neuron sets, one per feature f, such that no feature's P or N lies inside
    another feature's P ∪ N (random greedy, the longest list of ``tries``). Feature f reads +x through the neurons of
    P_f and −x through N_f; each of its rays then leaves the other features' neuron sets, so an output that reads its
    own four neurons with +1/2 and every other shared neuron with −1/2 sees exactly |x_f| when x_f alone is active
    and at most 0 when another feature alone is: many more features than neuron pairs, exact when one is active."""
    rng = np.random.default_rng(seed)
    quads = list(itertools.combinations(range(neurons), 4))
    best: list[tuple[set, set]] = []
    for _ in range(tries):
        chosen: list[tuple[set, set]] = []
        for index in rng.permutation(len(quads)):
            quad = quads[index]
            for a, b, c, d in ((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2)):
                P, N = {quad[a], quad[b]}, {quad[c], quad[d]}
                if all(not (P2 <= P | N or N2 <= P | N or P <= P2 | N2 or N <= P2 | N2) for P2, N2 in chosen):
                    chosen.append((P, N))
                    break
        best = max(best, chosen, key=len)
    return best


RAYS = shared_rays(N_HIDDEN - 2 * DEDICATED)


def superposed(p: float, weak: float = 0.25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 14 most important features monosemantic (a +x and a −x neuron each), the next 15 on the 12 other neurons
    (``shared_rays``), the rest at their mean p/2. The first shared feature reads its neurons with weight 1, the others
    with ``weak`` and write with 1/(2·weak): a neuron of the first read weakly by another is the paper's asymmetric
    motif (strong in / weak out, weak in / strong out)."""
    W1, W2 = np.zeros((N_HIDDEN, N_FEATURES)), np.zeros((N_FEATURES, N_HIDDEN))
    b = np.full(N_FEATURES, p / 2)
    for f in range(DEDICATED):
        W1[2 * f, f], W1[2 * f + 1, f] = 1.0, -1.0
        W2[f, 2 * f] = W2[f, 2 * f + 1] = 1.0
        b[f] = 0.0
    shared = np.arange(2 * DEDICATED, N_HIDDEN)
    for j, (P, N) in enumerate(RAYS):
        f, scale = DEDICATED + j, 1.0 if j == 0 else weak
        W1[shared[list(P)], f], W1[shared[list(N)], f] = scale, -scale
        W2[f, shared] = -1 / (2 * scale)
        W2[f, shared[list(P | N)]] = 1 / (2 * scale)
        b[f] = 0.0
    return W1, W2, b


def monosemantic(p: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    weights = theory.abs_monosemantic_weights(p, IMPORTANCE, N_HIDDEN)
    return weights["W1"], weights["W2"], weights["b"]


def dense_n3() -> tuple[np.ndarray, np.ndarray]:
    W1 = np.zeros((6, 3))
    for f in range(3):
        W1[2 * f, f], W1[2 * f + 1, f] = 1.0, -1.0
    return W1, np.abs(W1).T


def data(models: list[tuple[np.ndarray, np.ndarray, np.ndarray]], probability=PROBABILITY) -> dict:
    dense_W1, dense_W2 = dense_n3()
    W1, W2, b = (np.stack(part) for part in zip(*models))
    return {
        "dense_W1": dense_W1,
        "dense_W2": dense_W2,
        "feature_probability": np.asarray(probability),
        "importance": IMPORTANCE,
        "W1": W1,
        "W2": W2,
        "b": b,
        "loss": np.full(len(models), np.nan),  # the training loss is reported only; the check evaluates the weights
    }


def test_the_hand_made_superposition_is_what_the_check_should_credit():
    assert len(RAYS) > 2 * (N_HIDDEN // 2 - DEDICATED)  # more features on the shared neurons than pairs fit
    W1, W2, b = superposed(0.01)
    assert computed_features(W1, W2) == DEDICATED + len(RAYS) > N_HIDDEN // 2
    assert len(asymmetric_motifs(W1, W2)) >= 1
    # One feature active at a time: every output exact.
    x = np.zeros((N_FEATURES, 2 * N_FEATURES))
    x[np.arange(N_FEATURES), np.arange(N_FEATURES)] = 0.7
    x[np.arange(N_FEATURES), N_FEATURES + np.arange(N_FEATURES)] = -0.4
    y = np.maximum(W2 @ np.maximum(W1 @ x, 0) + b[:, None], 0)
    computed = DEDICATED + len(RAYS)
    assert np.allclose(y[:computed], np.abs(x[:computed]))


@pytest.mark.parametrize("p", [1.0, 0.1, 0.01])
def test_expected_loss_of_the_monosemantic_weights_is_the_closed_form(p):
    loss, se = computation.expected_loss(*monosemantic(p), p, IMPORTANCE)
    assert abs(loss - float(theory.abs_monosemantic_baseline_loss(p, IMPORTANCE, N_HIDDEN))) <= 4 * se
    assert computation.expected_loss(*monosemantic(p), p, IMPORTANCE) == (loss, se)  # seeded


def test_superposition_below_the_baseline_passes():
    result = computation.check(data([monosemantic(1.0), superposed(0.03), superposed(0.01)]))
    assert result["holds"], result
    ratio = np.array(result["n100_loss_over_baseline_per_sparsity"])
    assert ratio[0] == pytest.approx(1.0, abs=0.03) and np.all(ratio[1:] < computation.BEATS_BASELINE)
    assert result["n100_computed_features_per_sparsity"] == [20, 29, 29]
    assert result["n100_more_features_computed_than_neurons_(not_required)"] is False
    assert result["not_reproduced"] == ["More features computed than neurons (40; not required): at most 29."]


def test_the_monosemantic_solution_itself_fails():
    # Loss at the baseline everywhere, but only m/2 features computed at the sparsest.
    result = computation.check(data([monosemantic(p) for p in PROBABILITY]))
    assert not result["holds"]
    assert result["n100_computed_features_per_sparsity"] == [20, 20, 20]


def test_random_weights_fail():
    rng = np.random.default_rng(0)
    std = np.sqrt(2 / (N_FEATURES + N_HIDDEN))
    models = [
        (std * rng.normal(size=(N_HIDDEN, N_FEATURES)), std * rng.normal(size=(N_FEATURES, N_HIDDEN)), np.zeros(100))
        for _ in PROBABILITY
    ]
    result = computation.check(data(models))
    assert not result["holds"]
    assert min(result["n100_loss_over_baseline_per_sparsity"]) > 5


def test_many_computed_features_with_a_dead_output_fail():
    # The same weights, but the most important feature's output is dead (bias −1): still 29 computed features and
    # the motif, yet the loss is far above the baseline — a failed optimisation the feature count cannot see.
    W1, W2, b = superposed(0.01)
    result = computation.check(data([monosemantic(1.0), superposed(0.03), (W1, W2, np.r_[-1.0, b[1:]])]))
    assert result["n100_computed_features_per_sparsity"][-1] == 29
    assert result["n100_loss_over_baseline_per_sparsity"][-1] > 5
    assert not result["holds"]


def test_superposition_that_does_not_pay_fails():
    # At 1 − S = 0.1 the shared features interfere too often: more features computed, at a loss above the baseline.
    result = computation.check(data([monosemantic(1.0), superposed(0.1), superposed(0.01)], [1.0, 0.1, 0.01]))
    assert result["n100_loss_over_baseline_per_sparsity"][1] > 1
    assert not result["holds"]


def test_no_asymmetric_motif_fails():
    # Every shared feature read and written with weight 1: the same function, no asymmetric neuron.
    models = [monosemantic(1.0), superposed(0.03, weak=1.0), superposed(0.01, weak=1.0)]
    result = computation.check(data(models))
    assert result["n100_asymmetric_motif_neurons_per_sparsity"] == [0, 0, 0]
    assert np.all(np.array(result["n100_loss_over_baseline_per_sparsity"][1:]) < computation.BEATS_BASELINE)
    assert not result["holds"]


def test_dense_n3_needs_a_plus_and_a_minus_neuron_per_feature():
    models = [monosemantic(1.0), superposed(0.03), superposed(0.01)]
    good = data(models)
    one_sided = {**good, "dense_W1": np.abs(good["dense_W1"])}  # every neuron reads +x
    assert computation.check(good)["holds"]
    assert not computation.check(one_sided)["holds"]
