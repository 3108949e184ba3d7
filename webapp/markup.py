"""Sanitised Markdown for LLM text: markdown-it-py's js-default preset (raw HTML stays text,
unsafe link schemes refused), then nh3 with a short allow-list — no on* or hx-* attributes, no
javascript: URLs, no images, no scripts. A model returning HTML changes nothing on the page."""
from __future__ import annotations

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("js-default", {"linkify": False, "typographer": False}).disable("image")

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a", "h3", "h4", "hr"}
ALLOWED_ATTRIBUTES = {"*": set(), "a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html: str) -> str:
    """Keep only ALLOWED_TAGS, hrefs with safe schemes (no title or any other attribute — htmx
    rewrites `<hx-…` found anywhere in a response, attribute values included)."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True)


def render_markdown(text: str | None) -> Markup:
    """LLM (or user) text → safe HTML Markup."""
    if not text:
        return Markup("")
    return Markup(sanitise_html(_md.render(str(text))))


def init_app(app: Flask) -> None:
    """Register the `llm_markdown` Jinja filter."""
    app.jinja_env.filters["llm_markdown"] = render_markdown
