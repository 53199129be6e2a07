"""SAE lab: train a sparse autoencoder on a toy model's hidden activations and score it against the truth."""

import dataclasses

import charts
import numpy as np
import shared
import streamlit as st

import toysup
from toysup import sae
from toysup.sae import metrics as sae_metrics
from toysup.sae.config import DEFAULT_LEARNING_RATE, DEFAULT_STEPS, derive_settings
from toysup.sae.metrics import hungarian_match
from toysup.sae.plots import recovery_heatmaps
from toysup.sae.recovery import PENALTY_FIELD, recovery_diagram

KEY = "sae"
PENALTIES = {  # the choices offered for each architecture's penalty (its L1 / L0 coefficient, or k)
    "relu": (0.003, 0.01, 0.03, 0.1, 0.3, 1.0),
    "gated": (0.003, 0.01, 0.03, 0.1, 0.3, 1.0),
    "jumprelu": (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1),
    "topk": (1, 2, 3, 4, 6, 8),
    "batchtopk": (0.25, 0.5, 1.0, 2.0, 4.0),
}
AUTO = "derived"  # the choice that derives a setting from the data (toysup.sae.config.derive_settings)
LATENTS = (AUTO, *range(1, 65))
METRICS = (
    "mcc",
    "mmcs",
    "recovered_0.9",
    "l0",
    "true_l0",
    "dead_share",
    "explained_variance",
    "relative_reconstruction_bias",
)


def one_instance(result: toysup.TrainResult, instance: int) -> toysup.TrainResult:
    """One model of a run, as a run of its own."""
    config = result.config
    single = config.replace(
        n_instances=1,
        restarts=1,
        importance_decay=1.0,
        feature_probability=(tuple(config.feature_probability_array()[instance].tolist()),),
        importance=(tuple(config.importance_array()[instance].tolist()),),
    )
    return dataclasses.replace(
        result,
        config=single,
        params={k: v[instance : instance + 1] for k, v in result.params.items()},
        loss_history=result.loss_history[:, instance : instance + 1],
        final_loss=result.final_loss[instance : instance + 1],
    )


def given_fields(arch: str, n_latents, penalty, steps: int, learning_rate: float) -> dict:
    """The settings chosen in the sidebar; ``AUTO`` ones are left to ``derive_settings``. k is checked against the
    latents whatever the architecture, so with a penalty SAE it is 1."""
    given = {"steps": steps, "learning_rate": learning_rate}
    if n_latents != AUTO:
        given["n_latents"] = n_latents
    if penalty != AUTO:
        given[PENALTY_FIELD[arch]] = penalty
    if PENALTY_FIELD[arch] != "k":
        given["k"] = 1
    return given


@st.cache_data(show_spinner=False, max_entries=16)
def sae_run(toy: toysup.TrainResult, arch: str, n_latents, penalty, steps: int, learning_rate: float) -> dict:
    activations = sae.toy_activations(toy)
    derived = derive_settings(arch, activations, **given_fields(arch, n_latents, penalty, steps, learning_rate))
    config = sae.SAEConfig(**derived.fields)
    with shared.progress("Training the SAE") as on_chunk:
        result = sae.train_sae(
            config, activations, chunk_steps=shared.chunk_steps(steps), log_every=1, progress=False, on_chunk=on_chunk
        )
    scores = sae.evaluate(result, activations, n_samples=4096)
    truth, decoder = activations.truth[0], result.decoder[0]
    matched, cosines = hungarian_match(decoder, truth)
    return {
        "scores": {name: float(scores[name][0]) for name in METRICS},
        "truth": truth,
        "decoder": decoder,
        "matched": matched,
        "cosines": cosines,
        "features": activations.arrays["truth_index"][0],
        "derived": derived.lines(),
        "n_latents": config.n_latents,
        "penalty": config.per_instance(PENALTY_FIELD[arch])[0],
    }


@st.cache_data(show_spinner=False, max_entries=8)
def recovery(
    arch: str, n_features: int, n_inputs: int, mean_active: tuple, ratios: tuple, penalties: tuple, steps: int
):
    with shared.progress("Training the grid (one chunk per ratio)") as on_chunk:
        on_chunk(0, len(ratios))
        diagram = recovery_diagram(
            arch,
            n_features=n_features,
            n_inputs=n_inputs,
            mean_active=list(mean_active),
            ratios=list(ratios),
            penalties=list(penalties),
            steps=steps,
            penalty_warmup_steps=steps // 5,
            chunk_steps=shared.chunk_steps(steps),
            log_every=1,
            on_progress=on_chunk,
        )
    return diagram


st.title("SAE lab")
st.markdown(
    "A toy model stores features in superposition; a **sparse autoencoder** tries to find them again. "
    "Because the true feature directions are known (the represented W_i / ‖W_i‖), we can score the "
    "dictionary: MMCS and MCC (Hungarian matching), L0, dead latents."
)

