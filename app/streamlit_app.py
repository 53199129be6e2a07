"""toysup's app: every part of the package, live in the browser. Run ``toysup app`` (or ``python app/launch.py``,
which it runs: the default page is computed before the server answers) or ``streamlit run app/streamlit_app.py``
(no warm-up).

This file only routes (the pattern of Streamlit's hello app); each page is a thin script in ``views/`` that calls
the package and ``toysup.plots``. Helpers the pages share live beside this file (``shared.py``, ``run_zip.py``,
``charts.py``).
"""

import sys
from pathlib import Path

import streamlit as st

APP_FOLDER = Path(__file__).resolve().parent
if str(APP_FOLDER) not in sys.path:  # so the pages can `import shared`
    sys.path.insert(0, str(APP_FOLDER))

st.set_page_config(
    page_title="toysup — toy models of superposition", page_icon=":material/scatter_plot:", layout="wide"
)

PAGES = {
    "Toy models": [
        st.Page("views/playground.py", title="Playground", icon=":material/tune:", default=True),
        st.Page("views/watch.py", title="Watch it learn", icon=":material/movie:"),
        st.Page("views/phase.py", title="Phase diagram", icon=":material/grid_on:"),
        st.Page("views/geometry.py", title="Geometry", icon=":material/hexagon:"),
        st.Page("views/correlated.py", title="Correlated features", icon=":material/link:"),
        st.Page("views/privileged.py", title="Privileged basis", icon=":material/view_column:"),
        st.Page("views/computation.py", title="Computation in superposition", icon=":material/calculate:"),
        st.Page("views/almost_orthogonal.py", title="Almost orthogonal", icon=":material/explore:"),
        st.Page("views/interference.py", title="Interference and confusion", icon=":material/blur_on:"),
    ],
    "Sparse autoencoders": [st.Page("views/sae_lab.py", title="SAE lab", icon=":material/biotech:")],
    "Circuits": [st.Page("views/circuits.py", title="Circuits", icon=":material/account_tree:")],
    "Learn": [
        st.Page("views/lessons.py", title="Lessons", icon=":material/school:"),
        st.Page("views/figures.py", title="Figures", icon=":material/image:"),
    ],
}

st.navigation(PAGES).run()
