"""The re-check lifecycle end to end: crawls run at chosen moments (NEWSCRAWLER_NOW)."""
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import FIXTURES, PROJECT_DIR, crawl_command, rss_feed, run_crawl

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
PAGE_A = (FIXTURES / "bbc" / "versions" / "7984711-A.stm.html").read_bytes()
PAGE_B = (FIXTURES / "bbc" / "versions" / "7984711-B.stm.html").read_bytes()
PATH = "/1/hi/uk/7984711.stm"


def at(moment: datetime, *extra: str) -> list[str]:
    return ["-s", f"NEWSCRAWLER_NOW={moment.isoformat()}", *extra]


@pytest.fixture
def tracked(site, store, mongo_uri, database_name):
    """One article stored at T0 from a feed; later crawls read an empty feed, so
    only re-checks fetch it. Returns (article URL, function running a crawl at a moment)."""
    url = site.set_page(PATH, PAGE_A, headers={"ETag": '"v1"', "Last-Modified": "Sun, 01 Mar 2026 11:00:00 GMT"})
    run_crawl(site.set_page("/first.xml", rss_feed([url])), mongo_uri, database_name, *at(T0))
    empty_feed = site.set_page("/empty.xml", rss_feed([]))

    def crawl_at(moment, *extra):
        return run_crawl(empty_feed, mongo_uri, database_name, *at(moment, *extra))

    return url, crawl_at


def test_article_is_not_fetched_before_it_is_due(tracked, site, store):
    url, crawl_at = tracked
    crawl_at(T0 + timedelta(minutes=20))
    assert site.fetches(PATH) == 1
    crawl_at(T0 + timedelta(minutes=31))
    assert site.fetches(PATH) == 2
    tracking = store.article(url)
    assert tracking["checks"] == 2 and tracking["last_checked"] == T0 + timedelta(minutes=31)


def test_recheck_sends_validators_and_304_counts_as_unchanged(tracked, site, store):
    url, crawl_at = tracked
    crawl_at(T0 + timedelta(minutes=31))
    [*_, headers] = [headers for path, headers in site.request_headers if path == PATH]  # the feed may come last
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Sun, 01 Mar 2026 11:00:00 GMT"
    tracking = store.article(url)
    assert tracking["last_check_result"] == "not_modified" and tracking["last_http_status"] == 304
    assert tracking["interval_seconds"] == pytest.approx(1800 * 1.2)
    assert len(store.revisions(url)) == 1


def test_change_found_by_a_recheck_resets_the_interval(tracked, site, store):
    url, crawl_at = tracked
    site.set_page(PATH, PAGE_A)  # no validators any more: plain 200 answers
    crawl_at(T0 + timedelta(minutes=31))
    crawl_at(T0 + timedelta(minutes=31 + 37))
    assert store.article(url)["interval_seconds"] == pytest.approx(1800 * 1.2 ** 2)
    site.set_page(PATH, PAGE_B)
    crawl_at(T0 + timedelta(hours=3))
    tracking = store.article(url)
    assert tracking["interval_seconds"] == 1800 and tracking["version"] == 2
    assert tracking["next_check"] == T0 + timedelta(hours=3, minutes=30)


def test_recheck_all_checks_every_active_article_now(tracked, site):
    url, crawl_at = tracked
    crawl_at(T0 + timedelta(minutes=1), "-a", "recheck=all")
    assert site.fetches(PATH) == 2


@pytest.mark.parametrize("status, outcome", [(404, "gone"), (410, "gone")])
def test_removed_page_records_a_removal_and_stops(tracked, site, store, status, outcome):
    url, crawl_at = tracked
    site.set_page(PATH, b"<html><body>Not found</body></html>", status=status)
    crawl_at(T0 + timedelta(minutes=31))
    tracking = store.article(url)
    assert tracking["status"] == outcome and tracking["next_check"] is None
    [change] = store.changes(url)
    assert change["kind"] == "removed" and change["to_version"] == 2
    crawl_at(T0 + timedelta(days=1), "-a", "recheck=all")  # gone articles are not checked again
    assert site.fetches(PATH) == 2


