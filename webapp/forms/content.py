"""The content item form (manual add / inline edit): HTML post and JSON body alike. Rules come from
services.content (normalise_content + check_content)."""
from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from ..ai.platforms import platform_name
from ..models import CONTENT_STATUSES, PLATFORMS
from ..services.content import LIST_LIMITS, TEXT_LIMITS, check_content, normalise_content
from . import select_choices
from .campaigns import CONTENT_TYPE_CHOICES
from .json_body import JsonBodyForm, TextListField

PLATFORM_CHOICES = [(p, platform_name(p).replace("email", "Email")) for p in PLATFORMS]
CONTENT_STATUS_CHOICES = [(s, s.capitalize()) for s in CONTENT_STATUSES]
DEFAULTS = {
    "content_type": "", "platform": "", "status": "draft", "subject_line": "", "preheader": "", "body": "",
    "call_to_action": "", "visual_url": "", "variant_group": None, "headlines": [], "descriptions": [],
    "hashtags": [], "visual_brief": None,
}


def _limit(key: str) -> Length:
    limit, label = TEXT_LIMITS[key]
    return Length(max=limit, message=f"{label} must be at most {limit:,} characters.")


class ContentItemForm(JsonBodyForm):
    """Add or edit one content item. `visual_brief` (an object) is accepted from JSON only."""

    json_only = ("visual_brief",)

    content_type = SelectField("Content type", choices=select_choices(CONTENT_TYPE_CHOICES), validate_choice=False)
    platform = SelectField("Platform", choices=select_choices(PLATFORM_CHOICES), validate_choice=False)
    subject_line = StringField("Subject line", validators=[_limit("subject_line")], render_kw={"maxlength": 255})
    preheader = StringField("Preheader", validators=[_limit("preheader")], render_kw={"maxlength": 255})
    headlines = TextListField("Headlines (one per line)")
    descriptions = TextListField("Descriptions (one per line)")
    body = TextAreaField("Body", validators=[_limit("body")], render_kw={"rows": 6})
    call_to_action = StringField("Call to action", validators=[_limit("call_to_action")],
                                 render_kw={"maxlength": 255})
    hashtags = TextListField("Hashtags", separator="words", render_kw={"rows": 1})
    visual_url = StringField("Visual URL", validators=[_limit("visual_url")], render_kw={"type": "url"})
    status = SelectField("Status", choices=select_choices(CONTENT_STATUS_CHOICES), default="draft",
                         validate_choice=False)
    variant_group = StringField("Variant group", validators=[_limit("variant_group")], render_kw={"maxlength": 36})

    def field_value(self, name, field):
        if name in LIST_LIMITS:
            return list(field.data or [])
        if name == "variant_group":
            return (field.data or "").strip() or None
        if name == "body":
            return field.data or ""
        return (field.data or "").strip()

    def rule_errors(self, data: dict) -> dict[str, str]:
        clean, errors = normalise_content(data)
        return {**check_content({**DEFAULTS, **clean}), **errors}
