"""The `llm_markdown` filter: Markdown from a model becomes HTML with nothing live in it."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from webapp.markup import ALLOWED_TAGS, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    '<div hx-get="/x" hx-trigger="load">click</div>',
    '<img src=x onerror="alert(1)">',
    "![pixel](http://evil.example/p.png)",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="/x" onclick="alert(1)" hx-post="/y">a</a>',
    '[t](http://a.example "<hx-partial hx-target=body>")',
    "<hx-partial hx-target='#main'>owned</hx-partial>",
    '<iframe src="http://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '<svg onload="alert(1)"></svg>',
]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("text", HOSTILE)
def test_nothing_live_survives(text):
    parser = _Elements()
    parser.feed(str(render_markdown(text)))
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, tag
        assert set(attrs) <= {"href", "rel"}, attrs
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("http://", "https://", "mailto:", "/")), href


def test_markdown_formatting_is_kept():
    html = str(render_markdown("**Bold** and *soft*\n\n- one\n- two\n\n[site](https://example.com)"))
    assert "<strong>Bold</strong>" in html and "<em>soft</em>" in html and "<li>one</li>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">site</a>' in html


def test_empty_and_none():
    assert str(render_markdown(None)) == "" and str(render_markdown("")) == ""


def test_registered_as_jinja_filter(app):
    with app.app_context():
        out = app.jinja_env.from_string("{{ t | llm_markdown }}").render(t="<script>x</script> **y**")
    assert "&lt;script&gt;" in out and "<strong>y</strong>" in out
