"""The OpenAPI document."""
from flask import current_app, jsonify

from . import bp
from .openapi import build_document, operation

SCHEMAS: dict = {}


@bp.get("/openapi.json")
@operation("This OpenAPI document", tag="meta", public=True)
def openapi_document():
    return jsonify(build_document(current_app))
