"""End to end: `scrapy crawl bbc` against a local site, compared with bare Scrapy.

    python bench/crawl_e2e.py [--pages 2000] [--edited 0.10] [--concurrency 16] [--spider feed]

A Twisted server in this process serves an RSS feed of N distinct article pages
made from tests/fixtures/bbc/pages (a numbered sentence in each). Crawls, each a
`scrapy crawl` subprocess with the same settings (no delay, no robots.txt):

- bare: bench/bare_spider.py, the same feed and pages, no extraction, no pipelines
  (run first and last; their mean is the reference);
- extract only: the bbc spider with ITEM_PIPELINES={} (extraction, no database);
- run 1: the bbc spider into an empty database; run 2: the same pages again,
  unchanged; run 3: again with a fraction of the pages edited; run 2b: the
  same text again, but every page in new bytes (a comment), as pages with a
  per-request token are: nothing can be known without extracting. Run 2b has
  no target; it shows the cost of a page that cannot be recognised by its bytes.

With --spider feed, the crawls are `scrapy crawl feed -a feeds=URL -a
source=benchnews` instead: the same pages, read by the general extractor (the
site's host belongs to no registered source), each template checked with it.

Pages per second come from each crawl's own stats: article responses (all
responses but the feed's) / elapsed_time_seconds. CPU seconds are those of the
crawl process, the database server (when this script started it) and the site
server thread. Target: run 2 and run 3 at least 0.7 of bare Scrapy's pages/s.
With MONGO_URI set (or --mongo-uri), that server is used instead of a fresh
secantusdb; the database named by --database is dropped first.
"""
import argparse
import contextlib
import os
import statistics
import sys
import tempfile
from pathlib import Path
from unittest.mock import patch

from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import (BenchSite, DatabaseServer, PageSet, bare_crawl_command, bbc_crawl_command,  # noqa: E402
                    crawl_settings, load_templates, machine_description, met, print_table, run_crawl,
                    secantus_server)
from newscrawler.extraction import ExtractedArticle, ExtractionError, extract  # noqa: E402
from newscrawler.sources.generic import generic_source  # noqa: E402

FEED_SOURCE_NAME = "benchnews"

TARGET_RATIO = 0.7


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages in the feed (default 2000)")
    parser.add_argument("--edited", type=float, default=0.10, help="fraction edited before run 3 (default 0.10)")
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS (default 16)")
    parser.add_argument("--per-domain", type=int, default=None,
                        help="CONCURRENT_REQUESTS_PER_DOMAIN (default: same as --concurrency)")
    parser.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI", ""),
                        help="use this MongoDB server (default $MONGO_URI; empty: start a secantusdb server)")
    parser.add_argument("--database", default="bench_e2e", help="database name (dropped first)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra Scrapy setting for every crawl, bare ones included (repeatable)")
    parser.add_argument("--no-extract-only", action="store_true", help="skip the extraction-only crawl")
    parser.add_argument("--profile", metavar="DIR",
                        help="write a cProfile of runs 1-3 into DIR (slows them: figures are then not comparable)")
    parser.add_argument("--py-spy", action="store_true",
                        help="with --profile, sample runs 1-3 with py-spy (pip install py-spy) into DIR/runN.txt instead")
    parser.add_argument("--log-dir", default=None, help="where crawl logs go (default: a temporary folder)")
    parser.add_argument("--spider", choices=("bbc", "feed"), default="bbc",
                        help="bbc (default), or feed: `scrapy crawl feed -a source=benchnews`, the general extractor")
    return parser.parse_args(argv)


def feed_crawl_command(feed_url: str, settings: list[str]) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "feed", "-a", f"feeds={feed_url}", "-a",
            f"source={FEED_SOURCE_NAME}", "-a", "recheck=none", *settings]


def page_set(count: int, spider: str) -> PageSet:
    """The benchmark pages. For the feed spider, common.load_templates checks each
    template with the general extractor instead of the bbc source, and leaves
    out the fixture pages that it refuses (the video page)."""
    if spider == "bbc":
        return PageSet(count)
    with patch.object(common, "BBC", generic_source(FEED_SOURCE_NAME)), patch.object(common, "extract", _read_or_empty):
        return PageSet(count, load_templates())


def _read_or_empty(url, body, content_type, *, source) -> ExtractedArticle:
    try:
        return extract(url, body, content_type, source=source)
    except ExtractionError:
        return ExtractedArticle(headline="", body=[])


@contextlib.contextmanager
def database(uri: str, name: str):
    from pymongo import MongoClient
    if uri:
        server = contextlib.nullcontext(DatabaseServer(uri))
    else:
        server = secantus_server()
    with server as db:
        with MongoClient(db.uri) as client:
            client.drop_database(name)
        yield db


def profiled(command: list[str], profile_dir: str | None, label: str, py_spy: bool = False) -> list[str]:
    if not profile_dir:
        return command
    Path(profile_dir).mkdir(parents=True, exist_ok=True)
    if py_spy:
        out = Path(profile_dir) / f"{label}.txt"
        return ["py-spy", "record", "--gil", "--rate", "200", "--format", "raw", "--output", str(out), "--", *command]
    return [command[0], "-m", "cProfile", "-o", str(Path(profile_dir) / f"{label}.prof"), *command[1:]]


