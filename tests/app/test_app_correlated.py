"""The Correlated features page: by default it trains by itself and puts each sparse correlated pair at right
angles; it retrains when a control moves; every preset applies; the URL keeps the view."""

import numpy as np
from app_helpers import (
    assert_clean,
    assert_every_control_has_help,
    assert_presets_apply,
    assert_retrains_by_itself,
    assert_url_round_trip,
    charts_on,
    open_page,
)


def test_the_default_puts_correlated_pairs_at_right_angles():
    app = open_page("correlated")
    assert_clean(app)
    assert_every_control_has_help(app)
    assert charts_on(app) == 3 + 1  # each model's directions, then the cosines
    import shared

    W = np.asarray(shared.trained(app.session_state["correlated_shown"][0]).W[-1])  # the sparsest model drawn
    unit = W / np.linalg.norm(W, axis=0)
    cosine = unit.T @ unit
    assert abs(cosine[0, 1]) < 0.2 and abs(cosine[2, 3]) < 0.2, np.round(cosine, 2)


def test_it_retrains_when_a_control_moves(quick):
    app = open_page("correlated", {"models": "1"})
    assert_retrains_by_itself(app, "correlated_sets", 3, lambda page: page.session_state["correlated_shown"][0])
    assert app.session_state["correlated_shown"][0].n_features == 6


def test_every_preset_applies(quick):
    from views.correlated import PRESETS

    assert_presets_apply("correlated", PRESETS, "kind")


def test_a_link_opens_its_view(quick):
    assert_url_round_trip("correlated", {"kind": "anticorrelated", "models": "1"}, {"size": "4"})
