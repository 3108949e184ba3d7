"""Quality score 0-100 with a visible breakdown. Deterministic: same piece, same score.

Each part is {score, max, note}; a part that does not apply (spam words outside email, critique
without a model) has max 0 and is left out of the total, so the total stays comparable.
"""
from __future__ import annotations

import re

from . import platforms
from .platforms import limits_for, measure
from .types import Brief, Critique, Piece

# Common spam-filter triggers for subject lines (SpamAssassin rules, Mailchimp/HubSpot lists).
SPAM_WORDS = ("free", "act now", "100%", "guarantee", "guaranteed", "risk-free", "no cost", "winner",
              "cash", "urgent", "limited time", "click here", "buy now", "order now", "earn money",
              "make money", "double your", "miracle", "no obligation", "cheap", "$$$", "best price",
              "once in a lifetime", "congratulations", "you have been selected")
CTA_WORDS = ("learn", "shop", "sign up", "get ", "try", "book", "register", "join", "download", "discover",
             "start", "visit", "read", "order", "save your", "reserve", "contact", "call", "subscribe",
             "apply", "see how", "find out", "explore", "claim")

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.U)


def syllables(word: str) -> int:
    """English syllable estimate: vowel groups, minus a silent final e."""
    w = word.lower()
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups)
    if n > 1 and w.endswith("e") and not w.endswith(("le", "ee", "ye")):
        n -= 1
    return max(1, n)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"[.!?。！？]+|\n+", text)
    return [p for p in parts if _WORD.search(p)]


def flesch_reading_ease(text: str) -> float | None:
    words = _WORD.findall(text)
    sentences = _sentences(text)
    if not words or not sentences:
        return None
    syl = sum(syllables(w) for w in words)
    return round(206.835 - 1.015 * (len(words) / len(sentences)) - 84.6 * (syl / len(words)), 1)


def _part(score: float, max_: int, note: str) -> dict:
    return {"score": round(max(0.0, min(score, max_)), 1), "max": max_, "note": note}


def _main_text(piece: Piece) -> str:
    if piece.body:
        return piece.body
    return "\n".join(piece.headlines + piece.descriptions)


def _all_text(piece: Piece) -> str:
    return "\n".join([piece.subject_line, piece.preheader, *piece.headlines, *piece.descriptions,
                      piece.body, piece.call_to_action, *piece.hashtags])


def _range_fit(n: int, lo: int | None, hi: int | None, hard: int | None) -> float:
    """1.0 inside [lo, hi]; shrinking outside; 0 over the hard limit."""
    if hard is not None and n > hard:
        return 0.0
    if lo and n < lo:
        return n / lo
    if hi and n > hi:
        span = (hard - hi) if hard and hard > hi else hi
        return max(0.4, 1 - 0.6 * (n - hi) / span)
    return 1.0


def _body_fit(n: int, lim) -> float:
    return _range_fit(n, lim.body_min_recommended, lim.body_recommended, lim.body_max)


def _subject_fit(n: int, lo: int, hi: int, hard: int) -> float:
    # Over the limit the subject is cut off by the client; outside the best range it still reads.
    if not n or n > hard:
        return 0.0
    return 1.0 if lo <= n <= hi else 0.7


def _email_length(piece: Piece, lim) -> tuple[float, str]:
    s = measure(piece.subject_line)
    lo, hi = lim.subject_recommended or (25, 50)
    subj = _subject_fit(s, lo, hi, lim.subject_max or 60)
    pre = _range_fit(measure(piece.preheader), lim.preheader_min, lim.preheader_max, lim.preheader_max)
    body_n = measure(piece.body)
    body = _body_fit(body_n, lim) if body_n else 0
    note = f"subject {s} chars (best {lo}-{hi}), preheader {measure(piece.preheader)}, body {body_n}"
    return (subj + pre + body) / 3, note


def _social_length(piece: Piece, lim) -> tuple[float, str]:
    # Measured as published (hashtags appended); an empty body scores nothing whatever the tags.
    n = measure(platforms.post_text(piece), lim.length_rule)
    fit = _body_fit(n, lim) if piece.body else 0
    return fit, f"{n} characters; {lim.body_min_recommended}-{lim.body_recommended} recommended, {lim.body_max} max"


def _ad_length(piece: Piece, lim) -> tuple[float, str]:
    rule = lim.length_rule
    items = [(h, lim.headline_max) for h in piece.headlines]
    items += [(d, lim.description_max) for d in piece.descriptions]
    inside = sum(1 for t, m in items if m is None or measure(t, rule) <= m)
    fit = inside / len(items) if items else 0.0
    if not (lim.headline_min <= len(piece.headlines) and lim.description_min <= len(piece.descriptions)):
        fit *= 0.5  # fewer headlines or descriptions than the platform needs
    if lim.body_required:
        fit = (fit + _body_fit(measure(piece.body, rule), lim)) / 2
    note = (f"{inside}/{len(items)} headlines and descriptions within limits; "
            f"{len(piece.headlines)} headlines, {len(piece.descriptions)} descriptions")
    return fit, note


# Any other content type is scored by the ad rules (check() reports an unknown type on its own).
_LENGTH_BY_TYPE = {"email": _email_length, "social_post": _social_length}


