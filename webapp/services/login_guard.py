"""Failed-login throttling, one rule for the login page and /api/auth/login.

A stranger must not be able to lock the real owner out, so the hard lock is per (account, source
address): RATELIMIT_LOGIN_ACCOUNT failures from one address lock that address out of that account
for the window. Across addresses the account is only slowed down: after HERALD_LOGIN_SLOWDOWN_AFTER
failures in SLOWDOWN_WINDOW seconds, each further failure makes everyone wait a growing delay
(1 s, 2 s, 4 s … at most SLOWDOWN_MAX_SECONDS) before the next attempt. Counters live in the rate
limiter's storage (Redis when REDIS_URL is set), keyed by hashes so no address or email is stored."""
from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping

from limits import parse

from ..extensions import limiter
from .errors import TooManyAttempts

SLOWDOWN_WINDOW = 15 * 60
SLOWDOWN_MAX_SECONDS = 60
_PREFIX = "herald:login"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _keys(account: str, source: str) -> tuple[str, str, str]:
    acct = _digest(account)
    return (f"{_PREFIX}:pair:{acct}:{_digest(source or '-')}", f"{_PREFIX}:acct:{acct}", f"{_PREFIX}:slow:{acct}")


def _enabled(config: Mapping) -> bool:
    return bool(config.get("RATELIMIT_ENABLED", True))


def _pair_limit(config: Mapping):
    return parse(config.get("RATELIMIT_LOGIN_ACCOUNT") or "20 per hour")


def _seconds_left(storage, key: str) -> int:
    return max(1, math.ceil(storage.get_expiry(key) - time.time()))


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def check(account: str, source: str, config: Mapping) -> None:
    """Raise TooManyAttempts (with retry_after) when this address is locked out of this account,
    or when the account is being slowed down; call before the password is checked."""
    if not _enabled(config):
        return
    storage = limiter.storage
    pair, _acct, slow = _keys(account, source)
    if storage.get(pair) >= _pair_limit(config).amount:
        wait = _seconds_left(storage, pair)
        raise TooManyAttempts(f"Too many failed logins for this account from your address. Try again in "
                              f"{_wait_words(wait)}, or log in from another device.", retry_after=wait)
    if storage.get(slow):
        wait = _seconds_left(storage, slow)
        raise TooManyAttempts(f"This account has had many failed logins; wait {_wait_words(wait)} and try again.",
                              retry_after=wait)


def record_failure(account: str, source: str, config: Mapping) -> None:
    """Count a wrong password for (account, address) and for the account as a whole."""
    if not _enabled(config):
        return
    storage = limiter.storage
    pair, acct, slow = _keys(account, source)
    storage.incr(pair, _pair_limit(config).get_expiry())
    failures = storage.incr(acct, SLOWDOWN_WINDOW)
    after = int(config.get("HERALD_LOGIN_SLOWDOWN_AFTER") or 50)
    if failures >= after:
        storage.clear(slow)
        storage.incr(slow, min(2 ** min(failures - after, 6), SLOWDOWN_MAX_SECONDS))


def record_success(account: str, source: str, config: Mapping) -> None:
    """The right password: this address's own failures for the account are forgiven."""
    if _enabled(config):
        limiter.storage.clear(_keys(account, source)[0])
