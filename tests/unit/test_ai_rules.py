"""Platform limits, the tolerant parser, prompt building — pure functions on hand-made input."""
from __future__ import annotations

import json

from webapp.ai.parsing import JsonTextStream, extract_json, parse_fields
from webapp.ai.platforms import CONTENT_TYPE_PLATFORMS, Limits, check, is_valid_platform, limits_for, measure
from webapp.ai.prompts import build_messages, data_block, response_schema, temperature
from webapp.ai.types import Brief, Piece


def email(**kw) -> Piece:
    base = dict(subject_line="Your reports, done by lunch", preheader="See how teams cut reporting time in half.",
                body="Hi there,\n\nShort body.", call_to_action="Start now")
    base.update(kw)
    return Piece("email", "email", **base)


def test_stub_names_still_work():
    assert CONTENT_TYPE_PLATFORMS["email"] == ("email",)
    assert is_valid_platform("ad_copy", "google_ads") and not is_valid_platform("email", "twitter")
    assert isinstance(limits_for("social_post", "twitter"), Limits)
    assert limits_for("social_post", "twitter").body_max == 280


def test_every_content_type_platform_pair_has_a_limits_row():
    for ct, pfs in CONTENT_TYPE_PLATFORMS.items():
        for pf in pfs:
            assert limits_for(ct, pf).sources, (ct, pf)


def test_twitter_and_google_count_wide_characters_double():
    assert measure("abc", "twitter") == 3
    assert measure("日本語", "twitter") == 6 and measure("日本語") == 3
    assert measure("日本語", "double_width") == 6
    assert measure("é", "twitter") == 1


def test_tweet_over_280_names_length_and_limit():
    piece = Piece("social_post", "twitter", body="word " * 70, hashtags=["a"])
    [v] = check(piece)
    assert "is 354 weighted characters; X/Twitter allows 280" in v  # 350 + "\n\n#a"


def test_hashtags_count_against_the_post():
    body = "x" * 275
    assert check(Piece("social_post", "twitter", body=body)) == []
    assert check(Piece("social_post", "twitter", body=body, hashtags=["sale"]))  # +7 chars


def test_email_schema_and_limits():
    assert check(email()) == []
    assert "subject_line is missing" in check(email(subject_line=""))
    assert any("subject_line is 61 characters" in v for v in check(email(subject_line="s" * 61)))
    assert any("preheader is 10 characters" in v for v in check(email(preheader="Too short.")))
    assert "call_to_action is missing" in check(email(call_to_action=""))


def test_google_ads_counts_and_lengths():
    ok = Piece("ad_copy", "google_ads", headlines=["One", "Two", "Three"], descriptions=["d1", "d2"],
               call_to_action="Learn more")
    assert check(ok) == []
    bad = Piece("ad_copy", "google_ads", headlines=["One", "one", "A headline that is far too long ok"],
                descriptions=["d" * 91], call_to_action="")
    v = check(bad)
    assert any("headline 3" in x and "is 34 characters; Google Ads allows 30" in x for x in v)
    assert "1 descriptions; Google Ads needs at least 2" in v
    assert any("description 1" in x and "allows 90" in x for x in v)
    assert "headlines must all be different" in v and "call_to_action is missing" in v


def test_meta_limits_and_instagram_hashtag_cap():
    meta = Piece("ad_copy", "meta_ads", body="p" * 126, headlines=["h" * 41], descriptions=["d" * 31],
                 call_to_action="Learn More")
    v = check(meta)
    assert len(v) == 3 and all("Meta ads allows" in x for x in v)
    insta = Piece("social_post", "instagram", body="Hello", hashtags=[f"t{i}" for i in range(31)])
    assert "31 hashtags; Instagram allows 30" in check(insta)


def test_visual_brief_checks():
    p = email()
    assert check(p, require_visual=True) == ["visual_brief is missing (the campaign asks for visuals)"]
    p.visual_brief = {"description": "x", "alt_text": "y", "aspect_ratio": "9:16"}
    assert any("aspect_ratio" in v for v in check(p))
    p.visual_brief["aspect_ratio"] = "2:1"
    assert check(p, require_visual=True) == []


