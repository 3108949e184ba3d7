"""The one form base: a FlaskForm that converts and validates an HTML post and a snake_cased JSON
object alike (ARCHITECTURE.md, "Same form, two faces").

JSON values of the wrong type (a list where a number belongs, a number where text belongs …) become
field errors, never crashes. A create takes every field (defaults for the keys left out); an update
(`partial=True`) takes only the keys sent, so a PUT changes only what it names. The service's pure
rules run over the converted data through `rule_errors`, and the error message is built once
(ValidationFailed.for_fields). Text no database can store (NUL, a lone surrogate) is a field error
in every field, whichever way it came.
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
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import TextArea

from ..security import unstorable_text
from ..services.errors import ServiceError, ValidationFailed
from ..services.field_limits import Limit


def limit(rule: Limit) -> Length:
    """The Length validator for a row of the limits table (WTForms renders it as `maxlength`)."""
    return Length(max=rule.max, message=f"{rule.label} must be at most {rule.max:,} characters.")


class TextListField(Field):
    """A list of short texts: a textarea with one entry per line in HTML, a JSON list of strings in
    the API (hashtags may also be separated by spaces or commas)."""

    widget = TextArea()

    def __init__(self, label=None, validators=None, separator: str = "lines", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.separator = separator

    def process_formdata(self, valuelist):
        if len(valuelist) == 1:
            text = valuelist[0] or ""
            parts = re.split(r"[\s,]+", text) if self.separator == "words" else text.splitlines()
        else:
            parts = valuelist
        self.data = [p.strip() for p in parts if p and p.strip()]

    def process_data(self, value):
        self.data = list(value or [])

    def _value(self):
        return (" " if self.separator == "words" else "\n").join(self.data or [])


class _WrongType(ValueError):
    """A JSON value of the wrong type for its field; the message is the field's error."""


