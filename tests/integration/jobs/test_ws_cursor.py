"""A websocket's replay cursor (?after=) that is not an event id is a 400 in the API's error shape,
answered before the upgrade (the handshake fails; no socket is opened)."""
from __future__ import annotations

import json

import pytest
import websocket

from tests.helpers.fixtures_jobs import make_campaign, session_cookie

BAD_CURSORS = ["99999999999999999999999", "2147483648", "-1", "abc", "1.5", "１２"]


def _handshake(live_server, path: str, **kwargs):
    return websocket.create_connection(live_server.ws_url + path, timeout=5, **kwargs)


def _routes(app, owner, token):
    cid = make_campaign(app, owner)
    cookie = session_cookie(app, owner)
    return [(f"/ws/campaigns/{cid}", {"cookie": cookie}), ("/ws/jobs", {"cookie": cookie}),
            ("/ws/api/events", {"header": [f"Authorization: Bearer {token}"]})]


@pytest.mark.parametrize("after", BAD_CURSORS)
def test_a_bad_cursor_is_a_400_before_the_upgrade_on_every_socket(app, owner, token, live_server, after):
    for path, auth in _routes(app, owner, token):
        sep = "&" if "?" in path else "?"
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            _handshake(live_server, f"{path}{sep}after={after}", **auth)
        assert refused.value.status_code == 400, path
        body = json.loads(refused.value.resp_body)
        assert body["error"]["code"] == "bad_request" and "after" in body["error"]["fields"], path


def test_a_good_cursor_still_upgrades(app, owner, token, live_server):
    for path, auth in _routes(app, owner, token):
        for after in ("0", "2147483647", ""):
            ws = _handshake(live_server, f"{path}?after={after}", **auth)
            assert ws.connected, path
            ws.close()
