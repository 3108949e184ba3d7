"""Job events → HTML fragments for the browser sockets (all swapped out-of-band by htmx's hx-ws).

The campaign panel is drawn from the stored rows (Job, its content items, the stored deltas of
pieces still being written), so a fragment sent live and a page drawn on reload look the same.
"""
from __future__ import annotations

import threading

from flask import Flask, render_template

from ..events import store
from ..services import jobs as jobs_service

# Every template a live fragment draws. A cold process compiles each on first use (tens of ms apiece,
# hundreds on a busy machine): the first job's first fragments would hold its token text back.
LIVE_TEMPLATES = ("partials/jobs/_panel.html", "partials/jobs/_progress.html", "partials/jobs/_piece.html",
                  "partials/jobs/_piece_state.html", "partials/jobs/_delta.html", "partials/jobs/_cursor.html",
                  "partials/content/_card.html", "partials/campaigns/_status.html", "partials/jobs/_indicator.html",
                  "partials/jobs/_toast.html")


def warm_templates(app: Flask) -> None:
    """Compile the live fragments' templates now (Jinja caches them per app)."""
    for name in LIVE_TEMPLATES:
        app.jinja_env.get_template(name)


def warm_in_background(app: Flask) -> None:
    """Compile them on a thread of their own, once per app, so no request waits for it."""
    threading.Thread(target=warm_templates, args=(app,), name="herald-warm-templates", daemon=True).start()


def piece_dom_id(job_id: str, step_key: str) -> str:
    return "piece-" + job_id[:8] + "-" + "".join(c if c.isalnum() else "-" for c in step_key)


def panel_context(job, campaign, *, live: bool, up_to: int | None = None) -> dict:
    """What partials/jobs/_panel.html needs: the job, its pieces with their state and text."""
    pieces = []
    if job is not None:
        items = jobs_service.job_items(job)
        texts = store.delta_text(job.id, up_to) if job.status in ("queued", "running") else {}
        for p in jobs_service.job_to_dict(job)["pieces"]:
            key = p["step_key"]
            item = items.get(key)
            state = "done" if item is not None else ("writing" if key in texts else "waiting")
            pieces.append({**p, "dom_id": piece_dom_id(job.id, key), "item": item, "state": state,
                           "text": texts.get(key, "")})
    # A queued job on a system whose worker is not running would wait silently: say so.
    no_worker = job is not None and job.status == "queued" and not jobs_service.worker_alive()
    return {"job": job, "campaign": campaign, "pieces": pieces, "live": live, "no_worker": no_worker}


def render_panel(job, campaign, *, oob: bool, up_to: int | None = None) -> str:
    return render_template("partials/jobs/_panel.html", oob=oob,
                           **panel_context(job, campaign, live=True, up_to=up_to))


def cursor(name: str, seq: int) -> str:
    return render_template("partials/jobs/_cursor.html", name=name, seq=seq, oob=True)


def campaign_fragment(event: dict, campaign) -> str | None:
    """The fragment a campaign page needs for one live event (None: nothing to draw)."""
    name, data = event["event"], event["data"]
    job_id = event["job_id"]
    if name == store.CONTENT_DELTA:
        return render_template("partials/jobs/_delta.html", dom_id=piece_dom_id(job_id, data.get("step_key", "")),
                               text=data.get("text", ""))
    if name == store.CONTENT_STARTED:
        piece = {"step_key": data.get("step_key", ""), "content_type": data.get("content_type"),
                 "platform": data.get("platform"), "dom_id": piece_dom_id(job_id, data.get("step_key", "")),
                 "state": "writing", "text": "", "item": None}
        # Only the label changes: live token deltas may already have reached the piece's text.
        return render_template("partials/jobs/_piece_state.html", piece=piece, oob=True)
    if name == store.CONTENT_COMPLETED:
        item = jobs_service.team_item(campaign.team_id, data.get("item_id"))
        if item is None:
            return None
        piece = {"step_key": data.get("step_key", ""), "content_type": item.content_type, "platform": item.platform,
                 "dom_id": piece_dom_id(job_id, data.get("step_key", "")), "state": "done", "text": "", "item": item}
        return render_template("partials/jobs/_piece.html", piece=piece, campaign=campaign, oob=True, live=True)
    if name == store.CAMPAIGN_PROGRESS:
        job = jobs_service.fresh_job(job_id)
        return render_template("partials/jobs/_progress.html", job=job, oob=True) if job else None
    if name in (store.CAMPAIGN_STARTED, *store.JOB_END_EVENTS):
        job = jobs_service.fresh_job(job_id)
        if job is None:
            return None
        # The head's badge too: "generating" while the job runs, the restored status after it.
        status = jobs_service.campaign_status_now(campaign.id)
        return render_panel(job, campaign, oob=True, up_to=event["id"]) + campaign_status(status)
    return None


def campaign_status(status: str) -> str:
    """The campaign page head's status badge, swapped out-of-band."""
    return render_template("partials/campaigns/_status.html", status=status, oob=True)


def indicator(count: int) -> str:
    return render_template("partials/jobs/_indicator.html", active_count=count, oob=True)


def toast(event: dict) -> str:
    data = event["data"]
    return render_template("partials/jobs/_toast.html", level=data.get("level", "info"),
                           message=data.get("message", ""), event_id=event["id"])
