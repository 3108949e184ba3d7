"""Teams: members and roles, invite links, switching and creating teams, team settings."""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..events import rights
from ..events.registry import Revocation
from ..extensions import db
from ..models import ROLES, Invite, Membership, Team, User
from . import audit, operator
from .access import Actor, require_role, row_id
from .errors import Conflict, NotFound, ValidationFailed
from .field_limits import ACCOUNT

INVITE_DAYS = 7
MAX_TOKEN_BUDGET = 2**31 - 1  # the column is INTEGER: PostgreSQL refuses more (SQLite does not)


def _hash(secret: str) -> str:
    # Invite secrets are long and random: sha256 is enough and keeps the lookup a plain index hit.
    return hashlib.sha256(secret.encode()).hexdigest()


def _id(value, what: str) -> int:
    key = row_id(value)
    if key is None:
        raise NotFound(f"{what} not found")
    return key


def _role(role) -> str:
    if role not in ROLES:
        problem = f"Choose one of: {', '.join(ROLES)}."
        raise ValidationFailed(problem, {"role": problem})
    return role


def _team_name(name) -> str:
    name = (name if isinstance(name, str) else "").strip()
    if not name or len(name) > ACCOUNT["team_name"].max:
        problem = f"Give the team a name of 1–{ACCOUNT['team_name'].max} characters."
        raise ValidationFailed(problem, {"name": problem})
    return name


# --- reading ------------------------------------------------------------------------------------

def current_team(actor: Actor) -> Team:
    """The actor's team."""
    team = db.session.get(Team, actor.team_id)
    if team is None:
        raise NotFound("Team not found")
    return team


def teams_of(user_id: int) -> list[Membership]:
    """Every membership of a user with its team, by team name (for the team switcher)."""
    stmt = (select(Membership).options(joinedload(Membership.team))
            .where(Membership.user_id == user_id))
    return sorted(db.session.scalars(stmt).unique(), key=lambda m: (m.team.name.lower(), m.team_id))


def list_members(actor: Actor) -> list[Membership]:
    """The team's members with their users (one query), owners first, then by name."""
    stmt = (select(Membership).options(joinedload(Membership.user))
            .where(Membership.team_id == actor.team_id))
    rank = {r: i for i, r in enumerate(ROLES)}
    members = list(db.session.scalars(stmt).unique())
    return sorted(members, key=lambda m: (rank.get(m.role, 9), (m.user.name or m.user.email).lower()))


def _member(actor: Actor, membership_id) -> Membership:
    member = db.session.scalar(select(Membership).where(
        Membership.id == _id(membership_id, "Member"), Membership.team_id == actor.team_id))
    if member is None:
        raise NotFound("Member not found")
    return member


def _owner_ids(team_id: int) -> list[int]:
    # Lock the owner rows (PostgreSQL) so two owners cannot demote each other at the same time.
    stmt = select(Membership.id).where(Membership.team_id == team_id, Membership.role == "owner").with_for_update()
    return list(db.session.scalars(stmt))


# --- members ------------------------------------------------------------------------------------

def change_role(actor: Actor, membership_id, role: str) -> Membership:
    """Give a member another role (owners only). The last owner cannot step down."""
    require_role(actor, "owner")
    role = _role(role)
    member = _member(actor, membership_id)
    if member.role == role:
        return member
    if member.role == "owner" and _owner_ids(actor.team_id) == [member.id]:
        raise Conflict("A team needs at least one owner: make someone else owner first.",
                       {"role": "The last owner cannot step down."})
    old = member.role
    member.role = role
    db.session.flush()
    audit.record(actor, "team.member_role_changed", "membership", member.id,
                 {"user_id": member.user_id, "from": old, "to": role})
    return member


def remove_member(actor: Actor, membership_id) -> Membership:
    """Remove a member from the team (owners only); never the last owner. Their API tokens for this
    team stop working at once (token auth checks membership). Returns the removed (deleted) row."""
    require_role(actor, "owner")
    member = _member(actor, membership_id)
    if member.role == "owner" and _owner_ids(actor.team_id) == [member.id]:
        raise Conflict("A team needs at least one owner: the last owner cannot be removed.")
    user = db.session.get(User, member.user_id)
    db.session.delete(member)
    db.session.flush()
    rights.announce(db.session, Revocation("You are no longer a member of this team.", user_id=member.user_id,
                                           team_id=actor.team_id))
    if user is not None and user.current_team_id == actor.team_id:
        other = db.session.scalar(select(Membership.team_id).where(Membership.user_id == user.id)
                                  .order_by(Membership.id).limit(1))
        user.current_team_id = other
    audit.record(actor, "team.member_removed", "membership", member.id,
                 {"user_id": member.user_id, "email": user.email if user else None})
    db.session.flush()
    return member


# --- invites ------------------------------------------------------------------------------------

def create_invite(actor: Actor, role: str) -> tuple[Invite, str]:
    """An invite link for `role`, valid 7 days and usable once (owners only). Returns the row and
    the secret for the link; only its hash is stored, so the link is shown once."""
    require_role(actor, "owner")
    role = _role(role)
    secret = secrets.token_urlsafe(24)
    invite = Invite(team_id=actor.team_id, role=role, token_hash=_hash(secret), created_by_id=actor.user_id,
                    expires_at=datetime.now(UTC) + timedelta(days=INVITE_DAYS))
    db.session.add(invite)
    db.session.flush()
    audit.record(actor, "team.invite_created", "invite", invite.id, {"role": role})
    return invite, secret


