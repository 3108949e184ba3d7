"""The offline writer's exact output for the demo brief, and the facts it reads from a brief.

Characterisation: these pin what the writer produces today, so its composition code can be
restructured without changing a word of the copy.
"""
from __future__ import annotations

import datetime
import random

import pytest

from tests.unit.test_ai_offline_writer import make
from webapp.ai.offline_writer import _CLOSERS, OfflineWriter, _Facts

VISUAL_ALT = "Marketing Manager at work, looking relaxed, with Spring Analytics Launch on screen"


def copy_fields(piece) -> dict:
    keep = ("subject_line", "preheader", "headlines", "descriptions", "body", "call_to_action", "hashtags")
    return {k: getattr(piece, k) for k in keep if getattr(piece, k)}


def test_facts_from_the_demo_brief():
    f = _Facts(make("demo", "email", "email"), random.Random(0))
    assert vars(f) == {
        "name": "Spring Analytics Launch", "product": "Spring Analytics Launch",
        "short_product": "Spring Analytics Launch", "role": "Marketing Manager",
        "pains": ["Reporting takes two days every month", "Data lives in five different tools"],
        "goals": ["Spend less time on manual reports", "Prove campaign ROI to leadership"],
        "objections": ["Another tool to learn", "Too expensive for a small team"],
        "details": ["Turns scattered campaign data into one weekly report"],
        "keywords": ["marketing analytics", "ROI"], "tone": "friendly", "cta": "Book a call", "meta_cta": "Sign Up",
        "start": datetime.date(2025, 3, 1), "end": datetime.date(2025, 4, 30),
        "closers": ["We'd love to hear what you think.", "Talk soon!"],
    }


def test_facts_drop_what_is_too_long_and_fall_back_when_empty():
    f = _Facts(make("long", "email", "email"), random.Random(0))
    assert (f.product, f.short_product, f.role, f.objections, f.details) == ("our new offer", "", "", [], [])
    assert (f.tone, f.cta, f.meta_cta, f.start, f.end) == ("urgent", "Explore the update", "Learn More", None, None)
    assert f.closers == ["Don't wait too long.", "Now is the moment."]
    e = _Facts(make("empty", "email", "email"), random.Random(0))
    assert (e.name, e.product, e.role, e.pains, e.keywords, e.tone) == ("", "our new offer", "", [], [], "")
    assert (e.cta, e.meta_cta) == ("See how it works", "Learn More")
    assert e.closers == _CLOSERS["professional"]


def test_meta_ads_say_the_button_in_the_copy():
    f = _Facts(make("demo", "ad_copy", "meta_ads"), random.Random(0))
    assert (f.cta, f.meta_cta) == ("Sign up", "Sign Up")


def test_demo_email():
    piece = OfflineWriter().write(make("demo", "email", "email"))
    assert copy_fields(piece) == {
        "subject_line": "Prove campaign ROI to leadership, made easier",
        "preheader": "Your goal: Spend less time on manual reports. We're here to help you get there. "
                     "Runs from March 1 to April 30. Sign up inside.",
        "body": "Hi there,\n\nReporting takes two days every month — sound familiar? Made for people who work as "
                "Marketing Manager.\n\nSpend less time on manual reports. Spring Analytics Launch helps you get "
                "there. Turns scattered campaign data into one weekly report. From marketing analytics to ROI, "
                "it's covered.\n\n“Another tool to learn”? Fair question. You stay in control at every step.\n\n"
                "Runs from March 1 to April 30. Sign up today. We'd love to hear what you think.\n\n"
                "Best regards,\nThe Spring Analytics Launch team",
        "call_to_action": "Sign up",
    }
    assert piece.visual_brief["alt_text"] == VISUAL_ALT and piece.visual_brief["aspect_ratio"] == "2:1"
    assert (piece.prompt_tokens, piece.completion_tokens) == (146, 170)


def test_demo_google_ad():
    piece = OfflineWriter().write(make("demo", "ad_copy", "google_ads"))
    assert copy_fields(piece) == {
        "headlines": ["Sign Up", "Marketing Analytics", "Spring Analytics Launch", "ROI", "Built for Marketing Manager",
                      "Try It for Yourself", "Take the Next Step", "Start Today", "Made With You in Mind",
                      "Find Out More", "Learn More"],
        "descriptions": ["Turns scattered campaign data into one weekly report. Sign up today.",
                         "Reporting takes two days every month? There's a better way. Sign up today.",
                         "Data lives in five different tools? There's a better way. Sign up today.",
                         "Your goal: Prove campaign ROI to leadership. We're here to help you get there. Sign up."],
        "call_to_action": "Sign up",
    }


def test_demo_meta_ad():
    piece = OfflineWriter().write(make("demo", "ad_copy", "meta_ads"))
    assert copy_fields(piece) == {
        "headlines": ["Spend less time on manual reports", "Prove campaign ROI to leadership",
                      "Built for Marketing Manager"],
        "descriptions": ["Sign up today.", "Runs from March 1 to April 30."],
        "body": "Turns scattered campaign data into one weekly report. Prove campaign ROI to leadership — without "
                "the extra work. Sign up.",
        "call_to_action": "Sign Up",
    }


def test_demo_linkedin_post():
    piece = OfflineWriter().write(make("demo", "social_post", "linkedin"))
    assert copy_fields(piece) == {
        "body": "Turns scattered campaign data into one weekly report.\n\nWritten for you, Marketing Manager.\n\n"
                "Your goal: Spend less time on manual reports. We're here to help you get there.\n\n"
                "“Too expensive for a small team”? Fair question. Start small and judge the results yourself.\n\n"
                "Runs from March 1 to April 30.\n\nHow does your team handle this today?\n\nReady? Book a call.",
        "hashtags": ["MarketingAnalytics", "ROI", "SpringAnalyticsLaunch", "MarketingManager"],
    }


@pytest.mark.parametrize("tone", [*_CLOSERS, "inspirational", "unknown"])
def test_email_closes_in_the_tone_of_the_brief(tone):
    piece = OfflineWriter().write(make("demo", "email", "email", tone=tone))
    closers = next((v for k, v in _CLOSERS.items() if k in tone), _CLOSERS["professional"])
    closing_paragraph = piece.body.split("\n\n")[-2]
    assert any(closing_paragraph.endswith(c) for c in closers), closing_paragraph
