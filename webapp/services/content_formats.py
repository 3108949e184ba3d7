"""The formats a content item can be (content type × platform), their platforms' names and their
character limits, as views read them. The table itself lives with the writers (ai/platforms.py),
which are held to the same limits; views take it from here, never from ai/ directly."""
from __future__ import annotations

from ..ai.platforms import CONTENT_TYPE_PLATFORMS, is_valid_platform, limits_for, platform_name


def format_pairs() -> list[tuple[str, str]]:
    """Every (content_type, platform) a content item can be, in the limits table's order."""
    return [(ct, pf) for ct, platforms in CONTENT_TYPE_PLATFORMS.items() for pf in platforms]


__all__ = ["CONTENT_TYPE_PLATFORMS", "format_pairs", "is_valid_platform", "limits_for", "platform_name"]
