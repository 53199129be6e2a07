"""The Watch it learn page: it renders, records snapshots and scrubs them, and refuses too many snapshots."""

from app_helpers import assert_clean, assert_renders_before_any_training, count, open_page


def test_watch_renders_before_any_training():
    assert_renders_before_any_training("watch")


def test_watch_it_learn_records_snapshots_and_scrubs():
    app = open_page("watch")
    app.select_slider(key="watch_steps").set_value(50)
    app.select_slider(key="watch_every").set_value(10)
    app.button(key="watch_train").click().run()
    assert_clean(app)
    frame = app.slider(key="watch_frame")
    assert (frame.min, frame.max, frame.value) == (0, 5, 5)  # step 0 and after each of 5 chunks
    frame.set_value(0).run()
    assert_clean(app)
    app.button(key="watch_gif").click().run()
    assert_clean(app)
    assert count(app, "image") == 3  # the frame, the GIF and the D_i-over-training plot


def test_watch_it_learn_refuses_too_many_snapshots():
    app = open_page("watch")
    app.select_slider(key="watch_steps").set_value(20_000)
    app.select_slider(key="watch_every").set_value(10).run()
    assert not app.exception
    assert "at most" in app.error[0].value
    assert app.button(key="watch_train").disabled
