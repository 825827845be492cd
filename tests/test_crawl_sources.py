"""Each outlet crawled end to end: `scrapy crawl <source>` over its real fixture
pages served from 127.0.0.1 under their own paths, into the test database.

The source decides which links are articles and how pages are read, whatever
host serves them; a link to another outlet's host is skipped and counted.
"""
import json
from urllib.parse import urlsplit

import pytest

from tests.conftest import FIXTURES, read_article, rss_feed, run_crawl, stat
from tests.perturbations import candidate_words, edit_one_word

OUTLETS = ["guardian", "independent", "nytimes", "washingtonpost"]
ANOTHER_OUTLETS_LINK = "https://www.bbc.co.uk/news/uk-politics-12345678"


def fixture_pages(source: str) -> dict[str, dict]:
    """Path -> facts of each fixture page that has a URL (one capture per path)."""
    pages = json.loads((FIXTURES / source / "expected.json").read_text(encoding="utf-8"))["pages"]
    by_path = {}
    for page in pages:
        if "url" in page:
            by_path.setdefault(urlsplit(page["url"]).path, page)
    return by_path


def publish(site, source: str, pages: dict[str, dict]) -> str:
    for path, page in pages.items():
        site.set_page(path, (FIXTURES / source / page["file"]).read_bytes(), content_type="text/html")
    links = [site.base_url + path for path in pages] + [ANOTHER_OUTLETS_LINK]
    return site.set_page("/feed.xml", rss_feed(links), content_type="application/rss+xml")


@pytest.mark.parametrize("source", OUTLETS)
def test_source_is_crawled_end_to_end(source, site, store, mongo_uri, database_name):
    pages = fixture_pages(source)
    articles = {path: page for path, page in pages.items() if not page.get("not_article")}
    feed_url = publish(site, source, pages)

    first = run_crawl(feed_url, mongo_uri, database_name, spider=source)
    assert stat(first, "newscrawler/articles/new") == len(articles)
    assert stat(first, f"newscrawler/source/{source}/articles/new") == len(articles)
    assert stat(first, "newscrawler/feed/links_skipped/other_source") == 1
    assert store.db.articles.distinct("source") == [source]
    for path, page in articles.items():
        [revision] = store.revisions(site.base_url + path)
        assert revision["source"] == source and revision["headline"] == page.get("title", revision["headline"])
    assert not store.db.articles.find_one({"_id": {"$regex": "bbc"}})

    path, page = next(iter(articles.items()))
    original = (FIXTURES / source / page["file"]).read_bytes()
    article = read_article(site.base_url + path, original, source=source)
    word = candidate_words(article.headline, article.body)[0]
    site.set_page(path, edit_one_word(original, word, "WORDCHANGED"), content_type="text/html")

    second = run_crawl(feed_url, mongo_uri, database_name, spider=source)
    assert stat(second, "newscrawler/articles/changed") == 1
    assert stat(second, "newscrawler/pages/same_as_stored") == len(articles) - 1
    [change] = store.changes(site.base_url + path)
    assert change["source"] == source and change["counts"]["edited"] == 1
    [edited] = [op for op in change["paragraphs"] if op["op"] == "edited"]
    [inserted] = [text for tag, text in edited["words"] if tag == "insert"]
    assert "WORDCHANGED" in inserted and word not in inserted


def test_a_feed_crawl_tracks_and_counts_under_its_own_source(site, store, mongo_uri, database_name):
    """`scrapy crawl feed -a source=NAME` over a host no source owns: the general
    extractor reads the page, stored and counted under NAME."""
    bbc_page = (FIXTURES / "bbc" / "pages" / "cden3j9d1r7o.html").read_bytes()
    site.set_page("/2024/09/30/mexico-storm-john", bbc_page, content_type="text/html")
    feed_url = site.set_page("/feed.xml", rss_feed([site.base_url + "/2024/09/30/mexico-storm-john"]),
                             content_type="application/rss+xml")
    crawl = run_crawl(feed_url, mongo_uri, database_name, "-a", "source=localnews", spider="feed")
    assert stat(crawl, "newscrawler/source/localnews/articles/new") == 1
    assert store.article(site.base_url + "/2024/09/30/mexico-storm-john")["source"] == "localnews"
