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

Captures (the raw page of every version, newscrawler/captures.py): their
collection's data size per version against the raw bytes of the versions'
pages (target: at most 15%), split into pages stored on their own (an
article's first) and deltas against the article's latest capture. Before the
database part, a table of zstd levels over every fixture page of every source
(ratio, compression and decompression speed), with a dictionary trained per
source on its other fixture pages (leave one out) for comparison.
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

COLLECTIONS = ("articles", "revisions", "changes", "captures")
FIXTURE_PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
CAPTURE_TARGET = 0.15


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
        kinds = {"whole": [0, 0], "delta": [0, 0]}  # [stored bytes, raw bytes]
        deltas = []
        for doc in db.captures.find({}, projection={"encoding": 1, "stored_size": 1, "size": 1}):
            kind = "delta" if doc["encoding"] == "zstd-delta" else "whole"
            kinds[kind][0] += doc["stored_size"]
            kinds[kind][1] += doc["size"]
            if kind == "delta":
                deltas.append(doc["stored_size"])
        figures["capture_kinds"] = (f"{db.captures.count_documents({'encoding': 'zstd'})} on their own, "
                                    f"{len(deltas)} deltas")
        figures["whole_share"] = kinds["whole"][0] / kinds["whole"][1] if kinds["whole"][1] else 0
        figures["delta_mean"] = statistics.fmean(deltas) if deltas else 0
        figures["dbStats"] = db.command("dbStats")
    return figures


def compression_table() -> None:
    """zstd levels over the fixture pages of every source: size against raw, MB/s."""
    import zstandard

    from newscrawler.captures import ZSTD_LEVEL

    by_source: dict[str, list[bytes]] = {}
    for path in sorted(FIXTURE_PAGES.glob("*/pages/*")):
        if path.is_file():  # generic/pages/ holds a folder per outlet of no source: not a source's pages
            by_source.setdefault(path.parts[-3], []).append(path.read_bytes())
    pages = [page for source_pages in by_source.values() for page in source_pages]
    raw = sum(map(len, pages))
    rows = []
    for level in (1, 3, 6, 9, 12, 15, 19):
        compressor = zstandard.ZstdCompressor(level=level)
        start = time.perf_counter()
        packed = [compressor.compress(page) for page in pages]
        packing = time.perf_counter() - start
        start = time.perf_counter()
        for blob in packed:
            zstandard.ZstdDecompressor().decompress(blob)
        unpacking = time.perf_counter() - start
        label = f"zstd {level}" + (" (chosen)" if level == ZSTD_LEVEL else "")
        rows.append([label, f"{sum(map(len, packed)) / raw:.1%}", raw / packing / 1e6, raw / unpacking / 1e6, 1000 * packing / len(pages)])
    packed = 0
    for pages_of_source in by_source.values():
        for n, page in enumerate(pages_of_source):
            others = pages_of_source[:n] + pages_of_source[n + 1:]
            dictionary = zstandard.train_dictionary(112_640, others * max(1, 8 // len(others) + 1))
            packed += len(zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=dictionary).compress(page))
    rows.append([f"zstd {ZSTD_LEVEL}, dictionary per source (leave one out)", f"{packed / raw:.1%}", None, None, None])
    print(f"\ncompression of the {len(pages)} fixture pages of {len(by_source)} sources ({raw:,} B)")
    print_table(["method", "size / raw", "compress MB/s", "decompress MB/s", "ms per page"], rows)


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

    compression_table()
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
    capture = figures["captures"]
    versions = revision["count"]
    raw_of_versions = sum(len(fields["page"]) for fields in [*first, *[f for r in rounds for f in r]])
    capture_share = capture["size"] / raw_of_versions
    print(f"\ncaptures: {capture['count']} for {versions} versions ({figures['capture_kinds']}); "
          f"{capture['size']:,} B of documents for {raw_of_versions:,} B of raw pages = {capture_share:.1%}; "
          f"per version {capture['size'] / versions:,.0f} B of {raw_of_versions / versions:,.0f} B raw; "
          f"stored on their own {figures['whole_share']:.1%} of their raw bytes, deltas "
          f"{figures['delta_mean']:,.0f} B each")
    print(f"\nsummary: {server}: captures {capture_share:.1%} of the raw page bytes per version "
          f"(target <= {CAPTURE_TARGET:.0%}: {'met' if capture_share <= CAPTURE_TARGET else 'MISSED'}); "
          f"revision {per_revision:,.0f} B ({per_revision / raw_mean:.1%} of the "
          f"{raw_mean:,.0f} B raw HTML page, {revision['totalIndexSize'] / revision['count']:,.0f} B index); "
          f"change record {per_change:,.0f} B ({per_change / raw_mean:.1%}); article summary "
          f"{article['size'] / article['count']:,.0f} B; database {total / args.articles:,.0f} B per article "
          f"with {args.rounds} round(s) of {args.edited:.0%} edits (collStats data + index sizes; BSON sizes agree "
          f"within {abs(revision['bson_total'] - revision['size']) / revision['size']:.1%})")
    return 0 if capture_share <= CAPTURE_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
