"""Stats and dashboard: numbers checked against hand-computed values; query counts that do not grow
with the number of rows (no N+1) for the list, the stats and one campaign."""
from webapp.extensions import db

from .test_api_campaigns_support import count_queries, make_team, new_campaign, new_item, new_persona


def test_stats_numbers(app, factory, api_client):
    t = make_team(factory, api_client)
    other = make_team(factory, api_client)
    new_campaign(other.api, budget=999, currency="GBP")  # another team: never counted
    a = new_campaign(t.api, objective="awareness", budget=100.25, currency="USD")
    b = new_campaign(t.api, objective="conversion", budget=50, currency="USD", status="active")
    new_campaign(t.api, objective="conversion", budget=70, currency="EUR")
    new_item(t.api, a["id"], contentType="social_post", platform="twitter")
    new_item(t.api, a["id"], contentType="email", platform="email", subjectLine="Hello")
    new_item(t.api, b["id"], contentType="ad_copy", platform="linkedin")
    # Known scores, set directly: (80 + 60 + 91) / 3 = 77.0
    from webapp.models import ContentItem

    with app.app_context():
        for item, score in zip(db.session.scalars(db.select(ContentItem).order_by(ContentItem.id)).all(),
                               (80, 60, 91), strict=True):
            item.quality_score = score
        db.session.commit()

    s = t.api.get("/api/campaigns/stats").get_json()
    assert s["totals"] == {"campaigns": 3, "contentItems": 3, "scoredItems": 3}
    assert s["byStatus"] == {"draft": 2, "active": 1, "generating": 0, "completed": 0, "failed": 0}
    assert s["byObjective"] == {"awareness": 1, "consideration": 0, "conversion": 2}
    assert s["contentByType"] == {"email": 1, "social_post": 1, "ad_copy": 1}
    assert s["contentByPlatform"]["twitter"] == 1 and s["contentByPlatform"]["email"] == 1
    assert s["contentByPlatform"]["linkedin"] == 1 and s["contentByPlatform"]["google_ads"] == 0
    assert s["averageQualityScore"] == 77.0
    assert s["budgetByCurrency"] == {"EUR": 70.0, "USD": 150.25}


def test_stats_of_an_empty_team(factory, api_client):
    t = make_team(factory, api_client)
    s = t.api.get("/api/campaigns/stats").get_json()
    assert s["totals"]["campaigns"] == 0 and s["averageQualityScore"] is None and s["budgetByCurrency"] == {}


def test_dashboard(factory, api_client):
    t = make_team(factory, api_client)
    persona = new_persona(t.api, name="Ops Olga")
    campaigns = [new_campaign(t.api, name=f"C{i}", personaId=persona["id"]) for i in range(7)]
    new_item(t.api, campaigns[0]["id"])
    d = t.api.get("/api/campaigns/dashboard").get_json()
    assert d["totals"]["campaigns"] == 7
    assert [c["name"] for c in d["recentCampaigns"]] == ["C6", "C5", "C4", "C3", "C2"]
    assert d["recentCampaigns"][0]["personaName"] == "Ops Olga"
    assert d["recentActivity"][0]["kind"] == "content"
    assert d["recentActivity"][0]["campaignName"] == "C0"
    assert len(d["recentActivity"]) == 8  # 1 item + 7 campaigns
    assert {a["summary"] for a in d["recentActivity"] if a["kind"] == "campaign"} == {"campaign created"}
    assert d["generationUsage"] is None or d["generationUsage"]["total"] == 0


def _seed(app, team_id: int, user_id: int, n: int, persona_id: int) -> None:
    from webapp.models import ABTest, Campaign, ContentItem

    with app.app_context():
        for i in range(n):
            c = Campaign(team_id=team_id, user_id=user_id, name=f"Bulk {i}", persona_id=persona_id,
                         content_types=["social_post"], platforms=["linkedin"])
            db.session.add(c)
            db.session.flush()
            items = [ContentItem(campaign_id=c.id, team_id=team_id, content_type="social_post", platform="linkedin",
                                 body=f"Post {j}", quality_score=50 + j) for j in range(3)]
            db.session.add_all(items)
            db.session.flush()
            db.session.add(ABTest(campaign_id=c.id, team_id=team_id, name="t", variant_a_id=items[0].id,
                                  variant_b_id=items[1].id))
        db.session.commit()


def _counts(app, t, campaign_id):
    out = {}
    for name, path in (("list", "/api/campaigns?perPage=100"), ("stats", "/api/campaigns/stats"),
                       ("dashboard", "/api/campaigns/dashboard"), ("campaign", f"/api/campaigns/{campaign_id}"),
                       ("content", f"/api/campaigns/{campaign_id}/content"), ("personas", "/api/personas")):
        with count_queries(app) as n:
            r = t.api.get(path)
        assert r.status_code == 200
        out[name] = n()
    return out


def test_query_counts_do_not_grow_with_rows(app, factory, api_client):
    t = make_team(factory, api_client)
    persona = new_persona(t.api)
    _seed(app, t.team.id, t.user.id, 5, persona["id"])
    first = t.api.get("/api/campaigns?sort=created_at&perPage=1").get_json()["items"][0]["id"]
    t.api.get("/api/campaigns")  # warm up (token last-used write)
    small = _counts(app, t, first)
    _seed(app, t.team.id, t.user.id, 45, persona["id"])
    large = _counts(app, t, first)
    assert t.api.get("/api/campaigns/stats").get_json()["totals"]["campaigns"] == 50
    assert large == small, (small, large)
    assert small["campaign"] <= 8 and small["list"] <= 6, small
