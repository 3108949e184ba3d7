"""Content items of a campaign (manual add/edit; AI writing lives in services.generation) and
A/B test records (schema and CRUD)."""
from __future__ import annotations

from sqlalchemy import select

from ..ai.platforms import check
from ..extensions import db
from ..models import ABTest, ContentItem
from .ab_test_rules import AB_FIELDS, RESULT_METRICS, check_ab_test, clean_results  # noqa: F401
from .ab_test_rules import DEFAULTS as AB_DEFAULTS
from .access import Actor, require_role, row_id
from .campaigns import get_campaign_row
from .content_rules import (  # noqa: F401  (the rules are part of this service's interface)
    DEFAULTS,
    FIELDS,
    approval_problem,
    check_content,
    content_fields,
    required_fields,
)
from .errors import NotFound, raise_for
from .generation import rescore


def _approval_errors(current_status: str | None, merged: dict) -> dict[str, str]:
    """Approving needs a piece that passes its platform's hard limits."""
    if merged.get("status") != "approved" or current_status == "approved":
        return {}
    problem = approval_problem(merged)
    return {"status": problem} if problem else {}


def _refresh_checks(item: ContentItem) -> None:
    """Recompute the platform violations, then the quality score."""
    item.violations = check(item)
    rescore(item)


# --- content items ----------------------------------------------------------------------------

def _items_query(actor: Actor, campaign_id: int):
    return select(ContentItem).where(ContentItem.campaign_id == campaign_id, ContentItem.team_id == actor.team_id)


def list_content(actor: Actor, campaign_id) -> list[ContentItem]:
    """The campaign's content items in creation order (NotFound for another team's campaign)."""
    campaign = get_campaign_row(actor, campaign_id)
    return list(db.session.scalars(_items_query(actor, campaign.id).order_by(ContentItem.id)))


def get_content(actor: Actor, campaign_id, item_id) -> ContentItem:
    """One content item of the team's campaign; NotFound when either id is wrong or foreign."""
    cid, iid = row_id(campaign_id), row_id(item_id)
    if cid is None or iid is None:
        raise NotFound("Content item not found")
    item = db.session.scalar(_items_query(actor, cid).where(ContentItem.id == iid))
    if item is None:
        raise NotFound("Content item not found")
    return item


def create_content(actor: Actor, campaign_id, data: dict) -> ContentItem:
    """Add a manual content item (generated_by="manual") to the team's campaign, from typed data
    (ContentItemForm.to_data). The format's required fields must be filled."""
    require_role(actor, "editor")
    campaign = get_campaign_row(actor, campaign_id)
    merged = {**DEFAULTS, **{key: data[key] for key in FIELDS if key in data}}
    raise_for({**check_content(merged), **_approval_errors(None, merged)})
    item = ContentItem(campaign_id=campaign.id, team_id=actor.team_id, generated_by="manual", **merged)
    db.session.add(item)
    db.session.flush()
    _refresh_checks(item)
    db.session.flush()
    return item


def edit_content(actor: Actor, campaign_id, item_id, data: dict) -> ContentItem:
    """The card editor's save: only the fields the piece's format shows change, so an edit never
    blanks what a writer stored in a field the editor does not show."""
    item = get_content(actor, campaign_id, item_id)
    fields = content_fields(item.content_type, item.platform)
    return update_content(actor, campaign_id, item_id, {k: v for k, v in data.items() if k in fields})


def update_content(actor: Actor, campaign_id, item_id, data: dict) -> ContentItem:
    """Change only the keys present; re-checks platform limits and re-scores the item. Approving
    needs a piece that passes its platform's hard limits."""
    require_role(actor, "editor")
    item = get_content(actor, campaign_id, item_id)
    clean = {key: data[key] for key in FIELDS if key in data}
    merged = {**{key: getattr(item, key) for key in FIELDS}, **clean}
    raise_for({**check_content(merged, sent=clean), **_approval_errors(item.status, merged)})
    changed = False
    for key, value in clean.items():
        if getattr(item, key) != value:
            setattr(item, key, value)
            changed = True
    if changed:
        _refresh_checks(item)
    db.session.flush()
    return item


def delete_content(actor: Actor, campaign_id, item_id) -> None:
    """Delete a content item; A/B tests that used it keep their record with that variant empty."""
    require_role(actor, "editor")
    item = get_content(actor, campaign_id, item_id)
    db.session.delete(item)
    db.session.flush()


