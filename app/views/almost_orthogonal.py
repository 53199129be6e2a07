"""Almost orthogonal: how many directions fit in m dimensions with every pairwise |cos| ≤ ε, measured."""

import charts
import jax
import numpy as np
import pandas as pd
import shared
import streamlit as st

from toysup import orthogonality

KEY = "almost_orthogonal"
RANDOM_CAP = 1024  # random directions drawn per seed at most
OPTIMISER_STEPS = 300  # Adam steps per optimisation at most (fewer under the app tests' step cap)
SEED = 0
DEFAULTS = {
    "epsilon": 0.3,
    "optimised_m": 12,
    "optimised_cap": 64,
    "random_m": 256,
    "seeds": 5,
    "log_m": True,
}
OPTIMISED_CAPS = (32, 64, 128, 256)
RANDOM_MS = (32, 64, 128, 256, 512)
ALLOWED = {
    "epsilon": shared.Between(0.0, 0.6),
    "optimised_m": shared.Between(2, 24),
    "optimised_cap": OPTIMISED_CAPS,
    "random_m": RANDOM_MS,
    "seeds": (1, 3, 5, 7, 9),
}
PRESETS = {
    "ε = 0.3: linear versus exponential": (
        DEFAULTS,
        "Angles of 72.5°–107.5°. Look where each curve crosses the line m: the optimiser passes it from m = 4 (5 "
        "directions, a regular simplex: Welch's limit), random directions only after m ≈ 150–200, and from there "
        "they grow as a straight line on this log axis — exponentially.",
    ),
    "exactly orthogonal: ε = 0": (
        {**DEFAULTS, "epsilon": 0.0},
        "Only m directions fit: the optimised count lies on the line m (Welch's bound says so), and random "
        "directions are never exactly orthogonal, so one is all they give.",
    ),
    "loose: ε = 0.5": (
        {**DEFAULTS, "epsilon": 0.5},
        "Angles of 60°–120°: the optimised count leaves m behind within a few dimensions and reaches the cap; "
        "random directions pass m near m ≈ 50 and reach the cap soon after.",
    ),
    "nearly orthogonal: ε = 0.1": (
        {**DEFAULTS, "epsilon": 0.1},
        "Angles of 84°–96°: in few dimensions barely more than m fit (m + 1 at m = 10, a simplex); random "
        "directions stay far below m, since exp(ε² m / 4) passes m only beyond m ≈ 3,000.",
    ),
}
HELP = {
    "epsilon": "ε: the largest |cos| allowed between any two directions, unitless; 0 = exactly orthogonal, 0.3 = "
    "angles between 72.5° and 107.5°. Typical: 0.05–0.5.",
    "optimised_m": "The optimised counts are measured for m = 1 up to this many dimensions (each m is a search "
    "over counts by gradient descent). Typical: 8–16; larger is slower.",
    "optimised_cap": "The most directions the optimiser tries; a count that reaches it is shown as 'at least'. "
    "Typical: 64; 256 is slow.",
    "random_m": "Random directions are measured up to this many dimensions (17 values of m between 1 and it).",
    "seeds": "Independent streams of random directions per m; the curve is their median. Typical: 5.",
    "log_m": "A logarithmic m axis shows small and large m together; a linear one shows m itself as a straight line.",
}


def random_dims(largest: int) -> np.ndarray:
    return np.unique(np.concatenate([np.arange(1, 9), np.linspace(0, largest, 17)[1:].round()]).astype(int))


@st.cache_data(show_spinner=False, max_entries=64)
def random_curve(epsilon: float, largest: int, seeds: int) -> orthogonality.DirectionCounts:
    with shared.progress("Random directions: m") as on_progress:
        return orthogonality.random_counts(
            jax.random.key(SEED),
            random_dims(largest),
            epsilon,
            n_seeds=seeds,
            max_count=RANDOM_CAP,
            on_progress=on_progress,
        )


@st.cache_data(show_spinner=False, max_entries=64)
def optimised_curve(epsilon: float, largest: int, cap: int) -> orthogonality.DirectionCounts:
    with shared.progress("Optimised directions: search round") as on_progress:
        return orthogonality.optimised_counts(
            jax.random.key(SEED),
            np.arange(1, largest + 1),
            epsilon,
            max_count=cap,
            steps=shared.capped_steps(OPTIMISER_STEPS),
            on_progress=on_progress,
        )


def crossing(m: np.ndarray, counts: np.ndarray) -> str:
    """The first m whose count exceeds m, in words."""
    above = np.flatnonzero(np.floor(counts) > m)
    return f"m = {m[above[0]]:,}" if len(above) else f"not up to m = {m[-1]:,}"


def jl_crossing(epsilon: float, largest: int = 100_000) -> str:
    """The first m at which exp(c ε² m) (rounded down) exceeds m, in words: where c ε² m ≥ log(m + 1)."""
    m = np.arange(1, largest + 1)
    above = np.flatnonzero(orthogonality.JL_CONSTANT * epsilon**2 * m >= np.log(m + 1))
    return f"m = {m[above[0]]:,}" if len(above) else f"not up to m = {largest:,}"


