"""The package layout: subpackages by layer, imports flowing one way, no private names across.

Reads ``src/superionic`` with :mod:`ast` (deferred imports inside functions count too), so that a
new module that imports upwards, closes a cycle or reaches into another subpackage's private names
fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "superionic"

#: The layers from the bottom up; a subpackage may import only from lower ranks.
#: Shared helpers (units, errors, _validate) sit below every layer.
RANK = {
    "units": 0,
    "errors": 0,
    "_validate": 0.5,
    "lattice": 1,
    "models": 2,
    "materials": 3,
    "kspace": 3,
    "transport": 4,
    "realspace": 5,
    "channels": 5,
    "meanfield": 6,
    "simulation": 6,
    "exact": 7,
    "experiment": 7,
    "io": 8,
    "sweeps": 9,
    "plot": 10,
    "reports": 11,
    "cli": 12,
    "__main__": 13,
}


def _modules() -> dict[str, Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _imports(name: str, path: Path):
    """(target module, imported names, line) of every ``from superionic... import`` in a module."""
    is_pkg = path.name == "__init__.py"
    package = name.split(".") if is_pkg else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "superionic":
                yield target, [alias.name for alias in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "superionic":
                    yield alias.name, [], node.lineno


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_subpackage_and_top_level_module_has_a_rank():
    top = {p.stem for p in ROOT.glob("*.py")} - {"__init__", "__main__"}
    subs = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    assert top | subs <= set(RANK), f"unranked: {sorted((top | subs) - set(RANK))}"
    assert top <= {"units", "errors", "_validate"}, f"flat top-level modules: {sorted(top)}"


def test_every_subpackage_names_its_public_api():
    for path in ROOT.glob("*/__init__.py"):
        tree = ast.parse(path.read_text())
        names = [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                 if isinstance(t, ast.Name)]
        assert "__all__" in names, f"{path.parent.name}/__init__.py has no __all__"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.count(".") >= 1))
def test_imports_flow_down_the_layers(name):
    mine = _layer(name)
    for target, names, line in _imports(name, MODULES[name]):
        theirs = _layer(target)
        if theirs is None:  # the top-level package itself: only __main__ and cli may use it
            continue
        if theirs == mine:
            continue
        assert RANK[theirs] < RANK[mine], (
            f"{name}:{line} imports {target} ({theirs}, rank {RANK[theirs]}) from layer {mine} "
            f"(rank {RANK[mine]}): imports must go down the layers"
        )
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private, f"{name}:{line} imports private {private} from {target}"


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        if path.name == "__init__.py":
            continue
        deps = set()
        for target, names, _ in _imports(name, path):
            for n in names:
                full = f"{target}.{n}"
                dep = full if full in MODULES else target
                if dep in MODULES and dep != name and MODULES[dep].name != "__init__.py":
                    deps.add(dep)
            if not names and target in MODULES and MODULES[target].name != "__init__.py":
                deps.add(target)
        graph[name] = deps
    return graph


def _find_cycle(graph):
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                return [*stack[stack.index(w):], w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        state[v] = 2
        stack.pop()
        return None

    for v in sorted(graph):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def test_no_import_cycles_between_modules():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_checks_catch_what_they_guard():
    # a planted cycle and a planted upward import are found by the same functions
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None
    assert RANK["lattice"] < RANK["kspace"] < RANK["transport"] < RANK["cli"]
