"""Settings a self-hoster meets at start-up: SECRET_KEY, run mode, which writer is active."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from webapp import create_app
from webapp.config import ConfigurationError, load_settings, run_mode, writer_description

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment pointing instance/ at tmp_path."""
    for name in ("SECRET_KEY", "HERALD_ENV", "DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HERALD_INSTANCE_PATH", str(tmp_path / "instance"))
    return monkeypatch


def test_production_without_secret_key_refuses_to_start(env, tmp_path):
    env.setenv("HERALD_ENV", "production")
    with pytest.raises(ConfigurationError) as info:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    message = str(info.value)
    assert "SECRET_KEY must be set" in message and "HERALD_ENV=production" in message
    # Nothing was generated behind the operator's back.
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_blank_secret_key_is_refused_too(env):
    env.setenv("HERALD_ENV", "production")
    env.setenv("SECRET_KEY", "   ")
    with pytest.raises(ConfigurationError):
        load_settings()


def test_production_with_secret_key_uses_it_and_secure_cookies(env):
    env.setenv("HERALD_ENV", "production")
    env.setenv("SECRET_KEY", "s3cret-from-env")
    settings = load_settings()
    assert settings["SECRET_KEY"] == "s3cret-from-env"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["HERALD_ENV"] == "production"


def test_development_generates_a_private_key_once_and_reuses_it(env, tmp_path):
    first = load_settings()["SECRET_KEY"]
    path = tmp_path / "instance" / "secret_key"
    assert path.read_text().strip() == first
    assert len(first) >= 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_settings()["SECRET_KEY"] == first  # stable across restarts: sessions survive
    assert load_settings()["SESSION_COOKIE_SECURE"] is False


def test_cli_start_up_error_is_readable(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY",)}
    env.update(HERALD_ENV="production", HERALD_INSTANCE_PATH=str(tmp_path / "inst"))
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "webapp", "routes"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when HERALD_ENV=production" in result.stderr


@pytest.mark.parametrize(
    ("config", "mode"),
    [
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/x.db", "REDIS_URL": None}, "embedded"),
        ({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://h@db/herald", "REDIS_URL": None}, "team"),
        ({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://h@db/herald", "REDIS_URL": "redis://r"}, "team"),
    ],
)
def test_run_mode(config, mode):
    assert run_mode(config) == mode


def test_writer_description_never_shows_the_key():
    assert writer_description({"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None}).startswith("offline")
    text = writer_description({"OPENAI_API_KEY": "sk-very-secret", "OPENAI_BASE_URL": None, "HERALD_MODEL": "m"})
    assert "OpenAI-compatible" in text and "sk-very-secret" not in text
    local = writer_description({"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "HERALD_MODEL": "llama3"})
    assert "127.0.0.1:11434" in local and "llama3" in local


def test_postgres_urls_are_normalised_to_psycopg(env):
    env.setenv("DATABASE_URL", "postgres://u:p@db:5432/herald")
    assert load_settings()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/herald"


def _remote_addr():
    from flask import request

    return {"addr": request.remote_addr, "scheme": request.scheme}


@pytest.mark.parametrize(("hops", "addr", "scheme"), [(0, "127.0.0.1", "http"), (1, "203.0.113.9", "https")])
def test_forwarded_headers_are_trusted_only_behind_a_configured_proxy(app_factory, hops, addr, scheme):

    app = app_factory(HERALD_PROXY_HOPS=hops)
    app.add_url_rule("/test-only/addr", "test_addr", _remote_addr)
    r = app.test_client().get("/test-only/addr", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                              headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert r.get_json() == {"addr": addr, "scheme": scheme}
