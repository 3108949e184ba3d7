"""The campaign's rules as pure functions over typed data (CampaignForm.to_data converts the input):
field checks, status transitions and the pieces a full generation writes. The forms, the service
and the unit tests all call these."""
from __future__ import annotations

from decimal import Decimal

from ..ai.platforms import CONTENT_TYPE_PLATFORMS, is_valid_platform
from ..models import CAMPAIGN_STATUSES, CONTENT_TYPES, OBJECTIVES, PLATFORMS
from .access import row_id
from .currencies import is_currency
from .field_limits import CAMPAIGN

# Status changes a person may make (jobs set theirs through jobs.campaign_status). Same-status is always fine.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"active", "generating"},
    "active": {"completed", "draft", "generating"},
    "generating": {"completed", "failed", "active", "draft"},
    "completed": {"active"},
    "failed": {"draft", "active", "generating"},
}
# Statuses only Herald sets: "generating" while a job writes, "failed" when it gave up.
SYSTEM_STATUSES = frozenset({"generating", "failed"})
MANUAL_STATUSES = tuple(s for s in CAMPAIGN_STATUSES if s not in SYSTEM_STATUSES)

MAX_BUDGET = Decimal("999999999999.99")  # the column holds 14 digits with 2 decimals: 1e12 does not fit
FIELDS = (
    "persona_id", "name", "description", "objective", "status", "budget", "currency", "start_date",
    "end_date", "tone", "keywords", "content_types", "platforms", "creativity_level", "include_visuals",
    "custom_instructions",
)
SETTINGS_FIELDS = ("content_types", "platforms", "creativity_level", "include_visuals", "custom_instructions")
# A new campaign's values for keys the caller leaves out.
DEFAULTS: dict = {
    "name": "", "description": "", "objective": "awareness", "status": "draft", "budget": Decimal("0"),
    "currency": "USD", "start_date": None, "end_date": None, "tone": "", "keywords": "",
    "content_types": [], "platforms": [], "creativity_level": 5, "include_visuals": False,
    "custom_instructions": "", "persona_id": None,
}

# What a full generation writes when the campaign names no content types or platforms.
DEFAULT_PIECES: dict[str, list[tuple[str, str]]] = {
    "awareness": [("social_post", "linkedin"), ("social_post", "twitter"), ("social_post", "instagram"),
                  ("ad_copy", "meta_ads")],
    "consideration": [("email", "email"), ("social_post", "linkedin"), ("ad_copy", "linkedin")],
    "conversion": [("email", "email"), ("ad_copy", "google_ads"), ("ad_copy", "meta_ads")],
}
DEFAULT_PLATFORM = {"email": "email", "social_post": "linkedin", "ad_copy": "google_ads"}


def split_keywords(keywords) -> list[str]:
    """'a, b,,c' → ['a', 'b', 'c']; a list is accepted as is."""
    if isinstance(keywords, (list, tuple)):
        parts = [str(k) for k in keywords]
    else:
        parts = str(keywords or "").split(",")
    return [p.strip() for p in parts if p.strip()]


def _text_errors(data: dict) -> dict[str, str]:
    errors = {key: problem for key, rule in CAMPAIGN.items() if (problem := rule.too_long(data.get(key)))}
    if "name" not in errors and not (data.get("name") or "").strip():
        errors["name"] = "Name is required."
    return errors


def _choice_errors(data: dict) -> dict[str, str]:
    errors = {}
    if data.get("objective") not in OBJECTIVES:
        errors["objective"] = f"Objective must be one of {', '.join(OBJECTIVES)}."
    if data.get("status") not in CAMPAIGN_STATUSES:
        errors["status"] = f"Status must be one of {', '.join(MANUAL_STATUSES)}."
    if not is_currency(data.get("currency")):
        errors["currency"] = "Currency must be an ISO 4217 code such as USD, EUR or GBP."
    persona_id = data.get("persona_id")
    if persona_id is not None and row_id(persona_id) is None:  # past the column's range
        errors["persona_id"] = "Choose one of your team's personas."
    return errors


def budget_problem(budget: Decimal | None) -> str | None:
    """Why a budget is not acceptable (None = fine)."""
    if budget is None or not budget.is_finite():
        return "Budget must be a finite number."
    if budget < 0:
        return "Budget cannot be negative."
    if budget > MAX_BUDGET:
        return "Budget must be less than 1,000,000,000,000."
    if budget != budget.quantize(Decimal("0.01")):
        return "Budget can have at most two decimal places."
    return None


