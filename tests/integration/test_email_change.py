"""Changing the email asks for the current password: missing or wrong is a 422 on that field and
nothing changes; the name alone may change without it."""
from __future__ import annotations

import pytest

from webapp.extensions import db
from webapp.models import User

PASSWORD = "correct horse battery"


def _user(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
    return user


@pytest.mark.parametrize("password,message", [(None, b"Enter your current password to change your email"),
                                              ("", b"Enter your current password to change your email"),
                                              ("wrong password", b"Your current password is not correct")])
def test_a_new_email_without_the_right_password_changes_nothing(app, owner, owner_client, password, message):
    data = {"name": "New name", "email": "new@example.com"}
    if password is not None:
        data["current_password"] = password
    r = owner_client.post("/settings/profile", data=data)
    assert r.status_code == 422 and message in r.data and b'id="current_password-error"' in r.data
    user = _user(app, owner.id)
    assert (user.email, user.name) == (owner.email, owner.name)


def test_the_right_password_changes_the_email(app, owner, owner_client):
    r = owner_client.post("/settings/profile", data={"name": "N", "email": "new@example.com",
                                                     "current_password": PASSWORD})
    assert r.status_code == 302
    assert _user(app, owner.id).email == "new@example.com"


def test_the_name_alone_needs_no_password(app, owner, owner_client):
    r = owner_client.post("/settings/profile", data={"name": "Only the name", "email": owner.email.upper()})
    assert r.status_code == 302
    assert _user(app, owner.id).name == "Only the name"
