"""Figures: the gallery of the paper's figures, each with its check, and regeneration at quick scale."""

import json
import tempfile
from pathlib import Path

import shared
import streamlit as st

import toysup
from toysup.figures import FIGURES, make_figures

KEY = "figures"
GALLERY = Path(toysup.__file__).resolve().parents[1] / "figures"  # what `toysup figures` writes by default


@st.cache_data(show_spinner=False, max_entries=16)
def regenerated(name: str) -> dict:
    """Make one figure at quick scale in a temporary folder: its PNG and record (with the check)."""
    with tempfile.TemporaryDirectory() as folder, shared.progress(f"Making {name} (quick)") as on_chunk:
        on_chunk(0, 1)
        record = make_figures([name], quick=True, out=folder)[0]
        return {"png": (Path(folder) / f"{name}.png").read_bytes(), "record": record}


def stored(name: str) -> dict | None:
    """The gallery's PNG and record of a figure, if it has been made (``toysup figures``)."""
    png, record = GALLERY / f"{name}.png", GALLERY / f"{name}.json"
    if not (png.exists() and record.exists()):
        return None
    try:
        return {"png": png.read_bytes(), "record": json.loads(record.read_text())}
    except (OSError, ValueError):
        return None


def show_check(record: dict) -> None:
    """The check's verdict: a full-scale run says whether the claim holds; a quick run only how it looks at small
    scale. What does not reproduce is said in words before the numbers."""
    check = record.get("check", {})
    holds, full = check.get("holds"), record.get("mode") == "full"
    if full:
        (st.success if holds else st.warning)(f"The paper's claim {'holds' if holds else 'does not hold'} in this run.")
    else:
        st.info(
            f"Quick run: the check {'holds' if holds else 'does not hold'} at small scale. Only the full-scale run "
            f"(`toysup figures {record.get('name', '')}`) gives a verdict."
        )
    for note in check.get("not_reproduced") or []:
        st.warning(f"Not reproduced: {note}")
    st.json({key: value for key, value in check.items() if key not in ("holds", "not_reproduced")}, expanded=True)


st.title("Figures of the paper")
st.markdown(
    "Each figure of Elhage et al. (2022) — and of the SAE experiments — as `toysup figures` makes it, with its "
    "**check**: the paper's claim stated as numbers. **Regenerate** remakes one at quick scale here (seconds to a "
    "minute), so it waits for its button."
)

shared.url_state(KEY, {"figure": next(iter(FIGURES))}, {"figure": FIGURES})
name = st.selectbox(
    "figure",
    list(FIGURES),
    format_func=lambda figure: f"{FIGURES[figure].TITLE} ({figure})",
    key=f"{KEY}_figure",
    help="One figure of the gallery (figures/), with the paper section it reproduces; the link to this page names "
    "the figure shown (?figure=NAME).",
)
shared.sync_url(KEY, ("figure",))
module = FIGURES[name]
st.subheader(module.TITLE)
st.caption(f"{module.SECTION} · `{name}`")
st.markdown(module.CAPTION)
made = st.session_state.get(f"{KEY}_{name}_made", False)
if st.button(
    "Regenerate (quick)",
    key=f"{KEY}_{name}_make",
    help="Train this figure's models again at quick scale (fewer models and steps) and redraw it with its check.",
):
    made = shared.attempt(f"{KEY}_{name}", regenerated, name) is not None
    st.session_state[f"{KEY}_{name}_made"] = made
shared.report_stop(f"{KEY}_{name}")
shown = regenerated(name) if made else stored(name)
if shown is None:
    st.info(f"Not in the gallery yet: `toysup figures {name}` makes it, or press Regenerate.")
else:
    left, right = st.columns([3, 2])
    left.image(
        shown["png"],
        caption="quick scale, made here" if made else f"{shown['record'].get('mode', '')} run from {GALLERY.name}/",
    )
    with right:
        show_check(shown["record"])