def list_invites(actor: Actor) -> list[Invite]:
    """Pending (unused, unexpired) invites of the team, newest first (owners only)."""
    require_role(actor, "owner")
    stmt = (select(Invite)
            .where(Invite.team_id == actor.team_id, Invite.used_at.is_(None), Invite.expires_at > datetime.now(UTC))
            .order_by(Invite.created_at.desc(), Invite.id.desc()))
    return list(db.session.scalars(stmt))


def revoke_invite(actor: Actor, invite_id) -> None:
    """Delete a pending invite (owners only); another team's invite id is a NotFound."""
    require_role(actor, "owner")
    invite = db.session.scalar(select(Invite).where(Invite.id == _id(invite_id, "Invite"),
                                                    Invite.team_id == actor.team_id))
    if invite is None:
        raise NotFound("Invite not found")
    db.session.delete(invite)
    db.session.flush()
    audit.record(actor, "team.invite_revoked", "invite", invite.id, {"role": invite.role})


def find_invite(secret: str | None) -> Invite:
    """The invite behind a link secret, if it can still be used. NotFound for an unknown secret,
    Conflict for a used or expired one."""
    if not isinstance(secret, str) or not secret or len(secret) > 200:
        raise NotFound("This invite link is not valid.")
    invite = db.session.scalar(select(Invite).where(Invite.token_hash == _hash(secret)))
    if invite is None:
        raise NotFound("This invite link is not valid.")
    if invite.used_at is not None:
        raise Conflict("This invite link has already been used. Ask the team owner for a new one.")
    if invite.expires_at <= datetime.now(UTC):
        raise Conflict("This invite link has expired. Ask the team owner for a new one.")
    return invite


def accept_invite(user_id: int, secret: str) -> Membership:
    """Join the invite's team with its role and switch to it. The invite is claimed atomically, so
    it works once. A user who is already a member is just switched to the team (invite unused)."""
    invite = find_invite(secret)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    existing = db.session.scalar(select(Membership).where(Membership.user_id == user_id,
                                                          Membership.team_id == invite.team_id))
    if existing is not None:
        user.current_team_id = invite.team_id
        db.session.flush()
        return existing
    now = datetime.now(UTC)
    claimed = db.session.execute(
        update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by_id=user_id)
    ).rowcount
    if claimed != 1:
        raise Conflict("This invite link has already been used. Ask the team owner for a new one.")
    member = Membership(user_id=user_id, team_id=invite.team_id, role=invite.role)
    db.session.add(member)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("You are already a member of this team.") from None
    user.current_team_id = invite.team_id
    db.session.flush()
    audit.record(None, "team.invite_accepted", "invite", invite.id, {"role": invite.role, "email": user.email},
                 team_id=invite.team_id, user_id=user_id)
    return member


# --- switching, creating, settings ---------------------------------------------------------------

def switch_team(user_id: int, team_id) -> Team:
    """Make `team_id` the user's current team; a team they do not belong to is a NotFound."""
    member = db.session.scalar(select(Membership).where(Membership.user_id == user_id,
                                                        Membership.team_id == _id(team_id, "Team")))
    if member is None:
        raise NotFound("Team not found")
    user = db.session.get(User, user_id)
    user.current_team_id = member.team_id
    db.session.flush()
    return member.team


def create_team(user_id: int, name: str) -> Team:
    """A new team owned by the user, who switches to it (limited like a signed-up team unless the
    user is the operator)."""
    team = Team(name=_team_name(name))
    operator.restrict_self_service_team(team, user_id)  # a second team is no way around the limits
    db.session.add(team)
    db.session.flush()
    db.session.add(Membership(user_id=user_id, team_id=team.id, role="owner"))
    user = db.session.get(User, user_id)
    user.current_team_id = team.id
    db.session.flush()
    audit.record(None, "team.created", "team", team.id, {"name": team.name}, team_id=team.id, user_id=user_id)
    return team


def update_team(actor: Actor, data: dict) -> Team:
    """Change the team's name and/or monthly token budget (owners only). Only keys present change;
    a budget of None means the server default (HERALD_MONTHLY_TOKEN_BUDGET)."""
    require_role(actor, "owner")
    team = current_team(actor)
    changes = {}
    if "name" in data:
        name = _team_name(data["name"])
        if name != team.name:
            changes["name"] = [team.name, name]
            team.name = name
    if "monthly_token_budget" in data:
        budget = data["monthly_token_budget"]
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int)
                                   or not 0 <= budget <= MAX_TOKEN_BUDGET):
            problem = f"Enter a whole number of tokens from 0 to {MAX_TOKEN_BUDGET:,}, or leave it empty."
            raise ValidationFailed(problem, {"monthly_token_budget": problem})
        if budget != team.monthly_token_budget:
            changes["monthly_token_budget"] = [team.monthly_token_budget, budget]
            team.monthly_token_budget = budget
    db.session.flush()
    if changes:
        audit.record(actor, "team.updated", "team", team.id, changes)
    return team
