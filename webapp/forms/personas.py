"""The persona form: the HTML post and the JSON body of /api/personas alike."""
from __future__ import annotations

from wtforms import SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length

from ..ai.platforms import platform_name
from ..models import PLATFORMS
from ..services.personas import TEXT_LIMITS, check_persona
from . import select_choices
from .json_body import JsonBodyForm

CHANNEL_CHOICES = [(p, platform_name(p).replace("email", "Email")) for p in PLATFORMS]


def _limit(key: str) -> Length:
    limit, label = TEXT_LIMITS[key]
    return Length(max=limit, message=f"{label} must be at most {limit:,} characters.")


class CheckboxList(SelectMultipleField):
    """A multi-select rendered as checkboxes (friendlier than a ctrl-click list)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PersonaForm(JsonBodyForm):
    """Create or edit a persona. Rules come from services.personas.check_persona."""

    name = StringField("Name", validators=[DataRequired("Name is required."), _limit("name")],
                       render_kw={"maxlength": 120})
    role = StringField("Role / title", validators=[_limit("role")], render_kw={"maxlength": 120})
    demographics = TextAreaField("Demographics", validators=[_limit("demographics")], render_kw={"rows": 2})
    goals = TextAreaField("Goals", validators=[_limit("goals")], render_kw={"rows": 3})
    pain_points = TextAreaField("Pain points", validators=[_limit("pain_points")], render_kw={"rows": 3})
    objections = TextAreaField("Objections", validators=[_limit("objections")], render_kw={"rows": 3})
    preferred_channels = CheckboxList("Preferred channels", choices=select_choices(CHANNEL_CHOICES),
                                      validate_choice=False)
    voice_notes = TextAreaField("Voice notes", validators=[_limit("voice_notes")], render_kw={"rows": 3})

    def field_value(self, name, field):
        if name == "preferred_channels":
            return list(field.data or [])
        return (field.data or "").strip()

    def rule_errors(self, data: dict) -> dict[str, str]:
        base = {"name": "", "preferred_channels": []}
        return check_persona({**base, **data})
