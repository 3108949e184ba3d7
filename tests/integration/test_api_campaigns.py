"""Campaigns API: the seed's fields on the wire, rules, partial updates, transitions, list queries."""
from webapp.extensions import db

from .test_api_campaigns_support import HOSTILE, make_team, new_campaign, new_item, new_persona, viewer_of

FULL = {
    "name": "Spring launch", "description": "Launch the spring line", "objective": "conversion",
    "status": "active", "budget": 12500.5, "currency": "EUR", "startDate": "2025-03-01",
    "endDate": "2025-03-31", "tone": "warm", "keywords": "spring, launch",
    "generationSettings": {"contentTypes": ["email", "social_post"], "platforms": ["email", "linkedin"],
                           "creativityLevel": 8, "includeVisuals": True, "customInstructions": "Mention free returns"},
}


def test_create_returns_every_seed_field_in_camel_case(factory, api_client):
    t = make_team(factory, api_client)
    persona = new_persona(t.api)
    created = new_campaign(t.api, **FULL, personaId=persona["id"])
    for key, value in FULL.items():
        assert created[key] == value, key
    assert created["personaId"] == persona["id"] and created["personaName"] == "CFO Carla"
    assert created["userId"] == t.user.id
    assert created["content"] == [] and created["abTests"] == []
    for key in ("id", "createdAt", "updatedAt"):
        assert created[key]
    assert t.api.get(f"/api/campaigns/{created['id']}").get_json()["generationSettings"] == FULL["generationSettings"]


def test_defaults_and_keywords_list(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api, keywords=["spring ", "sale", ""], startDate="2025-03-01T00:00:00.000Z")
    assert c["keywords"] == "spring, sale"
    assert c["startDate"] == "2025-03-01"
    assert (c["status"], c["objective"], c["currency"], c["budget"]) == ("draft", "awareness", "USD", 0)
    assert c["generationSettings"]["creativityLevel"] == 5


def test_get_includes_content_and_ab_tests(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api)
    a = new_item(t.api, c["id"])
    b = new_item(t.api, c["id"], contentBody="Other copy")
    r = t.api.post(f"/api/campaigns/{c['id']}/ab-tests",
                   json={"testName": "Body test", "testType": "body", "variantAId": a["id"], "variantBId": b["id"]})
    assert r.status_code == 201
    got = t.api.get(f"/api/campaigns/{c['id']}").get_json()
    assert [i["id"] for i in got["content"]] == [a["id"], b["id"]]
    assert got["content"][1]["contentBody"] == "Other copy"
    assert got["abTests"][0]["name"] == "Body test" and got["abTests"][0]["variantBId"] == b["id"]


def test_partial_put_changes_only_sent_fields(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api, **FULL)
    r = t.api.put(f"/api/campaigns/{c['id']}", json={"description": "New words",
                                                      "generationSettings": {"creativityLevel": 3}})
    assert r.status_code == 200, r.get_json()
    after = r.get_json()
    assert after["description"] == "New words"
    assert after["generationSettings"]["creativityLevel"] == 3
    assert after["generationSettings"]["platforms"] == ["email", "linkedin"]
    for key in ("name", "budget", "currency", "startDate", "endDate", "keywords", "tone", "status"):
        assert after[key] == c[key], key


