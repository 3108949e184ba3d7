"""Persona pages: list, create, edit, archive/restore, delete (refused with a reason while in use)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required

from ..auth import require_actor
from ..extensions import db
from ..forms.personas import PersonaForm
from ..services import personas as personas_service
from ..services.access import Actor, require_role
from ..services.errors import Conflict
from . import render, submit

bp = Blueprint("personas", __name__)


@bp.get("/personas")
@login_required
def index():
    """The team's personas as cards, with how many campaigns use each (?archived=1 shows archived too)."""
    actor = require_actor()
    show_archived = request.args.get("archived") == "1"
    everyone = personas_service.list_personas(actor, include_archived=True)
    shown = everyone if show_archived else [p for p in everyone if p.archived_at is None]
    return render("pages/personas/index.html", "partials/personas/_list.html", personas=shown,
                  usage=personas_service.persona_usage(actor), show_archived=show_archived,
                  archived_count=sum(1 for p in everyone if p.archived_at is not None))


def _save_persona(actor: Actor, persona=None):
    """GET shows the form; POST saves and redirects, or re-renders it with errors (422), as typed."""
    require_role(actor, "editor")
    form = PersonaForm(obj=persona)
    message = None
    if request.method == "POST":
        if persona is None:
            saved, message = submit(form, lambda data: personas_service.create_persona(actor, data))
        else:
            saved, message = submit(form, lambda data: personas_service.update_persona(actor, persona.id, data))
        if saved is not None:
            flash(f"Persona “{saved.name}” {'created' if persona is None else 'saved'}.", "success")
            return redirect(url_for("personas.index"))
    status = 422 if request.method == "POST" else 200
    return render("pages/personas/form.html", "partials/personas/_form.html", status=status,
                  form=form, persona=persona, form_message=message)


@bp.route("/personas/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a persona."""
    return _save_persona(require_actor())


@bp.route("/personas/<int:persona_id>/edit", methods=["GET", "POST"])
@login_required
def edit(persona_id: int):
    """Edit a persona."""
    actor = require_actor()
    return _save_persona(actor, personas_service.get_persona(actor, persona_id))


@bp.post("/personas/<int:persona_id>/delete")
@login_required
def delete(persona_id: int):
    """Delete a persona; while campaigns use it the service refuses and we say why (archive instead)."""
    actor = require_actor()
    try:
        personas_service.delete_persona(actor, persona_id)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("personas.index"))
    db.session.commit()
    flash("Persona deleted.", "success")
    return redirect(url_for("personas.index"))


@bp.post("/personas/<int:persona_id>/archive")
@login_required
def archive(persona_id: int):
    """Archive: keep it on its campaigns but stop offering it for new ones."""
    actor = require_actor()
    persona = personas_service.archive_persona(actor, persona_id)
    db.session.commit()
    flash(f"Persona “{persona.name}” archived. Its campaigns keep it.", "success")
    return redirect(url_for("personas.index"))


@bp.post("/personas/<int:persona_id>/unarchive")
@login_required
def unarchive(persona_id: int):
    """Restore an archived persona."""
    actor = require_actor()
    persona = personas_service.unarchive_persona(actor, persona_id)
    db.session.commit()
    flash(f"Persona “{persona.name}” restored.", "success")
    return redirect(url_for("personas.index", archived=1))