def main(argv=None) -> int:
    args = parse_args(argv)
    per_domain = args.per_domain or args.concurrency
    extra = dict(setting.split("=", 1) for setting in args.set)
    log_dir = Path(args.log_dir or tempfile.mkdtemp(prefix="bench-e2e-"))
    print(f"machine: {machine_description()}")
    if extra:
        print(f"extra settings on every crawl: {extra}")
    pages = page_set(args.pages, args.spider)
    spider_command = feed_crawl_command if args.spider == "feed" else bbc_crawl_command
    site = BenchSite(pages).start()
    results = []

    def crawl(label, command, db=None):
        result = run_crawl(label, command, log_dir, db)
        results.append(result)
        print(f"  {label}: {result.pages} pages in {result.elapsed:.2f} s = {result.pages_per_second:.1f} pages/s",
              flush=True)
        return result

    try:
        with database(args.mongo_uri, args.database) as db:
            print(f"site {site.feed_url}: {args.pages} pages from {len(pages.templates)} fixture pages; "
                  f"spider {args.spider}; "
                  f"database {db.uri} {args.database!r}; concurrency {args.concurrency}/{per_domain}; "
                  f"logs in {log_dir}")
            plain = crawl_settings(args.concurrency, per_domain, extra=extra)
            stored = crawl_settings(args.concurrency, per_domain, db.uri, args.database, extra=extra)
            bare = [crawl("bare A", bare_crawl_command(site.feed_url, plain))]
            extract_only = None
            if not args.no_extract_only:
                # its own empty database: the spider looks up what is known of the feed's articles
                with MongoClient(db.uri) as client:
                    client.drop_database(args.database + "_extract_only")
                extract_only = crawl("extract only", spider_command(site.feed_url, crawl_settings(
                    args.concurrency, per_domain, db.uri, args.database + "_extract_only",
                    extra={**extra, "ITEM_PIPELINES": "{}"})))
            run1 = crawl("run 1 new", profiled(spider_command(site.feed_url, stored), args.profile, "run1", args.py_spy), db)
            run2 = crawl("run 2 unchanged",
                         profiled(spider_command(site.feed_url, stored), args.profile, "run2", args.py_spy), db)
            edited = pages.edit(args.edited, round_=1)
            run3 = crawl(f"run 3 {args.edited:.0%} edited",
                         profiled(spider_command(site.feed_url, stored), args.profile, "run3", args.py_spy), db)
            site.vary_bytes = True
            run2b = crawl("run 2b same text, new bytes", spider_command(site.feed_url, stored), db)
            site.vary_bytes = False
            bare.append(crawl("bare B", bare_crawl_command(site.feed_url, plain)))
    finally:
        site.stop()

    reference = statistics.fmean(r.pages_per_second for r in bare)
    spider_only = extract_only.pages_per_second if extract_only else None
    print()
    print_table(
        ["crawl", "pages", "elapsed s", "pages/s", "x bare", "x extract only", "crawl CPU s", "CPU/elapsed", "db CPU s",
         "site CPU s", "peak RSS MB", "new", "unchanged", "changed"],
        [[r.label, r.pages, r.elapsed, r.pages_per_second, r.pages_per_second / reference,
          r.pages_per_second / spider_only if spider_only else None, r.cpu_seconds,
          f"{r.cpu_seconds / r.elapsed:.0%}" if r.elapsed else None, r.db_cpu_seconds, r.site_cpu_seconds,
          r.maxrss_kb / 1024, r.stat("newscrawler/articles/new", None),
          r.stat("newscrawler/articles/unchanged", None), r.stat("newscrawler/articles/changed", None)]
         for r in results])

    problems = []
    if run1.stat("newscrawler/articles/new") != args.pages:
        problems.append(f"run 1 stored {run1.stat('newscrawler/articles/new')} new articles, not {args.pages}")
    if run2.stat("newscrawler/articles/unchanged") != args.pages:
        problems.append(f"run 2 found {run2.stat('newscrawler/articles/unchanged')} unchanged, not {args.pages}")
    if run3.stat("newscrawler/articles/changed") != len(edited):
        problems.append(f"run 3 found {run3.stat('newscrawler/articles/changed')} changed, not {len(edited)}")
    if run2b.stat("newscrawler/articles/unchanged") != args.pages or run2b.stat("newscrawler/pages/same_as_stored", 0):
        problems.append(f"run 2b found {run2b.stat('newscrawler/articles/unchanged')} unchanged, not {args.pages}, "
                        f"{run2b.stat('newscrawler/pages/same_as_stored', 0)} by their bytes, not 0")
    for problem in problems:
        print(f"CHECK FAILED: {problem}")

    ratios = {name: r.pages_per_second / reference for name, r in (("run1", run1), ("run2", run2), ("run3", run3))}
    ok = ratios["run2"] >= TARGET_RATIO and ratios["run3"] >= TARGET_RATIO
    print(f"\nsummary: bare {reference:.0f} pages/s; run 1 (new) {run1.pages_per_second:.0f} pages/s "
          f"= {ratios['run1']:.2f}x; run 2 (unchanged) {run2.pages_per_second:.0f} pages/s = {ratios['run2']:.2f}x; "
          f"run 3 ({args.edited:.0%} edited) {run3.pages_per_second:.0f} pages/s = {ratios['run3']:.2f}x; "
          f"target run 2 and run 3 >= {TARGET_RATIO}x bare: {met(ok)}; "
          f"run 2b (same text, new bytes) {run2b.pages_per_second:.0f} pages/s = "
          f"{run2b.pages_per_second / reference:.2f}x"
          + (f"; extract only ({args.spider} spider, no pipelines) {spider_only:.0f} pages/s = {spider_only / reference:.2f}x bare, "
             f"runs 2/3 = {run2.pages_per_second / spider_only:.2f}x/{run3.pages_per_second / spider_only:.2f}x of it"
             if spider_only else "")
          + (f"; {len(problems)} CHECK(S) FAILED" if problems else ""))
    return 0 if ok and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
