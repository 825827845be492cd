import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import CloseSpider
from scrapy.utils.test import get_crawler

from newscrawler.items import ArticleItem, ChangeItem, CheckItem
from pipelines.normalise import NormalisePipeline
from pipelines.revisions import CheckRecorded, FirstRevision, Handled, Held, RevisionPipeline, Unchanged
from tests.conftest import free_port

URL = "https://www.bbc.co.uk/news/uk-12345678"
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def article(body, headline="Headline", fetched_at=T0, byline=None, page_hash=None):
    item = ArticleItem(article_id=URL, url=URL, source="bbc", headline=headline, body=list(body),
                       fetched_at=fetched_at, byline=byline, page_hash=page_hash)
    return NormalisePipeline().process_item(item)


@pytest.fixture
def crawler(mongo_uri, database_name, store, tmp_path):
    return get_crawler(settings_dict={"MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name,
                                      "NEWSCRAWLER_DATA_DIR": str(tmp_path)})


def another_crawl(crawler):
    """A second crawl with the crawler's settings (another node, or a crawl running
    at the same time): a crawler of its own, and so a database store of its own."""
    return get_crawler(settings_dict={name: crawler.settings[name]
                                      for name in ("MONGO_URI", "MONGO_DATABASE", "NEWSCRAWLER_DATA_DIR")})


@pytest.fixture
def pipeline(crawler):
    """The revision pipeline, sending its batched check records after every item
    so that tests see them at once."""
    revisions = RevisionPipeline.from_crawler(crawler)
    revisions.open_spider()
    store_item = revisions.store_item

    def store_item_and_flush(item):
        try:
            return store_item(item)
        finally:
            revisions.store.flush_checks()

    revisions.store_item = store_item_and_flush
    yield revisions
    revisions.close_spider()


def test_new_article_is_stored_as_version_one(pipeline, store, crawler):
    with pytest.raises(FirstRevision):
        pipeline.store_item(article(["First paragraph.", "Second paragraph."]))
    [stored] = store.revisions(URL)
    assert stored["version"] == 1 and stored["body"] == ["First paragraph.", "Second paragraph."]
    assert stored["content_hash"] and stored["fetched_at"] == T0
    assert store.article(URL)["first_seen"] == T0
    assert crawler.stats.get_value("newscrawler/articles/new") == 1


def test_unchanged_article_records_the_check_only(pipeline, store, crawler):
    with pytest.raises(FirstRevision):
        pipeline.store_item(article(["Text."]))
    with pytest.raises(Unchanged):
        pipeline.store_item(article(["Text. "], fetched_at=T0 + timedelta(hours=1)))
    assert len(store.revisions(URL)) == 1
    assert store.changes(URL) == []
    summary = store.article(URL)
    assert summary["checks"] == 2 and summary["last_checked"] == T0 + timedelta(hours=1)
    assert crawler.stats.get_value("newscrawler/articles/unchanged") == 1


def test_changed_article_stores_next_version_and_a_change_record(pipeline, store, crawler):
    with pytest.raises(FirstRevision):
        pipeline.store_item(article(["Kept.", "The minister said yes.", "Lost paragraph."]))
    later = T0 + timedelta(hours=2)
    change = pipeline.store_item(article(["Kept.", "The minister said no."], "New headline", later))
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
        pipeline.store_item(article(["Old text."]))
    rival = RevisionPipeline.from_crawler(another_crawl(crawler))
    rival.open_spider()
    read_article = pipeline.store.article
    calls = []

    def read_then_rival_writes(article_id):
        summary = read_article(article_id)
        if not calls:
            calls.append(summary)
            rival_change = rival.store_item(article(["New text."], fetched_at=T0 + timedelta(hours=1)))
            assert rival_change.to_version == 2
        return summary

    pipeline.store.article = read_then_rival_writes
    with pytest.raises(Unchanged):
        pipeline.store_item(article(["New text."], fetched_at=T0 + timedelta(hours=1)))
    rival.close_spider()
    assert "pending_version" not in store.article(URL)
    assert [r["version"] for r in store.revisions(URL)] == [1, 2]
    assert [c["to_version"] for c in store.changes(URL)] == [2]
    assert crawler.stats.get_value("newscrawler/revisions/version_races") == 1


def check(outcome, fetched_at, **fields):
    return CheckItem(article_id=URL, url=URL, source="bbc", outcome=outcome, fetched_at=fetched_at, **fields)


