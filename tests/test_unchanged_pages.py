"""End to end: a re-fetched page with the very bytes its latest version was read
from is unchanged without being extracted; anything else is compared in full."""

from newscrawler.spiders.news import page_hash
from tests.conftest import FIXTURES, rss_feed, run_crawl, stat

PATH = "/1/hi/uk/7984711.stm"
PAGE_A = (FIXTURES / "bbc" / "versions" / "7984711-A.stm.html").read_bytes()
PAGE_B = (FIXTURES / "bbc" / "versions" / "7984711-B.stm.html").read_bytes()
# the same text as PAGE_A in other bytes, as a page with a per-request token would be
PAGE_A_RESERVED = PAGE_A.replace(b"</head>", b"<!-- served again --></head>", 1)
CONTENT_TYPE = "text/html"


def crawl_serving(site, page: bytes, mongo_uri, database_name, **headers):
    url = site.set_page(PATH, page, content_type=CONTENT_TYPE, headers=headers)
    feed = site.set_page("/feed.xml", rss_feed([url]), content_type="application/rss+xml")
    return url, run_crawl(feed, mongo_uri, database_name)


def test_same_page_again_is_unchanged_without_extraction(site, store, mongo_uri, database_name):
    url, _ = crawl_serving(site, PAGE_A, mongo_uri, database_name)
    assert store.article(url)["page_hash"] == page_hash(PAGE_A, CONTENT_TYPE)
    _, again = crawl_serving(site, PAGE_A, mongo_uri, database_name)
    assert stat(again, "newscrawler/pages/same_as_stored") == 1
    assert stat(again, "newscrawler/articles/unchanged") == 1
    assert site.fetches(PATH) == 2
    assert stat(again, "item_scraped_count") == 1 and stat(again, "item_dropped_count") == 0  # the check, passed on
    tracking = store.article(url)
    assert tracking["checks"] == 2 and tracking["last_check_result"] == "unchanged"
    assert len(store.revisions(url)) == 1


def test_other_bytes_with_the_same_text_are_compared_then_become_the_known_page(site, store, mongo_uri,
                                                                                database_name):
    url, _ = crawl_serving(site, PAGE_A, mongo_uri, database_name)
    _, reserved = crawl_serving(site, PAGE_A_RESERVED, mongo_uri, database_name)
    assert stat(reserved, "newscrawler/pages/same_as_stored") == 0
    assert stat(reserved, "newscrawler/articles/unchanged") == 1
    assert store.article(url)["page_hash"] == page_hash(PAGE_A_RESERVED, CONTENT_TYPE)
    _, again = crawl_serving(site, PAGE_A_RESERVED, mongo_uri, database_name)
    assert stat(again, "newscrawler/pages/same_as_stored") == 1
    assert len(store.revisions(url)) == 1 and store.article(url)["checks"] == 3


def test_changed_page_is_a_new_version_and_its_page_becomes_the_known_one(site, store, mongo_uri, database_name):
    url, _ = crawl_serving(site, PAGE_A, mongo_uri, database_name)
    _, changed = crawl_serving(site, PAGE_B, mongo_uri, database_name)
    assert stat(changed, "newscrawler/articles/changed") == 1
    assert store.article(url)["page_hash"] == page_hash(PAGE_B, CONTENT_TYPE)
    _, back = crawl_serving(site, PAGE_A, mongo_uri, database_name)  # the first page's bytes again
    assert stat(back, "newscrawler/pages/same_as_stored") == 0
    assert [r["version"] for r in store.revisions(url)] == [1, 2, 3]
    assert store.revision(url, 3)["reverts_to"] == 1


def test_page_back_after_removal_is_compared_in_full(site, store, mongo_uri, database_name):
    url, _ = crawl_serving(site, PAGE_A, mongo_uri, database_name)
    site.set_page(PATH, b"<html><body>Not found</body></html>", status=404)
    run_crawl(site.base_url + "/feed.xml", mongo_uri, database_name)
    assert store.article(url)["page_hash"] is None
    _, back = crawl_serving(site, PAGE_A, mongo_uri, database_name)
    assert stat(back, "newscrawler/pages/same_as_stored") == 0
    assert [r["kind"] for r in store.revisions(url)] == ["content", "removed", "revert"]


def test_feed_entry_of_a_tracked_article_is_a_conditional_get(site, store, mongo_uri, database_name):
    url, _ = crawl_serving(site, PAGE_A, mongo_uri, database_name, ETag='"a1"')
    _, again = crawl_serving(site, PAGE_A, mongo_uri, database_name, ETag='"a1"')
    _, headers = site.request_headers[-1]
    assert headers["If-None-Match"] == '"a1"'
    assert stat(again, "newscrawler/checks/not_modified") == 1
    assert store.article(url)["last_check_result"] == "not_modified"
