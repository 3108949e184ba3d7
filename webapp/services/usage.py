"""Token accounting and the monthly budget: usage is recorded per call (team, user, job) and a
team over its budget is refused BEFORE any model call is made. Also the input-size caps that keep
one request from costing more than it should."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import Team, TokenUsage
from .errors import BudgetExceeded
from .field_limits import TONE

# Documented caps on what goes into a prompt (characters; lists: items). The forms accept longer
# text for the record, but a prompt never carries more than this of any one field.
TEXT_CAPS: dict[str, int] = {
    "name": 120, "role": 120, "demographics": 1000, "goals": 1000, "pain_points": 1000, "objections": 1000,
    "voice_notes": 800, "description": 2000, "objective": 40, "tone": TONE.max, "custom_instructions": 1000,
}
DEFAULT_TEXT_CAP = 500
LIST_CAP = 20  # keywords, preferred channels
LIST_ITEM_CAP = 80
MAX_COUNT = 5  # pieces or variations per request
MAX_BATCH = 24  # pieces in one synchronous batch


def month_start(now: datetime | None = None) -> datetime:
    """The first instant of the current month, UTC (budgets reset then)."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime | None = None) -> datetime:
    start = month_start(now)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def _config(config: Mapping | None) -> Mapping:
    if config is not None:
        return config
    from flask import current_app

    return current_app.config


def team_budget(team_id: int, config: Mapping | None = None) -> int | None:
    """The team's monthly token budget: Team.monthly_token_budget, else HERALD_MONTHLY_TOKEN_BUDGET.
    None (or a value ≤ 0) means no limit."""
    # get(): no query when the request already loaded the team (the session's memberships join it).
    team = db.session.get(Team, team_id)
    own = team.monthly_token_budget if team is not None else None
    budget = own if own is not None else _config(config).get("HERALD_MONTHLY_TOKEN_BUDGET")
    try:
        budget = int(budget) if budget is not None else None
    except (TypeError, ValueError):
        budget = None
    return budget if budget and budget > 0 else None


def usage_this_month(team_id: int, config: Mapping | None = None) -> dict:
    """{prompt_tokens, completion_tokens, total, budget, remaining, resets_at} for the team since the
    first of the month (UTC). budget/remaining are None when there is no limit."""
    prompt, completion = db.session.execute(
        select(func.coalesce(func.sum(TokenUsage.prompt_tokens), 0),
               func.coalesce(func.sum(TokenUsage.completion_tokens), 0))
        .where(TokenUsage.team_id == team_id, TokenUsage.created_at >= month_start())
    ).one()
    total = int(prompt) + int(completion)
    budget = team_budget(team_id, config)
    return {
        "prompt_tokens": int(prompt), "completion_tokens": int(completion), "total": total,
        "budget": budget, "remaining": None if budget is None else max(0, budget - total),
        "resets_at": next_month_start(),
    }


def check_budget(team_id: int, config: Mapping | None = None) -> None:
    """Raise BudgetExceeded when the team has used its monthly tokens. Call before any model call."""
    usage = usage_this_month(team_id, config)
    budget = usage["budget"]
    if budget is not None and usage["total"] >= budget:
        resets = usage["resets_at"]
        raise BudgetExceeded(
            f"This team has used {usage['total']:,} of its {budget:,} tokens this month, so new AI "
            f"generation is paused until the budget resets on {resets:%B} {resets.day}, {resets.year} "
            "(00:00 UTC). An owner can raise the team's monthly budget.",
            used=usage["total"], budget=budget, resets_at=resets,
        )


def record_usage(*, team_id: int, user_id: int | None, job_id: str | None, model: str,
                 prompt_tokens: int, completion_tokens: int) -> TokenUsage | None:
    """Add one TokenUsage row for a model call (nothing when no tokens were spent). Flushes."""
    if not prompt_tokens and not completion_tokens:
        return None
    row = TokenUsage(team_id=team_id, user_id=user_id, job_id=job_id, model=(model or "")[:120],
                     prompt_tokens=int(prompt_tokens), completion_tokens=int(completion_tokens))
    db.session.add(row)
    db.session.flush()
    return row


def cap_text(value, limit: int) -> str:
    """Trim to `limit` characters at a word boundary where possible (prompt input, not output)."""
    text = str(value or "").strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.8 else cut).rstrip()


def cap_fields(data: dict) -> dict:
    """A copy of a persona/campaign brief dict with every text field and list capped (TEXT_CAPS)."""
    out: dict = {}
    for key, value in data.items():
        if isinstance(value, str):
            out[key] = cap_text(value, TEXT_CAPS.get(key, DEFAULT_TEXT_CAP))
        elif isinstance(value, list | tuple):
            out[key] = [cap_text(v, LIST_ITEM_CAP) if isinstance(v, str) else v for v in value[:LIST_CAP]]
        else:
            out[key] = value
    return out
