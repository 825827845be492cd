"""The articles of each source and status (newscrawler.tallies): exact at any
moment, whatever crashes, concurrent settles or a database from before them."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from pymongo.errors import AutoReconnect

from newscrawler.schedule import GONE, MOVED, STATUS_REASONS, STOPPED, Schedule
from newscrawler.storage import RevisionStore
from newscrawler.tallies import StatusTallies
from tests.conftest import articles_by_status

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
SCHEDULE = Schedule()


def url_of(n: int, source: str) -> str:
    return f"https://www.{source}.example/news/{n}"


def write_version(store, n: int, source: str = "bbc", version: int = 1) -> None:
    url = url_of(n, source)
    revision = {"article_id": url, "url": url, "source": source, "version": version, "headline": f"H{version}",
                "body": [f"Text {version}"], "content_hash": f"hash-{n}-{version}",
                "fetched_at": NOW + timedelta(hours=version)}
    store.begin_revision(revision)
    store.add_revision(revision)
    store.finish_revision(revision, SCHEDULE.after_change(revision["fetched_at"]).as_fields())


def check(store, n: int, status: str, source: str = "bbc") -> None:
    """A check that ends in `status` (queued, as the crawl queues them)."""
    store.queue_check(url_of(n, source), {"status": status, "status_reason": STATUS_REASONS.get(status),
                                          "last_checked": NOW})


def tallied(store) -> dict:
    """The tallies alone, without the flagged articles."""
    return {(source["_id"], status): n for source in store.db.sources.find()
            for status, n in sorted(source.get("tallies", {}).items()) if n}


def versions_stored(store, source: str | None = None) -> int:
    return store.db.revisions.count_documents({"source": source} if source else {})


def exact(store) -> bool:
    """The totals say what the articles and revisions say."""
    totals = store.article_totals(NOW)
    return totals["articles"] == articles_by_status(store) and totals["versions"] == versions_stored(store)


def flagged(store) -> int:
    return store.db.articles.count_documents({"untallied": True})


def some_history(store, offset: int = 0) -> None:
    """New articles of two sources, then stops, a removal, a move and a change back to active."""
    for n in range(offset, offset + 6):
        write_version(store, n)
    for n in range(offset, offset + 3):
        write_version(store, n, source="guardian")
    check(store, offset, STOPPED)
    check(store, offset + 1, STOPPED)
    check(store, offset + 2, GONE, source="guardian")
    check(store, offset + 3, MOVED)
    store.flush_checks()
    write_version(store, offset + 1, version=2)  # a stopped article changed: active again


def test_the_totals_follow_every_status_change(store):
    write_version(store, 1)
    assert flagged(store) == 1 and tallied(store) == {}
    assert store.article_totals(NOW)["articles"] == {("bbc", "active"): 1}  # flagged, not settled yet
    some_history(store, offset=10)
    check(store, 11, STOPPED)  # queued, not sent: the articles still say active
    assert store.article_totals(NOW)["articles"] == articles_by_status(store)
    store.flush_checks()
    assert store.article_totals(NOW)["articles"] == articles_by_status(store) == {
        ("bbc", "active"): 4, ("bbc", "moved"): 1, ("bbc", "stopped"): 2,
        ("guardian", "active"): 2, ("guardian", "gone"): 1}
    assert tallied(store) == articles_by_status(store) and flagged(store) == 0
    assert exact(store)


def test_a_check_that_keeps_the_status_flags_nothing(store):
    some_history(store)
    store.flush_checks()
    before = store.db.sources.find_one({"_id": "bbc"})
    check(store, 4, "active")
    store.SETTLE_LIMIT = 0
    store.flush_checks()
    assert store.article(url_of(4, "bbc"))["checks"] == 2  # the check was written
    assert flagged(store) == 0 and store.db.sources.find_one({"_id": "bbc"}) == before


def test_a_changed_article_that_stays_active_loses_its_flag_only(store):
    some_history(store)
    store.flush_checks()
    before = store.db.sources.find_one({"_id": "bbc"})
    write_version(store, 5, version=2)
    assert flagged(store) == 1
    store.flush_checks()
    after = store.db.sources.find_one({"_id": "bbc"})
    assert flagged(store) == 0 and after["tallies"] == before["tallies"]
    assert after["versions"] == before["versions"] + 1 == versions_stored(store, "bbc")


class FailingDatabase:
    """The database, except that its n-th write fails as if the server went away:
    before the server applied it, or after (the answer lost)."""

    WRITES = {"update_one", "update_many", "bulk_write"}

    def __init__(self, db, fail_at: int, applied: bool):
        self.db, self.fail_at, self.applied, self.writes = db, fail_at, applied, 0

    def __getattr__(self, name):
        return FailingCollection(self, getattr(self.db, name))


class FailingCollection:
    def __init__(self, database: FailingDatabase, collection):
        self.database, self.collection = database, collection

    def __getattr__(self, name):
        method = getattr(self.collection, name)
        if name not in FailingDatabase.WRITES:
            return method

        def write(*args, **kwargs):
            self.database.writes += 1
            if self.database.writes != self.database.fail_at:
                return method(*args, **kwargs)
            if self.database.applied:
                method(*args, **kwargs)
            raise AutoReconnect("the server went away")
        return write


@pytest.mark.parametrize("applied", [False, True], ids=["write lost", "answer lost"])
def test_a_settle_interrupted_at_any_write_counts_each_article_once(store, applied):
    store.SETTLE_LIMIT = 0  # the writes leave their articles flagged, for the settles below
    fail_at, completed = 1, False
    while not completed:
        some_history(store, offset=100 * fail_at)
        interrupted = StatusTallies(FailingDatabase(store.db, fail_at, applied))
        try:
            interrupted.settle(1000)
            completed = True
        except AutoReconnect:
            pass
        assert exact(store), f"after a crash at write {fail_at}"
        # the crashed settle's leases run out
        store.db.sources.update_many({}, {"$set": {"tally_settler_until": NOW - timedelta(minutes=1)}})
        store.tallies.settle(1000)
        assert tallied(store) == articles_by_status(store), f"settled after a crash at write {fail_at}"
        assert sum(s.get("versions", 0) for s in store.db.sources.find()) == versions_stored(store)
        assert flagged(store) == 0
        fail_at += 1
    assert fail_at > 5  # the settle has that many writes to interrupt
    # tokens a crash left in the tallies are dropped by the next settle of their source
    some_history(store, offset=100 * fail_at)
    store.tallies.settle(1000)
    assert tallied(store) == articles_by_status(store)
    assert [source.get("tally_tokens") for source in store.db.sources.find()] == [[], []]


def test_settles_running_beside_each_other_count_each_article_once(store, mongo_uri):
    store.SETTLE_LIMIT = 0
    for n in range(300):
        write_version(store, n, source=("bbc", "guardian", "nytimes")[n % 3])
    for n in range(0, 300, 3):
        check(store, n, STOPPED)
    store.flush_checks()
    assert flagged(store) == 300
    stores = [RevisionStore(mongo_uri, store.database_name) for _ in range(3)]
    for other in stores:
        other.open()

    errors = []

    def settle(other):  # a settle leaves the sources another one holds to it: until none is left
        try:
            while flagged(other):
                other.tallies.settle(20)
        except Exception as error:  # noqa: BLE001 (reported by the test below)
            errors.append(error)

    # three processes, the first with two threads (as the pipeline's worker threads)
    threads = [threading.Thread(target=settle, args=(other,)) for other in [stores[0], *stores]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in stores:
        other.close()
    assert not errors
    assert tallied(store) == articles_by_status(store) == {("bbc", "stopped"): 100, ("guardian", "active"): 100,
                                                ("nytimes", "active"): 100}
    assert flagged(store) == 0


def test_a_database_from_before_the_tallies_is_counted_once(store, mongo_uri):
    for n in range(8):
        write_version(store, n, source=("bbc", "guardian")[n % 2])
    check(store, 0, STOPPED)
    store.flush_checks()
    # as an older version of the project left it: no tallies, no flags
    store.db.sources.update_many({}, {"$unset": {"tallies": "", "tallied_since": "", "tally_tokens": ""}})
    store.db.articles.update_many({}, {"$unset": {"tallied": "", "tallied_versions": "", "untallied": "",
                                                  "tally_generation": ""}})
    assert StatusTallies(store.db).totals() == (articles_by_status(store), None)  # counted the old way
    upgraded = RevisionStore(mongo_uri, store.database_name)
    upgraded.open()  # counts the articles of the sources without tallies, once
    try:
        assert all("tallied_since" in source for source in upgraded.db.sources.find())
        assert tallied(store) == articles_by_status(store) == {("bbc", "active"): 3, ("bbc", "stopped"): 1,
                                                               ("guardian", "active"): 4}
        assert exact(upgraded)
        check(upgraded, 2, STOPPED)
        upgraded.flush_checks()
        assert tallied(store) == articles_by_status(store) and flagged(store) == 0
    finally:
        upgraded.close()


def test_a_source_is_counted_once_by_one_process_at_a_time(store, mongo_uri):
    for n in range(6):
        write_version(store, n)
    store.flush_checks()
    store.db.sources.update_many({}, {"$unset": {"tallies": "", "tallied_since": ""}})
    store.db.articles.update_many({}, {"$unset": {"tallied": "", "tallied_versions": ""}})
    store.db.sources.update_one({"_id": "bbc"}, {"$set": {"tally_settler": "another process",
                                                          "tally_settler_until": datetime.now(timezone.utc)
                                                          + timedelta(minutes=5)}})
    StatusTallies(store.db).start_unmigrated()  # the other process holds the source: left to it
    assert "tallied_since" not in store.db.sources.find_one({"_id": "bbc"})
    assert StatusTallies(store.db).totals() == ({("bbc", "active"): 6}, None)  # counted the old way meanwhile
