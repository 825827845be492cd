"""Peak memory of a crawl as it grows: `scrapy crawl bbc` of 2,000 and of 10,000 pages.

    python bench/memory.py [--sizes 2000,10000] [--no-bare]

Each size is a feed of that many distinct article pages (the pages of
crawl_e2e.py, served from memory by a Twisted server in this process) crawled
into a fresh database: the first crawl, every article new. The crawl process's
peak resident set comes from its own rusage (ru_maxrss via os.wait4), checked
against Scrapy's memusage/max stat, and its resident set is sampled from /proc
every 0.25 s to show whether it climbs during the crawl. Bare Scrapy
(bench/bare_spider.py: no extraction, no pipelines) over the same feeds shows how
much of any growth is Scrapy's own (its scheduler holds every request the feed
yields). Target: the largest crawl's peak within 1.3x of the smallest's.

Note: the first crawl is the slowest path of the pipeline (see bench/README.md):
at 10,000 pages it takes several minutes before the recommended fixes.
"""
import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (BenchSite, DatabaseServer, PageSet, bare_crawl_command, bbc_crawl_command,  # noqa: E402
                    crawl_settings, machine_description, met, print_table, run_crawl, secantus_server)

TARGET_GROWTH = 1.3
MEMUSAGE = {"MEMUSAGE_CHECK_INTERVAL_SECONDS": 1}  # Scrapy's default of 60 s leaves memusage/max at startup


def rss_at(samples: list, fraction: float) -> float | None:
    """Resident set (MB) at this fraction of the crawl's run time."""
    if not samples:
        return None
    end = samples[-1][0]
    for at, rss in samples:
        if at >= fraction * end:
            return rss / 1024
    return samples[-1][1] / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,10000", help="pages per crawl (default 2000,10000)")
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS and per domain (default 16)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare Scrapy crawls")
    parser.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI", ""),
                        help="use this server (default $MONGO_URI; empty: start a secantusdb server)")
    parser.add_argument("--log-dir", default=None, help="where crawl logs go (default: a temporary folder)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    log_dir = Path(args.log_dir or tempfile.mkdtemp(prefix="bench-memory-"))
    print(f"machine: {machine_description()}")

    pages = PageSet(max(sizes))
    site = BenchSite(pages).start()
    results = []
    server = contextlib.nullcontext(DatabaseServer(args.mongo_uri)) if args.mongo_uri else secantus_server()
    try:
        with server as db:
            print(f"site {site.base_url} ({len(pages.templates)} fixture pages); database {db.uri}; logs in {log_dir}")
            for size in sizes:
                feed_url = site.add_feed(size)
                if not args.no_bare:
                    results.append(("bare", size, run_crawl(f"bare {size}", bare_crawl_command(
                        feed_url, crawl_settings(args.concurrency, args.concurrency, extra=MEMUSAGE)), log_dir)))
                database = f"bench_memory_{size}"
                from pymongo import MongoClient
                with MongoClient(db.uri) as client:
                    client.drop_database(database)
                results.append(("bbc", size, run_crawl(f"bbc {size}", bbc_crawl_command(feed_url, crawl_settings(
                    args.concurrency, args.concurrency, db.uri, database, extra=MEMUSAGE)),
                    log_dir, db)))
                if args.mongo_uri:
                    with MongoClient(db.uri) as client:
                        client.drop_database(database)
                kind, _, result = results[-1]
                print(f"  {kind} {size}: peak {result.maxrss_kb / 1024:.0f} MB in {result.wall_seconds:.0f} s",
                      flush=True)
    finally:
        site.stop()

    print()
    print_table(["crawl", "pages", "elapsed s", "pages/s", "peak RSS MB (rusage)", "memusage/max MB",
                 "memusage/startup MB", "RSS 25% MB", "RSS 50% MB", "RSS 75% MB", "RSS end MB"],
                [[f"{kind} {size}", r.pages, r.elapsed, r.pages_per_second, r.maxrss_kb / 1024,
                  r.stat("memusage/max") / 2**20, r.stat("memusage/startup") / 2**20,
                  rss_at(r.rss_samples, 0.25), rss_at(r.rss_samples, 0.5), rss_at(r.rss_samples, 0.75),
                  rss_at(r.rss_samples, 1.0)] for kind, size, r in results])

    def growth(kind: str) -> float | None:
        peaks = {size: r.maxrss_kb for k, size, r in results if k == kind}
        return peaks[max(sizes)] / peaks[min(sizes)] if len(peaks) > 1 else None

    bbc = {size: r for kind, size, r in results if kind == "bbc"}
    bbc_growth, bare_growth = growth("bbc"), growth("bare")
    ok = bbc_growth is not None and bbc_growth <= TARGET_GROWTH
    print("\nsummary: peak RSS of the bbc crawl: " + ", ".join(
        f"{size} pages {r.maxrss_kb / 1024:.0f} MB" for size, r in sorted(bbc.items()))
          + (f"; {max(sizes)}/{min(sizes)} = {bbc_growth:.2f}x (target <= {TARGET_GROWTH}x: {met(ok)})"
             if bbc_growth else "")
          + (f"; bare Scrapy {bare_growth:.2f}x" if bare_growth else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
