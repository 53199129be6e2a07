"""The package as users install it: its licence, extras, typing marker, entry points, single version and the
constraints file of the versions CI ran with.

Run as a script (``python tests/test_packaging.py``) it rewrites ``constraints.txt`` from the environment: the
installed version of every distribution that ``pip install -e '.[dev]'`` pulls in.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import toysup

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CONSTRAINTS = ROOT / "constraints.txt"
FRONT_ENDS = {"streamlit", "altair", "jupyter", "jupyterlab", "jupytext", "nbclient", "ipykernel", "notebook", "mkdocs"}
EXTRAS = {"app", "lessons", "docs", "cuda", "dev"}
CI_EXTRAS = ("dev",)  # what CI installs (.ci/run): pip install -e '.[dev]'


def installed(name: str = "toysup") -> importlib.metadata.Distribution:
    """The installed distribution ``name``: for toysup, the metadata pip installed, not a stale ``toysup.egg-info``
    that an in-place build left in the source tree (found first when the tests run with the checkout on the path)."""
    if canonicalize_name(name) != "toysup":
        return importlib.metadata.distribution(name)
    found = list(importlib.metadata.distributions(name="toysup"))
    if not found:
        raise importlib.metadata.PackageNotFoundError(name)
    return next((d for d in found if not str(getattr(d, "_path", "")).startswith(str(ROOT))), found[0])


def _requirements(distribution: str) -> list[Requirement]:
    return [Requirement(text) for text in installed(distribution).requires or []]


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    environment = default_environment()
    return any(requirement.marker.evaluate({**environment, "extra": extra}) for extra in extras or {""})


def closure(extras: tuple[str, ...] = CI_EXTRAS) -> dict[str, str]:
    """Installed name → version of every distribution ``toysup[extras]`` needs, toysup itself left out."""
    found: dict[str, str] = {}
    todo: list[tuple[str, set[str]]] = [("toysup", set(extras))]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, wanted = todo.pop()
        key = (canonicalize_name(name), frozenset(wanted))
        if key in seen:
            continue
        seen.add(key)
        try:
            distribution = installed(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # a marker-selected dependency of another platform
        if canonicalize_name(name) != "toysup":
            found[canonicalize_name(distribution.metadata["Name"])] = distribution.version
        for requirement in _requirements(name):
            if _applies(requirement, wanted):
                todo.append((requirement.name, set(requirement.extras)))
    return dict(sorted(found.items()))


def write_constraints(path: Path = CONSTRAINTS) -> None:
    header = (
        "# The versions CI ran with: every distribution `pip install -e '.[dev]'` installs, pinned.\n"
        "# Install with them: pip install -e '.[dev]' -c constraints.txt\n"
        "# Regenerate after an upgrade: python tests/test_packaging.py\n"
    )
    path.write_text(header + "".join(f"{name}=={version}\n" for name, version in closure().items()))


def _pins() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==([A-Za-z0-9.+!-]+)", line)
            assert match, f"constraints.txt: not a NAME==VERSION pin: {line!r}"
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


# --- licence and metadata ------------------------------------------------------------------------------------------


def test_the_licence_is_mit_in_a_file_and_in_the_modern_field():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "the toysup authors" in text
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    # PEP 639: a licence expression replaces the licence classifiers.
    assert not [c for c in PYPROJECT["project"]["classifiers"] if c.startswith("License ::")]
    assert installed().metadata["License-Expression"] == "MIT"


def test_the_version_is_written_in_one_place():
    assert PYPROJECT["project"]["dynamic"] == ["version"] and "version" not in PYPROJECT["project"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "toysup.version.__version__"}
    assert installed().version == toysup.__version__
    assignments = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "toysup").rglob("*.py")
        if re.search(r"^__version__\s*=", path.read_text(), re.MULTILINE)
    ]
    assert assignments == ["toysup/version.py"]


def test_python_3_11_is_required_and_classified():
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    assert "Programming Language :: Python :: 3.11" in PYPROJECT["project"]["classifiers"]
    assert "Typing :: Typed" in PYPROJECT["project"]["classifiers"]


# --- extras: the core library needs none of the front ends ---------------------------------------------------------


def test_the_core_library_installs_no_front_end():
    """``pip install -e .`` installs what the metadata requires without an extra: neither Streamlit nor Jupyter."""
    core = {canonicalize_name(r.name) for r in _requirements("toysup") if _applies(r, set())}
    assert core, "toysup requires nothing?"
    assert not core & FRONT_ENDS, f"front ends in the core dependencies: {sorted(core & FRONT_ENDS)}"
    assert {"jax", "numpy", "matplotlib", "xarray"} <= core


def test_every_extra_is_declared_and_dev_includes_the_front_ends():
    assert set(installed().metadata.get_all("Provides-Extra")) == EXTRAS
    extras = PYPROJECT["project"]["optional-dependencies"]
    names = {extra: {canonicalize_name(Requirement(r).name) for r in extras[extra]} for extra in extras}
    assert {"streamlit", "altair"} <= names["app"]
    assert {"jupytext", "nbclient", "ipykernel", "jupyterlab"} <= names["lessons"]
    assert {"mkdocs", "mkdocs-material", "mkdocstrings"} == names["docs"]
    assert "python" in next(Requirement(r) for r in extras["docs"] if r.startswith("mkdocstrings")).extras
    dev = next(Requirement(r) for r in extras["dev"] if Requirement(r).name == "toysup")
    assert {"app", "lessons", "docs"} <= set(dev.extras)


# --- the typing marker, python -m toysup, the wheel -----------------------------------------------------------------


def test_py_typed_ships_as_package_data():
    assert (ROOT / "toysup" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["toysup"]


def test_python_dash_m_toysup_runs_the_command_line():
    completed = subprocess.run(
        [sys.executable, "-m", "toysup", "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("usage: toysup")
    bad = subprocess.run([sys.executable, "-m", "toysup"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert bad.returncode == 2 and "toysup" in bad.stderr


def test_the_wheel_holds_the_licence_the_typing_marker_and_the_licence_expression(tmp_path):
    """Built offline from a copy of the source tree, as ``toysup lessons pack`` builds it."""
    from toysup.lessons import course

    wheel = course.build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "toysup/py.typed" in names and "toysup/__main__.py" in names and "toysup/examples.py" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in metadata
    front_ends = [
        line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert front_ends and not any(name in line for line in front_ends for name in FRONT_ENDS)


# --- the constraints file -------------------------------------------------------------------------------------------


def test_the_constraints_pin_every_distribution_ci_installs():
    """Every distribution of ``toysup[dev]``'s closure is pinned, and no pin is left over from one no longer needed."""
    pins = _pins()
    needed = closure()
    moved = {name: version for name, version in needed.items() if name in pins and pins[name] != version}
    if moved:  # resolved afresh (as CI does), a newer release may bring other dependencies: not the pinned set
        pytest.skip(f"this environment is not the pinned one ({len(moved)} versions differ, e.g. {next(iter(moved))})")
    assert set(needed) - set(pins) == set(), "unpinned; run python tests/test_packaging.py"
    assert set(pins) - set(needed) == set(), "pinned but not needed; run python tests/test_packaging.py"


def test_the_pins_satisfy_the_declared_requirements():
    pins = _pins()
    declared = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    for extra in ("app", "lessons", "docs", "dev"):
        declared += [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"][extra]]
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        if name == "toysup":
            continue
        assert name in pins, f"{name} is not pinned"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} vs {requirement}"


if __name__ == "__main__":
    write_constraints()
    print(f"wrote {CONSTRAINTS}: {len(closure())} pins")
