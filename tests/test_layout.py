"""The package's layout: the command line is a leaf no library module imports, the modules import each other
without a cycle, and no module imports another's private (``_name``) names."""

import ast
import subprocess
import sys
from pathlib import Path

import toysup

ROOT = Path(toysup.__file__).resolve().parent

IMPORT_ALL_BUT_CLI = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
cli = sorted(name for name in sys.modules if name == "toysup.cli" or name.startswith("toysup.cli."))
assert not cli, f"importing the library imported {cli}"
"""


def _modules() -> dict[str, Path]:
    """Every module of toysup by dotted name (a package by the name of its ``__init__``)."""
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = ("toysup", *path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str | None, int]]:
    """(imported toysup module, name taken from it or None, line) of every import in the file, lazy ones too.

    ``from P import x`` where ``P.x`` is a module imports ``P.x``; otherwise it takes ``x`` from ``P`` (a package
    counts as its ``__init__``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names if alias.name in modules]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source not in modules:
                continue
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    found.append((f"{source}.{alias.name}", None, node.lineno))
                else:
                    found.append((source, alias.name, node.lineno))
    return found


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    """The import graph of toysup's modules and every private name one module takes from another."""
    modules = _modules()
    graph = {name: set() for name in modules}
    private = []
    for name, path in modules.items():
        for target, taken, line in _imports(name, path, modules):
            if target != name:
                graph[name].add(target)
            if taken and taken.startswith("_") and not taken.startswith("__") and target != name:
                private.append(f"{path.relative_to(ROOT.parent)}:{line}: from {target} import {taken}")
    return graph, private


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per back edge found by a depth-first search."""
    state = dict.fromkeys(graph, 0)  # 0 unvisited, 1 on the current path, 2 finished
    path, cycles = [], []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state[target] == 1:
                cycles.append(path[path.index(target) :] + [target])
            elif state[target] == 0:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if state[node] == 0:
            visit(node)
    return cycles


def test_the_library_never_imports_the_command_line():
    names = [name for name in _modules() if not (name == "toysup.cli" or name.startswith("toysup.cli."))]
    assert "toysup.animation" in names and "toysup.sae.train" in names
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL_BUT_CLI, *names], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_import_graph_has_no_cycle():
    graph, _ = _graph()
    assert graph["toysup.cli"] >= {"toysup.cli.train", "toysup.cli.flags"}  # the parser sees what it should
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_no_module_imports_a_private_name_of_another():
    _, private = _graph()
    assert not private, "private names imported across modules:\n" + "\n".join(private)
