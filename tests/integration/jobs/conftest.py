"""Fixtures shared by the job and websocket tests: an app writing through the loopback OpenAI server
on the selected jobs backend (SqliteHuey, or RedisHuey with HERALD_TEST_REDIS=1), and its owner."""
from __future__ import annotations

import pytest

from tests.conftest import make_app
from tests.helpers.fixtures_jobs import flush_redis, jobs_config
from webapp.extensions import db

THREE = {"content_types": ["social_post"], "platforms": ["linkedin", "twitter", "facebook"]}


def loopback_app(tmp_path, openai_server, **settings):
    """The test app writing through the loopback OpenAI server, with `settings` on top; yields it,
    then cleans up (a module that needs other settings overrides `app` with `yield from` this)."""
    app = make_app(tmp_path, **jobs_config(tmp_path, OPENAI_BASE_URL=openai_server.base_url,
                                           OPENAI_API_KEY="sk-test", **settings))
    yield app
    flush_redis(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, openai_server):
    """The test app writing through the loopback OpenAI server."""
    yield from loopback_app(tmp_path, openai_server)


@pytest.fixture
def owner(factory):
    """The campaign owner (their own team)."""
    return factory.user()


@pytest.fixture
def token(owner, factory):
    """An API token of the owner."""
    return factory.token(owner)


@pytest.fixture
def api(token, api_client):
    """A JSON client with the owner's token."""
    return api_client(token)
