"""Websockets on the server `make run` starts (`flask serve`: gunicorn's gevent worker), not the test
server: an open socket holds no request thread, and a planned stop closes every socket with 1001."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import websocket

ROOT = Path(__file__).resolve().parents[2]
# More sockets than the old 16-thread server had threads: with one thread per socket, the 17th
# handshake and every request after it would wait.
SOCKETS = 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(url: str, body: dict | None = None, token: str | None = None, timeout: float = 10.0):
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


@pytest.fixture()
def served(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY")}
    env.update(HERALD_INSTANCE_PATH=str(tmp_path / "instance"), HOST="127.0.0.1", HERALD_LOG_LEVEL="WARNING",
               HERALD_HUEY_NAME=f"served-sockets-{os.getpid()}", HERALD_RATELIMIT_ENABLED="0")
    subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "webapp", "serve", "--port", str(port),
                             "--no-worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _call(f"{base}/healthz", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"flask serve did not start:\n{proc.communicate()[0]}")
            time.sleep(0.3)
    try:
        yield proc, base, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _open_sockets(base: str, port: int, count: int) -> tuple[list, str]:
    """`count` API event sockets over enough accounts to stay under the per-user cap; each has said
    `ready`. Returns the sockets and one account's token."""
    sockets, token = [], None
    for n in range(-(-count // 15)):
        _, auth = _call(f"{base}/api/auth/register",
                        {"email": f"sock{n}@example.com", "password": "correct horse battery staple"})
        token = auth["token"]
        for _ in range(min(15, count - len(sockets))):
            ws = websocket.create_connection(f"ws://127.0.0.1:{port}/ws/api/events", timeout=10,
                                             header=[f"Authorization: Bearer {token}"])
            assert json.loads(ws.recv())["event"] == "ready"
            sockets.append(ws)
    return sockets, token


def test_open_sockets_do_not_hold_the_request_threads(served):
    _, base, port = served
    sockets, token = _open_sockets(base, port, SOCKETS)
    try:
        assert _call(f"{base}/healthz")[0] == 200
        status, dashboard = _call(f"{base}/api/campaigns/dashboard", token=token)
        assert status == 200 and "byStatus" in dashboard
        assert all(ws.connected for ws in sockets)
    finally:
        for ws in sockets:
            ws.close()


def test_a_planned_stop_closes_every_socket_with_1001(served):
    proc, base, port = served
    sockets, _ = _open_sockets(base, port, 5)
    proc.send_signal(signal.SIGTERM)
    for ws in sockets:
        ws.settimeout(20)  # well inside the 30 s graceful timeout after which sockets would be cut
        opcode, frame = ws.recv_data_frame(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert int.from_bytes(frame.data[:2], "big") == 1001
        assert b"restarting" in frame.data[2:]
    proc.wait(40)