def store_versions(pipeline, *bodies, start=T0):
    """Process one fetch per body, an hour apart; returns what each returned (a change) or raised."""
    results = []
    for hour, body in enumerate(bodies):
        try:
            results.append(pipeline.store_item(article(body, fetched_at=start + timedelta(hours=hour))))
        except Handled as outcome:
            results.append(outcome)
    return results


def test_new_and_changed_articles_are_checked_again_after_30_minutes(pipeline, store):
    store_versions(pipeline, ["A."])
    tracking = store.article(URL)
    assert tracking["status"] == "active" and tracking["interval_seconds"] == 1800
    assert tracking["next_check"] == T0 + timedelta(minutes=30)


def test_unchanged_check_backs_off(pipeline, store):
    store_versions(pipeline, ["A."], ["A."], ["A."])
    tracking = store.article(URL)
    assert tracking["interval_seconds"] == pytest.approx(1800 * 1.2 ** 2)
    assert tracking["last_check_result"] == "unchanged"
    assert tracking["next_check"] == T0 + timedelta(hours=2, seconds=1800 * 1.2 ** 2)


def test_return_to_earlier_text_is_a_revert_naming_that_version(pipeline, store):
    results = store_versions(pipeline, ["A."], ["B."], ["A."])
    assert results[2].kind == "revert" and results[2].reverts_to == 1
    assert [c["kind"] for c in store.changes(URL)] == ["edit", "revert"]
    assert store.revision(URL, 3)["reverts_to"] == 1


def test_flipping_back_and_forth_is_held_until_a_second_check_agrees(pipeline, store, crawler):
    results = store_versions(pipeline, ["A."], ["B."], ["A."], ["B."], ["A."], ["B."], ["A."])
    assert len(store.revisions(URL)) == 3  # A, B, revert to A; the flips after are held
    assert crawler.stats.get_value("newscrawler/articles/held") == 2
    assert isinstance(results[3], Held)
    store_versions(pipeline, ["B."], ["B."], start=T0 + timedelta(days=1))  # B twice in a row: confirmed
    assert [r["version"] for r in store.revisions(URL)] == [1, 2, 3, 4]
    assert store.revision(URL, 4)["reverts_to"] == 2


def test_not_modified_counts_as_unchanged(pipeline, store):
    store_versions(pipeline, ["A."])
    with pytest.raises(CheckRecorded):
        pipeline.store_item(check("not_modified", T0 + timedelta(hours=1), http_status=304))
    tracking = store.article(URL)
    assert tracking["last_check_result"] == "not_modified" and tracking["interval_seconds"] == 2160
    assert len(store.revisions(URL)) == 1


def test_failed_fetch_backs_off_and_is_never_a_change(pipeline, store):
    store_versions(pipeline, ["A."])
    with pytest.raises(CheckRecorded):
        pipeline.store_item(check("failed", T0 + timedelta(hours=1), http_status=503))
    tracking = store.article(URL)
    assert tracking["last_check_result"] == "failed" and tracking["status"] == "active"
    assert tracking["interval_seconds"] == 2160 and store.changes(URL) == []


def test_gone_page_is_a_removed_version_and_is_not_checked_again(pipeline, store):
    store_versions(pipeline, ["A.", "B."])
    change = pipeline.store_item(check("gone", T0 + timedelta(hours=1), http_status=410))
    assert change.kind == "removed" and change.counts["removed"] == 2
    tracking = store.article(URL)
    assert tracking["status"] == "gone" and tracking["next_check"] is None
    assert store.revision(URL, 2)["kind"] == "removed"
    with pytest.raises(CheckRecorded):  # gone again: nothing new
        pipeline.store_item(check("gone", T0 + timedelta(hours=2), http_status=404))
    assert len(store.revisions(URL)) == 2


def test_moved_page_is_not_checked_again(pipeline, store):
    store_versions(pipeline, ["A."])
    with pytest.raises(CheckRecorded):
        pipeline.store_item(check("moved", T0 + timedelta(hours=1), http_status=301,
                                    moved_to="https://www.bbc.co.uk/news/articles/c123"))
    tracking = store.article(URL)
    assert tracking["status"] == "moved" and tracking["moved_to"].endswith("/c123")
    assert tracking["next_check"] is None


def test_interrupted_write_is_repaired_by_the_next_check(pipeline, store, crawler):
    store_versions(pipeline, ["A."])
    interrupted = article(["B."], fetched_at=T0 + timedelta(hours=1))
    revision = pipeline._revision(ItemAdapter(interrupted), 2)
    store.begin_revision(revision)
    store.add_revision(revision)  # ... and the crawl died before the change record
    with pytest.raises(Unchanged):
        pipeline.store_item(article(["B."], fetched_at=T0 + timedelta(hours=2)))
    assert [c["to_version"] for c in store.changes(URL)] == [2]
    summary = store.article(URL)
    assert summary["version"] == 2 and "pending_version" not in summary
    assert crawler.stats.get_value("newscrawler/repairs/change_records") == 1


