"""Attacks on the stored history: a change too large for one document, a revision
too large (or not encodable) for the database, writes cut short between their
steps, items fetched before the latest stored version (a journal replayed after
another node stored newer text, two nodes racing), and text that cannot be encoded.

Each leaves the article consistent: versions consecutive, every version from the
second on with a change record, no pending mark that a later check does not clear.
"""
import logging
from datetime import timedelta

import bson
import pytest
from itemadapter import ItemAdapter
from scrapy.utils.test import get_crawler

from newscrawler.reading.cli import main
from newscrawler.items import ArticleItem
from newscrawler.storage import RevisionStore
from pipelines.journal import Journal
from pipelines.normalise import NormalisePipeline
from pipelines.revisions import CheckRecorded, FirstRevision, Handled, Refused, RevisionPipeline, Stale, Unchanged
from tests.test_pipeline_revisions import URL, T0, another_crawl, article, check, crawler, pipeline  # noqa: F401

SERVER_LIMIT = 16 * 1024 * 1024  # MongoDB's largest document


def outcome(pipeline, item):
    try:
        return pipeline.store_item(item)
    except Handled as handled:
        return handled


def assert_consistent(store, versions: list[int]):
    """The article has exactly these versions, a change record for each from the
    second on, and a summary naming the latest with no pending mark."""
    assert [r["version"] for r in store.revisions(URL)] == versions
    assert [c["to_version"] for c in store.changes(URL)] == versions[1:]
    summary = store.article(URL)
    if not versions:
        assert summary is None
        return
    assert summary["version"] == versions[-1] and "pending_version" not in summary


# A change too large for one document: a page of 100,000 paragraphs (6.5 MB of text)

def long_report(edited: bool) -> list[str]:
    """Every 20th paragraph long: 5,000 edits make a change record of 22 MB.
    (One long word each keeps the word diff cheap; the size is what matters here.)"""
    return [f"{f'{n:06d}' * 180} {'Friday' if edited else 'Tuesday'}." if n % 20 == 0 else f"Line {n}."
            for n in range(100_000)]


def test_change_too_large_for_one_document_is_stored_summarised(pipeline, store, crawler, caplog, capsys):
    assert isinstance(outcome(pipeline, article(long_report(edited=False))), FirstRevision)
    change = pipeline.store_item(article(long_report(edited=True), fetched_at=T0 + timedelta(hours=1)))
    full = dict(ItemAdapter(change))
    assert len(bson.encode(full)) > SERVER_LIMIT  # really too large for MongoDB
    assert change.counts["edited"] == 5_000 and len(change.paragraphs) == 100_000  # the exported item is whole

    assert_consistent(store, [1, 2])
    [stored] = store.changes(URL)
    assert stored["summarised"] is True
    assert stored["counts"] == change.counts and stored["classification"] == change.classification
    assert (stored["from_version"], stored["to_version"], stored["kind"]) == (1, 2, "edit")
    assert stored["headline_changed"] is False and stored["new_headline"] == "Headline"
    changed_ops = [op for op in change.paragraphs if op["op"] != "equal"]
    assert [(op["op"], op["old_index"], op["new_index"]) for op in stored["paragraphs"]] == [
        (op["op"], op["old_index"], op["new_index"]) for op in changed_ops]  # which paragraphs, not their words
    assert len(bson.encode(stored)) <= RevisionStore.MAX_DOCUMENT_BYTES
    assert crawler.stats.get_value("newscrawler/changes/summarised") == 1
    assert f"Change record of {URL} version 2 is too large for one document" in caplog.text
    summary = store.article(URL)
    assert summary["changes"] == 1 and summary["last_check_result"] == "changed"
    assert main(["-s", f"MONGO_URI={store.uri}", "-s", f"MONGO_DATABASE={store.database_name}", "history", URL]) == 0
    assert "the article has changed once" in capsys.readouterr().out


def test_small_changes_are_stored_whole(pipeline, store, crawler):
    outcome(pipeline, article(["One paragraph.", "The minister said she would support the plan."]))
    outcome(pipeline, article(["One paragraph.", "The minister said she would oppose the plan."],
                              fetched_at=T0 + timedelta(hours=1)))
    [stored] = store.changes(URL)
    assert "summarised" not in stored and len(stored["paragraphs"]) == 2 and stored["paragraphs"][1]["words"]
    assert crawler.stats.get_value("newscrawler/changes/summarised") is None


def test_summarised_change_that_is_still_too_large_loses_its_paragraph_outline(store):
    ops = [{"op": "added", "new_index": n, "text": "x" * 100} for n in range(30_000)]  # 4.5 MB, 1.3 MB outlined
    change = {"article_id": URL, "to_version": 2, "from_version": 1, "detected_at": T0, "kind": "edit",
              "paragraphs": ops, "counts": {"added": len(ops)}, "old_headline": "A", "new_headline": "B"}
    store.MAX_DOCUMENT_BYTES = 1024 * 1024
    assert store.add_change(change) is True
    [stored] = store.changes(URL)
    assert stored["summarised"] is True and "paragraphs" not in stored
    assert stored["counts"] == {"added": 30_000} and stored["new_headline"] == "B"


