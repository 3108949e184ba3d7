"""Imports run one way (ARCHITECTURE.md): these rules are checked on the source, lazy imports included."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    """Every module `path` imports (absolute dotted names, relative ones resolved)."""
    package = list(path.relative_to(ROOT).parent.parts)  # a module's package, or the package itself
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            out |= {module} | {f"{module}.{a.name}" for a in node.names}
    return out


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder, forbidden", [
    ("webapp/events", ("webapp.services", "webapp.web", "webapp.api")),
    ("webapp/services", ("tasks", "webapp.web", "webapp.api", "webapp.cli")),
    ("webapp/models", ("webapp.services",)),
])
def test_a_lower_room_never_imports_a_higher_one(folder, forbidden):
    broken = [(str(p.relative_to(ROOT)), name) for p in _files(folder) for name in _imports(p)
              if any(name == f or name.startswith(f + ".") for f in forbidden)]
    assert broken == []


def test_only_entry_points_import_the_task_module():
    importers = {str(p.relative_to(ROOT)) for p in _files("webapp") if "tasks" in _imports(p)}
    assert importers <= {"webapp/cli/jobs.py"}  # `flask worker`, a consumer's entry point
