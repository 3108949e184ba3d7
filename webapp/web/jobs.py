"""Jobs pages: start and cancel campaign generation from the campaign page, the user's job list,
and the template helpers that draw the live generation panel and the header's jobs indicator."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_login import login_required

from ..auth import require_actor, session_actor
from ..events import store
from ..extensions import db
from ..services import campaigns as campaigns_service
from ..services import jobs as jobs_service
from ..services.errors import ServiceError
from . import is_htmx, render
from . import live_fragments as fragments

bp = Blueprint("jobs", __name__)


def _event_cursor() -> int:
    """The newest event id, read once per request: the header and the panel share it (an earlier
    cursor only makes the socket replay a little more, never miss anything)."""
    if "event_cursor" not in g:
        g.event_cursor = store.latest_id()
    return g.event_cursor


@bp.app_context_processor
def _jobs_helpers():
    def job_panel_for(campaign) -> dict:
        """The campaign's latest job drawn from its rows, and the event cursor the socket resumes from."""
        actor = session_actor()
        cursor = _event_cursor()  # read first: anything newer is replayed by the socket
        job = jobs_service.latest_job_for_campaign(actor.team_id, campaign.id) if actor else None
        context = fragments.panel_context(job, campaign, live=False)
        return {"job": job, "pieces": context["pieces"], "cursor": cursor, "no_worker": context["no_worker"]}

    def jobs_nav() -> dict | None:
        actor = session_actor()
        if actor is None:
            return None
        if "event_cursor" in g:
            return {"cursor": g.event_cursor, "active_count": jobs_service.active_count(actor)}
        g.event_cursor, count = jobs_service.nav_state(actor)
        return {"cursor": g.event_cursor, "active_count": count}

    def ws_path(endpoint: str, **values) -> str:
        """A websocket route as a same-origin path: werkzeug builds ws:// URLs from the request's
        host, while hx-ws resolves a path against the page (wss:// behind HTTPS)."""
        parts = urlsplit(url_for(endpoint, **values))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    return {"job_panel_for": job_panel_for, "jobs_nav": jobs_nav, "ws_path": ws_path}


def _panel_response(campaign_id: int, status: int = 200, error: str | None = None):
    actor = require_actor()
    campaign = campaigns_service.get_campaign_row(actor, campaign_id)
    job = jobs_service.latest_job_for_campaign(actor.team_id, campaign.id)
    context = fragments.panel_context(job, campaign, live=True)
    # The head's status badge too ("generating" once the job is queued), before any socket event.
    return render_template("partials/jobs/_panel.html", oob=False, error=error, **context) + \
        fragments.campaign_status(campaign.status), status


def _back_to_campaign(campaign_id: int):
    return redirect(url_for("campaigns.show", campaign_id=campaign_id) + "#job-progress", code=303)


@bp.post("/campaigns/<int:campaign_id>/generate")
@login_required
def generate_campaign(campaign_id: int):
    """Queue the whole campaign; HTMX gets the generation panel back, others a redirect."""
    actor = require_actor()
    try:
        jobs_service.start_campaign_generation(actor, campaign_id)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        if not is_htmx():
            flash(exc.message, "error")
            return _back_to_campaign(campaign_id)
        return _panel_response(campaign_id, exc.status, exc.message)
    db.session.commit()
    if not is_htmx():
        flash("Generation started. This page shows its progress; reload to see the latest.", "success")
        return _back_to_campaign(campaign_id)
    return _panel_response(campaign_id, 202)


@bp.post("/jobs/<queue>/<job_id>/cancel")
@login_required
def cancel(queue: str, job_id: str):
    """Cancel a job; a running one stops before its next piece and keeps what it wrote."""
    actor = require_actor()
    try:
        job = jobs_service.cancel_job(actor, queue, job_id)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        job = jobs_service.get_job(actor, queue, job_id)
        if not is_htmx():
            flash(exc.message, "error")
            return _back_to_campaign(job.campaign_id)
        return _panel_response(job.campaign_id, exc.status, exc.message)
    db.session.commit()
    if job.campaign_id is None:
        return redirect(url_for("jobs.index"), code=303)
    if not is_htmx():
        flash("Cancel requested.", "info")
        return _back_to_campaign(job.campaign_id)
    return _panel_response(job.campaign_id)


@bp.get("/jobs")
@login_required
def index():
    """The user's recent background jobs."""
    actor = require_actor()
    return render("pages/jobs/index.html", "partials/jobs/_list.html", jobs=jobs_service.recent_jobs(actor, 50))
