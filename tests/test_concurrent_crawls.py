"""Two crawler processes over the same changed pages at the same time."""
import subprocess

from tests.conftest import PROJECT_DIR, article_page, articles_by_status, crawl_command, rss_feed, run_crawl

ARTICLES = 12


def serve_articles(site, death_toll: int) -> list[str]:
    page = article_page(death_toll)
    return [site.set_page(f"/news/articles/tracked{n}", page) for n in range(ARTICLES)]


def crawl_twice_at_once(feed_url, mongo_uri, database_name):
    processes = [subprocess.Popen(crawl_command(feed_url, mongo_uri, database_name), cwd=PROJECT_DIR,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    logs = [process.communicate(timeout=180)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], logs[0][-2000:]


def test_two_crawls_at_once_keep_versions_consecutive(site, store, mongo_uri, database_name):
    urls = serve_articles(site, 15)
    feed_url = site.set_page("/feed.xml", rss_feed(urls), "application/rss+xml")
    run_crawl(feed_url, mongo_uri, database_name)
    for round_number, death_toll in enumerate((16, 17), start=2):
        serve_articles(site, death_toll)
        crawl_twice_at_once(feed_url, mongo_uri, database_name)
        for url in urls:
            assert [r["version"] for r in store.revisions(url)] == list(range(1, round_number + 1)), url
            assert [c["to_version"] for c in store.changes(url)] == list(range(2, round_number + 1)), url
        totals = store.article_totals(store.clock())["articles"]
        assert totals == articles_by_status(store) == {("bbc", "active"): ARTICLES}
    assert len(site.requests) >= ARTICLES * 5  # every crawl really fetched every page
