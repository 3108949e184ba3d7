"""The campaign forms: the HTML post and the JSON body of /api/campaigns alike, and the page's status
buttons. Rules come from services.campaign_rules; the persona's team is checked by the service."""
from __future__ import annotations

from decimal import Decimal

from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from ..services.campaign_rules import DEFAULTS, MANUAL_STATUSES, check_campaign, manual_status_choices, split_keywords
from ..services.choices import CONTENT_TYPE_CHOICES, OBJECTIVE_CHOICES, PLATFORM_CHOICES
from ..services.currencies import currency_choices
from ..services.field_limits import CAMPAIGN
from . import select_choices
from .base import Form, limit
from .personas import CheckboxList

STATUS_LABELS = {"draft": "Draft", "active": "Active", "generating": "Generating", "completed": "Completed",
                 "failed": "Failed"}


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def _distinct(values) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values or [] if v.strip()))


class CampaignForm(Form):
    """Create or edit a campaign (generation settings are flat fields here; the API nests them)."""

    json_joined = ("keywords",)
    json_nullable = ("persona_id",)  # null: no persona

    name = StringField("Name", validators=[DataRequired("Name is required."), limit(CAMPAIGN["name"])])
    persona_id = SelectField("Persona", coerce=_optional_int, choices=select_choices([("", "No persona")]),
                             validate_choice=False)
    description = TextAreaField("Description", validators=[limit(CAMPAIGN["description"])], render_kw={"rows": 4})
    objective = SelectField("Objective", choices=select_choices(OBJECTIVE_CHOICES), default="awareness",
                            validate_choice=False)
    status = SelectField("Status", choices=select_choices((s, STATUS_LABELS[s]) for s in MANUAL_STATUSES),
                         default="draft", validate_choice=False)
    budget = DecimalField("Budget", places=2, validators=[Optional()], default=Decimal("0"),
                          render_kw={"min": 0, "step": "0.01", "inputmode": "decimal"})
    currency = SelectField("Currency", choices=select_choices(currency_choices()), default="USD", validate_choice=False)
    start_date = DateField("Start date", validators=[Optional()])
    end_date = DateField("End date", validators=[Optional()])
    tone = StringField("Tone", validators=[limit(CAMPAIGN["tone"])], render_kw={"placeholder": "e.g. warm, confident"})
    keywords = StringField("Keywords", validators=[limit(CAMPAIGN["keywords"])],
                           render_kw={"placeholder": "comma, separated, keywords"})
    content_types = CheckboxList("Content types", choices=select_choices(CONTENT_TYPE_CHOICES), validate_choice=False)
    platforms = CheckboxList("Platforms", choices=select_choices(PLATFORM_CHOICES), validate_choice=False)
    creativity_level = IntegerField("Creativity (1–10)", default=5, validators=[Optional()],
                                    render_kw={"min": 1, "max": 10})
    include_visuals = BooleanField("Include visual briefs")
    custom_instructions = TextAreaField("Custom instructions", validators=[limit(CAMPAIGN["custom_instructions"])],
                                        render_kw={"rows": 3})

    def set_persona_choices(self, personas, *, current_id: int | None = None) -> None:
        """Offer the team's (unarchived) personas; keep the current one even if archived since."""
        choices = [("", "No persona")] + [(p.id, p.name) for p in personas]
        if current_id is not None and all(pid != current_id for pid, _ in choices):
            choices.append((current_id, f"(archived persona #{current_id})"))
        self.persona_id.choices = select_choices(choices)

    def set_status_choices(self, current: str) -> None:
        """Offer the current status and the ones a person may move to from it."""
        self.status.choices = select_choices((s, STATUS_LABELS[s]) for s in manual_status_choices(current))

    # How each field's value reaches the service (the rest go as WTForms converted them).
    _CONVERT = {
        "keywords": lambda v: ", ".join(split_keywords(v)),
        "objective": lambda v: (v or "").strip().lower(),
        "status": lambda v: (v or "").strip().lower(),
        "currency": lambda v: (v or "").strip().upper(),
        "content_types": _distinct,
        "platforms": _distinct,
        "budget": lambda v: v if v is not None else Decimal("0"),
        "creativity_level": lambda v: v if v is not None else 5,
        "include_visuals": bool,
    }

    def field_value(self, name, field):
        if name in self._CONVERT:
            return self._CONVERT[name](field.data)
        if name in CAMPAIGN:
            return (field.data or "").strip()
        return field.data

    def rule_errors(self, data: dict) -> dict[str, str]:
        return check_campaign({**DEFAULTS, **data})


class CampaignStatusForm(Form):
    """The campaign page's status buttons (Activate, Mark completed, Back to draft)."""

    status = StringField("Status", validators=[InputRequired("Choose a status.")])

    def field_value(self, name, field):
        return (field.data or "").strip().lower()
