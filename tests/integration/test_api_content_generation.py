"""The content generation API with the built-in offline writer (no key): generate, variations,
batch, status, and the errors (404 other team, 403 viewer, 422 bad input)."""
from __future__ import annotations

import pytest

from tests.helpers.generation_setup import items_of, make_campaign, make_item, make_persona, usage_rows


@pytest.fixture
def campaign_id(app, owner):
    return make_campaign(app, owner, make_persona(app, owner))


@pytest.mark.parametrize("path,content_type,platform", [
    ("/api/content/generate-email", "email", "email"),
    ("/api/content/generate-social", "social_post", "linkedin"),
    ("/api/content/generate-ad-copy", "ad_copy", "linkedin"),  # the campaign's first fitting platform
])
def test_generate_saves_ai_items_of_the_campaign(app, api, campaign_id, path, content_type, platform):
    r = api.post(path, json={"campaignId": campaign_id})
    assert r.status_code == 201, r.get_json()
    [item] = r.get_json()["items"]
    assert item["contentType"] == content_type and item["platform"] == platform
    assert item["campaignId"] == campaign_id
    assert item["metadata"]["generatedBy"] == "ai"
    assert item["metadata"]["model"] == "herald-offline-1"
    assert item["metadata"]["generatedAt"]
    assert 0 <= item["qualityScore"] <= 100 and "length" in item["scoreBreakdown"]
    assert item["violations"] == []
    assert item["contentBody"] or item["headlines"]
    [saved] = items_of(app, campaign_id)
    assert saved.id == item["id"] and saved.generated_by == "ai"


def test_offline_writer_spends_no_tokens(app, api, campaign_id, owner):
    r = api.post("/api/content/generate-social", json={"campaignId": campaign_id, "count": 2})
    assert r.status_code == 201
    assert len(r.get_json()["items"]) == 2
    assert r.get_json()["usage"]["total"] == 0
    assert usage_rows(app, owner.current_team_id) == []


def test_count_platform_and_tone(app, api, campaign_id):
    r = api.post("/api/content/generate-social",
                 json={"campaignId": campaign_id, "platform": "twitter", "tone": "playful", "count": 3})
    assert r.status_code == 201
    items = r.get_json()["items"]
    assert [i["platform"] for i in items] == ["twitter"] * 3
    assert len({i["contentBody"] for i in items}) == 3  # three different drafts
    assert all(len(i["contentBody"]) <= 280 for i in items)


BAD_GENERATE = [
    ({}, "campaignId"),
    ({"campaignId": "abc"}, "campaignId"),
    ({"campaignId": [1]}, "campaignId"),
    ({"campaignId": 1, "count": 6}, "count"),
    ({"campaignId": 1, "count": 0}, "count"),
    ({"campaignId": 1, "count": 10**12}, "count"),
    ({"campaignId": 1, "platform": "myspace"}, "platform"),
    ({"campaignId": 1, "tone": "x" * 61}, "tone"),
    ({"campaignId": 1, "personaId": {"id": 1}}, "personaId"),
]


def test_bad_input_is_422_with_field(app, api, campaign_id):
    for body, field in BAD_GENERATE:
        if body.get("campaignId") == 1:
            body = {**body, "campaignId": campaign_id}
        r = api.post("/api/content/generate-social", json=body)
        assert r.status_code == 422, (body, r.get_json())
        assert field in r.get_json()["error"]["fields"], body
    assert items_of(app, campaign_id) == []


def test_non_object_body_is_400(api):
    # Like every API body: malformed or non-object JSON is a 400 (field errors are 422).
    assert api.post("/api/content/generate-email", json=[1, 2]).status_code == 400


def test_platform_invalid_for_type_is_422(app, api, campaign_id):
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id, "platform": "twitter"})
    assert r.status_code == 422
    assert "platform" in r.get_json()["error"]["fields"]
    assert items_of(app, campaign_id) == []


def test_unknown_and_other_teams_campaign_is_404(app, api, factory):
    stranger = factory.user()
    theirs = make_campaign(app, stranger)
    assert api.post("/api/content/generate-email", json={"campaignId": theirs}).status_code == 404
    assert api.post("/api/content/generate-email", json={"campaignId": 99999}).status_code == 404
    assert items_of(app, theirs) == []


def test_other_teams_persona_override_is_404(app, api, campaign_id, factory):
    stranger = factory.user()
    their_persona = make_persona(app, stranger)
    r = api.post("/api/content/generate-email", json={"campaignId": campaign_id, "personaId": their_persona})
    assert r.status_code == 404
    assert items_of(app, campaign_id) == []


def test_viewer_is_403(app, api_client, factory, owner, campaign_id):
    viewer = factory.user(team=factory.team_of(owner), role="viewer")
    r = api_client(factory.token(viewer)).post("/api/content/generate-email", json={"campaignId": campaign_id})
    assert r.status_code == 403
    assert items_of(app, campaign_id) == []


def test_requires_auth(client, campaign_id):
    assert client.post("/api/content/generate-email", json={"campaignId": campaign_id}).status_code == 401
    assert client.get("/api/content/ai-status").status_code == 401


def test_hostile_input_is_data(app, api, owner):
    cid = make_campaign(app, owner, name="<script>alert(1)</script>", keywords="<b>x</b>, ok")
    r = api.post("/api/content/generate-social", json={"campaignId": cid, "tone": "<img src=x onerror=1>"})
    assert r.status_code == 201
    assert r.mimetype == "application/json"


