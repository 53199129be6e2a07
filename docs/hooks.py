"""MkDocs hooks that make the site's generated pages at build time, so that the site follows the code.

Nothing generated is written into the repository:

- ``cli.md``, the command-line reference: every command's ``--help``, from ``toysup.cli.build_parser``;
- ``api/``, the API reference: a page per public module of ``toysup`` rendered from its docstrings by
  mkdocstrings, and for each package a table of its public names, each linked to its documentation;
- pages taken from the repository's own Markdown (the figure gallery, the lessons, the benchmarks, the architecture
  and the reliability notes), with their links rewritten for the site, and the images under ``figures/``;
- in a page of ``docs/``, a line ``<!-- include FILE#HEADING -->`` is replaced by that section of FILE, so the
  getting-started page takes its commands from the README itself.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import importlib
import importlib.util
import inspect
import os
import posixpath
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # document this checkout's toysup, as griffe (``paths: [.]``) reads it
    sys.path.insert(0, str(ROOT))
PACKAGE = "toysup"
COMMAND_LINE = "toysup.cli"  # its commands are documented by the CLI reference; only the package is in the API
HELP_COLUMNS = "100"  # the width the CLI reference's --help texts are wrapped to

# Repository Markdown shown as pages of the site: repository path -> page.
PAGES = {
    "figures/README.md": "figures/index.md",
    "lessons/README.md": "lessons/index.md",
    "lessons/TEACHING.md": "lessons/teaching.md",
    "benchmarks/README.md": "benchmarks.md",
    "ARCHITECTURE.md": "architecture.md",
    "RELIABILITY.md": "reliability.md",
}
IMAGES = ("figures/**/*.png",)  # copied into the site at the same paths
API_SECTION = "API reference"  # the nav entry that the module pages are added under

INCLUDE = re.compile(r"^<!-- include (?P<file>[^#\s]+)#(?P<heading>[^>]+?) -->$", re.MULTILINE)
LINK = re.compile(r"(?P<label>!?\[(?:[^\[\]]|\[[^\]]*\])*\])\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~)")


# ---------------------------------------------------------------------------------------------------------------
# The public modules and names


@functools.cache
def public_modules() -> list[str]:
    """Every module of the package whose dotted path has no ``_private`` part, packages before their modules; of
    ``toysup.cli`` only the package itself."""
    names = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if any(part.startswith("_") for part in parts) or name.startswith(COMMAND_LINE + "."):
            continue
        names.append(name)
    return sorted(names, key=lambda name: (package_of(name), name != package_of(name), name))


def is_package(name: str) -> bool:
    return (ROOT / Path(*name.split(".")) / "__init__.py").exists()


def package_of(name: str) -> str:
    """The package a module belongs to (a package belongs to itself)."""
    return name if is_package(name) else name.rpartition(".")[0]


def _source(name: str) -> ast.Module:
    path = ROOT / Path(*name.split("."))
    return ast.parse(((path / "__init__.py") if path.is_dir() else path.with_suffix(".py")).read_text())


def public_names(package: str) -> list[str]:
    """The public names of a package: its ``__all__`` when it has one; otherwise the names it re-exports with the
    explicit ``from .x import name as name`` idiom, the names it defines, and the names its module-level
    ``__getattr__`` resolves lazily (compared with string constants)."""
    module = importlib.import_module(package)
    if hasattr(module, "__all__"):
        return list(module.__all__)
    names: list[str] = []
    for node in _source(package).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [alias.asname for alias in node.names if alias.asname == alias.name.rpartition(".")[2]]
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
            if node.name == "__getattr__":
                names += [
                    const.value
                    for compare in ast.walk(node)
                    if isinstance(compare, ast.Compare)
                    for const in compare.comparators
                    if isinstance(const, ast.Constant) and isinstance(const.value, str)
                ]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [target.id for target in targets if isinstance(target, ast.Name)]
    return list(dict.fromkeys(name for name in names if not name.startswith("_")))


def _imported_from(package: str, name: str) -> str | None:
    """The module that ``package`` imports ``name`` from (resolving relative imports), or None."""
    for node in _source(package).body:
        if isinstance(node, ast.ImportFrom) and any(alias.asname == name for alias in node.names):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            return ".".join([*base, *([node.module] if node.module else [])])
    return None


def documented_at(package: str, name: str) -> str | None:
    """The identifier of ``package.name`` on the page of the public module that defines it, or None when no such
    page renders it (a name the package defines itself, or one its module leaves out of its ``__all__``): the
    package's page renders those itself."""
    value = getattr(importlib.import_module(package), name)
    if inspect.ismodule(value):
        return value.__name__
    defined_in, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if not ((inspect.isclass(value) or callable(value)) and defined_in and qualname):
        defined_in, qualname = _imported_from(package, name), name
    if defined_in == package or defined_in not in public_modules() or qualname.startswith("_"):
        return None
    exported = getattr(importlib.import_module(defined_in), "__all__", None)
    if exported is not None and qualname.partition(".")[0] not in exported:
        return None
    return f"{defined_in}.{qualname}"


