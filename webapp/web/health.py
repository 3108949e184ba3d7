"""Liveness and readiness for load balancers and systemd: no login, no secrets."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process is up."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """The database answers and its schema is at the newest migration."""
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate  # noqa: F401  (registered on the app)

    checks = {"database": "ok", "migrations": "ok"}
    status = 200
    try:
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except Exception:  # noqa: BLE001 — any failure here means "not ready", reported plainly
        db.session.rollback()
        current = None
        try:
            db.session.execute(text("SELECT 1"))
            checks["migrations"] = "not applied"
        except Exception:  # noqa: BLE001
            checks["database"] = "unreachable"
            checks["migrations"] = "unknown"
        status = 503
    if current is not None:
        config = current_app.extensions["migrate"].migrate.get_config()
        heads = set(ScriptDirectory.from_config(config).get_heads())
        if set(current) != heads:
            checks["migrations"] = "pending"
            status = 503
    db.session.rollback()
    return jsonify({"status": "ok" if status == 200 else "unavailable", "checks": checks}), status