BAD_CREATES = [
    ({"name": ""}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"name": 12}, "name"),
    ({"objective": "fame"}, "objective"),
    ({"status": "paused"}, "status"),
    ({"status": "generating"}, "status"),
    ({"budget": -1}, "budget"),
    ({"budget": "abc"}, "budget"),
    ({"budget": []}, "budget"),
    ({"budget": True}, "budget"),
    ({"budget": 1e13}, "budget"),
    ({"budget": "NaN"}, "budget"),
    ({"budget": 1.005}, "budget"),
    ({"currency": "XYZ"}, "currency"),
    ({"currency": "usd "}, None),  # normalised to USD: accepted
    ({"startDate": "2025-03-10", "endDate": "2025-03-01"}, "endDate"),
    ({"startDate": "31/12/2025"}, "startDate"),
    ({"startDate": 20250101}, "startDate"),
    ({"description": "d" * 5001}, "description"),
    ({"keywords": "k" * 1001}, "keywords"),
    ({"keywords": [1, 2]}, "keywords"),
    ({"generationSettings": {"creativityLevel": 0}}, "generationSettings.creativityLevel"),
    ({"generationSettings": {"creativityLevel": 11}}, "generationSettings.creativityLevel"),
    ({"generationSettings": {"creativityLevel": "high"}}, "generationSettings.creativityLevel"),
    ({"generationSettings": {"creativityLevel": 5.5}}, "generationSettings.creativityLevel"),
    ({"generationSettings": {"customInstructions": "c" * 4001}}, "generationSettings.customInstructions"),
    ({"generationSettings": {"includeVisuals": "yes"}}, "generationSettings.includeVisuals"),
    ({"generationSettings": {"contentTypes": ["fax"]}}, "generationSettings.contentTypes"),
    ({"generationSettings": {"contentTypes": "email"}}, "generationSettings.contentTypes"),
    ({"generationSettings": {"platforms": ["myspace"]}}, "generationSettings.platforms"),
    ({"generationSettings": {"contentTypes": ["email"], "platforms": ["twitter"]}}, "generationSettings.platforms"),
    ({"generationSettings": {"contentTypes": ["email", "ad_copy"], "platforms": ["google_ads"]}},
     "generationSettings.platforms"),
    ({"generationSettings": "fast"}, "generationSettings"),
    ({"personaId": 999999}, "personaId"),
    ({"personaId": "abc"}, "personaId"),
]


def test_create_refuses_bad_input_with_field_errors(factory, api_client):
    t = make_team(factory, api_client)
    created = 0
    for body, field in BAD_CREATES:
        r = t.api.post("/api/campaigns", json={"name": "Valid", **body})
        if field is None:
            assert r.status_code == 201, r.get_json()
            created += 1
            continue
        assert r.status_code == 422, (body, r.get_json())
        error = r.get_json()["error"]
        assert error["code"] == "validation_failed"
        assert field in error["fields"], (body, error)
    assert t.api.get("/api/campaigns").get_json()["total"] == created  # nothing half-written


def test_update_refuses_the_same_bad_input_and_changes_nothing(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api, **FULL)
    for body, field in BAD_CREATES:
        if field is None or field == "name" and "name" not in body:
            continue
        r = t.api.put(f"/api/campaigns/{c['id']}", json=body)
        assert r.status_code == 422, (body, r.get_json())
        assert field in r.get_json()["error"]["fields"], body
    after = t.api.get(f"/api/campaigns/{c['id']}").get_json()
    assert {k: after[k] for k in FULL} == FULL


