"""Keepalive, idle timeout and the message size limit, over real sockets."""
from __future__ import annotations

import time

import pytest
import websocket

from .conftest import close_frame, stays_open

FOUR_MIB = 4 * 1024 * 1024


def _vm_rss_kib() -> int:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1])


@pytest.mark.app_config(HERALD_WS_PING_INTERVAL=0.2, HERALD_WS_IDLE_TIMEOUT=1.0)
def test_pings_keep_an_answering_client_and_silence_ends_it(app, token, ws_connect):
    client = ws_connect("/ws/api/events", token=token)
    client.ws.settimeout(0.1)
    pings, deadline = 0, time.monotonic() + 2.5  # well past the idle timeout
    while time.monotonic() < deadline:
        try:
            opcode, _ = client.ws.recv_data_frame(True)  # answers each ping with a pong
        except websocket.WebSocketTimeoutException:
            continue
        assert opcode != websocket.ABNF.OPCODE_CLOSE
        pings += opcode == websocket.ABNF.OPCODE_PING
    assert pings >= 5

    time.sleep(1.5)  # not reading: no pong goes back
    code, reason = close_frame(client)
    assert code == 1001 and "No frame from the client for 1 s" in reason


@pytest.mark.app_config(HERALD_WS_PING_INTERVAL=0, HERALD_WS_IDLE_TIMEOUT=0.6)
def test_a_client_message_counts_as_a_sign_of_life(app, owner, ws_connect):
    client = ws_connect("/ws/jobs", user=owner)
    for _ in range(6):
        time.sleep(0.25)
        client.ws.send("still here")
    assert close_frame(client, timeout=3)[0] == 1001


def test_a_message_over_the_limit_is_refused_with_1009(app, token, ws_connect):
    client = ws_connect("/ws/api/events", token=token)
    client.ws.send("x" * 60_000)  # under 64 KiB: fine
    assert stays_open(client, 0.3)
    client.ws.send("x" * FOUR_MIB)
    code, reason = close_frame(client)
    assert code == 1009 and reason


@pytest.mark.app_config(HERALD_WS_MAX_MESSAGE=1024)
def test_the_limit_is_a_setting(app, token, ws_connect):
    client = ws_connect("/ws/api/events", token=token)
    client.ws.send_binary(b"x" * 2048)
    assert close_frame(client)[0] == 1009


def test_refused_big_messages_are_never_kept(app, token, ws_connect):
    payload = "x" * FOUR_MIB

    def attempt():
        client = ws_connect("/ws/api/events", token=token)
        client.ws.send(payload)
        assert close_frame(client)[0] == 1009
        client.close()

    for _ in range(5):  # warm up allocator and threads
        attempt()
    before = _vm_rss_kib()
    for _ in range(75):
        attempt()
    grown_mib = (_vm_rss_kib() - before) / 1024
    # Keeping each refused message would be ~300 MiB; a little churn is allowed.
    print(f"RSS growth over 75 refused 4 MiB messages: {grown_mib:.1f} MiB")
    assert grown_mib < 60, f"RSS grew by {grown_mib:.0f} MiB over 75 refused 4 MiB messages"