with st.sidebar:
    st.header("Toy model")
    source = st.radio("toy model", ("train one", "load a run"), key=f"{KEY}_source", horizontal=True)
    if source == "train one":
        n_features = st.slider("features n", 2, 20, 6, key=f"{KEY}_features")
        n_hidden = st.slider("hidden dimensions m", 2, 10, 2, key=f"{KEY}_hidden")
        probability = st.select_slider(
            "feature probability p",
            shared.PROBABILITIES,
            value=0.05,
            key=f"{KEY}_probability",
            help="How often each feature is non-zero; the paper's sparsity is S = 1 − p.",
        )
        toy_steps = st.select_slider("toy steps", shared.STEPS, value=2000, key=f"{KEY}_toy_steps")
    st.header("Sparse autoencoder")
    arch = st.selectbox("architecture", sae.ARCHITECTURES, key=f"{KEY}_arch")
    n_latents = st.select_slider(
        "latents", LATENTS, value=AUTO, key=f"{KEY}_latents", help="derived: 2 × the true features"
    )
    options = [AUTO, *(p for p in PENALTIES[arch] if PENALTY_FIELD[arch] != "k" or n_latents == AUTO or p <= n_latents)]
    penalty = st.select_slider(
        f"penalty: {PENALTY_FIELD[arch]}",
        options,
        value=AUTO,
        key=f"{KEY}_penalty_{arch}",
        help="derived: from the expected number of active features and their size (shown after training)",
    )
    sae_steps = st.select_slider("SAE steps", shared.STEPS, value=DEFAULT_STEPS, key=f"{KEY}_steps")
    learning_rate = st.select_slider(
        "learning rate", shared.LEARNING_RATES, value=DEFAULT_LEARNING_RATE, key=f"{KEY}_lr"
    )

toy = None
if source == "train one":
    toy_config = shared.build(
        toysup.ToyConfig,
        n_features=n_features,
        n_hidden=n_hidden,
        feature_probability=probability,
        importance_decay=1.0,
        steps=toy_steps,
        learning_rate=1e-2,
    )
else:
    uploaded = shared.upload_run(KEY)
    if uploaded is not None:
        instance = st.number_input("model of the run", 0, uploaded.config.n_instances - 1, 0, key=f"{KEY}_instance")
        toy = one_instance(uploaded, int(instance))
        st.caption(f"{toy.config.n_features} features in {toy.config.n_hidden} dimensions, {toy.config.model}.")

shared.report_stop(KEY)
shared.report_stop(f"{KEY}_toy")
ready = toy is not None or (source == "train one" and toy_config is not None)
if st.button("Train the SAE", type="primary", key=f"{KEY}_train", disabled=not ready):
    if source == "train one":
        toy = shared.attempt(f"{KEY}_toy", shared.trained, toy_config)
    settings = (toy, arch, n_latents, penalty, sae_steps, learning_rate)
    if toy is not None and shared.attempt(KEY, sae_run, *settings) is not None:
        st.session_state[f"{KEY}_shown"] = settings

shown = st.session_state.get(f"{KEY}_shown")
if shown is None:
    st.info("Press **Train the SAE** (it trains the toy model first when needed).")
else:
    run = sae_run(*shown)
    st.caption(
        f"{shown[1]} SAE, {run['n_latents']} latents, {PENALTY_FIELD[shown[1]]} = {run['penalty']:.3g}, "
        f"{shown[4]} steps, on a toy model of {shown[0].config.n_features} features in {shown[0].config.n_hidden} "
        "dimensions."
    )
    if run["derived"]:
        st.markdown("**Derived from the data**\n" + "\n".join(f"- {line}" for line in run["derived"]))
    columns = st.columns(len(METRICS))
    for column, name in zip(columns, METRICS):
        label, definition = sae_metrics.METRICS[name]
        column.metric(label, f"{run['scores'][name]:.3f}", help=definition)
    left, right = st.columns([3, 2])
    with left:
        shared.show(charts.truth_beside_decoder(run["truth"], run["decoder"], run["matched"], run["cosines"]))
    with right:
        st.markdown("**Matching** (Hungarian, true feature → latent)")
        st.dataframe(
            {
                "toy feature": run["features"],
                "latent": [int(m) if m >= 0 else None for m in run["matched"]],
                "cosine": np.round(run["cosines"], 3),
            },
            hide_index=True,
        )

st.divider()
st.subheader("Recovery phase diagram")
st.markdown(
    "MCC of this architecture on synthetic dictionaries: expected true L0 (rows) × penalty (columns), "
    "one panel per dictionary size ratio latents / true features."
)
left, middle, right = st.columns(3)
true_features = left.slider("true features", 8, 64, 16, key=f"{KEY}_rec_features")
n_inputs = left.slider("input dimension", 2, 32, 8, key=f"{KEY}_rec_inputs")
mean_active = middle.multiselect("expected true L0", (0.5, 1.0, 2.0, 4.0), default=(1.0, 2.0), key=f"{KEY}_rec_l0")
ratios = middle.multiselect(
    "latents / true features", (0.5, 1.0, 2.0, 4.0), default=(1.0, 2.0), key=f"{KEY}_rec_ratios"
)
penalties = right.multiselect(
    f"{PENALTY_FIELD[arch]} values", PENALTIES[arch], default=PENALTIES[arch][1:4], key=f"{KEY}_rec_penalties_{arch}"
)
recovery_steps = right.select_slider("steps per SAE", shared.STEPS[:7], value=500, key=f"{KEY}_rec_steps")
recovery_settings = (
    arch,
    true_features,
    n_inputs,
    tuple(sorted(mean_active)),
    tuple(sorted(ratios)),
    tuple(sorted(penalties)),
    recovery_steps,
)
if st.button("Run the recovery grid", key=f"{KEY}_recovery"):
    if not (mean_active and ratios and penalties):
        st.error("Pick at least one value of each: true L0, ratio and penalty.")
    elif shared.attempt(f"{KEY}_rec", recovery, *recovery_settings) is not None:
        st.session_state[f"{KEY}_rec_shown"] = recovery_settings
shared.report_stop(f"{KEY}_rec")
if st.session_state.get(f"{KEY}_rec_shown") is not None:
    shared.show(recovery_heatmaps(recovery(*st.session_state[f"{KEY}_rec_shown"])))
