"""Live connection tests: the websocket test server on the selected events backend (embedded poller
and datagrams, or Redis pub/sub with HERALD_TEST_REDIS=1)."""
from __future__ import annotations

import time

import pytest
import websocket

from tests.helpers.fixtures_jobs import jobs_config


@pytest.fixture
def app_config(tmp_path) -> dict:
    """Job and event settings for the selected backend."""
    return jobs_config(tmp_path)


def close_frame(client, timeout: float = 5.0) -> tuple[int | None, str]:
    """Wait for the server's close frame: (code, reason); (None, "") if the socket stayed open.
    Pings are answered on the way, as a browser would."""
    client.ws.settimeout(0.2)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            opcode, frame = client.ws.recv_data_frame(True)
        except websocket.WebSocketTimeoutException:
            continue
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            return getattr(client.ws, "status", None), ""
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            data = frame.data
            return (int.from_bytes(data[:2], "big") if len(data) >= 2 else None), data[2:].decode()
    return None, ""


def stays_open(client, seconds: float = 1.0) -> bool:
    code, _ = close_frame(client, timeout=seconds)
    return code is None and client.ws.connected
