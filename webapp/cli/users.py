"""`flask --app webapp users …` and `tokens …`: accounts for operators (no web sign-up needed)."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db
from ..services import accounts
from ..services.errors import ServiceError

users_cli = AppGroup("users", help="Create, list and disable user accounts.")
tokens_cli = AppGroup("tokens", help="Create API tokens.")


def _read_password(confirm: bool = True) -> str:
    """The password from stdin when piped (scripts), else a hidden prompt with confirmation."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)


def _fail(exc: ServiceError) -> None:
    db.session.rollback()
    details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items() if v != exc.message)
    raise click.ClickException(exc.message + (f" ({details})" if details else ""))


@users_cli.command("create")
@click.argument("email")
@click.option("--team", "team_name", required=True, help="Name of the new team this user will own.")
@click.option("--name", default="", help="The user's display name.")
@click.option("--role", type=click.Choice(["owner"]), default="owner", show_default=True,
              help="Role in the new team (a new team's first member is always its owner).")
def create_user(email: str, team_name: str, name: str, role: str) -> None:
    """Create a user with a new team NAME that they own. Reads the password from stdin when piped."""
    password = _read_password()
    try:
        user = accounts.register_user(email, password, name=name, team_name=team_name)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Created {user.email} (id {user.id}), {role} of team “{team_name}”.")


@users_cli.command("disable")
@click.argument("email")
def disable_user(email: str) -> None:
    """Disable an account: it cannot log in, and its sessions and API tokens stop working."""
    try:
        user = accounts.disable_user(email)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Disabled {user.email}; its sessions and tokens no longer work.")


@users_cli.command("set-password")
@click.argument("email")
def set_password(email: str) -> None:
    """Set a new password (stdin when piped, else prompt). Ends the user's sessions and tokens."""
    password = _read_password()
    try:
        user = accounts.reset_password(email, password)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Password changed for {user.email}; older sessions and tokens no longer work.")


@users_cli.command("list")
def list_users() -> None:
    """List accounts with their teams and roles."""
    from sqlalchemy import select

    from ..models import User

    for user in db.session.scalars(select(User).order_by(User.id)):
        teams = ", ".join(f"{m.team.name} ({m.role})" for m in user.memberships) or "no team"
        state = "" if user.active else "  [disabled]"
        click.echo(f"{user.id}\t{user.email}\t{user.name or '-'}\t{teams}{state}")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="A name to recognise the token by (e.g. the integration).")
def create_token(email: str, name: str) -> None:
    """Create an API token for EMAIL in their current team and print it (shown only this once)."""
    try:
        user = accounts.user_by_email(email)
    except ServiceError as exc:
        _fail(exc)
    if not user.active:
        raise click.ClickException(f"{user.email} is disabled.")
    membership = accounts.current_membership(user)
    if membership is None:
        raise click.ClickException(f"{user.email} belongs to no team.")
    try:
        _token, secret = accounts.create_api_token(user, membership.team_id, name)
    except ServiceError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(secret)


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
