"""Campaign pages: the searchable list, create/edit forms, and the campaign page with its content
(add, inline edit and delete without leaving the page)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..auth import require_actor
from ..extensions import db
from ..forms.campaigns import CampaignForm, CampaignStatusForm
from ..forms.content import ContentItemForm
from ..services import campaigns as campaigns_service
from ..services import content as content_service
from ..services import personas as personas_service
from ..services.access import Actor, require_role
from ..services.choices import CAMPAIGN_STATUSES, OBJECTIVES, PLATFORMS
from ..services.pagination import BadQuery, Page
from . import display, is_htmx, render, submit

bp = Blueprint("campaigns", __name__)

PER_PAGE = 20
DEFAULT_SORT = "-updated_at"
SORT_OPTIONS = [
    ("-updated_at", "Recently updated"), ("-created_at", "Newest first"), ("created_at", "Oldest first"),
    ("name", "Name A–Z"), ("-name", "Name Z–A"), ("start_date", "Start date (soonest)"),
    ("-start_date", "Start date (latest)"), ("-budget", "Budget (highest)"), ("budget", "Budget (lowest)"),
]
# Button labels for the manual status changes a campaign page offers (the service decides which apply).
STATUS_ACTION_LABELS = {"active": "Activate", "completed": "Mark completed", "draft": "Back to draft"}
FILTER_KEYS = ("q", "status", "objective", "persona")


# --- list ---------------------------------------------------------------------------------------

def _filters(args) -> dict[str, str]:
    filters = {key: (args.get(key) or "").strip() for key in FILTER_KEYS}
    filters["sort"] = (args.get("sort") or "").strip() or DEFAULT_SORT
    return filters


@bp.get("/campaigns")
@login_required
def index():
    """Campaigns with live search, filters, sort and pages; HTMX gets only the results partial, and
    a full GET with the same query string renders the same state (bookmarkable)."""
    actor = require_actor()
    filters = _filters(request.args)
    query_error, status = None, 200
    try:
        page = campaigns_service.list_campaigns(
            actor, q=filters["q"] or None, status=filters["status"] or None, objective=filters["objective"] or None,
            persona_id=filters["persona"] or None, sort=filters["sort"], page=request.args.get("page") or 1,
            per_page=PER_PAGE,
        )
    except BadQuery as exc:
        page, query_error, status = Page(items=[], page=1, per_page=PER_PAGE, total=0), exc.message, 400
    page_args = {k: v for k, v in filters.items() if v and not (k == "sort" and v == DEFAULT_SORT)}
    context = dict(results=page, filters=filters, page_args=page_args, query_error=query_error,
                   filtering=any(filters[k] for k in FILTER_KEYS))
    if is_htmx():
        # The filter form sends every field; push the tidy URL (no empty or default values) instead.
        clean_url = url_for("campaigns.index", **page_args, **({"page": page.page} if page.page > 1 else {}))
        return render_template("partials/campaigns/_results.html", **context), status, {"HX-Push-Url": clean_url}
    return render(
        "pages/campaigns/index.html", status=status, statuses=CAMPAIGN_STATUSES, objectives=OBJECTIVES,
        sorts=SORT_OPTIONS, personas=personas_service.list_personas(actor, include_archived=True), **context,
    )


# --- create / edit ------------------------------------------------------------------------------

def _campaign_form(actor: Actor, campaign=None) -> CampaignForm:
    form = CampaignForm(obj=campaign)
    form.set_persona_choices(personas_service.list_personas(actor),
                             current_id=campaign.persona_id if campaign else None)
    form.set_status_choices(campaign.status if campaign else "draft")
    return form


def _save_campaign(actor: Actor, campaign=None):
    """GET shows the form; POST validates, saves through the service, and redirects — or re-renders
    with the errors beside the fields (422) and everything typed kept."""
    require_role(actor, "editor")
    form = _campaign_form(actor, campaign)
    message = None
    if request.method == "POST":
        if campaign is None:
            saved, message = submit(form, lambda data: campaigns_service.create_campaign(actor, data))
        else:
            saved, message = submit(form, lambda data: campaigns_service.update_campaign(actor, campaign.id, data))
        if saved is not None:
            flash("Campaign created." if campaign is None else "Campaign saved.", "success")
            return redirect(url_for("campaigns.show", campaign_id=saved.id))
    status = 422 if request.method == "POST" else 200
    return render("pages/campaigns/form.html", "partials/campaigns/_form.html", status=status,
                  form=form, campaign=campaign, form_message=message)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a campaign."""
    return _save_campaign(require_actor())


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit(campaign_id: int):
    """Edit a campaign's brief and generation settings."""
    actor = require_actor()
    return _save_campaign(actor, campaigns_service.get_campaign_row(actor, campaign_id))


