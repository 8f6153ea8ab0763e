"""The dependency rules of ARCHITECTURE.md, read from the source with ``ast``: no file imports
another that imports it back (even from inside a function), the kernel imports no app, no app
imports one above it, and no service imports an API module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("prosync", "accounts", "assets", "workorders", "telemetry", "predictions")
# Lower layers never import higher ones; apps of one layer may, in one direction only.
LAYERS = {"prosync.core": 0, "accounts": 1, "assets": 2, "workorders": 3, "telemetry": 3, "predictions": 4,
          "prosync": 5}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).parts
            if "migrations" in rel or "tests" in rel or path.name.startswith("test_"):
                continue
            found[_module_name(path)] = path
    return found


def _imports(name: str, path: Path, modules: dict) -> list[tuple[str, int]]:
    """(project module, line) of every import in the file, at any depth."""
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # ``from x import name``: the module x
                target = target.rpartition(".")[0]
            if target and target != name:
                found.append((target, node.lineno))
                if isinstance(node, ast.ImportFrom):
                    break
    return found


def _layer(module: str) -> tuple[str, int]:
    for prefix in ("prosync.core", *PACKAGES):
        if module == prefix or module.startswith(prefix + "."):
            return prefix, LAYERS[prefix]
    raise AssertionError(module)


def _graph():
    modules = _sources()
    return modules, {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def _where(modules, imports, source: str, target: str) -> str:
    lines = [str(line) for t, line in imports[source] if t == target]
    return f"{modules[source].relative_to(ROOT)}:{','.join(lines)} imports {target}"


def test_no_import_cycle_between_files():
    modules, imports = _graph()
    edges = {name: {t for t, _line in found} for name, found in imports.items()}
    problems = []
    for component in _cycles(edges):
        members = set(component)
        problems.append("cycle: " + "; ".join(_where(modules, imports, s, t) for s in component
                                              for t in sorted(edges[s] & members)))
    assert not problems, "\n".join(problems)


def test_kernel_below_apps_and_apps_in_order():
    modules, imports = _graph()
    problems, app_edges = [], {}
    for source, found in imports.items():
        source_app, source_layer = _layer(source)
        for target, _line in found:
            target_app, target_layer = _layer(target)
            if target_app == source_app:
                continue
            if target_layer == source_layer:
                app_edges.setdefault(source_app, set()).add(target_app)
            elif target_layer > source_layer:
                what = ("the kernel imports" if source_app == "prosync.core" else
                        "an app imports the project layer" if target_app == "prosync" else
                        "a lower app imports a higher one")
                problems.append(f"{what}: {_where(modules, imports, source, target)}")
    for component in _cycles(app_edges):  # siblings (work orders and telemetry) in both directions
        problems.append(f"apps import each other: {', '.join(component)}: " + "; ".join(
            _where(modules, imports, s, t) for s, found in imports.items() if _layer(s)[0] in component
            for t in sorted({t for t, _line in found}) if _layer(t)[0] in component and _layer(t)[0] != _layer(s)[0]))
    assert not problems, "\n".join(problems)


def test_no_service_imports_an_api_module():
    modules, imports = _graph()
    problems = [_where(modules, imports, source, target) for source, found in imports.items()
                if source.rpartition(".")[2] == "services" for target in sorted({t for t, _line in found})
                if ".api." in f".{target}."]
    assert not problems, "\n".join(problems)
