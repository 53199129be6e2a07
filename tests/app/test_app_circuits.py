"""The Circuits page: the attribution graph of a picked input shows that input's features (and, for the monosemantic
|x| model, only their own paths x_i → latent → y_i, scored F1 = 1 against the task); steering a feature moves its
own output as the steering matrix predicts (exactly at x = 0); every preset applies, the settings round-trip
through the URL, a moved control retrains without a button, a long transcoder waits for Train, a bad input is
ignored with a warning that names it, and every control has help."""

import json

import pandas as pd
from app_helpers import (
    assert_clean,
    assert_every_control_has_help,
    assert_presets_apply,
    assert_retrains_by_itself,
    assert_url_round_trip,
    open_page,
)
from streamlit import dataframe_util

CHOSEN = "features I choose"
MONOSEMANTIC = {  # the preset "a monosemantic |x| model", as a link
    "features": "6",
    "hidden": "12",
    "probability": "0.1",
    "arch": "jumprelu",
    "input": CHOSEN,
    "x": "1=0.8, 4=-0.6",
}
PENTAGON = {"kind": "relu_output", "features": "5", "hidden": "2", "toy_steps": "2000", "input": CHOSEN}


def charts_by_title(app) -> dict[str, list[pd.DataFrame]]:
    """Every Vega-Lite chart of the page by its title: its data sets as data frames."""
    found = {}

    def walk(node) -> None:
        if getattr(node, "type", None) == "vega_lite_chart":
            spec = json.loads(node.proto.spec)
            title = spec.get("title", "")
            title = title.get("text", "") if isinstance(title, dict) else title
            found[title] = [dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in node.proto.datasets]
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return found


def input_graph(app) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes, edges) of the picked input's attribution graph chart."""
    frames = next(v for title, v in charts_by_title(app).items() if title.startswith("Attribution graph of this input"))
    nodes = next(frame for frame in frames if "layer_name" in frame.columns)
    edges = next(frame for frame in frames if "source" in frame.columns)
    return nodes, edges


def metrics(app) -> dict[str, float]:
    return {metric.label: float(metric.value.rstrip("%").split()[0]) for metric in app.metric}


def test_the_default_view_traces_the_model_s_own_graph_without_a_button():
    """The |x| model of 20 features in 10 neurons leaves some outputs dead: the averaged graph misses those task
    edges (recall < 1) but is (almost) exactly the model's own graph, and the transcoder imitates most of the model."""
    app = open_page("circuits")
    assert_clean(app)
    assert not [button for button in app.button if button.key == "circuits_train"]
    scores = next(frame.value for frame in app.dataframe if "vs the task" in frame.value.columns).set_index("score")
    assert scores.loc["recall", "vs the task"] < 1.0
    assert scores.loc["F1", "vs the model's graph"] >= 0.9 > scores.loc["F1", "vs the task"]
    shown = metrics(app)
    assert shown["transcoder imitates"] > 70
    assert shown["variance explained by the graph"] > shown["… by the bias path alone"] + 0.5
    assert app.query_params["kind"] == "abs" and app.query_params["arch"] == "topk"


def test_the_graph_of_a_picked_input_shows_its_features_and_their_own_paths():
    """The monosemantic |x| model (two neurons per feature): the input x1 = 0.8, x4 = −0.6 lights x1 and x4 only, its
    graph has edges out of those two only, each reaching its own output, and the averaged graph scores F1 = 1."""
    app = open_page("circuits", MONOSEMANTIC)
    assert_clean(app)
    nodes, edges = input_graph(app)
    inputs = nodes[nodes["layer"] == 0]
    assert inputs["name"].tolist() == [f"x{i}" for i in range(6)]
    on = inputs[inputs["on"]]
    assert on["name"].tolist() == ["x1", "x4"]
    assert on["value"].round(3).tolist() == [0.8, -0.6]
    first = edges[edges["layer"] == 0]
    assert set(first["source"]) == {"x1", "x4"}
    for feature in ("1", "4"):  # each input's latents write its own output, |x_i| > 0
        latents = set(first[first["source"] == f"x{feature}"]["target"])
        reached = set(edges[(edges["layer"] == 1) & edges["source"].isin(latents)]["target"])
        assert f"y{feature}" in reached, (feature, reached)
    outputs = next(frame.value for frame in app.dataframe if "transcoder ŷ" in frame.value.columns)
    assert set(outputs["output"]) >= {1, 4}
    scores = next(frame.value for frame in app.dataframe if "vs the task" in frame.value.columns).set_index("score")
    assert scores.loc["F1", "vs the task"] == 1.0 and scores.loc["F1", "vs the model's graph"] == 1.0
    assert metrics(app)["variance explained by the graph"] > 0.8


