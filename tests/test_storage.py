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


def test_article_summary_follows_the_newest_revision_only(store):
    first, second = revision(1, "Old", NOW), revision(2, "New", NOW + timedelta(hours=1))
    store.record_revision(first)
    store.record_revision(second)
    store.record_revision(first)  # a slow concurrent writer of an older version
    article = store.article(first["article_id"])
    assert article["headline"] == "New" and article["version"] == 2 and article["changes"] == 1
    assert article["first_seen"] == NOW and article["last_changed"] == NOW + timedelta(hours=1)


def test_unchanged_check_counts_and_moves_last_checked(store):
    store.record_revision(revision(1))
    later = NOW + timedelta(minutes=30)
    article = store.record_unchanged_check(revision(1)["article_id"], later)
    assert article["checks"] == 2 and article["last_checked"] == later


def test_unreachable_server_is_reported_quickly():
    unreachable = RevisionStore(f"mongodb://127.0.0.1:{free_port()}/", "x", timeout_ms=300)
    with pytest.raises(StorageUnavailable, match="cannot use MongoDB"):
        unreachable.open()
