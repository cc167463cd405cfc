"""The layer picture holds: no import cycles, and arrows point adapters -> domain -> models.

Pure checks on the source (ast), plus one fresh interpreter that imports every module in a
random order: a registration-by-import or a cycle would show up as a failure there.
"""

from __future__ import annotations

import ast
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "inbound", "workers")

# What the domain must never import: the outside world and the layers above it.
DOMAIN_FORBIDDEN = (
    "app.adapters",
    "app.agent",
    "app.auth",
    "app.community",
    "app.customer",
    "app.identity",
    "app.ops",
    "app.telephony",
    "app.wiring",
    "app.factory",
    "app.cli",
    "inbound",
    "workers",
    "smtplib",
    "socket",
    "redis",
    "rq",
    "twilio",
    "requests",
    "urllib.request",
)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _top_level_imports(path: Path, module: str, is_package: bool) -> set[str]:
    """Modules imported when `module` is imported (not those imported inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".") if is_package else module.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If):
                test = node.test
                if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
                    continue
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets = set()
        for imported in _top_level_imports(path, name, is_package):
            if imported not in modules:
                continue
            # A submodule importing from its own package's __init__ (Flask's `bp` pattern)
            # is not a cycle: the package is always initialised first.
            if name.startswith(imported + "."):
                continue
            if imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strongconnect(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                strongconnect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    return found


def test_there_are_no_import_cycles():
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_domain_imports_no_adapter_and_opens_no_socket():
    offenders = []
    for name, path in _modules().items():
        if not (name == "app.domain" or name.startswith("app.domain.")):
            continue
        for imported in _top_level_imports(path, name, path.name == "__init__.py"):
            if any(imported == bad or imported.startswith(bad + ".") for bad in DOMAIN_FORBIDDEN):
                offenders.append(f"{name} imports {imported}")
    assert offenders == []


def test_models_do_not_import_the_domain_or_adapters():
    offenders = []
    for name, path in _modules().items():
        if not name.startswith("app.models"):
            continue
        for imported in _top_level_imports(path, name, path.name == "__init__.py"):
            if imported.startswith(("app.domain", "app.adapters", "inbound", "workers")):
                offenders.append(f"{name} imports {imported}")
    assert offenders == []


def test_every_module_imports_in_a_fresh_interpreter_in_random_order():
    names = [n for n in _modules() if not n.endswith("__main__")]
    seed = random.randrange(1_000_000)
    random.Random(seed).shuffle(names)
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    result = subprocess.run(
        [sys.executable, "-c", script, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"seed {seed}: {result.stderr[-2000:]}"
