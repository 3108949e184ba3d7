"""Content items of a campaign over the API: manual add, partial edit, rules, delete."""
from .test_api_campaigns_support import HOSTILE, make_team, new_campaign, new_item


def test_content_crud(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api, keywords="spring")
    body = {"contentType": "email", "platform": "email", "subjectLine": "Spring is here",
            "preheader": "Fresh picks for the new season, with free returns on every order",
            "contentBody": "Hello,\n\nOur spring line is in.", "callToAction": "Shop the spring line",
            "hashtags": [], "visualUrl": "https://example.com/a.png", "status": "draft"}
    r = t.api.post(f"/api/campaigns/{c['id']}/content", json=body)
    assert r.status_code == 201, r.get_json()
    item = r.get_json()
    assert r.headers["Location"].endswith(f"/api/campaigns/{c['id']}/content/{item['id']}")
    for key, value in body.items():
        assert item[key] == value, key
    assert item["metadata"]["generatedBy"] == "manual"
    assert item["metadata"]["jobId"] is None
    assert isinstance(item["violations"], list)

    listed = t.api.get(f"/api/campaigns/{c['id']}/content").get_json()["items"]
    assert [i["id"] for i in listed] == [item["id"]]

    url = f"/api/campaigns/{c['id']}/content/{item['id']}"
    r = t.api.put(url, json={"subjectLine": "Spring, finally", "status": "approved"})
    assert r.status_code == 200
    assert r.get_json()["subjectLine"] == "Spring, finally" and r.get_json()["status"] == "approved"
    assert r.get_json()["contentBody"] == body["contentBody"]  # unchanged by the partial PUT
    assert t.api.get(url).get_json()["status"] == "approved"

    assert t.api.delete(url).status_code == 204
    assert t.api.get(url).status_code == 404
    assert t.api.get(f"/api/campaigns/{c['id']}/content").get_json()["items"] == []


def test_lists_and_hashtags_are_normalised(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api)
    item = new_item(t.api, c["id"], contentType="ad_copy", platform="google_ads", contentBody="",
                    headlines=["Spring sale ", "", "Free returns"], descriptions=["Shop now"])
    assert item["headlines"] == ["Spring sale", "Free returns"]
    # A Google Ads text ad has no hashtags (nor a body): its format's fields are a rule the API obeys.
    assert new_item(t.api, c["id"], hashtags=["#spring", "spring", "sale"])["hashtags"] == ["spring", "sale"]
    # Platform limits are checked and reported, not silently cut: Google Ads wants ≥ 3 headlines.
    assert any("headline" in v for v in item["violations"])


def test_content_rules(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api)
    url = f"/api/campaigns/{c['id']}/content"
    cases = [
        ({"platform": "email"}, "contentType"),
        ({"contentType": "letter", "platform": "email"}, "contentType"),
        ({"contentType": "email", "platform": "twitter"}, "platform"),
        ({"contentType": "social_post", "platform": "google_ads"}, "platform"),
        ({"contentType": "social_post", "platform": "linkedin", "contentBody": "b" * 20001}, "contentBody"),
        ({"contentType": "social_post", "platform": "linkedin", "contentBody": 5}, "contentBody"),
        ({"contentType": "social_post", "platform": "linkedin", "hashtags": [1]}, "hashtags"),
        ({"contentType": "social_post", "platform": "linkedin", "hashtags": [f"t{i}" for i in range(31)]}, "hashtags"),
        ({"contentType": "social_post", "platform": "linkedin", "headlines": {"a": 1}}, "headlines"),
        ({"contentType": "social_post", "platform": "linkedin", "status": "published"}, "status"),
        ({"contentType": "social_post", "platform": "linkedin", "subjectLine": "s" * 256}, "subjectLine"),
        ({"contentType": "social_post", "platform": "linkedin", "visualUrl": "javascript:alert(1)"}, "visualUrl"),
        ({"contentType": "social_post", "platform": "linkedin", "visualUrl": "//evil.example/x.png"}, "visualUrl"),
        ({"contentType": "social_post", "platform": "linkedin", "visualBrief": "a picture"}, "visualBrief"),
    ]
    for body, field in cases:
        r = t.api.post(url, json=body)
        assert r.status_code == 422, (body, r.get_json())
        assert field in r.get_json()["error"]["fields"], (body, r.get_json())
    assert t.api.get(url).get_json()["items"] == []
    item = new_item(t.api, c["id"])
    r = t.api.put(f"{url}/{item['id']}", json={"platform": "email"})  # still a social post
    assert r.status_code == 422 and "platform" in r.get_json()["error"]["fields"]
    r = t.api.put(f"{url}/{item['id']}", json={"contentType": "email", "platform": "email"})
    assert r.status_code == 422 and "subjectLine" in r.get_json()["error"]["fields"]  # an email needs one
    r = t.api.put(f"{url}/{item['id']}", json={"contentType": "email", "platform": "email", "subjectLine": "Hi"})
    assert r.status_code == 200
    assert t.api.post(url, json=[]).status_code == 400


def test_visual_brief_and_read_only_fields(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api)
    item = new_item(t.api, c["id"], visualBrief={"description": "A field of tulips", "altText": "Tulips",
                                                 "aspectRatio": "1.91:1"},
                    qualityScore=100, metadata={"generatedBy": "ai"}, visualUrl="/assets/1/tulips.png")
    assert item["visualBrief"] == {"description": "A field of tulips", "altText": "Tulips", "aspectRatio": "1.91:1"}
    assert item["metadata"]["generatedBy"] == "manual"  # metadata is Herald's to set
    assert item["visualUrl"] == "/assets/1/tulips.png"


def test_hostile_text_round_trips_verbatim(factory, api_client):
    t = make_team(factory, api_client)
    c = new_campaign(t.api)
    item = new_item(t.api, c["id"], contentBody=HOSTILE, callToAction="<a href=javascript:x>go</a>")
    got = t.api.get(f"/api/campaigns/{c['id']}/content/{item['id']}")
    assert got.mimetype == "application/json"
    assert got.get_json()["contentBody"] == HOSTILE
    assert got.get_json()["callToAction"] == "<a href=javascript:x>go</a>"


def test_item_of_another_campaign_is_404_through_the_wrong_path(factory, api_client):
    t = make_team(factory, api_client)
    c1, c2 = new_campaign(t.api), new_campaign(t.api, name="Two")
    item = new_item(t.api, c1["id"])
    assert t.api.get(f"/api/campaigns/{c2['id']}/content/{item['id']}").status_code == 404
    assert t.api.delete(f"/api/campaigns/{c2['id']}/content/{item['id']}").status_code == 404
    assert t.api.get(f"/api/campaigns/{c1['id']}/content/{item['id']}").status_code == 200
