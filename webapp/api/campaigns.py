"""Campaigns API at the seed's paths, plus content items and A/B tests of a campaign as resources:

/api/campaigns (list, create), /api/campaigns/<id> (read, update, delete), /api/campaigns/stats,
/api/campaigns/dashboard, /api/campaigns/<id>/content[/<item_id>], /api/campaigns/<id>/ab-tests[/<test_id>].
Views parse (the forms), call one service, commit, answer in the seed's camelCase.
"""
from __future__ import annotations

from flask import request, url_for

from ..auth import require_actor
from ..extensions import db
from ..forms.campaigns import CampaignForm
from ..forms.content import ABTestForm, ContentItemForm
from ..services import campaigns, choices, content, stats
from ..services.access import MAX_ROW_ID
from ..services.campaigns import MANUAL_STATUSES, MAX_BUDGET, SETTINGS_FIELDS, SORT_CHOICES
from ..services.content_rules import VISUAL_URL_PATTERN
from ..services.currencies import CURRENCY_CODES
from ..services.errors import ValidationFailed
from ..services.field_limits import AB_TEST, CAMPAIGN, CONTENT, CONTENT_LISTS
from . import bp
from .body import PAGE_QUERY, PLATFORM_FITS, WRITE_ERRORS, json_object, page_wire
from .openapi import nullable_text, operation
from .wire import camel, to_wire

# --- schemas ----------------------------------------------------------------------------------

_DATE = {"type": ["string", "null"], "format": "date", "description": "A date like 2025-03-31; null for none."}
_DATETIME = {"type": "string", "format": "date-time"}
_STR_LIST = {"type": "array", "items": {"type": "string"}}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}


def _list_of(rule) -> dict:
    return {"type": "array", "items": {"type": "string", "maxLength": rule.max}, "maxItems": rule.items}


_SETTINGS = {
    "type": "object",
    "properties": {
        "contentTypes": {"type": "array", "items": {"type": "string", "enum": list(choices.CONTENT_TYPES)}},
        "platforms": {"type": "array", "items": {"type": "string", "enum": list(choices.PLATFORMS)},
                      "description": f"Each must fit one of the content types ({PLATFORM_FITS})."},
        "creativityLevel": {"type": "integer", "minimum": 1, "maximum": 10},
        "includeVisuals": {"type": "boolean"},
        "customInstructions": {"type": "string", "maxLength": CAMPAIGN["custom_instructions"].max},
    },
}
# What a client sends: the free text of generationSettings may be null too (read as empty).
_SETTINGS_INPUT = {**_SETTINGS, "properties": nullable_text(_SETTINGS["properties"])}
_CAMPAIGN_FIELDS = {
    "personaId": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ROW_ID,
                  "description": "One of the team's (unarchived) personas."},
    "name": {"type": "string", "minLength": 1, "maxLength": CAMPAIGN["name"].max},
    "description": {"type": "string", "maxLength": CAMPAIGN["description"].max},
    "objective": {"type": "string", "enum": list(choices.OBJECTIVES)},
    "status": {"type": "string", "enum": list(choices.CAMPAIGN_STATUSES),
               "description": "Changes follow the allowed transitions (no completed → draft); generating and failed "
                              "are set by Herald."},
    "budget": {"type": "number", "minimum": 0, "maximum": float(MAX_BUDGET), "multipleOf": 0.01},
    "currency": {"type": "string", "enum": sorted(CURRENCY_CODES), "description": "ISO 4217 code."},
    "startDate": _DATE,
    "endDate": {**_DATE, "description": "On or after startDate; null for none."},
    "tone": {"type": "string", "maxLength": CAMPAIGN["tone"].max},
    "keywords": {"type": "string", "maxLength": CAMPAIGN["keywords"].max,
                 "description": "Comma-separated (a list is accepted on input and joined with \", \")."},
    "generationSettings": _SETTINGS,
}
# Herald alone sets generating and failed; a client may choose the rest (transitions still apply).
_INPUT_STATUS = {"status": {"type": "string", "enum": list(MANUAL_STATUSES),
                            "description": "draft, active or completed, following the allowed transitions."},
                 "generationSettings": _SETTINGS_INPUT}
