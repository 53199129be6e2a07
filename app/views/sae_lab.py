"""SAE lab: train a sparse autoencoder on a toy model's hidden activations and score it against the truth.

Every setting the sidebar leaves at "derived" comes from ``toysup.sae.config.derive_settings`` (shown with its
reason), so the default view recovers the toy's features; at default sizes the toy and the SAE retrain by themselves
as a control moves.
"""

from __future__ import annotations

import dataclasses
import hashlib

import charts
import numpy as np
import shared
import streamlit as st

import toysup
from toysup import sae
from toysup.metrics import REPRESENTED_NORM
from toysup.sae import metrics as sae_metrics
from toysup.sae.config import DEFAULT_LEARNING_RATE, DEFAULT_STEPS, derive_settings
from toysup.sae.recovery import PENALTY_FIELD, recovery_diagram

KEY = "sae_lab"
AUTO = "derived"  # the choice that derives a setting from the data (toysup.sae.config.derive_settings)
PENALTIES = {  # the values offered for each architecture's penalty (its L1 / L0 coefficient, or k), as URL text
    "relu": ("0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"),
    "gated": ("0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"),
    "jumprelu": ("0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3"),
    "topk": ("1", "2", "3", "4", "6", "8"),
    "batchtopk": ("0.1", "0.25", "0.5", "1", "2", "4"),
}
LATENTS = (AUTO, *(str(n) for n in range(1, 65)))
RECOVERY_PENALTIES = {
    arch: tuple(int(p) if arch == "topk" else float(p) for p in values) for arch, values in PENALTIES.items()
}
SHOWN_METRICS = (  # the scores shown as numbers at the top (all of them are in the table below)
    "mcc",
    "matched_cosine",
    "recovered_0.9",
    "dead_share",
    "l0",
    "true_l0",
    "explained_variance",
    "relative_reconstruction_bias",
)
EVALUATION_SAMPLES = 4096
RECOVERED_COSINE = 0.9  # a feature counts as recovered when its matched latent is at least this close

