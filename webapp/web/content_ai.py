"""The AI parts of the campaign page: generate buttons, regenerate / variations / approve on each
card, and the writer banner. HTMX gets cards (or a message) back; a plain form post redirects."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from ..auth import require_actor
from ..extensions import db
from ..forms.content import ApproveForm
from ..forms.generation import PageGenerateForm, VariationOptionsForm
from ..services import content as content_service
from ..services import generation
from ..services.errors import ServiceError
from . import display, is_htmx

bp = Blueprint("content_ai", __name__)


def _message(text: str, status: int, *, target: str, kind: str = "error"):
    """An HTMX message swapped into `target` (whatever the request's own target was)."""
    response = make_response(render_template("partials/ai/_message.html", message=text, kind=kind), status)
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = "innerHTML"
    return response


def _messages_target(item_id: int | None = None) -> str:
    return f"#content-{item_id}-ai-msg" if item_id else "#ai-messages"


def shows_errors(view):
    """HTMX: a refused or failed action becomes a message beside the button (right status code,
    Retry-After when the provider asks us to wait). Plain posts fall back to the error pages."""

    @wraps(view)
    def wrapper(**kwargs):
        try:
            return view(**kwargs)
        except ServiceError as exc:
            db.session.rollback()
            if not is_htmx() or exc.status == 401:
                raise
            response = _message(exc.message, exc.status, target=_messages_target(kwargs.get("item_id")))
            if isinstance(exc, generation.AIUnavailable):
                response.headers["Retry-After"] = str(exc.retry_after)
            return response

    return wrapper


def _still_writing(campaign_id: int, job):
    """The pieces took longer than the sync timeout: their job finishes them and the campaign page's
    live panel shows them when done; say so instead of leaving the button hanging."""
    message = ("Still writing — this is taking longer than usual. The piece will appear on this page when "
               "it is done; you can keep working meanwhile.")
    if not is_htmx():
        flash(message, "info")
        return redirect(url_for("campaigns.show", campaign_id=campaign_id))
    return _message(message, 202, target=_messages_target(), kind="info")


def _cards(items, campaign, message: str, status: int = 201):
    html = render_template("partials/ai/_new_cards.html", items=items, campaign=campaign, message=message)
    return html, status


def _with_format(formdata) -> MultiDict:
    """The "another format" select sends content_type:platform as one value."""
    data = MultiDict(formdata)
    pair = data.pop("format_pair", "")
    if pair and ":" in pair:
        data["content_type"], data["platform"] = pair.split(":", 1)
    return data


def _campaign_of(actor, campaign_id: int):
    from ..services.campaigns import get_campaign_row

    return get_campaign_row(actor, campaign_id)


def _done(campaign_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/ai/generate")
@login_required
@shows_errors
def generate(campaign_id: int):
    """Write piece(s) of one format for the campaign; HTMX gets the new cards."""
    actor = require_actor()
    campaign = _campaign_of(actor, campaign_id)  # another team's campaign: 404 before the form's errors
    form = PageGenerateForm(formdata=_with_format(request.form))
    form.raise_if_invalid()
    items = generation.generate_content(actor, form.content_type.data,
                                        {"campaign_id": campaign_id, **form.options()}, current_app.config)
    db.session.commit()
    if not isinstance(items, list):
        return _still_writing(campaign_id, items)
    label = display.format_label(items[0].content_type, items[0].platform)
    message = f"Wrote {len(items)} {label}{'s' if len(items) != 1 else ''}."
    if not is_htmx():
        return _done(campaign_id, message)
    return _cards(items, campaign, message)


@bp.post("/campaigns/<int:campaign_id>/content/<int:item_id>/ai/variations")
@login_required
@shows_errors
def variations(campaign_id: int, item_id: int):
    """A/B variations of a card; HTMX gets the new cards (placed after the original)."""
    actor = require_actor()
    form = VariationOptionsForm()
    form.raise_if_invalid()
    items = generation.generate_variations(
        actor, {**form.to_data(), "content_id": item_id, "campaign_id": campaign_id}, current_app.config)
    db.session.commit()
    if not isinstance(items, list):
        return _still_writing(campaign_id, items)
    message = f"Wrote {len(items)} variation{'s' if len(items) != 1 else ''} for A/B testing."
    if not is_htmx():
        return _done(campaign_id, message)
    return _cards(items, _campaign_of(actor, campaign_id), message)


@bp.post("/campaigns/<int:campaign_id>/content/<int:item_id>/ai/regenerate")
@login_required
@shows_errors
def regenerate(campaign_id: int, item_id: int):
    """Rewrite a card in place (same format and persona, new copy and score)."""
    actor = require_actor()
    item = generation.regenerate_content(actor, campaign_id, item_id, current_app.config)
    db.session.commit()
    if not is_htmx():
        return _done(campaign_id, "Rewrote the piece.")
    return render_template("partials/content/_card.html", item=item, campaign=_campaign_of(actor, campaign_id))


@bp.post("/campaigns/<int:campaign_id>/content/<int:item_id>/approve")
@login_required
@shows_errors
def approve(campaign_id: int, item_id: int):
    """Approve a card (or send it back to draft with status=draft)."""
    actor = require_actor()
    form = ApproveForm()
    form.raise_if_invalid()
    status = form.to_data()["status"]
    item = content_service.update_content(actor, campaign_id, item_id, {"status": status})
    db.session.commit()
    if not is_htmx():
        return _done(campaign_id, "Approved." if status == "approved" else "Back to draft.")
    return render_template("partials/content/_card.html", item=item, campaign=_campaign_of(actor, campaign_id))


@bp.app_context_processor
def _ai_overview():
    def ai_overview() -> dict:
        """{writer, model, usage} for the banner, without any network call."""
        actor = require_actor()
        return {**generation.writer_summary(current_app.config),
                "usage": generation.usage_this_month(actor.team_id, current_app.config)}

    return {"ai_overview": ai_overview}


@bp.get("/ai/status")
@login_required
def status():
    """The writer banner with a (briefly cached) reachability check; loaded after the page."""
    actor = require_actor()
    return render_template("partials/ai/_status.html", status=generation.ai_status(actor, current_app.config))
