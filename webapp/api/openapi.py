"""The OpenAPI document, built from the real routes: each API view carries its own description
(`@operation`), each API module its `SCHEMAS`; `GET /api/openapi.json` serves the result."""
from __future__ import annotations

import re
import sys
from collections.abc import Callable

from flask import Flask

_RULE_ARG = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")
_RULE_ARG_TYPED = re.compile(r"<(?:([a-z]+):)?([a-zA-Z_]+)>")


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


# No text Herald takes may hold NUL or a lone surrogate (PostgreSQL cannot store NUL; a surrogate is
# no character): a body holding one is a 422 naming the field, a query parameter a 400.
NO_NUL = "^[^\\u0000]*$"


def storable_text(schema):
    """A copy of `schema` in which every free-text string (no enum, format or pattern) is patterned NO_NUL."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {name: storable_text(sub) for name, sub in schema["properties"].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            out[key] = storable_text(schema[key])
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(key), list):
            out[key] = [storable_text(sub) for sub in schema[key]]
    kinds = schema.get("type")
    is_text = kinds == "string" or (isinstance(kinds, list) and "string" in kinds)
    if is_text and not {"enum", "format", "pattern", "const"} & set(schema):
        out["pattern"] = NO_NUL
    return out


def _request_schemas(schemas: dict, names: set[str]) -> None:
    """Pattern the components request bodies use, and those they refer to, with storable_text."""
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        schemas[name] = storable_text(schemas[name])
        todo += re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", repr(schemas[name]))


def _query_param(name: str, spec: str | dict) -> dict:
    if isinstance(spec, str):
        return {"name": name, "in": "query", "required": False, "description": spec,
                "schema": {"type": "string", "pattern": NO_NUL}}
    schema = storable_text({k: v for k, v in spec.items() if k != "description"})
    # Every list reads an empty value (`?page=&status=`, as an HTML form submits it) as not sent.
    return {"name": name, "in": "query", "required": False, "allowEmptyValue": True,
            "description": (spec.get("description", "") + " Empty: as if not sent.").strip(), "schema": schema}


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
            "retryAfter": {"type": "integer", "description": "429 from the login throttle: seconds to wait "
                                                             "(also in the Retry-After header)"},
        }, "required": ["code", "message", "fields"]}},
    }


def _collect_schemas(app: Flask) -> dict:
    # Imported when the document is built: these modules import this one for @operation.
    from . import auth, campaigns, content, jobs, meta, personas

    schemas = {"Error": _error_schema()}
    # Every API module contributes its SCHEMAS, and so does any other module that defines an API view.
    modules = {m.__name__: m for m in (auth, campaigns, content, jobs, meta, personas)}
    modules |= {view.__module__: sys.modules[view.__module__]
                for endpoint, view in app.view_functions.items() if endpoint.startswith("api.")}
    for name in sorted(modules):
        schemas.update(getattr(modules[name], "SCHEMAS", {}))
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
    # Any operation: 400 for a query parameter that cannot be stored (NUL) or is malformed, and 429 from
    # the API's rate limit; 401 unless public.
    codes = set(op["errors"]) | {400, 429} | (set() if op["public"] else {401})
    if _takes_body(op, method):
        codes |= {400, 413, 422}  # malformed, oversized, or holding text that cannot be stored
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
    if "503" in responses:  # busy or unreachable AI server: the client is told when to come back
        responses["503"]["description"] = "Unavailable for now; try again after Retry-After seconds"
        responses["503"]["headers"] = {"Retry-After": {
            "description": "Seconds to wait before trying again.", "schema": {"type": "integer", "minimum": 0}}}
    return responses


def _operation_entry(rule, op: dict, method: str) -> dict:
    entry = {
        "summary": op["summary"], "tags": [op["tag"]], "operationId": f"{rule.endpoint}.{method.lower()}",
        "parameters": _parameters(rule, op), "responses": _responses(op, method),
    }
    if op["public"]:
        entry["security"] = []
    if _takes_body(op, method):
        body = op["body"]
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_ref(body) if isinstance(body, str)
                                             else storable_text(body)}},
        }
    return entry


def _paths(app: Flask) -> dict[str, dict]:
    paths: dict[str, dict] = {}
    for rule, op in _documented_rules(app):
        path = _RULE_ARG.sub(r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation_entry(rule, op, method)
    return dict(sorted(paths.items()))


def _body_schema_names(app: Flask) -> set[str]:
    """The component schemas that request bodies name (their text gets the NO_NUL pattern)."""
    return {op["body"].removesuffix("[]") for _, op in _documented_rules(app) if isinstance(op["body"], str)}


def build_document(app: Flask) -> dict:
    schemas = _collect_schemas(app)
    _request_schemas(schemas, _body_schema_names(app))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Herald API", "version": "1.0.0",
                 "description": "Herald's JSON API. Field names are camelCase; errors share one shape. No text "
                                "may hold NUL (\\u0000) or a lone surrogate: in a body (any key, known or not) "
                                "that is a 422 naming the top-level field, in a query parameter a 400. JSON "
                                "nested deeper than 64 levels is a 400; a body over the size limit, chunked "
                                "or not, a 413."},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": _paths(app),
    }
