"""One of each thing a team owns, made through the API, so calls that name ids (1, 2, …) find rows."""
from __future__ import annotations


def one_of_each(api) -> dict:
    """A persona, a campaign writing emails, two email pieces and an A/B test of them; returns their ids."""
    persona = api.post("/api/personas", json={"name": "CFO Carla"}).get_json()
    campaign = api.post("/api/campaigns", json={
        "name": "Spring launch", "personaId": persona["id"],
        "generationSettings": {"contentTypes": ["email"], "platforms": ["email"]}}).get_json()
    items = [api.post(f"/api/campaigns/{campaign['id']}/content",
                      json={"contentType": "email", "platform": "email", "subjectLine": s,
                            "contentBody": f"Body {s}"}).get_json()
             for s in ("A", "B")]
    test = api.post(f"/api/campaigns/{campaign['id']}/ab-tests", json={
        "name": "Subject", "variantAId": items[0]["id"], "variantBId": items[1]["id"]}).get_json()
    return {"persona_id": persona["id"], "campaign_id": campaign["id"], "item_id": items[0]["id"],
            "test_id": test["id"]}