_METADATA = {
    "type": "object",
    "properties": {
        "generatedBy": {"type": "string", "enum": ["ai", "manual"]}, "jobId": {"type": ["string", "null"]},
        "generatedAt": {"type": ["string", "null"], "format": "date-time"}, "model": {"type": "string"},
        "promptTokens": {"type": "integer"}, "completionTokens": {"type": "integer"},
    },
}
_VISUAL_BRIEF = {
    "type": ["object", "null"],
    "properties": {"description": {"type": "string"}, "altText": {"type": "string"}, "aspectRatio": {"type": "string"}},
}
_CONTENT_FIELDS = {
    "contentType": {"type": "string", "enum": list(choices.CONTENT_TYPES)},
    "platform": {"type": "string", "enum": list(choices.PLATFORMS), "description": "Must fit the content type."},
    **{camel(key): {"type": "string", "maxLength": rule.max} for key, rule in CONTENT.items()},
    **{camel(key): _list_of(rule) for key, rule in CONTENT_LISTS.items()},
    "visualUrl": {"type": "string", "maxLength": CONTENT["visual_url"].max, "pattern": VISUAL_URL_PATTERN,
                  "description": "An http(s) URL or an uploaded asset's path (/…, not //…); empty for none."},
    "visualBrief": _VISUAL_BRIEF,
    "status": {"type": "string", "enum": list(choices.CONTENT_STATUSES)},
    "variantGroup": {"type": ["string", "null"], "maxLength": CONTENT["variant_group"].max},
}
# On input a list may also be one text: one entry per line (hashtags: separated by spaces or commas).
_LISTS_INPUT = {camel(key): {"oneOf": [_list_of(rule), {"type": "string"}]} for key, rule in CONTENT_LISTS.items()}
_RESULTS = {
    "type": "object", "additionalProperties": False,
    "properties": {v: {"type": "object", "additionalProperties": False,
                       "properties": {m: {"type": "integer", "minimum": 0, "maximum": 10**12}
                                      for m in content.RESULT_METRICS}} for v in ("a", "b")},
}
_AB_NAME = {"type": "string", "minLength": 1, "maxLength": AB_TEST["name"].max}
_AB_ALIAS = {**_AB_NAME, "description": "The seed's name for `name`; when both are sent they must be the same."}
_AB_FIELDS = {
    "name": _AB_NAME,
    "testType": {"type": "string", "enum": list(choices.AB_TEST_TYPES)},
    "status": {"type": "string", "enum": list(choices.AB_TEST_STATUSES)},
    "variantAId": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ROW_ID,
                   "description": "A content item of the same campaign."},
    "variantBId": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ROW_ID,
                   "description": "Another content item of the same campaign."},
    "startDate": _DATE,
    "results": {**_RESULTS, "type": ["object", "null"], "description": "null: no results yet."},
    "winner": {"type": ["string", "null"], "enum": ["a", "b", "", None], "description": "\"\" or null: none yet."},
    "confidence": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
}


def _page_of(schema: str) -> dict:
    return {
        "type": "object", "required": ["items", "page", "perPage", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
            "page": {"type": "integer", "minimum": 1}, "perPage": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
        },
    }