def test_malformed_json_and_non_object_body_are_400(factory, api_client):
    t = make_team(factory, api_client)
    r = t.api.post("/api/campaigns", data='{"name": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert t.api.post("/api/campaigns", json="Spring").status_code == 400
    assert t.api.post("/api/campaigns", json=None).status_code == 400
    c = new_campaign(t.api)
    assert t.api.put(f"/api/campaigns/{c['id']}", json=[1]).status_code == 400


def test_huge_body_is_413(factory, api_client):
    t = make_team(factory, api_client)
    r = t.api.post("/api/campaigns", json={"name": "x", "description": "d" * (1024 * 1024 + 10)})
    assert r.status_code == 413


def test_status_transitions(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api)
    url = f"/api/campaigns/{c['id']}"
    assert t.api.put(url, json={"status": "completed"}).status_code == 422  # draft → completed skips active
    assert t.api.put(url, json={"status": "active"}).status_code == 200
    assert t.api.put(url, json={"status": "completed"}).status_code == 200
    r = t.api.put(url, json={"status": "draft"})
    assert r.status_code == 422
    assert "cannot go to draft" in r.get_json()["error"]["fields"]["status"]
    r = t.api.put(url, json={"status": "generating"})
    assert r.status_code == 422 and "generation" in r.get_json()["error"]["fields"]["status"]
    assert t.api.put(url, json={"status": "active"}).status_code == 200
    assert t.api.get(url).get_json()["status"] == "active"


def test_delete_and_conflict_while_generating(app, factory, api_client):
    from webapp.services.jobs.campaign_status import set_status_by_system

    t = make_team(factory, api_client)
    c = new_campaign(t.api)
    new_item(t.api, c["id"])
    with app.app_context():
        set_status_by_system(c["id"], "generating")
        db.session.commit()
    r = t.api.delete(f"/api/campaigns/{c['id']}")
    assert r.status_code == 409
    assert t.api.get(f"/api/campaigns/{c['id']}").status_code == 200
    with app.app_context():
        set_status_by_system(c["id"], "completed")
        db.session.commit()
    assert t.api.delete(f"/api/campaigns/{c['id']}").status_code == 204
    assert t.api.get(f"/api/campaigns/{c['id']}").status_code == 404
    assert t.api.get(f"/api/campaigns/{c['id']}/content").status_code == 404


def test_persona_of_another_team_is_refused(factory, api_client):
    mine, theirs = make_team(factory, api_client), make_team(factory, api_client)
    foreign = new_persona(theirs.api)
    r = mine.api.post("/api/campaigns", json={"name": "x", "personaId": foreign["id"]})
    assert r.status_code == 422 and "personaId" in r.get_json()["error"]["fields"]
    c = new_campaign(mine.api)
    r = mine.api.put(f"/api/campaigns/{c['id']}", json={"personaId": foreign["id"]})
    assert r.status_code == 422
    assert mine.api.get(f"/api/campaigns/{c['id']}").get_json()["personaId"] is None


def test_hostile_text_is_returned_verbatim(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api, name=HOSTILE[:120], description=HOSTILE, tone="<b>bold</b>")
    got = t.api.get(f"/api/campaigns/{c['id']}")
    assert got.mimetype == "application/json"
    assert got.get_json()["description"] == HOSTILE and got.get_json()["tone"] == "<b>bold</b>"


def test_viewer_cannot_write(factory, api_client):
    owner = make_team(factory, api_client)
    c = new_campaign(owner.api)
    viewer = viewer_of(factory, api_client, owner)
    assert viewer.get("/api/campaigns").get_json()["total"] == 1
    assert viewer.post("/api/campaigns", json={"name": "v"}).status_code == 403
    assert viewer.put(f"/api/campaigns/{c['id']}", json={"name": "v"}).status_code == 403
    assert viewer.delete(f"/api/campaigns/{c['id']}").status_code == 403
    assert viewer.post(f"/api/campaigns/{c['id']}/content",
                       json={"contentType": "email", "platform": "email"}).status_code == 403
    assert owner.api.get(f"/api/campaigns/{c['id']}").get_json()["name"] == "Spring launch"


def test_list_filters_search_sort_and_paging(factory, api_client):
    t = make_team(factory, api_client)
    p1, p2 = new_persona(t.api, name="P1"), new_persona(t.api, name="P2")
    new_campaign(t.api, name="Alpha", objective="awareness", budget=300, personaId=p1["id"], keywords="shoes")
    b = new_campaign(t.api, name="bravo", objective="conversion", budget=100, personaId=p2["id"],
                     description="Summer 100% cotton_sale")
    new_campaign(t.api, name="Charlie", objective="conversion", budget=200, status="active")

    def names(query):
        r = t.api.get(f"/api/campaigns?{query}")
        assert r.status_code == 200, r.get_json()
        return [c["name"] for c in r.get_json()["items"]]

    assert names("sort=name") == ["Alpha", "bravo", "Charlie"]
    assert names("sort=-name") == ["Charlie", "bravo", "Alpha"]
    assert names("sort=budget") == ["bravo", "Charlie", "Alpha"]
    assert names("sort=-budget") == ["Alpha", "Charlie", "bravo"]
    assert names("sort=created_at") == ["Alpha", "bravo", "Charlie"]
    assert names("") == ["Charlie", "bravo", "Alpha"]  # newest change first
    assert names("objective=conversion&sort=name") == ["bravo", "Charlie"]
    assert names("status=active") == ["Charlie"]
    assert names(f"personaId={p2['id']}") == ["bravo"]
    assert names("q=SHOE") == ["Alpha"]
    assert names("q=summer") == ["bravo"]
    assert names("q=100%25") == ["bravo"]  # % is matched literally, not as a wildcard
    assert names("q=o_t") == []  # _ too
    page = t.api.get("/api/campaigns?sort=name&perPage=2&page=2").get_json()
    assert (page["total"], page["page"], page["perPage"]) == (3, 2, 2)
    assert [c["name"] for c in page["items"]] == ["Charlie"]
    assert t.api.get("/api/campaigns?page=9").get_json()["items"] == []
    row = next(c for c in t.api.get("/api/campaigns").get_json()["items"] if c["id"] == b["id"])
    assert row["personaName"] == "P2"


def test_bad_list_queries_are_400_with_fields(factory, api_client):
    t = make_team(factory, api_client)
    for query, field in [
        ("page=0", "page"), ("page=abc", "page"), ("perPage=0", "perPage"), ("perPage=1000", "perPage"),
        ("perPage=2.5", "perPage"), ("status=paused", "status"), ("objective=fame", "objective"),
        ("sort=password", "sort"), ("personaId=x", "personaId"),
    ]:
        r = t.api.get(f"/api/campaigns?{query}")
        assert r.status_code == 400, query
        assert field in r.get_json()["error"]["fields"], query


def test_ab_test_rules(factory, api_client):
    t = make_team(factory, api_client)
    c, other = new_campaign(t.api), new_campaign(t.api, name="Other")
    a, b = new_item(t.api, c["id"]), new_item(t.api, c["id"])
    elsewhere = new_item(t.api, other["id"])
    url = f"/api/campaigns/{c['id']}/ab-tests"
    bad = [
        ({}, "name"),
        ({"name": "t", "testType": "colour"}, "testType"),
        ({"name": "t", "status": "paused"}, "status"),
        ({"name": "t", "variantAId": a["id"], "variantBId": elsewhere["id"]}, "variantBId"),
        ({"name": "t", "variantAId": a["id"], "variantBId": a["id"]}, "variantBId"),
        ({"name": "t", "results": {"c": {}}}, "results"),
        ({"name": "t", "results": {"a": {"sent": -1}}}, "results"),
        ({"name": "t", "winner": "c"}, "winner"),
        ({"name": "t", "startDate": "soon"}, "startDate"),
        ({"name": "t", "confidence": 2}, "confidence"),
    ]
    for body, field in bad:
        r = t.api.post(url, json=body)
        assert r.status_code == 422, body
        assert field in r.get_json()["error"]["fields"], (body, r.get_json())
    r = t.api.post(url, json={"name": "Subject test", "testType": "subject_line", "variantAId": a["id"],
                              "variantBId": b["id"], "startDate": "2025-04-01",
                              "results": {"a": {"sent": 100, "opens": 30}, "b": {"sent": 100, "opens": 41}}})
    assert r.status_code == 201
    test = r.get_json()
    r = t.api.put(f"{url}/{test['id']}", json={"status": "completed", "winner": "b", "confidence": 0.93})
    assert r.status_code == 200
    assert (r.get_json()["winner"], r.get_json()["name"]) == ("b", "Subject test")
    assert r.get_json()["results"]["b"] == {"sent": 100, "opens": 41}
    assert len(t.api.get(url).get_json()["items"]) == 1
    assert t.api.delete(f"{url}/{test['id']}").status_code == 204
    assert t.api.get(f"{url}/{test['id']}").status_code == 404
