"""The choices forms and views offer (statuses, objectives, content types, platforms, roles) and the
formats a content item can be with their character limits, taken from the models and the AI library
once, so web/ and api/ never import those layers directly. (The limits table lives with the writers,
ai/platforms.py, which are held to the same limits.)"""
from __future__ import annotations

from ..ai.platforms import CONTENT_TYPE_PLATFORMS, is_valid_platform, limits_for, platform_name
from ..models import (
    AB_TEST_STATUSES,
    AB_TEST_TYPES,
    CAMPAIGN_STATUSES,
    CONTENT_STATUSES,
    CONTENT_TYPES,
    OBJECTIVES,
    PLATFORMS,
    ROLES,
)

CONTENT_TYPE_CHOICES = [("email", "Email"), ("social_post", "Social post"), ("ad_copy", "Ad copy")]
PLATFORM_CHOICES = [(p, platform_name(p).replace("email", "Email")) for p in PLATFORMS]
OBJECTIVE_CHOICES = [(o, o.capitalize()) for o in OBJECTIVES]
CONTENT_STATUS_CHOICES = [(s, s.capitalize()) for s in CONTENT_STATUSES]
assert [c for c, _ in CONTENT_TYPE_CHOICES] == list(CONTENT_TYPES)


def format_pairs() -> list[tuple[str, str]]:
    """Every (content_type, platform) a content item can be, in the limits table's order."""
    return [(ct, pf) for ct, platforms in CONTENT_TYPE_PLATFORMS.items() for pf in platforms]


__all__ = [
    "AB_TEST_STATUSES", "AB_TEST_TYPES", "CAMPAIGN_STATUSES", "CONTENT_STATUSES", "CONTENT_STATUS_CHOICES",
    "CONTENT_TYPES", "CONTENT_TYPE_CHOICES", "CONTENT_TYPE_PLATFORMS", "OBJECTIVES", "OBJECTIVE_CHOICES",
    "PLATFORMS", "PLATFORM_CHOICES", "ROLES", "format_pairs", "is_valid_platform", "limits_for", "platform_name",
]