DEFAULTS = {
    "features": 5,
    "hidden": 2,
    "probability": 0.05,
    "toy_steps": 2000,
    "arch": "topk",
    "latents": AUTO,
    "penalty": AUTO,
    "steps": DEFAULT_STEPS,
    "lr": DEFAULT_LEARNING_RATE,
    "seed": 0,
    "rec_features": 16,
    "rec_inputs": 8,
    "rec_steps": 500,
}
ALLOWED = {
    "features": shared.Between(2, 20),
    "hidden": shared.Between(2, 10),
    "probability": shared.PROBABILITIES,
    "toy_steps": shared.STEPS,
    "arch": sae.ARCHITECTURES,
    "latents": LATENTS,
    "penalty": {AUTO, *(p for values in PENALTIES.values() for p in values)},
    "steps": shared.STEPS,
    "lr": shared.LEARNING_RATES,
    "seed": shared.Between(0, 10_000),
    "rec_features": shared.Between(8, 64),
    "rec_inputs": shared.Between(2, 32),
    "rec_steps": shared.STEPS[:7],
}
DEFAULT_SAE = {name: DEFAULTS[name] for name in ("arch", "latents", "penalty", "steps", "lr")}
PRESETS = {
    "recover the pentagon": (
        {**DEFAULTS},
        "Five features in two dimensions and a TopK SAE with derived settings: look for five latents at cosine ≈ 1, "
        "one per feature (every row 'recovered'), and the spare latents grey in the arrows.",
    ),
    "too few latents": (
        {**DEFAULTS, "latents": "3"},
        "Three latents for five features: two features stay unmatched. MCC still looks high — it averages the "
        "matched pairs only — while matched cosine and 'recovered' show what is missing.",
    ),
    "L1 too strong": (
        {**DEFAULTS, "arch": "relu", "penalty": "10"},
        "A ReLU SAE whose L1 penalty λ = 10 is far above the derived one: latents are silenced (dead), L0 falls "
        "below the true L0 and the explained variance drops.",
    ),
    "L1 too weak": (
        {**DEFAULTS, "arch": "relu", "penalty": "0.003"},
        "Almost no L1 penalty: the SAE reconstructs well with latents that are not the features — look at L0 "
        "against the true L0 and at the cosines.",
    ),
    "k above the data's L0": (
        {**DEFAULTS, "penalty": "3"},
        "TopK with k = 3 when about 0.25 features are active per input: three latents fire on every input (L0 = 3), "
        "far above the true L0; the reconstruction is near perfect, but the spare latents blur the match.",
    ),
    "a feature the toy drops": (
        {**DEFAULTS, "features": 6},
        "Six features in two dimensions: the toy model keeps five (a pentagon) and shrinks one; the table lists it "
        "as not represented — there is no direction for the SAE to find.",
    ),
    "more dimensions": (
        {**DEFAULTS, "features": 20, "hidden": 10},
        "Twenty features in ten dimensions: read the cosine heatmap — a bright diagonal of matched pairs, the "
        "spare latents to the right.",
    ),
}
HELP = {
    "source": "Train a toy model here, or load a run saved from the Playground (its .zip).",
    "features": "n: sparse input features of the toy model. Typical: 2–20; the SAE tries to find each one again.",
    "hidden": "m: the toy's hidden dimensions, which the SAE reads as its input. Typical: 2–10 (2 shows arrows).",
    "probability": shared.HELP["probability"],
    "toy_steps": "Adam steps of the toy model (learning rate 0.01, all features equally important). Typical "
    "1,000–5,000.",
    "arch": "relu: ReLU + L1 penalty; topk: exactly k latents fire per input; batchtopk: k per input on average over "
    "a batch; jumprelu: a learned threshold and an L0 penalty; gated: separate gate and magnitude paths + L1.",
    "latents": "Dictionary size: the SAE's latents. 'derived': 2 × the true features (4 × for batchtopk and jumprelu "
    "in ≤ 3 dimensions), see the reasons below. Typical: 1–4 × the features.",
    "penalty": "The sparsity setting: λ of the L1 penalty (relu, gated; unitless, typical 0.01–3), λ₀ of the L0 "
    "penalty (jumprelu; typical 0.001–0.1) or k, the latents per input (topk: an integer; batchtopk: a mean). "
    "'derived': from the expected number of active features and their size (reasons shown below).",
    "steps": f"Adam steps of the SAE (batch 1,024, cosine schedule). {DEFAULT_STEPS:,} recover the toy features; "
    f"more than {DEFAULT_STEPS:,} wait for the Train button.",
    "lr": "The SAE's peak Adam learning rate. Typical 1e-3–1e-2.",
    "seed": "Seed of the toy model and of the SAE (initial weights and data); the same seed gives the same run.",
    "rec_features": "N: true features of the synthetic dictionary (random unit directions). Typical 8–64.",
    "rec_inputs": "d: the dimension the N features live in (N > d: superposition). Typical 2–32.",
    "rec_l0": "Rows of the diagram: the expected number of active true features per input.",
    "rec_ratios": "Panels of the diagram: latents per true feature (1 = exactly as many latents as features).",
    "rec_penalties": "Columns of the diagram: the architecture's sparsity setting (see 'penalty' above).",
    "rec_steps": "Adam steps of each SAE of the grid. Typical 200–2,000.",
    "instance": "Which model of the loaded run (a run may train several side by side).",
}

TABLE_HELP = {
    name: st.column_config.Column(name, help=text)
    for name, text in {
        "toy feature": "i: the toy model's feature (every one of the n, represented or not).",
        "‖W_i‖": f"The norm of the toy's column W_i; above {REPRESENTED_NORM:g} the feature is represented and its "
        "direction W_i / ‖W_i‖ is part of the truth the SAE is scored against.",
        "matched latent": "The latent the one-to-one (Hungarian) matching pairs with the feature; empty when none is "
        "left.",
        "cosine": "Cosine between the feature's direction and its matched latent's decoder row (1 = the same).",
        "best latent": "The latent whose decoder row is closest to the feature's direction, matched or not.",
        "best cosine": "Cosine between the feature's direction and its best latent's decoder row.",
        "status": f"recovered: matched at cosine ≥ {RECOVERED_COSINE:g}; unmatched: no latent left for it; not "
        "represented: the toy model itself dropped the feature.",
    }.items()
}