def _number_errors(data: dict) -> dict[str, str]:
    errors = {}
    problem = budget_problem(data.get("budget", Decimal("0")))
    if problem:
        errors["budget"] = problem
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end < start:
        errors["end_date"] = "The end date must be on or after the start date."
    level = data.get("creativity_level", 5)
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 10:
        errors["creativity_level"] = "Creativity must be a whole number from 1 to 10."
    return errors


def _unknown_choice(types: list[str], platforms: list[str]) -> tuple[str, str] | None:
    unknown_types = [t for t in types if t not in CONTENT_TYPES]
    if unknown_types:
        return "content_types", f"Unknown content type {unknown_types[0]!r}; choose from {', '.join(CONTENT_TYPES)}."
    unknown_platforms = [p for p in platforms if p not in PLATFORMS]
    if unknown_platforms:
        return "platforms", f"Unknown platform {unknown_platforms[0]!r}; choose from {', '.join(PLATFORMS)}."
    return None


def _misfit(types: list[str], platforms: list[str]) -> tuple[str, str] | None:
    stray = [p for p in platforms if not any(is_valid_platform(t, p) for t in types)]
    if stray:
        return "platforms", f"{stray[0]} does not fit the chosen content types ({', '.join(types)})."
    lonely = [t for t in types if not any(is_valid_platform(t, p) for p in platforms)]
    if lonely:
        fits = ", ".join(CONTENT_TYPE_PLATFORMS[lonely[0]])
        return "platforms", f"Add a platform for {lonely[0]} content (one of: {fits})."
    return None


def settings_problem(types: list[str], platforms: list[str]) -> tuple[str, str] | None:
    """(field, message) when the content types and platforms do not make a plan, else None."""
    problem = _unknown_choice(types, platforms)
    if problem is None and types and platforms:
        problem = _misfit(types, platforms)
    return problem


def check_campaign(data: dict) -> dict[str, str]:
    """Field errors for a full, typed campaign dict (pure: no database)."""
    errors = {**_text_errors(data), **_choice_errors(data), **_number_errors(data)}
    problem = settings_problem(data.get("content_types") or [], data.get("platforms") or [])
    if problem:
        errors[problem[0]] = problem[1]
    return errors


def transition_problem(old: str, new: str) -> str | None:
    """Why a person may not move a campaign from `old` to `new` status (None = allowed)."""
    if old == new:
        return None
    if new == "generating":
        return "Herald sets “generating” itself while it writes; start a generation instead."
    if new == "failed":
        return "“failed” is set by Herald when a generation gives up."
    if new not in ALLOWED_TRANSITIONS.get(old, set()):
        allowed = sorted(s for s in ALLOWED_TRANSITIONS.get(old, set()) if s not in SYSTEM_STATUSES)
        hint = f"; it can become {', '.join(allowed)}" if allowed else ""
        return f"A {old} campaign cannot go to {new}{hint}."
    return None


def manual_status_choices(current: str) -> list[str]:
    """The current status and the ones a person may move a campaign to from it."""
    return [s for s in CAMPAIGN_STATUSES
            if s == current or (s in ALLOWED_TRANSITIONS.get(current, set()) and s not in SYSTEM_STATUSES)]


def _known(values, allowed) -> list[str]:
    return [v for v in values or [] if v in allowed]


def planned_pieces(campaign) -> list[tuple[str, str]]:
    """(content_type, platform) pairs a full generation writes: each chosen content type × each
    chosen platform valid for it. With no types and no platforms, a default per objective; with
    types only, each type's usual platform; with platforms only, every type those platforms fit."""
    types, platforms = _known(campaign.content_types, CONTENT_TYPES), _known(campaign.platforms, PLATFORMS)
    if not types and not platforms:
        return list(DEFAULT_PIECES.get(campaign.objective, DEFAULT_PIECES["awareness"]))
    if not platforms:
        return [(t, DEFAULT_PLATFORM[t]) for t in types]
    if not types:
        types = [t for t in CONTENT_TYPES if any(is_valid_platform(t, p) for p in platforms)]
    return [(t, p) for t in types for p in platforms if is_valid_platform(t, p)]