_STATS_PROPERTIES = {
    "totals": {"type": "object", "properties": {"campaigns": {"type": "integer"}, "contentItems": {"type": "integer"},
                                                "scoredItems": {"type": "integer"}}},
    "byStatus": {**_COUNTS, "description": "Campaign count per status (every status present)."},
    "byObjective": _COUNTS,
    "contentByType": {**_COUNTS, "description": "Keys are content types (email, social_post, ad_copy)."},
    "contentByPlatform": _COUNTS,
    "averageQualityScore": {"type": ["number", "null"], "description": "Mean over scored items; null if none."},
    "budgetByCurrency": {"type": "object", "additionalProperties": {"type": "number"},
                         "description": "Total budget per ISO 4217 currency (never summed across currencies)."},
}
SCHEMAS: dict = {
    "Campaign": {
        "type": "object",
        "required": ["id", "name", "objective", "status", "budget", "currency", "generationSettings", "createdAt",
                     "updatedAt"],
        "properties": {
            "id": {"type": "integer"}, "userId": {"type": ["integer", "null"]},
            **_CAMPAIGN_FIELDS,
            "personaName": {"type": ["string", "null"]},
            "content": {"type": "array", "items": {"$ref": "#/components/schemas/ContentItem"},
                        "description": "In single-campaign answers."},
            "abTests": {"type": "array", "items": {"$ref": "#/components/schemas/ABTest"},
                        "description": "In single-campaign answers."},
            "createdAt": _DATETIME, "updatedAt": _DATETIME,
        },
    },
    "CampaignInput": {
        "type": "object", "required": ["name"],
        "description": "A new campaign: `name` is required. Unknown and read-only keys are ignored.",
        "properties": nullable_text({**_CAMPAIGN_FIELDS, **_INPUT_STATUS, "keywords": {"oneOf": [
            {"type": ["string", "null"], "maxLength": CAMPAIGN["keywords"].max}, _STR_LIST]}}),
    },
    "CampaignUpdate": {
        "type": "object",
        "description": "Changes only the fields sent (generationSettings too, key by key). Unknown and read-only "
                       "keys are ignored.",
        "properties": nullable_text({**_CAMPAIGN_FIELDS, **_INPUT_STATUS, "keywords": {"oneOf": [
            {"type": ["string", "null"], "maxLength": CAMPAIGN["keywords"].max}, _STR_LIST]}}),
    },
    "CampaignPage": _page_of("Campaign"),
    "ContentItem": {
        "type": "object", "required": ["id", "campaignId", "contentType", "platform", "contentBody", "metadata"],
        "properties": {
            "id": {"type": "integer"}, "campaignId": {"type": "integer"},
            **_CONTENT_FIELDS,
            "qualityScore": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
            "scoreBreakdown": {"type": ["object", "null"]},
            "violations": {**_STR_LIST, "description": "Platform-limit problems found in this item."},
            "metadata": _METADATA,
            "createdAt": _DATETIME, "updatedAt": _DATETIME,
        },
    },
    "ContentItemInput": {
        "type": "object", "required": ["contentType", "platform"],
        "description": "A new content item: contentType and a platform that fits it are required, and the "
                       "format's own required fields (an email: subjectLine and contentBody; a Google Ads ad: "
                       "headlines; the others: contentBody). Fields the format does not have (hashtags on an "
                       "email) must be empty. Score, violations and metadata are computed by Herald.",
        "properties": nullable_text({**_CONTENT_FIELDS, **_LISTS_INPUT}),
    },
    "ContentItemUpdate": {
        "type": "object",
        "description": "Changes only the fields sent (re-checked and re-scored). \"status\": \"approved\" "
                       "needs a piece that passes its platform's hard limits (422 on status otherwise).",
        "properties": nullable_text({**_CONTENT_FIELDS, **_LISTS_INPUT}),
    },
    "ContentItemList": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/ContentItem"}}}},
    "ABTest": {
        "type": "object", "required": ["id", "campaignId", "name", "testType", "status"],
        "properties": {"id": {"type": "integer"}, "campaignId": {"type": "integer"}, **_AB_FIELDS,
                       "testName": {"type": "string", "description": "The seed's name for `name`."},
                       "createdAt": _DATETIME},
    },
    "ABTestInput": {
        "type": "object", "description": "A new A/B test: name (or the seed's testName) is required.",
        "anyOf": [{"required": ["name"]}, {"required": ["testName"]}],
        "properties": {**_AB_FIELDS, "testName": _AB_ALIAS},
    },
    "ABTestUpdate": {
        "type": "object", "description": "Changes only the fields sent.",
        "properties": {**_AB_FIELDS, "testName": _AB_ALIAS},
    },
    "ABTestList": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/ABTest"}}}},
    "Stats": {"type": "object", "required": list(_STATS_PROPERTIES), "properties": _STATS_PROPERTIES},
    "Dashboard": {
        "type": "object",
        "properties": {
            **_STATS_PROPERTIES,
            "recentCampaigns": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "status": {"type": "string"},
                "objective": {"type": "string"}, "updatedAt": _DATETIME, "createdAt": _DATETIME,
                "personaId": {"type": ["integer", "null"]},
                "personaName": {"type": ["string", "null"]}}}},
            "recentActivity": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": "string", "enum": ["content", "job", "campaign"]},
                "id": {"type": ["integer", "string"]}, "campaignId": {"type": ["integer", "null"]},
                "campaignName": {"type": ["string", "null"]}, "summary": {"type": "string"},
                "status": {"type": "string"}, "at": _DATETIME}}},
            "generationUsage": {"type": ["object", "null"], "properties": {
                "promptTokens": {"type": "integer"}, "completionTokens": {"type": "integer"},
                "total": {"type": "integer"}, "budget": {"type": ["integer", "null"]},
                "remaining": {"type": ["integer", "null"]}, "resetsAt": _DATETIME}},
        },
    },
}

