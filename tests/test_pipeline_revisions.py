from datetime import datetime, timedelta, timezone

import pytest
from scrapy.exceptions import CloseSpider
from scrapy.utils.test import get_crawler

from newscrawler.items import ArticleItem, ChangeItem
from pipelines.normalise import NormalisePipeline
from pipelines.revisions import FirstRevision, RevisionPipeline, Unchanged
from tests.conftest import free_port

URL = "https://www.bbc.co.uk/news/uk-12345678"
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def article(body, headline="Headline", fetched_at=T0):
    item = ArticleItem(article_id=URL, url=URL, source="bbc", headline=headline, body=list(body),
                       fetched_at=fetched_at)
    return NormalisePipeline().process_item(item)


@pytest.fixture
def crawler(mongo_uri, database_name, store):
    return get_crawler(settings_dict={"MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name})


@pytest.fixture
def pipeline(crawler):
    revisions = RevisionPipeline.from_crawler(crawler)
    revisions.open_spider()
    yield revisions
    revisions.close_spider()


def test_new_article_is_stored_as_version_one(pipeline, store, crawler):
    with pytest.raises(FirstRevision):
        pipeline.process_item(article(["First paragraph.", "Second paragraph."]))
    [stored] = store.revisions(URL)
    assert stored["version"] == 1 and stored["body"] == ["First paragraph.", "Second paragraph."]
    assert stored["content_hash"] and stored["fetched_at"] == T0
    assert store.article(URL)["first_seen"] == T0
    assert crawler.stats.get_value("newscrawler/articles/new") == 1


def test_unchanged_article_records_the_check_only(pipeline, store, crawler):
    with pytest.raises(FirstRevision):
        pipeline.process_item(article(["Text."]))
    with pytest.raises(Unchanged):
        pipeline.process_item(article(["Text. "], fetched_at=T0 + timedelta(hours=1)))
    assert len(store.revisions(URL)) == 1
    assert store.changes(URL) == []
    summary = store.article(URL)
    assert summary["checks"] == 2 and summary["last_checked"] == T0 + timedelta(hours=1)
    assert crawler.stats.get_value("newscrawler/articles/unchanged") == 1


def test_changed_article_stores_next_version_and_a_change_record(pipeline, store, crawler):
    with pytest.raises(FirstRevision):
        pipeline.process_item(article(["Kept.", "The minister said yes.", "Lost paragraph."]))
    later = T0 + timedelta(hours=2)
    change = pipeline.process_item(article(["Kept.", "The minister said no."], "New headline", later))
    assert isinstance(change, ChangeItem)
    assert (change.from_version, change.to_version, change.detected_at) == (1, 2, later)
    assert change.headline_changed and change.new_headline == "New headline"
    assert change.counts["removed"] == 1 and change.counts["edited"] == 1
    [stored_change] = store.changes(URL)
    assert stored_change["to_version"] == 2 and stored_change["counts"] == change.counts
    assert [r["version"] for r in store.revisions(URL)] == [1, 2]
    assert store.article(URL)["headline"] == "New headline"
    assert crawler.stats.get_value("newscrawler/articles/changed") == 1


def test_unreachable_database_stops_the_spider_at_open(database_name, caplog):
    crawler = get_crawler(settings_dict={"MONGO_URI": f"mongodb://127.0.0.1:{free_port()}/",
                                         "MONGO_TIMEOUT_MS": 300})
    revisions = RevisionPipeline.from_crawler(crawler)
    with pytest.raises(CloseSpider):
        revisions.open_spider()
    assert "Stopping before the crawl: cannot use MongoDB" in caplog.text


def test_losing_a_version_race_decides_again(crawler, pipeline, store):
    """Another crawl stores the same change between our read and our write."""
    with pytest.raises(FirstRevision):
        pipeline.process_item(article(["Old text."]))
    rival = RevisionPipeline.from_crawler(crawler)
    rival.open_spider()
    read_latest = pipeline.store.latest_revision
    calls = []

    def latest_then_rival_writes(article_id, **kwargs):
        latest = read_latest(article_id, **kwargs)
        if not calls:
            calls.append(latest)
            rival.process_item(article(["New text."], fetched_at=T0 + timedelta(hours=1)))
        return latest

    pipeline.store.latest_revision = latest_then_rival_writes
    with pytest.raises(Unchanged):
        pipeline.process_item(article(["New text."], fetched_at=T0 + timedelta(hours=1)))
    rival.close_spider()
    assert [r["version"] for r in store.revisions(URL)] == [1, 2]
    assert [c["to_version"] for c in store.changes(URL)] == [2]
    assert crawler.stats.get_value("newscrawler/revisions/version_races") == 1
