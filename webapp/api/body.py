"""The API's request edge shared by every JSON view: reading the body as a snake_cased object, query
flags, the list answer, and the OpenAPI pieces every module repeats (paging parameters, write errors)."""
from __future__ import annotations

from flask import request

from ..services.choices import CONTENT_TYPE_PLATFORMS
from ..services.errors import ServiceError
from ..services.pagination import BadQuery
from .wire import from_wire

PAGE_QUERY = {
    "page": {"type": "integer", "minimum": 1, "maximum": 10**9, "description": "Page number, from 1."},
    "perPage": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Items per page, 1–100 (default 20)."},
}
WRITE_ERRORS = (400, 403, 404, 413, 422)
# Which platforms each content type goes on, for the document's descriptions.
PLATFORM_FITS = "; ".join(f"{kind}→{', '.join(names)}" for kind, names in CONTENT_TYPE_PLATFORMS.items())


def json_object() -> dict:
    """The request body as a snake_cased dict; 400 when it is missing, malformed or not an object.
    (A body over MAX_CONTENT_LENGTH is refused with 413 before it is read.)"""
    if not request.get_data(cache=True):
        raise ServiceError("Send a JSON object as the request body.")
    payload = request.get_json(force=True, silent=True)
    if payload is None:
        raise ServiceError("The request body is not valid JSON.")
    if not isinstance(payload, dict):
        raise ServiceError("The request body must be a JSON object.")
    return from_wire(payload)


def query_flag(name: str) -> bool:
    """A true/false query parameter (true/1/yes, false/0/no); BadQuery otherwise."""
    value = request.args.get(name, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise BadQuery(f"{name} must be true or false.", {name: "Must be true or false."})


def page_wire(page, convert) -> dict:
    """The list answer: {"items", "page", "perPage", "total"}."""
    return {"items": [convert(item) for item in page.items], "page": page.page, "perPage": page.per_page,
            "total": page.total}