def _strings(value, message: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _WrongType(message)
    return value


def _boolean(field, value) -> list[str]:
    if not isinstance(value, bool):
        raise _WrongType("Must be true or false.")
    return ["y"] if value else []


def _text_list(field, value) -> list[str]:
    if isinstance(value, str):
        return [value]
    value = _strings(value, "Must be a list of text.")
    # A lone entry gets a blank companion so the field does not split it as typed text.
    return value + [""] if len(value) == 1 else value


def _names(field, value) -> list[str]:
    return _strings(value, "Must be a list of names.")


def _number(field, value) -> list[str]:
    # "" is no number (a page's empty input is; a JSON client sends null where the field allows it).
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value == "":
        raise _WrongType("Must be a number.")
    return [str(value)]


def one_of(field) -> str:
    """"Must be one of …" with the values a select field offers (the first few of a long list)."""
    values = [str(c.value if isinstance(c, SelectChoice) else c[0]) for c in field.choices or ()]
    values = [v for v in values if v]
    if not values:  # choices set per request (a page's personas): none offered here
        return "Not a valid choice."
    if len(values) > 12:
        return f"Must be one of {', '.join(values[:3])} … ({len(values)} in all)."
    return f"Must be one of {', '.join(values)}."


def _choice(field, value) -> list[str]:
    if value is None or value == "":  # a page's "none of these" option; JSON says null where allowed
        raise _WrongType(one_of(field))
    if isinstance(value, (dict, list, bool)):
        raise _WrongType("Send a single value, not a list, object or true/false.")
    return [str(value)]


def _date(field, value) -> list[str]:
    if value == "":
        # A page's empty date input means no date; a JSON client says so with null.
        raise _WrongType("Use a date like 2025-03-31, or null for none.")
    if not isinstance(value, str):
        raise _WrongType("Use a date like 2025-03-31.")
    # A JavaScript ISO datetime ("2025-03-31T00:00:00.000Z") names its date first.
    return [value[:10] if "T" in value else value]


def _text(field, value) -> list[str]:
    if not isinstance(value, str):
        raise _WrongType("Must be text.")
    return [value]


# The first class a field is an instance of decides how its JSON value becomes formdata.
_CONVERTERS = (
    (BooleanField, _boolean), (TextListField, _text_list), (SelectMultipleField, _names),
    ((IntegerField, DecimalField, FloatField), _number), (SelectField, _choice), (DateField, _date),
)


def json_formdata(field, value, *, nullable: bool = False) -> list[str]:
    """The formdata values for one JSON value (raises _WrongType with the field's error).
    JSON null is empty for free text, no value for a date (no date) and for a field the
    form names in `json_nullable`; anywhere else it is the field's type error ("Must be one of …",
    "Must be a list of …"), as the OpenAPI document says."""
    if value is None and isinstance(field, StringField):
        return [""]  # empty, as the document says (not the field's default: null never picks a value)
    if value is None and (nullable or isinstance(field, DateField)):
        return []
    if isinstance(value, float) and value.is_integer() and not isinstance(field, DecimalField):
        value = int(value)  # JSON's 3.0 is the whole number 3 (JSON Schema agrees); "3.0" is no integer to WTForms
    convert = next((fn for kind, fn in _CONVERTERS if isinstance(field, kind)), _text)
    return convert(field, value)


class Form(FlaskForm):
    """Base of every Herald form. Subclasses may list `json_only` keys (nested objects copied from
    the payload as sent, checked by `rule_errors`), `json_joined` keys (a JSON list the form
    holds as text joined with ", ") and `json_nullable` keys (optional fields where JSON null means
    none: an optional id, a number that may be cleared), convert values in `field_value` and add the
    service's pure rules in `rule_errors(data)`."""

    json_only: tuple[str, ...] = ()
    json_joined: tuple[str, ...] = ()
    json_nullable: tuple[str, ...] = ()

    _sent: frozenset[str] | None = None  # None: every field takes part (an HTML post, a JSON create)
    _from_json = False
    _type_errors: dict[str, str] = {}
    _extra: dict = {}
    _extra_errors: dict[str, str] = {}

    @classmethod
    def from_json(cls, payload, *, partial: bool = False, **kwargs):
        """The form filled from a snake_cased JSON object (no CSRF: the API authenticates calls).
        `partial`: an update, where only the keys sent take part."""
        if not isinstance(payload, dict):
            raise ServiceError("The request body must be a JSON object.")
        prototype = cls(formdata=None, meta={"csrf": False}, **kwargs)
        pairs, errors, extra = [], {}, {}
        for name, value in payload.items():
            if name in cls.json_only:
                extra[name] = value
                continue
            field = prototype._fields.get(name)
            if field is None or name == "csrf_token":
                continue  # unknown and read-only keys are ignored, so a client can send back what it read
            try:
                values = json_formdata(field, cls._joined(name, value), nullable=name in cls.json_nullable)
                pairs += [(name, v) for v in values]
            except _WrongType as exc:
                errors[name] = str(exc)
        form = cls(formdata=MultiDict(pairs), meta={"csrf": False}, **kwargs)
        form._from_json = True
        if partial:
            form._sent = frozenset(k for k in payload if k in form._fields or k in cls.json_only)
        form._type_errors, form._extra = errors, extra
        return form

    @classmethod
    def _joined(cls, name: str, value):
        if name not in cls.json_joined or not isinstance(value, list):
            return value
        if not all(isinstance(v, str) for v in value):
            raise _WrongType("Must be text or a list of text.")
        return ", ".join(v.strip() for v in value if v.strip())

    def sent(self, name: str) -> bool:
        """Whether the field takes part: always, except in a partial update that left it out."""
        return self._sent is None or name in self._sent

    def to_data(self) -> dict:
        """The typed, snake_case data the service receives (every field, or the sent ones)."""
        data = {name: self.field_value(name, field) for name, field in self._fields.items()
                if name != "csrf_token" and self.sent(name)}
        if self._from_json:
            data.update((k, v) for k, v in self._extra.items() if self.sent(k))
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
        for name, message in self._type_errors.items():
            self._fields[name].errors = [message]
        self._refuse_unstorable_text()
        self._extra_errors = {}
        self._add_rule_errors()
        return not self.errors_dict()

    def _refuse_unstorable_text(self) -> None:
        """A NUL or a lone surrogate in any text a field received is that field's error, on an HTML
        post as in a JSON body (PostgreSQL cannot store NUL, SQLite would store it silently)."""
        for name, field in self._fields.items():
            texts = (v for v in field.raw_data or () if isinstance(v, str))
            problem = next(filter(None, map(unstorable_text, texts)), None)
            if problem and self.sent(name):
                field.errors = [problem]

    def _add_rule_errors(self) -> None:
        """The rules' errors, beside the fields that have none yet (a type error says more)."""
        for name, message in self.rule_errors(self.to_data()).items():
            if not self.sent(name.split(".")[0]):
                continue
            if name in self._fields and not self._fields[name].errors:
                self._fields[name].errors = [message]
            elif name.split(".")[0] in self.json_only:  # items.2 names an entry of a JSON-only list
                self._extra_errors[name] = message

    def errors_dict(self) -> dict[str, str]:
        """First error per field (plus JSON-only keys), for the API's error shape."""
        out = {name: f.errors[0] for name, f in self._fields.items() if f.errors}
        out.update(self._extra_errors)
        return out

    def raise_if_invalid(self) -> None:
        """Validate, or raise ValidationFailed with the field errors (API views)."""
        if not self.validate():
            raise ValidationFailed.for_fields(self.errors_dict())

    def apply_service_errors(self, fields: dict[str, str]) -> None:
        """Show a service's field errors beside the fields (HTML views, after ValidationFailed)."""
        for name, message in (fields or {}).items():
            if name in self._fields and message not in self._fields[name].errors:
                self._fields[name].errors = [*self._fields[name].errors, message]
