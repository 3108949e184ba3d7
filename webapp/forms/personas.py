"""The persona form: the HTML post and the JSON body of /api/personas alike."""
from __future__ import annotations

from wtforms import SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired

from ..services.choices import PLATFORM_CHOICES as CHANNEL_CHOICES
from ..services.field_limits import PERSONA
from ..services.personas import check_persona
from . import select_choices
from .base import Form, limit


class CheckboxList(SelectMultipleField):
    """A multi-select rendered as checkboxes (friendlier than a ctrl-click list)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _text(key: str, field=TextAreaField, rows: int = 3, **kwargs):
    render_kw = {"rows": rows} if field is TextAreaField else {}
    return field(PERSONA[key].label, validators=[*kwargs.pop("validators", []), limit(PERSONA[key])],
                 render_kw=render_kw, **kwargs)


class PersonaForm(Form):
    """Create or edit a persona. Rules come from services.personas.check_persona."""

    name = _text("name", StringField, validators=[DataRequired("Name is required.")])
    role = _text("role", StringField)
    demographics = _text("demographics", rows=2)
    goals = _text("goals")
    pain_points = _text("pain_points")
    objections = _text("objections")
    preferred_channels = CheckboxList("Preferred channels", choices=select_choices(CHANNEL_CHOICES),
                                      validate_choice=False)
    voice_notes = _text("voice_notes")

    def field_value(self, name, field):
        if name == "preferred_channels":
            return list(dict.fromkeys(field.data or []))  # the order given, without repeats
        return (field.data or "").strip()

    def rule_errors(self, data: dict) -> dict[str, str]:
        return check_persona({"name": "", "preferred_channels": [], **data})
