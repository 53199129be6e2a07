"""Interference and confusion: what spills onto a chosen feature of a trained toy model, and which combinations
of other features it can be mistaken for."""

import charts
import numpy as np
import pandas as pd
import shared
import streamlit as st

import toysup
from toysup import orthogonality
from toysup.metrics import REPRESENTED_NORM
from toysup.models import kind

KEY = "interference"
MAX_FEATURES = 40
TOP = 10  # combinations shown
# A combination needing some x_j above this imitates at most x_i = 1/4 with the data's values x_j ≤ 1.
MAX_COEFFICIENT = 4.0
MIN_COSINE = 0.1  # fits pointing less along W_i than this are not imitations
DEFAULTS = {
    "features": 20,
    "hidden": 5,
    "probability": 0.05,
    "decay": 0.9,
    "steps": 2000,
    "lr": 1e-2,
    "seed": 0,
    "feature": 0,
    "support": 3,
}
ALLOWED = {
    "features": shared.Between(2, MAX_FEATURES),
    "hidden": shared.Between(1, 10),
    "probability": shared.PROBABILITIES,
    "decay": shared.Between(0.5, 1.0),
    "steps": shared.STEPS,
    "lr": shared.LEARNING_RATES,
    "seed": shared.Between(0, 10_000),
    "feature": shared.Between(0, MAX_FEATURES - 1),
    "support": (1, 2, 3),
}
PENTAGON = {**DEFAULTS, "features": 5, "hidden": 2, "support": 2}
PRESETS = {
    "20 features in 5 dimensions": (
        DEFAULTS,
        "Most features share five dimensions: feature 0 gets small spills from many others (the bars), and "
        "combinations of three others point close to it, but none exactly (cosines below 1).",
    ),
    "a pentagon": (
        PENTAGON,
        "Five features at 72°: feature 0 is exactly a positive combination of its two neighbours at ±72° (cosine "
        "1), each times φ ≈ 1.62 — the model tolerates it because two features are rarely on together (p²).",
    ),
    "two antipodal pairs": (
        {**PENTAGON, "features": 4, "probability": 0.1},
        "Feature 0's partner points the opposite way (Ŵ_i·W_j ≈ −1: the whole spill is negative, which the ReLU "
        "removes), and no positive combination of the others imitates it.",
    ),
    "dense: no sharing": (
        {**DEFAULTS, "probability": 1.0},
        "Dense features: the model keeps m = 5 features in orthogonal directions and drops the rest, so nothing "
        "spills onto feature 0 and no combination of kept features points along it.",
    ),
    "sparser: p = 0.01": (
        {**DEFAULTS, "probability": 0.01},
        "Sparser features: more of them crowd into the five dimensions; compare the spills and the best "
        "combinations with those at p = 0.05.",
    ),
}
HELP = {
    **shared.HELP,
    "features": "n: how many sparse input features the model must represent. Typical: 5–40.",
    "feature": "i: the feature whose direction W_i is inspected (0 is the most important when r < 1).",
    "support": "The most other features combined in one imitation of feature i (1–3); 3 tries every triple.",
}

