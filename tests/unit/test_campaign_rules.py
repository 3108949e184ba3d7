"""The campaign, content and A/B rules as pure functions (the forms and services share them)."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.conftest import make_app
from webapp.forms.campaigns import CampaignForm
from webapp.forms.content import ContentItemForm
from webapp.services.campaigns import (
    ALLOWED_TRANSITIONS,
    planned_pieces,
    split_keywords,
    transition_problem,
)
from webapp.services.content import check_ab_test
from webapp.services.currencies import CURRENCIES, is_currency


@pytest.fixture(scope="module")
def app_context(tmp_path_factory):
    """The forms read the app's settings (translations), so they need an app context."""
    with make_app(tmp_path_factory.mktemp("rules")).app_context():
        yield


def _form_errors(form_class, data: dict, **kwargs) -> dict[str, str]:
    form = form_class.from_json(data, **kwargs)
    form.validate()
    return form.errors_dict()


def errors_for(**changes):
    """The campaign rules as a JSON body meets them: converted by the form, then checked."""
    return _form_errors(CampaignForm, {"name": "Ok", **changes})


def test_a_minimal_campaign_is_valid(app_context):
    assert errors_for() == {}


@pytest.mark.parametrize("changes, field", [
    ({"name": ""}, "name"), ({"name": "x" * 121}, "name"), ({"objective": "fame"}, "objective"),
    ({"status": "paused"}, "status"), ({"budget": -0.01}, "budget"), ({"budget": "1e13"}, "budget"),
    ({"budget": "ten"}, "budget"), ({"budget": "Infinity"}, "budget"), ({"budget": 0.001}, "budget"),
    ({"currency": "ABC"}, "currency"), ({"currency": 840}, "currency"),
    ({"start_date": "2025-02-02", "end_date": "2025-02-01"}, "end_date"), ({"end_date": "tomorrow"}, "end_date"),
    ({"creativity_level": 0}, "creativity_level"), ({"creativity_level": 11}, "creativity_level"),
    ({"creativity_level": True}, "creativity_level"), ({"include_visuals": "yes"}, "include_visuals"),
    ({"content_types": ["fax"]}, "content_types"), ({"platforms": ["myspace"]}, "platforms"),
    ({"content_types": ["email"], "platforms": ["linkedin"]}, "platforms"),
    ({"content_types": ["email", "social_post"], "platforms": ["twitter"]}, "platforms"),
    ({"description": "d" * 5001}, "description"), ({"keywords": "k" * 1001}, "keywords"),
    ({"custom_instructions": "c" * 4001}, "custom_instructions"), ({"persona_id": "abc"}, "persona_id"),
])
def test_rule_violations_name_their_field(app_context, changes, field):
    assert field in errors_for(**changes)


def test_boundaries_are_accepted(app_context):
    assert errors_for(name="x" * 120, budget="999999999999.99", creativity_level=10, description="d" * 5000,
                      start_date="2025-01-01", end_date="2025-01-01", currency="jpy") == {}
    assert errors_for(budget=0, creativity_level=1) == {}


def test_the_form_converts_types(app_context):
    body = {"name": "Ok", "budget": "12.50", "keywords": ["a ", "b"], "start_date": "2025-03-01T10:00:00Z",
            "currency": "eur", "persona_id": "7", "creativity_level": "4"}
    form = CampaignForm.from_json(body, partial=True)
    assert form.validate(), form.errors_dict()
    assert form.to_data() == {"name": "Ok", "budget": Decimal("12.50"), "keywords": "a, b",
                              "start_date": date(2025, 3, 1), "currency": "EUR", "persona_id": 7,
                              "creativity_level": 4}


def test_transitions():
    assert transition_problem("completed", "draft") is not None
    assert transition_problem("draft", "draft") is None
    assert transition_problem("draft", "active") is None
    assert transition_problem("active", "completed") is None
    assert transition_problem("completed", "active") is None
    assert "start a generation" in transition_problem("draft", "generating")
    assert transition_problem("active", "failed") is not None
    assert "draft" not in ALLOWED_TRANSITIONS["completed"]


def test_keywords_split():
    assert split_keywords(" a, b ,,c ") == ["a", "b", "c"]
    assert split_keywords(["x", " y "]) == ["x", "y"]
    assert split_keywords(None) == []


def _campaign(**kw):
    return SimpleNamespace(**{"content_types": [], "platforms": [], "objective": "awareness", **kw})


def test_planned_pieces():
    assert planned_pieces(_campaign(content_types=["email", "social_post"], platforms=["email", "linkedin",
                                                                                         "twitter"])) == [
        ("email", "email"), ("social_post", "linkedin"), ("social_post", "twitter")]
    assert planned_pieces(_campaign(content_types=["ad_copy"])) == [("ad_copy", "google_ads")]
    assert planned_pieces(_campaign(platforms=["linkedin"])) == [("social_post", "linkedin"), ("ad_copy", "linkedin")]
    assert ("email", "email") in planned_pieces(_campaign(objective="conversion"))
    assert planned_pieces(_campaign())  # a default for every objective


def test_currencies_are_iso_4217():
    assert len(CURRENCIES) > 150
    assert all(is_currency(c) for c in ("USD", "EUR", "JPY", "CHF", "INR"))
    assert not is_currency("usd") and not is_currency("XYZ") and not is_currency(None)


def test_content_rules(app_context):
    def errs(**data):
        return _form_errors(ContentItemForm, {"body": "Hello.", "subject_line": "Hi", **data})

    assert errs(content_type="email", platform="email") == {}
    assert "platform" in errs(content_type="email", platform="twitter")
    assert "content_type" in errs(content_type="memo", platform="email")
    assert "visual_url" in errs(content_type="email", platform="email", visual_url="data:text/html,x")
    assert "visual_url" not in errs(content_type="email", platform="email", visual_url="https://cdn.example/x.png")
    assert "hashtags" in errs(content_type="email", platform="email", hashtags=[3])
    assert "body" in errs(content_type="email", platform="email", body="b" * 20001)
    form = ContentItemForm.from_json({"hashtags": "#spring sale #spring"}, partial=True)
    assert form.to_data()["hashtags"] == ["spring", "sale"]


def test_ab_rules():
    base = {"name": "t", "test_type": "body", "status": "draft", "variant_a_id": 1, "variant_b_id": 2}
    assert check_ab_test(base) == {}
    assert "variant_b_id" in check_ab_test({**base, "variant_b_id": 1})
    assert "test_type" in check_ab_test({**base, "test_type": "colour"})
    assert "name" in check_ab_test({**base, "name": ""})