def content_to_dict(item: ContentItem) -> dict:
    """snake_case dict of a content item; `body` is renamed contentBody on the wire."""
    return {
        "id": item.id,
        "campaign_id": item.campaign_id,
        "content_type": item.content_type,
        "platform": item.platform,
        "subject_line": item.subject_line or "",
        "preheader": item.preheader or "",
        "headlines": list(item.headlines or []),
        "descriptions": list(item.descriptions or []),
        "body": item.body or "",
        "call_to_action": item.call_to_action or "",
        "hashtags": list(item.hashtags or []),
        "visual_url": item.visual_url or "",
        "visual_brief": item.visual_brief,
        "quality_score": item.quality_score,
        "score_breakdown": item.score_breakdown,
        "violations": list(item.violations or []),
        "status": item.status,
        "variant_group": item.variant_group,
        "metadata": {
            "generated_by": item.generated_by,
            "model": item.model or "",
            "job_id": item.job_id,
            "prompt_tokens": item.prompt_tokens or 0,
            "completion_tokens": item.completion_tokens or 0,
            "generated_at": item.generated_at,
        },
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


# --- A/B tests --------------------------------------------------------------------------------

def _check_variants(actor: Actor, campaign_id: int, clean: dict) -> None:
    ids = {clean[k] for k in ("variant_a_id", "variant_b_id") if clean.get(k) is not None}
    if not ids:
        return
    found = set(db.session.scalars(
        select(ContentItem.id).where(ContentItem.id.in_(ids), ContentItem.campaign_id == campaign_id,
                                     ContentItem.team_id == actor.team_id)
    ))
    errors = {
        k: "Must be a content item of this campaign."
        for k in ("variant_a_id", "variant_b_id") if clean.get(k) is not None and clean[k] not in found
    }
    raise_for(errors)


def list_ab_tests(actor: Actor, campaign_id) -> list[ABTest]:
    """The campaign's A/B tests in creation order."""
    campaign = get_campaign_row(actor, campaign_id)
    return list(db.session.scalars(
        select(ABTest).where(ABTest.campaign_id == campaign.id, ABTest.team_id == actor.team_id).order_by(ABTest.id)
    ))


def get_ab_test(actor: Actor, campaign_id, test_id) -> ABTest:
    """One A/B test of the team's campaign; NotFound otherwise."""
    cid, tid = row_id(campaign_id), row_id(test_id)
    if cid is None or tid is None:
        raise NotFound("A/B test not found")
    test = db.session.scalar(
        select(ABTest).where(ABTest.id == tid, ABTest.campaign_id == cid, ABTest.team_id == actor.team_id)
    )
    if test is None:
        raise NotFound("A/B test not found")
    return test


def create_ab_test(actor: Actor, campaign_id, data: dict) -> ABTest:
    """Record an A/B test between two content items of the same campaign (typed data, ABTestForm)."""
    require_role(actor, "editor")
    campaign = get_campaign_row(actor, campaign_id)
    merged = {**AB_DEFAULTS, **{key: data[key] for key in AB_FIELDS if key in data}}
    raise_for(check_ab_test(merged))
    merged["results"] = clean_results(merged["results"])
    _check_variants(actor, campaign.id, merged)
    test = ABTest(campaign_id=campaign.id, team_id=actor.team_id, **merged)
    db.session.add(test)
    db.session.flush()
    return test


def update_ab_test(actor: Actor, campaign_id, test_id, data: dict) -> ABTest:
    """Partial update of an A/B test record."""
    require_role(actor, "editor")
    test = get_ab_test(actor, campaign_id, test_id)
    clean = {key: data[key] for key in AB_FIELDS if key in data}
    raise_for(check_ab_test({**{key: getattr(test, key) for key in AB_FIELDS}, **clean}))
    if "results" in clean:
        clean["results"] = clean_results(clean["results"])
    _check_variants(actor, test.campaign_id, clean)
    for key, value in clean.items():
        setattr(test, key, value)
    db.session.flush()
    return test


def delete_ab_test(actor: Actor, campaign_id, test_id) -> None:
    """Delete an A/B test record (its content items stay)."""
    require_role(actor, "editor")
    test = get_ab_test(actor, campaign_id, test_id)
    db.session.delete(test)
    db.session.flush()


def ab_test_to_dict(test: ABTest) -> dict:
    """snake_case dict of an A/B test (the seed's testName is `name` here; both are sent)."""
    return {
        "id": test.id,
        "campaign_id": test.campaign_id,
        "name": test.name,
        "test_name": test.name,
        "test_type": test.test_type,
        "status": test.status,
        "variant_a_id": test.variant_a_id,
        "variant_b_id": test.variant_b_id,
        "start_date": test.start_date,
        "results": test.results or {},
        "winner": test.winner,
        "confidence": test.confidence,
        "created_at": test.created_at,
    }
