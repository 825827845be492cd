"""BBC page extraction beyond the facts of each fixture page (those are in
tests/fixtures/bbc/expected.json, checked by test_extraction_facts.py):
decoding, the source deciding the layouts, captures of one article, markup
that must not leak, non-article markers, and junk that must raise only
ExtractionError.
"""
import json
import random
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscrawler.extraction import EmptyBody, ExtractedArticle, ExtractionError, NotAnArticle, UnknownLayout
from newscrawler.sources import source_named
from newscrawler.sources.bbc import SOURCE as BBC
from tests.conftest import read_article as extract

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bbc"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))["pages"]
PAGES = {page["file"]: page for page in EXPECTED}
ANY_URL = "http://127.0.0.1:8080/page"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@lru_cache(maxsize=None)
def extracted(name: str) -> ExtractedArticle:
    return extract(PAGES.get(name, {}).get("url", ANY_URL), raw(name))


def test_every_era_is_a_layout_of_the_source_newest_first():
    assert [layout.name for layout in BBC.layouts] == ["bbc-2020", "bbc-2020-video", "bbc-2015", "bbc-2010",
                                                       "bbc-stm"]
    assert {page["layout"] for page in EXPECTED} == {layout.name for layout in BBC.layouts}


# --- decoding ----------------------------------------------------------------

WOODWARD = "pages/8040164.stm.html"  # ISO-8859-1 page with a £ in headline and body


@pytest.mark.parametrize(
    "content_type",
    [None, "", "text/html", "text/html; charset=ISO-8859-1", "text/html; charset=bogus"],
)
def test_latin1_page_decodes_pound_sign(content_type):
    article = extract(ANY_URL, raw(WOODWARD), content_type)
    assert article.headline == "£100K mortgage claim by Woodward"
    assert "£100,000" in article.body[0]


def test_windows_1252_labelled_as_latin1_decodes_as_windows_1252():
    page = raw(WOODWARD).replace(b"He doesn't take", b"He doesn\x92t take")
    article = extract(ANY_URL, page, "text/html; charset=ISO-8859-1")
    assert "He doesn\u2019t take his full ministerial salary" in article.body[5]


def test_text_and_bytes_give_the_same_article():
    name = "pages/cden3j9d1r7o.html"
    assert extract(ANY_URL, raw(name).decode("utf-8")) == extracted(name)


def test_content_type_charset_wins_over_meta_charset():
    name = "pages/10341015.stm.html"  # UTF-8, with a £ in its first paragraph
    mislabelled = raw(name).replace(b"charset=utf-8", b"charset=iso-8859-1")
    assert extract(ANY_URL, mislabelled, "text/html; charset=utf-8") == extracted(name)
    assert "£2bn" in extracted(name).body[0]


# --- hosts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.bbc.co.uk/news/articles/cden3j9d1r7o",
        "https://www.bbc.com/news/articles/cden3j9d1r7o",
        "http://news.bbc.co.uk/1/hi/world/1.stm",
        "http://127.0.0.1:45678/news/articles/cden3j9d1r7o",
        "https://www.theguardian.com/world/2024/sep/30/a-mirror",
        "http://[::1",  # malformed
        "",
    ],
)
def test_the_source_decides_the_layouts_whatever_the_host(url):
    assert extract(url, raw("pages/cden3j9d1r7o.html")) == extracted("pages/cden3j9d1r7o.html")


@pytest.mark.parametrize("source", ["guardian", "independent", "nytimes", "washingtonpost"])
def test_a_bbc_page_is_no_article_of_another_source(source):
    try:
        other = source_named(source)
    except KeyError:
        pytest.skip(f"no {source} source yet")
    with pytest.raises(ExtractionError):
        extract("https://www.bbc.co.uk/news/articles/cden3j9d1r7o", raw("pages/cden3j9d1r7o.html"),
                source=other.name)


# --- captures of one article ---------------------------------------------------


def test_unchanged_article_captures_extract_identically():
    first = extract(ANY_URL, raw("versions/6072486-A.stm.html"))
    second = extract(ANY_URL, raw("versions/6072486-B.stm.html"))
    assert (first.headline, first.body) == (second.headline, second.body)
    # The browser-saved captures have restructured markup (the body starts in a
    # <font> and ends inside a later <p>) yet give the same text as the raw page.
    assert first.body == extracted("pages/6072486.stm.html").body
    assert first.headline == "Son-in-law remanded over killing"


def test_capture_that_lost_two_paragraphs():
    before = extract(ANY_URL, raw("versions/7984711-A.stm.html"))
    after = extract(ANY_URL, raw("versions/7984711-B.stm.html"))
    lost = [
        "He lived in the flat in Admiralty House while he was defence secretary "
        "and also rented out his own London home while there.",
        "The shadow business secretary implied that as many as a third of MPs "
        "could have made questionable expenses claims.",
    ]
    assert after.headline == before.headline == "PM Brown plays down expenses row"
    assert len(before.body) - len(after.body) == 2
    assert [block for block in before.body if block not in after.body] == lost
    assert [block for block in before.body if block not in lost] == after.body


