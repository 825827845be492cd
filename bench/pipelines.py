"""The item pipelines alone: NormalisePipeline + RevisionPipeline, no crawl.

    python bench/pipelines.py [--items 2000] [--changed 200]

Article items are extracted beforehand from the same pages crawl_e2e.py serves
(fixture pages, a numbered sentence in each), then go through the pipelines,
built as Scrapy builds them (get_crawler, from_crawler, open_spider,
process_item), in three phases over one database:

- new: --items articles into an empty database;
- unchanged: the same items again;
- changed: --changed of them with the numbered sentence edited.

Every database command is counted and timed with a pymongo CommandListener
registered globally (pymongo.monitoring.register) before the pipeline opens
its client, so the round trips per item and the time spent waiting for the
server show. Runs against a secantusdb server started here and, when MONGO_URI
is set (or --mongo-uri given), also against that server (database
--database, dropped before and after).
Target: the unchanged path makes at most one database round trip per article.
"""
import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pymongo.monitoring  # noqa: E402
from common import (PageSet, article_fields, feed_pipelines, machine_description, met, open_pipelines,  # noqa: E402
                    print_table, secantus_server)

TARGET_ROUND_TRIPS = 1.05  # one read; writes batched 20 or more at a time count as their share


class CommandCounter(pymongo.monitoring.CommandListener):
    """Counts and times the commands sent while `active`, by command name and collection."""

    def __init__(self):
        self.active = False
        self.counts = Counter()
        self.micros = Counter()
        self._names = {}

    def reset(self):
        self.counts.clear()
        self.micros.clear()

    def started(self, event):
        if self.active:
            key = command_shape(event.command_name, event.command)
            self._names[event.request_id] = key
            self.counts[key] += 1

    def succeeded(self, event):
        key = self._names.pop(event.request_id, None)
        if key:
            self.micros[key] += event.duration_micros

    def failed(self, event):
        self.succeeded(event)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def seconds(self) -> float:
        return sum(self.micros.values()) / 1e6


def command_shape(name: str, command: dict) -> str:
    """'update articles {_id,$or} {$set,$inc,$unset}': command, collection, filter keys, update operators."""
    collection = command.get(name)
    key = f"{name} {collection}" if isinstance(collection, str) else name
    if name == "find":
        key += " {" + ",".join(command.get("filter", {})) + "}" + (" sort" if command.get("sort") else "")
    elif name == "update" and command.get("updates"):
        update = command["updates"][0]
        key += " {" + ",".join(update.get("q", {})) + "} {" + ",".join(update.get("u", {})) + "}"
        key += " upsert" if update.get("upsert") else ""
    elif name == "aggregate":
        key += " " + ",".join(next(iter(stage)) for stage in command.get("pipeline", []))
    return key


COUNTER = CommandCounter()
pymongo.monitoring.register(COUNTER)  # before any client exists


@dataclass
class Phase:
    name: str
    items: int
    seconds: float
    normalise_seconds: float
    revision_seconds: float
    commands: Counter
    command_micros: Counter
    outcomes: Counter = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.items / self.seconds

    @property
    def round_trips(self) -> float:
        return sum(self.commands.values()) / self.items

    @property
    def db_seconds(self) -> float:
        return sum(self.command_micros.values()) / 1e6


def outcome_counts(revisions) -> Counter:
    """The pipeline's outcome counters so far (newscrawler/articles/..., newscrawler/checks/...)."""
    return Counter({key.removeprefix("newscrawler/"): count for key, count in revisions.stats.get_stats().items()
                    if key.startswith(("newscrawler/articles/", "newscrawler/checks/"))})


def run_phase(name: str, normalise, revisions, fields: list[dict]) -> Phase:
    before = outcome_counts(revisions)
    normalise_seconds = revision_seconds = 0.0
    COUNTER.reset()
    COUNTER.active = True
    start = time.perf_counter()
    for _item, _result, in_normalise, in_revisions in feed_pipelines(normalise, revisions, fields):
        normalise_seconds += in_normalise
        revision_seconds += in_revisions
    seconds = time.perf_counter() - start
    COUNTER.active = False
    return Phase(name, len(fields), seconds, normalise_seconds, revision_seconds,
                 Counter(COUNTER.counts), Counter(COUNTER.micros), outcome_counts(revisions) - before)


