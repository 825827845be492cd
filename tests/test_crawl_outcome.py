"""How a crawl ends: one summary line, and an exit status that tells cron and scrapyd whether it failed."""
import os
import subprocess

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newscrawler.summary import crawl_failure, summary
from tests.conftest import PROJECT_DIR, article_page, crawl_command, free_port, rss_feed, run_crawl

UNRESOLVABLE_FEEDS = ["http://feeds.example.invalid/news/rss.xml", "http://news.example.invalid/uk.xml"]


def crawl(feed_url: str, mongo_uri: str | None, *extra: str, env: dict | None = None):
    return subprocess.run(crawl_command(feed_url, mongo_uri, "outcome", *extra), cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=120, env=env)


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if " ERROR: " in line]


def summary_line(result) -> str:
    [line] = [line for line in result.stderr.splitlines() if "[newscrawler.summary]" in line]
    return line.split(": ", 1)[1]


def test_a_crawl_ends_with_a_summary_line_and_succeeds_if_a_feed_was_read(site, mongo_uri, database_name):
    article = site.set_page("/news/uk-10000001", article_page(1))
    broken = site.set_page("/news/uk-10000002", b"<html><body>Service unavailable</body></html>")
    feed = site.set_page("/feed.xml", rss_feed([article, broken]), "application/rss+xml")
    result = run_crawl(f"{feed},{UNRESOLVABLE_FEEDS[0]}", mongo_uri, database_name)
    assert summary_line(result) == ("Crawl done: 1 feeds read, 1 failed; 1 new, 0 changed, 0 unchanged articles; "
                                    "1 failed checks")


@pytest.mark.parametrize("database", ["nothing listening", "not MongoDB"])
def test_a_database_that_cannot_be_used_fails_the_crawl(database, site, garbage_listener):
    port = free_port() if database == "nothing listening" else garbage_listener
    feed = site.set_page("/feed.xml", rss_feed([site.base_url + "/news/uk-10000001"]), "application/rss+xml")
    result = crawl(feed, f"mongodb://127.0.0.1:{port}/", "-s", "MONGO_TIMEOUT_MS=500")
    assert result.returncode == 1
    assert site.requests == []
    assert "Traceback" not in result.stderr
    [error] = error_lines(result)
    assert f"cannot use MongoDB at mongodb://127.0.0.1:{port}/" in error
    assert summary_line(result).startswith("Crawl failed (storage_unavailable): 0 feeds read")


def test_a_crawl_whose_feeds_all_failed_fails_with_one_line_per_feed(mongo_uri):
    result = crawl(",".join(UNRESOLVABLE_FEEDS), mongo_uri)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for feed in UNRESOLVABLE_FEEDS:
        [line] = [line for line in result.stderr.splitlines() if feed in line]
        assert f"Could not fetch feed {feed}: DNS lookup failed" in line
    assert len(error_lines(result)) == len(UNRESOLVABLE_FEEDS)
    assert summary_line(result) == ("Crawl failed (every feed failed): 0 feeds read, 2 failed; 0 new, 0 changed, "
                                    "0 unchanged articles; 0 failed checks")


def test_a_data_directory_that_cannot_be_made_is_one_error_line(site, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    feed = site.set_page("/feed.xml", rss_feed([]), "application/rss+xml")
    env = {**os.environ, "NEWSCRAWLER_DATA_DIR": str(blocker / "data")}
    env.pop("MONGO_URI", None)
    result = crawl(feed, None, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [error] = error_lines(result)
    assert f"cannot use the data directory {blocker / 'data'}: Not a directory" in error


def stats_of(reason: str, **counts) -> MemoryStatsCollector:
    stats = MemoryStatsCollector(get_crawler())
    stats.set_value("finish_reason", reason)
    for key, count in counts.items():
        stats.set_value("newscrawler/" + key.replace("__", "/"), count)
    return stats


@pytest.mark.parametrize("reason, counts, failure", [
    ("finished", {"feed__fetched": 2, "feed__fetch_failed": 1}, None),
    ("finished", {}, None),  # no feed asked for: nothing failed
    ("closespider_timeout", {"feed__fetched": 1}, None),
    ("finished", {"feed__fetch_failed": 3}, "every feed failed"),
    ("finished", {"feed__fetched": 1, "feed__unusable__html": 1}, "every feed failed"),
    ("storage_unavailable", {}, "storage_unavailable"),
    ("shutdown", {"feed__fetched": 4}, "shutdown"),
])
def test_crawl_failure(reason, counts, failure):
    assert crawl_failure(stats_of(reason, **counts)) == failure


def test_summary_counts_unusable_feeds_as_failed_and_not_modified_pages_as_unchanged():
    stats = stats_of("finished", feed__fetched=3, feed__unusable__not_xml=1, feed__fetch_failed=1,
                     articles__unchanged=5, checks__not_modified=2, articles__changed=1, checks__failed=4)
    assert summary(stats) == "2 feeds read, 2 failed; 0 new, 1 changed, 7 unchanged articles; 4 failed checks"
