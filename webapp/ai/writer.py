"""The writer interface and the factory that picks a writer from plain settings."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from .types import Brief, Critique, Piece

DEFAULT_MODEL = "gpt-4o-mini"
DUMMY_KEY = "sk-no-key-required"  # local servers (Ollama, llama.cpp) accept any key


@runtime_checkable
class Writer(Protocol):
    name: str  # "openai" | "offline"
    model: str

    def write(self, brief: Brief) -> Piece: ...

    def stream(self, brief: Brief, on_text: Callable[[str], None]) -> Piece:
        """Like write(); on_text receives text deltas of the piece while it is written."""
        ...

    def critique(self, piece: Piece, brief: Brief) -> Critique | None:
        """None when no critique was had; a Critique with an empty summary when the critic answered
        with nothing usable (its tokens were still spent and count against the budget)."""
        ...

    def status(self) -> dict:
        """{writer, model, base_url_host, reachable: bool|None, checked_at} — never the key."""
        ...


def base_url_host(base_url: str | None) -> str | None:
    if not base_url:
        return None
    parts = urlsplit(base_url if "//" in base_url else f"//{base_url}")
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else None


def _number(settings: Mapping, key: str, default: float) -> float:
    value = settings.get(key)
    try:
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def uses_model(settings: Mapping) -> bool:
    """Whether make_writer(settings) calls a model (which costs tokens) rather than the offline writer."""
    return bool((settings.get("OPENAI_API_KEY") or "").strip() or (settings.get("OPENAI_BASE_URL") or "").strip())


def make_writer(settings: Mapping) -> Writer:
    """OpenAI-compatible writer when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline.

    Settings: OPENAI_API_KEY, OPENAI_BASE_URL, HERALD_MODEL, HERALD_AI_TIMEOUT (s, default 60),
    HERALD_AI_MAX_RETRIES (default 3), HERALD_AI_BACKOFF_BASE (s, default 0.5; tests shrink it).
    """
    key = (settings.get("OPENAI_API_KEY") or "").strip()
    base_url = (settings.get("OPENAI_BASE_URL") or "").strip() or None
    if not uses_model(settings):
        from .offline_writer import OfflineWriter

        return OfflineWriter()
    from .openai_writer import OpenAIWriter

    return OpenAIWriter(
        api_key=key or DUMMY_KEY,
        base_url=base_url,
        model=(settings.get("HERALD_MODEL") or "").strip() or DEFAULT_MODEL,
        timeout=_number(settings, "HERALD_AI_TIMEOUT", 60.0),
        max_retries=int(_number(settings, "HERALD_AI_MAX_RETRIES", 3)),
        backoff_base=_number(settings, "HERALD_AI_BACKOFF_BASE", 0.5),
    )


def validate_brief(brief: Brief) -> None:
    """Refuse impossible briefs before any call is made (a caller bug, so permanent)."""
    from .platforms import is_valid_platform
    from .types import PermanentAIError

    if not is_valid_platform(brief.content_type, brief.platform):
        raise PermanentAIError(f"{brief.content_type!r} cannot target platform {brief.platform!r}", status=400)