def test_summarised_change_with_headlines_too_large_keeps_its_counts(store):
    change = {"article_id": URL, "to_version": 2, "from_version": 1, "detected_at": T0, "kind": "edit",
              "paragraphs": [], "counts": {"edited": 0}, "headline_changed": True,
              "old_headline": "A" * 600_000, "new_headline": "B" * 600_000, "old_byline": None, "new_byline": None}
    store.MAX_DOCUMENT_BYTES = 1024 * 1024
    assert store.add_change(change) is True
    [stored] = store.changes(URL)
    assert stored["summarised"] is True and stored["headline_changed"] is True
    assert stored["old_headline"] is None and stored["new_headline"] is None


def test_change_the_driver_refuses_is_stored_summarised(store):
    """Past the size check (here: a limit set above the server's), the driver's
    refusal is the fallback."""
    ops = [{"op": "added", "new_index": n, "text": "paragraph text " * 60} for n in range(20_000)]  # 18 MB
    change = {"article_id": URL, "to_version": 2, "from_version": 1, "detected_at": T0, "kind": "edit",
              "paragraphs": ops, "counts": {"added": len(ops)}}
    store.MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
    assert store.add_change(change) is True
    [stored] = store.changes(URL)
    assert stored["summarised"] is True and stored["counts"] == {"added": 20_000}
    assert len(stored["paragraphs"]) == 20_000  # outlined


# A revision too large for the database, or text it cannot encode

HUGE_BODY = ["x" * (6 * 1024 * 1024) + str(n) for n in range(3)]  # 18 MB


def test_revision_too_large_for_the_database_is_a_counted_refusal(pipeline, store, crawler, caplog):
    assert isinstance(outcome(pipeline, article(HUGE_BODY)), Refused)
    assert_consistent(store, [])  # no article document at all
    assert crawler.stats.get_value("newscrawler/revisions/refused/too_large") == 1
    assert f"Refusing to store {URL}: the revision is too large" in caplog.text

    outcome(pipeline, article(["Short text."]))
    assert isinstance(outcome(pipeline, article(HUGE_BODY, fetched_at=T0 + timedelta(hours=1))), Refused)
    assert_consistent(store, [1])
    tracking = store.article(URL)
    assert tracking["last_check_result"] == "failed" and tracking["interval_seconds"] == 2160  # backed off
    assert crawler.stats.get_value("newscrawler/revisions/refused/too_large") == 2
    assert crawler.stats.get_value("newscrawler/checks/failed") == 1
    outcome(pipeline, article(["Short text, edited."], fetched_at=T0 + timedelta(hours=2)))
    assert_consistent(store, [1, 2])


def test_revision_the_driver_refuses_leaves_no_pending_mark(pipeline, store, crawler):
    """Past the size check, the driver refuses the insert after the pending mark
    is set: the mark is withdrawn, and a new article's document with it."""
    pipeline.store.MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
    assert isinstance(outcome(pipeline, article(HUGE_BODY)), Refused)
    assert_consistent(store, [])
    outcome(pipeline, article(["Short text."]))
    assert isinstance(outcome(pipeline, article(HUGE_BODY, fetched_at=T0 + timedelta(hours=1))), Refused)
    assert_consistent(store, [1])
    assert crawler.stats.get_value("newscrawler/revisions/refused/too_large") == 2


def test_text_the_database_cannot_encode_is_refused_not_a_crash(pipeline, store, crawler):
    """Normalising repairs headline, byline and body; other text reaching storage is refused."""
    item = article(["Text."])
    item.etag = '"\ud800"'
    assert isinstance(outcome(pipeline, item), Refused)
    assert_consistent(store, [])
    assert crawler.stats.get_value("newscrawler/revisions/refused/unencodable") == 1


@pytest.mark.parametrize("field", ["headline", "byline"])
def test_lone_surrogate_in_headline_or_byline_is_repaired_and_stored(pipeline, store, field):
    item = ArticleItem(article_id=URL, url=URL, source="bbc", headline="Headline", byline="By Ann",
                       body=["Text \udfff here."], fetched_at=T0)
    setattr(item, field, f"Broken \ud800 {field}")
    assert isinstance(outcome(pipeline, NormalisePipeline().process_item(item)), FirstRevision)
    assert_consistent(store, [1])
    [stored] = store.revisions(URL)
    assert stored[field] == f"Broken \ufffd {field}" and stored["body"] == ["Text \ufffd here."]


