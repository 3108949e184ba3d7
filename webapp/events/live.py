"""Live-only events (token deltas): straight from the worker to the web processes, not through the
database, so a token reaches the page in milliseconds even while twelve pieces are being written.

Embedded mode: every web process that has a listening socket binds a Unix datagram socket in
`instance/run/`; a worker sends each delta to every socket there (a stale one is removed). Redis mode:
the same pub/sub channel as stored events. Either way the event has no id: it is not replayable.
The text is also stored, coalesced, by the job runner, so a page that reconnects mid-piece replays it.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from ..datagrams import Listener, send_to_all

log = logging.getLogger(__name__)
MAX_DATAGRAM = 60_000


def socket_dir(config) -> Path:
    return Path(config["INSTANCE_PATH"]) / "run"


def publish_live(config, events: list[dict]) -> None:
    """Send live events to every web process now listening, in one datagram (best effort: a lost
    delta only delays the text until the final card)."""
    if not events:
        return
    payload = json.dumps([{**e, "id": None, "live": True} for e in events], default=str).encode()
    if config.get("REDIS_URL"):
        from .bus import _redis, channel_name

        try:
            _redis(config["REDIS_URL"]).publish(channel_name(config), payload)
        except Exception:  # noqa: BLE001
            log.debug("live event not published to Redis", exc_info=True)
        return
    if len(payload) > MAX_DATAGRAM:
        return
    # A full receiver (its queue holds a few hundred datagrams) briefly slows the writer rather than
    # losing text; a stuck one costs at most this long per delta (the final card has the text).
    send_to_all(socket_dir(config), payload, wait=0.2)


class LiveReceiver(Listener):
    """One per web process: receives live events and hands each datagram's list to `dispatch`."""

    def __init__(self, config, dispatch) -> None:
        super().__init__(socket_dir(config), "web-", lambda data: dispatch(json.loads(data)),
                         max_size=MAX_DATAGRAM + 1024)