STATS_MAPS = frozenset({"by_status", "by_objective", "content_by_type", "content_by_platform", "budget_by_currency"})
LIST_QUERY = {
    "q": "Search name, description and keywords.",
    "status": {"type": "string", "enum": list(choices.CAMPAIGN_STATUSES), "description": "Filter by status."},
    "objective": {"type": "string", "enum": list(choices.OBJECTIVES), "description": "Filter by objective."},
    "personaId": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID,
                  "description": "Filter: campaigns targeting this persona."},
    "sort": {"type": "string", "enum": list(SORT_CHOICES), "description": "Sort order (default -updated_at)."},
    **PAGE_QUERY,
}


# --- parsing ----------------------------------------------------------------------------------

def _campaign_form(*, partial: bool = False) -> CampaignForm:
    """The campaign body with generationSettings un-nested into the flat fields the form knows."""
    payload = json_object()
    if "generation_settings" in payload:
        settings = payload.pop("generation_settings")
        if not isinstance(settings, dict):
            raise ValidationFailed("generationSettings must be an object.",
                                   {"generation_settings": "Must be an object."})
        payload.update({k: v for k, v in settings.items() if k in SETTINGS_FIELDS})
    return CampaignForm.from_json(payload, partial=partial)


def _nest_errors(exc: ValidationFailed) -> ValidationFailed:
    """Name generation-settings fields as the wire nests them (generationSettings.creativityLevel)."""
    fields = {
        (f"generationSettings.{camel(k)}" if k in SETTINGS_FIELDS else k): v for k, v in exc.fields.items()
    }
    return ValidationFailed(exc.message, fields, **exc.extra)


def _campaign(campaign, **kw) -> dict:
    return to_wire(campaigns.campaign_to_dict(campaign, **kw))


def _item(item) -> dict:
    return to_wire(content.content_to_dict(item))


def _ab(test) -> dict:
    return to_wire(content.ab_test_to_dict(test))


# --- campaigns --------------------------------------------------------------------------------

@bp.get("/campaigns")
@operation("List the team's campaigns (search, filter, sort, paginate)", tag="campaigns", response="CampaignPage",
           query=LIST_QUERY, errors=(400,))
def list_campaigns():
    actor = require_actor()
    args = request.args
    page = campaigns.list_campaigns(
        actor, q=args.get("q"), status=args.get("status"), objective=args.get("objective"),
        persona_id=args.get("personaId"), sort=args.get("sort") or "-updated_at",
        page=args.get("page"), per_page=args.get("perPage"),
    )
    return page_wire(page, _campaign)