@dataclasses.dataclass(frozen=True)
class LabSettings:
    """The SAE's settings from the sidebar; ``AUTO`` ones are left to ``derive_settings``."""

    arch: str
    n_latents: str
    penalty: str
    steps: int
    learning_rate: float
    seed: int

    def given(self) -> dict:
        """The fields chosen by hand. k is checked against the latents whatever the architecture, so it is 1 for a
        penalty SAE."""
        field = PENALTY_FIELD[self.arch]
        given = {"steps": self.steps, "learning_rate": self.learning_rate, "seed": self.seed}
        if self.n_latents != AUTO:
            given["n_latents"] = int(self.n_latents)
        if self.penalty != AUTO:
            given[field] = int(self.penalty) if self.arch == "topk" else float(self.penalty)
        if field != "k":
            given["k"] = 1
        return given


@dataclasses.dataclass(frozen=True, eq=False)
class LoadedToy:
    """One model of a loaded run, compared by the digest of its weights (a loaded run is a fresh object on every
    rerun, and its arrays do not compare with ``==``)."""

    result: toysup.TrainResult
    digest: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LoadedToy) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)


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


def loaded_toy(result: toysup.TrainResult, instance: int) -> LoadedToy:
    toy = one_instance(result, instance)
    digest = hashlib.sha256(repr(toy.config).encode())
    for name in sorted(toy.params):
        digest.update(np.ascontiguousarray(toy.params[name]).tobytes())
    return LoadedToy(toy, digest.hexdigest())


def feature_table(W: np.ndarray, truth_index: np.ndarray, decoder: np.ndarray, matched, cosines) -> dict:
    """One row for every feature of the toy model, represented or not: its norm, the latent the matching gives it
    (with the cosine) and its best latent, and what became of it."""
    norms = np.linalg.norm(W, axis=0)
    directions = W / np.where(norms > 1e-9, norms, 1.0)
    unit = decoder / np.maximum(np.linalg.norm(decoder, axis=1, keepdims=True), 1e-12)
    cosine = directions.T @ unit.T  # (features, latents)
    row_of = {int(feature): row for row, feature in enumerate(truth_index)}
    table = {name: [] for name in ("toy feature", "‖W_i‖", "matched latent", "cosine", "best latent", "best cosine")}
    status = []
    for feature in range(W.shape[1]):
        best = int(np.argmax(cosine[feature])) if norms[feature] > 1e-9 else None
        row = row_of.get(feature)
        latent = int(matched[row]) if row is not None and matched[row] >= 0 else None
        table["toy feature"].append(feature)
        table["‖W_i‖"].append(round(float(norms[feature]), 3))
        table["matched latent"].append(latent)
        table["cosine"].append(round(float(cosines[row]), 3) if latent is not None else None)
        table["best latent"].append(best)
        table["best cosine"].append(round(float(cosine[feature, best]), 3) if best is not None else None)
        if row is None:
            status.append(
                f"not represented: the toy keeps ‖W_i‖ ≤ {REPRESENTED_NORM:g}, so it is no direction to recover"
            )
        elif latent is None:
            status.append("unmatched: every latent is matched to another feature")
        elif cosines[row] >= RECOVERED_COSINE:
            status.append("recovered")
        else:
            status.append(f"matched, but cosine < {RECOVERED_COSINE:g}")
    table["status"] = status
    return table


def firing_by_active(codes: np.ndarray, true_codes: np.ndarray) -> dict:
    """Inputs grouped by how many true features are active in them: each group's share of the inputs and the mean
    number of latents that fire on it (the SAE's L0 restricted to the group)."""
    active = np.sum(true_codes != 0, axis=1)
    fired = np.sum(codes != 0, axis=1)
    groups = [("0", active == 0), ("1", active == 1), ("2", active == 2), ("3 or more", active >= 3)]
    groups = [(name, mask) for name, mask in groups if mask.any()]
    return {
        "active true features": [name for name, _ in groups],
        "share of inputs": [round(float(mask.mean()), 3) for _, mask in groups],
        "latents firing (mean)": [round(float(fired[mask].mean()), 3) for _, mask in groups],
    }


