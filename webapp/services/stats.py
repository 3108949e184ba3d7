"""Campaign statistics and the dashboard: a fixed number of GROUP BY / LIMIT queries, whatever the
number of campaigns or content items."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import String, cast, func, literal, select, union_all

from ..extensions import db
from ..models import CAMPAIGN_STATUSES, CONTENT_TYPES, OBJECTIVES, PLATFORMS, Campaign, ContentItem, Job, Persona
from . import stats_cache
from .access import Actor
from .usage import usage_this_month

RECENT_CAMPAIGNS = 5
RECENT_ACTIVITY = 10


def campaign_stats(actor: Actor) -> dict:
    """Counts by status and objective, content by type and platform, average quality score and
    budget totals by currency for the actor's team. One version read, then (when the version moved)
    one aggregate query: see stats_cache."""
    at_version = stats_cache.version(actor.team_id)  # first: figures read later are at least this new
    figures = stats_cache.cached(actor.team_id, at_version)
    if figures is None:
        figures = _compute_stats(actor.team_id)
        stats_cache.store(actor.team_id, at_version, figures)
    return figures


def _aggregates(team_id: int):
    """Campaign and content aggregates in one UNION ALL: rows (kind, key1, key2, key3, n, x, y) with
    kind 'campaign' (status, objective, currency, count, budget sum, 0) or 'content' (type, platform,
    '', count, scored count, score sum)."""
    campaigns = (
        select(literal("campaign"), Campaign.status, Campaign.objective, Campaign.currency, func.count(),
               func.coalesce(func.sum(Campaign.budget), 0), literal(0))
        .where(Campaign.team_id == team_id)
        .group_by(Campaign.status, Campaign.objective, Campaign.currency)
    )
    content = (
        select(literal("content"), ContentItem.content_type, ContentItem.platform, literal(""), func.count(),
               func.count(ContentItem.quality_score), func.coalesce(func.sum(ContentItem.quality_score), 0))
        .where(ContentItem.team_id == team_id)
        .group_by(ContentItem.content_type, ContentItem.platform)
    )
    return db.session.execute(union_all(campaigns, content))


def _compute_stats(team_id: int) -> dict:
    by_status = dict.fromkeys(CAMPAIGN_STATUSES, 0)
    by_objective = dict.fromkeys(OBJECTIVES, 0)
    content_by_type = dict.fromkeys(CONTENT_TYPES, 0)
    content_by_platform = dict.fromkeys(PLATFORMS, 0)
    budgets: dict[str, Decimal] = {}
    total_campaigns = total_content = scored = score_sum = 0
    for kind, first, second, currency, n, x, y in _aggregates(team_id):
        if kind == "campaign":
            by_status[first] = by_status.get(first, 0) + n
            by_objective[second] = by_objective.get(second, 0) + n
            total_campaigns += n
            budgets[currency] = budgets.get(currency, Decimal(0)) + Decimal(str(x or 0))
        else:
            content_by_type[first] = content_by_type.get(first, 0) + n
            content_by_platform[second] = content_by_platform.get(second, 0) + n
            total_content += n
            scored += int(x or 0)
            score_sum += int(y or 0)
    return {
        "totals": {"campaigns": total_campaigns, "content_items": total_content, "scored_items": scored},
        "by_status": by_status,
        "by_objective": by_objective,
        "content_by_type": content_by_type,
        "content_by_platform": content_by_platform,
        "average_quality_score": round(score_sum / scored, 1) if scored else None,
        "budget_by_currency": {c: float(budgets[c].quantize(Decimal("0.01"))) for c in sorted(budgets)},
    }


def recent_campaigns(actor: Actor, limit: int = RECENT_CAMPAIGNS) -> list[dict]:
    """The team's most recently changed campaigns with their persona's name (one query)."""
    rows = db.session.execute(
        select(Campaign.id, Campaign.name, Campaign.status, Campaign.objective, Campaign.updated_at,
               Campaign.persona_id, Persona.name, Campaign.created_at)
        .outerjoin(Persona, Persona.id == Campaign.persona_id)
        .where(Campaign.team_id == actor.team_id)
        .order_by(Campaign.updated_at.desc(), Campaign.id.desc()).limit(limit)
    )
    return [
        {"id": cid, "name": name, "status": status, "objective": objective, "updated_at": updated,
         "created_at": created, "persona_id": pid, "persona_name": pname}
        for cid, name, status, objective, updated, pid, pname, created in rows
    ]


def _content_and_job_changes(actor: Actor, limit: int):
    """The latest `limit` content items and `limit` jobs of the team in one UNION ALL query, as rows
    (kind, id, campaign_id, campaign_name, a, b, c, status, at); a/b/c are content type, platform
    and author for content, and kind, message, '' for jobs."""
    content = (
        select(literal("content").label("kind"), cast(ContentItem.id, String).label("id"),
               ContentItem.campaign_id.label("campaign_id"), Campaign.name.label("campaign_name"),
               ContentItem.content_type.label("a"), ContentItem.platform.label("b"),
               ContentItem.generated_by.label("c"), ContentItem.status.label("status"),
               ContentItem.updated_at.label("at"))
        .join(Campaign, Campaign.id == ContentItem.campaign_id)
        .where(ContentItem.team_id == actor.team_id)
        .order_by(ContentItem.updated_at.desc(), ContentItem.id.desc()).limit(limit).subquery()
    )
    jobs = (
        select(literal("job").label("kind"), Job.id.label("id"), Job.campaign_id.label("campaign_id"),
               Campaign.name.label("campaign_name"), Job.kind.label("a"), Job.message.label("b"),
               literal("").label("c"), Job.status.label("status"), Job.updated_at.label("at"))
        .outerjoin(Campaign, Campaign.id == Job.campaign_id)
        .where(Job.team_id == actor.team_id)
        .order_by(Job.updated_at.desc()).limit(limit).subquery()
    )
    # Each side keeps its ORDER BY/LIMIT inside a subquery (SQLite allows none on a compound's parts).
    return db.session.execute(union_all(select(content), select(jobs)))


def recent_activity(actor: Actor, limit: int = RECENT_ACTIVITY, campaigns: list[dict] | None = None) -> list[dict]:
    """The latest content, job and campaign changes, newest first (two queries: content and jobs in
    one, campaigns in another unless `campaigns`, recent_campaigns(actor, limit), is given).
    Each entry: kind (content|job|campaign), id, campaign_id, campaign_name, summary, status, at."""
    events: list[dict] = []
    for kind, row_id, cid, cname, a, b, c, status, at in _content_and_job_changes(actor, limit):
        if kind == "content":
            how = "written by AI" if c == "ai" else "added by hand"
            events.append({"kind": "content", "id": int(row_id), "campaign_id": cid, "campaign_name": cname,
                           "summary": f"{a.replace('_', ' ')} for {b.replace('_', ' ')} {how}",
                           "status": status, "at": at})
        else:
            events.append({"kind": "job", "id": row_id, "campaign_id": cid, "campaign_name": cname,
                           "summary": b or a.replace("_", " "), "status": status, "at": at})
    for entry in campaigns if campaigns is not None else recent_campaigns(actor, limit):
        fresh = entry["created_at"] and entry["updated_at"] and (
            (entry["updated_at"] - entry["created_at"]).total_seconds() < 1)
        events.append({"kind": "campaign", "id": entry["id"], "campaign_id": entry["id"],
                       "campaign_name": entry["name"], "summary": "campaign created" if fresh else "campaign updated",
                       "status": entry["status"], "at": entry["updated_at"]})
    events.sort(key=lambda e: (e["at"] is not None, e["at"]), reverse=True)
    return events[:limit]


def dashboard(actor: Actor) -> dict:
    """Stats plus recent campaigns, recent activity and this month's generation usage."""
    # One campaigns query serves both lists: the activity's newest campaigns include the recent five.
    latest = recent_campaigns(actor, max(RECENT_CAMPAIGNS, RECENT_ACTIVITY))
    return {
        **campaign_stats(actor),
        "recent_campaigns": latest[:RECENT_CAMPAIGNS],
        "recent_activity": recent_activity(actor, campaigns=latest),
        "generation_usage": usage_this_month(actor.team_id),
    }
