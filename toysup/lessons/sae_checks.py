"""Checks of the exercises of lessons 6–7 (sparse autoencoders, modern SAEs).

Conventions follow ``toysup.sae``: inputs x (batch, inputs), codes f (batch, latents), params ``W_enc``
(latents, inputs), ``b_enc`` (latents,), ``W_dec`` (latents, inputs), ``b_dec`` (inputs,).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ._harness import as_array, assert_close, call, compare, passed, shapes
from .checks import NOT_DIFFERENTIABLE


def _random_params(rng: np.random.Generator, n_latents: int, n_inputs: int) -> dict[str, np.ndarray]:
    return {
        "W_enc": rng.normal(size=(n_latents, n_inputs)).astype(np.float32),
        "b_enc": rng.normal(scale=0.3, size=n_latents).astype(np.float32),
        "W_dec": rng.normal(size=(n_latents, n_inputs)).astype(np.float32),  # rows not unit: the L1 weighting shows
        "b_dec": rng.normal(scale=0.3, size=n_inputs).astype(np.float32),
    }


def _sae_cases(seed: int) -> list[tuple[str, dict, np.ndarray]]:
    rng = np.random.default_rng(seed)
    cases = []
    for n_latents, n_inputs, batch in ((8, 2, 16), (3, 5, 1), (20, 4, 32)):
        params = _random_params(rng, n_latents, n_inputs)
        x = rng.normal(size=(batch, n_inputs)).astype(np.float32)
        cases.append((f"random params, {n_latents} latents, x of shape {x.shape}", params, x))
    params, x = cases[0][1], cases[0][2]
    cases.append(("b_enc = −100 (no latent fires)", {**params, "b_enc": np.full_like(params["b_enc"], -100.0)}, x))
    cases.append(("x = b_dec", params, np.repeat(params["b_dec"][None], len(x), axis=0)))
    return cases


# ---------------------------------------------------------------- lesson 6: sparse autoencoders


def _sae_encode(params, x, xp=np):
    pre = (x - params["b_dec"]) @ params["W_enc"].T + params["b_enc"]
    return xp.where(pre > 0, pre, 0.0)


def _sae_loss(params, x, l1_coefficient, xp=np):
    """The reference loss; numpy (no compilation) for values, ``xp=jnp`` for its gradient."""
    codes = _sae_encode(params, x, xp)
    error = xp.sum((x - codes @ params["W_dec"] - params["b_dec"]) ** 2, axis=1)
    return xp.mean(error + l1_coefficient * codes @ xp.linalg.norm(params["W_dec"], axis=1))


def check_sae_encode(sae_encode) -> None:
    """``sae_encode(params, x)`` -> f = ReLU((x − b_dec) W_encᵀ + b_enc), shape (batch, latents)."""
    cases = [(case, (params, x)) for case, params, x in _sae_cases(11)]
    passed("sae_encode", compare("sae_encode", sae_encode, _sae_encode, cases))


def check_sae_loss(sae_loss) -> None:
    """``sae_loss(params, x, l1_coefficient)`` -> mean over the batch of ‖x − x̂‖² + λ Σ_j f_j ‖W_dec,j‖."""
    name = "sae_loss"
    cases = []
    for case, params, x in _sae_cases(12):
        for l1_coefficient in (0.0, 0.3):
            cases.append((f"{case}, l1_coefficient={l1_coefficient}", (params, x, l1_coefficient)))
    n_tests = compare(name, sae_loss, _sae_loss, cases)
    params, x, _ = cases[1][1]
    case = "the gradient with respect to params on random params, l1_coefficient=0.3"
    try:
        got = jax.jit(jax.grad(sae_loss))(jax.tree.map(jnp.asarray, params), x, 0.3)  # one compilation
    except NOT_DIFFERENTIABLE:
        raise AssertionError(
            f"{name}: jax cannot differentiate it — write it with jax.numpy (jnp), not numpy"
        ) from None
    except Exception as error:
        raise AssertionError(f"{name} raised {type(error).__name__} on {case}: {error}") from error
    expected = jax.jit(jax.grad(functools.partial(_sae_loss, xp=jnp)))(jax.tree.map(jnp.asarray, params), x, 0.3)
    if not isinstance(got, dict) or set(got) != set(expected):
        raise AssertionError(f"{name}: its gradient should be a dict with keys {sorted(expected)}")
    for key in expected:
        assert_close(name, f"{case} (d/d{key})", got[key], expected[key], atol=1e-4, rtol=1e-3)
    passed(name, n_tests + 1)


def _unit_rows(rows):
    rows = np.asarray(rows, dtype=np.float64)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _mean_max_cosine_similarity(decoder, truth):
    return float(np.mean(np.max(_unit_rows(truth) @ _unit_rows(decoder).T, axis=1)))


def check_mean_max_cosine_similarity(mean_max_cosine_similarity) -> None:
    """``mean_max_cosine_similarity(decoder, truth)`` -> (1/N) Σ_i max_j cos(truth_i, decoder_j), one number."""
    rng = np.random.default_rng(13)
    pentagon = np.stack([np.cos(2 * np.pi * np.arange(5) / 5), np.sin(2 * np.pi * np.arange(5) / 5)], axis=1)
    truth = rng.normal(size=(6, 4))
    cases = [
        ("decoder = truth (MMCS 1)", (truth.copy(), truth)),
        ("decoder rows scaled by 0.1 … 10 (norms must not matter)", (truth * rng.uniform(0.1, 10, (6, 1)), truth)),
        ("decoder = −truth", (-truth, truth)),
        (
            "a pentagon against a rotated 8-latent decoder",
            (np.stack([np.cos(np.arange(8) * 0.8), np.sin(np.arange(8) * 0.8)], axis=1), pentagon),
        ),
        ("random: 3 latents, 6 features", (rng.normal(size=(3, 4)), truth)),
        ("random: 20 latents, 6 features", (rng.normal(size=(20, 4)), truth)),
    ]
    passed(
        "mean_max_cosine_similarity",
        compare("mean_max_cosine_similarity", mean_max_cosine_similarity, _mean_max_cosine_similarity, cases),
    )


def _dead_latents(codes):
    return np.all(np.asarray(codes) == 0, axis=0)


def check_dead_latents(dead_latents) -> None:
    """``dead_latents(codes)``, codes (batch, latents) -> boolean (latents,): True where a latent never fires."""
    rng = np.random.default_rng(14)
    codes = np.maximum(rng.normal(size=(50, 10)) - 1.5, 0.0)
    codes[:, [2, 7]] = 0.0
    rare = np.zeros((40, 6))
    rare[3, 1], rare[17, 4], rare[:, 5] = 1e-3, 0.02, 0.5
    one_sample = np.zeros((1, 4))
    one_sample[0, 1] = 0.5
    cases = [
        ("sparse codes with latents 2 and 7 dead", (codes,)),
        ("no latent ever fires", (np.zeros((8, 5)),)),
        ("every latent fires", (np.ones((3, 6)),)),
        ("latent 1 fires once with 0.001, latent 4 once with 0.02 (alive: only never firing is dead)", (rare,)),
        ("one sample", (one_sample,)),
    ]
    name = "dead_latents"
    for case, (value,) in cases:
        result = call(name, case, dead_latents, value)
        got = as_array(name, case, result)
        assert_close(name, case, got, _dead_latents(value))
        if np.asarray(result).dtype != bool:
            raise AssertionError(
                f"{name} on {case}: return a boolean mask (True for dead), got numbers of dtype "
                f"{np.asarray(result).dtype} — compare, e.g. `codes == 0`, instead of computing 0/1 values"
            )
    passed(name, len(cases))


def _resampled_targets(name: str, case: str, new: dict, params: dict, x: np.ndarray, dead: np.ndarray):
    """Check one resampling and return, for each dead latent, the index of the input its decoder row points at."""
    for key in ("W_enc", "b_enc", "W_dec"):
        assert_close(name, f"{case}: the live latents' {key} must not change", new[key][~dead], params[key][~dead])
    assert_close(name, f"{case}: b_dec must not change", new["b_dec"], params["b_dec"])
    if not dead.any():
        return np.zeros(0, int)
    decoder = new["W_dec"][dead]
    if np.allclose(decoder, params["W_dec"][dead]):
        raise AssertionError(f"{name} on {case}: the dead latents' decoder rows did not change — resample them")
    if not np.all(np.isfinite(decoder)):
        raise AssertionError(
            f"{name} on {case}: a resampled decoder row is NaN or infinite — an input equal to b_dec has no "
            f"direction: choose only among the inputs x_k ≠ b_dec"
        )
    assert_close(
        name,
        f"{case}: resampled decoder rows must be unit vectors",
        np.linalg.norm(decoder, axis=1),
        np.ones(dead.sum()),
        atol=1e-4,
    )
    centred = x - params["b_dec"]
    usable = np.flatnonzero(np.linalg.norm(centred, axis=1) > 1e-6)
    directions = _unit_rows(centred[usable])
    distance = np.linalg.norm(decoder[:, None, :] - directions[None], axis=-1)
    if np.any(distance.min(axis=1) > 1e-4):
        hint = ""
        if np.all(np.min(np.linalg.norm(decoder[:, None, :] - _unit_rows(x[usable])[None], axis=-1), axis=1) < 1e-4):
            hint = " — subtract b_dec from the input before normalising"
        raise AssertionError(
            f"{name} on {case}: a resampled decoder row is not the direction (x_k − b_dec) / "
            f"‖x_k − b_dec‖ of any input x_k of the batch{hint}"
        )
    assert_close(
        name,
        f"{case}: resampled encoder rows must be 0.2 × their decoder rows",
        new["W_enc"][dead],
        0.2 * decoder,
        atol=1e-5,
    )
    assert_close(name, f"{case}: resampled encoder biases must be 0", new["b_enc"][dead], np.zeros(dead.sum()))
    return usable[np.argmin(distance, axis=1)]


def _resample(name: str, case: str, resample_dead_latents, params: dict, dead: np.ndarray, x: np.ndarray, seed: int):
    new = call(name, case, resample_dead_latents, params, jnp.asarray(dead), x, jax.random.key(seed))
    if not isinstance(new, dict) or set(new) != set(params):
        raise AssertionError(f"{name} on {case}: return a params dict with keys {sorted(params)}")
    new = {key: as_array(name, case, value) for key, value in new.items()}
    for key, value in params.items():
        if new[key].shape != value.shape:
            raise AssertionError(f"{name} on {case}: {key} has shape {new[key].shape}, expected {value.shape}")
    return new


def check_resample_dead_latents(resample_dead_latents) -> None:
    """``resample_dead_latents(params, dead, x, key)`` -> new params: every dead latent's decoder row the unit
    vector (x_k − b_dec)/‖x_k − b_dec‖ of an input x_k of the batch drawn at random with ``key`` (only among
    x_k ≠ b_dec), its encoder row 0.2 × that, its encoder bias 0; everything else unchanged."""
    name, n_tests = "resample_dead_latents", 0
    rng = np.random.default_rng(15)
    params = _random_params(rng, 32, 3)  # one shape for every case: compiled once
    x = rng.normal(size=(64, 3)).astype(np.float32)
    for seed, (which, dead_latents) in enumerate(
        (("latents 1, 4, 6, 20, 31", [1, 4, 6, 20, 31]), ("no latent", []), ("every latent", list(range(32))))
    ):
        dead = np.zeros(32, bool)
        dead[dead_latents] = True
        case = f"{which} of 32 dead, {shapes(x)} inputs"
        new = _resample(name, case, resample_dead_latents, params, dead, x, seed)
        targets = _resampled_targets(name, case, new, params, x, dead)
        n_tests += 1
    # Each dead latent draws its own input: 32 draws from 64 inputs hit about 25 different ones.
    if len(set(targets.tolist())) < 12:
        raise AssertionError(
            f"{name} on {case}: the 32 dead latents point at only {len(set(targets.tolist()))} different inputs "
            f"(expected about 25) — draw one input per dead latent (jax.random.choice(key, n_inputs, "
            f"shape=dead.shape)), at random among all {x.shape[0]} inputs of the batch"
        )
    case = f"every latent dead, {shapes(x)} inputs, the same key twice"
    again = _resample(name, case, resample_dead_latents, params, dead, x, seed)
    if not np.array_equal(new["W_dec"], again["W_dec"]):
        raise AssertionError(f"{name}: the same key must give the same result — draw the inputs with `key`")
    case = f"every latent dead, {shapes(x)} inputs, another key"
    other = _resample(name, case, resample_dead_latents, params, dead, x, 99)
    if np.array_equal(new["W_dec"], other["W_dec"]):
        raise AssertionError(
            f"{name}: two different keys resampled every dead latent to the same inputs — draw the inputs at "
            f"random with `key`"
        )
    # Half the inputs equal to b_dec: they have no direction and must never be chosen.
    centred_x = x.copy()
    centred_x[::2] = params["b_dec"]
    case = f"every latent dead, {shapes(x)} inputs of which every second one equals b_dec"
    new = _resample(name, case, resample_dead_latents, params, dead, centred_x, 50)
    _resampled_targets(name, case, new, params, centred_x, dead)
    passed(name, n_tests + 4)


# ---------------------------------------------------------------- lesson 7: modern SAEs


def _topk_activation(pre_activations, k):
    pre = np.asarray(pre_activations, dtype=np.float64)
    kth = -np.sort(-pre, axis=1)[:, k - 1 : k]
    return np.where(pre >= kth, np.maximum(pre, 0.0), 0.0)


def check_topk_activation(topk_activation) -> None:
    """``topk_activation(pre_activations, k)`` -> ReLU of the k largest pre-activations of each row, 0 elsewhere."""
    rng = np.random.default_rng(16)
    pre = rng.normal(size=(16, 10))
    cases = [
        ("random (16, 10), k=3", (pre, 3)),
        ("k=1", (pre, 1)),
        ("k = every latent (just a ReLU)", (pre, 10)),
        ("all pre-activations negative, k=2 (everything 0)", (-np.abs(pre), 2)),
        ("one sample (1, 50), k=5", (rng.normal(size=(1, 50)), 5)),
    ]
    passed("topk_activation", compare("topk_activation", topk_activation, _topk_activation, cases))


def _jumprelu(pre_activations, threshold):
    pre = np.asarray(pre_activations, dtype=np.float64)
    return np.where(pre > threshold, pre, 0.0)


def check_jumprelu(jumprelu) -> None:
    """``jumprelu(pre_activations, threshold)`` -> z · H(z − θ): z where z > θ (per latent θ), else 0."""
    rng = np.random.default_rng(17)
    pre = rng.normal(size=(12, 6))
    threshold = rng.uniform(0.1, 1.0, size=6)
    cases = [
        ("random (12, 6), thresholds in [0.1, 1]", (pre, threshold)),
        ("z exactly at the threshold (stays 0)", (np.tile(threshold, (2, 1)), threshold)),
        ("threshold 0 (a ReLU)", (pre, np.zeros(6))),
        ("large thresholds (everything 0)", (pre, np.full(6, 10.0))),
    ]
    passed("jumprelu", compare("jumprelu", jumprelu, _jumprelu, cases))


def _jumprelu_threshold_gradient(pre_activations, threshold, bandwidth):
    pre = np.asarray(pre_activations, dtype=np.float64)
    inside = np.abs((pre - threshold) / bandwidth) < 0.5
    return -(threshold / bandwidth) * inside


def check_jumprelu_threshold_gradient(jumprelu_threshold_gradient) -> None:
    """``jumprelu_threshold_gradient(pre_activations, threshold, bandwidth)`` -> the pseudo-derivative
    ∂JumpReLU/∂θ = −(θ/ε) K((z − θ)/ε), K the rectangle kernel 1{|u| < 1/2}, elementwise (batch, latents)."""
    rng = np.random.default_rng(18)
    threshold = rng.uniform(0.2, 1.0, size=5)
    near = threshold + rng.uniform(-0.04, 0.04, size=(20, 5))  # mostly inside the window of width ε = 0.1
    cases = [
        ("pre-activations within ±0.04 of θ, ε = 0.1", (near, threshold, 0.1)),
        ("the same with ε = 0.05 (some outside)", (near, threshold, 0.05)),
        ("pre-activations far from θ (all 0)", (threshold + 5.0 + np.zeros((3, 5)), threshold, 0.1)),
        ("random, ε = 1", (rng.normal(size=(8, 5)), threshold, 1.0)),
        (
            "pre-activations exactly ε/2 from θ (outside the window: K(±1/2) = 0)",
            (np.array([[0.625, 0.375, 0.5]]), np.full(3, 0.5), 0.25),
        ),
    ]
    passed(
        "jumprelu_threshold_gradient",
        compare("jumprelu_threshold_gradient", jumprelu_threshold_gradient, _jumprelu_threshold_gradient, cases),
    )


def _gated_encode(params, x):
    projected = (np.asarray(x, np.float64) - params["b_dec"]) @ params["W_enc"].T
    gate = projected + params["b_enc"]
    magnitude = np.exp(params["r_mag"]) * projected + params["b_mag"]
    return np.where(gate > 0, np.maximum(magnitude, 0.0), 0.0)


def check_gated_encode(gated_encode) -> None:
    """``gated_encode(params, x)`` -> f = 1[π_gate > 0] ⊙ ReLU(π_mag), with π_gate = (x − b_dec) W_encᵀ + b_enc
    and π_mag = exp(r_mag) ⊙ (x − b_dec) W_encᵀ + b_mag."""
    cases = []
    for seed, (case, params, x) in enumerate(_sae_cases(19)):
        rng = np.random.default_rng(seed)
        n_latents = params["b_enc"].shape[0]
        gated = {
            **params,
            "r_mag": rng.normal(scale=0.5, size=n_latents).astype(np.float32),
            "b_mag": rng.normal(scale=0.5, size=n_latents).astype(np.float32),
        }
        cases.append((case, (gated, x)))
    params, x = cases[0][1]
    cases.append(
        (
            "the gate open everywhere (b_enc = 100): just ReLU(π_mag)",
            ({**params, "b_enc": np.full_like(params["b_enc"], 100.0)}, x),
        )
    )
    cases.append(
        (
            "the gate closed everywhere (b_enc = −100): all 0, whatever π_mag",
            ({**params, "b_enc": np.full_like(params["b_enc"], -100.0)}, x),
        )
    )
    cases.append(
        (
            "π_mag negative everywhere (b_mag = −100): all 0",
            ({**params, "b_mag": np.full_like(params["b_mag"], -100.0)}, x),
        )
    )
    passed("gated_encode", compare("gated_encode", gated_encode, _gated_encode, cases))


def _relative_reconstruction_bias(x, x_reconstructed):
    x, x_reconstructed = np.asarray(x, np.float64), np.asarray(x_reconstructed, np.float64)
    return float(np.sum(x_reconstructed**2) / np.sum(x_reconstructed * x))


def check_relative_reconstruction_bias(relative_reconstruction_bias) -> None:
    """``relative_reconstruction_bias(x, x_reconstructed)`` -> γ = E‖x̂‖² / E[x̂ · x]: 1 unbiased, below 1 when the
    SAE shrinks (Rajamanoharan et al. 2024a; SAELens's shrinkage/relative_reconstruction_bias)."""
    rng = np.random.default_rng(20)
    x = rng.normal(size=(100, 6))
    noise = rng.normal(scale=0.1, size=x.shape)
    cases = [
        ("a perfect reconstruction (γ = 1)", (x, x.copy())),
        ("x̂ = 0.8 x (γ = 0.8)", (x, 0.8 * x)),
        ("x̂ = 1.2 x + noise", (x, 1.2 * x + noise)),
        ("one sample", (x[:1], 0.5 * x[:1] + noise[:1])),
    ]
    name = "relative_reconstruction_bias"
    passed(name, compare(name, relative_reconstruction_bias, _relative_reconstruction_bias, cases))
