"""Permanent feeds from settings: NEWSCRAWLER_<SOURCE>_FEEDS and NEWSCRAWLER_FEED_SOURCES (README, "Running crawls")."""
import json
import os
import subprocess
import sys

import pytest
from scrapy.utils.test import get_crawler

from newscrawler.sources import SOURCES
from newscrawler.spiders.feed import FeedSpider
from newscrawler.spiders.news import SPIDERS, feeds_setting
from tests.conftest import PROJECT_DIR, article_page, rss_feed


def spider_feeds(name: str, settings: dict, **arguments) -> list[str]:
    spider_class = FeedSpider if name == "feed" else SPIDERS[name]
    crawler = get_crawler(spider_class, settings_dict=settings)
    return spider_class.from_crawler(crawler, **arguments).feeds()


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_a_sources_feeds_setting_replaces_its_default_feeds(name):
    assert feeds_setting(name) == f"NEWSCRAWLER_{name.upper()}_FEEDS"
    assert spider_feeds(name, {}) == list(SOURCES[name].feeds)
    configured = {feeds_setting(name): "https://feeds.example.org/a.xml, https://feeds.example.org/b.xml"}
    assert spider_feeds(name, configured) == ["https://feeds.example.org/a.xml", "https://feeds.example.org/b.xml"]
    # -a feeds=... replaces both for one run
    assert spider_feeds(name, configured, feeds="https://feeds.example.org/c.xml") == [
        "https://feeds.example.org/c.xml"]


def test_the_feed_spider_of_a_registered_source_reads_its_feeds_setting_too():
    configured = {feeds_setting("bbc"): "https://feeds.example.org/a.xml"}
    assert spider_feeds("feed", configured, source="bbc") == ["https://feeds.example.org/a.xml"]
    assert spider_feeds("feed", {}, source="bbc") == list(SOURCES["bbc"].feeds)


def test_a_feed_source_of_the_settings_is_crawled_by_name(site, store, mongo_uri, database_name):
    article = site.set_page("/news/uk-10000001", article_page(7))
    feed = site.set_page("/local.xml", rss_feed([article]), content_type="application/rss+xml")
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "feed", "-a", "source=localnews",
         "-s", f"NEWSCRAWLER_FEED_SOURCES={json.dumps({'localnews': [feed]})}",
         "-s", f"MONGO_URI={mongo_uri}", "-s", f"MONGO_DATABASE={database_name}", "-s", "DOWNLOAD_DELAY=0"],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert site.fetches("/local.xml") == 1
    tracked = store.article(article)
    assert tracked["source"] == "localnews" and tracked["version"] == 1
    assert "At least 7 people have died" in store.revisions(article)[0]["body"][0]
