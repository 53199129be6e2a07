"""The launcher ``toysup app`` starts the server with: the default page it warms up before serving is computed
in the process, so a new session (the first visitor's) finds its results cached and trains nothing."""

import pytest
import streamlit as st
from app_helpers import assert_clean, open_page

import toysup


def refuse_to_train(*args, **kwargs):
    raise AssertionError("trained again: the warm-up's results were not found")


@pytest.mark.parametrize("warmed", [False, True], ids=["cold", "warmed"])
def test_a_warmed_up_default_page_is_served_from_the_cache(quick, monkeypatch, warmed):
    import launch

    st.cache_data.clear()
    if warmed:
        launch.warm([""])  # the router's default page: the Playground
    monkeypatch.setattr(toysup, "train", refuse_to_train)
    app = open_page("playground")
    if warmed:
        assert_clean(app)
        assert app.dataframe[0].value["features represented"][0] >= 1
    else:  # the check can fail: a cold page does train
        assert app.exception or app.error


def test_an_unknown_page_to_warm_is_refused_before_anything_runs(capsys):
    import launch

    with pytest.raises(SystemExit) as stopped:
        launch.main(["--warm", "playground,nope"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "--warm: must be pages among playground" in error and "got nope" in error