def run_same_page_phase(revisions, fields: list[dict]) -> Phase:
    """Checks of pages the spider recognised by their bytes (CheckItem "unchanged"),
    through RevisionPipeline.process_item as Scrapy calls it; NormalisePipeline passes them by."""
    import asyncio
    from datetime import datetime, timezone

    from newscrawler.items import UNCHANGED, CheckItem

    async def feed_all():
        seconds = 0.0
        for values in fields:
            check = CheckItem(article_id=values["article_id"], url=values["url"], source=values["source"],
                              outcome=UNCHANGED, fetched_at=datetime.now(timezone.utc), http_status=200,
                              page_hash="bench", interval_seconds=1800.0)
            started = time.perf_counter()
            await revisions.process_item(check)
            seconds += time.perf_counter() - started
        return seconds

    COUNTER.reset()
    COUNTER.active = True
    start = time.perf_counter()
    before = outcome_counts(revisions)
    revision_seconds = asyncio.run(feed_all())
    revisions.store.flush_checks()  # the last batch is part of the work
    seconds = time.perf_counter() - start
    COUNTER.active = False
    return Phase("unchanged page", len(fields), seconds, 0.0, revision_seconds,
                 Counter(COUNTER.counts), Counter(COUNTER.micros), outcome_counts(revisions) - before)


def bench_server(label: str, uri: str, database: str, new: list[dict], changed: list[dict]) -> list[Phase]:
    from pymongo import MongoClient
    with MongoClient(uri) as client:
        client.drop_database(database)
    normalise, revisions = open_pipelines(uri, database)
    try:
        phases = [run_phase("new", normalise, revisions, new),
                  run_phase("unchanged", normalise, revisions, new),
                  run_same_page_phase(revisions, new),
                  run_phase("changed", normalise, revisions, changed)]
    finally:
        revisions.close_spider()
        with MongoClient(uri) as client:
            client.drop_database(database)
    print(f"\n{label} ({uri}, database {database!r})")
    print_table(["phase", "items", "seconds", "items/s", "ms/item", "normalise ms", "revision ms",
                 "db wait ms", "round trips/item", "outcomes"],
                [[p.name, p.items, p.seconds, p.per_second, 1000 * p.seconds / p.items,
                  1000 * p.normalise_seconds / p.items, 1000 * p.revision_seconds / p.items,
                  1000 * p.db_seconds / p.items, p.round_trips,
                  " ".join(f"{k}={v}" for k, v in sorted(p.outcomes.items()))] for p in phases])
    print("\ncommands per item, by command, collection, filter keys and update operators:")
    print_table(["phase", "command", "per item", "mean ms", "ms/item"],
                [[p.name, name, n / p.items, p.command_micros[name] / n / 1000, p.command_micros[name] / p.items / 1000]
                 for p in phases for name, n in sorted(p.commands.items(), key=lambda kv: -p.command_micros[kv[0]])])
    return phases


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000, help="articles (default 2000)")
    parser.add_argument("--changed", type=int, default=200, help="articles changed in the last phase (default 200)")
    parser.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI", ""),
                        help="also run against this server (default $MONGO_URI)")
    parser.add_argument("--database", default="bench_pipelines", help="database name (dropped before and after)")
    args = parser.parse_args(argv)
    print(f"machine: {machine_description()}")

    pages = PageSet(args.items)
    start = time.perf_counter()
    new = article_fields(pages, range(args.items))
    edited = pages.edit(min(1.0, args.changed / args.items), round_=1)
    changed = article_fields(pages, edited)
    print(f"{args.items} items extracted from {len(pages.templates)} fixture pages in "
          f"{time.perf_counter() - start:.1f} s (not timed below); {len(changed)} of them edited")

    servers = []
    with secantus_server() as db:
        servers.append(("secantusdb", bench_server("secantusdb started here", db.uri, args.database, new, changed)))
    if args.mongo_uri:
        servers.append(("MONGO_URI", bench_server("MONGO_URI", args.mongo_uri, args.database, new, changed)))

    parts, ok = [], True
    for label, phases in servers:
        by_name = {p.name: p for p in phases}
        trips = by_name["unchanged"].round_trips
        ok = ok and trips <= TARGET_ROUND_TRIPS
        same_page = by_name["unchanged page"]
        parts.append(f"{label}: new {by_name['new'].per_second:.0f}/s, unchanged {by_name['unchanged'].per_second:.0f}/s, "
                     f"unchanged page (same bytes) {same_page.per_second:.0f}/s, "
                     f"changed {by_name['changed'].per_second:.0f}/s items; unchanged path {trips:.2f} round trips/item "
                     f"(compared in full), {same_page.round_trips:.2f} (same bytes)")
    print(f"\nsummary: {'; '.join(parts)}; target <= 1 round trip per unchanged article (<= {TARGET_ROUND_TRIPS} with batched writes): "
          f"{met(ok)}" + ("" if args.mongo_uri else "; no MONGO_URI given, secantusdb only"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
