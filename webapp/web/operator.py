"""The operator's page (the instance's first account only; anyone else gets a 404): every team
with its usage this month and its limits, and a form per team to change them."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_login import login_required

from ..auth import require_actor
from ..extensions import db
from ..forms.accounts import TeamLimitsForm
from ..services import operator, usage
from ..services.errors import ValidationFailed
from . import render

bp = Blueprint("operator", __name__)

PAGE = "pages/operator/teams.html"


def _page(status: int = 200, failed: tuple[int, TeamLimitsForm] | None = None):
    rows = operator.team_limits(current_app.config)
    forms = {row["id"]: TeamLimitsForm(formdata=None, data={"token_limit": row["token_limit"],
                                                             "email_allowed": row["email_allowed"]},
                                       prefix=f"team-{row['id']}")
             for row in rows}
    if failed:
        forms[failed[0]] = failed[1]
    return render(PAGE, status=status, rows=rows, forms=forms,
                  instance=usage.instance_usage_this_month(current_app.config))


@bp.get("/operator/teams")
@login_required
def teams():
    """Every team's usage and limits."""
    operator.require_operator(require_actor())
    return _page()


@bp.post("/operator/teams/<int:team_id>/limits")
@login_required
def limits(team_id: int):
    """Change one team's limits (monthly model tokens; empty = no operator limit) and email flag."""
    actor = require_actor()
    operator.require_operator(actor)
    team = operator.find_team(team_id)
    form = TeamLimitsForm(prefix=f"team-{team.id}")
    if form.validate_on_submit():
        try:
            operator.set_team_limits(actor, team.id, token_limit=form.token_limit.data,
                                     email_allowed=bool(form.email_allowed.data))
        except ValidationFailed as exc:
            db.session.rollback()
            form.apply_service_errors(exc.fields)
        else:
            db.session.commit()
            flash(f"Limits of “{team.name}” saved.", "success")
            return redirect(url_for("operator.teams"))
    return _page(422, (team.id, form))
