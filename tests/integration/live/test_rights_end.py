"""A right taken away ends the sockets it opened within seconds, with 1008 and a reason; sockets
that still have their right stay open. The services announce; the bus carries; the registry closes."""
from __future__ import annotations

import pytest

from tests.conftest import base_config
from tests.helpers.fixtures_jobs import actor_of
from webapp import create_app
from webapp.extensions import db
from webapp.models import ApiToken, Membership
from webapp.services import accounts

from .conftest import close_frame, stays_open

WITHIN = 5.0
PASSWORD = "correct horse battery"


def _token_id(app, secret: str) -> int:
    from webapp.services.identity import hash_token

    with app.app_context():
        return db.session.query(ApiToken).filter_by(token_hash=hash_token(secret)).one().id


def test_a_revoked_token_ends_its_sockets_only(app, owner, token, factory, api_client, ws_connect):
    other_token = factory.token(owner, "other")
    doomed = ws_connect("/ws/api/events", token=token)
    kept = ws_connect("/ws/api/events", token=other_token)
    browser = ws_connect("/ws/jobs", user=owner)

    assert api_client(other_token).delete(f"/api/auth/tokens/{_token_id(app, token)}").status_code == 204

    code, reason = close_frame(doomed, WITHIN)
    assert code == 1008 and "revoked" in reason
    assert stays_open(kept) and stays_open(browser, 0.2)


def test_logging_out_ends_browser_sockets_and_keeps_token_sockets(app, owner, token, login, ws_connect):
    browser = ws_connect("/ws/jobs", user=owner)
    tab = ws_connect("/ws/jobs", user=owner)
    api = ws_connect("/ws/api/events", token=token)

    assert login(owner).post("/logout").status_code == 302

    assert close_frame(browser, WITHIN) == (1008, "You logged out.")
    assert close_frame(tab, WITHIN)[0] == 1008
    assert stays_open(api)


def test_a_password_change_ends_every_session_and_token_socket(app, owner, token, login, ws_connect):
    browser = ws_connect("/ws/jobs", user=owner)
    api = ws_connect("/ws/api/events", token=token)

    response = login(owner).post("/settings/password", data={
        "current_password": PASSWORD, "new_password": "a new horse battery staple",
        "new_password_confirm": "a new horse battery staple"})
    assert response.status_code in (200, 302)

    for client in (browser, api):
        code, reason = close_frame(client, WITHIN)
        assert code == 1008 and "password" in reason


def test_a_disabled_user_loses_every_socket(app, owner, token, factory, runner, ws_connect):
    bystander = factory.user()
    browser = ws_connect("/ws/jobs", user=owner)
    api = ws_connect("/ws/api/events", token=token)
    other = ws_connect("/ws/jobs", user=bystander)

    result = runner.invoke(args=["users", "disable", owner.email])
    assert result.exit_code == 0, result.output

    assert close_frame(browser, WITHIN) == (1008, "This account was disabled.")
    assert close_frame(api, WITHIN)[0] == 1008
    assert stays_open(other)


def _membership_id(app, user, team) -> int:
    with app.app_context():
        return db.session.query(Membership).filter_by(user_id=user.id, team_id=team.id).one().id


def test_removal_from_a_team_ends_that_teams_sockets_only(app, owner, factory, login, ws_connect):
    team = factory.team_of(owner)
    member = factory.user(team=team, role="editor")  # own team too; current team: the owner's
    in_team = ws_connect("/ws/jobs", user=member)
    in_team_api = ws_connect("/ws/api/events", token=factory.token(member))  # token for the owner's team
    with app.app_context():  # a token of the member's own team
        own = db.session.query(Membership).filter(Membership.user_id == member.id,
                                                  Membership.team_id != team.id).one()
        user = db.session.get(type(own.user), member.id)
        _, own_secret = accounts.create_api_token(user, own.team_id, "own team")
        db.session.commit()
    elsewhere = ws_connect("/ws/api/events", token=own_secret)

    response = login(owner).post(f"/team/members/{_membership_id(app, member, team)}/remove")
    assert response.status_code in (200, 302, 303)

    assert close_frame(in_team, WITHIN) == (1008, "You are no longer a member of this team.")
    assert close_frame(in_team_api, WITHIN)[0] == 1008
    assert stays_open(elsewhere)