def summary(value: object) -> str:
    """The first sentence of an object's docstring, or a plain value itself when it is short, for one table cell."""
    if inspect.ismodule(value) or inspect.isclass(value) or callable(value):
        doc = _as_markdown(inspect.getdoc(value) or "")
        paragraph = " ".join(doc.split("\n\n")[0].split())
        sentence = re.split(r"(?<=\.)\s+(?=[A-Z(`])", paragraph)[0]
    elif len(repr(value)) <= 80:
        sentence = f"`{value!r}`"
    else:
        sentence = f"a `{type(value).__name__}` of {len(value)} items" if hasattr(value, "__len__") else ""
    return sentence.replace("|", "\\|")


@functools.cache
def _griffe_docs():
    """``docs/griffe_docs.py``, which makes docstrings Markdown for the API pages."""
    spec = importlib.util.spec_from_file_location("griffe_docs", Path(__file__).with_name("griffe_docs.py"))
    griffe_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(griffe_docs)
    return griffe_docs


def _as_markdown(text: str) -> str:
    return _griffe_docs().as_markdown(text)


# ---------------------------------------------------------------------------------------------------------------
# Generated pages


def api_path(module: str) -> str:
    return f"api/{module}.md"


def api_index() -> str:
    lines = [
        "# API reference",
        "",
        "Every public module of toysup, rendered from its docstrings. Each package's page starts with a table of the "
        "names it exports, each linked to its documentation; `import toysup` gives the names of the first table.",
        "",
    ]
    for module in public_modules():
        indent = "" if is_package(module) else "    "
        text = summary(importlib.import_module(module))
        lines.append(f"{indent}- [`{module}`]({module}.md) — {text}")
    lines.append("")
    return "\n".join(lines)


def api_page(module: str) -> str:
    """A module's page; a package's page also has the table of its public names and the list of its modules."""
    if not is_package(module):
        return f"::: {module}\n    options:\n      show_root_heading: true\n"
    lines = [f"::: {module}", "    options:", "      show_root_heading: true", "      members: false", ""]
    lines += ["## Public names", "", "| name | what it is |", "|---|---|"]
    package = importlib.import_module(module)
    here = [name for name in public_names(module) if documented_at(module, name) is None]  # rendered on this page
    for name in public_names(module):
        target = documented_at(module, name) or f"{module}.{name}"
        lines.append(f"| [`{module}.{name}`][{target}] | {summary(getattr(package, name))} |")
    modules = [other for other in public_modules() if other != module and package_of(other) == module]
    if modules:
        lines += ["", "## Modules", ""]
        lines += [f"- [`{other}`]({other}.md) — {summary(importlib.import_module(other))}" for other in modules]
    if here:
        lines += ["", "## Members", ""]
        for name in here:
            lines += [f"::: {module}.{name}", "    options:", "      show_root_heading: true"]
            lines += ["      heading_level: 3", ""]
    lines.append("")
    return "\n".join(lines)


def commands(parser: argparse.ArgumentParser, prog: str) -> Iterator[tuple[str, argparse.ArgumentParser, str]]:
    """``(command line, parser, one-line help)`` of a parser and, depth first, of each of its sub-commands."""
    yield prog, parser, parser.description or ""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            seen: set[int] = set()
            for name, sub in action.choices.items():
                if id(sub) not in seen:
                    seen.add(id(sub))
                    for line, child, text in commands(sub, f"{prog} {name}"):
                        yield line, child, text if child is not sub else helps.get(name, text)


