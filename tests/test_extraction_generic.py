"""The general extractor (the `feed` source) on every fixture page of every outlet, and `scrapy crawl feed`.

A page of a registered source is expected to read as that source's own
extractor reads it (its facts verify that text, tests/test_extraction_facts.py);
a page of an outlet without a source (tests/fixtures/generic/) carries its
expected text. Text is compared as stored: extracted, then normalised. The
F1 floors are what bench/extractors.py measures, less a little (docs/extractors.md).
"""
import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from unittest.mock import patch

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.utils.test import get_crawler

from newscrawler.extraction import EmptyBody, NotAnArticle, extract
from newscrawler.extraction.text import json_ld_objects, json_ld_value
from newscrawler.items import ArticleItem
from newscrawler.rechecks import NONE
from newscrawler.sources import SOURCES
from newscrawler.sources.generic import generic_source
from newscrawler.spiders.feed import FeedSpider
from pipelines.normalise import content_hash, normalise_blocks, normalise_text
from tests.conftest import FIXTURES, PROJECT_DIR, read_article, rss_feed
from tests.perturbations import PAGE_FILES, PERTURBATIONS, candidate_words, edit_one_word, fixture_page

FEED = generic_source("feed")
MIRROR = "http://127.0.0.1:8080/"  # the URL of a page whose facts give none
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class ExpectedPage:
    id: str  # "<fixture folder>/<file>"
    outlet: str
    url: str
    path: Path
    headline: str  # normalised
    body: tuple[str, ...]  # normalised blocks
    expected_from: str  # the source whose extractor gives the expected text, or "established"


def expected_pages() -> tuple[list[ExpectedPage], list[dict], list[str]]:
    """Every fixture page: (article pages with their expected text, pages marked
    not_article, ids of pages left out because their source is not registered)."""
    articles, not_articles, left_out = [], [], []
    for expected in sorted(FIXTURES.glob("*/expected.json")):
        facts = json.loads(expected.read_text(encoding="utf-8"))
        name = facts.get("source", expected.parent.name)
        for entry in facts["pages"]:
            page_id, path = f"{expected.parent.name}/{entry['file']}", expected.parent / entry["file"]
            url, outlet = entry.get("url") or MIRROR + entry["file"], entry.get("outlet", name)
            if entry.get("not_article"):
                not_articles.append({"id": page_id, "outlet": outlet, "url": url, "path": path})
            elif "body" in entry:
                articles.append(ExpectedPage(page_id, outlet, url, path, normalise_text(entry["title"]),
                                             tuple(normalise_blocks(entry["body"])), "established"))
            elif name in SOURCES:
                article = read_article(url, path.read_bytes(), source=name)
                articles.append(ExpectedPage(page_id, outlet, url, path, article.headline, tuple(article.body), name))
            else:
                left_out.append(page_id)
    return articles, not_articles, left_out