def _length(piece: Piece, lim) -> dict:
    fit, note = _LENGTH_BY_TYPE.get(piece.content_type, _ad_length)(piece, lim)
    return _part(20 * fit, 20, note)


def _readability(piece: Piece) -> dict:
    text = _main_text(piece)
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return _part(0, 15, "no text to read")
    ascii_share = sum(c.isascii() for c in letters) / len(letters)
    if ascii_share >= 0.9:
        fre = flesch_reading_ease(text)
        if fre is None:
            return _part(0, 15, "no sentences")
        score = 15 if fre >= 60 else 5 + 10 * (fre - 30) / 30 if fre >= 30 else 5 * max(fre, 0) / 30
        return _part(score, 15, f"Flesch reading ease {fre} (60+ is plain English)")
    # Other languages: Flesch's constants are English-only, so judge sentence length instead.
    sentences = _sentences(text) or [text]
    avg_words = sum(len(_WORD.findall(s)) for s in sentences) / len(sentences)
    avg_chars = sum(len(s.strip()) for s in sentences) / len(sentences)
    long_ = avg_words > 25 or (ascii_share < 0.5 and avg_chars > 60)
    return _part(8 if long_ else 15, 15, f"average sentence {avg_words:.0f} words / {avg_chars:.0f} characters")


def _keywords(piece: Piece, brief: Brief) -> dict:
    kws = brief.campaign.get("keywords") or []
    if isinstance(kws, str):
        kws = [k for k in re.split(r"[,\n;]+", kws)]
    kws = [k.strip() for k in kws if k and k.strip()]
    if not kws:
        return _part(15, 15, "no keywords set for the campaign")
    text = _all_text(piece).lower()
    squashed = re.sub(r"\s+", "", text)
    found = [k for k in kws if k.lower() in text or re.sub(r"\s+", "", k.lower()) in squashed]
    missing = [k for k in kws if k not in found]
    note = f"{len(found)}/{len(kws)} keywords used" + (f"; missing: {', '.join(missing[:3])}" if missing else "")
    return _part(15 * len(found) / len(kws), 15, note)


def _cta(piece: Piece) -> dict:
    if piece.call_to_action.strip():
        return _part(15, 15, f"call to action: {piece.call_to_action.strip()!r}")
    body = f" {piece.body.lower()} "
    if any(w in body for w in CTA_WORDS):
        return _part(10, 15, "no call-to-action field, but the text asks the reader to act")
    return _part(0, 15, "no call to action: tell the reader what to do next")


def _hashtag_fit(piece: Piece, lim) -> dict:
    lo, hi = lim.hashtags_recommended or (0, 0)
    n = len(piece.hashtags)
    if lim.hashtags_max is not None and n > lim.hashtags_max:
        return _part(0, 10, f"{n} hashtags; at most {lim.hashtags_max} allowed")
    distance = lo - n if n < lo else n - hi if n > hi else 0
    return _part(10 - 3 * distance, 10, f"{n} hashtags; {lo}-{hi} recommended")


def spam_hits(subject: str) -> list[str]:
    low = subject.lower()
    hits = [w for w in SPAM_WORDS if re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", low)]
    if "!!" in subject:
        hits.append("repeated '!'")
    caps = [w for w in re.findall(r"[A-Za-z]{3,}", subject) if w.isupper()]
    letters = [c for c in subject if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.7 and len(letters) >= 6:
        hits.append("all caps")
    elif caps:
        hits.append(f"capitalised word(s): {', '.join(caps[:3])}")
    return hits


def _spam(piece: Piece) -> dict:
    if piece.content_type != "email":
        return _part(0, 0, "applies to email subject lines only")
    hits = spam_hits(f"{piece.subject_line} {piece.preheader}")
    if not hits:
        return _part(15, 15, "no spam-trigger words in subject or preheader")
    return _part(15 - 5 * len(hits), 15, "spam triggers: " + ", ".join(hits))


def _critique(critique: Critique | None) -> dict:
    if critique is None or critique.score is None:
        return _part(0, 0, "no model critique")
    return _part(critique.score, 10, critique.summary)


def _validity(piece: Piece) -> dict:
    # Re-check rather than trust piece.violations alone: an inline edit may have broken a limit.
    problems = piece.violations or platforms.check(piece)
    if not problems:
        return _part(10, 10, "schema and platform limits met")
    return _part(0, 10, f"{len(problems)} violation(s): {problems[0]}")


def score_piece(piece: Piece, brief: Brief, critique: Critique | None = None) -> tuple[int, dict]:
    lim = limits_for(piece.content_type, piece.platform)
    parts = {
        "length": _length(piece, lim),
        "readability": _readability(piece),
        "keywords": _keywords(piece, brief),
        "call_to_action": _cta(piece),
        "hashtags": _hashtag_fit(piece, lim),
        "spam_words": _spam(piece),
        "limits": _validity(piece),
        "critique": _critique(critique),
    }
    total_max = sum(p["max"] for p in parts.values())
    total = sum(p["score"] for p in parts.values())
    return (round(100 * total / total_max) if total_max else 0), parts
