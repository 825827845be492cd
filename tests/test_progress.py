"""The progress line a running crawl logs every NEWSCRAWLER_PROGRESS_SECONDS."""
import re

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from newscrawler.progress import CrawlProgress
from tests.conftest import article_page, rss_feed, run_crawl
from tests.reading_data import T0, crawl_versions

PROGRESS = re.compile(r"Progress: (\d+) of (\d+) articles checked; (\d+) feeds read, (\d+) failed; "
                      r"(\d+) new, (\d+) changed, (\d+) unchanged articles; (\d+) failed checks")
SLOW_SECONDS = 1.5


def progress_lines(crawl) -> list[tuple[int, ...]]:
    return [tuple(map(int, found.groups())) for found in PROGRESS.finditer(crawl.stderr)]


def test_progress_counts_feed_entries_and_claimed_rechecks_while_a_slow_page_is_fetched(site, store, mongo_uri,
                                                                                        database_name):
    tracked = [site.set_page(f"/news/uk-1000000{n}", article_page(n)) for n in (1, 2)]
    for url in tracked:
        crawl_versions(store, url, [(T0, "Stored headline", ["Stored text."])])
    slow = site.set_page("/news/uk-10000003", article_page(3), delay=SLOW_SECONDS)
    crawl = run_crawl(site.set_page("/feed.xml", rss_feed([slow])), mongo_uri, database_name,
                      "-a", "recheck=all", "-s", "NEWSCRAWLER_PROGRESS_SECONDS=0.5")
    lines = progress_lines(crawl)
    assert len(lines) >= 2  # one every half second while the slow page is on its way
    # due: the feed's one entry and the two re-checks no feed listed; checked: the two fast ones
    assert (2, 3, 1, 0, 0, 2, 0, 0) in lines
    assert all(checked <= due == 3 for checked, due, *_ in lines)
    assert "Crawl done: 1 feeds read, 0 failed; 1 new, 2 changed, 0 unchanged articles" in crawl.stderr


def test_no_progress_lines_with_an_interval_of_zero():
    with pytest.raises(NotConfigured):
        CrawlProgress.from_crawler(get_crawler(settings_dict={"NEWSCRAWLER_PROGRESS_SECONDS": 0}))
    assert CrawlProgress.from_crawler(get_crawler()).interval == 60
