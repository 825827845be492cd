"""Alerts end to end: `scrapy crawl` subprocesses, a real database, receivers on 127.0.0.1."""
import subprocess
import time

from newscrawler.reading import cli
from tests.alert_receivers import HANG, Receiver
from tests.conftest import PROJECT_DIR, article_page, crawl_command, rss_feed, run_crawl

# Small timeouts and back-off, so that failing receivers cost a test little time.
FAST = ("-s", "NEWSCRAWLER_ALERTS_TIMEOUT_SECONDS=0.5", "-s", "NEWSCRAWLER_ALERTS_RETRY_SECONDS=0.05",
        "-s", "NEWSCRAWLER_ALERTS_FLUSH_SECONDS=3", "-a", "recheck=none")


def alerts_command(mongo_uri: str, database: str, *words: str, out=None) -> int:
    return cli.main(["-s", f"MONGO_URI={mongo_uri}", "-s", f"MONGO_DATABASE={database}",
                     "-s", "NEWSCRAWLER_ALERTS_RETRY_SECONDS=0.05", "-s", "NEWSCRAWLER_ALERTS_TIMEOUT_SECONDS=0.5",
                     "alerts", *words])


def subscribe(mongo_uri: str, database: str, *words: str) -> None:
    assert alerts_command(mongo_uri, database, "add", *words) == 0


def serve_articles(site, death_toll: int, count: int = 2, delay: float = 0) -> list[str]:
    return [site.set_page(f"/news/articles/alert{n}", article_page(death_toll), delay=delay) for n in range(count)]


def test_one_post_per_matching_change_across_two_crawls(site, store, mongo_uri, database_name):
    urls = serve_articles(site, 15)
    feed = site.set_page("/feed.xml", rss_feed(urls))
    with Receiver() as matching, Receiver() as other_source, Receiver() as minor_only:
        subscribe(mongo_uri, database_name, matching.url, "--word", "16 people")
        subscribe(mongo_uri, database_name, matching.url, "--source", "bbc")  # the same target: one alert
        subscribe(mongo_uri, database_name, other_source.url, "--source", "guardian")
        subscribe(mongo_uri, database_name, minor_only.url, "--word", "nobody says this")
        run_crawl(feed, mongo_uri, database_name, *FAST)  # version 1 of each: no change, no alert
        serve_articles(site, 16)
        run_crawl(feed, mongo_uri, database_name, *FAST)
        serve_articles(site, 17)
        run_crawl(feed, mongo_uri, database_name, *FAST)  # and the second crawl's alerts are not sent again

    change_ids = sorted(str(change["_id"]) for url in urls for change in store.changes(url))
    assert len(change_ids) == 4
    assert sorted(post.headers["Idempotency-Key"] for post in matching.posts) == change_ids
    assert sorted(post.body["idempotency_key"] for post in matching.posts) == change_ids
    assert all(post.status == 200 for post in matching.posts)
    assert other_source.posts == [] and minor_only.posts == []
    [first] = [post.body for post in matching.posts if post.body["versions"] == {"from": 1, "to": 2}][:1]
    assert first["article"]["url"] in urls
    assert first["changes"][0]["inserted_words"] == ["16"]
    assert first["link"].startswith("http://127.0.0.1:8080/compare?url=")
    assert all("alerts" not in change for url in urls for change in store.changes(url))


def test_crawl_killed_after_storing_a_change_loses_no_alert(site, store, mongo_uri, database_name):
    [changed] = serve_articles(site, 15, count=1)
    slow = site.set_page("/news/articles/slow", article_page(15))
    feed = site.set_page("/feed.xml", rss_feed([changed, slow]))
    with Receiver() as receiver:
        subscribe(mongo_uri, database_name, receiver.url)
        run_crawl(feed, mongo_uri, database_name, *FAST)
        serve_articles(site, 16, count=1)
        site.set_page("/news/articles/slow", article_page(15), delay=20)  # keeps the crawl alive
        # no delivery while crawling: the crawl is killed after storing, before sending
        command = crawl_command(feed, mongo_uri, database_name, *FAST, "-s", "NEWSCRAWLER_ALERTS_INTERVAL_SECONDS=3600")
        process = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            [change] = wait_for(lambda: store.changes(changed), timeout=30)
        finally:
            process.kill()
            process.wait(timeout=30)
        assert change["alerts"] == "pending" and receiver.posts == []

        assert alerts_command(mongo_uri, database_name, "send") == 0
        site.set_page("/news/articles/slow", article_page(15))
        run_crawl(feed, mongo_uri, database_name, *FAST)  # and a crawl after: nothing twice
    assert [post.headers["Idempotency-Key"] for post in receiver.posts] == [str(change["_id"])]


def test_failing_receivers_neither_block_the_crawl_nor_each_other(site, store, mongo_uri, database_name, capsys):
    urls = serve_articles(site, 15, count=1)
    feed = site.set_page("/feed.xml", rss_feed(urls))
    with (Receiver() as good, Receiver([500, 500, 500, 200]) as flaky, Receiver([HANG]) as dead,
          Receiver() as apprise_receiver):
        for receiver in (dead, flaky, good):
            subscribe(mongo_uri, database_name, receiver.url)
        apprise_url = apprise_receiver.url.replace("http://", "json://")
        subscribe(mongo_uri, database_name, apprise_url)
        run_crawl(feed, mongo_uri, database_name, *FAST)
        serve_articles(site, 16, count=1)
        started = time.monotonic()
        run_crawl(feed, mongo_uri, database_name, *FAST, "-s", "NEWSCRAWLER_ALERTS_FAILING_AFTER=2",
                  "-s", "NEWSCRAWLER_ALERTS_MAX_ATTEMPTS=50")
        elapsed = time.monotonic() - started
        [change] = store.changes(urls[0])
        key = str(change["_id"])

        assert [post.headers["Idempotency-Key"] for post in good.posts] == [key]
        assert [post.status for post in flaky.posts] == [500, 500, 500, 200]
        assert {post.headers["Idempotency-Key"] for post in flaky.posts} == {key}
        [notification] = apprise_receiver.posts
        assert "removed “15”; inserted “16”" in notification.body["message"]
        assert notification.body["title"].startswith("Changed: Mexico counting dead")
        assert len(dead.posts) >= 2  # tried, timed out, tried again within the flush
        assert elapsed < 20  # the crawl itself takes a few seconds; flush 3 s, timeouts 0.5 s

        capsys.readouterr()
        assert alerts_command(mongo_uri, database_name, "status") == 0
    status = capsys.readouterr().out
    assert "Alerts: 1 pending, 3 sent, 0 failed" in status
    [dead_line] = [line for line in status.splitlines() if dead.url in line]
    assert "1 pending" in dead_line and "FAILING since" in dead_line and "ReadTimeout" in dead_line


def wait_for(find, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"nothing found in {timeout} s")

