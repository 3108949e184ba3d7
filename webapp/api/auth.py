"""Auth API: log in / register for a token, who am I, and the caller's API tokens."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_limiter.util import get_remote_address

from ..auth import require_actor
from ..extensions import db
from ..forms.accounts import LoginForm, RegisterForm, TokenForm
from ..services import accounts
from ..services.errors import ServiceError
from ..services.field_limits import ACCOUNT
from ..services.pagination import parse_int
from ..services.passwords import MAX_LENGTH, MIN_LENGTH
from ..web.auth import login_rate_limits
from . import bp
from .openapi import nullable_text, operation
from .wire import from_wire, to_wire

_USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "email": {"type": "string", "format": "email"}, "name": {"type": "string"},
        "createdAt": {"type": "string", "format": "date-time"},
    },
    "required": ["id", "email", "name"],
}
_TEAM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "monthlyTokenBudget": {"type": ["integer", "null"], "description": "null: the server default"},
        "tokenLimit": {"type": ["integer", "null"],
                       "description": "The operator's ceiling on monthly model tokens (null: none; 0: no model "
                                      "generation). Teams that sign themselves up start at 0."},
        "emailAllowed": {"type": "boolean",
                         "description": "Whether the team may send email (gates email sending once Herald "
                                        "sends email); false for teams that sign themselves up"},
        "role": {"type": "string", "enum": ["owner", "editor", "viewer"]},
    },
    "required": ["id", "name"],
}
_TOKEN_PROPS = {
    "id": {"type": "integer"}, "name": {"type": "string", "maxLength": ACCOUNT["token_name"].max},
    "prefix": {"type": "string", "description": "The first characters of the secret, to recognise it"},
    "teamId": {"type": "integer"},
    "createdAt": {"type": "string", "format": "date-time"},
    "lastUsedAt": {"type": ["string", "null"], "format": "date-time"},
    "expiresAt": {"type": "string", "format": "date-time",
                  "description": "After this the token answers 401 (“This API token expired …”)"},
}

SCHEMAS: dict = {
    "User": _USER,
    "Team": _TEAM,
    "LoginBody": {
        "type": "object",
        "properties": {"email": {"type": "string", "format": "email", "maxLength": ACCOUNT["email"].max},
                       "password": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH}},
        "required": ["email", "password"],
    },
    "RegisterBody": {
        "type": "object",
        "properties": nullable_text({
            "email": {"type": "string", "format": "email", "maxLength": ACCOUNT["email"].max},
            "password": {"type": "string", "minLength": MIN_LENGTH, "maxLength": MAX_LENGTH,
                         "description": "At least 8 characters; common passwords are refused"},
            "passwordConfirm": {"type": "string", "minLength": MIN_LENGTH, "maxLength": MAX_LENGTH,
                                "description": "Optional for JSON clients (leave it out); when sent it must "
                                               "equal password, else 422 on passwordConfirm"},
            "name": {"type": "string", "maxLength": ACCOUNT["user_name"].max},
            "invite": {"type": "string", "description": "An invite link's secret: joins that team"},
        }),
        "required": ["email", "password"],
    },
    "AuthResult": {
        "type": "object",
        "properties": {
            "token": {"type": "string", "description": "Bearer token; shown only in this answer"},
            "expiresAt": {"type": "string", "format": "date-time",
                          "description": "The token lives HERALD_LOGIN_TOKEN_DAYS (default 30)"},
            "user": {"$ref": "#/components/schemas/User"},
            "team": {"$ref": "#/components/schemas/Team"},
        },
        "required": ["token", "user", "team", "expiresAt"],
    },
    "Me": {
        "type": "object",
        "properties": {
            "user": {"$ref": "#/components/schemas/User"},
            "team": {"$ref": "#/components/schemas/Team"},
            "role": {"type": "string", "enum": ["owner", "editor", "viewer"]},
            "teams": {"type": "array", "items": {"$ref": "#/components/schemas/Team"}},
        },
        "required": ["user", "team", "role", "teams"],
    },
    "ApiToken": {"type": "object", "properties": _TOKEN_PROPS, "required": ["id", "name", "prefix", "createdAt"]},
    "ApiTokenCreated": {
        "type": "object",
        "properties": {**_TOKEN_PROPS, "token": {"type": "string", "description": "The secret; shown only once"}},
        "required": ["id", "name", "prefix", "createdAt", "token"],
    },
    "ApiTokenList": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/ApiToken"}},
            "page": {"type": "integer"}, "perPage": {"type": "integer"}, "total": {"type": "integer"},
        },
        "required": ["items", "page", "perPage", "total"],
    },
    "TokenBody": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": ACCOUNT["token_name"].max},
            "expiresInDays": {"type": "integer", "minimum": 1,
                              "description": "Lifetime in days, at most HERALD_TOKEN_MAX_DAYS (default 365; "
                                             "more is a 422); absent: HERALD_TOKEN_DEFAULT_DAYS (90)"},
        },
        "required": ["name"],
    },
}


def _json_body() -> dict:
    """The request's JSON object, snake_cased. Only application/json is accepted (login and register
    skip CSRF, so a cross-site HTML form must not be able to reach them)."""
    if not request.is_json:
        raise ServiceError("Send a JSON body with Content-Type: application/json.")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ServiceError("The body must be a JSON object.")
    return from_wire(payload)


def _auth_result(user, token, secret: str, status: int):
    membership = accounts.current_membership(user)
    body = {"token": secret, "expires_at": token.expires_at, "user": accounts.user_to_dict(user),
            "team": accounts.team_to_dict(membership.team, membership.role)}
    return jsonify(to_wire(body)), status


@bp.post("/auth/login")
@login_rate_limits
@operation("Log in with email and password; answers a new API token (named “api login”)", tag="auth",
           body="LoginBody", response="AuthResult", public=True, errors=(400, 401, 422, 429))
def auth_login():
    form = LoginForm.from_json(_json_body())
    form.raise_if_invalid()
    user, token, secret = accounts.login_with_token(form.email.data, form.password.data,
                                                    source=get_remote_address(), config=current_app.config)
    db.session.commit()
    return _auth_result(user, token, secret, 200)


@bp.post("/auth/register")
@login_rate_limits
@operation("Create an account (with its own team) and answer an API token; 403 when registration is closed",
           tag="auth", body="RegisterBody", response="AuthResult", status=201, public=True,
           errors=(400, 403, 404, 409, 422, 429))
def auth_register():
    data = _json_body()
    # The confirmation is for people typing into a page; an integration may leave it out.
    if "password_confirm" not in data:
        data["password_confirm"] = data.get("password")
    form = RegisterForm.from_json(data)
    form.raise_if_invalid()
    user, token, secret = accounts.register_with_token(
        form.email.data, form.password.data, name=form.name.data or "",
        registration_open=accounts.registration_open(current_app.config),
        invite_secret=form.invite.data or None,
    )
    db.session.commit()
    return _auth_result(user, token, secret, 201)




@bp.get("/auth/me")
@operation("The caller: user, current team, role there, and all their teams", tag="auth", response="Me")
def auth_me():
    return jsonify(to_wire(accounts.account_summary(require_actor())))


@bp.get("/auth/tokens")
@operation("The caller's live API tokens (secrets are never shown again)", tag="auth", response="ApiTokenList",
           query={"page": {"type": "integer", "minimum": 1, "maximum": 10**9, "description": "Page number, from 1"},
                  "perPage": {"type": "integer", "minimum": 1, "maximum": 100,
                              "description": "Items per page, 1–100 (default 50)"}},
           errors=(400,))
def auth_tokens():
    tokens = accounts.list_tokens(require_actor())
    page, per_page = _page_args()
    start = (page - 1) * per_page
    items = [to_wire(accounts.token_to_dict(t)) for t in tokens[start:start + per_page]]
    return jsonify({"items": items, "page": page, "perPage": per_page, "total": len(tokens)})


def _page_args() -> tuple[int, int]:
    # The same rules (and 400 answers naming the parameter) as every other list.
    page = parse_int(request.args.get("page"), "page", default=1, maximum=10**9)
    per_page = parse_int(request.args.get("perPage"), "per_page", default=50, maximum=100)
    return page, per_page


@bp.post("/auth/tokens")
@operation("Create a named API token for the caller's current team, living expiresInDays (default "
           "HERALD_TOKEN_DEFAULT_DAYS); the secret is in this answer only",
           tag="auth", body="TokenBody", response="ApiTokenCreated", status=201, errors=(400, 422))
def auth_create_token():
    actor = require_actor()
    form = TokenForm.from_json(_json_body())
    form.raise_if_invalid()
    token, secret = accounts.issue_token(actor, form.name.data, form.expires_in_days.data)
    db.session.commit()
    return jsonify(to_wire({**accounts.token_to_dict(token), "token": secret})), 201


@bp.delete("/auth/tokens/<int:token_id>")
@operation("Revoke one of the caller's API tokens (another user's id is a 404)", tag="auth", status=204,
           errors=(404,))
def auth_revoke_token(token_id: int):
    accounts.revoke_token(require_actor(), token_id)
    db.session.commit()
    return "", 204