def test_broken_capture_is_not_a_revision():
    with pytest.raises((EmptyBody, UnknownLayout)):
        extract(
            "http://news.bbc.co.uk/1/hi/uk_politics/7984711.stm",
            raw("versions/7984711-invalid.html"),
        )


# --- markup that must not leak -----------------------------------------------


@pytest.mark.parametrize(
    "name, before",
    [
        ("pages/cden3j9d1r7o.html", b"At least 15 people have died"),
        ("pages/54528983.html", b"Documents have revealed"),
        ("pages/61896381.html", b"A man who suffers"),
        ("pages/32271505.html", b"Chancellor George Osborne has said"),
        ("pages/11125504.html", b"The British Chambers of Commerce"),
        ("pages/10249066.stm.html", b"The family of gunman"),
        (WOODWARD, b"Northern Ireland Secretary Shaun Woodward"),
        ("pages/6072486.stm.html", b"The son-in-law of a 73-year-old"),
    ],
)
def test_script_and_style_in_a_paragraph_do_not_leak(name, before):
    injected = b"<script>document.write('LEAKED SCRIPT')</script><style>p{LEAKED:STYLE}</style>"
    page = raw(name).replace(before, injected + before)  # also in meta tags; harmless there
    assert page != raw(name)
    article = extract(ANY_URL, page)
    assert not [block for block in article.body if "LEAKED" in block]
    assert article.body == extracted(name).body


# --- pages that say they are not articles --------------------------------------


@pytest.mark.parametrize(
    "name, marker, replacement",
    [
        ("pages/11125504.html", b'"CPS_ASSET_TYPE" content="STY"', b'"CPS_ASSET_TYPE" content="IDX"'),
        ("pages/6072486.stm.html", b'"contentFlavor" content="STORY"', b'"contentFlavor" content="INDEX"'),
        ("pages/cden3j9d1r7o.html", b'"@type":"ReportageNewsArticle"', b'"@type":"LiveBlogPosting"'),
    ],
)
def test_page_marked_as_non_article(name, marker, replacement):
    assert marker in raw(name)
    with pytest.raises(NotAnArticle):
        extract(ANY_URL, raw(name).replace(marker, replacement))


# --- never anything but ExtractionError ----------------------------------------


def extract_or_error(body, content_type=None):
    try:
        article = extract(ANY_URL, body, content_type)
    except ExtractionError as error:
        return error
    assert article.headline and article.body
    return article


@pytest.mark.parametrize(
    "body",
    [
        b"", "", b"   ", b"\x00\x00", b"<html></html>", "<html><body><p>Just text</p>",
        b"\xff\xfe\x00<", "\ud800",
    ],
    ids=repr,
)
def test_junk_raises_extraction_error(body):
    assert isinstance(extract_or_error(body), ExtractionError)


def test_random_bytes_raise_extraction_error():
    rng = random.Random(20240930)
    for _ in range(50):
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
        assert isinstance(extract_or_error(body), ExtractionError)


def test_deeply_nested_markup_is_handled():
    opening = b"The British Chambers"
    page = raw("pages/11125504.html").replace(opening, b"<b>" * 5000 + opening, 1)
    extract_or_error(page)


@pytest.mark.parametrize("name", sorted(PAGES) + ["versions/7984711-A.stm.html"])
def test_truncated_halves_of_real_pages(name):
    page = raw(name)
    for part in (page[: len(page) // 2], page[len(page) // 2 :]):
        extract_or_error(part)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=3000), content_type=st.none() | st.text(max_size=40))
def test_arbitrary_bytes_never_raise_anything_else(body, content_type):
    extract_or_error(body, content_type)


@settings(max_examples=200, deadline=None)
@given(body=st.text(max_size=2000))
def test_arbitrary_text_never_raises_anything_else(body):
    extract_or_error(body)


SLICED_PAGES = ["pages/8040164.stm.html", "pages/cden3j9d1r7o.html", "pages/11125504.html"]


@settings(max_examples=100, deadline=None)
@given(
    page=st.sampled_from([raw(name) for name in SLICED_PAGES]),
    start=st.integers(0, 400_000),
    length=st.integers(0, 400_000),
)
def test_arbitrary_slices_of_real_pages_never_raise_anything_else(page, start, length):
    extract_or_error(page[start : start + length])


def test_page_cut_short_is_not_an_article():
    page = (FIXTURES / "pages" / "54528983.html").read_bytes()
    kept = page[: int(len(page) * 0.8)]
    with pytest.raises(EmptyBody, match="cut short"):
        extract("https://www.bbc.co.uk/news/health-54528983", kept)
