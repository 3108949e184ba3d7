"""Paging a SELECT: one COUNT and one page query, whatever the table size."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from ..extensions import db
from .errors import ServiceError

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class BadQuery(ServiceError):
    """A malformed list query (page, perPage, an unknown filter or sort value): 400 with fields."""

    status = 400
    code = "bad_request"


@dataclass
class Page:
    """One page of results; `items` are whatever the select yields (entities or rows)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def parse_int(value, name: str, *, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    """A positive integer from a query-string value, or BadQuery naming the parameter."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise BadQuery(f"{name} must be a whole number.", {name: "Must be a whole number."})
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadQuery(f"{name} must be a whole number.", {name: "Must be a whole number."}) from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise BadQuery(f"{name} must be {bound}.", {name: f"Must be {bound}."})
    return number


def check_page_args(page, per_page, max_per_page: int = MAX_PER_PAGE) -> tuple[int, int]:
    """Validate page (≥ 1) and per_page (1..max_per_page); BadQuery with fields otherwise."""
    page = parse_int(page, "page", default=1, maximum=10**9)
    per_page = parse_int(per_page, "per_page", default=DEFAULT_PER_PAGE, maximum=max_per_page)
    return page, per_page


def paginate(select_stmt: Select, page: int, per_page: int, max_per_page: int = MAX_PER_PAGE) -> Page:
    """Run `select_stmt` for one page: one COUNT over the unordered statement, one LIMIT/OFFSET
    query. A select of one entity yields entities; a select of several columns yields rows."""
    page, per_page = check_page_args(page, per_page, max_per_page)
    count_stmt = select(func.count()).select_from(select_stmt.order_by(None).subquery())
    total = db.session.scalar(count_stmt) or 0
    result = db.session.execute(select_stmt.limit(per_page).offset((page - 1) * per_page))
    if len(select_stmt.column_descriptions) == 1:
        items = list(result.unique().scalars().all())
    else:
        items = list(result.all())
    return Page(items=items, page=page, per_page=per_page, total=total)
