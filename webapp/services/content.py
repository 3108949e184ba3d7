"""Content items of a campaign (manual add/edit; AI writing lives in services.generation) and
A/B test records (schema and CRUD; the results workflow comes later)."""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy import select

from ..ai.platforms import CONTENT_TYPE_PLATFORMS, check, is_valid_platform
from ..extensions import db
from ..models import AB_TEST_STATUSES, AB_TEST_TYPES, CONTENT_STATUSES, CONTENT_TYPES, ABTest, ContentItem
from .access import Actor, require_role, row_id
from .campaigns import get_campaign_row
from .errors import NotFound, ValidationFailed
from .generation import rescore

TEXT_LIMITS: dict[str, tuple[int, str]] = {
    "subject_line": (255, "Subject line"),
    "preheader": (255, "Preheader"),
    "body": (20000, "Content body"),
    "call_to_action": (255, "Call to action"),
    "visual_url": (2048, "Visual URL"),
    "variant_group": (36, "Variant group"),
}
LIST_LIMITS: dict[str, tuple[int, int, str]] = {  # field → (most items, longest item, label)
    "headlines": (15, 255, "Headlines"),
    "descriptions": (15, 500, "Descriptions"),
    "hashtags": (30, 100, "Hashtags"),
}
FIELDS = ("content_type", "platform", "status", "visual_brief", *TEXT_LIMITS, *LIST_LIMITS)
VISUAL_BRIEF_KEYS = ("description", "alt_text", "aspect_ratio")


# --- rules (pure) -----------------------------------------------------------------------------

def normalise_content(data: dict) -> tuple[dict, dict[str, str]]:
    """Coerce the keys present in `data`; wrong JSON types become field errors. Returns (clean, errors)."""
    clean: dict = {}
    errors: dict[str, str] = {}
    for key in FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in TEXT_LIMITS or key in ("content_type", "platform", "status"):
            if value is None:
                value = None if key == "variant_group" else ""
            elif not isinstance(value, str):
                errors[key] = "Must be text."
                continue
            else:
                value = value.strip() if key != "body" else value
                if key == "variant_group" and not value:
                    value = None
        elif key in LIST_LIMITS:
            if value is None:
                value = []
            if isinstance(value, str):
                # A form's textarea: one entry per line (hashtags may also be space separated).
                value = value.split() if key == "hashtags" else value.splitlines()
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[key] = "Must be a list of text."
                continue
            value = [v.strip() for v in value if v.strip()]
            if key == "hashtags":
                value = list(dict.fromkeys(v.lstrip("#") for v in value if v.lstrip("#")))
        elif key == "visual_brief":
            if value in (None, {}):
                value = None
            elif not isinstance(value, dict) or not all(
                isinstance(value.get(k, ""), str) for k in VISUAL_BRIEF_KEYS
            ):
                errors[key] = "Must be an object with description, alt_text and aspect_ratio text."
                continue
            else:
                value = {k: value.get(k, "").strip() for k in VISUAL_BRIEF_KEYS}
        clean[key] = value
    return clean, errors


def check_content(data: dict) -> dict[str, str]:
    """Field errors for a full, normalised content dict (pure)."""
    errors: dict[str, str] = {}
    ctype, platform = data.get("content_type"), data.get("platform")
    if ctype not in CONTENT_TYPES:
        errors["content_type"] = f"Content type must be one of {', '.join(CONTENT_TYPES)}."
    elif not is_valid_platform(ctype, platform):
        errors["platform"] = (
            f"{ctype} content can go on {', '.join(CONTENT_TYPE_PLATFORMS[ctype])}, not {platform or 'nothing'}."
        )
    if data.get("status", "draft") not in CONTENT_STATUSES:
        errors["status"] = f"Status must be one of {', '.join(CONTENT_STATUSES)}."
    for key, (limit, label) in TEXT_LIMITS.items():
        value = data.get(key) or ""
        if len(value) > limit:
            errors[key] = f"{label} must be at most {limit:,} characters (it has {len(value):,})."
    for key, (most, longest, label) in LIST_LIMITS.items():
        items = data.get(key) or []
        if len(items) > most:
            errors[key] = f"{label}: at most {most} entries (there are {len(items)})."
        elif any(len(v) > longest for v in items):
            errors[key] = f"{label}: each entry at most {longest} characters."
    url = data.get("visual_url") or ""
    if url and "visual_url" not in errors:
        parts = urlsplit(url)
        # Only web URLs and our own paths: a javascript: or data: URL would run or smuggle content.
        if not ((parts.scheme in ("http", "https") and parts.netloc) or (not parts.scheme and url.startswith("/")
                                                                        and not url.startswith("//"))):
            errors["visual_url"] = "Use an http(s) address or an uploaded asset's path."
    brief = data.get("visual_brief")
    if brief and any(len(v) > 1000 for v in brief.values()):
        errors["visual_brief"] = "Visual brief entries must be at most 1,000 characters each."
    return errors


def _raise(errors: dict[str, str]) -> None:
    if errors:
        first = next(iter(errors.values()))
        message = first if len(errors) == 1 else f"Please correct {len(errors)} fields: {first}"
        raise ValidationFailed(message, errors)


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
    """Add a manual content item (generated_by="manual") to the team's campaign."""
    require_role(actor, "editor")
    campaign = get_campaign_row(actor, campaign_id)
    clean, errors = normalise_content(data)
    merged = {
        "content_type": "", "platform": "", "status": "draft", "subject_line": "", "preheader": "",
        "body": "", "call_to_action": "", "visual_url": "", "variant_group": None, "headlines": [],
        "descriptions": [], "hashtags": [], "visual_brief": None, **clean,
    }
    _raise({**check_content(merged), **errors})
    item = ContentItem(campaign_id=campaign.id, team_id=actor.team_id, generated_by="manual", **merged)
    db.session.add(item)
    db.session.flush()
    _refresh_checks(item)
    db.session.flush()
    return item


