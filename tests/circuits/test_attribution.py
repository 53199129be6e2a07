"""Attribution graphs against replacements whose right answer is known by construction: the exact |x| transcoder
(2n latents reading ±x_i, each writing |x_i| to output i), the same with off-diagonal noise that pruning must
remove, and a dense random replacement that must score badly."""

import json
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from toysup.circuits import attribution
from toysup.circuits import plots as circuit_plots

N = 20  # the |x| task's size in the issue


def sparse_signed(n: int, batch: int = 2048, p: float = 0.1, seed: int = 0) -> np.ndarray:
    """The |x| task's inputs: each feature 0 with probability 1 − p, else uniform on [−1, 1]."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random((batch, n)) < p, rng.uniform(-1, 1, (batch, n)), 0).astype(np.float32)


def relu_codes(a: np.ndarray, params: dict) -> np.ndarray:
    return np.maximum(a @ params["W_enc"].T + params["b_enc"], 0)


def trace_abs(params: dict, x: np.ndarray, threshold: float = attribution.DEFAULT_THRESHOLD):
    n = x.shape[1]
    traced, graph = attribution.trace(
        x, np.eye(n), relu_codes(x, params), params["W_enc"], params["W_dec"], params["b_dec"], threshold
    )
    return traced, graph, attribution.score(traced, graph, np.eye(n, dtype=bool), np.abs(x))


def test_the_exact_abs_replacement_recovers_the_true_graph_and_every_output():
    x = sparse_signed(N)
    _, graph, score = trace_abs(attribution.exact_abs_transcoder(N), x)
    assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)
    assert score.kept_edges == score.true_edges == N
    assert score.explained_variance == pytest.approx(1.0, abs=1e-6)
    assert score.layered_explained_variance == pytest.approx(1.0, abs=1e-6)
    # The trivial baseline: without its edges the graph explains nothing (the bias path is 0 here).
    assert score.bias_explained_variance < 0
    # Each latent reads one input and writes one output: 2n input → latent and 2n latent → output edges.
    assert graph.input_latent_kept.sum() == graph.latent_output_kept.sum() == 2 * N
    assert graph.shown_latents().all()


def test_effects_add_up_to_the_latent_pre_activations_and_the_outputs():
    """Conservation: Σ_i e[b, i, j] = (W_enc a)_j = π_j − b_enc_j on active latents (0 on the others), Σ_j e[b, j, k]
    + b_dec = ŷ, and the input → output paths plus the bias path give ŷ, for a relu_output-style replacement reading
    a = x Eᵀ with biases everywhere."""
    rng = np.random.default_rng(1)
    n, m, latents = 7, 3, 12
    x = sparse_signed(n, batch=256, p=0.4, seed=2)
    E = rng.normal(size=(m, n)).astype(np.float32)
    W_enc = rng.normal(size=(latents, m)).astype(np.float32)
    b_enc = rng.normal(scale=0.3, size=latents).astype(np.float32)
    W_dec = rng.normal(size=(latents, n)).astype(np.float32)
    b_dec = rng.normal(size=n).astype(np.float32)
    pre = (x @ E.T) @ W_enc.T + b_enc
    f = np.maximum(pre, 0)
    y_hat = f @ W_dec + b_dec
    traced = attribution.effects(x, E, f, W_enc, W_dec, b_dec)
    active = f > 0
    assert 0.2 < active.mean() < 0.8
    np.testing.assert_allclose(traced.input_latent.sum(axis=1), np.where(active, pre - b_enc, 0), atol=1e-5)
    np.testing.assert_allclose(traced.latent_bias, np.where(active, b_enc, 0), atol=1e-5)
    np.testing.assert_allclose(traced.latent_output.sum(axis=1) + b_dec, y_hat, atol=1e-5)
    np.testing.assert_allclose(traced.input_output.sum(axis=1) + traced.bias_output, y_hat, atol=1e-4)
    np.testing.assert_allclose(traced.outputs(), y_hat, atol=1e-4)
    # Unpruned (θ = 0), the layered graph rebuilds ŷ exactly.
    graph = attribution.graph(traced, threshold=0.0)
    np.testing.assert_allclose(attribution.layered_outputs(traced, graph), y_hat, atol=1e-4)


def test_pruning_removes_off_diagonal_noise_that_the_unpruned_graph_keeps():
    rng = np.random.default_rng(3)
    params = attribution.exact_abs_transcoder(N)
    off = ~np.eye(N, dtype=bool)
    noisy = dict(params)
    noisy["W_enc"] = params["W_enc"] + 0.01 * rng.normal(size=params["W_enc"].shape).astype(np.float32) * np.repeat(
        off, 2, axis=0
    )
    noisy["W_dec"] = params["W_dec"] + 0.01 * rng.normal(size=params["W_dec"].shape).astype(np.float32) * np.repeat(
        off, 2, axis=0
    )
    x = sparse_signed(N, seed=4)
    _, _, unpruned = trace_abs(noisy, x, threshold=0.0)
    _, _, pruned = trace_abs(noisy, x)
    assert unpruned.recall == 1.0 and unpruned.precision < 0.5  # the noise is there to be found
    assert unpruned.carried == 1.0 and pruned_share_of(noisy, x) < 0.9  # and carries too much for a 90 % share rule
    assert (pruned.precision, pruned.recall, pruned.f1) == (1.0, 1.0, 1.0)
    assert pruned.explained_variance > 0.99


def pruned_share_of(params: dict, x: np.ndarray) -> float:
    """The share of the input → output weight the true (diagonal) edges carry."""
    _, graph, _ = trace_abs(params, x)
    return float(np.trace(graph.input_output_weight) / graph.input_output_weight.sum())


def test_a_dense_random_replacement_scores_badly():
    rng = np.random.default_rng(5)
    latents = 2 * N
    params = {
        "W_enc": rng.normal(size=(latents, N)).astype(np.float32),
        "b_enc": np.zeros(latents, np.float32),
        "W_dec": rng.normal(scale=0.3, size=(latents, N)).astype(np.float32),
        "b_dec": np.zeros(N, np.float32),
    }
    _, _, score = trace_abs(params, sparse_signed(N, seed=6))
    assert score.f1 < 0.3
    assert score.explained_variance < 0.0  # worse than predicting each output's mean


def test_prune_drops_weak_nodes_then_each_nodes_edges_under_a_fraction_of_its_strongest():
    column = np.array([[0.05], [0.5], [0.15], [0.3]])
    np.testing.assert_array_equal(attribution.prune(column, 0.5)[:, 0], [False, True, False, True])
    np.testing.assert_array_equal(attribution.prune(column, 0.3)[:, 0], [False, True, True, True])  # 0.15 = 0.3 × 0.5
    np.testing.assert_array_equal(attribution.prune(column, 0.0)[:, 0], [True, True, True, True])
    assert attribution.prune(np.full((4, 1), 0.25), 1.0).all()  # edges tied with the strongest are all kept
    # Edges are pruned relative to their own node (the 2s are kept, though under 0.3 × 10), and a node whose total is
    # under θ of the largest total (0.01 < 0.3 × 11) is dropped with its edges.
    weight = np.array([[10.0, 2.0, 0.01], [1.0, 2.0, 0.0]])
    np.testing.assert_array_equal(attribution.prune(weight, 0.3), [[True, True, False], [False, True, False]])


def test_edge_scores_and_explained_variance_on_known_values():
    kept = np.array([[True, True], [False, True]])
    precision, recall, f1 = attribution.edge_scores(kept, np.eye(2, dtype=bool))
    assert (precision, recall, f1) == pytest.approx((2 / 3, 1.0, 0.8))
    assert attribution.edge_scores(np.zeros((2, 2), bool), np.eye(2, dtype=bool)) == (0.0, 0.0, 0.0)
    target = np.array([[1.0, 2.0], [3.0, 0.0], [2.0, 1.0]])
    assert attribution.explained_variance(target, target) == 1.0
    assert attribution.explained_variance(np.broadcast_to(target.mean(axis=0), target.shape), target) == 0.0


def test_the_graph_is_plain_json_and_holds_only_the_kept_edges():
    _, graph, _ = trace_abs(attribution.exact_abs_transcoder(4), sparse_signed(4, batch=256, p=0.5))
    data = json.loads(json.dumps(graph.to_json_dict()))
    assert data["n_inputs"] == data["n_outputs"] == 4 and data["n_latents"] == 8
    assert sorted((i, k) for i, k, _, _ in data["input_output"]) == [(i, i) for i in range(4)]
    assert all(mean > 0 and weight > 0 for _, _, mean, weight in data["input_output"])
    assert len(data["input_latent"]) == len(data["latent_output"]) == 8


@pytest.mark.parametrize(
    "change, message",
    [
        ({"x": np.array([[np.nan, 0.0]])}, "x: must be finite"),
        ({"f": np.zeros((1, 3))}, "f: must have shape (batch, latents) = (1, 4)"),
        ({"E": np.eye(3)}, "E: must have shape (inputs, n_features) = (any, 2)"),
        ({"b_dec": np.zeros(3)}, "b_dec: must have shape (outputs,) = (2,)"),
        ({"threshold": 1.5}, "threshold: must be in [0, 1]"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(change, message):
    params = attribution.exact_abs_transcoder(2)
    arguments = {"x": np.ones((1, 2)), "E": np.eye(2), "f": np.ones((1, 4)), **params}
    arguments.pop("b_enc")
    arguments.update(change)
    with pytest.raises(ValueError, match=re.escape(message)):
        attribution.trace(**arguments)


def test_the_drawing_shows_the_kept_edges_of_the_live_latents():
    _, graph, _ = trace_abs(attribution.exact_abs_transcoder(5), sparse_signed(5, batch=512, p=0.5))
    fig = circuit_plots.attribution_graph(graph)
    assert isinstance(fig, Figure)
    edges = [line for line in fig.axes[0].lines if len(line.get_xdata()) == 2]
    assert len(edges) == 2 * 10  # 10 input → latent and 10 latent → output edges
    with pytest.raises(ValueError, match="input_names: must name the graph's 5 inputs, got 2"):
        circuit_plots.attribution_graph(graph, input_names=["a", "b"])


def test_a_trained_transcoder_of_the_abs_model_traces_the_true_graph():
    """End to end at test scale: a JumpReLU transcoder trained on the monosemantic |x| model (y = |x| exactly, 6
    features) traces input i → output i only and its pruned graph explains most of the output variance; a dense
    random replacement of the same shapes, the plausible wrong answer, does neither."""
    transcoders = pytest.importorskip("toysup.circuits.transcoders")
    from toysup import sae, theory
    from toysup.config import ToyConfig
    from toysup.train import TrainResult

    n, p = 6, 0.1
    config = ToyConfig(n_features=n, n_hidden=2 * n, model="abs", feature_probability=p)
    weights = theory.abs_monosemantic_weights(np.full(n, p), 1.0, 2 * n)
    params = {name: np.asarray(value, np.float32)[None] for name, value in weights.items()}
    run = TrainResult(config, params, np.zeros((1, 1), np.float32), np.zeros(1, np.float32), config.steps)
    data = transcoders.transcoder_data(run)
    fields = sae.derive_settings(
        "jumprelu", data.activations, steps=600, batch_size=256, learning_rate=1e-2, schedule="cosine"
    ).fields
    result = transcoders.train_transcoder(sae.SAEConfig(**fields), data)
    x, a, y = transcoders.transcoder_samples(data, 4096)
    f, _ = transcoders.transcoder_outputs(result, a)
    trained = transcoders.instance_params(result)
    traced, graph = attribution.trace(x, data.embedding[0], f, trained["W_enc"], trained["W_dec"], trained["b_dec"])
    score = attribution.score(traced, graph, data.graph[0], y)
    assert score.f1 >= 0.9
    assert score.explained_variance > 0.8
    assert score.explained_variance > score.bias_explained_variance + 0.5

    rng = np.random.default_rng(7)
    random = {
        name: rng.normal(scale=np.abs(value).max(), size=value.shape).astype(np.float32)
        for name, value in trained.items()
    }
    f_random = np.maximum(a @ random["W_enc"].T, 0)
    traced, graph = attribution.trace(
        x, data.embedding[0], f_random, random["W_enc"], random["W_dec"], trained["b_dec"]
    )
    baseline = attribution.score(traced, graph, data.graph[0], y)
    assert baseline.f1 < 0.5 and baseline.explained_variance < 0.5
