from datetime import datetime, timedelta, timezone

import pytest

from newscrawler.storage import RevisionStore, StorageUnavailable, VersionTaken
from tests.conftest import free_port

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def revision(version: int, headline: str = "Headline", fetched_at=NOW) -> dict:
    return {"article_id": "https://www.bbc.co.uk/news/uk-1", "url": "https://www.bbc.co.uk/news/uk-1",
            "source": "bbc", "version": version, "headline": headline, "body": ["Text"],
            "content_hash": f"hash-{version}", "fetched_at": fetched_at}


def test_indexes_are_made_with_the_documented_names(store):
    revision_indexes = store.db.revisions.index_information()
    assert revision_indexes["article_version"]["unique"] is True
    assert store.db.changes.index_information()["article_to_version"]["unique"] is True
    assert "detected_at" in store.db.changes.index_information()
    assert "source_last_changed" in store.db.articles.index_information()


def test_a_version_can_be_stored_only_once(store):
    store.add_revision(revision(1))
    with pytest.raises(VersionTaken):
        store.add_revision(revision(1, headline="Other"))
    assert [r["headline"] for r in store.revisions(revision(1)["article_id"])] == ["Headline"]


def test_latest_revision_is_the_highest_version(store):
    for version in (1, 2, 3):
        store.add_revision(revision(version))
    latest = store.latest_revision(revision(1)["article_id"])
    assert latest["version"] == 3 and latest["content_hash"] == "hash-3"
    assert "body" not in latest


def test_storing_a_change_twice_keeps_one(store):
    change = {"article_id": "a", "to_version": 2, "from_version": 1, "detected_at": NOW}
    store.add_change(change)
    store.add_change(dict(change, from_version=99))
    assert [c["from_version"] for c in store.changes("a")] == [1]


def write_version(store, revision_doc, tracking=None):
    store.begin_revision(revision_doc)
    store.add_revision(revision_doc)
    store.finish_revision(revision_doc, tracking or {})


def test_article_summary_follows_the_newest_revision_only(store):
    first, second = revision(1, "Old", NOW), revision(2, "New", NOW + timedelta(hours=1))
    write_version(store, first)
    write_version(store, second)
    store.finish_revision(first, {"status": "stale"})  # a slow concurrent writer of an older version
    article = store.article(first["article_id"])
    assert article["headline"] == "New" and article["version"] == 2 and article["changes"] == 1
    assert article["first_seen"] == NOW and article["last_changed"] == NOW + timedelta(hours=1)
    assert "status" not in article and "pending_version" not in article


def test_interrupted_write_leaves_a_pending_mark_until_repaired(store):
    write_version(store, revision(1))
    store.begin_revision(revision(2))
    store.add_revision(revision(2))  # the writer dies here
    assert store.article(revision(1)["article_id"])["pending_version"] == 2
    store.repair_summary(store.latest_revision(revision(1)["article_id"]))
    article = store.article(revision(1)["article_id"])
    assert article["version"] == 2 and "pending_version" not in article


def test_recorded_check_counts_and_releases_the_lease(store):
    write_version(store, revision(1))
    later = NOW + timedelta(minutes=30)
    store.db.articles.update_one({"_id": revision(1)["article_id"]}, {"$set": {"lease_until": later}})
    store.record_check(revision(1)["article_id"], {"last_checked": later})
    store.flush_checks()
    article = store.article(revision(1)["article_id"])
    assert article["checks"] == 2 and article["last_checked"] == later and "lease_until" not in article


def test_due_articles_are_claimed_once_oldest_first(store):
    for n, due_in in enumerate((20, 5, -5, -30)):
        doc = dict(revision(1), article_id=f"a{n}", url=f"u{n}")
        write_version(store, doc, {"status": "active", "next_check": NOW + timedelta(minutes=due_in)})
    lease = timedelta(minutes=15)
    assert [a["_id"] for a in store.claim_due("bbc", NOW, lease, limit=10)] == ["a3", "a2"]
    assert store.claim_due("bbc", NOW, lease, limit=10) == []  # leased
    assert [a["_id"] for a in store.claim_due("bbc", NOW + timedelta(minutes=16), lease, limit=1)] == ["a3"]
    assert [a["_id"] for a in store.claim_due("bbc", NOW + timedelta(minutes=16), lease, limit=5,
                                             everything=True)] == ["a2", "a1", "a0"]


