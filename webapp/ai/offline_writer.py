"""The built-in writer: no network, deterministic for a brief (and its seed), inside every limit.

Copy is assembled from sentence templates filled with the persona's pain points, goals and
objections and the campaign's objective, tone, keywords and dates. Each field is built by
choosing whole sentences that fit the platform's limit, so words are never cut; when nothing
personal fits (a 120-character campaign name in a 30-character headline), short generic lines
that always fit are used instead. Templates are English; persona and campaign text is inserted
as written (any language), and lengths are measured the way each platform counts them.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable
from datetime import UTC, date, datetime

from . import platforms
from .platforms import limits_for, measure
from .types import Brief, Critique, Piece
from .writer import validate_brief

MODEL = "herald-offline-1"
ANGLES = ("pain", "goal", "objection", "question", "urgency", "detail")


def _clauses(value, limit: int = 6) -> list[str]:
    """Free text or a list -> short clauses without trailing punctuation."""
    if not value:
        return []
    items = value if isinstance(value, list | tuple) else re.split(r"[\n;•]+|(?<=[.!?。！？])\s*", str(value))
    out = []
    for item in items:
        # Quotes around a clause would double up with the quotes the templates add.
        text = re.sub(r"\s+", " ", str(item)).strip(" -*\t.,;:!?。、\"'“”‘’«»„")
        if text and text not in out:
            out.append(text)
    return out[:limit]


def _capital(line: str) -> str:
    """Start a sentence with a capital even when the persona's clause did not ("grow to 20 people…")."""
    return line[:1].upper() + line[1:]


def _keywords(value) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[,\n;]+", value)
    return [k.strip() for k in (value or []) if str(k).strip()][:8]


