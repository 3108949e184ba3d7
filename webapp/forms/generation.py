"""Forms for AI generation requests: the API bodies and the campaign page's generate, variation and
batch buttons. Rules that need the database (campaign exists, platform fits the type) live in
services.generation."""
from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from ..services.choices import CONTENT_TYPES, PLATFORMS
from ..services.field_limits import TONE
from ..services.usage import MAX_COUNT
from .base import Form, limit

PLATFORM_CHOICES = [SelectChoice("", "Campaign default"), *[SelectChoice(p) for p in PLATFORMS]]
CONTENT_TYPE_CHOICES = [SelectChoice(t) for t in CONTENT_TYPES]


def _id(label: str, required: bool = False):
    first = InputRequired(f"{label} is required.") if required else Optional()
    return IntegerField(label, validators=[first, NumberRange(min=1, message=f"{label} must be a positive id.")])


def _tone():
    return StringField("Tone", validators=[Optional(), limit(TONE)])


def _count(default: int):
    return IntegerField("How many", default=default, validators=[
        Optional(), NumberRange(min=1, max=MAX_COUNT, message=f"Between 1 and {MAX_COUNT}.")])


class OverridesForm(Form):
    """What every generate request may add: a persona and a tone for this request only."""

    json_nullable: tuple[str, ...] = ("persona_id",)  # null: the campaign's persona
    persona_id = _id("Persona")
    tone = _tone()

    def field_value(self, name, field):
        if name == "tone":
            return (field.data or "").strip() or None
        return field.data


class PieceOptionsForm(OverridesForm):
    """A generate request's options: persona override, platform, tone, count."""

    platform = SelectField("Platform", choices=PLATFORM_CHOICES, validators=[Optional()],
                           validate_choice=True)
    count = _count(1)

    def field_value(self, name, field):
        if name in ("platform", "count"):
            return field.data or (1 if name == "count" else None)
        return super().field_value(name, field)

    def options(self) -> dict:
        return {key: value for key, value in self.to_data().items() if key in ("persona_id", "platform", "tone",
                                                                                   "count")}


class GenerateForm(PieceOptionsForm):
    """POST /api/content/generate-{email,social,ad-copy}."""

    campaign_id = _id("Campaign", required=True)


class PageGenerateForm(PieceOptionsForm):
    """The campaign page's generate buttons (the campaign comes from the URL)."""

    content_type = SelectField("Content type", choices=CONTENT_TYPE_CHOICES,
                               validators=[InputRequired("Choose a content type.")])


class VariationOptionsForm(OverridesForm):
    """A card's "make variations" button (the item comes from the URL)."""

    count = _count(2)

    def field_value(self, name, field):
        if name == "count":
            return field.data or 2
        return super().field_value(name, field)


class VariationsForm(VariationOptionsForm):
    """POST /api/content/generate-variations."""

    json_nullable = (*OverridesForm.json_nullable, "campaign_id")  # null: the item's campaign
    content_id = _id("Content item", required=True)
    campaign_id = _id("Campaign")


class SingleJobForm(OverridesForm):
    """POST /api/jobs/campaigns/<id>/generate-single: one piece in the background."""

    content_type = StringField("Content type", validators=[InputRequired("Required (a string).")])
    platform = StringField("Platform", validators=[InputRequired("Required (a string).")])


def _batch_entry_problem(entry) -> str | None:
    if not isinstance(entry, dict):
        return "Send a list of objects."
    ct, pf = entry.get("content_type"), entry.get("platform")
    if not isinstance(ct, str) or (pf is not None and not isinstance(pf, str)):
        return "contentType and platform must be strings."
    return None


class BatchForm(OverridesForm):
    """POST /api/content/batch-generate: items [{content_type, platform}] or content_types ×
    platforms (else the campaign's planned pieces), now or in the background ("async")."""

    json_only = ("items",)

    campaign_id = _id("Campaign", required=True)
    content_types = SelectMultipleField("Content types", choices=CONTENT_TYPE_CHOICES, validate_choice=False)
    platforms = SelectMultipleField("Platforms", choices=[SelectChoice(p) for p in PLATFORMS], validate_choice=False)

    def to_data(self) -> dict:
        data = super().to_data()
        items = data.get("items") or []
        if isinstance(items, list) and not any(_batch_entry_problem(e) for e in items):
            data["items"] = [{"content_type": e["content_type"], "platform": e.get("platform")} for e in items]
        data["run_async"] = data.pop("async", False)
        return data

    def field_value(self, name, field):
        if name in ("content_types", "platforms"):
            return list(field.data or [])
        return super().field_value(name, field)

    def rule_errors(self, data: dict) -> dict[str, str]:
        if "items" not in self._extra:
            return {}
        items = self._extra["items"]
        if not isinstance(items, list):
            return {"items": "Send a list of objects."}
        problems = ((i, _batch_entry_problem(entry)) for i, entry in enumerate(items))
        return {f"items.{i}": problem for i, problem in problems if problem}


# "async" is a Python keyword, so the field is attached by name.
setattr(BatchForm, "async", BooleanField("In the background"))