def test_unreachable_server_is_reported_quickly():
    unreachable = RevisionStore(f"mongodb://127.0.0.1:{free_port()}/", "x", timeout_ms=300)
    with pytest.raises(StorageUnavailable, match="cannot use MongoDB"):
        unreachable.open()


def test_checks_are_sent_in_batches(store, mongo_uri, database_name):
    writer = RevisionStore(mongo_uri, database_name)
    writer.open()
    try:
        for n in range(3):
            write_version(writer, dict(revision(1), article_id=f"a{n}", url=f"u{n}"))
        writer.record_check("a0", {"last_check_result": "unchanged"})
        writer.record_check("a1", {"last_check_result": "unchanged"})
        assert store.article("a0")["checks"] == 1  # another client does not see it yet
        assert writer.article("a0")["checks"] == 2  # the writer's own read sends it first
        writer.CHECK_BATCH_SIZE = 2
        writer.record_check("a2", {"last_check_result": "unchanged"})
        writer.record_check("a2", {"last_check_result": "not_modified"})  # a full batch is sent
        assert [store.article(f"a{n}")["checks"] for n in range(3)] == [2, 2, 3]
        assert store.article("a2")["last_check_result"] == "not_modified"
    finally:
        writer.close()


def test_pending_checks_are_sent_on_close(store, mongo_uri, database_name):
    writer = RevisionStore(mongo_uri, database_name)
    writer.open()
    write_version(writer, revision(1))
    writer.record_check(revision(1)["article_id"], {"last_check_result": "unchanged"})
    writer.close()
    assert store.article(revision(1)["article_id"])["last_check_result"] == "unchanged"


def test_recheck_all_claims_every_active_article_whatever_the_bound(store):
    for n in range(5):
        doc = dict(revision(1), article_id=f"a{n}", url=f"u{n}")
        write_version(store, doc, {"status": "active" if n else "stopped", "next_check": NOW + timedelta(days=n)})
    claimed = store.claim_due("bbc", NOW, timedelta(minutes=15), limit=None, everything=True)
    assert sorted(a["_id"] for a in claimed) == ["a1", "a2", "a3", "a4"]


def test_claims_of_more_than_a_batch_skip_what_another_crawl_holds(store, mongo_uri, database_name):
    lease = timedelta(minutes=15)
    store.db.articles.insert_many([
        {"_id": f"a{n:03d}", "url": f"u{n}", "source": "bbc", "status": "active",
         "next_check": NOW - timedelta(minutes=n)} for n in range(250)])
    other = RevisionStore(mongo_uri, database_name)
    other.open()
    try:
        held_by_other = [a["_id"] for a in other.claim_due("bbc", NOW, lease, limit=30)]
        claimed = [a["_id"] for a in store.claim_due("bbc", NOW, lease, limit=200)]
    finally:
        other.close()
    oldest_first = [f"a{n:03d}" for n in range(249, -1, -1)]
    assert held_by_other == oldest_first[:30]
    assert claimed == oldest_first[30:230]  # in order, none of the other's, the bound kept
    assert [a["_id"] for a in store.claim_due("bbc", NOW, lease, limit=None)] == oldest_first[230:]


def test_released_leases_can_be_claimed_again_but_not_a_newer_claim(store):
    lease = timedelta(minutes=15)
    store.db.articles.insert_many([{"_id": f"a{n}", "url": f"u{n}", "source": "bbc", "status": "active",
                                    "next_check": NOW - timedelta(minutes=n)} for n in range(3)])
    first = store.claim_due("bbc", NOW, lease, limit=2)
    store.release_leases(first[:1])
    assert [a["_id"] for a in store.claim_due("bbc", NOW, lease, limit=5)] == [first[0]["_id"], "a0"]
    store.release_leases(first[:1])  # a stale release: that lease is now held by the second claim
    assert "lease_until" in store.article(first[0]["_id"])


# Claims of feed entries (crawls on several nodes reading the same feeds)

LEASE = timedelta(minutes=15)


def tracked_articles(store, count: int, checked_at=NOW - timedelta(hours=1)) -> list[str]:
    store.db.articles.insert_many([
        {"_id": f"t{n:03d}", "url": f"u{n}", "source": "bbc", "status": "active", "version": 1,
         "last_checked": checked_at, "next_check": checked_at + timedelta(days=1), "page_hash": f"page-{n}",
         "interval_seconds": 1800.0} for n in range(count)])
    return [f"t{n:03d}" for n in range(count)]


