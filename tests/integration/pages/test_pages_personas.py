"""Persona pages over HTTP: list, create/edit forms (errors beside fields, typed values kept),
delete refused while a campaign uses it, archive/restore, roles, team scoping, escaping."""
from __future__ import annotations

from webapp.extensions import db
from webapp.models import Persona

from .conftest import HOSTILE, add_campaign, add_persona


def test_anonymous_is_sent_to_login(client):
    for path in ("/personas", "/personas/new", "/personas/1/edit"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert client.post("/personas/new", data={"name": "x"}).status_code == 302


def test_empty_list_guides_the_user(owner_client):
    html = owner_client.get("/personas").get_data(as_text=True)
    assert "No personas yet" in html and "Create your first persona" in html


def test_list_shows_cards_with_usage(app, owner_client, owner):
    used = add_persona(app, owner, role="Head of Ops", goals="Save time", preferred_channels=["linkedin"])
    add_persona(app, owner, name="Founder Fred")
    add_campaign(app, owner, persona_id=used)
    html = owner_client.get("/personas").get_data(as_text=True)
    assert "Ops Olivia" in html and "Head of Ops" in html and "Save time" in html and "LinkedIn" in html
    assert "Used by 1 campaign" in html and "Not used by any campaign yet" in html
    partial = owner_client.get("/personas", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and partial.strip().startswith('<div id="persona-list">')


def test_create_persona(app, owner_client):
    form = {"name": "Ops Olivia", "role": "Head of Ops", "demographics": "EU", "goals": "Time",
            "pain_points": "Spreadsheets", "objections": "Cost", "preferred_channels": ["email", "linkedin"],
            "voice_notes": "Plain"}
    response = owner_client.post("/personas/new", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/personas")
    with app.app_context():
        persona = db.session.query(Persona).one()
        assert persona.preferred_channels == ["email", "linkedin"] and persona.objections == "Cost"


def test_invalid_persona_keeps_typed_values(app, owner_client):
    html_form = owner_client.get("/personas/new").get_data(as_text=True)
    assert html_form.count('type="checkbox" name="preferred_channels"') == 7
    for form, message in (
        ({"name": "", "role": "Typed role"}, "Name is required"),
        ({"name": "x" * 121, "role": "Typed role"}, "at most 120"),
        ({"name": "Ok", "role": "Typed role", "preferred_channels": ["fax"]}, "Unknown channel"),
        ({"name": "Ok", "role": "Typed role", "goals": "g" * 4001}, "at most 4,000"),
    ):
        response = owner_client.post("/personas/new", data=form)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, form
        assert message in html, form
        assert 'value="Typed role"' in html and 'aria-invalid="true"' in html, form
    with app.app_context():
        assert db.session.query(Persona).count() == 0


def test_edit_persona(app, owner_client, owner):
    persona_id = add_persona(app, owner, role="Old role", preferred_channels=["twitter"])
    html = owner_client.get(f"/personas/{persona_id}/edit").get_data(as_text=True)
    assert 'value="Old role"' in html and 'value="twitter" checked' in html
    response = owner_client.post(f"/personas/{persona_id}/edit", data={"name": "Olivia B", "role": "New role"})
    assert response.status_code == 302
    with app.app_context():
        persona = db.session.get(Persona, persona_id)
        assert persona.name == "Olivia B" and persona.preferred_channels == []


def test_delete_refused_while_used_then_archive(app, owner_client, owner):
    persona_id = add_persona(app, owner)
    add_campaign(app, owner, persona_id=persona_id)
    response = owner_client.post(f"/personas/{persona_id}/delete", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "cannot be deleted" in html and "Archive it instead" in html
    response = owner_client.post(f"/personas/{persona_id}/archive", follow_redirects=True)
    assert "archived" in response.get_data(as_text=True)
    listing = owner_client.get("/personas").get_data(as_text=True)
    assert "Ops Olivia" not in listing and "Show archived (1)" in listing
    archived = owner_client.get("/personas?archived=1").get_data(as_text=True)
    assert "Ops Olivia" in archived and "Restore" in archived
    owner_client.post(f"/personas/{persona_id}/unarchive")
    with app.app_context():
        assert db.session.get(Persona, persona_id).archived_at is None


def test_delete_unused_persona(app, owner_client, owner):
    persona_id = add_persona(app, owner)
    response = owner_client.post(f"/personas/{persona_id}/delete")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Persona, persona_id) is None


def test_viewer_sees_no_buttons_and_is_refused(app, factory, login, owner):
    persona_id = add_persona(app, owner)
    viewer = login(factory.user(team=factory.team_of(owner), role="viewer"))
    html = viewer.get("/personas").get_data(as_text=True)
    assert "Ops Olivia" in html
    assert "New persona" not in html and "/edit" not in html and "/delete" not in html
    assert viewer.get("/personas/new").status_code == 403
    assert viewer.post("/personas/new", data={"name": "x"}).status_code == 403
    assert viewer.post(f"/personas/{persona_id}/edit", data={"name": "x"}).status_code == 403
    assert viewer.post(f"/personas/{persona_id}/delete").status_code == 403
    assert viewer.post(f"/personas/{persona_id}/archive").status_code == 403
    with app.app_context():
        assert db.session.get(Persona, persona_id).name == "Ops Olivia"


def test_other_teams_persona_is_404(app, factory, login, owner):
    persona_id = add_persona(app, owner)
    stranger = login(factory.user())
    assert stranger.get(f"/personas/{persona_id}/edit").status_code == 404
    for action in ("edit", "delete", "archive", "unarchive"):
        assert stranger.post(f"/personas/{persona_id}/{action}", data={"name": "x"}).status_code == 404, action
    assert "Ops Olivia" not in stranger.get("/personas").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Persona, persona_id).name == "Ops Olivia"


def test_hostile_text_is_escaped(app, owner_client, owner):
    persona_id = add_persona(app, owner, name=HOSTILE, role=HOSTILE, goals=HOSTILE)
    for path in ("/personas", f"/personas/{persona_id}/edit"):
        html = owner_client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in html and '<div hx-get="/x">' not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
