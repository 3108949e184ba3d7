"""The open websockets of this web process: who each one is for, so a cap per account, a planned
restart (`close_all`) and a right taken away (`revoke`) can find and close them at once.

One registry per app (tests run several apps in one process); `close_all` at module level closes
the sockets of every app of the process. Closing is thread-safe: the socket serialises its frames.
"""
from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
GOING_AWAY = 1001
BROWSER, API = "browser", "api"


@dataclass(eq=False)
class LiveEntry:
    """One open socket. `epoch` is the session epoch it was authorised under: the browser session's
    (its id is "<user id>:<epoch>") or, for an API socket, its token's."""

    ws: object
    kind: str
    user_id: int
    team_id: int
    epoch: int
    token_id: int | None = None
    closed: bool = False

    @property
    def session_id(self) -> str | None:
        return f"{self.user_id}:{self.epoch}" if self.kind == BROWSER else None


@dataclass(frozen=True)
class Revocation:
    """A right that ended. Every given field must match a socket for it to close: the token's id;
    or the user, optionally narrowed to one team, to socket kinds, and to epochs below a value."""

    reason: str
    user_id: int | None = None
    team_id: int | None = None
    token_id: int | None = None
    kinds: tuple[str, ...] = (BROWSER, API)
    below_epoch: int | None = None

    def matches(self, entry: LiveEntry) -> bool:
        if self.token_id is not None:
            return entry.kind == API and entry.token_id == self.token_id
        if self.user_id is None or entry.user_id != self.user_id or entry.kind not in self.kinds:
            return False
        if self.team_id is not None and entry.team_id != self.team_id:
            return False
        return self.below_epoch is None or entry.epoch < self.below_epoch

    def to_dict(self) -> dict:
        return {"reason": self.reason, "user_id": self.user_id, "team_id": self.team_id,
                "token_id": self.token_id, "kinds": list(self.kinds), "below_epoch": self.below_epoch}

    @classmethod
    def from_dict(cls, data: dict) -> Revocation:
        return cls(reason=str(data.get("reason") or "Access ended."), user_id=data.get("user_id"),
                   team_id=data.get("team_id"), token_id=data.get("token_id"),
                   kinds=tuple(data.get("kinds") or (BROWSER, API)), below_epoch=data.get("below_epoch"))


class TooManySockets(Exception):
    """The account (or token) already holds its share of this process's sockets."""


def too_many_message(limit: int) -> str:
    return f"Too many live connections for this account ({limit}): close another tab."


@dataclass(eq=False)
class Registry:
    max_per_user: int = 20
    _entries: set[LiveEntry] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, entry: LiveEntry) -> LiveEntry:
        """Count the socket in, or TooManySockets when its user or token is at the cap."""
        with self._lock:
            # A socket the client closed frees its slot as soon as its reader sees the close, before
            # its request thread gets round to releasing it.
            self._entries = {e for e in self._entries if getattr(e.ws, "connected", True)}
            per_user = sum(1 for e in self._entries if e.user_id == entry.user_id)
            per_token = entry.token_id is not None and sum(
                1 for e in self._entries if e.token_id == entry.token_id)
            if per_user >= self.max_per_user or (per_token and per_token >= self.max_per_user):
                raise TooManySockets(too_many_message(self.max_per_user))
            self._entries.add(entry)
        return entry

    def release(self, entry: LiveEntry) -> None:
        """The socket ended: its slot is free at once."""
        with self._lock:
            self._entries.discard(entry)

    def entries(self) -> list[LiveEntry]:
        with self._lock:
            return list(self._entries)

    def close(self, entry: LiveEntry, code: int, reason: str) -> None:
        entry.closed = True
        self.release(entry)
        try:
            entry.ws.close(reason=code, message=reason[:120])
        except Exception:  # noqa: BLE001 - already gone
            pass

    def close_matching(self, predicate, code: int, reason: str) -> int:
        """Close every socket `predicate(entry)` picks; how many."""
        chosen = [e for e in self.entries() if predicate(e)]
        for entry in chosen:
            self.close(entry, code, reason)
        return len(chosen)

    def revoke(self, revocation: Revocation) -> int:
        """Close the sockets whose right `revocation` ended, with 1008 and its reason."""
        closed = self.close_matching(revocation.matches, POLICY_VIOLATION, revocation.reason)
        if closed:
            log.info("closed %d live connection(s): %s", closed, revocation.reason)
        return closed

    def close_all(self, code: int = GOING_AWAY, reason: str = "Server restarting") -> int:
        return self.close_matching(lambda e: True, code, reason)


_registries: weakref.WeakSet[Registry] = weakref.WeakSet()


def registry_for(app) -> Registry:
    """The app's registry (one per web process and app)."""
    registry = app.extensions.get("herald_live_registry")
    if registry is None:
        registry = app.extensions["herald_live_registry"] = Registry(
            max_per_user=int(app.config.get("HERALD_WS_MAX_PER_USER", 20)))
        _registries.add(registry)
    return registry


def close_all(code: int = GOING_AWAY, reason: str = "Server restarting") -> int:
    """Close every open socket of this process (e.g. 1001 before a planned restart); how many."""
    return sum(r.close_all(code, reason) for r in list(_registries))
