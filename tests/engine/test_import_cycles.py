"""Engine room: the project's modules import each other without cycles.

The graph is read from the source with ``ast``: every ``import`` and ``from ... import`` of a
project module, at the top of a module or inside a function (an import moved into a function to
dodge a cycle is still a cycle: each module needs the other). One kind of edge is left out: a
module importing from a package it belongs to (a blueprint's ``from . import bp``), because
Python always imports a package before its submodules; the package's own imports of its
submodules are counted.
"""

from __future__ import annotations

import ast
import pathlib


ROOT = pathlib.Path(__file__).resolve().parents[2]
NOT_PROJECT = {"tests", "bench", "scripts", "static", "docs", "deploy", "instance", "templates", ".venv", ".git"}



def project_modules(root: pathlib.Path) -> dict[str, pathlib.Path]:
    """Dotted module name -> file, for every Python file of the application."""
    found = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in NOT_PROJECT or any(p.startswith(".") for p in parts):
            continue
        names = list(parts[:-1]) + ([] if path.name == "__init__.py" else [path.stem])
        if names:
            found[".".join(names)] = path
    return found


def imports_of(name: str, path: pathlib.Path, modules: dict) -> set[str]:
    """The project modules ``name`` imports anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".") if package else []
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for candidate in candidates:
            # "import a.b.c" needs a, a.b and a.b.c; keep the deepest project module named.
            while candidate and candidate not in modules:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name and not name.startswith(candidate + "."):
                targets.add(candidate)
    return targets


def import_graph(root: pathlib.Path = ROOT) -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    modules = project_modules(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_the_graph_sees_top_level_and_function_level_imports(tmp_path):
    (tmp_path / "alpha.py").write_text("import beta\n")
    (tmp_path / "beta.py").write_text("def later():\n    from gamma import thing\n")
    (tmp_path / "gamma.py").write_text("import os\nimport alpha\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("bp = 1\nfrom . import routes\n")
    (tmp_path / "pkg" / "routes.py").write_text("from . import bp\nfrom .helpers import x\n")
    (tmp_path / "pkg" / "helpers.py").write_text("from pkg.routes import y\n")
    graph = import_graph(tmp_path)
    assert graph["beta"] == {"gamma"} and graph["gamma"] == {"alpha"}
    assert graph["pkg.routes"] == {"pkg.helpers"}  # "from . import bp" is the package, not counted
    assert cycles(graph) == [["alpha", "beta", "gamma"], ["pkg.helpers", "pkg.routes"]]


def test_no_import_cycles_between_project_modules():
    assert cycles(import_graph()) == []
