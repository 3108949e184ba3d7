"""The length part of the quality score on varied pieces: exact score and note per content type.

Pins current behaviour (including quirks such as a body-less post still counting its hashtags in
the note) so the scoring code can be restructured without moving any score.
"""
from __future__ import annotations

import pytest

from webapp.ai.scoring import score_piece
from webapp.ai.types import Brief, Piece


def length_part(piece: Piece) -> dict:
    return score_piece(piece, Brief(piece.content_type, piece.platform, {}, {}))[1]["length"]


@pytest.mark.parametrize("piece,score,note", [
    (Piece("email", "email", subject_line="s" * 30, preheader="p" * 80, body="b" * 500),
     20.0, "subject 30 chars (best 25-50), preheader 80, body 500"),
    (Piece("email", "email", subject_line="s" * 55, preheader="p" * 20, body="b" * 2000),
     14.4, "subject 55 chars (best 25-50), preheader 20, body 2000"),
    (Piece("email", "email", subject_line="s" * 61, preheader="", body=""),
     0.0, "subject 61 chars (best 25-50), preheader 0, body 0"),
    (Piece("email", "email", subject_line="", preheader="p" * 131, body="b" * 100),
     2.7, "subject 0 chars (best 25-50), preheader 131, body 100"),
], ids=["ideal", "long-subject-short-preheader", "over-and-empty", "no-subject"])
def test_email_length(piece, score, note):
    assert length_part(piece) == {"score": score, "max": 20, "note": note}


@pytest.mark.parametrize("piece,score,note", [
    (Piece("social_post", "linkedin", body="", hashtags=["a"]), 0.0, "4 characters; 150-1300 recommended, 3000 max"),
    (Piece("social_post", "instagram", body="x" * 50, hashtags=["abc"]),
     11.2, "56 characters; 100-600 recommended, 2200 max"),
    (Piece("social_post", "facebook", body="x" * 1000), 19.9, "1000 characters; 80-250 recommended, 63206 max"),
    (Piece("social_post", "twitter", body="日本" * 50), 20.0, "200 characters; 70-200 recommended, 280 max"),
], ids=["no-body", "short", "over-recommended", "weighted"])
def test_social_length(piece, score, note):
    assert length_part(piece) == {"score": score, "max": 20, "note": note}


def _ads(inside: int, total: int, heads: int, descs: int) -> str:
    return (f"{inside}/{total} headlines and descriptions within limits; "
            f"{heads} headlines, {descs} descriptions")


@pytest.mark.parametrize("piece,score,note", [
    (Piece("ad_copy", "google_ads", headlines=["One", "Two", "Three"], descriptions=["d1", "d2"]),
     20.0, _ads(5, 5, 3, 2)),
    (Piece("ad_copy", "google_ads", headlines=["One", "h" * 31], descriptions=["d1"]), 6.7, _ads(2, 3, 2, 1)),
    (Piece("ad_copy", "google_ads"), 0.0, _ads(0, 0, 0, 0)),
    (Piece("ad_copy", "meta_ads", body="p" * 60, headlines=["h" * 41, "ok"], descriptions=["d"]),
     16.7, _ads(2, 3, 2, 1)),
    (Piece("ad_copy", "meta_ads", headlines=["ok"], descriptions=["d"]), 10.0, _ads(2, 2, 1, 1)),
    (Piece("ad_copy", "linkedin", body="p" * 400, headlines=["ok"], descriptions=[]), 11.7, _ads(1, 1, 1, 0)),
    (Piece("blog", "email", body="x"), 0.0, _ads(0, 0, 0, 0)),
], ids=["google-ok", "google-too-few-and-long", "nothing", "meta-long-headline", "meta-no-body",
        "linkedin-long-body", "unknown-type"])
def test_ad_length(piece, score, note):
    assert length_part(piece) == {"score": score, "max": 20, "note": note}
