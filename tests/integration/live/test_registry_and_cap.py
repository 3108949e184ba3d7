"""The per-process registry of open sockets: a planned restart closes them all, and an account holds
at most HERALD_WS_MAX_PER_USER of them (browser and API sockets together)."""
from __future__ import annotations

import time

import pytest

from webapp.events import registry

from .conftest import close_frame, stays_open


def _wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def _open_count(app) -> int:
    return len(registry.registry_for(app).entries())


def test_close_all_closes_every_socket_with_its_code_and_reason(app, owner, token, ws_connect):
    browser = ws_connect("/ws/jobs", user=owner)
    api = ws_connect("/ws/api/events", token=token)
    assert _wait_for(lambda: _open_count(app) == 2)

    # Every app of the process: sockets of earlier tests may still be winding down.
    assert registry.close_all(1001, "Server restarting") >= 2

    assert close_frame(browser) == (1001, "Server restarting")
    assert close_frame(api) == (1001, "Server restarting")
    assert _open_count(app) == 0


def test_the_registry_knows_who_each_socket_is_for(app, owner, token, ws_connect):
    ws_connect("/ws/jobs", user=owner)
    ws_connect("/ws/api/events", token=token)
    assert _wait_for(lambda: _open_count(app) == 2)
    entries = {e.kind: e for e in registry.registry_for(app).entries()}
    assert entries["browser"].session_id == f"{owner.id}:{owner.session_epoch}"
    assert entries["browser"].token_id is None
    assert entries["api"].token_id is not None and entries["api"].session_id is None
    assert {e.user_id for e in entries.values()} == {owner.id}
    assert {e.team_id for e in entries.values()} == {owner.current_team_id}


@pytest.mark.app_config(HERALD_WS_MAX_PER_USER=3)
def test_one_socket_over_the_cap_is_closed_with_1008_and_says_why(app, owner, token, factory, ws_connect):
    held = [ws_connect("/ws/jobs", user=owner), ws_connect("/ws/api/events", token=token),
            ws_connect(f"/ws/api/events?campaign={999}", token=token, wait_ready=False)]
    # The third asked for a campaign that does not exist: refused, so it holds no slot.
    assert close_frame(held.pop())[0] == 1008
    held.append(ws_connect("/ws/api/events", token=token))

    extra = ws_connect("/ws/jobs", user=owner, wait_ready=False)
    assert close_frame(extra) == (1008, "Too many live connections for this account (3): close another tab.")
    over_api = ws_connect("/ws/api/events", token=token, wait_ready=False)
    assert close_frame(over_api)[0] == 1008
    assert all(stays_open(c, 0.3) for c in held)

    # Someone else is not affected by this account's sockets.
    other = factory.user()
    assert stays_open(ws_connect("/ws/jobs", user=other), 0.3)


@pytest.mark.app_config(HERALD_WS_MAX_PER_USER=2)
def test_a_closed_socket_frees_its_slot_at_once(app, owner, token, ws_connect):
    first = ws_connect("/ws/api/events", token=token)
    ws_connect("/ws/api/events", token=token)
    first.ws.close()  # the client's close: the server sees it at once
    again = ws_connect("/ws/api/events", token=token)  # waits for "ready": accepted
    assert stays_open(again, 0.3)
