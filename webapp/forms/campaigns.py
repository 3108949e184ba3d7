"""The campaign form: the HTML post and the JSON body of /api/campaigns alike. Rules come from
services.campaigns (normalise + check_campaign); the persona's team is checked by the service."""
from __future__ import annotations

from decimal import Decimal

from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..ai.platforms import platform_name
from ..models import CONTENT_TYPES, OBJECTIVES, PLATFORMS
from ..services.campaigns import (
    ALLOWED_TRANSITIONS,
    DEFAULTS,
    MANUAL_STATUSES,
    SYSTEM_STATUSES,
    TEXT_LIMITS,
    check_campaign,
    normalise,
    split_keywords,
)
from ..services.currencies import currency_choices
from . import select_choices
from .json_body import JsonBodyForm
from .personas import CheckboxList

OBJECTIVE_CHOICES = [(o, o.capitalize()) for o in OBJECTIVES]
STATUS_LABELS = {"draft": "Draft", "active": "Active", "generating": "Generating", "completed": "Completed",
                 "failed": "Failed"}
CONTENT_TYPE_CHOICES = [("email", "Email"), ("social_post", "Social post"), ("ad_copy", "Ad copy")]
PLATFORM_CHOICES = [(p, platform_name(p).replace("email", "Email")) for p in PLATFORMS]
assert [c for c, _ in CONTENT_TYPE_CHOICES] == list(CONTENT_TYPES)


def _limit(key: str) -> Length:
    limit, label = TEXT_LIMITS[key]
    return Length(max=limit, message=f"{label} must be at most {limit:,} characters.")


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class CampaignForm(JsonBodyForm):
    """Create or edit a campaign (generation settings are flat fields here; the API nests them)."""

    json_joined = ("keywords",)

    name = StringField("Name", validators=[DataRequired("Name is required."), _limit("name")],
                       render_kw={"maxlength": 120})
    persona_id = SelectField("Persona", coerce=_optional_int, choices=select_choices([("", "No persona")]),
                            validate_choice=False)
    description = TextAreaField("Description", validators=[_limit("description")], render_kw={"rows": 4})
    objective = SelectField("Objective", choices=select_choices(OBJECTIVE_CHOICES), default="awareness",
                            validate_choice=False)
    status = SelectField("Status", choices=select_choices((s, STATUS_LABELS[s]) for s in MANUAL_STATUSES),
                         default="draft",
                         validate_choice=False)
    budget = DecimalField("Budget", places=2, validators=[Optional()], default=Decimal("0"),
                          render_kw={"min": 0, "step": "0.01", "inputmode": "decimal"})
    currency = SelectField("Currency", choices=select_choices(currency_choices()), default="USD", validate_choice=False)
    start_date = DateField("Start date", validators=[Optional()])
    end_date = DateField("End date", validators=[Optional()])
    tone = StringField("Tone", validators=[_limit("tone")], render_kw={"maxlength": 60,
                                                                        "placeholder": "e.g. warm, confident"})
    keywords = StringField("Keywords", validators=[_limit("keywords")],
                           render_kw={"placeholder": "comma, separated, keywords"})
    content_types = CheckboxList("Content types", choices=select_choices(CONTENT_TYPE_CHOICES), validate_choice=False)
    platforms = CheckboxList("Platforms", choices=select_choices(PLATFORM_CHOICES), validate_choice=False)
    creativity_level = IntegerField("Creativity (1–10)", default=5, validators=[Optional()],
                                    render_kw={"min": 1, "max": 10})
    include_visuals = BooleanField("Include visual briefs")
    custom_instructions = TextAreaField("Custom instructions", validators=[_limit("custom_instructions")],
                                        render_kw={"rows": 3})

    def set_persona_choices(self, personas, *, current_id: int | None = None) -> None:
        """Offer the team's (unarchived) personas; keep the current one even if archived since."""
        choices = [("", "No persona")] + [(p.id, p.name) for p in personas]
        if current_id is not None and all(pid != current_id for pid, _ in choices):
            choices.append((current_id, f"(archived persona #{current_id})"))
        self.persona_id.choices = select_choices(choices)

    def set_status_choices(self, current: str) -> None:
        """Offer the current status and the ones a person may move to from it."""
        allowed = [s for s in STATUS_LABELS if s == current or (s in ALLOWED_TRANSITIONS.get(current, set())
                                                                  and s not in SYSTEM_STATUSES)]
        self.status.choices = select_choices((s, STATUS_LABELS[s]) for s in allowed)

    def field_value(self, name, field):
        value = field.data
        if name == "keywords":
            return ", ".join(split_keywords(value))
        if name in TEXT_LIMITS:
            return (value or "").strip()
        if name in ("content_types", "platforms"):
            return list(value or [])
        if name == "budget":
            return value if value is not None else Decimal("0")
        if name == "creativity_level":
            return value if value is not None else 5
        return value

    def rule_errors(self, data: dict) -> dict[str, str]:
        clean, errors = normalise(data)
        return {**check_campaign({**DEFAULTS, **clean}), **errors}
