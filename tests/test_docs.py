"""The documentation site builds with warnings as errors, and its references cover the code.

One build, ``mkdocs build --strict`` into a temporary folder as the README says to run it, serves every test:
strict mode fails on any warning, among them a docstring griffe cannot parse and a cross-reference that names
nothing (each public name of the API tables links to its documentation, so a name that is not documented fails
the build).
"""

from __future__ import annotations

import argparse
import ast
import html
import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("toysup", "toysup.sae", "toysup.figures", "toysup.lessons")
# The module each tool installs, and the package that installs it.
TOOLS = {
    "mkdocs": "mkdocs",
    "material": "mkdocs-material",
    "mkdocstrings": "mkdocstrings",
    "mkdocstrings_handlers": "mkdocstrings-python",
}
MISSING = [package for module, package in TOOLS.items() if importlib.util.find_spec(module) is None]

pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"the docs tools are not installed ({', '.join(MISSING)}): pip install -e '.[docs]'"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return out


def text(site: Path, page: str) -> str:
    """A page's text, tags removed and entities decoded."""
    path = site / page / "index.html" if not page.endswith(".html") else site / page
    assert path.exists(), f"the site has no page {page}"
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def inventory(site: Path) -> set[str]:
    """The identifiers mkdocstrings documented, from the site's Sphinx-format ``objects.inv``."""
    data = (site / "objects.inv").read_bytes()
    body = data.split(b"\n", 4)[4]
    return {line.split(" ", 1)[0] for line in zlib.decompress(body).decode().splitlines() if line}


def test_key_pages(site):
    start = text(site, "index.html")
    assert "toysup demo" in start and "pytest" in start  # the README's two commands, taken from the README
    for page in ("theory", "cli", "api", "figures", "lessons", "lessons/teaching", "benchmarks"):
        assert text(site, page).strip()
    assert "candidate" in text(site, "theory")


def test_gallery_has_every_figure(site):
    gallery = (ROOT / "figures" / "README.md").read_text()
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", gallery):
        assert (site / "figures" / image).exists(), image
        assert f'src="{image}"' in (site / "figures" / "index.html").read_text()


def commands(parser: argparse.ArgumentParser, prog: str):
    yield prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, f"{prog} {name}")


def test_cli_reference_has_every_command_and_flag(site):
    from toysup.cli import build_parser

    page = text(site, "cli")
    found = list(commands(build_parser(), "toysup"))
    assert len(found) > 10
    for line, parser in found:
        assert f"usage: {line}" in page, f"the CLI reference lacks {line}"
        for action in parser._actions:
            for flag in action.option_strings:
                assert re.search(rf"{re.escape(flag)}\b", page), f"the CLI reference lacks {line} {flag}"


def public_names(package: str) -> list[str]:
    """``__all__``, or else every name the package holds that does not start with an underscore — except
    submodules its ``__init__`` does not import itself (they become attributes when anything imports them, e.g.
    ``toysup.course`` once a lesson is read, so they depend on what else ran in the session)."""
    module = importlib.import_module(package)
    if hasattr(module, "__all__"):
        return list(module.__all__)
    tree = ast.parse(Path(module.__file__).read_text())
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and (not inspect.ismodule(value) or name in imported)
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_api_reference_covers_every_public_name(site, package):
    documented = inventory(site)
    module = importlib.import_module(package)
    page = text(site, f"api/{package}")
    names = public_names(package)
    assert names
    for name in names:
        value = getattr(module, name)
        if inspect.ismodule(value):
            assert value.__name__ in documented, f"{value.__name__} has no page in the API reference"
            continue
        assert f"{package}.{name}" in page, f"{package}.{name} is not in its package's API page"
        defined = f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
        assert f"{package}.{name}" in documented or defined in documented, f"{package}.{name} is not documented"


def test_every_public_module_has_a_page(site):
    documented = inventory(site)
    for path in (ROOT / "toysup").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        if any(part.startswith("_") for part in parts) or parts[:2] == ("toysup", "cli") and len(parts) > 2:
            continue
        assert ".".join(parts) in documented, f"{'.'.join(parts)} has no page in the API reference"
