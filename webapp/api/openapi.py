"""The OpenAPI document, built from the real routes: each API view carries its own description
(`@operation`), each API module its `SCHEMAS`; `GET /api/openapi.json` serves the result."""
from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask

_RULE_ARG = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")
_RULE_ARG_TYPED = re.compile(r"<(?:([a-z]+):)?([a-zA-Z_]+)>")
API_MODULES = ("auth", "personas", "campaigns", "content", "jobs", "meta")


def operation(
    summary: str,
    *,
    tag: str,
    body: str | None = None,
    response: str | dict | None = None,
    status: int = 200,
    query: dict[str, str | dict] | None = None,
    public: bool = False,
    errors: tuple[int, ...] = (),
    also: dict[int, str | dict] | None = None,
) -> Callable:
    """Attach an OpenAPI operation to a view. `body`/`response` name a schema in a module's SCHEMAS
    (or give an inline schema); `query` maps parameter name → description, or → a JSON Schema with a
    "description" (so a client, and schemathesis, know a parameter is a number, flag or enum);
    `also` adds other success answers (status → schema), e.g. a 202 beside a 201."""

    def wrap(view):
        view._openapi = {
            "summary": summary, "tag": tag, "body": body, "response": response, "status": status,
            "query": query or {}, "public": public, "errors": errors, "also": also or {},
        }
        return view

    return wrap


def nullable_text(properties: dict, *, keep: tuple[str, ...] = ()) -> dict:
    """Input properties where optional free text may also be null (read as empty, as the forms do):
    plain strings without an enum or a minimum length; `keep` names fields left as they are."""
    out = {}
    for name, schema in properties.items():
        if (name not in keep and schema.get("type") == "string" and "enum" not in schema
                and not schema.get("minLength") and "format" not in schema):
            schema = {**schema, "type": ["string", "null"]}
        out[name] = schema
    return out


def _schema_ref(schema):
    if schema is None:
        return {"type": "object"}
    if isinstance(schema, str):
        if schema.endswith("[]"):
            return {"type": "array", "items": {"$ref": f"#/components/schemas/{schema[:-2]}"}}
        return {"$ref": f"#/components/schemas/{schema}"}
    return schema


def _query_param(name: str, spec: str | dict) -> dict:
    if isinstance(spec, str):
        return {"name": name, "in": "query", "required": False, "description": spec, "schema": {"type": "string"}}
    schema = {k: v for k, v in spec.items() if k != "description"}
    return {"name": name, "in": "query", "required": False, "description": spec.get("description", ""),
            "schema": schema}


def _success(summary: str, schema, code: int) -> dict:
    # A 204 has no body at all, so it documents no media type.
    if code == 204 or schema == {"type": "null"}:
        return {"description": summary}
    return {"description": summary, "content": {"application/json": {"schema": _schema_ref(schema)}}}


def _error_schema() -> dict:
    return {
        "type": "object",
        "properties": {"error": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        }, "required": ["code", "message", "fields"]}},
    }


def _collect_schemas(app: Flask) -> dict:
    import importlib

    schemas = {"Error": _error_schema()}
    # Every module that defines an API view contributes its SCHEMAS (modules added later included).
    modules = {f"webapp.api.{name}" for name in API_MODULES}
    modules |= {view.__module__ for endpoint, view in app.view_functions.items() if endpoint.startswith("api.")}
    for name in sorted(modules):
        module = importlib.import_module(name)
        schemas.update(getattr(module, "SCHEMAS", {}))
    return schemas


def _documented_rules(app: Flask):
    """(rule, operation metadata) for every /api/ route whose view carries an @operation."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        op = getattr(app.view_functions[rule.endpoint], "_openapi", None)
        if op is not None:
            yield rule, op


def _takes_body(op: dict, method: str) -> bool:
    return op["body"] is not None and method in ("POST", "PUT", "PATCH")


def _parameters(rule, op: dict) -> list[dict]:
    params = [
        {"name": n, "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 0} if conv == "int" else {"type": "string"}}
        for conv, n in _RULE_ARG_TYPED.findall(rule.rule)
    ]
    return params + [_query_param(n, d) for n, d in op["query"].items()]


def _error_codes(op: dict, method: str) -> set[int]:
    codes = set(op["errors"]) | ({401, 429} if not op["public"] else set())
    if _takes_body(op, method):
        codes |= {400, 413}  # malformed or oversized bodies, on every write that takes one
    return codes


def _responses(op: dict, method: str) -> dict:
    responses = {
        str(code): _success(op["summary"], schema, code)
        for code, schema in sorted({op["status"]: op["response"], **op["also"]}.items())
    }
    for code in sorted(_error_codes(op, method)):
        responses[str(code)] = {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return responses


def _operation_entry(rule, op: dict, method: str) -> dict:
    entry = {
        "summary": op["summary"], "tags": [op["tag"]], "operationId": f"{rule.endpoint}.{method.lower()}",
        "parameters": _parameters(rule, op), "responses": _responses(op, method),
    }
    if op["public"]:
        entry["security"] = []
    if _takes_body(op, method):
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_ref(op["body"])}},
        }
    return entry


def _paths(app: Flask) -> dict[str, dict]:
    paths: dict[str, dict] = {}
    for rule, op in _documented_rules(app):
        path = _RULE_ARG.sub(r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation_entry(rule, op, method)
    return dict(sorted(paths.items()))


def build_document(app: Flask) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Herald API", "version": "1.0.0",
                 "description": "Herald's JSON API. Field names are camelCase; errors share one shape."},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": _collect_schemas(app),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": _paths(app),
    }
