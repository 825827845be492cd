"""A crawl killed with SIGKILL at a random point, then run again, leaves MongoDB consistent."""
import random
import subprocess
import time

from tests.conftest import PROJECT_DIR, article_page, articles_by_status, crawl_command, rss_feed, run_crawl

ARTICLES = 15


def serve_articles(site, death_toll: int) -> list[str]:
    page = article_page(death_toll)
    return [site.set_page(f"/news/articles/killed{n}", page, delay=0.2) for n in range(ARTICLES)]


def crawl_killed_after(seconds: float, command: list[str]) -> None:
    process = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    process.kill()
    process.wait(timeout=30)


def assert_consistent(store, urls, versions: int):
    for url in urls:
        assert [r["version"] for r in store.revisions(url)] == list(range(1, versions + 1)), url
        assert [c["to_version"] for c in store.changes(url)] == list(range(2, versions + 1)), url
        article = store.article(url)
        assert article["version"] == versions and "pending_version" not in article, url
    totals = store.article_totals(store.clock())["articles"]
    assert totals == articles_by_status(store) == {("bbc", "active"): len(urls)}


def test_crawl_killed_at_random_points_then_run_again(site, store, mongo_uri, database_name):
    seed = random.randrange(10**6)
    kill_after = random.Random(seed).uniform
    urls = serve_articles(site, 15)
    feed = site.set_page("/feed.xml", rss_feed(urls))
    settings = ("-s", "CONCURRENT_REQUESTS=2", "-a", "recheck=none")
    run_crawl(feed, mongo_uri, database_name, *settings)
    for version, death_toll in enumerate((16, 17), start=2):
        serve_articles(site, death_toll)
        crawl_killed_after(kill_after(1.2, 3.0), crawl_command(feed, mongo_uri, database_name, *settings))
        assert store.article_totals(store.clock())["articles"] == articles_by_status(store)
        run_crawl(feed, mongo_uri, database_name, *settings)
        assert_consistent(store, urls, version), f"random seed {seed}"
