"""Imports run one way (ARCHITECTURE.md): the house's "never" rules and the absence of import circles
across folders are checked on the source, lazy imports included. Files that belong to no room
(webapp/auth.py, security.py, markup.py, logging_setup.py) are looked through: a view that reaches
the models by way of one of them breaks the rule as surely as a direct import."""
from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The rooms of the house and the files or folders each is (as in the house drawing the team keeps).
ROOMS = {
    "web": ("webapp/web/",), "api": ("webapp/api/",), "tasks": ("tasks.py",), "forms": ("webapp/forms/",),
    "services": ("webapp/services/",), "events": ("webapp/events/",), "ai": ("webapp/ai/",),
    "models": ("webapp/models/",),
    "queue": ("webapp/huey_app.py", "webapp/huey_doorbell.py", "webapp/datagrams.py"),
    "core": ("webapp/__init__.py", "webapp/config.py", "webapp/cli/"),
    "extensions": ("webapp/extensions.py", "webapp/database.py"),
}
NEVER = [
    ("models", "services", "models know no rules"),
    ("services", "web", "rules know no pages"),
    ("services", "api", "rules know no wire format"),
    ("services", "tasks", "rules enqueue through the queue, never import the tasks"),
    ("services", "core", "rules never build an app"),
    ("queue", "services", "plumbing knows no rules"),
    ("events", "services", "events carry facts, they do not call rules"),
    ("events", "web", "events render no pages"),
    ("ai", "models", "writers take plain data, not rows"),
    ("ai", "web", "writers know no pages"),
    ("web", "models", "views go through services"),
    ("api", "models", "views go through services"),
    ("web", "ai", "views go through services"),
    ("api", "ai", "views go through services"),
]


def _sources() -> list[Path]:
    return sorted([*(ROOT / "webapp").rglob("*.py"), ROOT / "tasks.py"])


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in _sources()}


def _room(path: Path) -> str | None:
    rel = str(path.relative_to(ROOT))
    return next((room for room, places in ROOMS.items()
                 if any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in places)), None)


@cache
def _imports(path: Path) -> frozenset[Path]:
    """The files of this tree that `path` imports, anywhere in it (relative imports resolved)."""
    is_package = path.name == "__init__.py"
    package = _module_name(path).split(".") if is_package else _module_name(path).split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            # `from package import name` names a submodule when one exists, else an attribute.
            names |= {f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names}
    return frozenset(MODULES[n] for n in names if n in MODULES and MODULES[n] != path)


def _reaches(path: Path) -> set[tuple[Path, str]]:
    """(file, room) for every room `path` reaches: directly, or through files that are in no room."""
    out, seen, todo = set(), {path}, list(_imports(path))
    while todo:
        target = todo.pop()
        if target in seen:
            continue
        seen.add(target)
        room = _room(target)
        if room is None:
            todo.extend(_imports(target))
        else:
            out.add((target, room))
    return out


@pytest.mark.parametrize("source, target, why", NEVER, ids=[f"{a}-never-{b}" for a, b, _ in NEVER])
def test_a_never_rule_of_the_house_is_kept(source, target, why):
    broken = sorted(f"{p.relative_to(ROOT)} -> {t.relative_to(ROOT)}"
                    for p in _sources() if _room(p) == source
                    for t, room in _reaches(p) if room == target)
    assert broken == [], why


def test_no_import_circle_crosses_a_folder():
    """Strongly connected groups of files (Tarjan): every group of two or more lies in one folder."""
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    groups: list[list[Path]] = []

    def visit(node: Path) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in _imports(node):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            groups.append(group)

    for path in _sources():
        if path not in index:
            visit(path)
    crossing = [sorted(str(p.relative_to(ROOT)) for p in g) for g in groups
                if len({p.parent for p in g}) > 1]
    assert crossing == []


def test_the_walk_finds_real_arrows():
    """The checker itself: services do read the models, and a view reaches them only through services."""
    assert _room(ROOT / "webapp" / "auth.py") is None
    assert "models" in {room for _, room in _reaches(ROOT / "webapp" / "services" / "campaigns.py")}
    assert "services" in {room for _, room in _reaches(ROOT / "webapp" / "web" / "campaigns.py")}


def test_only_entry_points_import_the_task_module():
    importers = {str(p.relative_to(ROOT)) for p in _sources() if ROOT / "tasks.py" in _imports(p)}
    assert importers <= {"webapp/cli/jobs.py"}  # `flask worker`, a consumer's entry point
