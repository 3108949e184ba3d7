"""The content item's rules as pure functions over typed data (ContentItemForm.to_data converts the
input): which fields a format has, which it needs, the limits, and what approving asks of a piece."""
from __future__ import annotations

import re
from types import SimpleNamespace

from ..ai.platforms import CONTENT_TYPE_PLATFORMS, check, is_valid_platform
from ..models import CONTENT_STATUSES, CONTENT_TYPES
from .field_limits import CONTENT, CONTENT_LISTS, VISUAL_BRIEF_ENTRY

FIELDS = ("content_type", "platform", "status", "visual_brief", *CONTENT, *CONTENT_LISTS)
VISUAL_BRIEF_KEYS = ("description", "alt_text", "aspect_ratio")
# The copy fields: a format has some of them (content_fields); the others stay empty.
COPY_FIELDS = ("subject_line", "preheader", "headlines", "descriptions", "body", "call_to_action", "hashtags",
               "visual_url")
# A new item's values for keys the caller leaves out.
DEFAULTS: dict = {
    "content_type": "", "platform": "", "status": "draft", "subject_line": "", "preheader": "", "body": "",
    "call_to_action": "", "visual_url": "", "variant_group": None, "headlines": [], "descriptions": [],
    "hashtags": [], "visual_brief": None,
}


# The fields a person edits per format, in reading order: by (type, platform), else by type.
_FORMAT_FIELDS: dict = {
    "email": ("subject_line", "preheader", "body", "call_to_action", "visual_url", "status"),
    ("ad_copy", "google_ads"): ("headlines", "descriptions", "call_to_action", "status"),
    "ad_copy": ("body", "headlines", "descriptions", "call_to_action", "visual_url", "status"),
    "social_post": ("body", "hashtags", "call_to_action", "visual_url", "status"),
}


def content_fields(content_type: str, platform: str) -> tuple[str, ...]:
    """The fields a person edits for this format, in reading order (the card, the editor and the API
    agree). A format leaves the other copy fields empty: no hashtags on an email."""
    fields = _FORMAT_FIELDS.get((content_type, platform)) or _FORMAT_FIELDS.get(content_type)
    return fields or _FORMAT_FIELDS["social_post"]


def required_fields(content_type: str, platform: str) -> tuple[str, ...]:
    """What a piece of this format cannot be without (an email without subject or body is nothing)."""
    if content_type == "email":
        return ("subject_line", "body")
    if content_type == "ad_copy" and platform == "google_ads":
        return ("headlines",)
    return ("body",)


def _label(key: str) -> str:
    return (CONTENT.get(key) or CONTENT_LISTS[key]).label


def _empty(value) -> bool:
    return not (value.strip() if isinstance(value, str) else value)


def format_errors(data: dict, sent) -> dict[str, str]:
    """A format's required fields must be filled, and copy fields it does not have (among `sent`)
    must stay empty."""
    ctype, platform = data.get("content_type"), data.get("platform")
    errors = {key: f"{_label(key)} is required for this format."
              for key in required_fields(ctype, platform) if _empty(data.get(key))}
    has = content_fields(ctype, platform)
    errors.update({key: f"{ctype} content on {platform} has no {_label(key).lower()}; leave it empty."
                   for key in COPY_FIELDS if key in sent and key not in has and not _empty(data.get(key))})
    return errors


def _choice_errors(data: dict) -> dict[str, str]:
    errors = {}
    ctype, platform = data.get("content_type"), data.get("platform")
    if ctype not in CONTENT_TYPES:
        errors["content_type"] = f"Content type must be one of {', '.join(CONTENT_TYPES)}."
    elif not is_valid_platform(ctype, platform):
        errors["platform"] = (
            f"{ctype} content can go on {', '.join(CONTENT_TYPE_PLATFORMS[ctype])}, not {platform or 'nothing'}."
        )
    if data.get("status", "draft") not in CONTENT_STATUSES:
        errors["status"] = f"Status must be one of {', '.join(CONTENT_STATUSES)}."
    return errors


# Only web URLs and our own paths: a javascript: or data: URL would run or smuggle content, and "//" or
# "/\\" starts another site's address. Empty is no URL; surrounding whitespace is ignored. The OpenAPI
# document publishes this very pattern, so a client can check a URL before sending it.
VISUAL_URL_PATTERN = (r"^\s*(?:(?:[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#\\\u0000]+|/(?![/\\]))[^\u0000]*)?$")


def _url_problem(url: str) -> str | None:
    if re.fullmatch(VISUAL_URL_PATTERN, url):
        return None
    return "Use an http(s) address or an uploaded asset's path."


def visual_brief_problem(brief) -> str | None:
    """Why a visual brief (None or an object of description, alt_text and aspect_ratio) is refused."""
    if brief is None:
        return None
    if not isinstance(brief, dict) or not all(isinstance(brief.get(k, ""), str) for k in VISUAL_BRIEF_KEYS):
        return "Must be an object with description, alt_text and aspect_ratio text."
    if any(len(brief.get(k, "")) > VISUAL_BRIEF_ENTRY.max for k in VISUAL_BRIEF_KEYS):
        return f"{VISUAL_BRIEF_ENTRY.label} must be at most {VISUAL_BRIEF_ENTRY.max:,} characters each."
    return None


def check_content(data: dict, sent=COPY_FIELDS) -> dict[str, str]:
    """Field errors for a full, typed content dict (pure). `sent`: the copy fields the caller set."""
    errors = _choice_errors(data)
    errors.update((key, problem) for key, rule in CONTENT.items() if (problem := rule.too_long(data.get(key))))
    errors.update((key, problem) for key, rule in CONTENT_LISTS.items()
                  if (problem := rule.list_problem(data.get(key))))
    url = data.get("visual_url") or ""
    if url and "visual_url" not in errors and _url_problem(url):
        errors["visual_url"] = _url_problem(url)
    if visual_brief_problem(data.get("visual_brief")):
        errors["visual_brief"] = visual_brief_problem(data.get("visual_brief"))
    if "content_type" not in errors and "platform" not in errors:
        errors = {**format_errors(data, sent), **errors}
    return errors


def approval_problem(data: dict) -> str | None:
    """Why a piece cannot be approved: it must pass its platform's hard limits (None = it may)."""
    piece = SimpleNamespace(**{key: data.get(key) for key in COPY_FIELDS},
                            content_type=data.get("content_type"), platform=data.get("platform"),
                            visual_brief=data.get("visual_brief"))
    for key in ("headlines", "descriptions", "hashtags"):
        setattr(piece, key, list(getattr(piece, key) or []))
    problems = check(piece)
    return f"Fix this before approving: {'; '.join(problems)}." if problems else None
