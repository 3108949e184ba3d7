"""The limits table and the database agree: a text the forms accept always fits its column. Models
cannot read services (the house's rule), so the column sizes are written in the models and held to
the table here."""
from __future__ import annotations

import pytest
from sqlalchemy import String

from webapp import models
from webapp.services import field_limits as limits

PAIRS = [
    *[(models.Campaign, key, limit) for key, limit in limits.CAMPAIGN.items()],
    *[(models.Persona, key, limit) for key, limit in limits.PERSONA.items()],
    *[(models.ContentItem, key, limit) for key, limit in limits.CONTENT.items()],
    (models.ABTest, "name", limits.AB_TEST["name"]),
    (models.User, "email", limits.ACCOUNT["email"]),
    (models.User, "name", limits.ACCOUNT["user_name"]),
    (models.Team, "name", limits.ACCOUNT["team_name"]),
    (models.ApiToken, "name", limits.ACCOUNT["token_name"]),
]


@pytest.mark.parametrize("model, key, limit", PAIRS, ids=[f"{m.__name__}.{k}" for m, k, _ in PAIRS])
def test_a_limited_text_fits_its_column(model, key, limit):
    column = model.__table__.columns[key]
    if isinstance(column.type, String) and column.type.length:
        assert column.type.length == limit.max  # the same number, or one of them is wrong
    else:
        assert column.type.python_type is str  # unbounded text: the table's limit is the only one