@contextlib.contextmanager
def help_width(columns: str) -> Iterator[None]:
    """argparse wraps --help to the terminal width it reads from ``COLUMNS``."""
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = columns
    try:
        yield
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def cli_page() -> str:
    from toysup.cli import build_parser

    lines = [
        "# Command line",
        "",
        "Every command of `toysup`, with the text its `--help` prints. This page is generated from the command's "
        "parsers each time the site is built.",
        "",
    ]
    with help_width(HELP_COLUMNS):
        found = list(commands(build_parser(), "toysup"))
        lines += [f"- [`{line}`](#{anchor(line)}) — {text}" for line, _, text in found[1:]]
        lines.append("")
        for line, parser, text in found:
            level = "#" * min(line.count(" ") + 2, 4)
            lines += [f'{level} `{line}` {{ #{anchor(line)} data-toc-label="{line}" }}', "", text, ""]
            lines += ["```text", parser.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


def anchor(command_line: str) -> str:
    return command_line.replace(" ", "-")


# ---------------------------------------------------------------------------------------------------------------
# Repository Markdown in the site


def rewrite_links(text: str, source: str, page: str, images: set[str]) -> str:
    """Make the relative links of ``text`` (repository file ``source``) work from ``page``: a link to a file shown
    in the site points at its page, a link to another repository file becomes its path in code."""

    def replace(match: re.Match) -> str:
        label, target, title = match["label"], match["target"], match["title"] or ""
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith(("#", "/")):
            return match[0]
        path, _, fragment = target.partition("#")
        repository_path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        site_path = PAGES.get(repository_path, repository_path if repository_path in images else None)
        if site_path is None:
            return f"{label[1:-1]} (`{repository_path}`)" if repository_path not in label else label[1:-1]
        relative = posixpath.relpath(site_path, posixpath.dirname(page) or ".")
        return f"{label}({relative}{'#' + fragment if fragment else ''}{title})"

    parts, fenced = [], False
    for line in text.splitlines(keepends=True):
        if FENCE.match(line.lstrip()):
            fenced = not fenced
        parts.append(line if fenced or FENCE.match(line.lstrip()) else LINK.sub(replace, line))
    return "".join(parts)


def section(source: str, heading: str) -> str:
    """The body of the section of repository file ``source`` under the heading ``heading`` (up to the next heading
    of the same or a higher level, ignoring ``#`` lines in code)."""
    lines = (ROOT / source).read_text().splitlines()
    start, level, fenced = None, 0, False
    for number, line in enumerate(lines):
        if FENCE.match(line.lstrip()):
            fenced = not fenced
        match = None if fenced else re.match(r"^(#+)\s+(.*?)\s*$", line)
        if match and start is not None and len(match[1]) <= level:
            return "\n".join(lines[start:number]).strip() + "\n"
        if match and start is None and match[2] == heading:
            start, level = number + 1, len(match[1])
    if start is None:
        raise PluginError(f"docs: {source} has no section headed {heading!r} (included by a page of docs/)")
    return "\n".join(lines[start:]).strip() + "\n"


# ---------------------------------------------------------------------------------------------------------------
# The hooks


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Add the module pages to the nav, under ``API reference``, grouped by package."""
    public_modules.cache_clear()  # a rebuild (mkdocs serve) sees new modules
    for entry in config.nav or []:
        if isinstance(entry, dict) and API_SECTION in entry:
            groups: dict[str, list] = {}
            for module in public_modules():
                group = groups.setdefault(package_of(module), [])
                group.append(api_path(module) if is_package(module) else {module: api_path(module)})
            entry[API_SECTION] = ["api/index.md", *({package: pages} for package, pages in groups.items())]
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated pages, the repository's Markdown pages and the images to the site."""

    def add(path: str, content: str | None = None, source: Path | None = None) -> None:
        if files.get_file_from_path(path) is not None:
            raise PluginError(f"docs: {path} is generated at build time; remove it from docs/")
        files.append(File.generated(config, path, content=content, abs_src_path=str(source) if source else None))

    images = sorted({path.relative_to(ROOT).as_posix() for pattern in IMAGES for path in ROOT.glob(pattern)})
    for image in images:
        add(image, source=ROOT / image)
    for source, page in PAGES.items():
        add(page, content=rewrite_links((ROOT / source).read_text(), source, page, set(images)))
    add("cli.md", content=cli_page())
    add("api/index.md", content=api_index())
    for module in public_modules():
        add(api_path(module), content=api_page(module))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Replace each ``<!-- include FILE#HEADING -->`` line by that section of the repository file FILE."""
    images = {file.src_uri for file in files if file.src_uri.endswith(".png")}

    def include(match: re.Match) -> str:
        text = section(match["file"], match["heading"])
        return rewrite_links(text, match["file"], page.file.src_uri, images)

    return INCLUDE.sub(include, markdown)
