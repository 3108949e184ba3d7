"""The OpenAPI document matches the real routes both ways, and its schemas are real JSON Schemas.
Generic over app.url_map, so routes other modules add later are held to the same rule."""
import re

ARG = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")
METHODS = {"get", "post", "put", "patch", "delete"}


def _routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = ARG.sub(r"{\1}", rule.rule)
            out |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return out


def _documented(doc) -> set[tuple[str, str]]:
    return {(path, method) for path, ops in doc["paths"].items() for method in ops if method in METHODS}


def test_every_api_route_is_documented_and_every_documented_route_exists(app, client):
    doc = client.get("/api/openapi.json").get_json()
    routes, documented = _routes(app), _documented(doc)
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented operations that are not routed"


def test_every_reference_resolves(client):
    doc = client.get("/api/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(doc).replace("'", '"')))
    assert refs, "no schema references at all"
    assert refs <= set(schemas), refs - set(schemas)


def test_resource_schemas_are_real(client):
    doc = client.get("/api/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    for name in ("Persona", "PersonaInput", "PersonaPage", "Campaign", "CampaignInput", "CampaignPage", "ContentItem",
                 "ContentItemInput", "ABTest", "ABTestInput", "Stats", "Dashboard"):
        assert schemas[name]["type"] == "object" and schemas[name]["properties"], name
    campaign = schemas["Campaign"]["properties"]
    for field in ("personaId", "name", "description", "objective", "status", "budget", "currency", "startDate",
                  "endDate", "tone", "keywords", "content", "abTests", "generationSettings", "id", "userId",
                  "createdAt", "updatedAt"):
        assert field in campaign, field
    assert set(campaign["generationSettings"]["properties"]) == {
        "contentTypes", "platforms", "creativityLevel", "includeVisuals", "customInstructions"}
    item = schemas["ContentItem"]["properties"]
    for field in ("contentType", "platform", "subjectLine", "contentBody", "qualityScore", "hashtags", "visualUrl",
                  "metadata", "preheader", "headlines", "descriptions", "callToAction", "visualBrief",
                  "scoreBreakdown", "violations", "status", "variantGroup"):
        assert field in item, field
    assert set(item["metadata"]["properties"]) >= {"generatedBy", "jobId", "generatedAt", "model", "promptTokens",
                                                   "completionTokens"}
    for page in ("PersonaPage", "CampaignPage"):
        assert schemas[page]["required"] == ["items", "page", "perPage", "total"]


def test_operations_describe_bodies_and_list_queries(client):
    doc = client.get("/api/openapi.json").get_json()
    create = doc["paths"]["/api/campaigns"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CampaignInput"}
    assert "201" in create["responses"] and "422" in create["responses"]
    params = {p["name"] for p in doc["paths"]["/api/campaigns"]["get"]["parameters"]}
    assert {"page", "perPage", "status", "objective", "personaId", "q", "sort"} <= params
    assert "404" in doc["paths"]["/api/campaigns/{campaign_id}"]["get"]["responses"]
    assert doc["paths"]["/api/openapi.json"]["get"]["security"] == []
