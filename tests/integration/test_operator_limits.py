"""Registration budgets: the first account is the operator; teams that sign themselves up later get
no model tokens and no email until the operator raises their limits (CLI or the operator page);
an instance-wide monthly cap stops model generation for every team. The offline writer is never
refused."""
from __future__ import annotations

import pytest

from tests.conftest import ApiClient, Factory, login_client
from tests.helpers.generation_setup import add_usage, make_campaign
from webapp.extensions import db
from webapp.models import Team, User

PASSWORD = "correct horse battery"


@pytest.fixture
def model(openai_server):
    return {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": "test", "HERALD_MODEL": "test-model",
            "HERALD_AI_CRITIQUE": False}


def _signup(app, email):
    r = app.test_client().post("/api/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    with app.app_context():
        user = db.session.get(User, body["user"]["id"])
        db.session.expunge(user)
    return user, ApiClient(app, body["token"]), body["team"]


def _team(app, team_id) -> Team:
    with app.app_context():
        team = db.session.get(Team, team_id)
        db.session.expunge(team)
    return team


def _generate(app, api, user):
    return api.post("/api/content/generate-social", json={"campaignId": make_campaign(app, user)})


def test_the_first_account_is_unlimited_later_signups_start_limited(app):
    _op, _, op_team = _signup(app, "op@example.com")
    _ann, _, ann_team = _signup(app, "ann@example.com")
    assert (op_team["tokenLimit"], op_team["emailAllowed"]) == (None, True)
    assert (ann_team["tokenLimit"], ann_team["emailAllowed"]) == (0, False)


def test_a_limited_team_is_refused_model_generation_before_any_call(app_factory, model, openai_server):
    app = app_factory(**model)
    _signup(app, "op@example.com")
    ann, api, team = _signup(app, "ann@example.com")
    r = _generate(app, api, ann)
    assert r.status_code == 429
    error = r.get_json()["error"]
    assert error["code"] == "budget_exceeded" and error["budget"] == 0 and error["scope"] == "team"
    assert "operator" in error["message"] and "not enabled" in error["message"]
    assert openai_server.requests == []


def test_the_offline_writer_still_works_for_a_limited_team(app):
    _signup(app, "op@example.com")
    ann, api, _ = _signup(app, "ann@example.com")
    assert _generate(app, api, ann).status_code == 201


def test_a_second_team_is_no_way_around_the_limit(app, login):
    op, _, _ = _signup(app, "op@example.com")
    ann, _, _ = _signup(app, "ann@example.com")
    for user, name in ((ann, "Ann two"), (op, "Op two")):
        assert login(user).post("/teams", data={"name": name}).status_code in (302, 303)
    with app.app_context():
        limits = {t.name: (t.token_limit, t.email_allowed) for t in db.session.query(Team)}
    assert limits["Ann two"] == (0, False) and limits["Op two"] == (None, True)


def test_cli_raises_a_teams_limits(app_factory, model, openai_server):
    app = app_factory(**model)
    _signup(app, "op@example.com")
    ann, api, team = _signup(app, "ann@example.com")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["teams", "limits", str(team["id"]), "--monthly-tokens", "50000", "--allow-email"])
    assert result.exit_code == 0, result.output
    assert "50,000" in result.output and "email allowed" in result.output
    assert (_team(app, team["id"]).token_limit, _team(app, team["id"]).email_allowed) == (50000, True)
    r = _generate(app, api, ann)
    assert r.status_code == 201 and r.get_json()["usage"]["budget"] == 50000
    listing = runner.invoke(args=["teams", "list"])
    assert listing.exit_code == 0 and "50,000" in listing.output and "Instance:" in listing.output
    # Options left out keep their value; 'none' lifts the operator limit.
    assert runner.invoke(args=["teams", "limits", str(team["id"]), "--monthly-tokens", "none"]).exit_code == 0
    assert (_team(app, team["id"]).token_limit, _team(app, team["id"]).email_allowed) == (None, True)


@pytest.mark.parametrize("args", [["teams", "limits", "no-such-team", "--monthly-tokens", "5"],
                                  ["teams", "limits", "1", "--monthly-tokens", "-5"],
                                  ["teams", "limits", "1", "--monthly-tokens", "lots"]])
def test_cli_refuses_bad_input_and_changes_nothing(app, args):
    _signup(app, "op@example.com")
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert _team(app, 1).token_limit is None


