"""Team pages: members and roles, invite links, team settings (name, monthly token budget),
switching and creating teams, and the invite landing page."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..auth import current_actor, require_actor
from ..extensions import db
from ..forms.accounts import InviteForm, NewTeamForm, RoleForm, SwitchTeamForm, TeamForm
from ..services import accounts, audit, teams
from ..services.access import require_role
from ..services.errors import ServiceError, ValidationFailed
from ..services.generation import usage_this_month
from . import is_htmx, render
from .auth import safe_next

bp = Blueprint("team", __name__)

PAGE = "pages/team/index.html"


def _usage(team_id: int) -> dict | None:
    try:
        return usage_this_month(team_id)
    except Exception:  # noqa: BLE001 — the team page must not fail because usage could not be read
        current_app.logger.exception("could not read token usage")
        return None


def _context(actor, **overrides) -> dict:
    """Everything the team page shows; a view overrides the part it handled."""
    team = teams.current_team(actor)
    owner = actor.is_owner
    context = {
        "team": team,
        "members": teams.list_members(actor),
        "memberships": teams.teams_of(actor.user_id),
        "invites": teams.list_invites(actor) if owner else [],
        "audit_entries": audit.recent_entries(actor, 15) if owner else [],
        "team_form": TeamForm(formdata=None, data={"name": team.name,
                                                   "monthly_token_budget": team.monthly_token_budget}),
        "new_team_form": NewTeamForm(formdata=None),
        "invite_form": InviteForm(formdata=None),
        "role_form": RoleForm(formdata=None),
        "default_budget": current_app.config.get("HERALD_MONTHLY_TOKEN_BUDGET"),
        "usage": _usage(team.id),
        "new_invite_url": None,
        "members_error": None,
        "saved": None,
    }
    context.update(overrides)
    return context


def _members_changed(actor, message: str, touched_user_id: int):
    """After a role change or removal: the members partial (HTMX) or flash + redirect. When owners
    changed their own membership the whole page changes (buttons, maybe the team), so reload it."""
    if touched_user_id == actor.user_id:
        target = url_for("team.index")
        if is_htmx():
            response = make_response("", 204)
            response.headers["HX-Redirect"] = target
            flash(message, "success")
            return response
        flash(message, "success")
        return redirect(target)
    if is_htmx():
        return render(PAGE, "partials/team/_members.html", **_context(actor, saved="members"))
    flash(message, "success")
    return redirect(url_for("team.index"))


def _members_failed(actor, exc: ServiceError):
    db.session.rollback()
    return render(PAGE, "partials/team/_members.html", exc.status, **_context(actor, members_error=exc.message))


@bp.get("/team")
@login_required
def index():
    """The team page."""
    return render(PAGE, **_context(require_actor()))


@bp.post("/team/settings")
@login_required
def update():
    """Rename the team and set its monthly token budget (owners)."""
    actor = require_actor()
    form = TeamForm()
    if form.validate_on_submit():
        try:
            teams.update_team(actor, {"name": form.name.data, "monthly_token_budget": form.monthly_token_budget.data})
        except ValidationFailed as exc:
            db.session.rollback()
            form.apply_service_errors(exc.fields)
        else:
            db.session.commit()
            if is_htmx():
                return render(PAGE, "partials/team/_settings.html", **_context(actor, saved="settings"))
            flash("Team settings saved.", "success")
            return redirect(url_for("team.index"))
    else:
        require_role(actor, "owner")  # a viewer's malformed post is still a 403, not a form error
    return render(PAGE, "partials/team/_settings.html", 422, **_context(actor, team_form=form))


@bp.post("/team/members/<int:membership_id>/role")
@login_required
def change_role(membership_id: int):
    """Give a member another role (owners)."""
    actor = require_actor()
    form = RoleForm()
    try:
        member = teams.change_role(actor, membership_id, form.role.data)
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return _members_failed(actor, exc)
    db.session.commit()
    return _members_changed(actor, f"{member.user.name or member.user.email} is now {member.role}.", member.user_id)


@bp.post("/team/members/<int:membership_id>/remove")
@login_required
def remove_member(membership_id: int):
    """Remove a member (owners); never the last owner."""
    actor = require_actor()
    try:
        member = teams.remove_member(actor, membership_id)
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return _members_failed(actor, exc)
    who, removed_self = member.user.name or member.user.email, member.user_id == actor.user_id
    db.session.commit()
    if removed_self:
        flash("You left the team.", "success")
        if is_htmx():
            response = make_response("", 204)
            response.headers["HX-Redirect"] = url_for("dashboard.index")
            return response
        return redirect(url_for("dashboard.index"))
    return _members_changed(actor, f"{who} was removed from the team.", 0)


@bp.post("/team/invites")
@login_required
def create_invite():
    """Create a one-use invite link (owners); the link is shown once, in this answer."""
    actor = require_actor()
    form = InviteForm()
    if not form.validate_on_submit():
        require_role(actor, "owner")  # a viewer's malformed post is still a 403, not a form error
        return render(PAGE, "partials/team/_invites.html", 422, **_context(actor, invite_form=form))
    _invite, secret = teams.create_invite(actor, form.role.data)
    db.session.commit()
    url = url_for("team.invite", secret=secret, _external=True)
    return render(PAGE, "partials/team/_invites.html", **_context(actor, new_invite_url=url, invite_form=form))


@bp.post("/team/invites/<int:invite_id>/revoke")
@login_required
def revoke_invite(invite_id: int):
    """Delete a pending invite (owners)."""
    actor = require_actor()
    teams.revoke_invite(actor, invite_id)
    db.session.commit()
    if is_htmx():
        return render(PAGE, "partials/team/_invites.html", **_context(actor))
    flash("Invite revoked.", "success")
    return redirect(url_for("team.index"))


@bp.post("/team/switch")
@login_required
def switch():
    """Work in another of your teams."""
    form = SwitchTeamForm()
    team = teams.switch_team(current_user.id, form.team_id.data)
    db.session.commit()
    flash(f"You are now working in {team.name}.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.index"))


@bp.post("/teams")
@login_required
def create():
    """Create a new team (you own it and switch to it). Also the way back for someone removed from
    their last team, who has no current team (the no-team page posts here)."""
    actor = current_actor()
    form = NewTeamForm()
    if form.validate_on_submit():
        try:
            team = teams.create_team(current_user.id, form.name.data)
        except ValidationFailed as exc:
            db.session.rollback()
            form.apply_service_errors(exc.fields)
        else:
            db.session.commit()
            flash(f"Team {team.name} created — you are its owner.", "success")
            return redirect(url_for("team.index"))
    if actor is None:
        return no_team_page(form, 422)
    return render(PAGE, status=422, **_context(actor, new_team_form=form))


def no_team_page(form: NewTeamForm | None = None, status: int = 403):
    """For a logged-in user who belongs to no team: start one, or log out (never a redirect loop
    between the login page and the dashboard)."""
    return render_template("pages/team/no_team.html", form=form or NewTeamForm()), status


@bp.route("/invite/<secret>", methods=["GET", "POST"])
def invite(secret: str):
    """The invite link. Logged out: register or log in first. Logged in: one click joins (a POST,
    so a link embedded elsewhere cannot make someone join a team without knowing)."""
    try:
        found = teams.find_invite(secret)
    except ServiceError as exc:
        return render("pages/team/invite.html", status=exc.status, problem=exc.message, invite=None, secret=secret)
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=url_for("team.invite", secret=secret)))
        membership = teams.accept_invite(current_user.id, secret)
        db.session.commit()
        flash(f"You joined {membership.team.name} as {membership.role}.", "success")
        return redirect(url_for("team.index"))
    return render("pages/team/invite.html", invite=found, secret=secret, problem=None,
                  registration_open=accounts.registration_open(current_app.config))
