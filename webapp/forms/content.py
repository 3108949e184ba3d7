"""The content forms: a content item (manual add / inline edit, HTML post and JSON body alike), its
approval button, and A/B test records. Rules come from services.content_rules / ab_test_rules."""
from __future__ import annotations

from wtforms import DateField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..services.ab_test_rules import DEFAULTS as AB_DEFAULTS
from ..services.ab_test_rules import check_ab_test
from ..services.choices import CONTENT_STATUS_CHOICES, CONTENT_TYPE_CHOICES, PLATFORM_CHOICES
from ..services.content_rules import COPY_FIELDS, DEFAULTS, VISUAL_BRIEF_KEYS, check_content, visual_brief_problem
from ..services.field_limits import CONTENT, CONTENT_LISTS
from . import select_choices
from .base import Form, TextListField, limit


def _text(key: str, field=StringField, **kwargs):
    return field(CONTENT[key].label, validators=[limit(CONTENT[key])], **kwargs)


def _hashtags(values) -> list[str]:
    return list(dict.fromkeys(v.lstrip("#") for v in values or [] if v.lstrip("#")))


class ContentItemForm(Form):
    """Add or edit one content item. `visual_brief` (an object) is accepted from JSON only."""

    json_only = ("visual_brief",)

    content_type = SelectField("Content type", choices=select_choices(CONTENT_TYPE_CHOICES), validate_choice=False)
    platform = SelectField("Platform", choices=select_choices(PLATFORM_CHOICES), validate_choice=False)
    subject_line = _text("subject_line")
    preheader = _text("preheader")
    headlines = TextListField("Headlines (one per line)")
    descriptions = TextListField("Descriptions (one per line)")
    body = _text("body", TextAreaField, render_kw={"rows": 6})
    call_to_action = _text("call_to_action")
    hashtags = TextListField("Hashtags", separator="words", render_kw={"rows": 1})
    visual_url = _text("visual_url", render_kw={"type": "url"})
    status = SelectField("Status", choices=select_choices(CONTENT_STATUS_CHOICES), default="draft",
                         validate_choice=False)
    variant_group = _text("variant_group")

    def field_value(self, name, field):
        if name == "hashtags":
            return _hashtags(field.data)
        if name in CONTENT_LISTS:
            return list(field.data or [])
        if name == "variant_group":
            return (field.data or "").strip() or None
        if name == "body":
            return field.data or ""
        return (field.data or "").strip()

    def to_data(self) -> dict:
        data = super().to_data()
        brief = data.get("visual_brief")
        # null and {} are no brief; "", 0 or [] are no object and stay for check_content to refuse.
        if "visual_brief" in data and not visual_brief_problem(brief):
            data["visual_brief"] = {k: brief.get(k, "").strip() for k in VISUAL_BRIEF_KEYS} if brief else None
        return data

    def rule_errors(self, data: dict) -> dict[str, str]:
        # A copy field counts as set when the post or the body carried it.
        sent = [key for key in COPY_FIELDS if self._fields[key].raw_data]
        return check_content({**DEFAULTS, **data}, sent=sent)


class ApproveForm(Form):
    """A content card's approve button (status=draft sends it back to draft)."""

    status = StringField("Status")

    def field_value(self, name, field):
        return "draft" if (field.data or "").strip() == "draft" else "approved"


def _optional_id(label: str) -> IntegerField:
    return IntegerField(label, validators=[Optional()])


class ABTestForm(Form):
    """Create or edit an A/B test record. `results` (an object) is accepted from JSON only."""

    json_only = ("results",)
    json_nullable = ("variant_a_id", "variant_b_id", "confidence")  # null clears them

    name = StringField("Name")
    test_type = StringField("Test type", default="subject_line")
    status = StringField("Status", default="draft")
    variant_a_id = _optional_id("Variant A")
    variant_b_id = _optional_id("Variant B")
    start_date = DateField("Start date", validators=[Optional()])
    winner = StringField("Winner")
    confidence = FloatField("Confidence", validators=[Optional()])

    def field_value(self, name, field):
        if name in ("name", "test_type", "status"):
            return (field.data or "").strip()
        if name == "winner":
            return (field.data or "").strip() or None
        return field.data

    def to_data(self) -> dict:
        data = super().to_data()
        if "results" in data and data["results"] is None:
            data["results"] = {}
        return data

    def rule_errors(self, data: dict) -> dict[str, str]:
        return check_ab_test({**AB_DEFAULTS, **data})
