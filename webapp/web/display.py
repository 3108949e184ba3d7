"""How values look in templates: money, relative times, page windows, platform labels and the
character limits a content editor counts against. Registered as Jinja globals by `register`."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from ..services.choices import format_pairs, limits_for, platform_name
from ..services.content import content_fields

CONTENT_TYPE_LABELS = {"email": "Email", "social_post": "Social post", "ad_copy": "Ad"}
# A person thinks in formats ("LinkedIn post", "Google search ad"), not in (type, platform) pairs.
FORMAT_LABELS = {
    ("email", "email"): "Email",
    ("social_post", "linkedin"): "LinkedIn post",
    ("social_post", "twitter"): "X (Twitter) post",
    ("social_post", "facebook"): "Facebook post",
    ("social_post", "instagram"): "Instagram post",
    ("ad_copy", "google_ads"): "Google search ad",
    ("ad_copy", "meta_ads"): "Meta ad (Facebook + Instagram)",
    ("ad_copy", "linkedin"): "LinkedIn sponsored ad",
    ("ad_copy", "facebook"): "Facebook ad",
    ("ad_copy", "instagram"): "Instagram ad",
    ("ad_copy", "twitter"): "X (Twitter) promoted ad",
}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$"}


def platform_label(platform: str) -> str:
    """'LinkedIn', 'X/Twitter', 'Email' — the platforms' names, capitalised for headings."""
    name = platform_name(platform)
    return name[:1].upper() + name[1:]


def format_money(amount, currency: str | None) -> str:
    """'$1,250' / '€99.50' / '1,000 CHF' — whole amounts without decimals."""
    value = Decimal(str(amount or 0))
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    code = (currency or "").upper()
    symbol = _SYMBOLS.get(code)
    return f"{symbol}{text}" if symbol else f"{text} {code}".strip()


def short_date(day, today: date | None = None) -> str:
    """'Mar 3' this year, 'Mar 3, 2027' otherwise."""
    today = today or date.today()
    return day.strftime("%b %-d") if day.year == today.year else day.strftime("%b %-d, %Y")


def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', '2 days ago', then the date."""
    if moment is None:
        return ""
    now = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int((now - moment).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    if seconds < 7 * 86400:
        days = seconds // 86400
        return f"{days} day{'s' if days > 1 else ''} ago"
    return moment.strftime("%b %-d, %Y")


def page_window(current: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to link: first, last and `around` either side of current; None = a gap."""
    shown = sorted({1, pages, *range(max(1, current - around), min(pages, current + around) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def choice_pairs(field) -> list[tuple[str, str]]:
    """(value, label) pairs of a WTForms choice field, whatever shape its choices have."""
    pairs = []
    for choice in field.choices or []:
        if hasattr(choice, "value") and hasattr(choice, "label"):  # WTForms SelectChoice
            pairs.append((str(choice.value), str(choice.label)))
        elif isinstance(choice, (tuple, list)):
            pairs.append((str(choice[0]), str(choice[1])))
        else:
            pairs.append((str(choice), str(choice)))
    return pairs


def content_formats() -> list[tuple[str, str, str]]:
    """Every (content_type, platform, label) a content item can be, in the limits table's order."""
    return [(ct, pf, FORMAT_LABELS.get((ct, pf), f"{CONTENT_TYPE_LABELS[ct]} · {platform_label(pf)}"))
            for ct, pf in format_pairs()]


def format_label(content_type: str, platform: str) -> str:
    return FORMAT_LABELS.get((content_type, platform), f"{content_type} · {platform}")


def content_limits(content_type: str, platform: str) -> dict[str, int | None]:
    """The character limits a person types against, by field (None = no limit). Reads the format's
    Limits row and tolerates fields it does not have."""
    limits = limits_for(content_type, platform)

    def get(name: str) -> int | None:
        value = getattr(limits, name, None)
        return value if isinstance(value, int) and value > 0 else None

    return {
        "body": get("body_max"),
        "body_recommended": get("body_recommended"),
        "subject_line": get("subject_max"),
        "preheader": get("preheader_max"),
        "headline": get("headline_max"),
        "headline_count": get("headline_count"),
        "description": get("description_max"),
        "description_count": get("description_count"),
        "call_to_action": get("cta_max"),
        "hashtags": get("hashtags_max"),
        "body_label": getattr(limits, "body_label", "body") or "body",
    }


def char_count(text: str | None) -> int:
    return len(text or "")


def platform_names(platforms) -> list[str]:
    return [platform_label(p) for p in platforms or []]


def register(app) -> None:
    """Make the helpers above available in every template."""
    app.jinja_env.globals.update(
        format_money=format_money, short_date=short_date, time_ago=time_ago, page_window=page_window,
        choice_pairs=choice_pairs, platform_name=platform_label, platform_names=platform_names,
        content_formats=content_formats, format_label=format_label, content_limits=content_limits,
        content_fields=content_fields, char_count=char_count, content_type_label=CONTENT_TYPE_LABELS.get,
    )
