"""Another team's ids are a 404 on every API route that takes an id, for every verb — and the other
team's data is unchanged afterwards. Generic over app.url_map, so routes added later are covered."""
import re

from .test_api_campaigns_support import make_team, new_campaign, new_item, new_persona, viewer_of

# A body that is valid for the write routes, so a refusal can only come from the id check.
BODY = {"name": "Hijacked", "contentType": "social_post", "platform": "linkedin", "contentBody": "Hijacked",
        "testName": "Hijacked", "queue": "content-generation"}
ARG = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _victim(api):
    persona = new_persona(api)
    campaign = new_campaign(api, personaId=persona["id"])
    a, b = new_item(api, campaign["id"]), new_item(api, campaign["id"], contentBody="B")
    test = api.post(f"/api/campaigns/{campaign['id']}/ab-tests",
                    json={"name": "AB", "variantAId": a["id"], "variantBId": b["id"]}).get_json()
    return {"persona_id": persona["id"], "campaign_id": campaign["id"], "item_id": a["id"], "test_id": test["id"],
            "content_id": a["id"]}


def _snapshot(api, ids):
    return (api.get(f"/api/personas/{ids['persona_id']}").get_json(),
            api.get(f"/api/campaigns/{ids['campaign_id']}").get_json())


def _id_routes(app, ids):
    """(method, path) for every /api rule whose arguments are all ids we hold."""
    out = []
    for rule in app.url_map.iter_rules():
        args = ARG.findall(rule.rule)
        if not rule.rule.startswith("/api/") or not args or not set(args) <= set(ids):
            continue
        path = ARG.sub(lambda m: str(ids[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, path))
    return out


def test_other_teams_ids_are_404_everywhere_and_change_nothing(app, factory, api_client):
    victim, intruder = make_team(factory, api_client), make_team(factory, api_client)
    ids = _victim(victim.api)
    before = _snapshot(victim.api, ids)
    routes = _id_routes(app, ids)
    # The routes this module must cover at least (the resources of the campaigns/personas API).
    expected = {
        ("GET", "/api/personas/{persona_id}"), ("PUT", "/api/personas/{persona_id}"),
        ("DELETE", "/api/personas/{persona_id}"), ("POST", "/api/personas/{persona_id}/archive"),
        ("POST", "/api/personas/{persona_id}/unarchive"),
        ("GET", "/api/campaigns/{campaign_id}"), ("PUT", "/api/campaigns/{campaign_id}"),
        ("DELETE", "/api/campaigns/{campaign_id}"), ("GET", "/api/campaigns/{campaign_id}/content"),
        ("POST", "/api/campaigns/{campaign_id}/content"), ("GET", "/api/campaigns/{campaign_id}/content/{item_id}"),
        ("PUT", "/api/campaigns/{campaign_id}/content/{item_id}"),
        ("DELETE", "/api/campaigns/{campaign_id}/content/{item_id}"),
        ("GET", "/api/campaigns/{campaign_id}/ab-tests"), ("POST", "/api/campaigns/{campaign_id}/ab-tests"),
        ("GET", "/api/campaigns/{campaign_id}/ab-tests/{test_id}"),
        ("PUT", "/api/campaigns/{campaign_id}/ab-tests/{test_id}"),
        ("DELETE", "/api/campaigns/{campaign_id}/ab-tests/{test_id}"),
    }
    assert {(m, p.format(**ids)) for m, p in expected} <= set(routes)
    failures = []
    for method, path in routes:
        # A valid body, and bad ones: the id is answered first, never what was wrong with the data.
        bodies = [BODY, [1], {"name": 5, "contentType": "poem"}] if method in ("POST", "PUT", "PATCH") else [None]
        for body in bodies:
            r = intruder.api.open(method, path, json=body)
            if r.status_code != 404:
                failures.append((method, path, body, r.status_code))
    assert failures == []
    assert _snapshot(victim.api, ids) == before
    # And the victim's lists did not gain anything.
    assert victim.api.get("/api/personas").get_json()["total"] == 1
    assert victim.api.get("/api/campaigns").get_json()["total"] == 1


def test_other_teams_rows_never_show_in_lists_or_stats(factory, api_client):
    victim, intruder = make_team(factory, api_client), make_team(factory, api_client)
    _victim(victim.api)
    assert intruder.api.get("/api/personas?includeArchived=true").get_json()["total"] == 0
    assert intruder.api.get("/api/campaigns").get_json()["total"] == 0
    assert intruder.api.get("/api/campaigns/stats").get_json()["totals"]["contentItems"] == 0
    dashboard = intruder.api.get("/api/campaigns/dashboard").get_json()
    assert dashboard["recentCampaigns"] == [] and dashboard["recentActivity"] == []
    # Filtering by another team's persona id finds nothing either.
    persona_id = victim.api.get("/api/personas").get_json()["items"][0]["id"]
    assert intruder.api.get(f"/api/campaigns?personaId={persona_id}").get_json()["total"] == 0


def test_a_viewers_write_is_403_whatever_the_body(app, factory, api_client):
    """Permission is answered before the body is read: a viewer learns "not allowed", not what was
    wrong with the data. Every /api write outside /api/auth, generic over app.url_map."""
    owner = make_team(factory, api_client)
    ids = {**_victim(owner.api), "queue": "content-generation", "job_id": "00000000-0000-0000-0000-000000000000"}
    viewer = viewer_of(factory, api_client, owner)
    before = _snapshot(owner.api, ids)
    writes = [(m, p) for m, p in _id_routes(app, ids) if m in ("POST", "PUT", "DELETE")]
    for rule in app.url_map.iter_rules():  # the writes that take no id
        if rule.rule.startswith("/api/") and not ARG.search(rule.rule) and not rule.rule.startswith("/api/auth/"):
            writes += [(m, rule.rule) for m in sorted(rule.methods & {"POST", "PUT", "DELETE"})]
    assert ("POST", "/api/campaigns") in writes and ("POST", "/api/content/generate-email") in writes
    assert ("DELETE", f"/api/jobs/content-generation/{ids['job_id']}/cancel") in writes
    failures = []
    for method, path in writes:
        for body in ([1, 2], {"name": 5, "campaignId": "x", "contentType": "poem"}):
            r = viewer.open(method, path, json=body)
            if r.status_code != 403:
                failures.append((method, path, r.status_code))
    assert failures == []
    assert _snapshot(owner.api, ids) == before
