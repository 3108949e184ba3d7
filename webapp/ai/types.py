"""Plain data passed in and out of the AI writing library (no Flask, no database)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Brief:
    """Everything a writer needs for one piece. Persona/campaign are plain dicts so callers can
    build them from models, forms or JSON alike; every key may be missing or empty."""

    content_type: str  # email | social_post | ad_copy
    platform: str  # email | linkedin | twitter | facebook | instagram | google_ads | meta_ads
    persona: dict = field(default_factory=dict)
    campaign: dict = field(default_factory=dict)
    creativity: int = 5  # 1..10, mapped to temperature by prompts.temperature()
    tone: str | None = None  # overrides campaign["tone"]
    seed: int = 0
    variant_of: dict | None = None  # fields of an existing piece when writing an A/B variation
    variant_index: int = 0

    @property
    def effective_tone(self) -> str:
        return (self.tone or self.campaign.get("tone") or "").strip()

    @property
    def include_visuals(self) -> bool:
        return bool(self.campaign.get("include_visuals"))


@dataclass
class Piece:
    content_type: str
    platform: str
    subject_line: str = ""
    preheader: str = ""
    headlines: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    body: str = ""
    call_to_action: str = ""
    hashtags: list[str] = field(default_factory=list)
    visual_brief: dict | None = None  # {description, alt_text, aspect_ratio}
    violations: list[str] = field(default_factory=list)  # empty = valid; else store as a flagged draft
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0  # model answers asked for (first ask + repairs), not transport retries
    valid_first_try: bool = False
    usage_estimated: bool = False  # True when some attempt's usage was estimated (server sent none)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Piece:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Critique:
    summary: str
    suggestions: list[str] = field(default_factory=list)
    score: int | None = None  # 1..10 when the critic gave one
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AIError(Exception):
    """Base class: writing failed. `retryable` tells the job system whether to try later."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after  # seconds the server asked us to wait, when known


class TransientAIError(AIError):
    """Timeouts, connection errors, 408/409/429/5xx still failing after our retries."""

    retryable = True


class PermanentAIError(AIError):
    """Invalid key (401/403), exhausted quota (429 insufficient_quota), bad request (400/404/422)."""

    retryable = False
