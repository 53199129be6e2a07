"""Transcoders: the SAE machine with a target, imitating toy models that compute (the |x| and ReLU-output models)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from toysup import sae, theory
from toysup.circuits import transcoders
from toysup.config import ToyConfig
from toysup.metrics import computed_features
from toysup.sae.models import architecture
from toysup.train import TrainResult, train

ABS_FEATURES = 6
ABS_P = 0.1
FAST = dict(steps=500, batch_size=256, learning_rate=1e-2, schedule="cosine")


def _run(config: ToyConfig, params: dict) -> TrainResult:
    """A toy run with hand-built weights (one instance): its behaviour is known exactly."""
    params = {name: np.asarray(value, np.float32)[None] for name, value in params.items()}
    return TrainResult(config, params, np.zeros((1, 1), np.float32), np.zeros(1, np.float32), config.steps)


@pytest.fixture(scope="module")
def abs_data():
    """The monosemantic |x| model with a +x and a −x neuron per feature: it outputs y = |x| exactly."""
    config = ToyConfig(n_features=ABS_FEATURES, n_hidden=2 * ABS_FEATURES, model="abs", feature_probability=ABS_P)
    weights = theory.abs_monosemantic_weights(np.full(ABS_FEATURES, ABS_P), 1.0, 2 * ABS_FEATURES)
    return transcoders.transcoder_data(_run(config, weights))


@pytest.fixture(scope="module")
def relu_output_data():
    """The pentagon: 5 features on a regular pentagon in 2 dimensions, y = ReLU(WᵀWx + b)."""
    angles = 2 * np.pi * np.arange(5) / 5
    W = np.stack([np.cos(angles), np.sin(angles)])
    config = ToyConfig(n_features=5, n_hidden=2, model="relu_output", feature_probability=0.05)
    return transcoders.transcoder_data(_run(config, {"W": W, "b": np.full(5, -0.3)}))


@pytest.fixture(scope="module")
def abs_topk(abs_data):
    # k = 2: about 11% of samples have two features active (p = 0.1 on 6 features); 4 latents per feature.
    fields = sae.derive_settings("topk", abs_data.activations, k=2, n_latents=24, **FAST).fields
    return transcoders.train_transcoder(sae.SAEConfig(**fields), abs_data)


def test_transcoder_data_of_both_models_has_the_models_shapes_embedding_and_identity_graph(abs_data, relu_output_data):
    assert (abs_data.n_inputs, abs_data.n_outputs, abs_data.n_features) == (6, 6, 6)
    np.testing.assert_array_equal(abs_data.embedding[0], np.eye(6))
    np.testing.assert_array_equal(abs_data.graph[0], np.eye(6, dtype=bool))
    assert (relu_output_data.n_inputs, relu_output_data.n_outputs, relu_output_data.n_features) == (2, 5, 5)
    assert relu_output_data.embedding.shape == (1, 2, 5)
    np.testing.assert_array_equal(relu_output_data.graph[0], np.eye(5, dtype=bool))
    # The samples are the model's own map: |x| for the monosemantic abs model, a = W x for relu_output.
    x, a, y = transcoders.transcoder_samples(abs_data, 512)
    np.testing.assert_allclose(y, np.abs(x), atol=1e-6)
    np.testing.assert_array_equal(a, x)
    assert 0.05 < np.mean(x != 0) < 0.15 and (x < 0).any()  # p = 0.1, signed
    x, a, y = transcoders.transcoder_samples(relu_output_data, 512)
    W = relu_output_data.embedding[0]
    np.testing.assert_allclose(a, x @ W.T, atol=1e-6)
    np.testing.assert_allclose(y, np.maximum(x @ W.T @ W - 0.3, 0.0), atol=1e-5)


def test_the_model_graph_is_the_identity_on_computed_features_only():
    # 4 neurons compute features 0 and 1 of 4 (equal importance: the first two); the others are constant.
    config = ToyConfig(n_features=4, n_hidden=4, model="abs", feature_probability=0.1)
    data = transcoders.transcoder_data(_run(config, theory.abs_monosemantic_weights(np.full(4, 0.1), 1.0, 4)))
    expected = np.zeros((4, 4), bool)
    expected[0, 0] = expected[1, 1] = True
    np.testing.assert_array_equal(transcoders.model_graph(data), expected)
    np.testing.assert_array_equal(data.model_graph[0], expected)
    # The pentagon's interference passes on: a lone feature at 1 reaches its neighbours (cos 72° − 0.3 = 0.009 < 0.25,
    # so no edge) but not at threshold 0.005.
    angles = 2 * np.pi * np.arange(5) / 5
    W = np.stack([np.cos(angles), np.sin(angles)])
    pentagon = ToyConfig(n_features=5, n_hidden=2, model="relu_output", feature_probability=0.05)
    data = transcoders.transcoder_data(_run(pentagon, {"W": W, "b": np.full(5, -0.3)}))
    np.testing.assert_array_equal(data.model_graph[0], np.eye(5, dtype=bool))
    neighbours = np.abs(np.subtract.outer(np.arange(5), np.arange(5))) % 5
    np.testing.assert_array_equal(transcoders.model_graph(data, threshold=0.005), np.isin(neighbours, (0, 1, 4)))


def test_bad_input_gets_one_clear_error_before_compute(abs_data):
    linear = ToyConfig(n_features=3, n_hidden=2, model="linear")
    with pytest.raises(ValueError, match="^run: model must be one of abs, relu_output, got 'linear'"):
        transcoders.transcoder_data(_run(linear, {"W": np.zeros((2, 3)), "b": np.zeros(3)}))
    with pytest.raises(ValueError, match="^n_outputs: must be >= 1, got 0"):
        sae.SAEConfig(n_inputs=6, n_outputs=0)
    with pytest.raises(ValueError, match="^tied: a transcoder"):
        sae.SAEConfig(arch="relu", n_inputs=6, n_outputs=6, tied=True)
    with pytest.raises(ValueError, match="^n_outputs: must be the model's output dimension 6"):
        transcoders.train_transcoder(sae.SAEConfig(n_inputs=6, steps=1), abs_data)
    with pytest.raises(ValueError, match="^n_outputs: must be 6, the target dimension"):
        transcoders.train_transcoder(sae.SAEConfig(n_inputs=6, n_outputs=5, steps=1), abs_data)
    with pytest.raises(ValueError, match=r"^n_outputs: must be None \(an SAE's activations\)"):
        sae.train_sae(sae.SAEConfig(n_inputs=4, n_outputs=4, steps=1), sae.synthetic_activations(8, 4))


@pytest.mark.parametrize("arch", sae.ARCHITECTURES)
def test_a_transcoder_on_the_centred_input_with_the_input_as_target_is_the_sae(arch):
    # An SAE reads x − b_dec and reconstructs x; a transcoder reads its input uncentred and predicts its target.
    # Fed a = x − b_dec with target x, the transcoder is exactly the SAE: same loss, same codes, same gradients of
    # every parameter but b_dec (which the SAE also reaches through its input).
    n_inputs, batch = 8, 64
    sae_config = sae.SAEConfig(arch=arch, n_inputs=n_inputs, n_latents=16, k=3, l1_coefficient=0.1, aux_k=4)
    sae_arch, transcoder_arch = architecture(sae_config), architecture(sae_config.replace(n_outputs=n_inputs))
    keys = jax.random.split(jax.random.key(0), 4)
    params = sae_arch.init(keys[0])
    params = {**params, "b_dec": jax.random.normal(keys[1], (n_inputs,)), "b_enc": 0.1 * jnp.ones(16)}
    x = jax.nn.relu(jax.random.normal(keys[2], (batch, n_inputs)))
    hyper = {name: jnp.asarray(value[0]) for name, value in sae.train.hyper_arrays(sae_config).items()}
    dead = jax.random.bernoulli(keys[3], 0.5, (16,))
    step = jnp.asarray(10)

    def sae_loss(p):
        return sae_arch.loss(p, x, step, dead, hyper)

    def transcoder_loss(p, target):
        return transcoder_arch.loss(p, x - params["b_dec"], step, dead, hyper, target=target)

    @jax.jit  # one program for all three
    def evaluate(p):
        return (
            jax.value_and_grad(sae_loss, has_aux=True)(p),
            jax.value_and_grad(transcoder_loss, has_aux=True)(p, x),
            transcoder_loss(p, x + 1.0)[1]["sample_error"],
        )

    ((loss, aux), grads), ((t_loss, t_aux), t_grads), shifted = evaluate(params)
    np.testing.assert_allclose(t_loss, loss, rtol=1e-5)
    np.testing.assert_allclose(t_aux["mse"], aux["mse"], rtol=1e-5)
    np.testing.assert_array_equal(t_aux["fired"], aux["fired"])
    for name in set(params) - {"b_dec"}:
        np.testing.assert_allclose(t_grads[name], grads[name], rtol=1e-4, atol=1e-5, err_msg=name)
    codes = sae_arch.encode(params, x, hyper)
    np.testing.assert_allclose(transcoder_arch.encode(params, x - params["b_dec"], hyper), codes, atol=1e-5)
    # And the error is measured against the target: shifting it by 1 in every coordinate adds, per sample,
    # 2 Σ_o (y − ŷ)_o + outputs to the squared error.
    if arch != "batchtopk":  # (its training codes are a top-k of the batch, not its inference threshold's)
        y_hat = sae_arch.decode(params, codes)
        expected = np.sum((np.asarray(x) + 1.0 - np.asarray(y_hat)) ** 2, axis=1)
        np.testing.assert_allclose(shifted, expected, rtol=1e-4)
    assert not np.allclose(shifted, t_aux["sample_error"])


def test_the_settings_of_a_transcoder_come_from_its_target():
    # y = |x| on 6 features, p = 0.1: L = Σ p = 0.6 and E‖y‖² / L = E x² given active = 1/3, so JumpReLU's
    # λ₀ = 0.3 × 1/3 = 0.1 (estimated from 8,192 samples).
    config = ToyConfig(n_features=6, n_hidden=12, model="abs", feature_probability=0.1)
    data = transcoders.transcoder_data(_run(config, theory.abs_monosemantic_weights(np.full(6, 0.1), 1.0, 12)))
    settings = sae.derive_settings("jumprelu", data.activations)
    assert settings.fields["n_outputs"] == 6 and settings.fields["n_latents"] == 12
    assert settings.fields["l0_coefficient"] == pytest.approx(0.1, rel=0.08)
    assert "E‖y‖²" in settings.reasons["l0_coefficient"]
    assert sae.derive_settings("topk", data.activations).fields["k"] == 1
    # A ReLU transcoder's L1 is TRANSCODER_RELU_L1_PER_NORM × √e = 0.25 × √(1/3), not the SAE's √e.
    assert sae.derive_settings("relu", data.activations).fields["l1_coefficient"] == pytest.approx(0.144, rel=0.05)


def test_the_compile_key_tells_a_transcoder_from_an_sae():
    from toysup.sae.train import compile_key

    config = sae.SAEConfig(n_inputs=6, n_latents=12)
    assert compile_key(config.replace(n_outputs=6)) != compile_key(config)
    assert compile_key(config.replace(n_outputs=5)) != compile_key(config.replace(n_outputs=6))
    assert config.replace(n_outputs=5).memory_terms() != config.memory_terms()


def test_the_exact_transcoder_of_the_abs_model_scores_perfect_imitation_and_monosemanticity(abs_data):
    # |x| = ReLU(x) + ReLU(−x): latents 2i and 2i + 1 read +x_i and −x_i and both write output i.
    eye = np.eye(ABS_FEATURES, dtype=np.float32)
    W_enc = np.stack([eye, -eye], axis=1).reshape(2 * ABS_FEATURES, ABS_FEATURES)
    params = {"W_enc": W_enc, "b_enc": np.zeros(12), "W_dec": np.abs(W_enc), "b_dec": np.zeros(6)}
    config = sae.SAEConfig(arch="relu", n_inputs=6, n_outputs=6, n_latents=12, steps=1)
    params = {name: np.asarray(value, np.float32)[None] for name, value in params.items()}
    exact = sae.SAEResult(config, params, {}, np.zeros((1, 12), np.int32), 1)
    scores = transcoders.imitation(exact, abs_data)
    assert scores["explained_variance"][0] == pytest.approx(1.0, abs=1e-6)
    assert scores["mse"][0] == pytest.approx(0.0, abs=1e-9)
    assert scores["l0"][0] == pytest.approx(0.6, rel=0.05) and scores["live"][0] == 12  # one latent per active x_i
    mono = transcoders.monosemanticity(exact, abs_data)
    assert {name: float(value[0]) for name, value in mono.items()} == {"read_share": 1, "write_share": 1, "same": 1}
    # Swap the outputs of two features: still one read and one write per latent, but not the same feature.
    swapped = {**exact.params, "W_dec": exact.params["W_dec"][:, :, [1, 0, 2, 3, 4, 5]]}
    mono = transcoders.monosemanticity(sae.SAEResult(config, swapped, {}, exact.steps_since_fired, 1), abs_data)
    assert mono["write_share"][0] == 1 and mono["same"][0] == pytest.approx(8 / 12)


def test_a_topk_transcoder_imitates_the_abs_model(abs_data, abs_topk):
    scores = transcoders.imitation(abs_topk, abs_data)
    # The trivial baseline, the mean output, explains 0 (its error: Var|x| = p/3 − p²/4 per feature).
    assert scores["baseline_mse"][0] == pytest.approx(6 * (0.1 / 3 - 0.1**2 / 4), rel=0.1)
    assert scores["explained_variance"][0] > 0.9
    assert scores["l0"][0] <= 2.0
    codes, y_hat = transcoders.transcoder_outputs(abs_topk, np.eye(6, dtype=np.float32))
    np.testing.assert_allclose(y_hat, np.eye(6), atol=0.25)  # x = e_i gives |x| = e_i
    with pytest.raises(ValueError, match=r"^a: must have shape \(batch, 6\)"):
        transcoders.transcoder_outputs(abs_topk, np.zeros((2, 5)))


@pytest.mark.parametrize("arch", ["jumprelu", "relu"])
def test_penalty_transcoders_beat_the_mean_output_on_the_pentagon(relu_output_data, arch):
    fields = sae.derive_settings(
        arch, relu_output_data.activations, n_latents=10, **{**FAST, "steps": 300, "batch_size": 128}
    ).fields
    config = sae.SAEConfig(**fields)
    result = transcoders.train_transcoder(config, relu_output_data)
    assert result.params["W_enc"].shape == (1, 10, 2) and result.params["W_dec"].shape == (1, 10, 5)
    scores = transcoders.imitation(result, relu_output_data)
    assert scores["explained_variance"][0] > 0.6
    assert scores["mse"][0] < 0.4 * scores["baseline_mse"][0]


def test_the_sparse_abs_recipe_computes_in_superposition():
    # More features computed than the m/2 = 5 that fit monosemantically, at a loss below the best monosemantic model's;
    # the model's own graph is a subset of the task's identity.
    config = transcoders.SPARSE_ABS
    run = train(config, progress=False)
    assert computed_features(run.params["W1"][0], run.params["W2"][0]) > config.n_hidden // 2
    baseline = theory.abs_monosemantic_baseline_loss(config.feature_probability, np.ones(20), config.n_hidden)
    assert run.final_loss[0] < 0.9 * float(baseline)
    graph = transcoders.model_graph(transcoders.transcoder_data(run))
    assert not (graph & ~np.eye(20, dtype=bool)).any() and np.trace(graph) > config.n_hidden
