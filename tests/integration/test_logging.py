"""Logs a self-hoster can use: a line per request with its id, errors with traceback, JSON lines."""
from __future__ import annotations

import io
import json
import logging

import pytest


def _capture(app) -> io.StringIO:
    """Point the shared log handler at a buffer (it writes to stderr otherwise)."""
    buf = io.StringIO()
    # pytest's own capture handlers sit beside ours; ours is the one named "herald".
    (ours,) = [h for h in logging.getLogger("herald").handlers if h.get_name() == "herald"]
    assert ours in app.logger.handlers  # Flask's error logging goes through the same handler
    ours.setStream(buf)
    return buf


def _boom():
    raise RuntimeError("kaboom-7f3a")


@pytest.fixture
def json_app(app_factory):
    app = app_factory(HERALD_LOG_FORMAT="json", HERALD_LOG_LEVEL="INFO", PROPAGATE_EXCEPTIONS=False)
    app.add_url_rule("/test-only/boom", "test_boom", _boom)
    app.add_url_rule("/api/test-only/boom", "test_api_boom", _boom)
    return app


def _records(buf: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buf.getvalue().splitlines() if line.strip()]


def test_json_lines_parse_and_carry_the_request_id(json_app):
    buf = _capture(json_app)
    r = json_app.test_client().get("/healthz", headers={"X-Request-ID": "req-4242"})
    assert r.status_code == 200
    records = _records(buf)  # every line must be valid JSON
    access = [x for x in records if x.get("path") == "/healthz" and "status" in x]
    assert len(access) == 1, records
    line = access[0]
    assert line["request_id"] == "req-4242"
    assert line["method"] == "GET" and line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and line["logger"] == "herald"


def test_unhandled_error_is_logged_with_traceback_and_request_id(json_app):
    buf = _capture(json_app)
    r = json_app.test_client().get("/test-only/boom")
    assert r.status_code == 500
    rid = r.headers["X-Request-ID"]
    body = r.get_data(as_text=True)
    assert "kaboom-7f3a" not in body and "Traceback" not in body  # never shown to the visitor
    errors = [x for x in _records(buf) if x["level"] == "ERROR"]
    assert len(errors) == 1
    error = errors[0]
    assert error["request_id"] == rid
    assert error["path"] == "/test-only/boom"
    assert "Traceback" in error["exc"]
    assert "RuntimeError: kaboom-7f3a" in error["exc"]
    assert "_boom" in error["exc"]
    # The request line for the 500 is logged too, with the same id.
    assert any(x.get("status") == 500 and x["request_id"] == rid for x in _records(buf))


def test_api_error_is_json_and_logged(json_app):
    buf = _capture(json_app)
    r = json_app.test_client().get("/api/test-only/boom")
    assert r.status_code == 500
    assert r.get_json()["error"]["code"] == "internal_error"
    errors = [x for x in _records(buf) if x["level"] == "ERROR"]
    assert [e["request_id"] for e in errors] == [r.headers["X-Request-ID"]]


@pytest.mark.app_config(HERALD_LOG_FORMAT="text", HERALD_LOG_LEVEL="INFO", PROPAGATE_EXCEPTIONS=False)
def test_text_format_error_has_traceback_and_request_id(app):
    app.add_url_rule("/api/test-only/boom", "test_boom", _boom)
    buf = _capture(app)
    r = app.test_client().get("/api/test-only/boom", headers={"X-Request-ID": "abc-9999"})
    assert r.status_code == 500
    out = buf.getvalue()
    error_line = next(line for line in out.splitlines() if " ERROR " in line)
    assert "rid=abc-9999" in error_line
    assert "Traceback (most recent call last)" in out
    assert "RuntimeError: kaboom-7f3a" in out
    assert "GET /api/test-only/boom 500" in out


@pytest.mark.app_config(HERALD_LOG_FORMAT="json", HERALD_LOG_LEVEL="INFO")
def test_module_loggers_inside_the_package_use_the_same_handler(app):
    buf = _capture(app)
    with app.test_request_context("/somewhere", headers={"X-Request-ID": "ctx-1"}):
        from flask import g

        g.request_id = "ctx-1"
        logging.getLogger("webapp.services.example").warning("budget nearly spent")
    (record,) = _records(buf)
    assert record["message"] == "budget nearly spent"
    assert record["request_id"] == "ctx-1" and record["path"] == "/somewhere"


@pytest.mark.app_config(HERALD_LOG_FORMAT="yaml", HERALD_LOG_LEVEL="INFO")
def test_bad_log_format_falls_back_to_text(app):
    buf = _capture(app)
    app.test_client().get("/healthz")
    assert "GET /healthz 200" in buf.getvalue()
    with pytest.raises(json.JSONDecodeError):
        json.loads(buf.getvalue().splitlines()[0])
