"""SQL statements per page: the dashboard, the campaigns list and a campaign page each take at most
8 (BEGIN included), and the same number for a team of 20 campaigns as for one of 200 — a count
that grows with the rows is an N+1."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from webapp.extensions import db
from webapp.models import Campaign, ContentItem, Job

MAX_QUERIES = 8
PAGES = ["/", "/campaigns", "/campaigns/{cid}"]


def seed_team(app, user, campaigns: int, items: int = 3) -> int:
    """Bulk-insert `campaigns` campaigns with `items` pieces each and a finished job per tenth
    campaign for the user's team; returns one campaign's id."""
    now = datetime.now(UTC)
    with app.app_context():
        team_id = user.current_team_id
        db.session.execute(insert(Campaign), [
            {"team_id": team_id, "user_id": user.id, "name": f"Campaign {i}", "status": "active",
             "currency": "USD" if i % 2 else "EUR", "budget": 100 + i,
             "created_at": now - timedelta(minutes=i), "updated_at": now - timedelta(minutes=i)}
            for i in range(campaigns)
        ])
        ids = list(db.session.scalars(select(Campaign.id).where(Campaign.team_id == team_id).order_by(Campaign.id)))
        db.session.execute(insert(ContentItem), [
            {"campaign_id": cid, "team_id": team_id, "content_type": "social_post", "platform": "linkedin",
             "body": f"Piece {n}", "quality_score": 70, "status": "draft", "generated_by": "manual"}
            for cid in ids for n in range(items)
        ])
        db.session.execute(insert(Job), [
            {"id": f"job-{team_id}-{cid}", "queue": "generation", "kind": "campaign", "team_id": team_id,
             "user_id": user.id, "campaign_id": cid, "status": "succeeded", "message": "done"}
            for cid in ids[::10]
        ])
        db.session.commit()
        return ids[len(ids) // 2]


def queries_for(app, client, url: str) -> int:
    """Statements sent while serving `url` a second time; the first (cold caches) may take no more."""
    seen = []

    def count(*_args, **_kwargs):
        seen.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
        first = len(seen)
        seen.clear()
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert first <= MAX_QUERIES
    return len(seen)


@pytest.fixture
def two_teams(app, factory, login):
    """(client, campaign id) for a team of 20 campaigns and for a team of 200."""
    small, big = factory.user(), factory.user()
    return [(login(user), seed_team(app, user, n)) for user, n in ((small, 20), (big, 200))]


@pytest.mark.parametrize("path", PAGES)
def test_page_queries_are_few_and_do_not_grow_with_rows(app, two_teams, path):
    (small_client, small_cid), (big_client, big_cid) = two_teams
    small = queries_for(app, small_client, path.format(cid=small_cid))
    big = queries_for(app, big_client, path.format(cid=big_cid))
    assert small <= MAX_QUERIES
    assert big == small