@st.cache_data(show_spinner=False, max_entries=16)
def lab_run(settings: LabSettings, toy: toysup.ToyConfig | LoadedToy) -> dict:
    """Train the toy (if needed) and the SAE, and score the SAE against the toy's features."""
    toy_result = shared.trained(toy) if isinstance(toy, toysup.ToyConfig) else toy.result
    activations = sae.toy_activations(toy_result)
    derived = derive_settings(settings.arch, activations, **settings.given())
    config = sae.SAEConfig(**derived.fields)
    with shared.progress("Training the SAE") as on_chunk:
        result = sae.train_sae(
            config,
            activations,
            chunk_steps=shared.chunk_steps(config.steps),
            log_every=1,
            progress=False,
            on_chunk=on_chunk,
        )
    drawn = sae_metrics.samples(result, activations, n_samples=EVALUATION_SAMPLES)
    truth, decoder = activations.truth[0], result.decoder[0]
    x, x_hat, codes, true_codes = (drawn[name][0] for name in ("x", "x_hat", "codes", "true_codes"))
    scores = sae_metrics.summary(decoder, truth, x, x_hat, codes, true_codes)
    matched, cosines = sae_metrics.hungarian_match(decoder, truth)
    truth_index = activations.arrays["truth_index"][0]
    order = [int(m) for m in matched if m >= 0]
    order += [j for j in range(len(decoder)) if j not in set(order)]
    return {
        "scores": scores,
        "truth": truth,
        "decoder": decoder,
        "matched": matched,
        "cosines": cosines,
        "features": truth_index,
        "cosine_matrix": sae_metrics.cosine_matrix(decoder, truth)[:, order],
        "latent_order": order,
        "table": feature_table(np.asarray(toy_result.W[0], float), truth_index, decoder, matched, cosines),
        "firing": firing_by_active(codes, true_codes),
        "derived": derived.lines(),
        "n_latents": config.n_latents,
        "penalty": float(config.per_instance(PENALTY_FIELD[settings.arch])[0]),
        "n_features": toy_result.config.n_features,
        "n_hidden": toy_result.config.n_hidden,
    }


def l0_explanation(arch: str, run: dict) -> str:
    """What L0 and the true L0 count, why they differ for this architecture, and when they should agree."""
    scores, firing = run["scores"], run["firing"]
    groups = dict(zip(firing["active true features"], zip(firing["share of inputs"], firing["latents firing (mean)"])))
    quiet_share, quiet_firing = groups.get("0", (0.0, 0.0))
    text = (
        f"**L0 = {scores['l0']:.2f}** is the number of the SAE's latents that fire on an input, averaged over "
        f"inputs; **true L0 = {scores['true_l0']:.2f}** is the number of the toy's features that are active (Σ p_i "
        f"over the features it represents). {quiet_share:.0%} of inputs have no active feature at all; on them the "
        f"SAE fires {quiet_firing:.2f} latents on average. The two agree when every active feature fires its own "
        "latent and nothing else fires: one latent per active feature."
    )
    if arch == "topk":
        k = int(run["penalty"])
        text += (
            f" A TopK SAE fires exactly k = {k} latent{'s' if k > 1 else ''} on every input — including those with "
            f"no active feature — so its L0 is k whatever the data, and never below 1: with k = {k} it can agree "
            f"with the true L0 only where about {k} feature{'s are' if k > 1 else ' is'} active in every input."
        )
    elif arch == "batchtopk":
        text += (
            f" A BatchTopK SAE keeps the k·B largest activations of a batch of B inputs, so it fires k = "
            f"{run['penalty']:.3g} latents per input on average, spread over the inputs that need them; derived, k "
            "is set a little below the true L0."
        )
    else:
        text += (
            " A penalty SAE fires a latent when its pre-activation clears zero (JumpReLU: its learned threshold), so "
            "its L0 is learned: above the true L0 when latents also fire weakly on inputs whose feature is off, or "
            "several share a feature; below it when the penalty silences small activations."
        )
    return text


@st.cache_data(show_spinner=False, max_entries=8)
def recovery(
    arch: str, n_features: int, n_inputs: int, mean_active: tuple, ratios: tuple, penalties: tuple, steps: int
) -> dict:
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
    mcc = diagram["mcc"].mean("seed").transpose("mean_active", "ratio", "penalty").values
    return {"mcc": mcc, "mean_active": mean_active, "ratios": ratios, "penalties": penalties}


def _arch_changed() -> None:
    """A penalty means something else under another architecture: go back to the derived one."""
    st.session_state[f"{KEY}_penalty"] = AUTO


def penalty_options(arch: str, n_latents: str) -> list[str]:
    """The penalty choices of ``arch``; a TopK k is at most the latents."""
    values = PENALTIES[arch]
    if PENALTY_FIELD[arch] == "k" and n_latents != AUTO:
        values = tuple(v for v in values if float(v) <= int(n_latents))
    return [AUTO, *values]


