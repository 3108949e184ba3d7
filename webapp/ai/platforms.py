"""Platform limits and which platforms each content type may target — the one table.

Sources are noted per row so the numbers can be checked and updated. `*_max` values are
enforced by `check()` (a violation triggers the writer's repair step); `*_recommended` values
only feed the quality score. Where a platform truncates rather than rejects (Meta ads, email
subjects) we enforce the recommended length, because truncated copy is broken copy.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

# Which platforms each content type may target (campaign settings and content items are checked
# against this; the seed's platforms plus instagram and the two ad networks).
CONTENT_TYPE_PLATFORMS: dict[str, tuple[str, ...]] = {
    "email": ("email",),
    "social_post": ("linkedin", "twitter", "facebook", "instagram"),
    "ad_copy": ("google_ads", "meta_ads", "linkedin", "facebook", "instagram", "twitter"),
}


@dataclass(frozen=True)
class Limits:
    """Character limits for one content type on one platform (None = no hard limit)."""

    body_max: int | None = None
    body_recommended: int | None = None  # upper end of the recommended range
    subject_max: int | None = None
    preheader_max: int | None = None
    headline_max: int | None = None
    headline_count: int = 0  # most headlines the platform takes
    description_max: int | None = None
    description_count: int = 0  # most descriptions the platform takes
    hashtags_max: int | None = None
    hashtags_recommended: tuple[int, int] | None = None
    cta_max: int | None = 40
    aspect_ratio: str = "1:1"
    sources: tuple[str, ...] = field(default_factory=tuple)
    # Additions beyond the first stub (kept optional so older callers still work):
    body_min_recommended: int | None = None
    body_required: bool = False
    subject_recommended: tuple[int, int] | None = None
    preheader_min: int | None = None
    headline_min: int = 0
    description_min: int = 0
    cta_required: bool = False
    cta_choices: tuple[str, ...] = ()  # platforms with a fixed button list (Meta)
    aspect_ratios: tuple[str, ...] = ()  # every ratio the platform accepts; aspect_ratio first
    length_rule: str = "chars"  # chars | twitter (weighted) | double_width (Google Ads)
    body_label: str = "body"

    @property
    def accepted_ratios(self) -> tuple[str, ...]:
        return self.aspect_ratios or (self.aspect_ratio,)


# Meta's call-to-action buttons (Ads Manager list, shortened to the common ones).
META_CTAS = ("Learn More", "Sign Up", "Shop Now", "Book Now", "Get Offer", "Download", "Contact Us",
             "Subscribe", "Apply Now", "Get Quote", "Register", "Order Now")

_META_AD = dict(
    # Meta Ads Guide (facebook.com/business/ads-guide): primary text 125, headline 40,
    # description 30 recommended; longer text is cut off with "See more", so we enforce them.
    body_max=125, body_recommended=125, body_min_recommended=40, body_required=True,
    headline_max=40, headline_count=5, headline_min=1,
    description_max=30, description_count=5, description_min=1,
    hashtags_recommended=(0, 0), cta_required=True, cta_max=20, cta_choices=META_CTAS,
    body_label="primary text",
    sources=("https://www.facebook.com/business/ads-guide",),
)

LIMITS: dict[tuple[str, str], Limits] = {
    ("email", "email"): Limits(
        # Subject: ~60 shown by most desktop clients, fewer on mobile (Litmus, Mailchimp guides);
        # RFC 2822 allows 998 per line and clients accept ~150, but 60 is what is read.
        subject_max=60, subject_recommended=(25, 50),
        # Preheader: 40-130 characters shown next to the subject (Litmus "preview text" guide).
        preheader_min=40, preheader_max=130,
        # Body: 50-200 words works best (Boomerang 2016 study: 50-125 words); hard cap for sanity.
        body_max=10000, body_min_recommended=250, body_recommended=1400, body_required=True,
        cta_required=True, cta_max=40, hashtags_recommended=(0, 0),
        aspect_ratio="2:1", aspect_ratios=("2:1", "3:1", "1:1"),  # 600x300 hero image
        sources=("https://www.litmus.com/blog/the-ultimate-guide-to-preview-text-support",
                 "https://mailchimp.com/help/best-practices-for-email-subject-lines/"),
    ),
    ("social_post", "twitter"): Limits(
        # X: 280 weighted characters; CJK and emoji count 2 (developer.x.com counting-characters).
        body_max=280, body_recommended=200, body_min_recommended=70, body_required=True,
        hashtags_recommended=(1, 2), length_rule="twitter", body_label="post",
        aspect_ratio="16:9", aspect_ratios=("16:9", "1:1"),
        sources=("https://developer.x.com/en/docs/counting-characters",),
    ),
    ("social_post", "linkedin"): Limits(
        # LinkedIn member post: 3,000 characters; the feed shows ~210 before "see more".
        body_max=3000, body_recommended=1300, body_min_recommended=150, body_required=True,
        hashtags_recommended=(3, 5), body_label="post",
        aspect_ratio="1.91:1", aspect_ratios=("1.91:1", "1:1", "4:5"),  # 1200x627 share image
        sources=("https://www.linkedin.com/help/linkedin/answer/a528176",),
    ),
    ("social_post", "facebook"): Limits(
        # Facebook post: 63,206 characters hard; ~80-250 recommended for engagement.
        body_max=63206, body_recommended=250, body_min_recommended=80, body_required=True,
        hashtags_recommended=(0, 3), body_label="post",
        aspect_ratio="1:1", aspect_ratios=("1:1", "4:5", "1.91:1"),
        sources=("https://www.facebook.com/business/ads-guide",),
    ),
    ("social_post", "instagram"): Limits(
        # Instagram caption: 2,200 characters, at most 30 hashtags (help.instagram.com);
        # Instagram's own creator advice since 2021: 3-5 hashtags.
        body_max=2200, body_recommended=600, body_min_recommended=100, body_required=True,
        hashtags_max=30, hashtags_recommended=(3, 5), body_label="caption",
        aspect_ratio="4:5", aspect_ratios=("4:5", "1:1", "1.91:1"),  # 1080x1350 portrait feed
        sources=("https://help.instagram.com/1986234648360433",),
    ),
    ("ad_copy", "google_ads"): Limits(
        # Responsive search ads: 3-15 headlines of 30, 2-4 descriptions of 90; double-width (CJK)
        # characters count 2 (support.google.com/google-ads/answer/7684791 and /1704389).
        headline_max=30, headline_count=15, headline_min=3,
        description_max=90, description_count=4, description_min=2,
        hashtags_recommended=(0, 0), cta_required=True, cta_max=30, length_rule="double_width",
        aspect_ratio="1.91:1", aspect_ratios=("1.91:1", "1:1"),  # image assets
        sources=("https://support.google.com/google-ads/answer/7684791",
                 "https://support.google.com/google-ads/answer/1704389"),
    ),
    ("ad_copy", "meta_ads"): Limits(aspect_ratio="1:1", aspect_ratios=("1:1", "4:5", "9:16"), **_META_AD),
    ("ad_copy", "facebook"): Limits(aspect_ratio="1:1", aspect_ratios=("1:1", "4:5", "1.91:1"), **_META_AD),
    ("ad_copy", "instagram"): Limits(aspect_ratio="4:5", aspect_ratios=("4:5", "1:1", "9:16"), **_META_AD),
    ("ad_copy", "linkedin"): Limits(
        # Sponsored Content: intro text 600 max (150 recommended), headline 200 max (70
        # recommended), description 300 max (100 recommended).
        body_max=600, body_recommended=150, body_min_recommended=50, body_required=True,
        headline_max=200, headline_count=1, headline_min=1,
        description_max=300, description_count=1, description_min=1,
        hashtags_recommended=(0, 2), cta_required=True, cta_max=30, body_label="introductory text",
        aspect_ratio="1.91:1", aspect_ratios=("1.91:1", "1:1"),
        sources=("https://business.linkedin.com/marketing-solutions/success/ads-guide",),
    ),
    ("ad_copy", "twitter"): Limits(
        # X promoted post: post text 280 (weighted), website-card headline 70; the card has no
        # description, so descriptions are optional there.
        body_max=280, body_recommended=200, body_min_recommended=50, body_required=True,
        headline_max=70, headline_count=2, headline_min=1,
        description_max=200, description_count=2, description_min=0,
        hashtags_recommended=(0, 2), cta_required=True, cta_max=30, length_rule="twitter",
        body_label="post text",
        aspect_ratio="1.91:1", aspect_ratios=("1.91:1", "1:1", "16:9"),
        sources=("https://business.x.com/en/help/campaign-setup/creative-ad-specifications",),
    ),
}

ALT_TEXT_MAX = 250  # screen readers handle ~125 comfortably; 250 leaves room for non-English text


def is_valid_platform(content_type: str, platform: str) -> bool:
    return platform in CONTENT_TYPE_PLATFORMS.get(content_type, ())


def limits_for(content_type: str, platform: str) -> Limits:
    """The limits row; unknown combinations get an empty row (check() reports them)."""
    return LIMITS.get((content_type, platform), Limits())


def expected_length(content_type: str, platform: str) -> int:
    """About how many characters a model writes for this piece (what the prompt asks for): the
    job runner starts the longest pieces first, so the last one to finish is not a late long one."""
    lim = limits_for(content_type, platform)
    return ((lim.body_recommended or 0) + (lim.subject_max or 0) + (lim.preheader_max or 0)
            + lim.headline_count * (lim.headline_max or 0) + lim.description_count * (lim.description_max or 0))


# --- measuring ------------------------------------------------------------------------------

# twitter-text v3 configuration: these code point ranges weigh 1, everything else (CJK,
# emoji, most non-Latin scripts) weighs 2 against the 280 budget.
_TWITTER_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _twitter_weight(ch: str) -> int:
    cp = ord(ch)
    return 1 if any(lo <= cp <= hi for lo, hi in _TWITTER_LIGHT) else 2


def measure(text: str, rule: str = "chars") -> int:
    """Length as the platform counts it."""
    text = unicodedata.normalize("NFC", text or "")
    if rule == "twitter":
        return sum(_twitter_weight(c) for c in text)
    if rule == "double_width":
        return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)
    return len(text)


def post_text(piece) -> str:
    """What gets published for a social post: the body plus any hashtag not already in it."""
    body = piece.body or ""
    lower = body.lower()
    tags = [f"#{h}" for h in piece.hashtags if f"#{h}".lower() not in lower]
    return f"{body}\n\n{' '.join(tags)}" if tags else body


def clean_hashtag(tag: str) -> str:
    """'#Spring Sale!' -> 'SpringSale' (unicode letters kept: #日本語 is a valid hashtag)."""
    return "".join(ch for ch in str(tag) if ch.isalnum() or ch == "_")


# --- checking -------------------------------------------------------------------------------

_PLATFORM_NAMES = {"twitter": "X/Twitter", "linkedin": "LinkedIn", "facebook": "Facebook",
                   "instagram": "Instagram", "google_ads": "Google Ads", "meta_ads": "Meta ads",
                   "email": "email"}


def platform_name(platform: str) -> str:
    return _PLATFORM_NAMES.get(platform, platform)


def _too_long(label: str, text: str, limit: int | None, rule: str, where: str) -> list[str]:
    if limit is None:
        return []
    n = measure(text, rule)
    if n <= limit:
        return []
    unit = " weighted" if rule == "twitter" else ""
    return [f"{label} is {n}{unit} characters; {where} allows {limit}"]


def _str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check(piece, *, require_visual: bool = False) -> list[str]:
    """Specific, human-readable violations of the schema and the platform's limits ([] = valid).

    Used both to decide on a repair and as the message shown on a flagged draft, so every line
    names the field, the measured value and the limit.
    """
    # A wrong target or non-list fields make every other check meaningless: report only that.
    early = _check_target(piece.content_type, piece.platform) or _check_field_types(piece)
    if early:
        return early
    lim = limits_for(piece.content_type, piece.platform)
    where = platform_name(piece.platform)
    out = _check_body(piece, lim, where)
    out += _TYPE_CHECKS.get(piece.content_type, _no_checks)(piece, lim, where)
    out += _check_cta(piece, lim, where)
    out += _check_hashtags(piece, lim, where)
    out += _check_visual(piece.visual_brief, lim, required=require_visual)
    return out


def _check_target(ct: str, pf: str) -> list[str]:
    if ct not in CONTENT_TYPE_PLATFORMS:
        return [f"unknown content type {ct!r}"]
    if not is_valid_platform(ct, pf):
        return [f"{ct} cannot target platform {pf!r}"]
    return []


def _check_field_types(piece) -> list[str]:
    if all(_str_list(v) for v in (piece.headlines, piece.descriptions, piece.hashtags)):
        return []
    return ["headlines, descriptions and hashtags must be lists of strings"]


def _missing(label: str, text: str, required: bool = True) -> list[str]:
    return [f"{label} is missing"] if required and not text else []


def _check_body(piece, lim: Limits, where: str) -> list[str]:
    body = (piece.body or "").strip()
    out = _missing(lim.body_label, body, lim.body_required)
    # A social post is published with its hashtags appended, so they count against the limit.
    if piece.content_type == "social_post":
        return out + _too_long(f"{lim.body_label} (with hashtags)", post_text(piece), lim.body_max,
                               lim.length_rule, where)
    return out + _too_long(lim.body_label, body, lim.body_max, lim.length_rule, where)


def _check_email(piece, lim: Limits, where: str) -> list[str]:
    rule = lim.length_rule
    subject = (piece.subject_line or "").strip()
    out = _missing("subject_line", subject)
    out += _too_long("subject_line", subject, lim.subject_max, rule, "an email subject (recommended)")
    pre = (piece.preheader or "").strip()
    out += _missing("preheader", pre) or _preheader_too_short(pre, lim)
    out += _too_long("preheader", pre, lim.preheader_max, rule, "an email preheader")
    return out


def _preheader_too_short(pre: str, lim: Limits) -> list[str]:
    if not lim.preheader_min or measure(pre) >= lim.preheader_min:
        return []
    return [f"preheader is {measure(pre)} characters; aim for {lim.preheader_min}-"
            f"{lim.preheader_max} so the client does not pad it with body text"]


def _check_ad(piece, lim: Limits, where: str) -> list[str]:
    rule = lim.length_rule
    return (_check_list("headline", piece.headlines, lim.headline_min, lim.headline_count,
                        lim.headline_max, rule, where)
            + _check_list("description", piece.descriptions, lim.description_min, lim.description_count,
                          lim.description_max, rule, where))


def _no_checks(piece, lim: Limits, where: str) -> list[str]:
    return []


# Fields only some content types have (a social post's body is checked with the rest).
_TYPE_CHECKS = {"email": _check_email, "ad_copy": _check_ad}


def _check_cta(piece, lim: Limits, where: str) -> list[str]:
    cta = (piece.call_to_action or "").strip()
    out = _missing("call_to_action", cta, lim.cta_required)
    return out + _too_long("call_to_action", cta, lim.cta_max, lim.length_rule, where)


def _check_hashtags(piece, lim: Limits, where: str) -> list[str]:
    out = []
    n_tags = len(piece.hashtags)
    if lim.hashtags_max is not None and n_tags > lim.hashtags_max:
        out.append(f"{n_tags} hashtags; {where} allows {lim.hashtags_max}")
    bad_tags = [h for h in piece.hashtags if not clean_hashtag(h) or clean_hashtag(h) != h.lstrip("#")]
    if bad_tags:
        out.append(f"hashtags must be single words without spaces or punctuation: {', '.join(bad_tags[:3])}")
    return out


def _check_list(label: str, items: list[str], lo: int, hi: int, limit: int | None,
                rule: str, where: str) -> list[str]:
    out: list[str] = []
    items = [i.strip() for i in items]
    if any(not i for i in items):
        out.append(f"a {label} is empty")
    n = len(items)
    if n < lo:
        out.append(f"{n} {label}s; {where} needs at least {lo}")
    if hi and n > hi:
        out.append(f"{n} {label}s; {where} takes at most {hi}")
    for i, text in enumerate(items, 1):
        out += _too_long(f"{label} {i} ({text!r})", text, limit, rule, where)
    lowered = [i.lower() for i in items if i]
    if len(set(lowered)) != len(lowered):
        out.append(f"{label}s must all be different")
    return out


def _check_visual(vb, lim: Limits, *, required: bool) -> list[str]:
    if vb is None:
        return ["visual_brief is missing (the campaign asks for visuals)"] if required else []
    if not isinstance(vb, dict):
        return ["visual_brief must be an object with description, alt_text, aspect_ratio"]
    out = []
    if not str(vb.get("description") or "").strip():
        out.append("visual_brief.description is missing")
    alt = str(vb.get("alt_text") or "").strip()
    if not alt:
        out.append("visual_brief.alt_text is missing")
    elif len(alt) > ALT_TEXT_MAX:
        out.append(f"visual_brief.alt_text is {len(alt)} characters; keep alt text under {ALT_TEXT_MAX}")
    ratio = str(vb.get("aspect_ratio") or "")
    if ratio not in lim.accepted_ratios:
        out.append(f"visual_brief.aspect_ratio {ratio!r} is not one of {', '.join(lim.accepted_ratios)}")
    return out
