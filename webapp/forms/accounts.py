"""Forms for accounts, teams and settings. The same form checks the HTML post and the JSON body
(`from_json`); rules that need the database stay in services.accounts / services.teams."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from ..services.choices import ROLES
from ..services.field_limits import ACCOUNT
from ..services.passwords import MAX_LENGTH, MIN_LENGTH
from ..services.teams import MAX_TOKEN_BUDGET
from .base import Form

ROLE_CHOICES = [SelectChoice(role, role.capitalize()) for role in ROLES]


def _length():
    message = f"Use at least {MIN_LENGTH} characters (at most {MAX_LENGTH})."
    return Length(min=MIN_LENGTH, max=MAX_LENGTH, message=message)


def _name(label: str, limit: str, *validators, **kwargs) -> StringField:
    return StringField(label, validators=[*validators, Length(max=ACCOUNT[limit].max)], **kwargs)


def _email():
    return _name("Email", "email", DataRequired("Enter your email address."),
                 render_kw={"autocomplete": "email", "type": "email"})


class LoginForm(Form):
    email = _email()
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Remember me on this device")
    next = HiddenField()


class RegisterForm(Form):
    name = _name("Your name", "user_name", Optional(), render_kw={"autocomplete": "name"})
    email = _email()
    password = PasswordField("Password", validators=[DataRequired("Choose a password."), _length()],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(
        "Confirm password",
        validators=[DataRequired("Type the password again."), EqualTo("password", "The passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    invite = HiddenField()


class ProfileForm(Form):
    name = _name("Name", "user_name", Optional(), render_kw={"autocomplete": "name"})
    email = _email()
    # Needed only when the email changes (services.accounts.update_profile decides).
    current_password = PasswordField("Current password (to change your email)",
                                     validators=[Optional(), Length(max=MAX_LENGTH)],
                                     render_kw={"autocomplete": "current-password"})


class PasswordForm(Form):
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


class TokenForm(Form):
    name = _name("Token name", "token_name", DataRequired("Name the token."),
                 render_kw={"placeholder": "e.g. Zapier, CI, reporting script"})
    # The most a token may ask for is a setting: services.accounts.token_lifetime checks it.
    expires_in_days = IntegerField(
        "Expires after (days)",
        validators=[Optional(), NumberRange(1, None, "Enter a whole number of days, 1 or more.")],
        render_kw={"inputmode": "numeric", "min": 1},
    )


class TeamForm(Form):
    name = _name("Team name", "team_name", DataRequired("Name the team."))
    monthly_token_budget = IntegerField(
        "Monthly AI token budget",
        validators=[Optional(), NumberRange(0, MAX_TOKEN_BUDGET, "Enter a whole number from 0 up.")],
        render_kw={"inputmode": "numeric", "min": 0},
    )


class TeamLimitsForm(Form):
    """The operator's limits for one team (services.operator.set_team_limits)."""
    token_limit = IntegerField(
        "Monthly model tokens",
        validators=[Optional(), NumberRange(0, MAX_TOKEN_BUDGET, "Enter a whole number from 0 up.")],
        render_kw={"inputmode": "numeric", "min": 0},
    )
    email_allowed = BooleanField("May send email")


class NewTeamForm(Form):
    name = _name("New team name", "team_name", DataRequired("Name the team."))


class InviteForm(Form):
    role = SelectField("Role", choices=ROLE_CHOICES, default="editor")


class RoleForm(Form):
    role = SelectField("Role", choices=ROLE_CHOICES)


class SwitchTeamForm(Form):
    team_id = HiddenField(validators=[DataRequired()])
