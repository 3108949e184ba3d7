"""`flask --app webapp teams …`: the operator's view of every team, and raising a team's limits."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..extensions import db
from ..services import operator, usage
from ..services.errors import ServiceError

teams_cli = AppGroup("teams", help="List teams with their usage and limits; change a team's limits.")


def _tokens(value) -> str:
    return "none" if value is None else f"{value:,}"


@teams_cli.command("list")
def list_teams() -> None:
    """Every team: id, name, members, model tokens used this month / budget, operator limit, email."""
    instance = usage.instance_usage_this_month(current_app.config)
    click.echo(f"Instance: {instance['total']:,} tokens this month of {_tokens(instance['budget'])} "
               "(HERALD_INSTANCE_MONTHLY_TOKEN_BUDGET)")
    click.echo("id\tname\tmembers\tused/budget\tlimit\temail")
    for row in operator.team_limits(current_app.config):
        click.echo(f"{row['id']}\t{row['name']}\t{row['members']}\t{row['used_this_month']:,}/"
                   f"{_tokens(row['budget'])}\t{_tokens(row['token_limit'])}\t"
                   f"{'allowed' if row['email_allowed'] else 'not allowed'}")


def _limit(value: str | None):
    if value is None:
        return None
    if value.strip().lower() in {"none", "unlimited"}:
        return "none"
    try:
        return int(value.replace(",", "").replace("_", ""))
    except ValueError:
        raise click.BadParameter("a whole number of tokens, or 'none' for no limit") from None


@teams_cli.command("limits")
@click.argument("team")
@click.option("--monthly-tokens", help="Monthly model tokens the team may use (0: none; 'none': no operator limit).")
@click.option("--allow-email/--no-email", default=None, help="Let the team send email (once Herald sends email).")
def set_limits(team: str, monthly_tokens: str | None, allow_email: bool | None) -> None:
    """Set the operator's limits for TEAM (its id, or its exact name); options left out keep their value."""
    limit = _limit(monthly_tokens)
    try:
        row = operator.find_team(team)
        token_limit = row.token_limit if limit is None else (None if limit == "none" else limit)
        email = row.email_allowed if allow_email is None else allow_email
        row = operator.set_team_limits(None, row.id, token_limit=token_limit, email_allowed=email)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Team {row.id} “{row.name}”: monthly model tokens {_tokens(row.token_limit)}, "
               f"email {'allowed' if row.email_allowed else 'not allowed'}.")


def register(app: Flask) -> None:
    app.cli.add_command(teams_cli)