def update_content(actor: Actor, campaign_id, item_id, data: dict) -> ContentItem:
    """Change only the keys present; re-checks platform limits and re-scores the item."""
    require_role(actor, "editor")
    item = get_content(actor, campaign_id, item_id)
    clean, errors = normalise_content(data)
    merged = {key: getattr(item, key) for key in FIELDS}
    merged.update(clean)
    _raise({**check_content(merged), **errors})
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

AB_FIELDS = ("name", "test_type", "status", "variant_a_id", "variant_b_id", "start_date", "results",
             "winner", "confidence")
RESULT_METRICS = ("sent", "impressions", "opens", "clicks", "conversions")


def _ab_normalise(data: dict) -> tuple[dict, dict[str, str]]:
    clean: dict = {}
    errors: dict[str, str] = {}
    for key in AB_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in ("name", "test_type", "status"):
            if not isinstance(value, str):
                errors[key] = "Must be text."
                continue
            value = value.strip()
        elif key in ("variant_a_id", "variant_b_id"):
            if value in (None, ""):
                value = None
            elif row_id(value) is None:  # also refuses booleans and ids past the column's range
                errors[key] = "Must be a content item id."
                continue
            else:
                value = row_id(value)
        elif key == "start_date":
            if value in (None, ""):
                value = None
            elif isinstance(value, datetime):
                value = value.date()
            elif not isinstance(value, date):
                try:
                    text = str(value).strip() if isinstance(value, str) else None
                    value = date.fromisoformat(text[:10] if "T" in text else text)
                except (TypeError, ValueError):
                    errors[key] = "Use a date like 2025-03-31."
                    continue
        elif key == "results":
            if value is None:
                value = {}
            problem = _results_problem(value)
            if problem:
                errors[key] = problem
                continue
            value = {v: {m: _count(value[v][m]) for m in RESULT_METRICS if m in value[v]} for v in value}
        elif key == "winner":
            if value in (None, ""):
                value = None
            elif value not in ("a", "b"):
                errors[key] = "Winner must be \"a\", \"b\" or empty."
                continue
        elif key == "confidence":
            if value is None:
                pass
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                errors[key] = "Confidence must be a number from 0 to 1."
                continue
            else:
                value = float(value)
        clean[key] = value
    return clean, errors


def _count(n) -> int | None:
    """A result count: a whole number from 0 to 10**12 (JSON's 3.0 is 3), else None."""
    if isinstance(n, bool) or not isinstance(n, (int, float)):
        return None
    if isinstance(n, float) and not n.is_integer():  # also NaN and the infinities
        return None
    return int(n) if 0 <= n <= 10**12 else None


def _results_problem(value) -> str | None:
    if not isinstance(value, dict) or not set(value) <= {"a", "b"}:
        return "Results must be an object with \"a\" and/or \"b\" entries."
    for variant in value.values():
        if not isinstance(variant, dict) or not set(variant) <= set(RESULT_METRICS):
            return f"Each variant's results may hold {', '.join(RESULT_METRICS)}."
        if any(_count(n) is None for n in variant.values()):
            return "Result counts must be whole numbers ≥ 0."
    return None


def check_ab_test(data: dict) -> dict[str, str]:
    """Field errors for a full, normalised A/B test dict (pure; variant ownership is checked apart)."""
    errors: dict[str, str] = {}
    name = data.get("name") or ""
    if not name:
        errors["name"] = "Name is required."
    elif len(name) > 120:
        errors["name"] = f"Name must be at most 120 characters (it has {len(name)})."
    if data.get("test_type") not in AB_TEST_TYPES:
        errors["test_type"] = f"Test type must be one of {', '.join(AB_TEST_TYPES)}."
    if data.get("status") not in AB_TEST_STATUSES:
        errors["status"] = f"Status must be one of {', '.join(AB_TEST_STATUSES)}."
    a, b = data.get("variant_a_id"), data.get("variant_b_id")
    if a is not None and a == b:
        errors["variant_b_id"] = "Variant B must be a different content item from variant A."
    return errors


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
    _raise(errors)


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
    """Record an A/B test between two content items of the same campaign."""
    require_role(actor, "editor")
    campaign = get_campaign_row(actor, campaign_id)
    clean, errors = _ab_normalise(data)
    merged = {"name": "", "test_type": "subject_line", "status": "draft", "variant_a_id": None,
              "variant_b_id": None, "start_date": None, "results": {}, "winner": None, "confidence": None,
              **clean}
    _raise({**check_ab_test(merged), **errors})
    _check_variants(actor, campaign.id, merged)
    test = ABTest(campaign_id=campaign.id, team_id=actor.team_id, **merged)
    db.session.add(test)
    db.session.flush()
    return test


def update_ab_test(actor: Actor, campaign_id, test_id, data: dict) -> ABTest:
    """Partial update of an A/B test record."""
    require_role(actor, "editor")
    test = get_ab_test(actor, campaign_id, test_id)
    clean, errors = _ab_normalise(data)
    merged = {key: getattr(test, key) for key in AB_FIELDS}
    merged.update(clean)
    _raise({**check_ab_test(merged), **errors})
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
