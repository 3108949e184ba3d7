"""All models, importable from one place (Alembic and the services use this)."""
from .accounts import ROLES, ApiToken, Invite, Membership, Team, User
from .audit import AuditLog
from .campaigns import (
    AB_TEST_STATUSES,
    AB_TEST_TYPES,
    CAMPAIGN_STATUSES,
    CONTENT_STATUSES,
    CONTENT_TYPES,
    OBJECTIVES,
    PLATFORMS,
    ABTest,
    Campaign,
    ContentItem,
)
from .jobs import ACTIVE_JOB_STATUSES, JOB_STATUSES, QUEUES, Job, JobEvent, TokenUsage
from .personas import Persona
from .stats import StatsVersion

__all__ = [
    "ROLES", "ApiToken", "Invite", "Membership", "Team", "User", "AuditLog",
    "AB_TEST_STATUSES", "AB_TEST_TYPES", "CAMPAIGN_STATUSES", "CONTENT_STATUSES", "CONTENT_TYPES",
    "OBJECTIVES", "PLATFORMS", "ABTest", "Campaign", "ContentItem",
    "ACTIVE_JOB_STATUSES", "JOB_STATUSES", "QUEUES", "Job", "JobEvent", "TokenUsage", "Persona",
    "StatsVersion",
]
