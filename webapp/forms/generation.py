"""Forms for AI generation requests (API bodies and the campaign page's generate buttons).
Rules that need the database (campaign exists, platform fits the type) live in services.generation."""
from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..models import CONTENT_TYPES, PLATFORMS
from ..services.usage import MAX_COUNT
from .base import Form

PLATFORM_CHOICES = [SelectChoice("", "Campaign default"), *[SelectChoice(p) for p in PLATFORMS]]
CONTENT_TYPE_CHOICES = [SelectChoice(t) for t in CONTENT_TYPES]


def _id(label: str, required: bool = False):
    first = InputRequired(f"{label} is required.") if required else Optional()
    return IntegerField(label, validators=[first, NumberRange(min=1, message=f"{label} must be a positive id.")])


class PieceOptionsForm(Form):
    """What every generate request may add: persona override, platform, tone, count."""

    persona_id = _id("Persona")
    platform = SelectField("Platform", choices=PLATFORM_CHOICES, validators=[Optional()],
                           validate_choice=True)
    tone = StringField("Tone", validators=[Optional(), Length(max=60)])
    count = IntegerField("How many", default=1, validators=[
        Optional(), NumberRange(min=1, max=MAX_COUNT, message=f"Between 1 and {MAX_COUNT}.")])

    def options(self) -> dict:
        return {"persona_id": self.persona_id.data, "platform": self.platform.data or None,
                "tone": (self.tone.data or "").strip() or None, "count": self.count.data or 1}


class GenerateForm(PieceOptionsForm):
    """POST /api/content/generate-{email,social,ad-copy}."""

    campaign_id = _id("Campaign", required=True)


class PageGenerateForm(PieceOptionsForm):
    """The campaign page's generate buttons (the campaign comes from the URL)."""

    content_type = SelectField("Content type", choices=CONTENT_TYPE_CHOICES,
                               validators=[InputRequired("Choose a content type.")])


class VariationsForm(Form):
    """POST /api/content/generate-variations and the card's "make variations"."""

    content_id = _id("Content item", required=True)
    campaign_id = _id("Campaign")
    persona_id = _id("Persona")
    tone = StringField("Tone", validators=[Optional(), Length(max=60)])
    count = IntegerField("How many", default=2, validators=[
        Optional(), NumberRange(min=1, max=MAX_COUNT, message=f"Between 1 and {MAX_COUNT}.")])


class BatchForm(Form):
    """POST /api/content/batch-generate (the list fields are checked by the view's parser)."""

    campaign_id = _id("Campaign", required=True)
    persona_id = _id("Persona")
    tone = StringField("Tone", validators=[Optional(), Length(max=60)])
