"""`newscrawler reextract` (`scrapy crawl reextract`): the current extractors over the stored pages.

It is a crawl without downloads: the spider reads stored captures instead of
fetching, and sends what the current code reads in them through the crawl's
own item pipelines, so versions and change records are stored by the revision
pipeline's own logic, and nothing else writes them.

- A capture whose extraction failed (`extraction_failures`) and that the code
  running now can read becomes the item it would have been, with its original
  fetch time: for each article in the order of fetch time, one at a time, so
  that versions are numbered in that order. A capture fetched after the
  article's latest version becomes the next version (or an unchanged check, if
  the text is the latest version's); one fetched before the latest version
  cannot be numbered into the middle of the history: the pipeline drops it as
  stale, and what the current code reads in it is recorded on the failure only
  (`reextracted.outcome` "before_latest"). Such items record no check: the
  fetch happened long ago.
- Without `--failed`, every version's capture read by other code than today's
  is read again too, and what today's code reads is recorded on the revision
  (`reextracted`), never as a new version.

The data says what is done: a failure records the code version that read it
again (`reextracted.code`), a revision its `reextracted.extractor`, and what
was read by the current code is skipped. Interrupted at any point, a run
resumes where it stopped; a version stored just before an interruption and its
failure read again compare as unchanged, never a second version.
"""
from collections import Counter
from datetime import datetime

from scrapy.crawler import CrawlerProcess

from newscrawler.spiders.reextract import ReextractSpider


def run_reextraction(settings, out, source: str | None = None, since: datetime | None = None,
                     failed_only: bool = False, limit: int | None = None) -> int:
    """Run the reextract crawl and say what it did; the exit status."""
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(ReextractSpider)
    process.crawl(crawler, source=source or "", since=since.isoformat() if since else "",
                  failed="1" if failed_only else "", limit=str(limit) if limit else "")
    process.start()
    for line in report(crawler.stats):
        print(line, file=out)
    stats = crawler.stats
    failed = stats.get_value("finish_reason") != "finished" or stats.get_value("newscrawler/reextraction/unreadable")
    return 1 if failed else 0


def report(stats) -> list[str]:
    value = lambda key: stats.get_value(f"newscrawler/reextraction/{key}", 0)  # noqa: E731
    outcomes = Counter({key.rsplit("/", 1)[1]: count for key, count in stats.get_stats().items()
                        if key.startswith("newscrawler/reextraction/failures/")})
    elapsed = stats.get_value("elapsed_time_seconds") or 0
    read = value("failures_read") + value("versions_read")
    lines = [
        f"Read {read} stored page(s) again in {elapsed:.1f} s"
        + (f" ({read / elapsed:.0f} per second)" if elapsed and read else "")
        + f"; {value('skipped')} already read by today's code, skipped; {value('unreadable')} unreadable.",
        f"Failed extractions: {value('failures_read')} read; {outcomes['new']} became new articles, "
        f"{outcomes['changed']} new versions with change records, {outcomes['unchanged']} the latest version's "
        f"text, {outcomes['before_latest']} fetched before the latest version (recorded as re-extractions only), "
        f"{outcomes['failed'] + outcomes['not_article']} still not readable.",
    ]
    if value("versions_read"):
        lines.append(f"Versions: {value('versions_read')} read again and recorded, "
                     f"{value('versions_unreadable_now')} that today's code cannot read.")
    other = {key: count for key, count in outcomes.items()
             if key not in ("new", "changed", "unchanged", "before_latest", "failed", "not_article")}
    if other:
        lines.append("Other outcomes: " + ", ".join(f"{key} {count}" for key, count in sorted(other.items())))
    return lines