def test_a_feed_entry_is_claimed_by_one_crawl_tracked_or_not(store):
    tracked, untracked = tracked_articles(store, 2), ["new-1", "new-2"]
    claimed = store.claim_pages(tracked + untracked, NOW, NOW, LEASE, token="first")
    assert claimed == {"t000": {"_id": "t000", "url": "u0", "page_hash": "page-0", "interval_seconds": 1800.0,
                                "lease_owner": "first"},
                       "t001": {"_id": "t001", "url": "u1", "page_hash": "page-1", "interval_seconds": 1800.0,
                                "lease_owner": "first"},
                       "new-1": None, "new-2": None}  # not due, but in a feed: claimed all the same
    assert store.claim_pages(tracked + untracked, NOW, NOW, LEASE, token="second") == {}
    assert sorted(store.claim_pages(tracked + untracked, NOW, NOW, LEASE, token="first")) == sorted(claimed)


def test_an_article_checked_since_the_crawl_began_is_not_claimed(store):
    [article] = tracked_articles(store, 1)
    store.claim_pages([article], NOW, NOW, LEASE, token="first")
    store.record_check(article, {"last_checked": NOW})  # the first crawl's check releases its lease
    store.flush_checks()
    assert "lease_until" not in store.article(article)
    assert store.claim_pages([article], NOW, NOW, LEASE, token="second") == {}  # same period
    later = NOW + timedelta(minutes=30)
    assert list(store.claim_pages([article], later, later, LEASE, token="second")) == [article]  # next period


def test_a_first_fetch_claim_lasts_its_lease_and_is_then_claimed_again(store):
    assert store.claim_pages(["new", "other"], NOW, NOW, LEASE, token="first") == {"new": None, "other": None}
    before_the_end = NOW + LEASE - timedelta(seconds=1)
    assert store.claim_pages(["new"], before_the_end, before_the_end, LEASE, token="second") == {}
    assert store.claim_pages(["new"], NOW + LEASE, NOW + LEASE, LEASE, token="second") == {"new": None}
    assert store.db.first_fetches.find_one({"_id": "new"})["lease_owner"] == "second"
    assert store.drop_expired_first_fetches(NOW + LEASE) == 1  # "other"; "new" is leased again
    assert [claim["_id"] for claim in store.db.first_fetches.find()] == ["new"]


def test_an_article_claimed_as_due_is_the_same_crawls_in_a_feed(store):
    [article] = tracked_articles(store, 1, checked_at=NOW - timedelta(days=2))  # due a day ago
    [due] = store.claim_due("bbc", NOW, LEASE, limit=10, token="crawl")
    assert list(store.claim_pages([article], NOW, NOW, LEASE, token="crawl")) == [article]
    assert store.claim_pages([article], NOW, NOW, LEASE, token="other") == {}


def test_feed_entries_of_more_than_a_batch_skip_what_another_crawl_holds(store, mongo_uri, database_name):
    tracked = tracked_articles(store, 120)
    untracked = [f"new-{n:03d}" for n in range(130)]
    other = RevisionStore(mongo_uri, database_name)
    other.open()
    try:
        held_by_other = other.claim_pages(tracked[::3] + untracked[::3], NOW, NOW, LEASE, token="other")
        claimed = store.claim_pages(tracked + untracked, NOW, NOW, LEASE, token="mine")
    finally:
        other.close()
    assert sorted(held_by_other) == sorted(tracked[::3] + untracked[::3])
    assert sorted(claimed) == sorted(set(tracked + untracked) - set(held_by_other))


def test_an_article_whose_first_version_is_being_written_is_claimed_as_a_first_fetch(store):
    assert store.claim_pages(["new"], NOW, NOW, LEASE, token="first") == {"new": None}
    store.begin_revision(dict(revision(1), article_id="new", url="new"))  # the first crawl stores it
    assert store.claim_pages(["new"], NOW, NOW, LEASE, token="second") == {}


def test_recheck_of_every_article_skips_those_checked_since_the_crawl_began(store):
    for n, checked_at in enumerate((NOW - timedelta(minutes=1), NOW)):
        write_version(store, dict(revision(1), article_id=f"a{n}", url=f"u{n}"),
                      {"status": "active", "next_check": NOW + timedelta(days=1), "last_checked": checked_at})
    claimed = store.claim_due("bbc", NOW, LEASE, limit=None, everything=True, since=NOW)
    assert [article["_id"] for article in claimed] == ["a0"]  # a1 was checked by another crawl of this period
