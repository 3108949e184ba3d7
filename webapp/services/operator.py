"""The instance's operator and what only they decide: every team's limits.

The first account on an instance is its operator (the person who installed it). Teams that sign
themselves up after that start with no model tokens (Team.token_limit = 0) and without email
sending (Team.email_allowed = False: it gates email sending once Herald sends email) until the
operator raises their limits, on the operator page or with `flask teams limits`."""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select

from ..extensions import db
from ..models import Membership, Team, TokenUsage, User
from . import audit, usage
from .access import Actor, row_id
from .errors import NotFound, ValidationFailed

MAX_TOKEN_LIMIT = 2**31 - 1  # the column is INTEGER


def operator_user_id() -> int | None:
    """The first account's id (the operator), or None on an empty instance (a loaded User also
    says so itself: User.is_operator)."""
    return db.session.scalar(select(func.min(User.id)))


def is_operator(user_id: int | None) -> bool:
    return user_id is not None and user_id == operator_user_id()


def require_operator(actor: Actor | None) -> None:
    """NotFound for anyone but the operator: the operator's pages do not exist for others."""
    if actor is None or not is_operator(actor.user_id):
        raise NotFound("No such page.")


def restrict_self_service_team(team: Team, creator_id: int) -> None:
    """A team someone other than the operator created for themselves: no model tokens and no
    email until the operator raises its limits. The operator's own teams keep no ceiling."""
    if not is_operator(creator_id):
        team.token_limit = 0
        team.email_allowed = False


def find_team(ref) -> Team:
    """A team by id, or by exact name when unique (the CLI's TEAM argument). NotFound otherwise."""
    key = row_id(ref)
    team = db.session.get(Team, key) if key is not None else None
    if team is None and isinstance(ref, str):
        named = list(db.session.scalars(select(Team).where(Team.name == ref.strip()).limit(2)))
        if len(named) > 1:
            raise NotFound(f"Several teams are called {ref!r}: use the team's id (see `flask teams list`).")
        team = named[0] if named else None
    if team is None:
        raise NotFound(f"No team {ref!r}.")
    return team


def team_limits(config: Mapping | None = None) -> list[dict]:
    """Every team with its members, this month's usage and its limits, by id (the operator's view)."""
    members = dict(db.session.execute(select(Membership.team_id, func.count(Membership.id))
                                      .group_by(Membership.team_id)).all())
    spent = dict(db.session.execute(
        select(TokenUsage.team_id, func.sum(TokenUsage.prompt_tokens + TokenUsage.completion_tokens))
        .where(TokenUsage.created_at >= usage.month_start()).group_by(TokenUsage.team_id)).all())
    return [{"id": team.id, "name": team.name, "members": members.get(team.id, 0),
             "used_this_month": int(spent.get(team.id) or 0), "budget": usage.team_budget(team.id, config),
             "own_budget": team.monthly_token_budget, "token_limit": team.token_limit,
             "email_allowed": team.email_allowed, "created_at": team.created_at}
            for team in db.session.scalars(select(Team).order_by(Team.id))]


def set_team_limits(actor: Actor | None, team_id, *, token_limit: int | None, email_allowed: bool) -> Team:
    """Set a team's operator limits: token_limit None = no ceiling (the owner's budget applies), 0 =
    no model tokens. `actor` is the operator on the page (checked) or None from the CLI. Flushes."""
    if actor is not None:
        require_operator(actor)
    team = find_team(team_id)
    if token_limit is not None and (isinstance(token_limit, bool) or not isinstance(token_limit, int)
                                    or not 0 <= token_limit <= MAX_TOKEN_LIMIT):
        problem = f"Enter a whole number of tokens from 0 to {MAX_TOKEN_LIMIT:,}, or leave it empty for no limit."
        raise ValidationFailed(problem, {"token_limit": problem})
    changes = {k: [getattr(team, k), v] for k, v in (("token_limit", token_limit), ("email_allowed", email_allowed))
               if getattr(team, k) != v}
    team.token_limit = token_limit
    team.email_allowed = bool(email_allowed)
    db.session.flush()
    if changes:
        audit.record(actor, "team.limits_changed", "team", team.id, changes, team_id=team.id,
                     user_id=actor.user_id if actor else None)
    return team
