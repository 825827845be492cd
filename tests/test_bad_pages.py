"""Bad article pages: each becomes a failed check (or a skip) with a counter and
a log line with the URL, never a crash and never a revision.

Unit tests call the spider's page callback on responses built from bytes; a
whole crawl covers what only the downloader does: non-HTML answers, redirect
loops and oversized pages, and that a page whose extraction fails in any way
is a recorded check that releases its re-check lease.
"""
import logging
import os
import subprocess
from datetime import timedelta

import pytest
from scrapy.http import Response, TextResponse

from newscrawler.extraction import ExtractionError
from tests.conftest import read_article as extract
from newscrawler.items import FAILED, ArticleItem, CheckItem
from newscrawler.spiders import news
from tests import extraction_bug
from tests.conftest import PROJECT_DIR, crawl_command, rss_feed, run_crawl
from tests.perturbations import add_deeply_nested_json_ld
from tests.test_rechecks import PAGE_A, PAGE_B, PATH, T0, at, tracked  # noqa: F401 (tracked is a fixture)
from tests.test_spider_bbc import PAGES, make_spider, page_response, parse_page, stats

ARTICLE_URL = "https://www.bbc.co.uk/news/uk-12345678"
STM_URL = "https://news.bbc.co.uk/1/hi/uk/1234567.stm"
# A .stm era story, the era of the BBC's Windows-1252 pages.
STM_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset={meta}">
<meta name="Headline" content="Ticket prices rise"></head>
<body><!-- S BO --><p>Tickets now cost £5 – or €6 – the club’s chair said.</p><p>Fans were unhappy.</p>
<!-- E BO --></body></html>"""
FIRST_PARAGRAPH = "Tickets now cost £5 – or €6 – the club’s chair said."


def failed_check(results: list, reason: str) -> CheckItem:
    [check] = results
    assert isinstance(check, CheckItem) and check.outcome == FAILED and check.reason == reason
    return check


# Character sets

@pytest.mark.parametrize("meta, content_type", [
    ("windows-1252", "text/html"),
    ("iso-8859-1", None),
    ("", "text/html"),  # no label at all
])
def test_windows_1252_page_labelled_as_such_or_not_at_all(meta, content_type):
    body = STM_PAGE.format(meta=meta).encode("cp1252")
    [item] = parse_page(make_spider(), page_response(STM_URL, body, content_type))
    assert item.body[0] == FIRST_PARAGRAPH


@pytest.mark.parametrize("meta, content_type", [
    ("iso-8859-1", "text/html; charset=utf-8"),  # header wrong, <meta> right
    ("utf-8", "text/html"),  # <meta> wrong
    ("utf-8", "text/html; charset=UTF-8"),  # both wrong
])
def test_windows_1252_bytes_labelled_utf8(meta, content_type):
    body = STM_PAGE.format(meta=meta).encode("cp1252")
    [item] = parse_page(make_spider(), page_response(STM_URL, body, content_type))
    assert item.body[0] == FIRST_PARAGRAPH


@pytest.mark.parametrize("meta, content_type", [
    ("iso-8859-1", "text/html"),
    ("utf-8", "text/html; charset=iso-8859-1"),
])
def test_utf8_bytes_labelled_latin1(meta, content_type):
    body = STM_PAGE.format(meta=meta).encode("utf-8")
    [item] = parse_page(make_spider(), page_response(STM_URL, body, content_type))
    assert item.body[0] == FIRST_PARAGRAPH


# Not HTML

@pytest.mark.parametrize("content_type, body, response_class", [
    ("application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", Response),
    ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", Response),
    ("application/json", b'{"headline": "Not a page"}', TextResponse),
    ("text/plain; charset=utf-8", b"<html><body>Plain text that looks like HTML</body></html>", TextResponse),
    (None, b"%PDF-1.4\n\x00\x01\x02", Response),
])
def test_non_html_answer_is_a_failed_check(content_type, body, response_class, caplog):
    spider = make_spider()
    results = parse_page(spider, page_response(ARTICLE_URL, body, content_type, response_class=response_class))
    failed_check(results, "not_html")
    assert stats(spider) == {"newscrawler/pages/checked": 1, "newscrawler/pages/failed/not_html": 1}
    assert f"Not an HTML page ({content_type}), not stored: {ARTICLE_URL}" in caplog.text


def test_xhtml_is_html():
    body = (PAGES / "54528983.html").read_bytes()
    [item] = parse_page(make_spider(), page_response(ARTICLE_URL, body, "application/xhtml+xml; charset=utf-8"))
    assert isinstance(item, ArticleItem)


# Consent walls and error pages served with 200

CONSENT_WALL = """<html><head><title>BBC</title></head><body><div id="bbccookies">
<h2>Let us know you agree to cookies</h2><p>We use cookies to give you the best online experience.</p>
<button>Yes, I agree</button></div></body></html>"""
NOT_FOUND = """<html><head><title>BBC - 404</title></head><body>
<h1>Sorry, we couldn’t find that page</h1><p>Check the page address or search for it below.</p></body></html>"""
ARTICLE_SHELL_WITHOUT_TEXT = """<html><body><main><article><h1 id="main-heading">Sorry, we couldn’t find that
page</h1><div data-component="text-block"><p></p></div></article></main></body></html>"""
ARTICLE_SHELL_WITHOUT_HEADLINE = """<html><body><main><article><div data-component="text-block">
<p>We use cookies to give you the best online experience.</p></div></article></main></body></html>"""


@pytest.mark.parametrize("page, reason", [
    (CONSENT_WALL, "unknown_layout"),
    (NOT_FOUND, "unknown_layout"),
    (ARTICLE_SHELL_WITHOUT_TEXT, "no_article_text"),
    (ARTICLE_SHELL_WITHOUT_HEADLINE, "no_article_text"),
])
def test_consent_and_error_pages_are_failed_checks(page, reason, caplog):
    spider = make_spider()
    failed_check(parse_page(spider, page_response(ARTICLE_URL, page.encode(), "text/html; charset=utf-8")), reason)
    assert stats(spider)[f"newscrawler/pages/failed/{reason}"] == 1
    assert f"not stored: {ARTICLE_URL}" in caplog.text


# Extraction that fails in a way nobody foresaw

def test_any_exception_from_extraction_is_a_failed_check(monkeypatch, caplog):
    monkeypatch.setattr(news, "extract", extraction_bug.extract_with_a_bug)
    spider = make_spider()
    with caplog.at_level(logging.WARNING):
        results = parse_page(spider, page_response(ARTICLE_URL, (PAGES / "54528983.html").read_bytes()))
    failed_check(results, "extraction_error")
    assert stats(spider) == {"newscrawler/pages/checked": 1, "newscrawler/pages/failed/extraction_error": 1}
    [record] = [record for record in caplog.records if ARTICLE_URL in record.getMessage()]
    assert record.exc_info and record.exc_info[0] is KeyError
    assert record.getMessage() == f"Extraction failed (KeyError: '{extraction_bug.MESSAGE}'), not stored: {ARTICLE_URL}"


def test_deeply_nested_json_ld_is_an_article():
    page = (PAGES / "54528983.html").read_bytes()  # its byline comes from its JSON-LD
    [item] = parse_page(make_spider(), page_response(ARTICLE_URL, add_deeply_nested_json_ld(page)))
    assert isinstance(item, ArticleItem)
    assert item.byline == extract(ARTICLE_URL, page).byline == "Rachel Schraer"


# Truncated pages

@pytest.mark.parametrize("fixture", sorted(PAGES.glob("*.html")), ids=lambda path: path.name)
def test_page_cut_in_half_gives_a_plausible_body_or_a_failed_check(fixture):
    url = ARTICLE_URL if "stm" not in fixture.name else STM_URL
    full = fixture.read_bytes()
    [result] = parse_page(make_spider(), page_response(url, full[:len(full) // 2]))
    if isinstance(result, CheckItem):
        assert result.outcome == FAILED and result.reason in ("no_article_text", "unknown_layout")
        return
    full_body = extract(url, full).body
    *whole_blocks, last_block = result.body
    assert all(block in full_body for block in whole_blocks)
    assert any(block.startswith(last_block) for block in full_body)


def test_page_cut_before_its_body_raises_only_extraction_errors():
    body = (PAGES / "cden3j9d1r7o.html").read_bytes()
    for cut in range(0, len(body), len(body) // 40):
        try:
            extract(ARTICLE_URL, body[:cut])
        except ExtractionError:
            pass


# Whole crawl: what the downloader decides

def test_non_html_redirect_loop_and_oversized_pages_end_as_failed_checks(site, store, mongo_uri, database_name):
    pdf = site.set_page("/news/uk-10000001", b"%PDF-1.4\n" + bytes(range(256)) * 4, "application/pdf")
    loop = site.set_page("/news/uk-10000002", b"", status=302, headers={"Location": "/news/uk-10000003"})
    site.set_page("/news/uk-10000003", b"", status=302, headers={"Location": "/news/uk-10000002"})
    huge = site.set_page("/news/uk-10000004", b"<p>" + b"x" * (11 * 1024 * 1024))
    consent = site.set_page("/news/uk-10000005", CONSENT_WALL.encode())
    feed_url = site.set_page("/feed.xml", rss_feed([pdf, loop, huge, consent]), "application/rss+xml")

    result = run_crawl(feed_url, mongo_uri, database_name)

    for counter in ("not_html", "too_many_redirects", "too_large", "unknown_layout"):
        assert f"'newscrawler/pages/failed/{counter}': 1" in result.stderr
    assert site.fetches("/news/uk-10000002") + site.fetches("/news/uk-10000003") == 21  # REDIRECT_MAX_TIMES + 1
    assert f"not stored: {huge}" in result.stderr
    assert store.db.revisions.count_documents({}) == 0


RECHECK = T0 + timedelta(minutes=31)  # the first re-check of an article stored at T0 is due after 30 minutes


def test_deeply_nested_json_ld_on_a_recheck_is_a_recorded_check(tracked, site, store):
    url, crawl_at = tracked
    site.set_page(PATH, add_deeply_nested_json_ld(PAGE_A))
    crawl_at(RECHECK)
    tracking = store.article(url)
    assert tracking["checks"] == 2 and tracking["last_check_result"] == "unchanged"
    assert not tracking.get("lease_owner")


def test_extraction_bug_on_a_recheck_is_a_recorded_failed_check_that_releases_the_lease(
        tracked, site, store, mongo_uri, database_name):
    url, crawl_at = tracked
    site.set_page(PATH, PAGE_B)  # a new version, without the validators of a 304
    bug = ["-s", 'EXTENSIONS={"tests.extraction_bug.ExtractionBug": 0}']
    command = crawl_command(site.set_page("/empty.xml", rss_feed([])), mongo_uri, database_name, *at(RECHECK, *bug))
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "'newscrawler/pages/failed/extraction_error': 1" in result.stderr
    assert result.stderr.count("Traceback") == 1  # logged once, at the spider
    assert f"KeyError: '{extraction_bug.MESSAGE}'), not stored: {url}" in result.stderr
    tracking = store.article(url)
    assert tracking["checks"] == 2 and tracking["last_check_result"] == "failed"
    assert len(store.revisions(url)) == 1
    crawl_at(RECHECK + timedelta(minutes=1), "-a", "recheck=all")  # not held by a lease of the failed check
    assert site.fetches(PATH) == 3
    assert store.article(url)["version"] == 2
