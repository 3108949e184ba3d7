"""Quality score on hand-made examples: each part checked against a value worked out by hand."""
from __future__ import annotations

from webapp.ai.platforms import check
from webapp.ai.scoring import flesch_reading_ease, score_piece, spam_hits, syllables
from webapp.ai.types import Brief, Critique, Piece

BODY = ("Hi there,\n\nYour team spends two days a month on reports. That is time you could use to plan. "
        "Our tool builds the report for you. You pick the data. We do the rest.\n\nTry it with your own "
        "numbers this week. It takes ten minutes to set up.\n\nBest,\nThe team")


def brief(ct="email", pf="email", keywords=("reports", "data")) -> Brief:
    return Brief(ct, pf, {}, {"keywords": list(keywords)})


def good_email(**kw) -> Piece:
    fields = dict(subject_line="Your monthly reports, done for you", preheader="Pick the data, we build the "
                  "report. Ten minutes to set up.", body=BODY, call_to_action="Start your trial")
    fields.update(kw)
    return Piece("email", "email", **fields)


def test_syllables_and_flesch_by_hand():
    assert [syllables(w) for w in ("cat", "table", "make", "running", "the")] == [1, 2, 1, 2, 1]
    # 6 words, 1 sentence, 6 syllables: 206.835 - 1.015*6 - 84.6*1 = 116.145
    assert flesch_reading_ease("The cat sat on the mat.") == 116.1
    assert flesch_reading_ease("") is None


def test_spam_hits():
    assert spam_hits("FREE money, act now!!!") == ["free", "act now", "repeated '!'", "capitalised word(s): FREE"]
    assert spam_hits("YOUR REPORTS ARE READY") == ["all caps"]
    assert spam_hits("Your reports, done for you") == []
    assert spam_hits("Carefree weekends") == []  # whole words only


def test_good_email_scores_100():
    piece = good_email()
    assert check(piece) == []
    total, parts = score_piece(piece, brief())
    assert {k: p["score"] for k, p in parts.items()} == {
        "length": 20, "readability": 15, "keywords": 15, "call_to_action": 15, "hashtags": 10,
        "spam_words": 15, "limits": 10, "critique": 0}
    assert parts["critique"]["max"] == 0 and total == 100


def test_spammy_subject_loses_spam_points():
    piece = good_email(subject_line="FREE reports - act now!!!")
    _, parts = score_piece(piece, brief())
    # free, act now, repeated '!', capitalised FREE -> 4 hits x 5 = 20 > 15 -> 0
    assert parts["spam_words"]["score"] == 0 and "free" in parts["spam_words"]["note"]
    _, parts = score_piece(good_email(subject_line="Your reports are guaranteed"), brief())
    assert parts["spam_words"]["score"] == 10


def test_keyword_coverage_is_proportional():
    _, parts = score_piece(good_email(), brief(keywords=["reports", "dashboards"]))
    assert parts["keywords"]["score"] == 7.5 and "missing: dashboards" in parts["keywords"]["note"]
    _, parts = score_piece(good_email(), brief(keywords=[]))
    assert parts["keywords"] == {"score": 15, "max": 15, "note": "no keywords set for the campaign"}


def test_call_to_action_levels():
    assert score_piece(good_email(), brief())[1]["call_to_action"]["score"] == 15
    tweet = Piece("social_post", "twitter", body="Reports in ten minutes. Book a demo.")
    assert score_piece(tweet, brief("social_post", "twitter"))[1]["call_to_action"]["score"] == 10
    tweet.body = "Reports in ten minutes."
    assert score_piece(tweet, brief("social_post", "twitter"))[1]["call_to_action"]["score"] == 0


def test_hashtag_fit_per_platform():
    def insta(n):
        piece = Piece("social_post", "instagram", body="Hello there.", hashtags=[f"t{i}" for i in range(n)])
        return score_piece(piece, brief("social_post", "instagram"))[1]["hashtags"]["score"]
    assert (insta(4), insta(0), insta(7), insta(31)) == (10, 1, 4, 0)  # 3-5 recommended, 30 max


def test_length_fit_for_twitter():
    def length(body):
        piece = Piece("social_post", "twitter", body=body)
        return score_piece(piece, brief("social_post", "twitter"))[1]
    assert length("x " * 60)["length"]["score"] == 20  # 120 chars: inside 70-200
    assert length("x " * 20)["length"]["score"] == round(20 * 40 / 70, 1)  # 40 chars: 40/70 of the points
    over = length("x " * 150)
    assert over["length"]["score"] == 0 and over["limits"]["score"] == 0


def test_critique_counts_when_given():
    piece = good_email(subject_line="FREE reports - act now!!!")
    base, _ = score_piece(piece, brief())
    total, parts = score_piece(piece, brief(), Critique("Spammy subject.", ["Drop FREE"], score=2))
    assert parts["critique"] == {"score": 2, "max": 10, "note": "Spammy subject."}
    # 85 of 100 without critique; (85 + 2) of 110 with it
    assert base == 85 and total == round(100 * 87 / 110)


def test_deterministic():
    piece = good_email()
    assert score_piece(piece, brief()) == score_piece(piece, brief())