def test_leaving_a_team_ends_that_teams_sockets(app, owner, factory, login, ws_connect):
    team = factory.team_of(owner)
    co_owner = factory.user(team=team, role="owner")
    in_team = ws_connect("/ws/jobs", user=co_owner)
    response = login(co_owner).post(f"/team/members/{_membership_id(app, co_owner, team)}/remove")
    assert response.status_code in (200, 302, 303)
    assert close_frame(in_team, WITHIN) == (1008, "You are no longer a member of this team.")


def test_a_rolled_back_revocation_closes_nothing(app, owner, token, ws_connect):
    api = ws_connect("/ws/api/events", token=token)
    with app.app_context():
        accounts.revoke_token(actor_of(owner, app), _token_id(app, token))
        db.session.rollback()
    assert stays_open(api, 1.5)


@pytest.fixture
def second_app(tmp_path, app_config):
    """Another web process's app over the same database, instance folder and event channel."""
    other = create_app(base_config(tmp_path, **app_config))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("how", ["disable", "revoke"])
def test_a_right_ended_in_another_process_closes_sockets_here(app, second_app, owner, token, ws_connect, how):
    browser = ws_connect("/ws/jobs", user=owner)
    api = ws_connect("/ws/api/events", token=token)

    with second_app.app_context():  # nothing of the first app is used here
        if how == "disable":
            accounts.disable_user(owner.email)
        else:
            accounts.revoke_token(actor_of(owner, second_app), _token_id(second_app, token))
        db.session.commit()

    code, _ = close_frame(api, WITHIN)
    assert code == 1008
    if how == "disable":
        assert close_frame(browser, WITHIN)[0] == 1008
    else:
        assert stays_open(browser)


def test_the_fresh_check_after_subscribing_sees_a_right_that_ended_in_between(app, owner, token, factory):
    from webapp.models import User
    from webapp.services import identity

    team_id, token_id = owner.current_team_id, _token_id(app, token)
    session_id = f"{owner.id}:{owner.session_epoch}"
    with app.app_context():
        assert identity.grant_holds(team_id=team_id, token_id=token_id)
        assert identity.grant_holds(team_id=team_id, session_id=session_id)
        assert not identity.grant_holds(team_id=team_id + 1000, session_id=session_id)
        db.session.rollback()  # the checks only read: end that transaction before writing
        accounts.revoke_token(actor_of(owner, app), token_id)
        accounts.end_browser_sessions(owner.id)
        db.session.commit()
        assert not identity.grant_holds(team_id=team_id, token_id=token_id)
        assert not identity.grant_holds(team_id=team_id, session_id=session_id)
        epoch = db.session.get(User, owner.id).session_epoch
        assert identity.grant_holds(team_id=team_id, session_id=f"{owner.id}:{epoch}")


def test_an_operator_disabling_a_user_from_another_process_closes_their_sockets(app, owner, token, ws_connect,
                                                                                  tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    browser = ws_connect("/ws/jobs", user=owner)
    api = ws_connect("/ws/api/events", token=token)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "OPENAI_"))}
    env.update({"PYTHONPATH": str(root), "SECRET_KEY": "test-secret", "HERALD_INSTANCE_PATH": str(tmp_path),
                "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "HERALD_HUEY_PATH": app.config["HUEY_PATH"],
                "REDIS_URL": app.config.get("REDIS_URL") or "",
                "HERALD_HUEY_NAME": app.config.get("HERALD_HUEY_NAME") or "", "HERALD_LOG_LEVEL": "WARNING"})
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run([str(flask), "--app", "webapp", "users", "disable", owner.email], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr

    assert close_frame(browser, WITHIN) == (1008, "This account was disabled.")
    assert close_frame(api, WITHIN)[0] == 1008
