"""A piece's live token deltas never overtake the stored events before them, even when the web
process's poller is slow to read the table and the provider's first token comes at once."""
from __future__ import annotations

import pytest

from tests.helpers.fixtures_jobs import make_campaign

from .conftest import THREE


@pytest.fixture
def app_config(app_config):
    """The poller reads the event table every 2 s: far slower than the first token."""
    return {**app_config, "HERALD_EVENTS_POLL_INTERVAL": 2.0}


def test_deltas_come_after_their_pieces_start_event(app, owner, token, api, worker, ws_connect, openai_server):
    openai_server.script(*["ok:token_delay=0.002"] * 3)
    cid = make_campaign(app, owner, **THREE)
    sock = ws_connect(f"/ws/api/events?campaign={cid}", token=token)
    api.post(f"/api/jobs/campaigns/{cid}/generate")
    events = sock.until(lambda m: m["event"] == "campaign:generation:completed", as_json=True, timeout=30)
    names = [e["event"] for e in events]
    assert names[0] == "campaign:generation:started"
    assert "content:generation:delta" in names
    for key in {e["data"]["stepKey"] for e in events if e["event"] == "content:generation:delta"}:
        order = [e["event"] for e in events if e["data"].get("stepKey") == key]
        assert order[0] == "content:generation:started", (key, order[:3])
