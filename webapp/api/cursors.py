"""The replay cursor every websocket route takes (`?after=<event id>`): checked before the upgrade
and, when it is not an event id, answered as a 400 in the API's error shape (afterwards the answer
could only be written into the open socket). The browser sockets (web/sockets.py) use it too."""
from __future__ import annotations

from flask import request

from ..events.stream import CURSOR_PROBLEM, parse_cursor
from .errors import error_response


def refuse_bad_cursor():
    """A before_request hook for socket blueprints: None, or the 400 answer."""
    if parse_cursor(request.args.get("after")) is None:
        return error_response(400, "bad_request", CURSOR_PROBLEM, {"after": CURSOR_PROBLEM})
    return None


def request_cursor() -> int:
    """The checked cursor of this request (0 when absent)."""
    return parse_cursor(request.args.get("after")) or 0
