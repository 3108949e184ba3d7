"""Embedded mode: a process that stores events wakes the web processes' pollers with a datagram, so a
stored event reaches the sockets at once however seldom the poller reads the table on its own."""
from __future__ import annotations

import pytest

from tests.helpers.fixtures_jobs import jobs_backend, make_campaign

from .conftest import THREE


@pytest.fixture
def app_config(app_config):
    """The poller alone would read the table once a minute: far longer than the test may take."""
    return {**app_config, "HERALD_EVENTS_POLL_INTERVAL": 60.0}


@pytest.mark.skipif(jobs_backend() == "redis", reason="Redis mode publishes the events themselves")
def test_stored_events_reach_the_socket_without_waiting_for_the_poll(app, owner, token, api, worker, ws_connect,
                                                                     openai_server):
    cid = make_campaign(app, owner, **THREE)
    sock = ws_connect(f"/ws/api/events?campaign={cid}", token=token)
    api.post(f"/api/jobs/campaigns/{cid}/generate")
    events = sock.until(lambda m: m["event"] == "campaign:generation:completed", as_json=True, timeout=20)
    names = [e["event"] for e in events]
    assert names[0] == "campaign:generation:started"
    assert names.count("content:generation:completed") == 3
