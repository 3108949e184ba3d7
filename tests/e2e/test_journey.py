"""The main journey in a real browser: register → persona → campaign → add and edit content → dashboard."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_config():
    """The app as a browser meets it: CSRF on."""
    return {"WTF_CSRF_ENABLED": True}


def test_marketer_journey(live_server, page, tmp_path):
    base = live_server.url
    page.goto(f"{base}/register")
    page.get_by_label("Your name").fill("Mara Marketer")
    page.get_by_label("Email").fill("mara@example.com")
    page.locator("#password").fill("a long enough pass phrase")
    page.locator("#password_confirm").fill("a long enough pass phrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r".*/$|.*/dashboard.*"))

    # A persona.
    page.goto(f"{base}/personas/new")
    page.get_by_label(re.compile(r"^Name")).fill("Ops-minded Olivia")
    page.get_by_label("Role / title").fill("Head of Operations")
    page.get_by_label("Goals").fill("Fewer manual reports")
    page.get_by_label("Pain points").fill("Spreadsheets everywhere")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/personas$"))
    assert page.get_by_text("Ops-minded Olivia").first.is_visible()

    # A campaign targeting her.
    page.goto(f"{base}/campaigns/new")
    page.get_by_label(re.compile(r"^Name")).fill("Spring <b>Launch</b>")
    page.get_by_label("Persona").select_option(label="Ops-minded Olivia")
    page.get_by_label("Budget").fill("2500")
    page.get_by_label("Keywords").fill("automation, reporting")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    # The name is shown as text, never as markup.
    assert page.get_by_role("heading", name="Spring <b>Launch</b>").is_visible()
    campaign_url = page.url

    # Add a content item without leaving the page.
    page.get_by_text("Add content by hand").click()
    page.locator("#content-format").select_option(value="email:email")  # swaps the add form via htmx
    add_form = page.locator("#content-add-form")
    add_form.get_by_label("Subject line").fill("Your reports, done by Monday")
    add_form.get_by_label("Preheader").fill("Automation that ops teams trust")
    add_form.get_by_label("Body").fill("Hi Olivia,\n\nStop stitching spreadsheets together.")
    add_form.get_by_label("Call to action").fill("Book a demo")
    add_form.locator("button[type=submit]").click()
    card = page.locator(".content-card", has_text="Your reports, done by Monday")
    card.wait_for()
    assert page.url == campaign_url  # no navigation: swapped in place

    # Edit it inline.
    card.get_by_role("button", name=re.compile("Edit")).first.click()
    edit_subject = page.locator(".content-card.editing").get_by_label("Subject line")
    edit_subject.wait_for()
    edit_subject.fill("Your reports, done before Monday")
    page.locator(".content-card form button[type=submit]").first.click()
    page.locator(".content-card", has_text="Your reports, done before Monday").wait_for()
    assert page.url == campaign_url
    page.screenshot(path=str(tmp_path / "campaign.png"), full_page=True)

    # The dashboard counts it.
    page.goto(f"{base}/")
    stats = page.locator("body")
    assert "Spring <b>Launch</b>" in stats.inner_text()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert page.console_errors == []

    # On a phone every menu entry, Log out included, is on screen: the menu wraps, nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/campaigns")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1]
    for name in ("Dashboard", "Campaigns", "Personas", "Team", "Settings", "Log out"):
        box = page.locator(".main-nav").get_by_role("button" if name == "Log out" else "link", name=name,
                                                    exact=True).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, name