def _parse_date(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _fmt_date(d: date) -> str:
    return f"{d.strftime('%B')} {d.day}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _title(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


_CTAS = {  # objective keyword -> (general CTA options, Meta button)
    "aware": (["Learn more", "Discover more", "See what's new"], "Learn More"),
    "lead": (["Get in touch", "Book a call", "Sign up"], "Sign Up"),
    "sign": (["Sign up", "Join now", "Create your account"], "Sign Up"),
    "sale": (["Shop now", "Get started", "Order today"], "Shop Now"),
    "conver": (["Get started", "Try it now", "Start today"], "Get Offer"),
    "purchas": (["Shop now", "Order today", "Get yours"], "Shop Now"),
    "traffic": (["Read more", "See how it works", "Visit us"], "Learn More"),
    "engag": (["Join the conversation", "Share your view", "Tell us more"], "Learn More"),
    "retent": (["See what's new", "Explore the update", "Log in to see"], "Learn More"),
    "loyal": (["See what's new", "Claim your perks", "Explore your benefits"], "Learn More"),
    "event": (["Save your seat", "Register now", "Reserve a spot"], "Register"),
    "regist": (["Register now", "Save your seat", "Reserve a spot"], "Register"),
    "webinar": (["Save your seat", "Register now", "Join the session"], "Register"),
    "download": (["Download now", "Get the app", "Install today"], "Download"),
    "app": (["Get the app", "Download now", "Try the app"], "Download"),
}
_DEFAULT_CTA = (["Learn more", "See how it works", "Find out more"], "Learn More")

_CLOSERS = {
    "friendly": ["We'd love to hear what you think.", "Talk soon!"],
    "casual": ["Give it a go.", "No pressure, just a better way."],
    "playful": ["Your future self will thank you.", "Go on, you deserve it."],
    "urgent": ["Don't wait too long.", "Now is the moment."],
    "professional": ["We look forward to hearing from you.", "We're here when you're ready."],
    "inspir": ["Let's build something better together.", "The next step is yours."],
}

_GENERIC_HEADLINES = ["See How It Works", "Start Today", "Learn More", "Find Out More", "Take the Next Step",
                      "Try It for Yourself", "Made With You in Mind", "Discover What's New"]


_GENERIC_HOOKS = ["What would you do with an extra hour each week?", "Small changes, big difference.",
                  "Here's something worth a closer look.", "Good things start with one step.",
                  "We built this with you in mind.", "Less busywork, more of what matters."]


def _one_line(value) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip()


def _fitting(text: str, limit: int) -> str:
    """The text if it fits in `limit` characters, else "" (a long name or role reads badly inline)."""
    return text if text and measure(text) <= limit else ""


def _ctas_for(objective: str) -> tuple[list[str], str]:
    """(general CTA options, Meta button) for the first objective keyword found in the objective."""
    return next((v for k, v in _CTAS.items() if k in objective), _DEFAULT_CTA)


def _closers_for(tone: str) -> list[str]:
    return next((v for k, v in _CLOSERS.items() if k in tone), _CLOSERS["professional"])


class _Facts:
    """Everything usable from the brief, cleaned once."""

    def __init__(self, brief: Brief, rng: random.Random) -> None:
        p, c = brief.persona or {}, brief.campaign or {}
        self.name = _one_line(c.get("name"))
        self.product = _fitting(self.name, 40) or "our new offer"
        self.short_product = _fitting(self.name, 24)
        self.role = _fitting(_one_line(p.get("role")), 40)
        self.pains = _clauses(p.get("pain_points"))
        self.goals = _clauses(p.get("goals"))
        self.objections = _clauses(p.get("objections"))
        self.details = [d for d in _clauses(c.get("description")) if measure(d) <= 160]
        self.keywords = _keywords(c.get("keywords"))
        self.tone = (brief.effective_tone or "").lower()
        general, meta = _ctas_for(str(c.get("objective") or "").lower())
        # Meta ads show a fixed button: say the same thing in the copy as on the button.
        meta_ads = bool(limits_for(brief.content_type, brief.platform).cta_choices)
        self.cta = meta[:1] + meta[1:].lower() if meta_ads else rng.choice(general)
        self.meta_cta = meta
        self.start = _parse_date(c.get("start_date"))
        self.end = _parse_date(c.get("end_date"))
        for seq in (self.pains, self.goals, self.objections, self.details):
            rng.shuffle(seq)
        self.closers = _closers_for(self.tone)

    # sentence candidates per idea, best first; callers pick the first that fits
    def pain_lines(self, rng) -> list[str]:
        forms = ["{x}? There's a better way.", "{x} — sound familiar?", "{x}? You're not alone.",
                 "{x}. It doesn't have to stay that way."]
        rng.shuffle(forms)
        return [_capital(f.format(x=x)) for x in self.pains for f in forms]

    def goal_lines(self, rng) -> list[str]:
        forms = ["{x}: that's what {p} is built for.", "{x} — without the extra work.",
                 "Your goal: {x}. We're here to help you get there.", "{x}. {p} helps you get there."]
        rng.shuffle(forms)
        lines = [_capital(f.format(x=x, p=self.product)) for x in self.goals for f in forms]
        return lines + [_capital(f"{x}.") for x in self.goals]

    def objection_lines(self, rng) -> list[str]:
        answers = ["Start small and judge the results yourself.", "You stay in control at every step.",
                   "Try it on one project before you decide."]
        rng.shuffle(answers)
        return [f"“{_capital(x)}”? Fair question. {a}" for x in self.objections for a in answers]

    def role_lines(self, rng) -> list[str]:
        if not self.role:
            return []
        forms = [f"As {_article(self.role)} {self.role}, you know how much every hour counts.",
                 f"Made for people who work as {self.role}.",
                 f"Written for you, {self.role}."]
        rng.shuffle(forms)
        return forms

    def detail_lines(self, rng) -> list[str]:
        return [_capital(f"{d}.") for d in self.details]

    def keyword_lines(self, rng) -> list[str]:
        k = self.keywords
        if not k:
            return []
        lines = []
        if len(k) >= 2:
            lines += [f"From {k[0]} to {k[1]}, it's covered.", f"Think {k[0]} and {k[1]}, done right."]
        lines += [f"It's all about {k[0]}.", f"{_title(k[0])}, made simple."]
        return lines

    def date_lines(self, rng) -> list[str]:
        if self.start and self.end:
            return [f"Runs from {_fmt_date(self.start)} to {_fmt_date(self.end)}.",
                    f"Available until {_fmt_date(self.end)}."]
        if self.end:
            return [f"Available until {_fmt_date(self.end)}.", f"Ends {_fmt_date(self.end)}."]
        if self.start:
            return [f"Starting {_fmt_date(self.start)}.", f"Coming {_fmt_date(self.start)}."]
        return []

    def question_lines(self, rng) -> list[str]:
        lines = [f"Is this you? {x}." for x in self.pains]
        lines += [f"What would change if this were true: {x}?" for x in self.goals]
        return lines

    def cta_lines(self, rng) -> list[str]:
        now = self.cta.lower().endswith(("today", "now"))
        return [f"{self.cta}." if now else f"{self.cta} today.", f"Ready? {self.cta}.", f"{self.cta}."]


def _key(sentence: str) -> str:
    # Lines built from the same clause start alike ("X? There's a better way." / "X — sound
    # familiar?"): a shared prefix marks them as one idea, so a piece never says it twice.
    return sentence[:18].lower()


def _fit_join(groups: list[list[str]], budget: int, rule: str, sep: str = " ",
              used: set[str] | None = None) -> str:
    """Take the first candidate of each group that still fits the budget; skip groups that don't."""
    used = set() if used is None else used
    chosen: list[str] = []
    for candidates in groups:
        for cand in candidates:
            if _key(cand) in used:
                continue
            if measure(sep.join([*chosen, cand]), rule) <= budget:
                chosen.append(cand)
                used.add(_key(cand))
                break
    return sep.join(chosen)


def _first_fit(candidates: list[str], limit: int, rule: str = "chars", minimum: int = 0) -> str:
    fitting = [c for c in candidates if c and measure(c, rule) <= limit]
    return next((c for c in fitting if measure(c, rule) >= minimum), fitting[0] if fitting else "")


def _seed(brief: Brief, *, with_variant: bool = True) -> int:
    """Stable across processes (Python's hash() is salted per process, so hash the JSON)."""
    key = {"ct": brief.content_type, "pf": brief.platform, "persona": brief.persona, "campaign": brief.campaign,
           "creativity": brief.creativity, "tone": brief.tone, "seed": brief.seed}
    if with_variant:
        key["variant"] = [brief.variant_index, bool(brief.variant_of)]
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str, ensure_ascii=False).encode()).digest()
    return int.from_bytes(digest[:8], "big")


