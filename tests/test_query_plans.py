"""Every query the crawl, the store, the CLI, the web view and README.md's
examples send is served by an index: on a small database populated as
bench/scale.py populates its large ones, each operation of bench/scale.py's
OPERATIONS runs once, every command it sends is explained, and the winning
plan must read an index and scan no collection.

The plans are read from real MongoDB's explain shape and secantusdb's
(tests/plans.py). A collection scan costs the same on 300 documents as an
index does, so plans, not times, are what this checks; bench/scale.py times
the same operations at 1,000,000 articles.
"""
import random
from datetime import timedelta
import sys
from pathlib import Path

import pytest
from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import scale  # noqa: E402  (bench/scale.py: its operations and its populated data)

ARTICLES = 300
# Read whole by design: the sources collection (one small document per source), and
# estimated_document_count, which MongoDB answers from collection metadata
# (RECORD_STORE_FAST_COUNT) however its explain is labelled here.
WHOLE_COLLECTIONS_READ = {"find sources {}", "find sources {tallied_since}", "count revisions {}"}


@pytest.fixture(scope="module")
def populated(mongo_uri):
    name = "test_query_plans"
    with MongoClient(mongo_uri, tz_aware=True) as client:
        meta = scale.populate(client, ARTICLES, scale.load_templates(limit=4), name=name)
    yield name, meta
    with MongoClient(mongo_uri) as client:
        client.drop_database(name)


@pytest.fixture
def context(mongo_uri, populated):
    name, meta = populated
    store = scale.RevisionStore(mongo_uri, name)
    store.clock = lambda: scale.NOW
    store.open()
    ctx = scale.Context(mongo_uri, name, store.db, store, meta, random.Random(1))
    yield ctx
    if ctx.pipelines:
        ctx.pipelines[1].close_spider()
    store.close()


def operations(group_is_unbounded: bool):
    return [pytest.param(op, id=op.name) for op in scale.OPERATIONS if (op.group == "unbounded") == group_is_unbounded]


@pytest.mark.parametrize("operation", operations(group_is_unbounded=False))
def test_every_query_is_served_by_an_index(context, operation):
    if not operation.available(context):
        pytest.skip(f"{operation.name}: not in this version of the project")
    plans = scale.plans_for(context, operation)
    scans = [label for label, plan in plans
             if (plan["collscan"] or not plan["uses_index"]) and label not in WHOLE_COLLECTIONS_READ]
    assert plans, f"{operation.name} sent no query"
    assert not scans, f"{operation.name} scans: {scans} ({plans})"
    # a filter naming the article ids is served by an index that starts with _id
    # (the _id index, or id_source for ranges of ids), not by one of all a source's articles
    by_other_index = [label for label, plan in plans
                      if "_id" in plan["filter_keys"] and not set(plan["indexes"]) <= {"_id_", "id_source"}]
    assert not by_other_index, f"{operation.name}: {by_other_index} ({plans})"


@pytest.mark.parametrize("operation", operations(group_is_unbounded=True))
def test_the_unbounded_forms_readme_gave_before_scan_the_collection(context, operation):
    """What the check catches: the queries README.md gave before bench/scale.py."""
    plans = scale.plans_for(context, operation)
    assert any(plan["collscan"] for _, plan in plans), plans


def test_the_bulk_check_update_and_the_claim_are_explained(context):
    claim = next(op for op in scale.OPERATIONS if op.name.startswith("claim due"))
    labels = [label for label, _ in scale.plans_for(context, claim)]
    assert "find articles {_id,source,status,next_check,lease_until}" in labels  # the claim's update_many, as a find
    checks = next(op for op in scale.OPERATIONS if "same bytes" in op.name)
    context.open_pipelines()  # opening sends commands of its own
    plans = dict(scale.plans_for(context, checks))
    # the batch of checks, then the settle of the status tallies: no article
    # changed status, so none is flagged (read by the sparse index)
    assert list(plans) == ["find articles {_id}", "find articles {untallied}"]
    assert [plan["indexes"] for plan in plans.values()] == [["_id_"], ["untallied"]]


