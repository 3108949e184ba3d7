"""Forms for accounts, teams and settings. The same form checks the HTML post and the JSON body
(`from_json`); rules that need the database stay in services.accounts / services.teams."""
from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from ..models import ROLES
from ..services.errors import ValidationFailed
from ..services.passwords import MAX_LENGTH, MIN_LENGTH
from ..services.teams import MAX_TOKEN_BUDGET

ROLE_CHOICES = [SelectChoice(role, role.capitalize()) for role in ROLES]


class JsonForm(FlaskForm):
    """A FlaskForm that can also be filled from a (snake_cased) JSON object. Values of the wrong JSON
    type become field errors instead of crashes."""

    _type_errors: dict[str, str]

    @classmethod
    def from_json(cls, payload):
        if not isinstance(payload, dict):
            raise ValidationFailed("Send a JSON object as the request body.")
        pairs, errors = [], {}
        for name, value in payload.items():
            if not isinstance(name, str) or name == "csrf_token":
                continue
            if value is None:
                continue
            kind = _field_class(cls, name)
            if isinstance(value, bool):
                if kind is not None and not issubclass(kind, BooleanField):
                    errors[name] = ("Must be text." if issubclass(kind, StringField) else
                                    "Must be a number." if issubclass(kind, IntegerField) else
                                    "Send a single text or number value here.")
                elif value:
                    pairs.append((name, "y"))
            elif isinstance(value, (int, float)) and kind is not None and issubclass(kind, StringField):
                errors[name] = "Must be text."
            elif isinstance(value, float) and value.is_integer():
                pairs.append((name, str(int(value))))  # JSON's 3.0 is the whole number 3, as JSON Schema says
            elif isinstance(value, (str, int, float)):
                pairs.append((name, str(value)))
            else:
                errors[name] = "Send a single text or number value here."
        form = cls(formdata=MultiDict(pairs), meta={"csrf": False})
        form._type_errors = errors
        return form

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for name, message in getattr(self, "_type_errors", {}).items():
            if name in self._fields:
                self._fields[name].errors = [message]
                ok = False
        return ok


def _field_class(form_class, name: str) -> type | None:
    """The class of the form's field `name` (None for keys the form does not know)."""
    field_class = getattr(getattr(form_class, name, None), "field_class", None)
    return field_class if isinstance(field_class, type) else None


def field_errors(form: FlaskForm) -> dict[str, str]:
    """The first error of each field, for the API's error shape."""
    return {name: errors[0] for name, errors in form.errors.items() if errors and name != "csrf_token"}


def raise_if_invalid(form: JsonForm) -> None:
    """Validate `form` or raise ValidationFailed with its field errors (API views)."""
    if not form.validate():
        fields = field_errors(form)
        raise ValidationFailed("Some fields need attention.", fields)


def apply_errors(form: FlaskForm, fields: dict[str, str]) -> None:
    """Show a service's field errors beside the form's fields (unknown fields are ignored)."""
    for name, message in (fields or {}).items():
        if name in form._fields:
            form._fields[name].errors = [*form._fields[name].errors, message]


def _length():
    message = f"Use at least {MIN_LENGTH} characters (at most {MAX_LENGTH})."
    return Length(min=MIN_LENGTH, max=MAX_LENGTH, message=message)


def _email():
    return StringField("Email", validators=[DataRequired("Enter your email address."), Length(max=254)],
                       render_kw={"autocomplete": "email", "type": "email"})


class LoginForm(JsonForm):
    email = _email()
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Remember me on this device")
    next = HiddenField()


class RegisterForm(JsonForm):
    name = StringField("Your name", validators=[Optional(), Length(max=120)], render_kw={"autocomplete": "name"})
    email = _email()
    password = PasswordField("Password", validators=[DataRequired("Choose a password."), _length()],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(
        "Confirm password",
        validators=[DataRequired("Type the password again."), EqualTo("password", "The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    invite = HiddenField()


class ProfileForm(JsonForm):
    name = StringField("Name", validators=[Optional(), Length(max=120)], render_kw={"autocomplete": "name"})
    email = _email()


class PasswordForm(JsonForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password",
                                 validators=[DataRequired("Choose a new password."), _length()],
                                 render_kw={"autocomplete": "new-password"})
    new_password_confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Type the new password again."),
                    EqualTo("new_password", "The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )


class TokenForm(JsonForm):
    name = StringField("Token name", validators=[DataRequired("Name the token."), Length(max=80)],
                       render_kw={"placeholder": "e.g. Zapier, CI, reporting script"})


class TeamForm(JsonForm):
    name = StringField("Team name", validators=[DataRequired("Name the team."), Length(max=120)])
    monthly_token_budget = IntegerField(
        "Monthly AI token budget",
        validators=[Optional(), NumberRange(0, MAX_TOKEN_BUDGET, "Enter a whole number from 0 up.")],
        render_kw={"inputmode": "numeric", "min": 0},
    )


class NewTeamForm(JsonForm):
    name = StringField("New team name", validators=[DataRequired("Name the team."), Length(max=120)])


class InviteForm(JsonForm):
    role = SelectField("Role", choices=ROLE_CHOICES, default="editor")


class RoleForm(JsonForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class SwitchTeamForm(JsonForm):
    team_id = HiddenField(validators=[DataRequired()])
