"""Personas API: CRUD, search and paging, archive instead of delete, validation, roles."""
from .test_api_campaigns_support import HOSTILE, make_team, new_campaign, new_persona, viewer_of


def test_persona_crud_round_trip(factory, api_client):
    t = make_team(factory, api_client)
    body = {"name": "CFO Carla", "role": "Chief Financial Officer", "demographics": "45-55, EU",
            "goals": "Cut costs", "painPoints": "Manual reporting", "objections": "Price",
            "preferredChannels": ["email", "linkedin", "email"], "voiceNotes": "Plain, numbers first"}
    created = new_persona(t.api, **body)
    assert created["preferredChannels"] == ["email", "linkedin"]  # repeats dropped, order kept
    for key in ("role", "demographics", "goals", "painPoints", "objections", "voiceNotes"):
        assert created[key] == body[key]
    assert created["archived"] is False

    got = t.api.get(f"/api/personas/{created['id']}").get_json()
    assert got == created

    r = t.api.put(f"/api/personas/{created['id']}", json={"goals": "Grow margin"})
    assert r.status_code == 200
    assert r.get_json()["goals"] == "Grow margin"
    assert r.get_json()["role"] == "Chief Financial Officer"  # untouched by the partial PUT

    assert t.api.delete(f"/api/personas/{created['id']}").status_code == 204
    assert t.api.get(f"/api/personas/{created['id']}").status_code == 404


def test_list_search_and_paging(factory, api_client):
    t = make_team(factory, api_client)
    for name in ("Alpha", "beta", "Gamma", "Delta"):
        new_persona(t.api, name=name, role="Buyer" if name == "Gamma" else "")
    r = t.api.get("/api/personas?perPage=2&page=2")
    body = r.get_json()
    assert r.status_code == 200
    assert body["total"] == 4 and body["page"] == 2 and body["perPage"] == 2
    assert [p["name"] for p in body["items"]] == ["Delta", "Gamma"]  # case-insensitive name order
    assert [p["name"] for p in t.api.get("/api/personas?q=buy").get_json()["items"]] == ["Gamma"]
    assert [p["name"] for p in t.api.get("/api/personas?q=ETA").get_json()["items"]] == ["beta"]


def test_bad_paging_values_are_400_with_fields(factory, api_client):
    t = make_team(factory, api_client)
    for query, field in (("page=0", "page"), ("page=x", "page"), ("perPage=101", "perPage"),
                         ("perPage=-1", "perPage"), ("includeArchived=maybe", "includeArchived")):
        r = t.api.get(f"/api/personas?{query}")
        assert r.status_code == 400, query
        assert field in r.get_json()["error"]["fields"], query


def test_delete_in_use_is_409_and_archive_is_offered(factory, api_client):
    t = make_team(factory, api_client)
    persona = new_persona(t.api)
    new_campaign(t.api, personaId=persona["id"])
    r = t.api.delete(f"/api/personas/{persona['id']}")
    assert r.status_code == 409
    assert "Archive it instead" in r.get_json()["error"]["message"]
    assert t.api.get(f"/api/personas/{persona['id']}").status_code == 200

    r = t.api.post(f"/api/personas/{persona['id']}/archive")
    assert r.status_code == 200 and r.get_json()["archived"] is True
    assert t.api.get("/api/personas").get_json()["total"] == 0
    assert t.api.get("/api/personas?includeArchived=true").get_json()["total"] == 1
    # An archived persona is not offered for new campaigns.
    r = t.api.post("/api/campaigns", json={"name": "New", "personaId": persona["id"]})
    assert r.status_code == 422 and "personaId" in r.get_json()["error"]["fields"]

    r = t.api.post(f"/api/personas/{persona['id']}/unarchive")
    assert r.status_code == 200 and r.get_json()["archived"] is False
    assert r.get_json()["archivedAt"] is None


def test_validation_errors(factory, api_client):
    t = make_team(factory, api_client)
    cases = [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": 42}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": "ok", "preferredChannels": ["fax"]}, "preferredChannels"),
        ({"name": "ok", "preferredChannels": "email"}, "preferredChannels"),
        ({"name": "ok", "goals": "g" * 4001}, "goals"),
        ({"name": "ok", "role": {"a": 1}}, "role"),
    ]
    for body, field in cases:
        r = t.api.post("/api/personas", json=body)
        assert r.status_code == 422, body
        error = r.get_json()["error"]
        assert error["code"] == "validation_failed"
        assert field in error["fields"], (body, error)
    assert t.api.get("/api/personas").get_json()["total"] == 0  # nothing half-written


def test_partial_put_validates_only_what_is_sent(factory, api_client):
    t = make_team(factory, api_client)
    persona = new_persona(t.api, role="CFO")
    r = t.api.put(f"/api/personas/{persona['id']}", json={"name": ""})
    assert r.status_code == 422
    r = t.api.put(f"/api/personas/{persona['id']}", json={"role": "CEO", "unknownKey": 1, "id": 999})
    assert r.status_code == 200
    assert r.get_json()["id"] == persona["id"] and r.get_json()["name"] == "CFO Carla"


def test_malformed_and_non_object_bodies_are_400(factory, api_client):
    t = make_team(factory, api_client)
    r = t.api.post("/api/personas", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"
    r = t.api.post("/api/personas", json=["name"])
    assert r.status_code == 400
    r = t.api.post("/api/personas", data="", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_hostile_text_is_stored_verbatim_as_json_text(factory, api_client):
    t = make_team(factory, api_client)
    persona = new_persona(t.api, name=HOSTILE[:120], voiceNotes=HOSTILE)
    r = t.api.get(f"/api/personas/{persona['id']}")
    assert r.mimetype == "application/json"
    assert r.get_json()["voiceNotes"] == HOSTILE
    assert r.get_json()["name"] == HOSTILE[:120]


def test_viewer_reads_but_cannot_write(factory, api_client):
    owner = make_team(factory, api_client)
    persona = new_persona(owner.api)
    viewer = viewer_of(factory, api_client, owner)
    assert viewer.get(f"/api/personas/{persona['id']}").status_code == 200
    assert viewer.post("/api/personas", json={"name": "V"}).status_code == 403
    assert viewer.put(f"/api/personas/{persona['id']}", json={"name": "V"}).status_code == 403
    assert viewer.delete(f"/api/personas/{persona['id']}").status_code == 403
    assert viewer.post(f"/api/personas/{persona['id']}/archive").status_code == 403
    assert owner.api.get(f"/api/personas/{persona['id']}").get_json()["name"] == "CFO Carla"


def test_no_auth_is_401(client):
    assert client.get("/api/personas").status_code == 401
    r = client.post("/api/personas", json={"name": "x"}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"


def test_huge_body_is_413(factory, api_client):
    t = make_team(factory, api_client)
    r = t.api.post("/api/personas", json={"name": "x", "goals": "g" * (2 * 1024 * 1024)})
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "payload_too_large"
