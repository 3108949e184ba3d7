"""The one place that knows the wire speaks camelCase (the seed's names) and Python snake_case."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_CAMEL_RE = re.compile(r"_([a-z0-9])")
_SNAKE_RE = re.compile(r"(?<!^)(?=[A-Z])")

# Where the seed's name is not the mechanical conversion of ours.
TO_WIRE_RENAMES = {"body": "contentBody"}
FROM_WIRE_RENAMES = {v: k for k, v in TO_WIRE_RENAMES.items()}


def camel(name: str) -> str:
    if name in TO_WIRE_RENAMES:
        return TO_WIRE_RENAMES[name]
    return _CAMEL_RE.sub(lambda m: m.group(1).upper(), name)


def snake(name: str) -> str:
    if name in FROM_WIRE_RENAMES:
        return FROM_WIRE_RENAMES[name]
    return _SNAKE_RE.sub("_", name).lower()


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def to_wire(data: Any, *, keep_keys_of: frozenset[str] = frozenset()) -> Any:
    """snake_case dicts (recursively) → camelCase JSON-ready values. Keys below `keep_keys_of`
    (snake names) stay as they are — maps keyed by enum values such as {"social_post": 3}."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            key = camel(k) if isinstance(k, str) else k
            if k in keep_keys_of and isinstance(v, dict):
                out[key] = {kk: to_wire(vv) for kk, vv in v.items()}
            else:
                out[key] = to_wire(v, keep_keys_of=keep_keys_of)
        return out
    if isinstance(data, (list, tuple)):
        return [to_wire(v, keep_keys_of=keep_keys_of) for v in data]
    return _value(data)


def from_wire(data: Any, *, keep_keys_of: frozenset[str] = frozenset()) -> Any:
    """camelCase JSON → snake_case dicts (recursively). Keys below `keep_keys_of` stay as sent
    (free-form maps such as A/B results)."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            key = snake(k) if isinstance(k, str) else k
            out[key] = v if key in keep_keys_of else from_wire(v, keep_keys_of=keep_keys_of)
        return out
    if isinstance(data, list):
        return [from_wire(v, keep_keys_of=keep_keys_of) for v in data]
    return data
