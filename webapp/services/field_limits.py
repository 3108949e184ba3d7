"""Field limits: the one table that the forms, the services' rules, the OpenAPI document and the
templates (the `field_limits` Jinja global) read, so a limit is written once.

Text fields have a longest length; list fields a most-entries count and a longest entry.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """`max` characters (for a list: per entry), `items` entries for a list, and the field's label."""

    max: int
    label: str
    items: int | None = None

    def too_long(self, value: str | None) -> str | None:
        """The message when `value` is over the limit, else None."""
        n = len(value or "")
        return f"{self.label} must be at most {self.max:,} characters (it has {n:,})." if n > self.max else None

    def list_problem(self, values: list[str] | None) -> str | None:
        """The message when a list has too many entries or an entry is too long, else None."""
        values = values or []
        if self.items is not None and len(values) > self.items:
            return f"{self.label}: at most {self.items} entries (there are {len(values)})."
        if any(len(v) > self.max for v in values):
            return f"{self.label}: each entry at most {self.max} characters."
        return None


TONE = Limit(60, "Tone")

CAMPAIGN: dict[str, Limit] = {
    "name": Limit(120, "Name"),
    "description": Limit(5000, "Description"),
    "tone": TONE,
    "keywords": Limit(1000, "Keywords"),
    "custom_instructions": Limit(4000, "Custom instructions"),
}
PERSONA: dict[str, Limit] = {  # the column sizes bound name and role; the rest are sane caps
    "name": Limit(120, "Name"),
    "role": Limit(120, "Role / title"),
    "demographics": Limit(2000, "Demographics"),
    "goals": Limit(4000, "Goals"),
    "pain_points": Limit(4000, "Pain points"),
    "objections": Limit(4000, "Objections"),
    "voice_notes": Limit(4000, "Voice notes"),
}
CONTENT: dict[str, Limit] = {
    "subject_line": Limit(255, "Subject line"),
    "preheader": Limit(255, "Preheader"),
    "body": Limit(20000, "Content body"),
    "call_to_action": Limit(255, "Call to action"),
    "visual_url": Limit(2048, "Visual URL"),
    "variant_group": Limit(36, "Variant group"),
}
CONTENT_LISTS: dict[str, Limit] = {
    "headlines": Limit(255, "Headlines", items=15),
    "descriptions": Limit(500, "Descriptions", items=15),
    "hashtags": Limit(100, "Hashtags", items=30),
}
VISUAL_BRIEF_ENTRY = Limit(1000, "Visual brief entries")
AB_TEST: dict[str, Limit] = {"name": Limit(120, "Name")}
ACCOUNT: dict[str, Limit] = {
    "email": Limit(254, "Email"),
    "user_name": Limit(120, "Name"),
    "token_name": Limit(80, "Token name"),
    "team_name": Limit(120, "Team name"),
}

# Everything above by aggregate, for templates: {{ field_limits.campaign.tone.max }}.
LIMITS: dict[str, dict[str, Limit]] = {
    "campaign": CAMPAIGN, "persona": PERSONA, "content": {**CONTENT, **CONTENT_LISTS}, "ab_test": AB_TEST,
    "account": ACCOUNT, "generation": {"tone": TONE},
}

