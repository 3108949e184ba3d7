"""Browser-test fixtures: Playwright driving Debian's Chromium (the live server is `live_server`, from
fixtures_jobs)."""
from __future__ import annotations

import pytest

from tests.helpers.services import require_chromium


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium under Playwright (skips without it unless HERALD_REQUIRE_SERVICES=1)."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page; console errors are collected on `page.console_errors`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
