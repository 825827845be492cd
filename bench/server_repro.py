"""The smallest reproductions of what secantusdb does that costs grow with a collection.

    python bench/server_repro.py [--sizes 1000,10000,50000]

One collection `docs` of small documents {_id, a, t, k} with indexes on a, on
t (descending) and on (a, t), grown to each size. Each query is timed (median
of 9) and explained:

1. newest 10 by an indexed time: find({}).sort(t: -1).limit(10);
2. the same with a range bound on t: find({t: {$gte: recent}}).sort(t: -1).limit(10);
3. a filter naming 10 ids and an indexed field, that field first:
   find({a: 1, _id: {$in: ids}}); and with _id first;
4. distinct("a") over the indexed field;
5. explain of an update's filter {_id: id, k: {$not: {$gt: 1}}} (its plan
   ignores the filter) and of the same filter as a find (a COLLSCAN, though
   the update is served by _id).

Real MongoDB answers 1, 3 and 4 in time that does not grow with the
collection (an index walk stopped by the limit, the _id index for $in, a
DISTINCT_SCAN); see docs/mongodb-compatibility.md.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table, secantus_server  # noqa: E402
from pymongo import MongoClient  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.plans import plan_summary  # noqa: E402


def median_ms(call, runs: int = 9) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def plan(db, command) -> str:
    summary = plan_summary(db.command("explain", command, verbosity="queryPlanner"))
    return "COLLSCAN" if summary["collscan"] else ",".join(summary["indexes"]) or "+".join(summary["stages"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = {}
    with secantus_server() as server, MongoClient(server.uri) as client:
        db = client.repro
        db.docs.create_index("a")
        db.docs.create_index([("t", -1)])
        db.docs.create_index([("a", 1), ("t", -1)])
        have = 0
        for size in sizes:
            db.docs.insert_many([{"_id": n, "a": n % 3, "t": n, "k": 1} for n in range(have, size)])
            have = size
            ids = list(range(size - 10, size))
            queries = {
                "1. find({}).sort({t: -1}).limit(10)":
                    (lambda: list(db.docs.find({}).sort("t", -1).limit(10)),
                     {"find": "docs", "filter": {}, "sort": {"t": -1}, "limit": 10}),
                "2. find({t: {$gte: size - 100}}).sort({t: -1}).limit(10)":
                    (lambda: list(db.docs.find({"t": {"$gte": size - 100}}).sort("t", -1).limit(10)),
                     {"find": "docs", "filter": {"t": {"$gte": size - 100}}, "sort": {"t": -1}, "limit": 10}),
                "3a. find({a: 1, _id: {$in: 10 ids}})":
                    (lambda: list(db.docs.find({"a": 1, "_id": {"$in": ids}})),
                     {"find": "docs", "filter": {"a": 1, "_id": {"$in": ids}}}),
                "3b. find({_id: {$in: 10 ids}, a: 1})":
                    (lambda: list(db.docs.find({"_id": {"$in": ids}, "a": 1})),
                     {"find": "docs", "filter": {"_id": {"$in": ids}, "a": 1}}),
                "4. distinct('a')":
                    (lambda: db.docs.distinct("a"), {"distinct": "docs", "key": "a"}),
                "5a. explain update {_id, k: {$not: {$gt: 1}}}":
                    (lambda: db.docs.update_one({"_id": 5, "k": {"$not": {"$gt": 1}}}, {"$set": {"k": 1}}),
                     {"update": "docs", "updates": [{"q": {"_id": 5, "k": {"$not": {"$gt": 1}}},
                                                     "u": {"$set": {"k": 1}}}]}),
                "5b. explain find {_id, k: {$not: {$gt: 1}}}":
                    (lambda: db.docs.find_one({"_id": 5, "k": {"$not": {"$gt": 1}}}),
                     {"find": "docs", "filter": {"_id": 5, "k": {"$not": {"$gt": 1}}}}),
                "6. count_documents({a: 1})":
                    (lambda: db.docs.count_documents({"a": 1}),
                     {"aggregate": "docs", "pipeline": [{"$match": {"a": 1}}, {"$group": {"_id": 1, "n": {"$sum": 1}}}],
                      "cursor": {}}),
            }
            for name, (call, command) in queries.items():
                rows.setdefault(name, []).append((median_ms(call), plan(db, command)))
            print(f"  {size} documents done", flush=True)
    print_table(["query"] + [f"ms at {s:,}" for s in sizes] + ["growth", f"explain at {sizes[-1]:,}"],
                [[name] + [f"{ms:.2f}" for ms, _ in values] + [f"{values[-1][0] / values[0][0]:.1f}×", values[-1][1]]
                 for name, values in rows.items()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