def test_the_team_limit_caps_the_owners_own_budget(app_factory, model):
    app = app_factory(**model)
    _signup(app, "op@example.com")
    ann, api, team = _signup(app, "ann@example.com")
    limits = ["teams", "limits", str(team["id"]), "--monthly-tokens", "100"]
    assert app.test_cli_runner().invoke(args=limits).exit_code == 0
    r = login_client(app, ann).post("/team/settings", data={"name": "Ann's", "monthly_token_budget": "1000000"})
    assert r.status_code in (200, 302) and _team(app, team["id"]).monthly_token_budget == 10**6  # her own budget…
    add_usage(app, team["id"], 100)
    r = _generate(app, api, ann)
    assert r.status_code == 429 and "the operator of this Herald allows" in r.get_json()["error"]["message"]
    assert r.get_json()["error"]["budget"] == 100  # …cannot lift the operator's limit


def test_operator_page_lists_teams_and_raises_limits(app):
    op, _, _ = _signup(app, "op@example.com")
    ann, _, team = _signup(app, "ann@example.com")
    page = login_client(app, op).get("/operator/teams")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'id="team-{team["id"]}"' in html and "Operator" in html
    r = login_client(app, op).post(f"/operator/teams/{team['id']}/limits",
                                   data={f"team-{team['id']}-token_limit": "20000",
                                         f"team-{team['id']}-email_allowed": "y"})
    assert r.status_code == 302
    assert (_team(app, team["id"]).token_limit, _team(app, team["id"]).email_allowed) == (20000, True)
    # The team's own page shows the limits.
    assert "at most 20,000 a month" in login_client(app, ann).get("/team").get_data(as_text=True)


def test_operator_page_refuses_bad_input_with_nothing_changed(app):
    op, _, _ = _signup(app, "op@example.com")
    _ann, _, team = _signup(app, "ann@example.com")
    r = login_client(app, op).post(f"/operator/teams/{team['id']}/limits",
                                   data={f"team-{team['id']}-token_limit": "-3"})
    assert r.status_code == 422 and b"field-error" in r.data
    assert _team(app, team["id"]).token_limit == 0
    assert login_client(app, op).post("/operator/teams/9999/limits", data={}).status_code == 404


@pytest.mark.parametrize("method,path", [("get", "/operator/teams"), ("post", "/operator/teams/1/limits")])
def test_only_the_operator_sees_the_operator_page(app, method, path):
    _signup(app, "op@example.com")
    ann, _, _ = _signup(app, "ann@example.com")
    r = getattr(login_client(app, ann), method)(path, data={"team-1-token_limit": "0"})
    assert r.status_code == 404
    assert _team(app, 1).token_limit is None
    assert b"Operator</a>" not in login_client(app, ann).get("/team").data
    assert getattr(app.test_client(), method)(path).status_code in (302, 401)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_operator_form_needs_csrf(app):
    op, _, _ = _signup(app, "op@example.com")
    _ann, _, team = _signup(app, "ann@example.com")
    r = login_client(app, op).post(f"/operator/teams/{team['id']}/limits",
                                   data={f"team-{team['id']}-token_limit": "5"})
    assert r.status_code == 400
    assert _team(app, team["id"]).token_limit == 0


def test_instance_cap_stops_model_generation_for_every_team(app_factory, model, openai_server):
    app = app_factory(**model, HERALD_INSTANCE_MONTHLY_TOKEN_BUDGET=1000)
    owner = Factory(app).user()
    other = Factory(app).user()
    add_usage(app, other.current_team_id, 1000)  # another team spent the instance's tokens
    api = ApiClient(app, Factory(app).token(owner))
    r = _generate(app, api, owner)
    assert r.status_code == 429
    error = r.get_json()["error"]
    assert error["scope"] == "instance" and "HERALD_INSTANCE_MONTHLY_TOKEN_BUDGET" in error["message"]
    assert openai_server.requests == []


@pytest.mark.app_config(HERALD_INSTANCE_MONTHLY_TOKEN_BUDGET=1000)
def test_instance_cap_leaves_the_offline_writer_alone(app, owner, api):
    add_usage(app, owner.current_team_id, 5000)
    assert _generate(app, api, owner).status_code == 201


def test_no_instance_cap_by_default(app_factory, model):
    app = app_factory(**model, HERALD_MONTHLY_TOKEN_BUDGET=0)
    owner = Factory(app).user()
    add_usage(app, owner.current_team_id, 10**8)
    assert _generate(app, ApiClient(app, Factory(app).token(owner)), owner).status_code == 201


@pytest.mark.app_config(HERALD_REGISTRATION="invite")
def test_invite_registration_needs_an_invite(app):
    r = app.test_client().post("/api/auth/register", json={"email": "x@example.com", "password": PASSWORD})
    assert r.status_code == 403
    assert app.test_client().get("/register").status_code == 403
