"""What the job system is configured with, and the names it shares between its modules."""
from __future__ import annotations

from dataclasses import dataclass

from ...models.jobs import ACTIVE_JOB_STATUSES, JOB_STATUSES, QUEUES
from ..field_limits import TONE

CONTENT_QUEUE = "content-generation"
KIND_CAMPAIGN = "campaign"
KIND_SINGLE = "single"
TERMINAL_STATUSES = ("succeeded", "failed", "cancelled")
MAX_TONE = TONE.max

__all__ = ["ACTIVE_JOB_STATUSES", "CONTENT_QUEUE", "JOB_STATUSES", "JobSettings", "KIND_CAMPAIGN", "KIND_SINGLE",
           "MAX_TONE", "QUEUES", "TERMINAL_STATUSES"]


@dataclass(frozen=True)
class JobSettings:
    lease: float = 45.0
    heartbeat: float = 10.0
    deadline: float = 1800.0
    retry_base: float = 10.0
    concurrency: int = 12
    delta_interval: float = 0.25
    live_interval: float = 0.015

    @classmethod
    def from_config(cls, config) -> JobSettings:
        return cls(
            lease=float(config.get("HERALD_JOB_LEASE", 45)),
            heartbeat=float(config.get("HERALD_JOB_HEARTBEAT", 10)),
            deadline=float(config.get("HERALD_JOB_DEADLINE", 1800)),
            retry_base=float(config.get("HERALD_JOB_RETRY_BASE", 10)),
            concurrency=max(1, int(config.get("HERALD_AI_CONCURRENCY", 12))),
            delta_interval=float(config.get("HERALD_EVENTS_DELTA_INTERVAL", 0.25)),
            live_interval=float(config.get("HERALD_EVENTS_LIVE_INTERVAL", 0.015)),
        )