# find_changes reads windows of detection time; sources() reads the sources collection

NOW = scale.NOW
AGES = [-3600, 60, 5 * 3600, 7 * 3600, 20 * 3600, 3 * 86400, 40 * 86400, 2 * 365 * 86400, 20 * 365 * 86400]


def change_at(n: int, age_seconds: int, source: str, substantive: bool) -> dict:
    from datetime import timedelta
    return {"article_id": f"https://www.bbc.co.uk/news/uk-{n}", "url": f"https://www.bbc.co.uk/news/uk-{n}",
            "source": source, "from_version": 1, "to_version": 2, "detected_at": NOW - timedelta(seconds=age_seconds),
            "classification": {"substantive": substantive, "reason": None}, "counts": {}, "paragraphs": []}


@pytest.fixture
def dated_changes(store):
    store.clock = lambda: NOW
    changes = [change_at(n, age, ("bbc", "guardian")[n % 2], n % 3 != 0)
               for n, age in enumerate(AGES * 3) if not (n % 5 == 0 and age > 86400)]
    store.db.changes.insert_many([dict(change) for change in changes])
    return changes


def expected(changes, source=None, substantive_only=False, since=None, skip=0, limit=50):
    kept = [c for c in changes if (not source or c["source"] == source)
            and (not substantive_only or c["classification"]["substantive"])
            and (since is None or c["detected_at"] >= since)]
    kept.sort(key=lambda c: c["detected_at"], reverse=True)
    return [(c["article_id"], c["detected_at"]) for c in kept[skip:skip + limit]]


@pytest.mark.parametrize("query", [
    {}, {"limit": 1}, {"limit": 3}, {"skip": 2, "limit": 4}, {"skip": 10, "limit": 50}, {"source": "guardian"},
    {"substantive_only": True, "limit": 5}, {"source": "bbc", "substantive_only": True, "skip": 1, "limit": 3},
    {"since": NOW - timedelta(hours=10)}, {"since": NOW - timedelta(days=100), "limit": 2},
], ids=str)
def test_find_changes_gives_the_newest_first_in_any_window(store, dated_changes, query):
    found = store.find_changes(**query)
    assert [(c["article_id"], c["detected_at"]) for c in found] == expected(dated_changes, **query)
    assert all("paragraphs" not in c for c in found)


def test_find_changes_bounds_every_query_by_detection_time(store, dated_changes):
    scale.RECORDER.take()
    scale.RECORDER.recording = True
    try:
        store.find_changes(limit=2)
        store.find_changes(source="bbc", substantive_only=True, limit=20)
    finally:
        scale.RECORDER.recording = False
    finds = [command for _, command in scale.RECORDER.take() if command.get("find") == "changes"]
    assert finds and all("detected_at" in command["filter"] for command in finds)
    # the first window was enough for two changes
    assert finds[0]["filter"]["detected_at"] == {"$gte": NOW - timedelta(hours=6)}


def test_sources_are_those_of_stored_articles(store):
    from tests.test_storage import revision
    store.begin_revision(revision(1))
    store.begin_revision({**revision(1), "article_id": "https://www.theguardian.com/uk/1", "source": "guardian"})
    store.begin_revision(revision(2))
    assert store.sources() == ["bbc", "guardian"]


def test_sources_of_a_database_from_before_the_sources_collection(store, mongo_uri, database_name):
    store.db.articles.insert_many([{"_id": "a", "source": "washingtonpost"}, {"_id": "b", "source": "bbc"}])
    reopened = scale.RevisionStore(mongo_uri, database_name)
    reopened.open()  # as the first crawl or command after an upgrade
    try:
        reopened.begin_revision({**revision_of("c"), "source": "guardian"})
        assert reopened.sources() == ["bbc", "guardian", "washingtonpost"]
    finally:
        reopened.close()


def revision_of(article_id: str) -> dict:
    from tests.test_storage import revision
    return {**revision(1), "article_id": article_id}