def token_f1(extracted, expected) -> tuple[float, float, float]:
    """(precision, recall, F1) of the texts' word tokens (\\w+, lowercased) as bags."""
    got = Counter(_TOKEN.findall(" ".join(extracted).lower()))
    want = Counter(_TOKEN.findall(" ".join(expected).lower()))
    common = sum((got & want).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


ARTICLES, NOT_ARTICLES, _ = expected_pages()
BY_ID = {page.id: page for page in ARTICLES}

# Every page reads at MIN_F1 or better but these, where the outlet's own facts
# keep out text that the general extractor reads as the article's (measured F1 in brackets).
MIN_F1 = 0.95
LOWER_F1 = {
    "bbc/pages/12921632.html": 0.10,  # [0.12] a quiz: the bbc source reads its introduction only
    "bbc/pages/32271505.html": 0.90,  # [0.93] a box of pledges and a list of other election news
    "bbc/pages/19957138.stm.html": 0.90,  # [0.93] the correspondent's analysis box
    "independent/pages/boris-johnson.html": 0.92,  # [0.95] the standfirst, which the independent source leaves out
}
# Pages that the bbc source reads as articles and the general extractor refuses by its rules.
REFUSED = {"bbc/pages/61896381.html": "VideoObject"}  # a video page: its summary is no article


def read_generic(url: str, body: bytes):
    """The article as the feed source reads it and the pipeline normalises it."""
    with patch.dict(SOURCES, {FEED.name: FEED}):  # read_article finds a source by name
        return read_article(url, body, source=FEED.name)


@lru_cache(maxsize=None)
def generic_article(page_id: str):
    page = BY_ID[page_id]
    return read_generic(page.url, page.path.read_bytes())


def extract_constructed(html: str, url: str = "http://127.0.0.1:8080/world/2024/a-story"):
    """A page made in a test, as the feed source extracts it."""
    return extract(url, html, "text/html; charset=utf-8", source=FEED)


# ------------------------------------------------------------------ every fixture page

def test_every_outlet_with_fixtures_is_compared():
    outlets = {page.outlet for page in ARTICLES}
    assert {"rt", "theintercept"} <= outlets
    assert set(SOURCES) <= outlets  # every registered source's pages, BBC included


@pytest.mark.parametrize("page_id", [page.id for page in ARTICLES if page.id not in REFUSED])
def test_body_against_the_expected_text(page_id):
    precision, recall, f1 = token_f1(generic_article(page_id).body, BY_ID[page_id].body)
    assert f1 >= LOWER_F1.get(page_id, MIN_F1), f"precision {precision:.3f}, recall {recall:.3f}"


@pytest.mark.parametrize("page_id", [page.id for page in ARTICLES if page.id not in REFUSED])
def test_body_is_blocks_in_reading_order(page_id):
    body = generic_article(page_id).body
    expected = [block for block in BY_ID[page_id].body if block in body]
    assert [block for block in body if block in expected] == expected  # the blocks both have, in the same order
    assert all(block.strip() for block in body)


def _titles(page: ExpectedPage) -> set[str]:
    """The page's JSON-LD headline and og:title."""
    root = Selector(text=page.path.read_text(encoding="utf-8", errors="replace")).root
    titles = (json_ld_value(json_ld_objects(root), "headline"),
              *root.xpath("//meta[@property='og:title']/@content")[:1])
    return {normalise_text(title) for title in titles if isinstance(title, str)}


@pytest.mark.parametrize("page_id", [
    page.id for page in ARTICLES if page.id not in REFUSED and page.headline in _titles(page)])
def test_headline_where_the_json_ld_or_og_title_is_the_headline(page_id):
    assert generic_article(page_id).headline == BY_ID[page_id].headline


@pytest.mark.parametrize("page_id", [
    page.id for page in ARTICLES if page.id not in REFUSED and page.headline not in _titles(page)])
def test_headline_is_the_h1_that_agrees_with_the_titles_where_they_differ(page_id):
    # og:title "Economy 'to pick up in near term'", <h1> "UK economy 'to pick up in near term'"
    assert generic_article(page_id).headline == BY_ID[page_id].headline


@pytest.mark.parametrize("page_id", [page["id"] for page in NOT_ARTICLES])
def test_pages_marked_not_articles_are_refused(page_id):
    page = next(page for page in NOT_ARTICLES if page["id"] == page_id)
    with pytest.raises(NotAnArticle):
        extract(page["url"], page["path"].read_bytes(), "text/html", source=FEED)


def test_the_guardian_live_blog_is_refused_by_its_time_stamped_updates():
    path = FIXTURES / "guardian" / "pages" / "syria-libya-middle-east-unrest-live.html"
    with pytest.raises(NotAnArticle, match="live blog"):
        extract(MIRROR + "middle-east-live", path.read_bytes(), "text/html", source=FEED)


@pytest.mark.parametrize("page_id, reason", REFUSED.items())
def test_video_page_is_refused(page_id, reason):
    page = BY_ID[page_id]
    with pytest.raises(NotAnArticle, match=reason):
        extract(page.url, page.path.read_bytes(), "text/html", source=FEED)


# ------------------------------------------------------------------ constructed pages

def _page(body: str, head: str = "") -> str:
    return f"<html><head><title>A story - Example News</title>{head}</head><body>{body}</body></html>"


def _paragraphs(count: int, start: int = 0) -> str:
    return "".join(f"<p>Paragraph {n} of the story says something, with detail, at length.</p>"
                   for n in range(start, start + count))


def _section_front(stories: int = 12) -> str:
    cards = "".join(
        f'<li class="card"><h3><a href="/world/2024/story-{n}">Headline of story number {n}</a></h3>'
        f"<p>A summary of story {n}, long enough to read as a sentence of prose.</p></li>"
        for n in range(stories))
    return _page(f'<nav><a href="/">Home</a> <a href="/world">World</a></nav><h1>World news</h1>'
                 f'<ul class="stories">{cards}</ul><footer>© Example News</footer>',
                 head='<meta property="og:type" content="website">')


def test_an_index_page_is_refused():
    with pytest.raises(NotAnArticle, match="index page"):
        extract_constructed(_section_front())


def test_an_article_beside_the_same_teasers_is_read():
    front = _section_front().replace('<h1>World news</h1>', '<h1>A story</h1><article>' + _paragraphs(6) + '</article>')
    article = extract_constructed(front)
    assert article.headline == "A story"
    assert article.body == [f"Paragraph {n} of the story says something, with detail, at length." for n in range(6)]


def test_a_page_with_too_little_text_is_refused():
    with pytest.raises(NotAnArticle, match="too little text"):
        extract_constructed(_page("<h1>A story</h1><p>Watch the video of what happened next, here.</p>"))


def test_a_page_without_text_has_no_body():
    with pytest.raises(EmptyBody):
        extract_constructed(_page("<h1>A story</h1><div><img src='x.jpg'></div>"))


def test_video_pages_say_so_in_open_graph():
    page = _page("<h1>A story</h1>" + _paragraphs(4), head='<meta property="og:type" content="video.other">')
    with pytest.raises(NotAnArticle, match="og:type video.other"):
        extract_constructed(page)


def test_body_keeps_sub_headings_and_list_items_and_leaves_out_furniture():
    page = _page(
        '<header><h1>A story</h1><p class="byline">By Jane Doe</p><time>2 hours ago</time></header>'
        '<article><div class="share-tools"><a href="#">Share</a></div>' + _paragraphs(2)
        + '<figure><img src="x.jpg"><figcaption>A caption of the photograph, in full.</figcaption></figure>'
        "<h2>What happened next</h2>" + _paragraphs(2, start=2)
        + "<ul><li>First point of the list, in a few words</li><li>Second point of the list, also</li></ul>"
        '<aside class="related"><h2>Related stories</h2><a href="/x">Another story entirely here</a></aside>'
        "<p>Advertisement</p></article>")
    assert extract_constructed(page).body == [
        "Paragraph 0 of the story says something, with detail, at length.",
        "Paragraph 1 of the story says something, with detail, at length.",
        "What happened next",
        "Paragraph 2 of the story says something, with detail, at length.",
        "Paragraph 3 of the story says something, with detail, at length.",
        "First point of the list, in a few words",
        "Second point of the list, also",
    ]


def test_json_ld_article_body_is_the_body_when_the_markup_has_no_text():
    text = "First paragraph of the story, written by script.\nSecond paragraph, with more of the story."
    head = ('<script type="application/ld+json">'
            + json.dumps({"@type": "NewsArticle", "headline": "A story", "articleBody": text}) + "</script>")
    article = extract_constructed(_page('<div id="app"><h1>A story</h1></div>', head=head))
    assert article.body == text.split("\n")


def test_the_reading_is_preferred_where_it_has_the_json_ld_article_body():
    paragraphs = [f"Paragraph {n} of the story says something, with detail, at length." for n in range(4)]
    text = " ".join(paragraphs[:2] + paragraphs[2:])  # one block: sub-headings and paragraphs run together
    head = ('<script type="application/ld+json">'
            + json.dumps({"@type": "NewsArticle", "headline": "A story", "articleBody": text}) + "</script>")
    html = "<h1>A story</h1><article>" + _paragraphs(2) + "<h2>Later</h2>" + _paragraphs(2, start=2) + "</article>"
    assert extract_constructed(_page(html, head=head)).body == paragraphs[:2] + ["Later"] + paragraphs[2:]


def test_byline_and_times_from_json_ld():
    head = ('<script type="application/ld+json">' + json.dumps({
        "@type": "NewsArticle", "headline": "A story", "datePublished": "2024-03-01T09:30:00+01:00",
        "dateModified": "2024-03-02T10:00:00Z", "author": [{"@type": "Person", "name": "Jane Doe"},
                                                             {"@type": "Person", "name": "John Roe"}]}) + "</script>")
    article = extract_constructed(_page("<h1>A story</h1><article>" + _paragraphs(4) + "</article>", head=head))
    assert article.byline == "Jane Doe, John Roe"
    assert article.published.isoformat() == "2024-03-01T08:30:00+00:00"
    assert article.modified.isoformat() == "2024-03-02T10:00:00+00:00"


def test_byline_from_the_page_where_metadata_names_nobody():
    html = '<h1>A story</h1><p class="byline">By Jane Doe and John Roe</p><article>' + _paragraphs(4) + "</article>"
    assert extract_constructed(_page(html)).byline == "Jane Doe, John Roe"


# ------------------------------------------------------------------ the feed spider

def make_feed_spider(**kwargs) -> FeedSpider:
    crawler = get_crawler(FeedSpider, {"NEWSCRAWLER_NOW": "2026-03-01T12:00:00+00:00"})
    return FeedSpider.from_crawler(crawler, recheck=NONE, **kwargs)


def test_links_on_a_registered_sources_host_are_read_by_that_sources_layouts():
    feed_url = "http://127.0.0.1:8000/feed.xml"
    spider = make_feed_spider(feeds=feed_url, source="testnews")
    link = "https://www.bbc.com/news/articles/cden3j9d1r7o?at_medium=RSS"
    feed = XmlResponse(feed_url, body=rss_feed([link, "http://127.0.0.1:8000/world/a-story"]),
                       request=Request(feed_url))
    bbc_request, own_request = spider.entry_requests(feed)
    assert spider.source_of_link(link) is SOURCES["bbc"]
    assert bbc_request.url == "https://www.bbc.co.uk/news/articles/cden3j9d1r7o"
    assert bbc_request.cb_kwargs["source"] == "bbc"
    assert own_request.cb_kwargs["source"] == "testnews" and spider.source.name == "testnews"

    html = (FIXTURES / "bbc" / "pages" / "cden3j9d1r7o.html").read_bytes()
    response = HtmlResponse(bbc_request.url, body=html, headers={"Content-Type": "text/html"}, request=bbc_request)
    [item] = list(spider.parse_article(response, **bbc_request.cb_kwargs))
    by_bbc = read_article(bbc_request.url, html, source="bbc")
    assert isinstance(item, ArticleItem) and item.source == "bbc"
    assert normalise_blocks(item.body) == by_bbc.body != read_generic(bbc_request.url, html).body


def feed_crawl(mongo_uri: str, database: str, *arguments: str) -> subprocess.CompletedProcess:
    """`scrapy crawl feed ...` into the test database."""
    command = [sys.executable, "-m", "scrapy", "crawl", "feed", *arguments, "-s", f"MONGO_URI={mongo_uri}",
               "-s", f"MONGO_DATABASE={database}", "-s", "DOWNLOAD_DELAY=0"]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


SERVED = {  # path on the test site -> fixture page (outlets the general extractor reads)
    "/uk/338045-privatization-aid-money-dfid": FIXTURES / "generic" / "pages" / "rt" / "338045.html",
    "/2014/10/22/canada-proclaiming-war": FIXTURES / "generic" / "pages" / "theintercept"
    / "canada-proclaiming-war-12-years-shocked-someone-attacked-soldiers.html",
}


def serve_site(site) -> tuple[str, dict[str, str]]:
    urls = {path: site.set_page(path, fixture.read_bytes()) for path, fixture in SERVED.items()}
    feed_url = site.set_page("/feed.xml", rss_feed(list(urls.values())), content_type="application/rss+xml")
    return feed_url, urls


def test_crawl_of_any_feed_stores_versions_and_changes(site, store, mongo_uri, database_name):
    feed_url, urls = serve_site(site)
    feed_crawl(mongo_uri, database_name, "-a", f"feeds={feed_url}", "-a", "source=testnews")
    rt_url = urls["/uk/338045-privatization-aid-money-dfid"]
    assert {article["_id"]: article["source"] for article in store.db.articles.find()} == {
        url: "testnews" for url in urls.values()}
    assert store.article(rt_url)["headline"].startswith("‘Scandal of privatized aid’")

    page = SERVED["/uk/338045-privatization-aid-money-dfid"].read_bytes()
    site.set_page("/uk/338045-privatization-aid-money-dfid",
                  page.replace(b"was published on Friday", b"was published on Thursday"))
    feed_crawl(mongo_uri, database_name, "-a", f"feeds={feed_url}", "-a", "source=testnews")
    assert [revision["version"] for revision in store.revisions(rt_url)] == [1, 2]
    [change] = store.changes(rt_url)
    assert change["source"] == "testnews" and change["counts"]["edited"] == 1
    [edited] = [op for op in change["paragraphs"] if op["op"] == "edited"]
    assert ["delete", "Friday."] in edited["words"] and ["insert", "Thursday."] in edited["words"]
    assert [len(store.revisions(url)) for url in urls.values()] == [2, 1]


def test_feed_sources_setting_names_a_source_and_its_feeds(site, store, mongo_uri, database_name):
    feed_url, urls = serve_site(site)
    feed_crawl(mongo_uri, database_name, "-s", f"NEWSCRAWLER_FEED_SOURCES={json.dumps({'npr': [feed_url]})}",
               "-a", "source=npr")
    assert site.fetches("/feed.xml") == 1
    assert {article["source"] for article in store.db.articles.find()} == {"npr"}
    assert store.db.articles.count_documents({}) == len(urls)


# ------------------------------------------------------------------ unchanged pages, changed bytes

@pytest.mark.parametrize("name", [name for name in PAGE_FILES if name != "pages/61896381.html"])  # the video page
def test_refetch_of_an_unchanged_page_keeps_the_hash(name):
    """Every way tests/perturbations.py changes the bytes of an unchanged page at
    once (timestamps, related-story boxes, ads, attributes, whitespace, comment counts...)."""
    page = perturbed = fixture_page(name)
    for perturb in PERTURBATIONS.values():
        perturbed = perturb(perturbed)
    before, after = read_generic(MIRROR + "a-story", page), read_generic(MIRROR + "a-story", perturbed)
    assert (after.headline, after.body) == (before.headline, before.body)
    assert content_hash(after.headline, after.body) == content_hash(before.headline, before.body)


def test_a_one_word_edit_changes_the_hash():
    page = fixture_page("pages/cden3j9d1r7o.html")
    before = read_generic(MIRROR + "a-story", page)
    word = candidate_words(before.headline, before.body)[0]
    after = read_generic(MIRROR + "a-story", edit_one_word(page, word, "Quixotically"))
    assert content_hash(after.headline, after.body) != content_hash(before.headline, before.body)
    assert [block for block in after.body if block not in before.body] == [
        block.replace(word, "Quixotically") for block in before.body if word in block]
