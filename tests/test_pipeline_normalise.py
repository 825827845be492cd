from datetime import datetime, timezone

import bson
from hypothesis import given, strategies as st
from scrapy.utils.test import get_crawler

from newscrawler.items import ArticleItem, CheckItem
from pipelines.normalise import NormalisePipeline, content_hash, normalise_blocks, normalise_text


def test_text_is_nfc_with_entities_decoded_and_spaces_collapsed():
    assert normalise_text("  Cafe\u0301\u00a0 costs &pound;5\n\t now ") == "Café costs £5 now"


def test_invisible_characters_are_removed():
    assert normalise_text("soft\u00adhyphen zero\u200bwidth\ufeff") == "softhyphen zerowidth"


def test_empty_and_consecutive_duplicate_blocks_are_dropped():
    assert normalise_blocks(["One", " ", "One ", "Two", "One"]) == ["One", "Two", "One"]


def test_hash_ignores_spacing_but_not_words():
    pipeline = NormalisePipeline()

    def hashed(headline, body):
        item = ArticleItem(article_id="a", url="u", source="bbc", headline=headline, body=body,
                           fetched_at=datetime.now(timezone.utc))
        return pipeline.process_item(item).content_hash

    assert hashed("Title", ["A  paragraph.", "Two"]) == hashed(" Title ", ["A paragraph.", "", "Two"])
    assert hashed("Title", ["A paragraph.", "Two"]) != hashed("Title", ["A paragraph.", "Three"])
    assert hashed("Title", ["A paragraph."]) != hashed("Title!", ["A paragraph."])


def test_checks_without_page_text_pass_through_untouched():
    check = CheckItem(article_id="a", url="u", source="bbc", outcome="not_modified",
                      fetched_at=datetime.now(timezone.utc))
    assert NormalisePipeline().process_item(check) is check


def test_text_that_cannot_be_encoded_is_repaired_and_counted(caplog):
    crawler = get_crawler()
    item = ArticleItem(article_id="a", url="https://www.bbc.co.uk/news/uk-1", source="bbc",
                       headline="Lone \ud800 half", byline="By \udfff", body=["A pair \ud83d\ude00 as two."],
                       fetched_at=datetime.now(timezone.utc))
    NormalisePipeline.from_crawler(crawler).process_item(item)
    assert (item.headline, item.byline, item.body) == ("Lone \ufffd half", "By \ufffd", ["A pair \U0001f600 as two."])
    bson.encode({"headline": item.headline, "byline": item.byline, "body": item.body})  # MongoDB can store it
    assert crawler.stats.get_value("newscrawler/text/repaired/surrogates") == 1
    assert "cannot be encoded (UTF-16 surrogates) in https://www.bbc.co.uk/news/uk-1" in caplog.text


def test_hash_tells_headline_from_body():
    assert content_hash("a", ["b"]) != content_hash("a b", [])


@given(st.lists(st.text(max_size=30), max_size=8))
def test_normalising_is_idempotent(blocks):
    once = normalise_blocks(blocks)
    assert normalise_blocks(once) == once


TRICKY_TEXT = st.text(alphabet=st.sampled_from(
    list("ae &;#lt pound amp x") + ["\u0301", "\u200b", "\u00a0", "\u00ad", "\n", "\ufeff", "\u212b",
                                    "\ud83d", "\ude00"]), max_size=40)


@given(st.lists(TRICKY_TEXT, max_size=6))
def test_normalising_entities_and_combining_marks_is_idempotent(blocks):
    once = normalise_blocks(blocks)
    assert normalise_blocks(once) == once


@given(st.text(max_size=40))
def test_only_single_spaces_between_words_remain(text):
    normalised = normalise_text(text)
    assert normalised == normalised.strip() and "  " not in normalised
    assert all(char == " " or not char.isspace() for char in normalised)
