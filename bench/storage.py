"""Bytes in MongoDB per article, revision and change record, against the raw HTML.

    python bench/storage.py [--articles 2000] [--rounds 2] [--edited 0.10]

The same pages as crawl_e2e.py (fixture pages with a numbered sentence) go
through NormalisePipeline + RevisionPipeline into a fresh database: every
article once (version 1), then --rounds rounds in each of which --edited of
them change (a new revision and a change record each). Then, per collection:

- the server's own figures from the collStats command: documents, data size
  (BSON bytes), storage size and index sizes. secantusdb supports collStats
  and dbStats ($collStats answers but with zeros); its storageSize equals the
  uncompressed data size, unlike real MongoDB whose WiredTiger storageSize is
  the compressed size on disk;
- the BSON size of every document (bson.encode), which should agree with the
  data size;
- for secantusdb, the bytes of its data folder on disk (WiredTiger files and
  journal, compressed), for the database as a whole.

Raw HTML is the bytes of the pages as served; body text is the UTF-8 bytes of
the normalised paragraphs of a revision.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bson  # noqa: E402
from common import (PageSet, article_fields, feed_pipelines, machine_description, open_pipelines,  # noqa: E402
                    print_table, secantus_server)
from pymongo import MongoClient  # noqa: E402

COLLECTIONS = ("articles", "revisions", "changes")


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure(uri: str, database: str) -> dict:
    figures = {}
    with MongoClient(uri) as client:
        db = client[database]
        for name in COLLECTIONS:
            stats = db.command("collStats", name)
            sizes = [len(bson.encode(doc)) for doc in db[name].find({}, projection=None)]
            figures[name] = {
                "count": stats.get("count", 0), "size": stats.get("size", 0),
                "storageSize": stats.get("storageSize", 0), "totalIndexSize": stats.get("totalIndexSize", 0),
                "indexSizes": stats.get("indexSizes", {}), "bson_total": sum(sizes),
                "bson_mean": statistics.fmean(sizes) if sizes else 0, "bson_max": max(sizes, default=0),
            }
        body_bytes = [sum(len(p.encode()) for p in doc.get("body", []))
                      for doc in db.revisions.find({}, projection={"body": 1})]
        figures["body_text_mean"] = statistics.fmean(body_bytes) if body_bytes else 0
        figures["dbStats"] = db.command("dbStats")
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles (default 2000)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of edits after the first versions (default 2)")
    parser.add_argument("--edited", type=float, default=0.10, help="fraction edited in each round (default 0.10)")
    parser.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI", ""),
                        help="use this server (default $MONGO_URI; empty: start a secantusdb server)")
    parser.add_argument("--database", default="bench_storage", help="database name (dropped before and after)")
    args = parser.parse_args(argv)
    print(f"machine: {machine_description()}")

    pages = PageSet(args.articles)
    raw = pages.raw_sizes()
    start = time.perf_counter()
    first = article_fields(pages, range(args.articles))
    rounds = []
    for round_ in range(1, args.rounds + 1):
        rounds.append(article_fields(pages, pages.edit(args.edited, round_=round_)))
    print(f"{args.articles} pages extracted ({len(pages.templates)} fixture pages; raw HTML mean "
          f"{statistics.fmean(raw) / 1024:.1f} KiB) and {sum(map(len, rounds))} edits in "
          f"{time.perf_counter() - start:.1f} s")

    def fill_and_measure(uri: str) -> dict:
        with MongoClient(uri) as client:
            client.drop_database(args.database)
        normalise, revisions = open_pipelines(uri, args.database)
        try:
            for fields in [first, *rounds]:
                for _ in feed_pipelines(normalise, revisions, fields):
                    pass
        finally:
            revisions.close_spider()
        return measure(uri, args.database)

    if args.mongo_uri:
        figures, on_disk, server = fill_and_measure(args.mongo_uri), None, args.mongo_uri
        with MongoClient(args.mongo_uri) as client:
            client.drop_database(args.database)
    else:
        with secantus_server() as db:
            figures = fill_and_measure(db.uri)
            on_disk = folder_bytes(db.storage_path)
        server = "secantusdb"

    raw_mean = statistics.fmean(raw)
    print(f"\nper collection on {server} (bytes)")
    rows = []
    for name in COLLECTIONS:
        f = figures[name]
        per = f["size"] / f["count"] if f["count"] else 0
        rows.append([name, f["count"], f["size"], per, f["bson_mean"], f["bson_max"], f["storageSize"],
                     f["totalIndexSize"], f["totalIndexSize"] / f["count"] if f["count"] else 0,
                     f"{per / raw_mean:.1%}"])
    print_table(["collection", "documents", "data size", "per document", "bson mean", "bson max", "storage size",
                 "index size", "index per doc", "per doc / raw HTML"], rows)
    for name in COLLECTIONS:
        print(f"  indexes of {name}: " + ", ".join(f"{k} {v:,}" for k, v in figures[name]["indexSizes"].items()))

    revision, change, article = figures["revisions"], figures["changes"], figures["articles"]
    per_revision = revision["size"] / revision["count"]
    per_change = change["size"] / change["count"] if change["count"] else 0
    total = sum(figures[n]["size"] + figures[n]["totalIndexSize"] for n in COLLECTIONS)
    print(f"\nraw HTML per page: mean {raw_mean:,.0f} B, median {statistics.median(raw):,.0f} B")
    print(f"body text per revision: mean {figures['body_text_mean']:,.0f} B "
          f"(revision document = {per_revision / figures['body_text_mean']:.2f}x its body text)")
    print(f"whole database (data + indexes): {total:,} B for {args.articles} articles = "
          f"{total / args.articles:,.0f} B per article, {total / (args.articles * raw_mean):.1%} of their raw HTML")
    if on_disk is not None:
        print(f"secantusdb data folder on disk (all files, compressed): {on_disk:,} B")
    print(f"\nsummary: {server}: revision {per_revision:,.0f} B ({per_revision / raw_mean:.1%} of the "
          f"{raw_mean:,.0f} B raw HTML page, {revision['totalIndexSize'] / revision['count']:,.0f} B index); "
          f"change record {per_change:,.0f} B ({per_change / raw_mean:.1%}); article summary "
          f"{article['size'] / article['count']:,.0f} B; database {total / args.articles:,.0f} B per article "
          f"with {args.rounds} round(s) of {args.edited:.0%} edits (collStats data + index sizes; BSON sizes agree "
          f"within {abs(revision['bson_total'] - revision['size']) / revision['size']:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
