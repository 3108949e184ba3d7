"""Personas API: /api/personas (list, create), /api/personas/<id> (read, update, delete),
archive/unarchive. Views parse, call one service, commit, answer in camelCase."""
from __future__ import annotations

from flask import request, url_for

from ..auth import require_actor
from ..extensions import db
from ..forms.personas import PersonaForm
from ..services import personas
from ..services.choices import PLATFORMS
from ..services.field_limits import PERSONA
from . import bp
from .body import PAGE_QUERY, WRITE_ERRORS, json_object, page_wire, query_flag
from .openapi import nullable_text, operation
from .wire import camel, to_wire

_TEXT = {"type": "string"}
_PERSONA_FIELDS = {
    **{camel(key): {"type": "string", "maxLength": rule.max} for key, rule in PERSONA.items()},
    "name": {"type": "string", "minLength": 1, "maxLength": PERSONA["name"].max},
    "role": {"type": "string", "maxLength": PERSONA["role"].max, "description": "Role or job title."},
    "preferredChannels": {"type": "array", "items": {"type": "string", "enum": list(PLATFORMS)},
                          "description": "In the order given; repeats are dropped."},
}
SCHEMAS: dict = {
    "Persona": {
        "type": "object",
        "required": ["id", "name", "preferredChannels", "archived", "createdAt", "updatedAt"],
        "properties": {
            "id": {"type": "integer"},
            **_PERSONA_FIELDS,
            "archived": {"type": "boolean", "description": "Archived personas are kept on their campaigns but "
                                                          "not offered for new ones."},
            "archivedAt": {"type": ["string", "null"], "format": "date-time"},
            "createdAt": {"type": "string", "format": "date-time"},
            "updatedAt": {"type": "string", "format": "date-time"},
        },
    },
    "PersonaInput": {
        "type": "object", "required": ["name"],
        "description": "A new persona: `name` is required. Unknown and read-only keys are ignored.",
        "properties": nullable_text(_PERSONA_FIELDS),
    },
    "PersonaUpdate": {
        "type": "object",
        "description": "Changes only the fields sent. Unknown and read-only keys are ignored.",
        "properties": nullable_text(_PERSONA_FIELDS),
    },
    "PersonaPage": {
        "type": "object", "required": ["items", "page", "perPage", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Persona"}},
            "page": {"type": "integer", "minimum": 1},
            "perPage": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
        },
    },
}
def _persona(persona) -> dict:
    return to_wire(personas.persona_to_dict(persona))


@bp.get("/personas")
@operation("List the team's personas", tag="personas", response="PersonaPage", errors=(400,),
           query={"q": "Search name and role.",
                  "includeArchived": {"type": "boolean", "description": "true to include archived personas."},
                  **PAGE_QUERY})
def list_personas():
    actor = require_actor()
    page = personas.search_personas(
        actor, q=request.args.get("q"), include_archived=query_flag("includeArchived"),
        page=request.args.get("page"), per_page=request.args.get("perPage"),
    )
    return page_wire(page, _persona)


@bp.post("/personas")
@operation("Create a persona", tag="personas", body="PersonaInput", response="Persona", status=201,
           errors=WRITE_ERRORS)
def create_persona():
    actor = require_actor("editor")
    form = PersonaForm.from_json(json_object())
    form.raise_if_invalid()
    persona = personas.create_persona(actor, form.to_data())
    db.session.commit()
    return _persona(persona), 201, {"Location": url_for("api.get_persona", persona_id=persona.id)}


@bp.get("/personas/<int:persona_id>")
@operation("Get a persona", tag="personas", response="Persona", errors=(404,))
def get_persona(persona_id: int):
    return _persona(personas.get_persona(require_actor(), persona_id))


@bp.put("/personas/<int:persona_id>")
@operation("Update a persona (only the fields sent change)", tag="personas", body="PersonaUpdate",
           response="Persona", errors=WRITE_ERRORS)
def update_persona(persona_id: int):
    actor = require_actor("editor")
    form = PersonaForm.from_json(json_object(), partial=True)
    form.raise_if_invalid()
    persona = personas.update_persona(actor, persona_id, form.to_data())
    db.session.commit()
    return _persona(persona)


@bp.delete("/personas/<int:persona_id>")
@operation("Delete a persona (409 while a campaign uses it: archive it instead)", tag="personas",
           response={"type": "null"}, status=204, errors=(403, 404, 409))
def delete_persona(persona_id: int):
    personas.delete_persona(require_actor("editor"), persona_id)
    db.session.commit()
    return "", 204


@bp.post("/personas/<int:persona_id>/archive")
@operation("Archive a persona (kept on its campaigns, not offered for new ones)", tag="personas",
           response="Persona", errors=(403, 404))
def archive_persona(persona_id: int):
    persona = personas.archive_persona(require_actor("editor"), persona_id)
    db.session.commit()
    return _persona(persona)


@bp.post("/personas/<int:persona_id>/unarchive")
@operation("Restore an archived persona", tag="personas", response="Persona", errors=(403, 404))
def unarchive_persona(persona_id: int):
    persona = personas.unarchive_persona(require_actor("editor"), persona_id)
    db.session.commit()
    return _persona(persona)
