"""The Watch it learn page: its default recording ends in the pentagon it promises, without a button; it records
again when a control moves, scrubs, plays a GIF, applies every preset, round-trips its URL and refuses too many
snapshots."""

import numpy as np
from app_helpers import (
    assert_clean,
    assert_every_control_has_help,
    assert_presets_apply,
    assert_retrains_by_itself,
    assert_url_round_trip,
    charts_on,
    count,
    open_page,
)

from toysup.metrics import is_regular_polygon


def test_the_default_recording_ends_in_a_pentagon():
    app = open_page("watch")
    assert_clean(app)
    assert_every_control_has_help(app)
    frame = app.slider(key="watch_frame")
    assert (frame.min, frame.max, frame.value) == (0, 60, 60)  # 3,000 steps, a snapshot every 50
    from views.watch import snapshots_of  # the page's cached recording: the very W it drew

    config, every = app.session_state["watch_shown"]
    W = np.asarray(snapshots_of(config, every)["W"][-1, 0])
    assert is_regular_polygon(W, 5)
    assert charts_on(app) == 3  # the frame, D_i over training, the loss


def test_it_records_again_by_itself_scrubs_and_plays(quick):
    app = open_page("watch", {"every": "10"})
    assert app.slider(key="watch_frame").max == 5  # 50 steps (the test cap), a snapshot every 10
    assert_retrains_by_itself(app, "watch_features", 3, lambda page: page.session_state["watch_shown"][0].n_features)
    app.slider(key="watch_frame").set_value(0).run()
    assert_clean(app)
    app.button(key="watch_gif").click().run()
    assert_clean(app)
    assert count(app, "imgs") + count(app, "image") >= 1  # the GIF


def test_every_preset_applies(quick):
    from views.watch import PRESETS

    assert_presets_apply("watch", PRESETS, "lr")


def test_a_link_opens_its_view(quick):
    assert_url_round_trip("watch", {"features": "4", "every": "10"}, {"steps": "7"})


def test_watch_it_learn_refuses_too_many_snapshots(quick, monkeypatch):
    monkeypatch.delenv("TOYSUP_APP_MAX_STEPS")
    app = open_page("watch", {"steps": "20000", "every": "10"})
    assert not app.exception
    assert "at most" in app.error[0].value
    assert charts_on(app) == 0
