"""What the app's page tests share: open a page with ``streamlit.testing.v1.AppTest``, count and check its
elements, the checks every page or several pages run, and the uploads that are not a safe toysup run.

tests/app/conftest.py puts app/ on sys.path (as the app's router does for its pages), so ``run_zip`` imports here.
"""

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("streamlit")
from run_zip import run_to_zip  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

import toysup  # noqa: E402

APP = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"

TIMEOUT = 240


def open_page(page: str, params: dict[str, str] | None = None) -> AppTest:
    """The app opened straight on ``views/{page}.py``, with the URL's query parameters ``params``."""
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.switch_page(f"views/{page}.py")
    for name, value in (params or {}).items():
        app.query_params[name] = value
    return app.run()


def charts_on(app: AppTest) -> int:
    """The page's interactive (Vega-Lite) charts."""
    return count(app, "vega_lite_chart")


CONTROLS = ("slider", "select_slider", "selectbox", "number_input", "radio", "checkbox", "text_input", "button")


def assert_every_control_has_help(app: AppTest) -> None:
    """Every control on the page (sidebar included) says what it is, in its help text."""
    for kind in CONTROLS:
        for widget in getattr(app, kind):
            assert getattr(widget, "help", None), (kind, getattr(widget, "label", widget))


def assert_presets_apply(page: str, presets: dict, probe: str) -> None:
    """Every preset of the page sets its controls (checked on the setting ``probe`` where it has one), renders
    without an error and shows its one-liner. Run with ``TOYSUP_APP_MAX_STEPS`` set, so each trains briefly."""
    app = open_page(page)
    for name, (settings, hint) in presets.items():
        app.selectbox(key=f"{page}_preset").set_value(name).run()
        assert_clean(app)
        assert any(hint in info.value for info in app.info), (name, [info.value for info in app.info])
        if probe in settings:
            assert app.session_state[f"{page}_{probe}"] == settings[probe], name
        assert charts_on(app) >= 1, name


def assert_url_round_trip(page: str, params: dict[str, str], bad: dict[str, str]) -> None:
    """A page opened from a link shows the link's settings and writes them back to the URL; a bad value in the
    link is ignored with a warning that names it."""
    app = open_page(page, {**params, **bad})
    assert not app.exception, [e.value for e in app.exception]
    for name, value in params.items():
        assert str(app.query_params[name]) == value, (name, app.query_params[name])
        widget = app.session_state[f"{page}_{name}"]
        assert str(widget) == value or float(widget) == float(value), (name, widget)
    for name in bad:
        assert any(f"{name}=" in warning.value for warning in app.warning), (name, [w.value for w in app.warning])


def count(app: AppTest, kind: str) -> int:
    """Elements of a kind (e.g. ``image``) anywhere on the page, sidebar and columns included."""

    def walk(node) -> int:
        return (getattr(node, "type", None) == kind) + sum(
            walk(child) for child in getattr(node, "children", {}).values()
        )

    return walk(app._tree)


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def assert_renders_before_any_training(page: str) -> None:
    """The page renders with its title; a training page waits for its button."""
    app = open_page(page)
    assert_clean(app)
    assert app.title and app.title[0].value
    if page not in ("lessons", "figures"):  # the training pages wait for their button
        assert any("Press" in info.value for info in app.info)


def assert_retrains_by_itself(app: AppTest, slider: str, value, shown) -> None:
    """Moving the slider ``slider`` to ``value`` changes what ``shown(app)`` reads from the page, with no button
    pressed."""
    before = shown(app)
    app.slider(key=slider).set_value(value).run()
    assert_clean(app)
    after = shown(app)
    assert not _same(before, after), (before, after)


def _same(a, b) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except ValueError:
        return a == b


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def run_files(result: toysup.TrainResult) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(run_to_zip(result))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pickled_params() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def huge_declared_params(result: toysup.TrainResult, n_bytes: int = 2**20) -> bytes:
    """A params.npz whose W.npy header declares a (10⁵, 10⁵) float64 array (80 GB) but holds ``n_bytes`` of zeros."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**5, 10**5)})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("W.npy", header.getvalue() + b"\0" * n_bytes)
        archive.writestr("b.npy", _npy(result.b))
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def bad_uploads(result: toysup.TrainResult) -> dict[str, tuple[bytes, str]]:
    """Name -> (zip bytes, words the refusal must contain)."""
    good = run_files(result)
    huge_config = good["config.json"].replace(b'"n_features": 4', b'"n_features": 100000000')
    deep_config = b'{"config": ' + b"[" * 45_000 + b"]" * 45_000 + b"}"  # 90 KB, 45,000 levels deep
    return {
        "not a zip": (b"just some text", "not a zip"),
        "path traversal": (zip_of({**good, "../config.json": good["config.json"]}), "unsafe"),
        "absolute path": (zip_of({"/etc/config.json": good["config.json"]}), "unsafe"),
        "foreign file": (zip_of({**good, "evil.py": b"import os"}), "unexpected file"),
        "missing file": (zip_of({k: v for k, v in good.items() if k != "params.npz"}), "params.npz"),
        "pickled params": (zip_of({**good, "params.npz": pickled_params()}), "params.npz"),
        "broken json": (zip_of({**good, "config.json": b"{not json"}), "config.json: not valid JSON"),
        "deep config": (zip_of({**good, "config.json": deep_config}), "config.json: JSON nested deeper"),
        "infinite number": (zip_of({**good, "config.json": b'{"config": {"learning_rate": 1e400}}'}), "not finite"),
        "huge config": (zip_of({**good, "config.json": huge_config}), "too large"),
        "huge declared shape": (zip_of({**good, "params.npz": huge_declared_params(result)}), "declares shape"),
        "wrong shapes": (zip_of({**good, "loss.npy": good["loss.npy"][:-8]}), "loss.npy: truncated"),
    }


def assert_a_bad_upload_gets_a_message_not_a_traceback(app: AppTest, uploader: str, result: toysup.TrainResult) -> None:
    """Upload unsafe and foreign zips to the page's ``uploader``: each gets one error message, no exception."""
    for name in ("not a zip", "path traversal", "pickled params", "deep config", "huge declared shape"):
        data, words = bad_uploads(result)[name]
        app.file_uploader(key=uploader).set_value(("run.zip", data, "application/zip"))
        app.run()
        assert not app.exception, (name, [e.value for e in app.exception])
        assert len(app.error) == 1 and words in app.error[0].value, (name, [e.value for e in app.error])