def test_unknown_pair_reported():
    assert check(Piece("email", "twitter")) == ["email cannot target platform 'twitter'"]


# --- parsing ---------------------------------------------------------------------------------

def test_parser_handles_fences_prose_trailing_commas_and_camel_case():
    text = ('Sure, here it is:\n```json\n{"subjectLine": "Hi", "preHeader": "P", "body": "B",\n'
            ' "callToAction": "Go",}\n```\nThanks!')
    fields, problems = parse_fields(text)
    assert problems == []
    assert (fields["subject_line"], fields["preheader"], fields["call_to_action"]) == ("Hi", "P", "Go")
    fields, _ = parse_fields('Here you go: {"body": "a, }", "hashtags": ["#One", "two words",],} done')
    assert fields["body"] == "a, }" and fields["hashtags"] == ["One", "twowords"]


def test_parser_rejects_empty_and_non_json():
    assert parse_fields("{}") == ({}, ["the reply was an empty JSON object {}; fill in every field of the schema"])
    assert parse_fields("I cannot help with that.")[1]
    assert parse_fields('{"foo": 1}')[1][0].startswith("the reply was JSON without the expected fields")


def test_parser_unwraps_and_aliases():
    fields, problems = parse_fields('{"email": {"subject": "S", "cta": "C", "content": "B", "preview_text": "P"}}')
    assert not problems and fields["subject_line"] == "S" and fields["body"] == "B" and fields["preheader"] == "P"
    fields, _ = parse_fields('{"headline": "Only one", "description": ["d"], "call_to_action": "x"}')
    assert fields["headlines"] == ["Only one"] and fields["descriptions"] == ["d"]
    assert extract_json('[{"body": "x"}]') == {"body": "x"}


def test_json_text_stream_shows_values_only():
    s = JsonTextStream()
    reply = '```json\n{"subject_line": "Hi \\"you\\"", "hashtags": ["a", "b"], "n": 1}'
    out = "".join(s.feed(reply[i:i + 3]) for i in range(0, len(reply), 3))
    assert out == 'Hi "you"\na\nb\n'


# --- prompts ---------------------------------------------------------------------------------

def test_temperature_mapping():
    assert temperature(1) == 0.2 and temperature(10) == 1.2 and temperature(5) == 0.64
    assert temperature(99) == 1.2 and temperature(0) == 0.2 and temperature(None) == 0.64


def test_data_block_escapes_closing_tag_but_keeps_text():
    block = data_block({"x": "a </data> b </DaTa>"})
    assert block.count("</data>") == 1 and block.endswith("</data>")
    inner = block[len("<data>\n"):-len("\n</data>")]
    assert json.loads(inner) == {"x": "a </data> b </DaTa>"}


def test_schema_per_content_type():
    assert response_schema("email", "email")["required"] == ["subject_line", "preheader", "body", "call_to_action"]
    assert response_schema("social_post", "instagram")["properties"]["hashtags"]["maxItems"] == 30
    ad = response_schema("ad_copy", "google_ads", include_visuals=True)
    assert ad["required"] == ["headlines", "descriptions", "call_to_action", "visual_brief"]
    assert ad["properties"]["headlines"]["minItems"] == 3
    assert "body" in response_schema("ad_copy", "meta_ads")["required"]


def test_prompt_names_platform_limits_and_persona_in_data():
    b = Brief("social_post", "twitter", {"role": "CFO", "objections": "Too risky"},
              {"name": "Q", "tone": "calm", "keywords": ["audit"]}, tone="bold")
    system, user = (m["content"] for m in build_messages(b))
    assert "at most 280 characters" in system and "X/Twitter" in system and "never" in system
    block = json.loads(user.split("<data>\n")[1].split("\n</data>")[0])
    assert block["persona"]["objections"] == "Too risky" and block["campaign"]["tone"] == "bold"