# Writes cut short between their steps

def test_pending_mark_of_a_revision_never_written_is_cleared_by_the_next_check(pipeline, store, crawler):
    outcome(pipeline, article(["A."], page_hash="page-1"))
    store.begin_revision(pipeline._revision(ItemAdapter(article(["B."], fetched_at=T0 + timedelta(hours=1))), 2))
    # ... the crawl died before inserting version 2; the page is back to A's text
    assert isinstance(outcome(pipeline, article(["A."], fetched_at=T0 + timedelta(hours=2), page_hash="page-1")),
                      Unchanged)
    assert_consistent(store, [1])
    assert store.article(URL)["page_hash"] == "page-1"  # the next fetch of these bytes needs no extraction again
    assert crawler.stats.get_value("newscrawler/repairs/pending_marks") == 1


def test_pending_mark_of_a_first_version_never_written_is_cleared_by_a_check_without_text(pipeline, store):
    store.begin_revision(pipeline._revision(ItemAdapter(article(["A."])), 1))  # died before inserting version 1
    assert isinstance(outcome(pipeline, check("failed", T0 + timedelta(hours=1), http_status=503)), CheckRecorded)
    assert_consistent(store, [])  # no article left with no version
    outcome(pipeline, article(["A."], fetched_at=T0 + timedelta(hours=2)))
    assert_consistent(store, [1])


def test_summary_left_behind_without_a_pending_mark_is_repaired_after_a_version_race(pipeline, store):
    """A version stored by a crawl that died before its summary, its pending mark
    cleared meanwhile (as a check that took it for a dead mark does): inserting the
    same version again loses the race, and the revisions collection then decides."""
    outcome(pipeline, article(["A."]))
    revision = pipeline._revision(ItemAdapter(article(["B."], fetched_at=T0 + timedelta(hours=1))), 2)
    store.add_revision(revision)  # no pending mark: as if cleared while this write was in flight
    assert isinstance(outcome(pipeline, article(["B."], fetched_at=T0 + timedelta(hours=2))), Unchanged)
    assert_consistent(store, [1, 2])


# Items fetched before the latest stored version

def test_journal_replayed_after_another_node_stored_newer_text_invents_no_version(crawler, store, tmp_path, caplog):
    node_1_journal = tmp_path / "journal" / "node-1.jsonl"
    node_2 = RevisionPipeline.from_crawler(another_crawl(crawler))
    node_2.open_spider()
    outcome(node_2, article(["Version one."]))
    Journal(node_1_journal).append(article(["Revision A."], fetched_at=T0 + timedelta(hours=1)))  # database away
    Journal(node_1_journal).append(check("gone", T0 + timedelta(hours=1, minutes=5), http_status=404))
    outcome(node_2, article(["Revision B."], fetched_at=T0 + timedelta(hours=2)))
    node_2.close_spider()

    replaying = get_crawler(settings_dict={"MONGO_URI": store.uri, "MONGO_DATABASE": store.database_name,
                                           "NEWSCRAWLER_JOURNAL_PATH": str(node_1_journal)})
    node_1 = RevisionPipeline.from_crawler(replaying)
    with caplog.at_level(logging.INFO):
        node_1.open_spider()
    node_1.close_spider()
    assert_consistent(store, [1, 2])
    assert store.revision(URL, 2)["body"] == ["Revision B."] and store.article(URL)["status"] == "active"
    assert replaying.stats.get_value("newscrawler/articles/stale") == 2
    assert replaying.stats.get_value("newscrawler/journal/replayed") == 2
    assert f"Dropping a fetch of {URL} from {T0 + timedelta(hours=1)}" in caplog.text


def test_slower_of_two_racing_nodes_stores_no_older_text_over_newer(crawler, pipeline, store):
    outcome(pipeline, article(["Version one."]))
    other_node = RevisionPipeline.from_crawler(another_crawl(crawler))
    other_node.open_spider()
    outcome(other_node, article(["Fetched later."], fetched_at=T0 + timedelta(minutes=10)))
    other_node.close_spider()
    assert isinstance(outcome(pipeline, article(["Fetched earlier."], fetched_at=T0 + timedelta(minutes=9))), Stale)
    assert_consistent(store, [1, 2])
    assert store.article(URL)["last_checked"] == T0 + timedelta(minutes=10)
    assert crawler.stats.get_value("newscrawler/articles/stale") == 1


def test_fetch_at_the_same_time_as_the_latest_version_is_not_stale(pipeline, store):
    """Crawls with a fixed clock (NEWSCRAWLER_NOW) fetch everything at one time."""
    outcome(pipeline, article(["A."]))
    assert isinstance(outcome(pipeline, article(["A."])), Unchanged)
    change = outcome(pipeline, article(["B."]))
    assert change.to_version == 2
    assert_consistent(store, [1, 2])
