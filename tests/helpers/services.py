"""Skip-or-fail for tests that need PostgreSQL, Redis or Chromium (HERALD_REQUIRE_SERVICES=1 fails)."""
from __future__ import annotations

import os
import shutil
import socket

import pytest


def require(name: str, available: bool, why: str) -> None:
    if available:
        return
    if os.environ.get("HERALD_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{name} is required (HERALD_REQUIRE_SERVICES=1) but unavailable: {why}")
    pytest.skip(f"{name} unavailable: {why}")


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


POSTGRES_URL = os.environ.get("HERALD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("HERALD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("HERALD_CHROMIUM", "/usr/bin/chromium")


def require_postgres() -> str:
    require("PostgreSQL", port_open("127.0.0.1", 5432), "nothing listens on 127.0.0.1:5432")
    return POSTGRES_URL


def require_redis() -> str:
    require("Redis", port_open("127.0.0.1", 6379), "nothing listens on 127.0.0.1:6379")
    return REDIS_URL


def require_chromium() -> str:
    require("Chromium", shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM), f"{CHROMIUM} not found")
    return CHROMIUM
