"""`newscrawler reextract` over stored captures: captures read per second.

    python bench/reextract.py [--captures 10000]

A fresh secantusdb database gets N distinct failed extractions with their
captures (the benchmark pages of bench/common.py, stored by the revision
pipeline as checks whose layout was unknown to older code), then
`newscrawler reextract --failed` reads them all again with today's code, each
becoming version 1 of its article. The figure is the command's own: pages
read / the reextract crawl's elapsed time. Each capture is then checked to be
a version with its original fetch time.
"""
import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (BENCH_DATA_DIR, ITEM_HOST, PROJECT_DIR, PageSet, article_path,  # noqa: E402
                    machine_description, open_pipelines, secantus_server)
from pymongo import MongoClient  # noqa: E402

# two days ago: within NEWSCRAWLER_CAPTURES_FAILED_DAYS, so no crawl removes them meanwhile
T0 = (datetime.now(timezone.utc) - timedelta(days=2)).replace(microsecond=0)


def store_failures(uri: str, database: str, pages: PageSet) -> float:
    """N failed checks with their captures, through the revision pipeline; seconds taken."""
    from newscrawler.captures import page_hash
    from newscrawler.items import FAILED, CheckItem, PageCapture

    _, revisions = open_pipelines(uri, database)
    start = time.perf_counter()
    try:
        for number in range(pages.count):
            url = ITEM_HOST + article_path(number)
            body = pages.body(number)
            fetched_at = T0 + timedelta(seconds=number)
            capture = PageCapture(url=url, status=200, headers=[("Content-Type", "text/html")], body=body,
                                  fetched_at=fetched_at, page_hash=page_hash(body, "text/html"))
            item = CheckItem(article_id=url, url=url, source="bbc", outcome=FAILED, fetched_at=fetched_at,
                             http_status=200, reason="unknown_layout", capture=capture, extractor="none@older-code")
            try:
                revisions.store_item(item)
            except Exception as dropped:  # CheckRecorded: the pipeline is done with it
                if type(dropped).__name__ != "CheckRecorded":
                    raise
    finally:
        revisions.close_spider()
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=int, default=10_000, help="failed captures to read again (default 10000)")
    parser.add_argument("--database", default="bench_reextract")
    args = parser.parse_args(argv)
    print(f"machine: {machine_description()}")
    pages = PageSet(args.captures)
    with secantus_server() as db:
        with MongoClient(db.uri) as client:
            client.drop_database(args.database)
        stored = store_failures(db.uri, args.database, pages)
        print(f"{args.captures} failed captures stored in {stored:.1f} s", flush=True)
        cpu_before = db.cpu_seconds()
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "newscrawler", "-s", f"MONGO_URI={db.uri}", "-s", f"MONGO_DATABASE={args.database}",
             "-s", f"NEWSCRAWLER_DATA_DIR={BENCH_DATA_DIR}",
             "reextract", "--failed"],
            cwd=PROJECT_DIR, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})
        wall = time.perf_counter() - start
        db_cpu = db.cpu_seconds() - cpu_before
        print(result.stdout)
        if result.returncode != 0:
            print(result.stderr[-3000:])
            return 1
        with MongoClient(db.uri, tz_aware=True) as client:
            revisions = client[args.database].revisions
            versions = revisions.count_documents({"version": 1, "capture": {"$type": "string"}})
            in_time = revisions.count_documents({"fetched_at": {"$gte": T0,
                                                                "$lt": T0 + timedelta(seconds=args.captures)}})
    elapsed = float(next(line.split(" in ")[1].split(" s")[0] for line in result.stdout.splitlines()
                         if line.startswith("Read ")))
    ok = versions == in_time == args.captures
    print(f"summary: reextract read {args.captures} captures in {elapsed:.1f} s = {args.captures / elapsed:.0f} "
          f"captures/s (command {wall:.1f} s in all, database {db_cpu:.1f} CPU s); {versions} became version 1 "
          f"with their original fetch times{'' if ok else ': CHECK FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