st.title("Almost orthogonal")
st.markdown(
    "m dimensions hold only m exactly orthogonal directions, but far more that are *almost* orthogonal — every "
    "pair at |cos| ≤ ε — and their number grows exponentially with m. That is what lets a model store more "
    "features than it has dimensions, at the price of a little interference (Elhage et al. 2022, Sec. 1). "
    "Here the count is measured three ways:\n"
    "- **exactly orthogonal**: m;\n"
    "- **random**: unit directions drawn uniformly one after another; the count is how many come before the first "
    "that breaks the bound with an earlier one (median over seeds);\n"
    "- **optimised**: directions moved by gradient descent on Σ relu(|cos| − ε)² over all pairs; the count is the "
    "largest for which it reaches max |cos| ≤ ε (+0.001), found by doubling and bisection. A lower bound on what "
    "fits.\n\n"
    "Beside them, two formulas: the **Johnson–Lindenstrauss** form N = exp(c ε² m) with c = 1/4 — the union "
    "bound over pairs of P(|cos| > ε) ≤ 2 exp(−m ε² / 2) (Ball 1997, Lemma 2.2), which guarantees that many "
    "random directions fit with positive probability (Johnson and Lindenstrauss 1984; Dasgupta and Gupta 2003) — "
    "and **Welch's bound** N ≤ m (1 − ε²) / (1 − m ε²), the most that can fit at all when m ε² < 1 (Welch 1974)."
)

shared.url_state(KEY, DEFAULTS, ALLOWED)
with st.sidebar:
    shared.presets(KEY, PRESETS)
    epsilon = st.slider("largest |cos| ε", 0.0, 0.6, step=0.05, key=f"{KEY}_epsilon", help=HELP["epsilon"])
    st.header("Optimised directions")
    optimised_m = st.slider("up to m", 2, 24, key=f"{KEY}_optimised_m", help=HELP["optimised_m"])
    optimised_cap = st.select_slider(
        "most directions tried", OPTIMISED_CAPS, key=f"{KEY}_optimised_cap", help=HELP["optimised_cap"]
    )
    st.header("Random directions")
    random_m = st.select_slider("up to m", RANDOM_MS, key=f"{KEY}_random_m", help=HELP["random_m"])
    seeds = st.select_slider("seeds", (1, 3, 5, 7, 9), key=f"{KEY}_seeds", help=HELP["seeds"])
    log_m = st.toggle("logarithmic m axis", key=f"{KEY}_log_m", help=HELP["log_m"])
shared.sync_url(KEY, DEFAULTS)

epsilon = round(float(epsilon), 4)
optimised_dims = np.arange(1, int(optimised_m) + 1)


def show(random: orthogonality.DirectionCounts, optimised: orthogonality.DirectionCounts | None) -> None:
    """The counts' headline numbers, chart and table; ``optimised`` None while it is still being measured."""
    m_all = np.unique(np.concatenate([random.n_dims, optimised_dims]))
    jl = orthogonality.johnson_lindenstrauss_count(m_all, epsilon)
    welch = np.array([orthogonality.welch_count(int(m), epsilon) for m in optimised_dims])
    finite = np.isfinite(welch)
    rows = [
        pd.DataFrame({"m": m_all, "count": m_all.astype(float), "method": charts.DIRECTION_METHODS[0]}),
        pd.DataFrame({"m": random.n_dims, "count": random.counts, "method": charts.DIRECTION_METHODS[2]}).assign(
            at_cap=random.at_cap, measured=True
        ),
        pd.DataFrame({"m": m_all, "count": jl, "method": charts.DIRECTION_METHODS[3]}),
        pd.DataFrame({"m": optimised_dims[finite], "count": welch[finite], "method": charts.DIRECTION_METHODS[4]}),
    ]
    if optimised is not None:
        rows.append(
            pd.DataFrame(
                {"m": optimised.n_dims, "count": optimised.counts, "method": charts.DIRECTION_METHODS[1]}
            ).assign(at_cap=optimised.at_cap, measured=True)
        )
    table = pd.concat(rows, ignore_index=True).fillna({"at_cap": False, "measured": False})
    table = table.astype({"at_cap": bool, "measured": bool})

    columns = st.columns(3)
    if optimised is None:
        columns[0].metric(f"optimised at m = {optimised_dims[-1]}", "…", help="Being measured.")
    else:
        columns[0].metric(
            f"optimised at m = {optimised_dims[-1]}",
            f"{'≥ ' if optimised.at_cap[-1] else ''}{optimised.counts[-1]:,}",
            help="Directions the optimiser brought to pairwise |cos| ≤ ε in the largest optimised m, against m "
            "that are exactly orthogonal.",
        )
    columns[1].metric(
        "random passes m at",
        crossing(random.n_dims, random.counts),
        help="The first m where the median count of random directions exceeds m.",
    )
    columns[2].metric(
        "exp(ε² m / 4) passes m at",
        jl_crossing(epsilon),
        help="The first m where the Johnson–Lindenstrauss count (rounded down) exceeds m; it grows exponentially, "
        "so it passes m at some m for every ε > 0.",
    )
    shared.chart(charts.direction_counts(table, log_x=bool(log_m)))
    shape = (
        "on log axes m itself is a straight line and an exponential curves up"
        if log_m
        else "on a log count axis an exponential is a straight line and m itself bends over"
    )
    st.caption(
        f"Counts against m: {shape}. Random counts stop at {RANDOM_CAP:,} and optimised ones at {optimised_cap}; "
        "a point at the cap means at least that many. Hover a point for its numbers."
    )
    with st.expander("The numbers"):
        wide = table.pivot_table(index="m", columns="method", values="count", aggfunc="first")
        st.dataframe(wide.reindex(columns=[c for c in charts.DIRECTION_METHODS if c in wide.columns]))


view = st.empty()


def measure() -> tuple:
    """Random directions first (the cheaper), shown at once, then the optimised ones."""
    random = random_curve(epsilon, int(random_m), int(seeds))
    with view.container():
        show(random, None)
    return random, optimised_curve(epsilon, int(optimised_m), int(optimised_cap))


shared.report_stop(KEY)
curves = shared.attempt(KEY, measure)
if curves is not None:
    with view.container():
        show(*curves)