def test_drastic_shrink_is_held_until_a_second_fetch_agrees(pipeline, store, crawler):
    full = ["A first long paragraph of the story.", "A second long paragraph of the story.",
            "A third long paragraph of the story."]
    store_versions(pipeline, full)
    results = store_versions(pipeline, full[:1], full, start=T0 + timedelta(hours=1))
    assert isinstance(results[0], Held) and isinstance(results[1], Unchanged)  # a truncated fetch, then fine
    assert len(store.revisions(URL)) == 1
    assert crawler.stats.get_value("newscrawler/articles/held/shrink") == 1
    results = store_versions(pipeline, full[:1], full[:1], start=T0 + timedelta(days=1))
    assert isinstance(results[0], Held) and results[1].counts["removed"] == 2  # the shrink is confirmed


def test_moderate_cut_is_stored_at_once(pipeline, store):
    store_versions(pipeline, ["One paragraph.", "Two paragraph.", "Three paragraph."])
    [change] = store_versions(pipeline, ["One paragraph.", "Two paragraph."], start=T0 + timedelta(hours=1))
    assert change.counts["removed"] == 1 and len(store.revisions(URL)) == 2


def test_byline_change_is_recorded_with_the_text_change(pipeline, store):
    """The content hash covers headline and body: a byline change alone is not a new version."""
    with pytest.raises(FirstRevision):
        pipeline.store_item(article(["Text."], byline="By Ann Smith"))
    with pytest.raises(Unchanged):
        pipeline.store_item(article(["Text."], byline="By Bob Jones", fetched_at=T0 + timedelta(minutes=30)))
    change = pipeline.store_item(article(["Text, updated."], byline="By Ann Smith and Bob Jones",
                                           fetched_at=T0 + timedelta(hours=1)))
    assert change.byline_changed and not change.headline_changed
    assert (change.old_byline, change.new_byline) == ("By Ann Smith", "By Ann Smith and Bob Jones")
    assert store.changes(URL)[0]["byline_changed"] is True


# The page hash: which page bytes the latest version was read from

def fetch(body, hours, page_hash):
    return article(body, fetched_at=T0 + timedelta(hours=hours), page_hash=page_hash)


def outcome_of(pipeline, item):
    try:
        return pipeline.store_item(item)
    except Handled as outcome:
        return outcome


def test_page_hash_follows_the_page_the_latest_version_was_read_from(pipeline, store):
    full = ["A first long paragraph.", "A second long paragraph.", "A third long paragraph."]
    assert isinstance(outcome_of(pipeline, fetch(full, 0, "page-1")), FirstRevision)
    assert store.article(URL)["page_hash"] == "page-1"
    assert isinstance(outcome_of(pipeline, fetch(full, 1, "page-2")), Unchanged)  # other bytes, same text
    assert store.article(URL)["page_hash"] == "page-2"
    assert isinstance(outcome_of(pipeline, fetch(full[:1], 2, "page-3")), Held)  # doubtful text: not its page
    assert store.article(URL)["page_hash"] == "page-2"
    outcome_of(pipeline, fetch(full[:2], 3, "page-4"))
    assert store.article(URL)["version"] == 2 and store.article(URL)["page_hash"] == "page-4"
    outcome_of(pipeline, check("gone", T0 + timedelta(hours=4), http_status=404))
    assert store.article(URL)["page_hash"] is None  # the latest version, "removed", has no page


def test_same_page_again_counts_as_unchanged(pipeline, store, crawler):
    outcome_of(pipeline, fetch(["A."], 0, "page-1"))
    result = outcome_of(pipeline, check("unchanged", T0 + timedelta(hours=1), http_status=200, page_hash="page-1",
                                        interval_seconds=1800))
    assert isinstance(result, CheckRecorded)
    tracking = store.article(URL)
    assert tracking["last_check_result"] == "unchanged" and tracking["checks"] == 2
    assert tracking["interval_seconds"] == 2160 and len(store.revisions(URL)) == 1
    assert crawler.stats.get_value("newscrawler/articles/unchanged") == 1


