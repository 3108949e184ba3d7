"""Streamed token text on its way out of a worker: to the pages at once (live, not stored) and, coalesced,
into the job's event table (so a page that reconnects mid-piece replays the text so far)."""
from __future__ import annotations

import logging
import threading

from ...events import store as events
from ...events.live import publish_live

log = logging.getLogger(__name__)


class DeltaBuffer:
    """Token text waiting to be written as content:generation:delta events. A flusher thread
    writes whatever arrived at most every `delta_interval` seconds, in one row per piece, so twelve
    streams cost a few small inserts per tick instead of one per token."""

    def __init__(self, run) -> None:
        self.run = run
        self._text: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._closed = threading.Event()
        self._live: dict[str, list[str]] = {}
        self._thread = threading.Thread(target=self._loop, name=f"deltas-{run.job_id[:8]}", daemon=True)
        self._thread.start()
        self._live_thread = threading.Thread(target=self._live_loop, name=f"live-{run.job_id[:8]}", daemon=True)
        self._live_thread.start()

    def add(self, key: str, text: str) -> None:
        if text:
            with self._lock:
                self._text.setdefault(key, []).append(text)
                self._live.setdefault(key, []).append(text)

    def flush_live(self, only: str | None = None) -> None:
        """Send what streamed since the last tick to the pages, one datagram for the whole job (or
        for one piece: `only`, before its completion is announced, so no delta trails its card)."""
        with self._send_lock:  # one sender at a time, so a piece's text leaves in order
            with self._lock:
                if only is None:
                    pending, self._live = self._live, {}
                else:
                    parts = self._live.pop(only, None)
                    pending = {only: parts} if parts else {}
            self._publish(pending)

    def _publish(self, pending: dict[str, list[str]]) -> None:
        publish_live(self.run.app.config, [{**self._delta(key, parts), "seq": None} for key, parts in pending.items()])

    def _delta(self, key: str, parts: list[str]) -> dict:
        return self.run.row(events.CONTENT_DELTA, {"step_key": key, "text": "".join(parts)})

    def _live_loop(self) -> None:
        while not self._closed.wait(self.run.settings.live_interval):
            try:
                self.flush_live()
            except Exception:  # noqa: BLE001 - a courtesy, like the stored deltas
                log.warning("could not send live deltas for job %s", self.run.job_id, exc_info=True)
        self.flush_live()

    def discard(self, key: str) -> None:
        with self._lock:
            self._text.pop(key, None)
            self._live.pop(key, None)

    def discard_stored(self, key: str) -> None:
        """Drop a finished piece's text waiting to be stored (its live copy still goes out)."""
        with self._lock:
            self._text.pop(key, None)

    def flush(self) -> None:
        with self._write_lock:  # keeps each piece's deltas in order across threads
            with self._lock:
                pending, self._text = self._text, {}
            if not pending:
                return
            with self.run.app.app_context():
                events.append_many([self._delta(key, parts) for key, parts in pending.items()])

    def _loop(self) -> None:
        while not self._closed.wait(self.run.settings.delta_interval):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - deltas are a courtesy; the final card carries the text
                log.warning("could not write token deltas for job %s", self.run.job_id, exc_info=True)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)
        self._live_thread.join(timeout=5)