@bp.post("/campaigns")
@operation("Create a campaign", tag="campaigns", body="CampaignInput", response="Campaign", status=201,
           errors=WRITE_ERRORS)
def create_campaign():
    actor = require_actor("editor")
    form = _campaign_form()
    try:
        form.raise_if_invalid()
        campaign = campaigns.create_campaign(actor, form.to_data())
    except ValidationFailed as exc:
        raise _nest_errors(exc) from None
    # Serialise before the commit expires the (lazy="raise") relationships.
    body = _campaign(campaign, content=[], ab_tests=[])
    db.session.commit()
    return body, 201, {"Location": url_for("api.get_campaign", campaign_id=campaign.id)}


@bp.get("/campaigns/<int:campaign_id>")
@operation("Get a campaign with its content items and A/B tests", tag="campaigns", response="Campaign",
           errors=(404,))
def get_campaign(campaign_id: int):
    return _campaign(campaigns.get_campaign(require_actor(), campaign_id))


@bp.put("/campaigns/<int:campaign_id>")
@operation("Update a campaign (only the fields sent change; 409 for a status change while a job is generating it)",
           tag="campaigns", body="CampaignUpdate", response="Campaign", errors=(*WRITE_ERRORS, 409))
def update_campaign(campaign_id: int):
    actor = require_actor("editor")
    form = _campaign_form(partial=True)
    try:
        form.raise_if_invalid()
        campaign = campaigns.update_campaign(actor, campaign_id, form.to_data())
    except ValidationFailed as exc:
        raise _nest_errors(exc) from None
    body = _campaign(campaign)
    db.session.commit()
    return body


@bp.delete("/campaigns/<int:campaign_id>")
@operation("Delete a campaign with its content (409 while a job is generating it)", tag="campaigns",
           response={"type": "null"}, status=204, errors=(403, 404, 409))
def delete_campaign(campaign_id: int):
    campaigns.delete_campaign(require_actor("editor"), campaign_id)
    db.session.commit()
    return "", 204


@bp.get("/campaigns/stats")
@operation("Campaign statistics for the team", tag="campaigns", response="Stats")
def campaign_stats():
    return to_wire(stats.campaign_stats(require_actor()), keep_keys_of=STATS_MAPS)


@bp.get("/campaigns/dashboard")
@operation("Dashboard: statistics, recent campaigns, recent activity, this month's token usage", tag="campaigns",
           response="Dashboard")
def campaign_dashboard():
    return to_wire(stats.dashboard(require_actor()), keep_keys_of=STATS_MAPS)


# --- content items ----------------------------------------------------------------------------

@bp.get("/campaigns/<int:campaign_id>/content")
@operation("List a campaign's content items", tag="content items", response="ContentItemList", errors=(404,))
def list_content(campaign_id: int):
    return {"items": [_item(i) for i in content.list_content(require_actor(), campaign_id)]}


@bp.post("/campaigns/<int:campaign_id>/content")
@operation("Add a content item to a campaign (written by hand; AI writing is under /api/content and /api/jobs)",
           tag="content items", body="ContentItemInput", response="ContentItem", status=201, errors=WRITE_ERRORS)
def create_content(campaign_id: int):
    actor = require_actor("editor")
    form = ContentItemForm.from_json(json_object())
    form.raise_if_invalid()
    item = content.create_content(actor, campaign_id, form.to_data())
    body = _item(item)
    db.session.commit()
    return body, 201, {"Location": url_for("api.get_content", campaign_id=item.campaign_id, item_id=item.id)}


@bp.get("/campaigns/<int:campaign_id>/content/<int:item_id>")
@operation("Get a content item", tag="content items", response="ContentItem", errors=(404,))
def get_content(campaign_id: int, item_id: int):
    return _item(content.get_content(require_actor(), campaign_id, item_id))