def test_same_page_check_waits_in_a_batch_without_a_round_trip(crawler, store):
    revisions = RevisionPipeline.from_crawler(crawler)
    revisions.open_spider()
    try:
        with pytest.raises(FirstRevision):
            revisions.store_item(fetch(["A."], 0, "page-1"))
        revisions.store.flush_checks()
        item = check("unchanged", T0 + timedelta(hours=1), http_status=200, page_hash="page-1", interval_seconds=1800)
        assert asyncio.run(revisions.process_item(item)) is item
        assert store.article(URL)["checks"] == 1  # not sent yet
    finally:
        revisions.close_spider()  # sends it
    assert store.article(URL)["checks"] == 2 and store.article(URL)["last_check_result"] == "unchanged"


def test_every_outcome_is_passed_on_and_counted_never_dropped(crawler, store):
    """As Scrapy calls it: a change comes out as its change record, any other
    outcome as the item itself, counted under newscrawler/ (nothing is a DropItem)."""
    revisions = RevisionPipeline.from_crawler(crawler)
    revisions.open_spider()
    items = [article(["A first long paragraph.", "A second long paragraph."]),  # new
             article(["A first long paragraph.", "A second long paragraph. "], fetched_at=T0 + timedelta(hours=1)),
             article(["A first long paragraph.", "An edited paragraph."], fetched_at=T0 + timedelta(hours=2)),
             article(["A."], fetched_at=T0 + timedelta(hours=3)),  # held: most of the text gone at once
             check("not_modified", T0 + timedelta(hours=4), http_status=304),
             check("failed", T0 + timedelta(hours=5), http_status=503)]
    try:
        passed_on = [asyncio.run(revisions.process_item(item)) for item in items]
    finally:
        revisions.close_spider()
    assert isinstance(passed_on[2], ChangeItem) and passed_on[2].to_version == 2
    assert [result is item for result, item in zip(passed_on, items)] == [True, True, False, True, True, True]
    stats = crawler.stats.get_stats()
    assert {key: stats.get(f"newscrawler/{key}") for key in (
        "articles/new", "articles/unchanged", "articles/changed", "articles/held", "checks/not_modified",
        "checks/failed")} == {"articles/new": 1, "articles/unchanged": 1, "articles/changed": 1, "articles/held": 1,
                              "checks/not_modified": 1, "checks/failed": 1}


def test_interrupted_write_leaves_no_page_hash_so_the_next_fetch_is_compared_and_repairs(pipeline, store, crawler):
    outcome_of(pipeline, fetch(["A."], 0, "page-1"))
    revision = pipeline._revision(ItemAdapter(fetch(["B."], 1, "page-2")), 2)
    store.begin_revision(revision)
    store.add_revision(revision)  # the crawl died here
    assert store.article(URL)["page_hash"] is None  # no fetch is taken as unchanged by its bytes now
    outcome_of(pipeline, fetch(["A."], 2, "page-1"))  # page 1 again: compared with version 2, a revert
    assert [r["version"] for r in store.revisions(URL)] == [1, 2, 3]
    assert store.revision(URL, 3)["reverts_to"] == 1 and store.article(URL)["page_hash"] == "page-1"
    assert crawler.stats.get_value("newscrawler/repairs/change_records") == 1


def test_unchanged_check_of_an_older_version_leaves_the_page_hash(pipeline, store):
    """A check that found version 1's text must not name its page as the page of version 2."""
    outcome_of(pipeline, fetch(["A."], 0, "page-1"))
    outcome_of(pipeline, fetch(["B."], 1, "page-2"))
    store.record_check(URL, {"last_check_result": "unchanged"}, page_of_version=(1, "page-1b"))
    store.flush_checks()
    assert store.article(URL)["page_hash"] == "page-2"
    store.record_check(URL, {"last_check_result": "unchanged"}, page_of_version=(2, "page-2b"))
    store.flush_checks()
    assert store.article(URL)["page_hash"] == "page-2b"


def test_unchanged_check_does_not_name_a_page_while_a_version_is_being_written(pipeline, store):
    outcome_of(pipeline, fetch(["A."], 0, "page-1"))
    store.begin_revision(pipeline._revision(ItemAdapter(fetch(["B."], 1, "page-2")), 2))  # another crawl, unfinished
    store.record_check(URL, {"last_check_result": "unchanged"}, page_of_version=(1, "page-1b"))
    store.flush_checks()
    assert store.article(URL)["page_hash"] is None


def test_repaired_summary_forgets_the_page_hash(pipeline, store):
    outcome_of(pipeline, fetch(["A."], 0, "page-1"))
    revision = pipeline._revision(ItemAdapter(fetch(["B."], 1, "page-2")), 2)
    store.begin_revision(revision)
    store.add_revision(revision)  # the crawl died here
    store.repair_summary(revision)
    summary = store.article(URL)
    assert summary["version"] == 2 and "page_hash" not in summary
