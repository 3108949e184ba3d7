"""Browser-test fixtures: a live Herald on a loopback port and Playwright driving Debian's Chromium."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.helpers.services import require_chromium


class LiveServer:
    """A real HTTP server (threaded werkzeug) running `app` on 127.0.0.1:<free port>."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_app(tmp_path):
    """An app as a browser meets it: CSRF on, a fresh database."""
    from tests.conftest import make_app

    return make_app(tmp_path, WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(live_app):
    """The live app served on a loopback port."""
    server = LiveServer(live_app).start()
    yield server
    server.stop()


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
