"""platforms.check() on varied pieces: the exact messages, in order, for each kind of problem.

Pins current behaviour (field order, wording, which checks stop early) so the checker can be
restructured without changing what a flagged draft shows.
"""
from __future__ import annotations

import pytest

from webapp.ai.platforms import check
from webapp.ai.types import Piece

VISUAL = {"description": "A photo", "alt_text": "A person at a desk", "aspect_ratio": "2:1"}
MISSING_VISUAL = "visual_brief is missing (the campaign asks for visuals)"
LISTS = "headlines, descriptions and hashtags must be lists of strings"


@pytest.mark.parametrize("piece,expected", [
    (Piece("blog", "email"), ["unknown content type 'blog'"]),
    (Piece("social_post", "google_ads"), ["social_post cannot target platform 'google_ads'"]),
    (Piece("ad_copy", "google_ads", headlines="One"), [LISTS]),
    (Piece("social_post", "twitter", body="Hi", hashtags=["ok", 3]), [LISTS]),
], ids=["unknown-type", "wrong-platform", "headlines-not-a-list", "hashtag-not-a-string"])
def test_early_exits_ignore_require_visual(piece, expected):
    assert check(piece) == expected
    assert check(piece, require_visual=True) == expected


def test_empty_email_names_every_missing_field_in_order():
    piece = Piece("email", "email")
    expected = ["body is missing", "subject_line is missing", "preheader is missing", "call_to_action is missing"]
    assert check(piece) == expected
    assert check(piece, require_visual=True) == [*expected, MISSING_VISUAL]


def test_email_over_every_limit():
    piece = Piece("email", "email", subject_line="s" * 61, preheader="p" * 131, body="b" * 10001,
                  call_to_action="c" * 41, hashtags=["two words", "#fine", "#", "Sale!"], visual_brief="x")
    assert check(piece) == [
        "body is 10001 characters; email allows 10000",
        "subject_line is 61 characters; an email subject (recommended) allows 60",
        "preheader is 131 characters; an email preheader allows 130",
        "call_to_action is 41 characters; email allows 40",
        "hashtags must be single words without spaces or punctuation: two words, #, Sale!",
        "visual_brief must be an object with description, alt_text, aspect_ratio",
    ]


def test_email_short_preheader_and_valid_visual():
    piece = Piece("email", "email", subject_line="Hello there", preheader="Too short.", body="Body",
                  call_to_action="Go", visual_brief=VISUAL)
    expected = ["preheader is 10 characters; aim for 40-130 so the client does not pad it with body text"]
    assert check(piece) == expected
    assert check(piece, require_visual=True) == expected


def test_social_posts_count_hashtags_and_use_the_platform_label():
    insta = Piece("social_post", "instagram", body="   ", hashtags=[f"t{i}" for i in range(31)])
    assert check(insta) == ["caption is missing", "31 hashtags; Instagram allows 30"]
    linkedin = Piece("social_post", "linkedin", body="w" * 2990, hashtags=["alpha", "beta"], call_to_action="x" * 41)
    assert check(linkedin) == ["post (with hashtags) is 3004 characters; LinkedIn allows 3000",
                               "call_to_action is 41 characters; LinkedIn allows 40"]
    tweet = Piece("social_post", "twitter", body="日本語" * 47)
    assert check(tweet, require_visual=True) == [
        "post (with hashtags) is 282 weighted characters; X/Twitter allows 280", MISSING_VISUAL]


def test_meta_ad_missing_and_over_limit_parts():
    piece = Piece("ad_copy", "meta_ads", body="", headlines=[], descriptions=["d" * 31, " "], call_to_action="")
    assert check(piece) == [
        "primary text is missing",
        "0 headlines; Meta ads needs at least 1",
        "a description is empty",
        "description 1 ('ddddddddddddddddddddddddddddddd') is 31 characters; Meta ads allows 30",
        "call_to_action is missing",
    ]


def test_google_ad_counts_duplicates_and_double_width():
    piece = Piece("ad_copy", "google_ads", headlines=["日本語のヘッドライン長い長い"] * 16, descriptions=["d"] * 5,
                  call_to_action="Learn more")
    assert check(piece) == ["16 headlines; Google Ads takes at most 15", "headlines must all be different",
                            "5 descriptions; Google Ads takes at most 4", "descriptions must all be different"]
    wide = Piece("ad_copy", "google_ads", headlines=["日本語のヘッドライン長い長い長い", "Two", ""],
                 descriptions=["d1", "d2"], call_to_action="c" * 31)
    assert check(wide) == ["a headline is empty",
                           "headline 1 ('日本語のヘッドライン長い長い長い') is 32 characters; Google Ads allows 30",
                           "call_to_action is 31 characters; Google Ads allows 30"]


def test_twitter_ad_needs_no_description():
    piece = Piece("ad_copy", "twitter", body="Post text", headlines=["Head"], call_to_action="Go")
    assert check(piece) == []
    assert check(piece, require_visual=True) == [MISSING_VISUAL]


def test_visual_brief_fields():
    ad = Piece("ad_copy", "linkedin", body="Intro", headlines=["H"], descriptions=["D"], call_to_action="Go",
               visual_brief={"description": " ", "alt_text": "a" * 251, "aspect_ratio": "9:16"})
    assert check(ad) == ["visual_brief.description is missing",
                         "visual_brief.alt_text is 251 characters; keep alt text under 250",
                         "visual_brief.aspect_ratio '9:16' is not one of 1.91:1, 1:1"]
    post = Piece("social_post", "facebook", body="Hi",
                 visual_brief={"description": "d", "alt_text": "", "aspect_ratio": None})
    assert check(post) == ["visual_brief.alt_text is missing",
                           "visual_brief.aspect_ratio '' is not one of 1:1, 4:5, 1.91:1"]
