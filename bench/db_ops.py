"""Latency of each database command shape the revision pipeline sends, as the
collections grow, and of the alternatives that would replace the slow ones.

    python bench/db_ops.py [--sizes 250,1000,4000] [--repeat 200]

For each size, an `articles` collection (with the indexes of
newscrawler.storage) is filled with that many article summaries, then each
shape is run --repeat times on random existing articles and its mean latency
printed. A shape whose latency grows with the collection is a collection scan:
the server did not use the _id index for it. Runs against a secantusdb server
started here, or the server given by --mongo-uri / MONGO_URI.
"""
import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_description, print_table, secantus_server  # noqa: E402
from pymongo import MongoClient, UpdateOne  # noqa: E402

from newscrawler.storage import INDEXES  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def summary(n: int) -> dict:
    return {"_id": f"https://www.bbc.co.uk/news/bench-{10_000_000 + n}", "url": "u", "source": "bbc",
            "first_seen": NOW, "version": 1, "kind": "content", "headline": f"Headline {n}",
            "content_hash": f"{n:064x}", "last_changed": NOW, "changes": 0, "status": "active",
            "status_reason": None, "interval_seconds": 1800.0, "next_check": NOW, "last_checked": NOW,
            "last_check_result": "new", "last_http_status": 200, "checks": 1, "held_hash": None}


SHAPES = {
    # what storage.py sends now
    "find_one {_id}  (article)":
        lambda db, i: db.articles.find_one({"_id": i}),
    "update {_id} $set,$inc,$unset  (record_check)":
        lambda db, i: db.articles.update_one({"_id": i}, {"$set": {"last_checked": NOW}, "$inc": {"checks": 1},
                                                          "$unset": {"lease_until": ""}}),
    "update {_id} upsert $setOnInsert,$max  (begin_revision)":
        lambda db, i: db.articles.update_one({"_id": i}, {"$setOnInsert": {"url": "u"}, "$max": {"pending_version": 2}},
                                             upsert=True),
    "update {_id,$or:[version $lte, $exists false]}  (finish_revision)":
        lambda db, i: db.articles.update_one(
            {"_id": i, "$or": [{"version": {"$lte": 2}}, {"version": {"$exists": False}}]},
            {"$set": {"version": 1}, "$inc": {"checks": 1}}),
    "update {_id,pending_version $lte} $unset  (clear_pending)":
        lambda db, i: db.articles.update_one({"_id": i, "pending_version": {"$lte": 2}},
                                             {"$unset": {"pending_version": ""}}),
    # alternatives
    "ALT update {_id,version:{$not:{$gt}}}  (finish_revision without $or)":
        lambda db, i: db.articles.update_one({"_id": i, "version": {"$not": {"$gt": 2}}},
                                             {"$set": {"version": 1}, "$inc": {"checks": 1}}),
    "ALT update {_id,pending_version:{$not:{$gt}}} $unset":
        lambda db, i: db.articles.update_one({"_id": i, "pending_version": {"$not": {"$gt": 2}}},
                                             {"$unset": {"pending_version": ""}}),
}


def time_shape(db, shape, ids: list[str], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        article = random.choice(ids)
        start = time.perf_counter()
        shape(db, article)
        timings.append(time.perf_counter() - start)
    return statistics.fmean(timings) * 1000


def time_bulk(db, ids: list[str], batch: int, repeat: int) -> float:
    """Mean ms per record_check update when `batch` of them go in one unordered bulk_write."""
    total, ops = 0.0, 0
    for _ in range(max(1, repeat // batch)):
        requests = [UpdateOne({"_id": random.choice(ids)}, {"$set": {"last_checked": NOW}, "$inc": {"checks": 1},
                                                             "$unset": {"lease_until": ""}}) for _ in range(batch)]
        start = time.perf_counter()
        db.articles.bulk_write(requests, ordered=False)
        total += time.perf_counter() - start
        ops += batch
    return total / ops * 1000


def run(uri: str, sizes: list[int], repeat: int) -> dict:
    rows = {}
    # as newscrawler.storage opens it: journaled writes (j=True); retryable writes are pymongo's default
    with MongoClient(uri, tz_aware=True, journal=True) as client, \
            MongoClient(uri, tz_aware=True, journal=True, retryWrites=False) as no_retry, \
            MongoClient(uri, tz_aware=True, journal=False, retryWrites=False) as plain:
        client.drop_database("bench_db_ops")
        db = client.bench_db_ops
        for keys, options in INDEXES["articles"]:
            db.articles.create_index(keys, **options)
        have = 0
        for size in sizes:
            db.articles.insert_many([summary(n) for n in range(have, size)])
            have = size
            ids = [summary(n)["_id"] for n in range(size)]
            for name, shape in SHAPES.items():
                rows.setdefault(name, []).append(time_shape(db, shape, ids, repeat))
            record_check = SHAPES["update {_id} $set,$inc,$unset  (record_check)"]
            rows.setdefault("ALT record_check, retryWrites=False", []).append(
                time_shape(no_retry.bench_db_ops, record_check, ids, repeat))
            rows.setdefault("(ref) record_check, retryWrites=False, journal=False", []).append(
                time_shape(plain.bench_db_ops, record_check, ids, repeat))
            for batch in (1, 100):
                rows.setdefault(f"ALT bulk_write of {batch} record_check updates, per update", []).append(
                    time_bulk(db, ids, batch, max(repeat, batch * 2)))
            print(f"  {size} articles done", flush=True)
        client.drop_database("bench_db_ops")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="250,1000,4000", help="articles in the collection (default 250,1000,4000)")
    parser.add_argument("--repeat", type=int, default=200, help="runs of each shape per size (default 200)")
    parser.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI", ""),
                        help="server to use (default $MONGO_URI; empty: start a secantusdb server)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {machine_description()}")
    if args.mongo_uri:
        rows = run(args.mongo_uri, sizes, args.repeat)
        server = args.mongo_uri
    else:
        with secantus_server() as db:
            rows = run(db.uri, sizes, args.repeat)
        server = "secantusdb"
    print(f"\nmean ms per command on {server}, by articles in the collection")
    print_table(["command shape"] + [f"{s} articles" for s in sizes] + [f"x {sizes[0]}->{sizes[-1]}"],
                [[name] + [f"{t:.2f}" for t in times] + [f"{times[-1] / times[0]:.1f}"]
                 for name, times in rows.items()])
    scans = [name for name, times in rows.items() if times[-1] / times[0] > 3]
    print(f"\nsummary: {server}: {len(scans)} shape(s) grow with the collection (collection scans): "
          + ("; ".join(scans) if scans else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
