"""Security headers (CSP allowing only our own files), CORS for /api (tokens only, never cookies), and
the request edge that no hostile input passes: JSON nested too deep, text no database can store (NUL,
lone surrogates) and chunked bodies over the size limit are answered before any view reads them."""
from __future__ import annotations

import json
import re
from itertools import accumulate

from flask import Flask, request
from flask import Request as FlaskRequest
from flask import json as flask_json
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

from .services.errors import NotFound, ServiceError, ValidationFailed
from .services.pagination import BadQuery

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)


def init_security(app: Flask) -> None:
    app.request_class = GuardedRequest
    app.before_request(_refuse_unstorable_url)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        _cors(app, response)
        return response


def _cors(app: Flask, response) -> None:
    if not request.path.startswith("/api/"):
        return
    origin = request.headers.get("Origin")
    allowed = app.config.get("HERALD_CORS_ORIGINS") or []
    if not origin or origin not in allowed:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Vary"] = "Origin"
    # Token-authenticated calls only: no Allow-Credentials, so a browser never sends cookies.
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
    response.headers["Access-Control-Max-Age"] = "600"


# --- hostile input ---------------------------------------------------------------------------------

MAX_JSON_DEPTH = 64
# PostgreSQL refuses NUL in text (and SQLite would store it silently); a lone surrogate is no
# character at all and fails later, when the text is encoded. Neither is accepted anywhere.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonTooDeep(ServiceError):
    """A JSON body nested deeper than MAX_JSON_DEPTH: 400 before the parser recurses into it."""

    code = "too_deep"


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `text` opens more than `limit` arrays/objects inside one another, counted without
    recursion: strings are cut out, then the brackets left are summed as +1/-1."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if brackets.count("[") + brackets.count("{") <= limit:
        return False
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > limit


def unstorable_text(value: str) -> str | None:
    """Why `value` cannot be stored as text (NUL or a lone surrogate), or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "Must not contain the NUL character (\\u0000)."
    return "Must be valid Unicode text (a lone surrogate such as \\ud800 is not a character)."


def _shown(name: str) -> str:
    return _UNSTORABLE.sub("\ufffd", name)


def unstorable_fields(payload) -> dict[str, str]:
    """{top-level key as sent: why} for every key of a JSON object whose name or value holds text
    that cannot be stored, at any depth (a nested key names its top-level field). For a body that
    is no object, the fields are empty and the caller's message speaks for the whole body."""
    top = payload.items() if isinstance(payload, dict) else [(None, payload)]
    out: dict[str, str] = {}
    for name, value in top:
        stack = [name, value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                problem = unstorable_text(item)
                if problem:
                    out[_shown(name) if name is not None else ""] = problem
                    break
            elif isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return out


class _GuardedJSON:
    """The JSON module request bodies are parsed with: refuses depth and unstorable text with a
    ServiceError (never a ValueError), so even a `get_json(silent=True)` — a rate-limit key
    function's, say — answers 400/422 instead of crashing or reading the body as something else."""

    @staticmethod
    def loads(data, **kwargs):
        if isinstance(data, (bytes, bytearray)):
            data = bytes(data).decode(json.detect_encoding(data), "surrogatepass")
        if json_too_deep(data):
            raise JsonTooDeep(f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.")
        value = flask_json.loads(data, **kwargs)
        fields = unstorable_fields(value)
        if fields:
            fields.pop("", None)  # a body that is no object has no field to name
            raise ValidationFailed("The body holds text that cannot be stored (NUL or a lone surrogate).", fields)
        return value

    dumps = staticmethod(flask_json.dumps)


class _CappedStream(LimitedStream):
    """A body without Content-Length (chunked) read up to the size limit: one byte past it is a 413.
    (werkzeug's own stream stops at the limit, so an oversized body was read as a truncated one.)"""

    def __init__(self, stream, maximum: int) -> None:
        super().__init__(stream, maximum + 1, is_max=True)
        self.maximum = maximum

    def readinto(self, b) -> int | None:  # type: ignore[override]
        size = super().readinto(b)
        if self._pos > self.maximum:
            raise RequestEntityTooLarge()
        return size


class GuardedRequest(FlaskRequest):
    @property
    def json_module(self):
        return _GuardedJSON

    @json_module.setter
    def json_module(self, _provider) -> None:
        pass  # Flask sets app.json on each request; bodies keep the guarded parser (which calls app.json)

    @cached_property
    def stream(self):
        maximum = self.max_content_length
        if (self.content_length is None and maximum is not None and not self.shallow
                and "wsgi.input_terminated" in self.environ):
            return _CappedStream(self.environ["wsgi.input"], maximum)
        return super().stream


def _refuse_unstorable_url():
    """A query parameter (name or value) no database can store is a 400 naming it, and a path
    segment holding one names no resource (404), on every route, page or API."""
    bad = {}
    for name, value in request.args.items(multi=True):
        problem = unstorable_text(name) or unstorable_text(value)
        if problem:
            bad[_shown(name)] = problem
    if bad:
        raise BadQuery("A query parameter holds a character that is not allowed (NUL or a lone surrogate).", bad)
    if any(isinstance(v, str) and unstorable_text(v) for v in (request.view_args or {}).values()):
        raise NotFound("No such resource or route.")
