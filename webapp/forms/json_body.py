"""A FlaskForm that validates an HTML post or a snake_cased JSON object alike (ARCHITECTURE.md,
"Same form, two faces"), used by the persona, campaign and content forms.

JSON values of the wrong type (a list where a number belongs, a number where text belongs …)
become field errors, never crashes. A JSON form knows which keys were sent, so `to_data()` returns
only those: a PUT changes only what it names.
"""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.widgets import TextArea

from ..services.errors import ServiceError, ValidationFailed


class TextListField(Field):
    """A list of short texts: a textarea with one entry per line in HTML, a JSON list of strings in
    the API (hashtags may also be separated by spaces or commas)."""

    widget = TextArea()

    def __init__(self, label=None, validators=None, separator: str = "lines", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.separator = separator

    def process_formdata(self, valuelist):
        if len(valuelist) == 1 and self._sent_as_text:
            text = valuelist[0] or ""
            parts = re.split(r"[\s,]+", text) if self.separator == "words" else text.splitlines()
        else:
            parts = valuelist
        self.data = [p.strip() for p in parts if p and p.strip()]

    _sent_as_text = True

    def process_data(self, value):
        self.data = list(value or [])

    def _value(self):
        return (" " if self.separator == "words" else "\n").join(self.data or [])


def _json_pairs(field, name: str, value) -> tuple[list[tuple[str, str]], str | None]:
    """formdata pairs for one JSON value, or a type error message."""
    if value is None:
        return [], None
    if isinstance(value, float) and value.is_integer() and not isinstance(field, DecimalField):
        value = int(value)  # JSON's 3.0 is the whole number 3 (JSON Schema agrees); "3.0" is no integer to WTForms
    if isinstance(field, BooleanField):
        if not isinstance(value, bool):
            return [], "Must be true or false."
        return ([(name, "y")] if value else []), None
    if isinstance(field, TextListField):
        if isinstance(value, str):
            return [(name, value)], None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [], "Must be a list of text."
        # Each entry as its own pair; a lone entry gets a blank companion so it is not split.
        return [(name, v) for v in value] + ([(name, "")] if len(value) == 1 else []), None
    if isinstance(field, SelectMultipleField):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [], "Must be a list of names."
        return [(name, v) for v in value], None
    if isinstance(field, (IntegerField, DecimalField)):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return [], "Must be a number."
        return [(name, str(value))], None
    if isinstance(value, (dict, list)) or isinstance(value, bool):
        return [], "Must be a single value, not a list, object or true/false."
    if isinstance(field, SelectField):
        return [(name, str(value))], None
    if isinstance(field, DateField):
        if not isinstance(value, str):
            return [], "Use a date like 2025-03-31."
        # A JavaScript ISO datetime ("2025-03-31T00:00:00.000Z") names its date first.
        return [(name, value[:10] if "T" in value else value)], None
    if not isinstance(value, str):
        return [], "Must be text."
    return [(name, value)], None


class JsonBodyForm(FlaskForm):
    """Base form. Subclasses list `json_only` keys (nested objects the service validates itself,
    copied from the payload as they are) and implement `rule_errors(data)` for the service's rules."""

    json_only: tuple[str, ...] = ()
    # Keys that a JSON client may send as a list but the form holds as text (joined with ", ").
    json_joined: tuple[str, ...] = ()

    _sent: frozenset[str] | None = None
    _type_errors: dict[str, str]
    _extra: dict

    @classmethod
    def from_json(cls, payload, **kwargs):
        """Build the form from a snake_cased JSON object (no CSRF: the API authenticates calls)."""
        if not isinstance(payload, dict):
            raise ServiceError("The request body must be a JSON object.")
        prototype = cls(formdata=None, meta={"csrf": False}, **kwargs)
        pairs: list[tuple[str, str]] = []
        errors: dict[str, str] = {}
        extra: dict = {}
        for name, value in payload.items():
            if name in cls.json_only:
                extra[name] = value
                continue
            field = prototype._fields.get(name)
            if field is None or name == "csrf_token":
                continue  # unknown and read-only keys are ignored, so a client can send back what it read
            if name in cls.json_joined and isinstance(value, list):
                if not all(isinstance(v, str) for v in value):
                    errors[name] = "Must be text or a list of text."
                    continue
                value = ", ".join(v.strip() for v in value if v.strip())
            field_pairs, problem = _json_pairs(field, name, value)
            if problem:
                errors[name] = problem
            pairs += field_pairs
        form = cls(formdata=MultiDict(pairs), meta={"csrf": False}, **kwargs)
        form._sent = frozenset(k for k in payload if k in form._fields or k in cls.json_only)
        form._type_errors = errors
        form._extra = extra
        return form

    @property
    def is_json(self) -> bool:
        return self._sent is not None

    def sent(self, name: str) -> bool:
        """Whether the field takes part: always for HTML posts; for JSON only when the key was sent."""
        return self._sent is None or name in self._sent

    def to_data(self) -> dict:
        """snake_case service data: every field for an HTML post, the sent keys for JSON."""
        data = {}
        for name, field in self._fields.items():
            if name == "csrf_token" or not self.sent(name):
                continue
            data[name] = self.field_value(name, field)
        if self.is_json:
            data.update(self._extra)
        return data

    def field_value(self, name: str, field):
        """The Python value of one field (subclasses convert where the service wants other types)."""
        return field.data

    def rule_errors(self, data: dict) -> dict[str, str]:
        """The service's pure rules over the form's data: {field: message}."""
        return {}

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        for name, field in self._fields.items():
            if not self.sent(name):
                field.errors = []  # not sent in a partial update: nothing to check
        for name, message in getattr(self, "_type_errors", {}).items():
            self._fields[name].errors = [message]
        self._extra_errors = {}
        for name, message in self.rule_errors(self.to_data()).items():
            if name in self._fields and self.sent(name):
                if not self._fields[name].errors:
                    self._fields[name].errors = [message]
            elif name in self.json_only and self.sent(name):
                self._extra_errors[name] = message
        return not self.errors_dict()

    def errors_dict(self) -> dict[str, str]:
        """First error per field (plus JSON-only keys), for the API's error shape."""
        out = {name: f.errors[0] for name, f in self._fields.items() if f.errors}
        out.update(getattr(self, "_extra_errors", None) or {})
        return out

    def raise_if_invalid(self) -> None:
        """Validate, or raise ValidationFailed with the field errors (API views)."""
        if not self.validate():
            fields = self.errors_dict()
            first = next(iter(fields.values()), "Some fields need attention.")
            message = first if len(fields) == 1 else f"Please correct {len(fields)} fields: {first}"
            raise ValidationFailed(message, fields)

    def apply_service_errors(self, fields: dict[str, str]) -> None:
        """Show a service's field errors beside the fields (HTML views, after ValidationFailed)."""
        for name, message in (fields or {}).items():
            if name in self._fields and message not in self._fields[name].errors:
                self._fields[name].errors = [*self._fields[name].errors, message]