class OfflineWriter:
    name = "offline"
    model = MODEL

    def write(self, brief: Brief) -> Piece:
        validate_brief(brief)
        original = (brief.variant_of or {}).get("body") or "|".join((brief.variant_of or {}).get("headlines") or [])
        piece = None
        for reroll in range(6):  # a variation must differ from the piece it varies
            rng = random.Random(_seed(brief) + reroll)
            angle_base = random.Random(_seed(brief, with_variant=False)).randrange(len(ANGLES))
            shift = brief.variant_index + (1 if brief.variant_of else 0) + reroll
            angle = ANGLES[(angle_base + shift) % len(ANGLES)]
            piece = self._compose(brief, rng, angle)
            text = piece.body or "|".join(piece.headlines)
            if not brief.variant_of or text != original:
                break
        piece.violations = platforms.check(piece, require_visual=brief.include_visuals)
        piece.attempts = 1
        piece.valid_first_try = not piece.violations
        piece.usage_estimated = True
        piece.prompt_tokens = len(json.dumps([brief.persona, brief.campaign], default=str)) // 4
        piece.completion_tokens = len(render_text(piece)) // 4
        return piece

    def stream(self, brief: Brief, on_text: Callable[[str], None],
               on_restart: Callable[[], None] | None = None) -> Piece:
        """Emits the finished text in word-sized chunks (no sleeping: it is already written)."""
        piece = self.write(brief)
        for chunk in re.findall(r"\S+\s*|\s+", render_text(piece)):
            on_text(chunk)
        return piece

    def critique(self, piece: Piece, brief: Brief) -> Critique:
        from .scoring import score_piece

        total, parts = score_piece(piece, brief)
        weak = sorted((p for p in parts.values() if p["score"] < p["max"]),
                      key=lambda p: p["score"] / p["max"] if p["max"] else 1)
        suggestions = [p["note"] for p in weak[:3]]
        summary = ("Fits the platform and speaks to the persona." if total >= 80 else
                   "Solid draft; a few rule-based checks point to improvements." if total >= 60 else
                   "Needs work before it goes out.")
        return Critique(summary=f"{summary} (rule-based review by the offline writer)",
                        suggestions=suggestions, score=max(1, round(total / 10)))

    def status(self) -> dict:
        return {"writer": self.name, "model": self.model, "base_url_host": None, "reachable": True,
                "checked_at": datetime.now(UTC).isoformat(timespec="seconds")}

    # --- composition ---------------------------------------------------------------------------

    def _compose(self, brief: Brief, rng: random.Random, angle: str) -> Piece:
        f = _Facts(brief, rng)
        lim = limits_for(brief.content_type, brief.platform)
        piece = Piece(content_type=brief.content_type, platform=brief.platform, model=MODEL)
        hooks = self._hooks(f, rng, angle)
        if brief.content_type == "email":
            self._email(piece, f, rng, hooks, lim)
        elif brief.content_type == "social_post":
            self._social(piece, f, rng, hooks, lim, brief.platform)
        else:
            self._ad(piece, f, rng, hooks, lim, brief.platform)
        if brief.include_visuals:
            piece.visual_brief = self._visual(f, rng, lim)
        return piece

    @staticmethod
    def _hooks(f: _Facts, rng, angle: str) -> list[str]:
        by_angle = {"pain": f.pain_lines, "goal": f.goal_lines, "objection": f.objection_lines,
                    "question": f.question_lines, "urgency": f.date_lines, "detail": f.detail_lines}
        order = [angle] + [a for a in ANGLES if a != angle]
        lines: list[str] = []
        for a in order:
            lines += by_angle[a](rng)
        # Generic openers last (used when the persona is empty), rotated by angle so that
        # variations of a bare brief still differ.
        pool = ([f"Meet {f.product}."] if f.name else []) + _GENERIC_HOOKS
        k = ANGLES.index(angle) % len(pool)
        return lines + f.role_lines(rng) + f.keyword_lines(rng) + pool[k:] + pool[:k]

    def _hashtags(self, f: _Facts, rng, lo_hi: tuple[int, int] | None, limit: int | None) -> list[str]:
        lo, hi = lo_hi or (0, 0)
        if hi == 0:
            return []
        pool = [platforms.clean_hashtag(_title(k)) for k in f.keywords]
        if f.short_product:
            pool.append(platforms.clean_hashtag(_title(f.short_product)))
        pool += [platforms.clean_hashtag(_title(x)) for x in (f.role,) if x]
        pool = [t for t in dict.fromkeys(pool) if t and len(t) <= 30]
        for generic in ("Marketing", "NewRelease", "Tips", "Growth", "Community"):
            if len(pool) >= lo:
                break
            pool.append(generic)
        n = min(len(pool), max(lo, min(hi, lo + rng.randrange(hi - lo + 1))))
        if limit is not None:
            n = min(n, limit)
        return pool[:n]

    def _email(self, piece: Piece, f: _Facts, rng, hooks, lim) -> None:
        piece.subject_line = self._subject(f, rng, lim)
        piece.preheader = self._preheader(f, rng, lim)
        piece.body = self._email_body(f, rng, hooks)
        piece.call_to_action = _first_fit([f.cta, "Learn more"], lim.cta_max or 40)

    @staticmethod
    def _subject(f: _Facts, rng, lim) -> str:
        subjects = []
        if f.name:
            subjects += [f"{f.product}: made for you", f"Introducing {f.product}", f"New: {f.product}"]
        subjects += [f"{g}, made easier" for g in f.goals] + [f"{g}?" for g in f.pains]
        subjects += [f"{_title(k)}, made simple" for k in f.keywords[:2]]
        if f.end:
            subjects.append(f"Until {_fmt_date(f.end)}: {f.product}")
        subjects += ["A better way to work", "Something new for you"]
        fitting = [s for s in subjects if measure(s) <= (lim.subject_max or 60)]
        # Prefer the recommended 25-50 characters; any subject that fits when none is in that range.
        ideal = [s for s in fitting if 25 <= measure(s) <= 50]
        return rng.choice(ideal or fitting)

    @staticmethod
    def _preheader(f: _Facts, rng, lim) -> str:
        budget = lim.preheader_max or 130
        groups = [f.goal_lines(rng) + f.detail_lines(rng), f.date_lines(rng),
                  [f"{f.cta} inside.", "Here's what's new and why it matters to you."]]
        pre = _fit_join(groups, budget, "chars")
        if measure(pre) < (lim.preheader_min or 0):
            # Too short and the client fills the rest with body text: pad with generic lines.
            pre = _fit_join([[pre] if pre else [], ["Here's what's new and why it matters to you."],
                             ["A short read, worth your time."]], budget, "chars")
        return pre

    @staticmethod
    def _email_body(f: _Facts, rng, hooks) -> str:
        used: set[str] = set()  # shared by the paragraphs, so no idea is said twice
        # (candidate groups, character budget) per paragraph, in reading order
        plan = [([hooks, f.role_lines(rng)], 320),
                ([f.goal_lines(rng), f.detail_lines(rng), f.keyword_lines(rng)], 420),
                ([f.objection_lines(rng)], 260),
                ([f.date_lines(rng), f.cta_lines(rng), [rng.choice(f.closers)]], 260)]
        paragraphs = ["Hi there,", *(_fit_join(groups, budget, "chars", used=used) for groups, budget in plan)]
        sign = f"The {f.short_product} team" if f.short_product else "The team"
        paragraphs.append(f"Best regards,\n{sign}")
        return "\n\n".join(p for p in dict.fromkeys(paragraphs) if p)

    def _social(self, piece: Piece, f: _Facts, rng, hooks, lim, platform: str) -> None:
        rule = lim.length_rule
        piece.hashtags = self._hashtags(f, rng, lim.hashtags_recommended, lim.hashtags_max)
        tags = " ".join(f"#{t}" for t in piece.hashtags)
        budget = (lim.body_max or 3000) - (measure(f"\n\n{tags}", rule) if tags else 0)
        cta_line = rng.choice(f.cta_lines(rng))
        if platform == "twitter":
            body = _fit_join([hooks, f.goal_lines(rng) + f.keyword_lines(rng), [cta_line]],
                             min(budget, 240), rule)
        elif platform == "facebook":
            body = _fit_join([hooks, f.goal_lines(rng) + f.keyword_lines(rng) + f.detail_lines(rng), [cta_line]],
                             min(budget, 250), rule)
        elif platform == "instagram":
            body = _fit_join([hooks, f.goal_lines(rng), f.detail_lines(rng) + f.keyword_lines(rng),
                              [f"{f.cta} — link in bio."]], min(budget, 600), rule, sep="\n\n")
        else:  # linkedin: a hook line, short paragraphs, a question to invite comments
            question = rng.choice(["How does your team handle this today?", "What's your take?",
                                   "What would you add?"])
            body = _fit_join([hooks[:4], f.role_lines(rng), f.goal_lines(rng), f.detail_lines(rng),
                              f.objection_lines(rng), f.date_lines(rng), [question], [cta_line]],
                             min(budget, 1300), rule, sep="\n\n")
        piece.body = body or _first_fit([cta_line, f"{f.cta}."], budget, rule)

    def _ad(self, piece: Piece, f: _Facts, rng, hooks, lim, platform: str) -> None:
        rule = lim.length_rule
        meta = bool(lim.cta_choices)
        piece.call_to_action = f.meta_cta if meta else _first_fit([f.cta, "Learn more"], lim.cta_max or 30, rule)
        piece.headlines = self._ad_headlines(f, rng, lim, platform)
        piece.descriptions = self._ad_descriptions(f, rng, hooks, lim, platform)
        if lim.body_required:
            budget = min(lim.body_max or 600, lim.body_recommended or 600)
            piece.body = _fit_join([hooks, f.goal_lines(rng) + f.keyword_lines(rng), f.cta_lines(rng)], budget, rule)
            piece.body = piece.body or _first_fit(f.cta_lines(rng), budget, rule)

    def _ad_headlines(self, f: _Facts, rng, lim, platform: str) -> list[str]:
        # Personal candidates first, generic ones that always fit last.
        heads = [f.product if f.name else "", *(_title(k) for k in f.keywords),
                 *(f"{_title(k)} for {f.role}" for k in f.keywords[:2] if f.role and " " in k),
                 *f.goals, *(f"{g}, Made Easy" for g in f.goals[:1]),
                 f"Built for {f.role}" if f.role else "", _title(f.cta)]
        rng.shuffle(heads)
        generic = _GENERIC_HEADLINES[:]
        rng.shuffle(generic)
        rule = lim.length_rule
        fitting = [h for h in dict.fromkeys(heads + generic) if h and measure(h, rule) <= lim.headline_max]
        # Drawn for every platform, not only Google, so the draws after it stay where they were.
        google_count = rng.randint(8, 12)
        n_heads = google_count if platform == "google_ads" else min(3, lim.headline_count)
        return self._distinct(fitting, n_heads)

    def _ad_descriptions(self, f: _Facts, rng, hooks, lim, platform: str) -> list[str]:
        rule, limit = lim.length_rule, lim.description_max
        descs = [_fit_join([[x], f.cta_lines(rng)], limit, rule) for x in
                 hooks[:6] + f.goal_lines(rng)[:3] + f.detail_lines(rng) + f.date_lines(rng)]
        descs += ["Find out how it works and whether it fits you.", "Take a closer look today.",
                  *f.cta_lines(rng), "Worth a look."]
        fitting, seen = [], set()
        for d in dict.fromkeys(descs):  # one description per idea (same clause -> same key)
            if d and measure(d, rule) <= limit and _key(d) not in seen:
                seen.add(_key(d))
                fitting.append(d)
        n_desc = {"google_ads": 4, "twitter": 1, "linkedin": 1}.get(platform, 2)
        return self._distinct(fitting, n_desc)

    @staticmethod
    def _distinct(items: list[str], n: int) -> list[str]:
        seen, out = set(), []
        for item in items:
            if item.lower() not in seen:
                seen.add(item.lower())
                out.append(item)
            if len(out) == n:
                break
        return out

    @staticmethod
    def _visual(f: _Facts, rng, lim) -> dict:
        who = f.role or "a person like your reader"
        mood = rng.choice(["bright, uncluttered", "warm, natural-light", "calm, modern"])
        subject = f.short_product or "the product"
        goal = f" — the moment of: {f.goals[0]}" if f.goals and measure(f.goals[0]) <= 80 else ""
        alt = f"{who[:1].upper()}{who[1:]} at work, looking relaxed, with {subject} on screen"
        return {"description": f"A {mood} photo of {who} at work{goal}; {subject} visible on screen; "
                               f"leave clear space for the headline.",
                "alt_text": alt if measure(alt) <= 125 else "A person at work, looking relaxed, at a laptop",
                "aspect_ratio": lim.aspect_ratio}


def render_text(piece: Piece) -> str:
    """The piece as one readable text (what stream() emits and what tokens are estimated from)."""
    parts = []
    if piece.subject_line:
        parts.append(piece.subject_line)
    if piece.preheader:
        parts.append(piece.preheader)
    parts += piece.headlines
    if piece.body:
        parts.append(platforms.post_text(piece) if piece.content_type == "social_post" else piece.body)
    parts += piece.descriptions
    if piece.call_to_action:
        parts.append(piece.call_to_action)
    return "\n".join(parts)
