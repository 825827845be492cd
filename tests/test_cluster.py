"""Three crawls at once against one database, as three nodes of a cluster
would run them, period after period, all reading the same feed.

With NEWSCRAWLER_CLAIM_FEED_ENTRIES every article a period asks for (a feed
entry, new or tracked, or a due re-check) is fetched by exactly one of the
crawls, and versions stay consecutive. bench/cluster.py does the same with
three scrapyd nodes and 5,000 articles.
"""
import subprocess
from collections import Counter
from datetime import datetime, timedelta, timezone

from tests.conftest import PROJECT_DIR, article_page, crawl_command, rss_feed

NODES = 3
ARTICLES = 48
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
PATHS = [f"/news/articles/cluster{n}" for n in range(ARTICLES)]


def crawl_period(site, mongo_uri: str, database_name: str, moment: datetime, *extra: str) -> Counter:
    """NODES crawls of the site's feed at once, at `moment`; how often each article was fetched."""
    fetched_before = len(site.requests)
    command = crawl_command(site.base_url + "/feed.xml", mongo_uri, database_name,
                            "-s", f"NEWSCRAWLER_NOW={moment.isoformat()}", "-s", "ROBOTSTXT_OBEY=False", *extra)
    processes = [subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True) for _ in range(NODES)]
    logs = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * NODES, logs[0][-3000:]
    assert not any("Traceback" in log for log in logs), [log[-3000:] for log in logs if "Traceback" in log]
    return Counter(path for path in site.requests[fetched_before:] if path in PATHS)


def serve(site, paths: list[str], death_toll: int = 15) -> None:
    for path in paths:
        site.set_page(path, article_page(death_toll))


def list_in_feed(site, paths: list[str]) -> None:
    site.set_page("/feed.xml", rss_feed([site.base_url + path for path in paths]), "application/rss+xml")


def test_three_crawls_at_once_fetch_each_article_once_a_period(site, store, mongo_uri, database_name):
    claims = ("-s", "NEWSCRAWLER_CLAIM_FEED_ENTRIES=True")
    serve(site, PATHS)
    # period 1: half of the articles, all new, in the feed
    list_in_feed(site, PATHS[:24])
    assert crawl_period(site, mongo_uri, database_name, T0, *claims) == Counter(PATHS[:24])

    # period 2, when those are due: some of them edited; the feed lists a third of
    # them (due and tracked) and every article of the second half (new)
    edited = PATHS[:24:5]
    serve(site, edited, death_toll=16)
    list_in_feed(site, PATHS[16:])
    assert crawl_period(site, mongo_uri, database_name, T0 + timedelta(minutes=31), *claims) == Counter(PATHS)

    for path in PATHS:
        url = site.base_url + path
        expected = [1, 2] if path in edited else [1]
        assert [revision["version"] for revision in store.revisions(url)] == expected, path
        assert [change["to_version"] for change in store.changes(url)] == expected[1:], path
        article = store.article(url)
        assert article["checks"] == (2 if path in PATHS[:24] else 1), path
        assert "lease_until" not in article, path
