"""Settings from the environment (+ an optional .env), and run-mode detection.

Every setting has one name here; `create_app(config)` may override any of them (tests do).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("HERALD_INSTANCE_PATH", ROOT / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says what to do. Raised at start-up."""


def _secret_key(instance: Path, production: bool) -> str:
    """SECRET_KEY from the environment; in development one is generated into instance/."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if production:
        # A generated key would differ per machine and per restart, silently logging everyone out.
        raise ConfigurationError(
            "SECRET_KEY must be set when HERALD_ENV=production. Generate one with "
            "`python3 -c 'import secrets; print(secrets.token_hex(32))'` and put it in the environment "
            "(or in .env); use the same value on every web and worker process."
        )
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings() -> dict:
    """Read the environment once; the factory merges test overrides on top."""
    load_dotenv(ROOT / ".env", override=False)
    instance = Path(os.environ.get("HERALD_INSTANCE_PATH", INSTANCE))
    production = os.environ.get("HERALD_ENV", "development") == "production"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'herald.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "HERALD_ENV": "production" if production else "development",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": _secret_key(instance, production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "HUEY_PATH": os.environ.get("HERALD_HUEY_PATH", str(instance / "huey.db")),
        "MAX_CONTENT_LENGTH": _int("HERALD_MAX_CONTENT_LENGTH", 1024 * 1024),
        "HERALD_REGISTRATION": os.environ.get("HERALD_REGISTRATION", "open"),
        "HERALD_LOG_FORMAT": os.environ.get("HERALD_LOG_FORMAT", "text"),
        "HERALD_LOG_LEVEL": os.environ.get("HERALD_LOG_LEVEL", "INFO"),
        # Reverse proxies in front of Herald (nginx = 1) whose X-Forwarded-For/Proto/Host to trust;
        # 0 ignores those headers, so clients cannot spoof their address for the rate limits.
        "HERALD_PROXY_HOPS": _int("HERALD_PROXY_HOPS", 0),
        "HERALD_CORS_ORIGINS": [
            o.strip() for o in os.environ.get("HERALD_CORS_ORIGINS", "").split(",") if o.strip()
        ],
        "RATELIMIT_LOGIN": os.environ.get("HERALD_RATELIMIT_LOGIN", "10 per minute"),
        # Failed logins per (account, source address) before that address is locked out of the account;
        # across addresses the account is only slowed down (a growing wait of at most a minute) once it
        # has had HERALD_LOGIN_SLOWDOWN_AFTER failures in 15 minutes (services/login_guard.py).
        "RATELIMIT_LOGIN_ACCOUNT": os.environ.get("HERALD_RATELIMIT_LOGIN_ACCOUNT", "20 per hour"),
        "HERALD_LOGIN_SLOWDOWN_AFTER": _int("HERALD_LOGIN_SLOWDOWN_AFTER", 50),
        # API token lifetimes (days): a named token's default and the most it may ask for; tokens that
        # /api/auth/login and /api/auth/register hand out live HERALD_LOGIN_TOKEN_DAYS.
        "HERALD_TOKEN_DEFAULT_DAYS": _int("HERALD_TOKEN_DEFAULT_DAYS", 90),
        "HERALD_TOKEN_MAX_DAYS": _int("HERALD_TOKEN_MAX_DAYS", 365),
        "HERALD_LOGIN_TOKEN_DAYS": _int("HERALD_LOGIN_TOKEN_DAYS", 30),
        "RATELIMIT_API": os.environ.get("HERALD_RATELIMIT_API", "600 per minute"),
        "RATELIMIT_ENABLED": _bool("HERALD_RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "OPENAI_API_KEY": os.environ.get("OPENAI_API_KEY") or None,
        "OPENAI_BASE_URL": os.environ.get("OPENAI_BASE_URL") or None,
        "HERALD_MODEL": os.environ.get("HERALD_MODEL", "gpt-4o-mini"),
        "HERALD_AI_TIMEOUT": float(os.environ.get("HERALD_AI_TIMEOUT", "60")),
        "HERALD_AI_MAX_RETRIES": _int("HERALD_AI_MAX_RETRIES", 3),
        "HERALD_AI_CONCURRENCY": _int("HERALD_AI_CONCURRENCY", 12),
        # Ask the model to critique each piece (a second, short call per piece); off = rule-based score only.
        "HERALD_AI_CRITIQUE": _bool("HERALD_AI_CRITIQUE", True),
        "HERALD_MONTHLY_TOKEN_BUDGET": _int("HERALD_MONTHLY_TOKEN_BUDGET", 2_000_000),
        # Model tokens the whole instance (all teams) may spend a month; 0 = no cap.
        "HERALD_INSTANCE_MONTHLY_TOKEN_BUDGET": _int("HERALD_INSTANCE_MONTHLY_TOKEN_BUDGET", 0),
        # generate-* and the page's Write buttons: seconds a request waits before answering 202 with
        # the job that finishes the work, and how many such calls one web process runs at once (503 above).
        "HERALD_SYNC_GENERATION_TIMEOUT": float(os.environ.get("HERALD_SYNC_GENERATION_TIMEOUT", "60")),
        "HERALD_SYNC_GENERATION_LIMIT": _int("HERALD_SYNC_GENERATION_LIMIT", 4),
        # Background jobs (seconds): lease a worker holds, heartbeat period, whole-job deadline,
        # first retry delay after a transient provider error (doubles per attempt).
        "HERALD_JOB_LEASE": float(os.environ.get("HERALD_JOB_LEASE", "45")),
        "HERALD_JOB_HEARTBEAT": float(os.environ.get("HERALD_JOB_HEARTBEAT", "10")),
        "HERALD_JOB_DEADLINE": float(os.environ.get("HERALD_JOB_DEADLINE", "1800")),
        "HERALD_JOB_RETRY_BASE": float(os.environ.get("HERALD_JOB_RETRY_BASE", "10")),
        # Embedded mode: how often the web process looks for new job events (s). Streamed text is
        # stored at most every DELTA_INTERVAL per job (for reconnects) and sent live every LIVE_INTERVAL.
        "HERALD_EVENTS_POLL_INTERVAL": float(os.environ.get("HERALD_EVENTS_POLL_INTERVAL", "0.5")),
        "HERALD_EVENTS_DELTA_INTERVAL": float(os.environ.get("HERALD_EVENTS_DELTA_INTERVAL", "0.25")),
        "HERALD_EVENTS_LIVE_INTERVAL": float(os.environ.get("HERALD_EVENTS_LIVE_INTERVAL", "0.015")),
        # Live connections (websockets): open sockets per user and per API token in one web process;
        # a ping every PING_INTERVAL s; closed after IDLE_TIMEOUT s without any frame from the
        # client (pongs count); a client message over MAX_MESSAGE bytes closes the socket (1009).
        "HERALD_WS_MAX_PER_USER": _int("HERALD_WS_MAX_PER_USER", 20),
        "HERALD_WS_PING_INTERVAL": float(os.environ.get("HERALD_WS_PING_INTERVAL", "25")),
        "HERALD_WS_IDLE_TIMEOUT": float(os.environ.get("HERALD_WS_IDLE_TIMEOUT", "600")),
        "HERALD_WS_MAX_MESSAGE": _int("HERALD_WS_MAX_MESSAGE", 64 * 1024),
    }


def run_mode(config) -> str:
    """"team" when PostgreSQL or Redis is configured, else "embedded" (SQLite + SqliteHuey)."""
    uri = config.get("SQLALCHEMY_DATABASE_URI") or ""
    return "team" if config.get("REDIS_URL") or not uri.startswith("sqlite") else "embedded"


def writer_description(config) -> str:
    """Which AI writer is active, in words for start-up banners (never shows the key)."""
    if config.get("OPENAI_API_KEY") or config.get("OPENAI_BASE_URL"):
        where = config.get("OPENAI_BASE_URL") or "api.openai.com"
        return f"OpenAI-compatible ({config.get('HERALD_MODEL')} at {where})"
    return "offline writer (set OPENAI_API_KEY or OPENAI_BASE_URL for a model)"
