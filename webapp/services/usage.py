"""Token accounting and the monthly budgets: usage is recorded per call (team, user, job), and a
team over its budget (the owner's, capped by the operator's limit) or an instance over
HERALD_INSTANCE_MONTHLY_TOKEN_BUDGET is refused BEFORE any model call is made. The offline writer
spends no tokens, so it is never refused. Also the input-size caps that keep one request from
costing more than it should."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import func, select

from ..ai.writer import uses_model
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


def _positive(value) -> int | None:
    try:
        value = int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return value if value and value > 0 else None


def team_budget(team_id: int, config: Mapping | None = None) -> int | None:
    """The team's monthly token budget: its own (Team.monthly_token_budget, else
    HERALD_MONTHLY_TOKEN_BUDGET; ≤ 0 there means no budget), never above the operator's limit
    (Team.token_limit, where 0 means no model tokens at all). None means no limit."""
    # get(): no query when the request already loaded the team (the session's memberships join it).
    team = db.session.get(Team, team_id)
    own, ceiling = (team.monthly_token_budget, team.token_limit) if team is not None else (None, None)
    budget = _positive(own if own is not None else _config(config).get("HERALD_MONTHLY_TOKEN_BUDGET"))
    if ceiling is not None and (budget is None or ceiling < budget):
        return max(0, ceiling)
    return budget


def _tokens_since(start: datetime, team_id: int | None = None) -> tuple[int, int]:
    stmt = (select(func.coalesce(func.sum(TokenUsage.prompt_tokens), 0),
                   func.coalesce(func.sum(TokenUsage.completion_tokens), 0))
            .where(TokenUsage.created_at >= start))
    if team_id is not None:
        stmt = stmt.where(TokenUsage.team_id == team_id)
    prompt, completion = db.session.execute(stmt).one()
    return int(prompt), int(completion)


def usage_this_month(team_id: int, config: Mapping | None = None) -> dict:
    """{prompt_tokens, completion_tokens, total, budget, remaining, resets_at} for the team since the
    first of the month (UTC). budget/remaining are None when there is no limit."""
    prompt, completion = _tokens_since(month_start(), team_id)
    total = prompt + completion
    budget = team_budget(team_id, config)
    return {
        "prompt_tokens": prompt, "completion_tokens": completion, "total": total,
        "budget": budget, "remaining": None if budget is None else max(0, budget - total),
        "resets_at": next_month_start(),
    }


def instance_usage_this_month(config: Mapping | None = None) -> dict:
    """{total, budget, remaining, resets_at} for the whole instance (every team) this month;
    budget is HERALD_INSTANCE_MONTHLY_TOKEN_BUDGET (None: no cap)."""
    total = sum(_tokens_since(month_start()))
    budget = _positive(_config(config).get("HERALD_INSTANCE_MONTHLY_TOKEN_BUDGET"))
    return {"total": total, "budget": budget, "remaining": None if budget is None else max(0, budget - total),
            "resets_at": next_month_start()}


def _resets(resets: datetime) -> str:
    return f"{resets:%B} {resets.day}, {resets.year} (00:00 UTC)"


def check_budget(team_id: int, config: Mapping | None = None) -> None:
    """Raise BudgetExceeded when the instance or the team has used its monthly tokens. Call before
    any model call; with the offline writer (no tokens spent) nothing is refused."""
    config = _config(config)
    if not uses_model(config):
        return
    instance = instance_usage_this_month(config)
    if instance["budget"] is not None and instance["total"] >= instance["budget"]:
        raise BudgetExceeded(
            f"This Herald has used {instance['total']:,} of its {instance['budget']:,} model tokens this month, "
            f"so new AI generation is paused for every team until {_resets(instance['resets_at'])}. "
            "The operator can raise HERALD_INSTANCE_MONTHLY_TOKEN_BUDGET.",
            used=instance["total"], budget=instance["budget"], resets_at=instance["resets_at"], scope="instance",
        )
    usage = usage_this_month(team_id, config)
    budget = usage["budget"]
    if budget is None or usage["total"] < budget:
        return
    ceiling = db.session.scalar(select(Team.token_limit).where(Team.id == team_id))
    if budget == 0 and ceiling == 0:
        message = ("AI generation with the model is not enabled for this team yet: teams that sign themselves "
                   "up start with no model tokens until the operator of this Herald raises their limit.")
    elif ceiling is not None and budget == ceiling:
        message = (f"This team has used {usage['total']:,} of the {budget:,} tokens a month the operator of this "
                   f"Herald allows it, so new AI generation is paused until {_resets(usage['resets_at'])}. "
                   "Ask the operator to raise the team's limit.")
    else:
        message = (f"This team has used {usage['total']:,} of its {budget:,} tokens this month, so new AI "
                   f"generation is paused until the budget resets on {_resets(usage['resets_at'])}. "
                   "An owner can raise the team's monthly budget.")
    raise BudgetExceeded(message, used=usage["total"], budget=budget, resets_at=usage["resets_at"], scope="team")


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