st.title("SAE lab")
st.markdown(
    "A toy model stores features in superposition; a **sparse autoencoder** (SAE) reads the toy's hidden "
    "activations and tries to find the features again, as a dictionary of *latents* whose decoder rows should "
    "point along the true feature directions W_i / ‖W_i‖. Because the truth is known, the dictionary can be scored. "
    "The SAE retrains by itself as you move a control; hover the charts for the cosines."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    st.header("Toy model")
    source = st.radio(
        "toy model", ("train one", "load a run"), key=f"{KEY}_source", horizontal=True, help=HELP["source"]
    )
    if source == "train one":
        n_features = st.slider("features n", 2, 20, key=f"{KEY}_features", help=HELP["features"])
        n_hidden = st.slider("hidden dimensions m", 2, 10, key=f"{KEY}_hidden", help=HELP["hidden"])
        probability = st.select_slider(
            "feature probability p", shared.PROBABILITIES, key=f"{KEY}_probability", help=HELP["probability"]
        )
        toy_steps = st.select_slider("toy steps", shared.STEPS, key=f"{KEY}_toy_steps", help=HELP["toy_steps"])
    st.header("Sparse autoencoder")
    arch = st.selectbox(
        "architecture", sae.ARCHITECTURES, key=f"{KEY}_arch", on_change=_arch_changed, help=HELP["arch"]
    )
    n_latents = st.select_slider("latents", LATENTS, key=f"{KEY}_latents", help=HELP["latents"])
    options = penalty_options(arch, n_latents)
    if st.session_state[f"{KEY}_penalty"] not in options:
        st.caption(
            f"{PENALTY_FIELD[arch]} = {st.session_state[f'{KEY}_penalty']} is not a choice for {arch} with "
            f"{n_latents} latents: derived instead."
        )
        st.session_state[f"{KEY}_penalty"] = AUTO
    penalty = st.select_slider(f"penalty: {PENALTY_FIELD[arch]}", options, key=f"{KEY}_penalty", help=HELP["penalty"])
    sae_steps = st.select_slider("SAE steps", shared.STEPS, key=f"{KEY}_steps", help=HELP["steps"])
    learning_rate = st.select_slider("learning rate", shared.LEARNING_RATES, key=f"{KEY}_lr", help=HELP["lr"])
    seed = st.number_input("seed", 0, 10_000, key=f"{KEY}_seed", help=HELP["seed"])

settings = LabSettings(arch, n_latents, penalty, shared.capped_steps(sae_steps), learning_rate, int(seed))
toy = None
if source == "train one":
    toy = shared.build(
        toysup.ToyConfig,
        n_features=n_features,
        n_hidden=n_hidden,
        feature_probability=probability,
        importance_decay=1.0,
        steps=toy_steps,
        learning_rate=1e-2,
        seed=int(seed),
    )
    large = toy is not None and shared.work_of(toy) > shared.LIVE_WORK
else:
    uploaded = shared.upload_run(KEY)
    if uploaded is not None:
        instance = st.number_input(
            "model of the run", 0, uploaded.config.n_instances - 1, 0, key=f"{KEY}_instance", help=HELP["instance"]
        )
        toy = loaded_toy(uploaded, int(instance))
        st.caption(
            f"{toy.result.config.n_features} features in {toy.result.config.n_hidden} dimensions, "
            f"{toy.result.config.model}."
        )
    else:
        st.info("Load a run saved from the Playground (Download this run) to train an SAE on its model.")
    large = False
large = large or settings.steps > DEFAULT_STEPS  # a longer SAE waits for its button and streams

run = shared.live(KEY, settings, lab_run, toy, large=large) if toy is not None else None
if run is not None:
    st.caption(
        f"{settings.arch} SAE, {run['n_latents']} latents, {PENALTY_FIELD[settings.arch]} = {run['penalty']:.3g}, "
        f"{settings.steps:,} steps, on a toy model of {run['n_features']} features in {run['n_hidden']} dimensions."
    )
    columns = st.columns(4)
    for index, name in enumerate(SHOWN_METRICS):
        label, definition = sae_metrics.METRICS[name]
        columns[index % 4].metric(label, f"{run['scores'][name]:.3f}", help=definition)

    heatmap = charts.heatmap(
        run["cosine_matrix"],
        "latent j (matched first)",
        "toy feature i",
        "Cosine of every true feature with every decoder row",
        value_label="cosine",
        x_values=run["latent_order"],
        y_values=run["features"],
        robust=False,
        cell=22 if run["cosine_matrix"].shape[1] <= 24 else 14,
    )
    if run["n_hidden"] == 2:
        left, right = st.columns([3, 2])
        with left:
            shared.chart(
                charts.sae_directions(run["truth"], run["decoder"], run["matched"], run["cosines"], run["features"])
            )
        with right:
            shared.chart(heatmap)
    else:
        shared.chart(heatmap)
    st.markdown(
        "**Every toy feature**, matched one-to-one to a latent (Hungarian matching on the cosine); a feature left "
        "without a latent shows its best latent, and a feature the toy did not represent is listed too."
    )
    st.dataframe(run["table"], hide_index=True, column_config=TABLE_HELP)
    with st.expander("L0 and the true L0: what each counts", expanded=True):
        st.markdown(l0_explanation(settings.arch, run))
        st.dataframe(run["firing"], hide_index=True)
    if run["derived"]:
        with st.expander("Settings derived from the data, and why", expanded=True):
            st.markdown("\n".join(f"- {line}" for line in run["derived"]))
    with st.expander("All scores, with their definitions"):
        st.dataframe(
            {
                "score": [label for label, _ in sae_metrics.METRICS.values()],
                "value": [round(float(run["scores"].get(name, np.nan)), 4) for name in sae_metrics.METRICS],
                "definition": [definition for _, definition in sae_metrics.METRICS.values()],
            },
            hide_index=True,
        )

st.divider()
st.subheader("Recovery phase diagram")
st.markdown(
    "MCC of this architecture on synthetic dictionaries: expected true L0 (rows) × penalty (columns), one panel per "
    "dictionary size ratio latents / true features. A grid trains many SAEs, so it waits for its button."
)
left, middle, right = st.columns(3)
true_features = left.slider("true features", 8, 64, key=f"{KEY}_rec_features", help=HELP["rec_features"])
n_inputs = left.slider("input dimension", 2, 32, key=f"{KEY}_rec_inputs", help=HELP["rec_inputs"])
mean_active = middle.multiselect(
    "expected true L0", (0.5, 1.0, 2.0, 4.0), default=(1.0, 2.0), key=f"{KEY}_rec_l0", help=HELP["rec_l0"]
)
ratios = middle.multiselect(
    "latents / true features",
    (0.5, 1.0, 2.0, 4.0),
    default=(1.0, 2.0),
    key=f"{KEY}_rec_ratios",
    help=HELP["rec_ratios"],
)
penalties = right.multiselect(
    f"{PENALTY_FIELD[arch]} values",
    RECOVERY_PENALTIES[arch],
    default=RECOVERY_PENALTIES[arch][1:4],
    key=f"{KEY}_rec_penalties_{arch}",
    help=HELP["rec_penalties"],
)
recovery_steps = right.select_slider("steps per SAE", shared.STEPS[:7], key=f"{KEY}_rec_steps", help=HELP["rec_steps"])
shared.sync_url(KEY, DEFAULTS)
recovery_settings = (
    arch,
    true_features,
    n_inputs,
    tuple(sorted(mean_active)),
    tuple(sorted(ratios)),
    tuple(sorted(penalties)),
    shared.capped_steps(recovery_steps),
)
if st.button("Run the recovery grid", key=f"{KEY}_recovery"):
    if not (mean_active and ratios and penalties):
        st.error("Pick at least one value of each: true L0, ratio and penalty.")
    elif shared.attempt(f"{KEY}_rec", recovery, *recovery_settings) is not None:
        st.session_state[f"{KEY}_rec_shown"] = recovery_settings
shared.report_stop(f"{KEY}_rec")
if st.session_state.get(f"{KEY}_rec_shown") is not None:
    grid = recovery(*st.session_state[f"{KEY}_rec_shown"])
    field = PENALTY_FIELD[st.session_state[f"{KEY}_rec_shown"][0]]
    shared.chart(charts.recovery_heatmaps(grid["mcc"], grid["mean_active"], grid["ratios"], grid["penalties"], field))
