"""The database goes away during a crawl: retries, the journal, and its replay."""
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from scrapy.utils.test import get_crawler

from newscrawler.embedded import start_server
from newscrawler.items import ArticleItem
from newscrawler.storage import RevisionStore
from pipelines.journal import Journal, item_from_line, item_to_line
from pipelines.normalise import NormalisePipeline
from pipelines.revisions import FirstRevision, Journaled, RevisionPipeline
from tests.conftest import article_page, free_port, rss_feed, run_crawl

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)


def article(n: int, text: str = "Text.") -> ArticleItem:
    url = f"https://www.bbc.co.uk/news/uk-{10000000 + n}"
    item = ArticleItem(article_id=url, url=url, source="bbc", headline=f"Headline {n}", body=[text],
                       fetched_at=T0 + timedelta(minutes=n), byline="By Someone")
    return NormalisePipeline().process_item(item)


class RestartableServer:
    """A secantusdb server of the test's own, which the test can kill and start again."""

    def __init__(self, folder):
        self.folder, self.port = folder, free_port()
        self.uri = f"mongodb://127.0.0.1:{self.port}/"
        self.process = None

    def start(self):
        self.process = start_server(self.folder / "db", "127.0.0.1", self.port, self.folder / "server.log")

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=20)


@pytest.fixture
def server(tmp_path):
    database_server = RestartableServer(tmp_path)
    database_server.start()
    yield database_server
    if database_server.process.poll() is None:
        database_server.kill()


def open_pipeline(server, tmp_path, **settings):
    crawler = get_crawler(settings_dict={
        "MONGO_URI": server.uri, "MONGO_DATABASE": "away", "MONGO_TIMEOUT_MS": 300,
        "NEWSCRAWLER_DATA_DIR": str(tmp_path), "NEWSCRAWLER_STORAGE_RETRIES": 2,
        "NEWSCRAWLER_STORAGE_RETRY_SECONDS": 0.05, **settings})
    pipeline = RevisionPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline, crawler.stats


def stored_versions(server, n: int) -> list[int]:
    store = RevisionStore(server.uri, "away")
    store.open()
    try:
        return [r["version"] for r in store.revisions(article(n).article_id)]
    finally:
        store.close()


def test_journal_lines_round_trip_items():
    item = article(1)
    assert item_from_line(item_to_line(item)) == item


def test_unreadable_journal_line_is_skipped(tmp_path, caplog):
    journal = tmp_path / "j.jsonl"
    journal.write_text(item_to_line(article(1)) + '{"type": "ArticleItem", "fiel')
    assert Journal.read(journal) == [article(1)]
    assert "Skipping unreadable journal line 2" in caplog.text


def test_items_are_journaled_while_away_and_replayed_exactly_once(server, tmp_path, caplog):
    pipeline, stats = open_pipeline(server, tmp_path)
    with pytest.raises(FirstRevision):
        pipeline.store_item(article(1))
    server.kill()
    for n in (2, 3):
        with pytest.raises(Journaled):
            pipeline.store_item(article(n))
    assert stats.get_value("newscrawler/storage/retries") == 2  # the second item came during the cooldown
    assert stats.get_value("newscrawler/storage/journaled") == 2
    assert "Database unreachable (ServerSelectionTimeoutError)" in caplog.text
    pipeline.close_spider()

    server.start()
    replaying, stats = open_pipeline(server, tmp_path)
    assert stats.get_value("newscrawler/journal/replayed") == 2
    replaying.close_spider()
    again, stats = open_pipeline(server, tmp_path)
    assert stats.get_value("newscrawler/journal/replayed") is None
    again.close_spider()
    assert [stored_versions(server, n) for n in (1, 2, 3)] == [[1], [1], [1]]
    assert list((tmp_path / "journal").iterdir()) == []


def test_database_back_within_the_retries_stores_directly(server, tmp_path):
    pipeline, stats = open_pipeline(server, tmp_path, NEWSCRAWLER_STORAGE_RETRIES=6,
                                     NEWSCRAWLER_STORAGE_RETRY_SECONDS=0.3)
    server.kill()
    restart = threading.Timer(1.0, server.start)
    restart.start()
    with pytest.raises(FirstRevision):
        pipeline.store_item(article(1))
    restart.join()
    pipeline.close_spider()
    assert stats.get_value("newscrawler/storage/retries") >= 1
    assert stats.get_value("newscrawler/storage/journaled") is None
    assert stored_versions(server, 1) == [1]


def test_crawl_survives_the_database_going_away_and_the_next_run_replays(server, site, tmp_path):
    paths = [f"/news/articles/away{n}" for n in range(12)]
    urls = [site.set_page(path, article_page(n), delay=0.3) for n, path in enumerate(paths)]
    feed = site.set_page("/feed.xml", rss_feed(urls))
    settings = ("-s", "MONGO_TIMEOUT_MS=300", "-s", f"NEWSCRAWLER_DATA_DIR={tmp_path}",
                "-s", "NEWSCRAWLER_STORAGE_RETRY_SECONDS=0.05", "-s", "CONCURRENT_REQUESTS=1")
    killer = threading.Thread(target=lambda: (wait_for_fetches(site, 3), server.kill()))
    killer.start()
    result = run_crawl(feed, server.uri, "away", *settings)
    killer.join()
    assert "newscrawler/storage/journaled" in result.stderr
    assert len(site.requests) >= len(paths)  # the crawl went on fetching while the database was away

    server.start()
    empty = site.set_page("/empty.xml", rss_feed([]))
    replay = run_crawl(empty, server.uri, "away", *settings, "-a", "recheck=none")
    assert "newscrawler/journal/replayed" in replay.stderr
    store = RevisionStore(server.uri, "away")
    store.open()
    try:
        assert [[r["version"] for r in store.revisions(url)] for url in urls] == [[1]] * len(urls)
    finally:
        store.close()


def wait_for_fetches(site, count: int, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while len([p for p in site.requests if p.startswith("/news/")]) < count and time.monotonic() < deadline:
        time.sleep(0.05)
