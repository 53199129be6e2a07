"""The Almost orthogonal page: its default view holds the known counts (m orthogonal, Welch's bound reached by the
optimiser at small m, exp(ε² m / 4) beside them), it recomputes by itself as ε moves, every preset applies, and its
settings round-trip through the URL."""

import numpy as np
import pytest
from app_helpers import (
    assert_clean,
    assert_presets_apply,
    assert_retrains_by_itself,
    assert_url_round_trip,
    charts_on,
    open_page,
)

from toysup.orthogonality import johnson_lindenstrauss_count

PAGE = "almost_orthogonal"


def numbers(app) -> "np.ndarray":
    return app.dataframe[0].value


def test_the_default_view_measures_the_counts_without_a_button():
    app = open_page(PAGE)
    assert_clean(app)
    assert charts_on(app) == 1 and not app.button
    table = numbers(app)
    m = table.index.to_numpy()
    np.testing.assert_array_equal(table["exactly orthogonal (m)"], m)
    np.testing.assert_allclose(table["JL: exp(ε² m / 4)"], johnson_lindenstrauss_count(m, 0.3))
    optimised = table["optimised"].dropna()
    # ε = 0.3: Welch's bound allows 1, 2, 3 and 5 directions in 1 to 4 dimensions, and the optimiser reaches it
    # (5 in 4 dimensions: a regular simplex); by 12 dimensions it fits far more than 12.
    np.testing.assert_array_equal(optimised.loc[[1, 2, 3, 4]], [1, 2, 3, 5])
    assert np.all(optimised <= table["Welch bound"].reindex(optimised.index).fillna(np.inf))
    assert optimised.loc[12] > 2 * 12
    random = table["random (median)"].dropna()
    assert random.loc[8] < 8 and random.loc[256] > 256  # below m in few dimensions, above it in many
    assert any("random passes m at" == metric.label for metric in app.metric)


def test_moving_epsilon_recomputes_by_itself(quick):
    app = open_page(PAGE)
    assert_retrains_by_itself(app, f"{PAGE}_epsilon", 0.0, lambda page: numbers(page)["optimised"].tolist())
    table = numbers(app)
    random = table["random (median)"].dropna()
    np.testing.assert_array_equal(random, 1)  # never exactly orthogonal


def test_every_preset_applies(quick):
    from views.almost_orthogonal import PRESETS

    assert_presets_apply(PAGE, PRESETS, "epsilon")


@pytest.mark.usefixtures("quick")
def test_a_link_opens_its_view_and_a_bad_value_warns():
    assert_url_round_trip(PAGE, {"epsilon": "0.2", "optimised_m": "6"}, {"random_m": "100", "seeds": "abc"})
