"""Dashboard page: the team's numbers at a glance, a chart, recent campaigns and activity."""
from __future__ import annotations

import json

from flask import Blueprint
from flask_login import login_required

from ..auth import require_actor
from ..services import personas as personas_service
from ..services import stats
from . import display, render

bp = Blueprint("dashboard", __name__)

STATUS_COLOURS = {"draft": "#94a3b8", "active": "#10b981", "generating": "#f59e0b", "completed": "#6366f1",
                  "failed": "#ef4444"}


@bp.record_once
def _register_display(state) -> None:
    # The display helpers are used by every page this package renders; register them once, here.
    display.register(state.app)


def status_chart(by_status: dict[str, int]) -> str:
    """Chart.js config (JSON for a data-chart attribute) for campaigns by status; '' when empty."""
    labels = [s for s, n in by_status.items() if n]
    if not labels:
        return ""
    config = {
        "type": "doughnut",
        "data": {"labels": [s.capitalize() for s in labels],
                 "datasets": [{"data": [by_status[s] for s in labels],
                               "backgroundColor": [STATUS_COLOURS.get(s, "#64748b") for s in labels]}]},
        "options": {"maintainAspectRatio": False, "plugins": {"legend": {"position": "right"}}, "cutout": "62%"},
    }
    return json.dumps(config)


def platform_chart(by_platform: dict[str, int]) -> str:
    """Chart.js config for content pieces per platform (bars); '' when there is no content."""
    labels = [p for p, n in by_platform.items() if n]
    if not labels:
        return ""
    config = {
        "type": "bar",
        "data": {"labels": [display.platform_label(p) for p in labels],
                 "datasets": [{"label": "Content pieces", "data": [by_platform[p] for p in labels],
                               "backgroundColor": "#6366f1", "borderRadius": 6}]},
        "options": {"maintainAspectRatio": False, "plugins": {"legend": {"display": False}},
                    "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}}},
    }
    return json.dumps(config)


@bp.get("/")
@login_required
def index():
    """The dashboard; a new team gets the first steps instead of empty numbers."""
    actor = require_actor()
    data = stats.dashboard(actor)
    has_personas = bool(data["totals"]["campaigns"]) or bool(personas_service.list_personas(actor))
    return render(
        "pages/dashboard/index.html",
        data=data,
        has_personas=has_personas,
        status_chart=status_chart(data["by_status"]),
        platform_chart=platform_chart(data["content_by_platform"]),
    )
