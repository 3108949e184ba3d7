"""Team page: members and roles, invites, switching, creating and renaming teams, the token budget."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Invite, Membership, Team, User

PASSWORD = "correct horse battery"


@pytest.fixture
def crew(factory):
    """An owner with an editor and a viewer in the owner's team."""
    owner = factory.user("owner@example.com", name="Olive Owner")
    team = factory.team_of(owner)
    editor = factory.user("editor@example.com", name="Eddie Editor", team=team, role="editor")
    viewer = factory.user("viewer@example.com", name="Vera Viewer", team=team, role="viewer")
    return owner, editor, viewer, team


def _membership_id(app, user, team):
    with app.app_context():
        return db.session.scalar(select(Membership.id).where(Membership.user_id == user.id,
                                                             Membership.team_id == team.id))


def _role(app, user, team):
    with app.app_context():
        return db.session.scalar(select(Membership.role).where(Membership.user_id == user.id,
                                                               Membership.team_id == team.id))


def _invite(client, role="editor"):
    r = client.post("/team/invites", data={"role": role}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    return re.search(r"/invite/([A-Za-z0-9_-]+)", r.get_data(as_text=True)).group(1)


def test_team_page_lists_members_with_roles(crew, login):
    owner, editor, viewer, team = crew
    page = login(owner).get("/team").get_data(as_text=True)
    for name in ("Olive Owner", "Eddie Editor", "Vera Viewer"):
        assert name in page
    assert "Create invite link" in page and "Save team settings" in page
    assert "Last owner" in page  # no Remove/Leave button for the only owner


def test_viewer_sees_no_change_buttons(crew, login):
    _, _, viewer, _ = crew
    page = login(viewer).get("/team").get_data(as_text=True)
    assert "Vera Viewer" in page
    for control in ("Create invite link", "Save team settings", ">Remove<", 'name="role"'):
        assert control not in page
    assert "Only owners can change these" in page


def test_owner_changes_a_role(app, crew, login):
    owner, editor, _, team = crew
    mid = _membership_id(app, editor, team)
    r = login(owner).post(f"/team/members/{mid}/role", data={"role": "viewer"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert b'id="members"' in r.data and b"<html" not in r.data
    assert _role(app, editor, team) == "viewer"


def test_unknown_role_is_a_422(app, crew, login):
    owner, editor, _, team = crew
    mid = _membership_id(app, editor, team)
    r = login(owner).post(f"/team/members/{mid}/role", data={"role": "emperor"}, headers={"HX-Request": "true"})
    assert r.status_code == 422
    assert _role(app, editor, team) == "editor"


def test_last_owner_cannot_step_down_or_be_removed(app, crew, login):
    owner, _, _, team = crew
    c = login(owner)
    mid = _membership_id(app, owner, team)
    r = c.post(f"/team/members/{mid}/role", data={"role": "editor"}, headers={"HX-Request": "true"})
    assert r.status_code == 409 and b"at least one owner" in r.data
    r = c.post(f"/team/members/{mid}/remove", headers={"HX-Request": "true"})
    assert r.status_code == 409
    assert _role(app, owner, team) == "owner"


def test_an_owner_can_step_down_when_another_owner_exists(app, crew, login):
    owner, editor, _, team = crew
    c = login(owner)
    c.post(f"/team/members/{_membership_id(app, editor, team)}/role", data={"role": "owner"})
    r = c.post(f"/team/members/{_membership_id(app, owner, team)}/role", data={"role": "editor"},
               headers={"HX-Request": "true"})
    assert r.status_code == 204 and r.headers["HX-Redirect"] == "/team"
    assert _role(app, owner, team) == "editor"


def test_owner_removes_a_member_whose_token_then_fails(app, crew, factory, login, api_client):
    owner, editor, _, team = crew
    token = factory.token(editor)
    assert api_client(token).get("/api/auth/me").status_code == 200
    r = login(owner).post(f"/team/members/{_membership_id(app, editor, team)}/remove")
    assert r.status_code == 302
    assert _role(app, editor, team) is None
    assert api_client(token).get("/api/auth/me").status_code == 401
    with app.app_context():  # their own team is current again
        user = db.session.get(User, editor.id)
        assert user.current_team_id != team.id and user.current_team_id is not None


NON_OWNER_POSTS = [
    ("/team/members/{mid}/role", {"role": "owner"}),
    ("/team/members/{mid}/remove", {}),
    ("/team/invites", {"role": "owner"}),
    ("/team/invites", {"role": "bogus"}),
    ("/team/settings", {"name": "Mine now", "monthly_token_budget": "5"}),
    ("/team/settings", {"name": ""}),
]


@pytest.mark.parametrize("who", ["viewer", "editor"])
def test_non_owners_get_403_on_every_team_change(app, crew, login, who):
    owner, editor, viewer, team = crew
    c = login({"viewer": viewer, "editor": editor}[who])
    mid = _membership_id(app, owner, team)
    for path, data in NON_OWNER_POSTS:
        for headers in ({}, {"HX-Request": "true"}):
            r = c.post(path.format(mid=mid), data=data, headers=headers)
            assert r.status_code == 403, (path, data, headers)
    assert _role(app, owner, team) == "owner"
    with app.app_context():
        assert db.session.get(Team, team.id).name == team.name
        assert db.session.scalar(select(Invite)) is None


def test_invite_revocation_by_a_viewer_is_403(app, crew, login):
    owner, _, viewer, _ = crew
    _invite(login(owner))
    with app.app_context():
        invite_id = db.session.scalar(select(Invite.id))
    assert login(viewer).post(f"/team/invites/{invite_id}/revoke").status_code == 403


def test_another_teams_member_and_invite_ids_are_404(app, crew, factory, login):
    owner, _, _, _ = crew
    stranger = factory.user("stranger@example.com")
    stranger_team = factory.team_of(stranger)
    _invite(login(stranger))
    with app.app_context():
        invite_id = db.session.scalar(select(Invite.id).where(Invite.team_id == stranger_team.id))
    their_mid = _membership_id(app, stranger, stranger_team)
    c = login(owner)
    assert c.post(f"/team/members/{their_mid}/role", data={"role": "viewer"}).status_code == 404
    assert c.post(f"/team/members/{their_mid}/remove").status_code == 404
    assert c.post(f"/team/invites/{invite_id}/revoke").status_code == 404
    assert _role(app, stranger, stranger_team) == "owner"


def test_invite_link_logged_in_joins_once(app, crew, factory, login):
    owner, _, _, team = crew
    secret = _invite(login(owner), role="editor")
    newcomer = factory.user("new@example.com")
    c = login(newcomer)
    page = c.get(f"/invite/{secret}")
    assert page.status_code == 200 and str(escape(team.name)) in page.get_data(as_text=True) and b"Join" in page.data
    assert _role(app, newcomer, team) is None  # opening the link alone changes nothing
    r = c.post(f"/invite/{secret}")
    assert r.status_code == 302
    assert _role(app, newcomer, team) == "editor"
    with app.app_context():
        assert db.session.get(User, newcomer.id).current_team_id == team.id
        invite = db.session.scalar(select(Invite))
        assert invite.used_by_id == newcomer.id and len(invite.token_hash) == 64 and secret not in invite.token_hash
    other = factory.user("late@example.com")
    again = login(other).post(f"/invite/{secret}")
    assert again.status_code == 409 and b"already been used" in again.data
    assert _role(app, other, team) is None


def test_invite_link_logged_out_offers_register_or_login(app, crew, client, login):
    owner, _, _, team = crew
    secret = _invite(login(owner), role="viewer")
    page = client.get(f"/invite/{secret}").get_data(as_text=True)
    assert f"/register?invite={secret}" in page
    assert "/login?next=" in page
    r = client.post("/register", data={"email": "joiner@example.com", "password": PASSWORD,
                                       "password_confirm": PASSWORD, "invite": secret})
    assert r.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "joiner@example.com"))
    assert _role(app, user, team) == "viewer"


def test_existing_user_logs_in_from_the_invite_then_joins(app, crew, client, factory, login):
    owner, _, _, team = crew
    secret = _invite(login(owner))
    user = factory.user("existing@example.com")
    r = client.post("/login", data={"email": "existing@example.com", "password": PASSWORD,
                                    "next": f"/invite/{secret}"})
    assert r.headers["Location"] == f"/invite/{secret}"
    assert client.post(f"/invite/{secret}").status_code == 302
    assert _role(app, user, team) == "editor"


def test_expired_and_unknown_invites_are_refused(app, crew, login, factory):
    owner, _, _, _ = crew
    secret = _invite(login(owner))
    with app.app_context():
        db.session.scalar(select(Invite)).expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    c = login(factory.user("late@example.com"))
    assert c.get(f"/invite/{secret}").status_code == 409
    assert c.post(f"/invite/{secret}").status_code == 409
    assert c.get("/invite/no-such-invite").status_code == 404


def test_revoked_invite_stops_working(app, crew, login, factory):
    owner, _, _, _ = crew
    c = login(owner)
    secret = _invite(c)
    with app.app_context():
        invite_id = db.session.scalar(select(Invite.id))
    r = c.post(f"/team/invites/{invite_id}/revoke", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert login(factory.user("x@example.com")).get(f"/invite/{secret}").status_code == 404


def test_switch_team_checks_membership(app, crew, factory, login):
    owner, editor, _, team = crew
    c = login(editor)
    own_team_id = next(m.team_id for m in editor.memberships if m.team_id != team.id) if editor.memberships else None
    with app.app_context():
        own_team_id = db.session.scalar(select(Membership.team_id).where(Membership.user_id == editor.id,
                                                                         Membership.team_id != team.id))
    r = c.post("/team/switch", data={"team_id": own_team_id, "next": "/team"})
    assert r.status_code == 302 and r.headers["Location"] == "/team"
    with app.app_context():
        assert db.session.get(User, editor.id).current_team_id == own_team_id
    stranger_team = factory.team_of(factory.user("stranger@example.com"))
    assert c.post("/team/switch", data={"team_id": stranger_team.id}).status_code == 404
    assert c.post("/team/switch", data={"team_id": "abc"}).status_code == 404
    with app.app_context():
        assert db.session.get(User, editor.id).current_team_id == own_team_id


def test_create_team_makes_you_owner_and_switches(app, factory, login):
    user = factory.user("ann@example.com")
    c = login(user)
    r = c.post("/teams", data={"name": "Client X"})
    assert r.status_code == 302
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "Client X"))
        assert db.session.get(User, user.id).current_team_id == team.id
    assert _role(app, user, team) == "owner"
    r = c.post("/teams", data={"name": ""})
    assert r.status_code == 422 and b"Name the team" in r.data