st.title("Interference and confusion")
st.markdown(
    "A toy model x′ = ReLU(WᵀWx + b) reads feature i along its direction W_i. Along the unit direction "
    "Ŵ_i = W_i/‖W_i‖ the hidden vector h = Wx is **h·Ŵ_i = ‖W_i‖ x_i + Σ_j≠i (Ŵ_i·W_j) x_j**: the feature's own "
    "signal plus what the other features **spill** onto it, the interference terms Ŵ_i·W_j (Elhage et al. 2022, "
    "Sec. 2). With the data of the model — each x_j zero with probability 1 − p, else uniform on [0, 1], so "
    "E[x_j] = p/2 and E[x_j²] = p/3 — the **expected squared interference** is E[(Σ_j≠i (Ŵ_i·W_j) x_j)²].\n\n"
    "Feature i can be **mistaken for** a combination of others when they write almost the same direction: for "
    "each set S of up to three other represented features (‖W_j‖ > 0.5), the non-negative least-squares fit "
    "x_S ≥ 0 of W_S x_S to W_i, ranked by the cosine between W_S x_S and W_i (1: the same direction, so a "
    "reader along W_i cannot tell them apart up to scale). Since the data's values are at most 1, a fit needing "
    "x_j > 1 imitates only x_i ≤ 1/max x_j (fits needing x_j > 4, or with cosine below 0.1, are left out), and "
    "all of S is on at once with probability about p^|S|."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    st.header("Model and data")
    n_features = st.slider("features n", 2, MAX_FEATURES, key=f"{KEY}_features", help=HELP["features"])
    n_hidden = st.slider("hidden dimensions m", 1, 10, key=f"{KEY}_hidden", help=HELP["hidden"])
    probability = st.select_slider(
        "feature probability p", shared.PROBABILITIES, key=f"{KEY}_probability", help=HELP["probability"]
    )
    decay = st.slider("importance decay r (I_i = r^i)", 0.5, 1.0, step=0.05, key=f"{KEY}_decay", help=HELP["decay"])
    st.header("Training")
    steps = st.select_slider("steps", shared.STEPS, key=f"{KEY}_steps", help=HELP["steps"])
    learning_rate = st.select_slider(
        "learning rate", shared.LEARNING_RATES, key=f"{KEY}_lr", help=HELP["learning_rate"]
    )
    seed = st.number_input("seed", 0, 10_000, key=f"{KEY}_seed", help=HELP["seed"])
    st.header("Inspect")
    # A feature beyond a smaller n (a link's, or before n was lowered) becomes the last one.
    st.session_state[f"{KEY}_feature"] = min(int(st.session_state[f"{KEY}_feature"]), n_features - 1)
    feature = st.slider("feature i", 0, n_features - 1, key=f"{KEY}_feature", help=HELP["feature"])
    support = st.select_slider("features combined, at most", (1, 2, 3), key=f"{KEY}_support", help=HELP["support"])
shared.sync_url(KEY, DEFAULTS)

config = shared.build(
    toysup.ToyConfig,
    n_features=n_features,
    n_hidden=n_hidden,
    feature_probability=probability,
    importance_decay=decay,
    steps=steps,
    learning_rate=learning_rate,
    batch_size=1024,
    seed=int(seed),
)


@st.cache_data(show_spinner=False, max_entries=64)
def analysis(result: toysup.TrainResult, feature: int, support: int) -> dict:
    """The interference terms on ``feature``, their expected squares, and its best imitations."""
    config = result.config
    W = np.asarray(result.W[0], dtype=np.float64)
    norms = np.linalg.norm(W, axis=0)
    _, second = orthogonality.feature_moments(
        config.feature_probability_array()[0],
        correlated_sets=config.correlated_sets,
        anticorrelated_sets=config.anticorrelated_sets,
        signed=kind(config.model).signed_inputs,
    )
    terms = orthogonality.interference_terms(W, feature)
    others = np.arange(W.shape[1]) != feature
    alone = terms**2 * np.diag(second)  # (Ŵ_i·W_j)² E[x_j²]: feature j's spill on its own
    total = orthogonality.expected_squared_interference(W, feature, second)
    spills = pd.DataFrame(
        {
            "feature": np.flatnonzero(others),
            "term": terms[others],
            "cosine": terms[others] / np.maximum(norms[others], 1e-12),
            "norm": norms[others],
            "share": alone[others] / max(total, 1e-30),
        }
    )
    found = orthogonality.confusions(
        W, feature, max_support=support, min_norm=REPRESENTED_NORM, max_coefficient=MAX_COEFFICIENT, top=TOP
    )
    found = [c for c in found if c.cosine >= MIN_COSINE]
    imitations = pd.DataFrame(
        {
            "combination": [" + ".join(f"{x:.2f}·x{j}" for j, x in zip(c.support, c.coefficients)) for c in found],
            "cosine": [c.cosine for c in found],
            "residual": [c.residual for c in found],
            "size": [len(c.support) for c in found],
            "reach": [min(1.0, 1.0 / max(c.coefficients)) for c in found],
        }
    )
    return {
        "W": W,
        "norm": float(norms[feature]),
        "bias": float(result.b[0, feature]),
        "signal": float(norms[feature] ** 2 * second[feature, feature]),
        "interference": total,
        "paper_interference": float(np.sum(terms[others] ** 2)),
        "spills": spills.sort_values("term", key=np.abs, ascending=False, ignore_index=True),
        "imitations": imitations,
    }


result = shared.live(KEY, config, shared.trained)
if result is not None:
    try:
        view = analysis(result, int(feature), int(support))
    except ValueError as error:  # a feature of zero norm has no direction
        st.warning(f"Feature {feature} is not represented: {error}. Choose another feature.")
        view = None
if result is not None and view is not None:
    if view["norm"] <= REPRESENTED_NORM:
        st.caption(f"Feature {feature} is barely represented (‖W_i‖ = {view['norm']:.2f} ≤ {REPRESENTED_NORM}).")
    columns = st.columns(4)
    columns[0].metric(
        "‖W_i‖",
        f"{view['norm']:.3f}",
        help="The length of feature i's direction: about 1 when represented, 0 when dropped.",
    )
    columns[1].metric(
        "signal E[(‖W_i‖ x_i)²]",
        f"{view['signal']:.4f}",
        help="The mean square of feature i's own part of h·Ŵ_i: ‖W_i‖² E[x_i²] = ‖W_i‖² p/3.",
    )
    columns[2].metric(
        "E[interference²]",
        f"{view['interference']:.4f}",
        help="E[(Σ_j≠i (Ŵ_i·W_j) x_j)²] under the data: the mean square of what the others add along Ŵ_i, "
        "cross terms E[x_j x_k] = E[x_j] E[x_k] included.",
    )
    columns[3].metric(
        "Σ_j≠i (Ŵ_i·W_j)²",
        f"{view['paper_interference']:.3f}",
        help="The paper's interference of feature i (Sec. 2): the squared spills, as if every other feature were "
        "on at 1. Above 0 means feature i shares its direction (superposition).",
    )
    if n_hidden == 2:
        importance = result.config.importance_array()[0]
        shared.chart(charts.feature_directions(view["W"], importance, title="Directions W_i (hover)"))
    st.markdown(f"**What spills onto feature {feature}**: every other feature's interference term, largest first.")
    chart_column, table_column = st.columns([5, 4])
    with chart_column:
        shared.chart(charts.interference_bars(view["spills"], feature))
        st.caption(
            "Bars: Ŵ_i·W_j, what x_j = 1 adds along feature i's direction; colour: feature j's share of "
            "E[interference²] on its own, (Ŵ_i·W_j)² E[x_j²] over the total."
        )
    with table_column:
        st.dataframe(
            view["spills"],
            hide_index=True,
            column_config={
                "feature": st.column_config.NumberColumn("feature j"),
                "term": st.column_config.NumberColumn("Ŵ_i·W_j", format="%.3f", help="Spill of x_j = 1 on i."),
                "cosine": st.column_config.NumberColumn("cos(W_i, W_j)", format="%.3f"),
                "norm": st.column_config.NumberColumn("‖W_j‖", format="%.3f"),
                "share": st.column_config.NumberColumn(
                    "share", format="percent", help="(Ŵ_i·W_j)² E[x_j²] / E[interference²]"
                ),
            },
        )
    st.markdown(f"**What feature {feature} can be mistaken for**: the best non-negative combinations of others.")
    if view["imitations"].empty:
        st.info(
            f"No non-negative combination of the other represented features points near feature {feature}: "
            f"every fit has cosine < {MIN_COSINE} with W_i (or needs some x_j > {MAX_COEFFICIENT:g})."
        )
    else:
        chart_column, table_column = st.columns([5, 4])
        with chart_column:
            shared.chart(charts.confusion_bars(view["imitations"], feature))
            st.caption(
                "Each bar: a combination x_S ≥ 0 of other features and the cosine between its image W_S x_S and "
                "W_i. Hover for the residual ‖W_i − W_S x_S‖/‖W_i‖."
            )
        with table_column:
            st.dataframe(
                view["imitations"],
                hide_index=True,
                column_config={
                    "cosine": st.column_config.NumberColumn("cos(W_S x_S, W_i)", format="%.4f"),
                    "residual": st.column_config.NumberColumn("‖W_i − W_S x_S‖/‖W_i‖", format="%.3f"),
                    "size": st.column_config.NumberColumn("|S|"),
                    "reach": st.column_config.NumberColumn(
                        "imitates x_i up to",
                        format="%.2f",
                        help="min(1, 1/max x_j): the largest x_i the combination imitates with every x_j ≤ 1, the "
                        "data's largest value.",
                    ),
                },
            )