@bp.post("/campaigns/<int:campaign_id>/status")
@login_required
def change_status(campaign_id: int):
    """Move a campaign along an allowed status transition (the service refuses the others)."""
    actor = require_actor()
    form = CampaignStatusForm()
    campaign, message = submit(form, lambda data: campaigns_service.update_campaign(actor, campaign_id, data))
    if campaign is None:
        flash(form.errors_dict().get("status") or message, "error")
    else:
        flash(f"Campaign is now {campaign.status}.", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/delete")
@login_required
def delete(campaign_id: int):
    """Delete a campaign with its content (refused with a message while a job is writing it)."""
    actor = require_actor()
    campaigns_service.delete_campaign(actor, campaign_id)
    db.session.commit()
    flash("Campaign deleted.", "success")
    return redirect(url_for("campaigns.index"))


# --- the campaign page ----------------------------------------------------------------------------

def _status_actions(campaign) -> list[tuple[str, str]]:
    allowed = campaigns_service.ALLOWED_TRANSITIONS.get(campaign.status, set())
    return [(s, "Reopen" if s == "active" and campaign.status == "completed" else label)
            for s, label in STATUS_ACTION_LABELS.items()
            if s in allowed and s not in campaigns_service.SYSTEM_STATUSES]


def _group_by_platform(items) -> list[tuple[str, list]]:
    groups: dict[str, list] = {p: [] for p in PLATFORMS}
    for item in items:
        groups.setdefault(item.platform, []).append(item)
    return [(platform, group) for platform, group in groups.items() if group]


def _chosen_format(campaign, value: str | None = None) -> tuple[str, str]:
    """The (content_type, platform) the add form shows: the one asked for, else the first the
    campaign plans to write."""
    formats = {(ct, pf) for ct, pf, _ in display.content_formats()}
    if value and ":" in value:
        ct, pf = value.split(":", 1)
        if (ct, pf) in formats:
            return ct, pf
    planned = [p for p in campaigns_service.planned_pieces(campaign) if p in formats]
    return planned[0] if planned else ("email", "email")


def _new_content_form(content_type: str, platform: str) -> ContentItemForm:
    form = ContentItemForm(formdata=None, data={"content_type": content_type, "platform": platform})
    return form


def _content_context(campaign, actor: Actor, *, add_form=None, add_format=None, add_message=None) -> dict:
    fmt = add_format or _chosen_format(campaign, request.args.get("format"))
    return dict(campaign=campaign, groups=_group_by_platform(campaign.content_items),
                add_form=add_form or _new_content_form(*fmt), add_format=fmt, add_message=add_message,
                add_open=add_form is not None or bool(request.args.get("format")))


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def show(campaign_id: int):
    """The campaign: brief, status actions, and its content grouped by platform."""
    actor = require_actor()
    campaign = campaigns_service.get_campaign(actor, campaign_id, ab_tests=False)
    return render(
        "pages/campaigns/show.html", "partials/campaigns/_content.html",
        status_actions=_status_actions(campaign), planned=campaigns_service.planned_pieces(campaign),
        keywords=campaigns_service.split_keywords(campaign.keywords), **_content_context(campaign, actor),
    )


@bp.get("/campaigns/<int:campaign_id>/content/form")
@login_required
def content_form(campaign_id: int):
    """The add-content form for a chosen format (?format=type:platform), fields and limits to match."""
    actor = require_actor()
    campaign = campaigns_service.get_campaign_row(actor, campaign_id)
    fmt = _chosen_format(campaign, request.args.get("format"))
    return render_template("partials/content/_form.html", campaign=campaign, add_form=_new_content_form(*fmt),
                           add_format=fmt, add_message=None)


@bp.post("/campaigns/<int:campaign_id>/content")
@login_required
def content_create(campaign_id: int):
    """Add a content item by hand; the content section comes back with the new card in its group."""
    actor = require_actor()
    require_role(actor, "editor")
    form = ContentItemForm()
    item, message = submit(form, lambda data: content_service.create_content(actor, campaign_id, data))
    if item is not None:
        if not is_htmx():
            flash("Content added.", "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign_id, _anchor=f"content-{item.id}"))
        campaign = campaigns_service.get_campaign(actor, campaign_id, ab_tests=False)
        fmt = (item.content_type, item.platform)
        return render_template("partials/campaigns/_content.html",
                               **_content_context(campaign, actor, add_format=fmt), added_id=item.id)
    campaign = campaigns_service.get_campaign(actor, campaign_id, ab_tests=False)
    fmt = _chosen_format(campaign, f"{form.content_type.data}:{form.platform.data}")
    context = _content_context(campaign, actor, add_form=form, add_format=fmt, add_message=message)
    return render("pages/campaigns/show.html", "partials/campaigns/_content.html", status=422,
                  status_actions=_status_actions(campaign), planned=campaigns_service.planned_pieces(campaign),
                  keywords=campaigns_service.split_keywords(campaign.keywords), **context)


@bp.get("/campaigns/<int:campaign_id>/content/<int:item_id>")
@login_required
def content_card(campaign_id: int, item_id: int):
    """One content card (the inline editor's Cancel swaps it back in)."""
    actor = require_actor()
    item = content_service.get_content(actor, campaign_id, item_id)
    if not is_htmx():
        return redirect(url_for("campaigns.show", campaign_id=campaign_id, _anchor=f"content-{item.id}"))
    campaign = campaigns_service.get_campaign_row(actor, campaign_id)
    return render_template("partials/content/_card.html", item=item, campaign=campaign)


@bp.route("/campaigns/<int:campaign_id>/content/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def content_edit(campaign_id: int, item_id: int):
    """Inline editor for one card: GET the form in place of the card, POST saves and swaps the card
    back (or the form again with errors, 422)."""
    actor = require_actor()
    require_role(actor, "editor")
    item = content_service.get_content(actor, campaign_id, item_id)
    campaign = campaigns_service.get_campaign_row(actor, campaign_id)
    form = ContentItemForm(obj=item)
    # The add form on the same page has these fields too: give this editor's inputs their own ids so
    # every label points at its own input (names stay, so the post is unchanged).
    for f in form:
        f.id = f"content-{item.id}-{f.name}"
    message = None
    if request.method == "POST":
        saved, message = submit(form, lambda data: content_service.edit_content(actor, campaign_id, item_id, data))
        if saved is not None:
            if not is_htmx():
                flash("Content saved.", "success")
                return redirect(url_for("campaigns.show", campaign_id=campaign_id, _anchor=f"content-{saved.id}"))
            return render_template("partials/content/_card.html", item=saved, campaign=campaign)
    status = 422 if request.method == "POST" else 200
    return render("pages/campaigns/content_edit.html", "partials/content/_edit.html", status=status,
                  item=item, campaign=campaign, form=form, form_message=message)


@bp.route("/campaigns/<int:campaign_id>/content/<int:item_id>/delete", methods=["POST", "DELETE"])
@login_required
def content_delete(campaign_id: int, item_id: int):
    """Delete one content item; HTMX gets an empty answer, which removes the card."""
    actor = require_actor()
    content_service.delete_content(actor, campaign_id, item_id)
    db.session.commit()
    if is_htmx():
        return ""
    flash("Content deleted.", "success")
    return redirect(url_for("campaigns.show", campaign_id=campaign_id))