def test_owner_renames_team_and_sets_budget(app, crew, login):
    owner, _, _, team = crew
    c = login(owner)
    r = c.post("/team/settings", data={"name": "Renamed", "monthly_token_budget": "50000"},
               headers={"HX-Request": "true"})
    assert r.status_code == 200 and b"Team settings saved" in r.data
    with app.app_context():
        t = db.session.get(Team, team.id)
        assert (t.name, t.monthly_token_budget) == ("Renamed", 50000)
    r = c.post("/team/settings", data={"name": "Renamed", "monthly_token_budget": ""})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Team, team.id).monthly_token_budget is None  # back to the server default


@pytest.mark.parametrize("budget", ["-1", "abc", "1.5", str(10**13)])
def test_bad_budget_is_refused_beside_the_field(app, crew, login, budget):
    owner, _, _, team = crew
    r = login(owner).post("/team/settings", data={"name": "Keep", "monthly_token_budget": budget})
    assert r.status_code == 422
    assert b'id="monthly_token_budget-error"' in r.data
    assert b'value="Keep"' in r.data
    with app.app_context():
        assert db.session.get(Team, team.id).name == team.name


def test_hostile_names_are_escaped_on_the_team_page(app, factory, login):
    hostile = "<script>alert(1)</script>"
    owner = factory.user("owner@example.com", name=hostile)
    c = login(owner)
    c.post("/team/settings", data={"name": hostile})
    page = c.get("/team").get_data(as_text=True)
    assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_someone_in_no_team_can_start_one_instead_of_looping(app, factory, login):
    user = factory.user("left@example.com")
    with app.app_context():  # as after an owner removed them from the only team they had
        db.session.query(Membership).filter_by(user_id=user.id).delete()
        db.session.commit()
    c = login(user)
    r = c.get("/")
    assert r.status_code == 403 and b"You are not in a team" in r.data and b"Log out" in r.data
    r = c.get("/login")  # used to send them back to the dashboard, which sent them here: a loop
    assert r.status_code == 302
    assert c.get(r.headers["Location"]).status_code == 403
    assert c.get("/api/auth/me").status_code == 401  # the API still says plainly: no team, no access
    r = c.post("/teams", data={"name": "<b>x</b>" * 40})
    assert r.status_code == 422 and b"You are not in a team" in r.data and b"&lt;b&gt;x" in r.data  # kept, escaped
    r = c.post("/teams", data={"name": "Fresh start"})
    assert r.status_code == 302
    assert c.get("/").status_code == 200
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "Fresh start"))
    assert _role(app, user, team) == "owner"
