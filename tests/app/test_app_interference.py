"""The Interference and confusion page: its default trains by itself and lists every other feature's spill and
the best imitations, the pentagon preset finds the golden-ratio combination of a feature's neighbours, a moved
control redraws by itself, every preset applies, and its settings round-trip through the URL."""

import math

import numpy as np
from app_helpers import (
    assert_clean,
    assert_presets_apply,
    assert_retrains_by_itself,
    assert_url_round_trip,
    charts_on,
    open_page,
)

PAGE = "interference"
GOLDEN_RATIO = (1 + math.sqrt(5)) / 2


def metric(app, label: str) -> float:
    return float(next(m.value for m in app.metric if m.label == label))


def test_the_default_view_trains_and_explains_without_a_button(quick):
    app = open_page(PAGE)
    assert_clean(app)
    assert not app.button
    spills, imitations = app.dataframe[0].value, app.dataframe[1].value
    assert sorted(spills["feature"]) == list(range(1, 20))  # every other feature of the 20
    np.testing.assert_allclose(np.abs(spills["term"]), np.sort(np.abs(spills["term"]))[::-1])
    assert np.all(spills["share"] >= 0)
    assert metric(app, "Σ_j≠i (Ŵ_i·W_j)²") == np.sum(spills["term"] ** 2).round(3)
    assert list(imitations["cosine"]) == sorted(imitations["cosine"], reverse=True)
    assert np.all((imitations["cosine"] >= 0.1) & (imitations["cosine"] <= 1))
    assert np.all(imitations["size"] <= 3)
    assert charts_on(app) == 2


def test_a_pentagon_feature_is_mistaken_for_its_neighbours_times_the_golden_ratio():
    from views.interference import PRESETS

    app = open_page(PAGE)
    app.selectbox(key=f"{PAGE}_preset").set_value("a pentagon").run()
    assert_clean(app)
    best = app.dataframe[1].value.iloc[0]
    assert best["size"] == 2 and best["cosine"] > 0.995, best
    coefficients = [float(term.split("·")[0]) for term in best["combination"].split(" + ")]
    np.testing.assert_allclose(coefficients, GOLDEN_RATIO, atol=0.15)
    assert charts_on(app) == 3  # the directions too, in two dimensions
    assert PRESETS["a pentagon"][0]["hidden"] == 2


def test_moving_the_feature_redraws_by_itself(quick):
    app = open_page(PAGE)
    assert_retrains_by_itself(app, f"{PAGE}_feature", 3, lambda page: page.dataframe[0].value["feature"].tolist())
    assert 3 not in app.dataframe[0].value["feature"].tolist()


def test_every_preset_applies(quick):
    from views.interference import PRESETS

    assert_presets_apply(PAGE, PRESETS, "features")


def test_a_link_opens_its_view_and_a_bad_value_warns(quick):
    assert_url_round_trip(PAGE, {"probability": "0.1", "feature": "7"}, {"support": "5", "hidden": "x"})
    app = open_page(PAGE, {"features": "4", "hidden": "2", "feature": "9"})  # a feature beyond n: the last one
    assert_clean(app)
    assert app.session_state[f"{PAGE}_feature"] == 3