def test_server_error_is_retried_then_a_failed_check_with_back_off(tracked, site, store):
    url, crawl_at = tracked
    site.set_page(PATH, b"<html>Service unavailable</html>", status=503)
    result = crawl_at(T0 + timedelta(minutes=31), "-s", "RETRY_TIMES=1")
    assert site.fetches(PATH) == 1 + 2  # first fetch, then the check and its retry
    tracking = store.article(url)
    assert tracking["last_check_result"] == "failed" and tracking["status"] == "active"
    assert tracking["interval_seconds"] == pytest.approx(1800 * 1.2)
    assert store.changes(url) == [] and len(store.revisions(url)) == 1
    assert "'newscrawler/pages/failed/fetch_failed': 1" in result.stderr


def test_timeout_is_a_failed_check(tracked, site, store):
    url, crawl_at = tracked
    site.set_page(PATH, PAGE_B, delay=3)
    crawl_at(T0 + timedelta(minutes=31), "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0")
    tracking = store.article(url)
    assert tracking["last_check_result"] == "failed"
    assert len(store.revisions(url)) == 1


def test_error_page_is_a_failed_check_not_a_version(tracked, site, store):
    url, crawl_at = tracked
    site.set_page(PATH, (FIXTURES / "bbc" / "versions" / "7984711-invalid.html").read_bytes())
    crawl_at(T0 + timedelta(minutes=31))
    assert store.article(url)["last_check_result"] == "failed"
    assert len(store.revisions(url)) == 1


def test_permanent_redirect_to_another_article_marks_it_moved(tracked, site, store):
    url, crawl_at = tracked
    new_url = site.set_page("/1/hi/uk/7999999.stm", PAGE_A)
    site.set_page(PATH, b"", status=301, headers={"Location": new_url})
    crawl_at(T0 + timedelta(minutes=31))
    tracking = store.article(url)
    assert tracking["status"] == "moved" and tracking["moved_to"] == new_url
    assert store.revisions(new_url)[0]["version"] == 1


def test_unchanged_article_stops_being_checked_after_the_window(site, store, mongo_uri, database_name):
    url = site.set_page(PATH, PAGE_A)
    window = ("-s", "NEWSCRAWLER_RECHECK_STOP_DAYS=0.05")  # 72 minutes
    run_crawl(site.set_page("/first.xml", rss_feed([url])), mongo_uri, database_name, *at(T0, *window))
    empty_feed = site.set_page("/empty.xml", rss_feed([]))
    intervals = []
    for _ in range(10):
        tracking = store.article(url)
        if tracking["next_check"] is None:
            break
        intervals.append(round(tracking["interval_seconds"] / 60, 2))
        run_crawl(empty_feed, mongo_uri, database_name, *at(tracking["next_check"], *window))
    assert intervals == [30, 36, 43.2, 51.84, 62.21]  # the next, 74.65 minutes, passes the window
    assert tracking["status"] == "stopped"
    assert tracking["status_reason"] == "it will not be checked again for changes"
    run_crawl(empty_feed, mongo_uri, database_name, *at(T0 + timedelta(days=30), *window))
    assert site.fetches(PATH) == 1 + 5


def test_two_crawls_at_once_fetch_each_due_article_once(site, store, mongo_uri, database_name):
    paths = [f"/1/hi/uk/79847{n:02d}.stm" for n in range(10)]
    urls = [site.set_page(path, PAGE_A) for path in paths]
    run_crawl(site.set_page("/first.xml", rss_feed(urls)), mongo_uri, database_name, *at(T0))
    empty_feed = site.set_page("/empty.xml", rss_feed([]))
    command = crawl_command(empty_feed, mongo_uri, database_name, *at(T0 + timedelta(hours=1)))
    processes = [subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
    logs = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], logs[0][-2000:]
    assert [site.fetches(path) for path in paths] == [2] * len(paths)
    assert all(store.article(url)["checks"] == 2 for url in urls)