def test_steering_moves_the_intended_output_as_the_steering_matrix_predicts():
    """The pentagon (relu_output, 5 features in 2 dimensions): at x = 0 steering feature 0 by α = 1 raises y0 by
    ReLU(b0 + ‖W_0‖²) − ReLU(b0), exactly the prediction; α = 0 moves nothing; α < 0 cannot push y0 below 0."""
    app = open_page("circuits", {**PENTAGON, "x": "", "steer": "0", "alpha": "1.0"})
    assert_clean(app)
    shown = metrics(app)
    assert shown["intended output y0 moves by"] > 0.5
    assert shown["… predicted by P=WᵀW"] == shown["intended output y0 moves by"]
    assert shown["prediction off by"] == 0.0
    assert "Every output when x_0 is steered" in charts_by_title(app)
    app.slider(key="circuits_alpha").set_value(0.0).run()
    assert metrics(app)["intended output y0 moves by"] == 0.0
    app.text_input(key="circuits_x").set_value("0=1").run()  # y0 ≈ 1 already: it falls, but not below 0
    app.slider(key="circuits_alpha").set_value(-3.0).run()
    assert_clean(app)
    assert -1.2 < metrics(app)["intended output y0 moves by"] < -0.5


def test_every_preset_applies(quick):
    from views.circuits import PRESETS

    assert_presets_apply("circuits", PRESETS, "kind")


def test_a_link_opens_its_view_and_a_bad_value_warns(quick):
    assert_url_round_trip(
        "circuits",
        {**PENTAGON, "arch": "relu", "threshold": "0.2", "alpha": "-1.5", "x": "0=0.5, 2=1"},
        {"sample": "-5", "seed": "abc"},
    )


def test_a_moved_control_retrains_and_redraws(quick):
    app = open_page("circuits")
    assert not [button for button in app.button if button.key == "circuits_train"]  # nothing to press at this size
    inputs = lambda app: input_graph(app)[0].query("layer == 0")["name"].tolist()  # noqa: E731
    assert_retrains_by_itself(app, "circuits_features", 8, inputs)
    assert inputs(app) == [f"x{i}" for i in range(8)]


def test_a_long_transcoder_waits_for_train(quick):
    app = open_page("circuits", {"steps": "5000"})
    assert_clean(app)
    assert [button for button in app.button if button.key == "circuits_train"]
    assert any("Press" in info.value for info in app.info) and not charts_by_title(app)
    app.button(key="circuits_train").click().run()
    assert_clean(app)
    assert input_graph(app)[0].shape[0] > 0


def test_a_bad_input_is_ignored_with_a_warning_that_names_it(quick):
    app = open_page("circuits", {"input": CHOSEN, "x": "0=1, 99=1, 3=7, nonsense"})
    assert_clean(app)
    warning = " ".join(w.value for w in app.warning)
    assert "'99=1'" in warning and "'3=7'" in warning and "'nonsense'" in warning
    nodes, _ = input_graph(app)
    assert nodes.query("layer == 0 and on")["name"].tolist() == ["x0"]


def test_every_control_has_help(quick):
    assert_every_control_has_help(open_page("circuits"))  # the random sample's seed
    assert_every_control_has_help(open_page("circuits", {"input": CHOSEN}))  # the chosen features' text
