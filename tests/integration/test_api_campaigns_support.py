"""Shared helpers for the persona/campaign/content API tests (no tests in here)."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event

from webapp.extensions import db

HOSTILE = '<script>alert(1)</script> "quotes" & <img src=x onerror=alert(2)>'


@dataclass
class TeamApi:
    """A user with their own team and a Bearer client."""

    user: object
    team: object
    api: object


def make_team(factory, api_client, email: str | None = None) -> TeamApi:
    user = factory.user(email)
    return TeamApi(user=user, team=factory.team_of(user), api=api_client(factory.token(user)))


def viewer_of(factory, api_client, owner: TeamApi):
    """A Bearer client for a viewer of `owner`'s team."""
    viewer = factory.user(team=owner.team, role="viewer")
    return api_client(factory.token(viewer))


def new_persona(api, **fields) -> dict:
    r = api.post("/api/personas", json={"name": "CFO Carla", **fields})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def new_campaign(api, **fields) -> dict:
    r = api.post("/api/campaigns", json={"name": "Spring launch", **fields})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def new_item(api, campaign_id: int, **fields) -> dict:
    body = {"contentType": "social_post", "platform": "linkedin", "contentBody": "Hello there", **fields}
    r = api.post(f"/api/campaigns/{campaign_id}/content", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


@contextmanager
def count_queries(app):
    """Count SQL statements sent to the database inside the block: `with count_queries(app) as n: ...; n()`."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield lambda: len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", before)