@bp.put("/campaigns/<int:campaign_id>/content/<int:item_id>")
@operation("Update a content item (only the fields sent change; re-checked and re-scored)", tag="content items",
           body="ContentItemUpdate", response="ContentItem", errors=WRITE_ERRORS)
def update_content(campaign_id: int, item_id: int):
    actor = require_actor("editor")
    form = ContentItemForm.from_json(json_object(), partial=True)
    form.raise_if_invalid()
    item = content.update_content(actor, campaign_id, item_id, form.to_data())
    body = _item(item)
    db.session.commit()
    return body


@bp.delete("/campaigns/<int:campaign_id>/content/<int:item_id>")
@operation("Delete a content item", tag="content items", response={"type": "null"}, status=204, errors=(403, 404))
def delete_content(campaign_id: int, item_id: int):
    content.delete_content(require_actor("editor"), campaign_id, item_id)
    db.session.commit()
    return "", 204


# --- A/B tests --------------------------------------------------------------------------------

def _ab_write(service, *ids, partial: bool = False):
    """Call an A/B test write service with the body's form data. The seed calls `name` testName:
    accept it, and name it in field errors when that is what the client sent."""
    actor = require_actor("editor")
    payload = json_object()
    alias = "test_name" in payload and "name" not in payload
    if "test_name" in payload:
        test_name = payload.pop("test_name")
        if payload.setdefault("name", test_name) != test_name:  # both sent: they must agree
            raise ValidationFailed.for_fields({"test_name": "Send testName or name, or both the same."})
    try:
        form = ABTestForm.from_json(payload, partial=partial)
        form.raise_if_invalid()
        return service(actor, *ids, form.to_data())
    except ValidationFailed as exc:
        if not alias or "name" not in exc.fields:
            raise
        fields = {("test_name" if k == "name" else k): v for k, v in exc.fields.items()}
        raise ValidationFailed.for_fields(fields, **exc.extra) from None


@bp.get("/campaigns/<int:campaign_id>/ab-tests")
@operation("List a campaign's A/B tests", tag="ab tests", response="ABTestList", errors=(404,))
def list_ab_tests(campaign_id: int):
    return {"items": [_ab(t) for t in content.list_ab_tests(require_actor(), campaign_id)]}


@bp.post("/campaigns/<int:campaign_id>/ab-tests")
@operation("Record an A/B test between two content items of the campaign", tag="ab tests", body="ABTestInput",
           response="ABTest", status=201, errors=WRITE_ERRORS)
def create_ab_test(campaign_id: int):
    test = _ab_write(content.create_ab_test, campaign_id)
    body = _ab(test)
    db.session.commit()
    return body, 201, {"Location": url_for("api.get_ab_test", campaign_id=test.campaign_id, test_id=test.id)}


@bp.get("/campaigns/<int:campaign_id>/ab-tests/<int:test_id>")
@operation("Get an A/B test", tag="ab tests", response="ABTest", errors=(404,))
def get_ab_test(campaign_id: int, test_id: int):
    return _ab(content.get_ab_test(require_actor(), campaign_id, test_id))


@bp.put("/campaigns/<int:campaign_id>/ab-tests/<int:test_id>")
@operation("Update an A/B test (only the fields sent change)", tag="ab tests", body="ABTestUpdate",
           response="ABTest", errors=WRITE_ERRORS)
def update_ab_test(campaign_id: int, test_id: int):
    test = _ab_write(content.update_ab_test, campaign_id, test_id, partial=True)
    body = _ab(test)
    db.session.commit()
    return body


@bp.delete("/campaigns/<int:campaign_id>/ab-tests/<int:test_id>")
@operation("Delete an A/B test record", tag="ab tests", response={"type": "null"}, status=204, errors=(403, 404))
def delete_ab_test(campaign_id: int, test_id: int):
    content.delete_ab_test(require_actor("editor"), campaign_id, test_id)
    db.session.commit()
    return "", 204