def test_variations_share_a_group_with_the_original(app, api, campaign_id):
    source = api.post("/api/content/generate-email", json={"campaignId": campaign_id}).get_json()["items"][0]
    r = api.post("/api/content/generate-variations", json={"contentId": source["id"], "count": 2})
    assert r.status_code == 201, r.get_json()
    variants = r.get_json()["items"]
    assert len(variants) == 2
    group = variants[0]["variantGroup"]
    assert group and all(v["variantGroup"] == group for v in variants)
    assert all(v["contentType"] == "email" for v in variants)
    assert {v["subjectLine"] for v in variants} != {source["subjectLine"]}
    original = next(i for i in items_of(app, campaign_id) if i.id == source["id"])
    assert original.variant_group == group


def test_variations_of_manual_item_and_bad_ids(app, api, campaign_id, owner, factory):
    manual = make_item(app, owner, campaign_id)
    r = api.post("/api/content/generate-variations", json={"contentId": manual})
    assert r.status_code == 201
    assert len(r.get_json()["items"]) == 2  # default
    assert api.post("/api/content/generate-variations", json={"contentId": 424242}).status_code == 404
    other = make_campaign(app, owner)
    r = api.post("/api/content/generate-variations", json={"contentId": manual, "campaignId": other})
    assert r.status_code == 404
    stranger = factory.user()
    their_item = make_item(app, stranger, make_campaign(app, stranger))
    assert api.post("/api/content/generate-variations", json={"contentId": their_item}).status_code == 404
    assert api.post("/api/content/generate-variations", json={"contentId": manual, "count": 9}).status_code == 422


def test_batch_generate_planned_pieces(app, api, campaign_id):
    r = api.post("/api/content/batch-generate", json={"campaignId": campaign_id})
    assert r.status_code == 201, r.get_json()
    pairs = [(i["contentType"], i["platform"]) for i in r.get_json()["items"]]
    assert pairs == [("email", "email"), ("social_post", "linkedin"), ("ad_copy", "linkedin"),
                     ("ad_copy", "google_ads")]
    assert len(items_of(app, campaign_id)) == 4


def test_batch_generate_explicit_items_and_lists(api, campaign_id):
    r = api.post("/api/content/batch-generate", json={
        "campaignId": campaign_id, "items": [{"contentType": "social_post", "platform": "twitter"},
                                             {"contentType": "ad_copy"}]})
    assert r.status_code == 201
    assert [(i["contentType"], i["platform"]) for i in r.get_json()["items"]] == [
        ("social_post", "twitter"), ("ad_copy", "linkedin")]
    r = api.post("/api/content/batch-generate", json={
        "campaignId": campaign_id, "contentTypes": ["social_post"], "platforms": ["twitter", "instagram", "email"]})
    assert [(i["platform"]) for i in r.get_json()["items"]] == ["twitter", "instagram"]


BAD_BATCH = [
    ({"items": [{"contentType": "email", "platform": "twitter"}]}, "items.0"),
    ({"items": "email"}, "items"),
    ({"items": [{"contentType": 3}]}, "items.0"),
    ({"contentTypes": ["poster"]}, "contentTypes"),
    ({"platforms": [1]}, "platforms"),
    ({"async": "yes"}, "async"),
    ({"items": [{"contentType": "email"}] * 25}, "items"),
]


def test_batch_bad_input(app, api, campaign_id):
    for body, field in BAD_BATCH:
        r = api.post("/api/content/batch-generate", json={"campaignId": campaign_id, **body})
        assert r.status_code == 422, (body, r.get_json())
        assert field in r.get_json()["error"]["fields"], body
    assert items_of(app, campaign_id) == []


def test_batch_async_returns_a_job_reference(app, api, campaign_id):
    r = api.post("/api/content/batch-generate", json={"campaignId": campaign_id, "async": True})
    assert r.status_code == 202, r.get_json()
    job = r.get_json()["job"]
    assert job["queue"] == "content-generation" and job["status"] == "queued"
    # The reference works at the job API's path; nothing is written until a worker runs it.
    assert api.get(f"/api/jobs/content-generation/{job['id']}").status_code == 200
    assert items_of(app, campaign_id) == []
    # A second one while the first is pending is refused with the running job's id.
    again = api.post("/api/content/batch-generate", json={"campaignId": campaign_id, "async": True})
    assert again.status_code == 409 and again.get_json()["error"]["jobId"] == job["id"]


def test_ai_status_offline(api):
    r = api.get("/api/content/ai-status")
    assert r.status_code == 200
    body = r.get_json()
    assert body["writer"] == "offline" and body["model"] == "herald-offline-1"
    assert body["baseUrlHost"] is None and body["reachable"] is True
    assert body["usage"]["total"] == 0 and body["usage"]["budget"] == 2_000_000
    assert "asyncBatch" in body


def test_openapi_documents_the_content_paths(client):
    doc = client.get("/api/openapi.json").get_json()
    for path in ("/api/content/ai-status", "/api/content/generate-email", "/api/content/generate-social",
                 "/api/content/generate-ad-copy", "/api/content/generate-variations",
                 "/api/content/batch-generate"):
        assert path in doc["paths"], path
    post = doc["paths"]["/api/content/generate-email"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("GenerateRequest")
    assert {"201", "403", "404", "422", "429", "502", "503"} <= set(post["responses"])
    assert "GeneratedContentItem" in doc["components"]["schemas"]
