"""build_document() on a small app: how each operation's metadata becomes its OpenAPI entry.

Characterisation with hand-made routes (independent of the real API modules): path parameters,
query parameters, success and error answers, public operations and request bodies, key order.
"""
from __future__ import annotations

from flask import Blueprint, Flask

from webapp.api.openapi import NO_NUL, build_document, operation

ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def ok(summary: str, schema: dict) -> dict:
    return {"description": summary, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def path_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def mini_app() -> Flask:
    bp = Blueprint("api", __name__)

    @bp.route("/api/things/<int:thing_id>", methods=["GET"])
    @operation("Get a thing", tag="things", response="Thing", errors=(404,),
               query={"q": "Search text.", "limit": {"type": "integer", "minimum": 1, "description": "At most."}})
    def get_thing(thing_id): ...

    @bp.route("/api/things", methods=["GET", "POST"])
    @operation("List or add things", tag="things", body="ThingInput", response="Thing[]", status=201,
               also={202: "JobReference"}, errors=(422, 409))
    def things(): ...

    @bp.route("/api/things/<name>", methods=["DELETE"])
    @operation("Delete a thing", tag="things", status=204, errors=(404,))
    def delete_thing(name): ...

    @bp.route("/api/public/<path:rest>", methods=["PUT", "PATCH"])
    @operation("Public write", tag="meta", body={"type": "object"}, response={"type": "null"}, public=True)
    def public_write(rest): ...

    @bp.route("/api/public", methods=["POST"])
    @operation("Public read", tag="meta", response={"type": "object", "properties": {"ok": {"type": "boolean"}}},
               public=True, errors=(429,))
    def public_read(): ...

    @bp.route("/api/undocumented")
    def undocumented(): ...

    @bp.route("/outside/api")
    @operation("Not under /api/", tag="x")
    def outside(): ...

    app = Flask(__name__)
    app.register_blueprint(bp)
    return app


def test_operations_from_metadata():
    doc = build_document(mini_app())
    paths = doc["paths"]
    assert list(paths) == ["/api/public", "/api/public/{rest}", "/api/things", "/api/things/{name}",
                           "/api/things/{thing_id}"]
    assert paths["/api/things/{thing_id}"] == {"get": {
        "summary": "Get a thing", "tags": ["things"], "operationId": "api.get_thing.get",
        "parameters": [
            path_param("thing_id", {"type": "integer", "minimum": 0}),
            {"name": "q", "in": "query", "required": False, "description": "Search text.",
             "schema": {"type": "string", "pattern": NO_NUL}},
            {"name": "limit", "in": "query", "required": False, "allowEmptyValue": True,
             "description": "At most. Empty: as if not sent.", "schema": {"type": "integer", "minimum": 1}},
        ],
        "responses": {"200": ok("Get a thing", ref("Thing")), "400": ERROR, "401": ERROR, "404": ERROR,
                      "429": ERROR},
    }}
    assert paths["/api/things/{name}"] == {"delete": {
        "summary": "Delete a thing", "tags": ["things"], "operationId": "api.delete_thing.delete",
        "parameters": [path_param("name", {"type": "string"})],
        "responses": {"204": {"description": "Delete a thing"}, "400": ERROR, "401": ERROR, "404": ERROR,
                      "429": ERROR},
    }}


def test_body_and_bad_body_answers_only_on_writes():
    things = build_document(mini_app())["paths"]["/api/things"]
    assert list(things) == ["get", "post"]
    listed = ok("List or add things", {"type": "array", "items": ref("Thing")})
    queued = ok("List or add things", ref("JobReference"))
    get, post = things["get"], things["post"]
    assert list(get) == ["summary", "tags", "operationId", "parameters", "responses"]
    assert get["responses"] == {"201": listed, "202": queued, "400": ERROR, "401": ERROR, "409": ERROR,
                                "422": ERROR, "429": ERROR}
    assert list(post) == ["summary", "tags", "operationId", "parameters", "responses", "requestBody"]
    assert list(post["responses"]) == ["201", "202", "400", "401", "409", "413", "422", "429"]
    assert post["requestBody"] == {"required": True, "content": {"application/json": {"schema": ref("ThingInput")}}}


def test_public_operations_have_no_security_and_no_auth_errors():
    paths = build_document(mini_app())["paths"]
    read = paths["/api/public"]["post"]
    assert list(read) == ["summary", "tags", "operationId", "parameters", "responses", "security"]
    assert read["security"] == [] and read["parameters"] == []
    assert read["responses"] == {
        "200": ok("Public read", {"type": "object", "properties": {"ok": {"type": "boolean"}}}), "400": ERROR,
        "429": ERROR}
    write = paths["/api/public/{rest}"]
    assert list(write) == ["patch", "put"]
    for method, entry in write.items():
        assert list(entry) == ["summary", "tags", "operationId", "parameters", "responses", "security",
                               "requestBody"]
        assert entry["operationId"] == f"api.public_write.{method}"
        assert entry["parameters"] == [path_param("rest", {"type": "string"})]
        assert entry["responses"] == {"200": {"description": "Public write"}, "400": ERROR, "413": ERROR,
                                      "422": ERROR, "429": ERROR}
        assert entry["requestBody"]["content"]["application/json"]["schema"] == {"type": "object"}


def test_document_frame_and_shared_schemas():
    doc = build_document(mini_app())
    assert list(doc) == ["openapi", "info", "servers", "components", "security", "paths"]
    assert doc["openapi"] == "3.1.0" and doc["servers"] == [{"url": "/"}] and doc["security"] == [{"bearer": []}]
    assert doc["info"]["title"] == "Herald API" and doc["info"]["version"] == "1.0.0"
    assert "errors share one shape" in doc["info"]["description"] and "NUL" in doc["info"]["description"]
    assert doc["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
    schemas = doc["components"]["schemas"]
    assert list(schemas)[0] == "Error" and schemas["Error"]["properties"]["error"]["required"] == [
        "code", "message", "fields"]
    # Every API module's SCHEMAS count, even when the app routes none of its views.
    assert {"Persona", "Campaign", "ContentItem", "JobReference"} <= set(schemas)
