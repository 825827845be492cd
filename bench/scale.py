"""Costs at the sizes users reach: 10,000 to 1,000,000 tracked articles.

    python bench/scale.py --sizes 10000,100000,1000000 [--reuse] [--repeat 15]
    python bench/scale.py --sizes 1000000 --populate-only --reuse

For each size N a database `scale_<N>` on one secantusdb server (data kept in
--data-dir, /work/scale-data by default) is populated by bulk writes with N
tracked articles as a crawl at News Sniffer's schedule leaves them: new
articles arrive at a constant rate (--rate a day, so the archive of N articles
spans N / rate days), each has 1 to 5 versions (a revision and, from the
second on, a change record made by the project's own diff) with text from the
fixture pages, and its tracking state follows from its age: active with its
next check where the schedule puts it (those due in the last 20 minutes are
due now), stopped once the back-off passed 40 days, gone (a removed version),
or moved. With --reuse a database already populated for that size is used
again.

Then every operation in OPERATIONS runs --repeat times (after warm-up runs:
warm cache) on random articles and the median time is printed, by size, with
its growth from the smallest size to the largest, and the index the server's
`explain` says each of its database commands uses. Operations go through the
project's own code (RevisionStore, the revision pipeline, the CLI's commands,
the web view as a WSGI application called in this process); the queries that
README.md documents in mongosh/pymongo form run as written there, with
pymongo. Ends with bytes on disk per article and one line:
`summary: largest N, worst growth G× (operation)`.
"""
import argparse
import hashlib
import io
import itertools
import json
import math
import queue
import random
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pymongo.monitoring  # noqa: E402

from common import machine_description, print_table, secantus_server  # noqa: E402
from tests.plans import CommandRecorder, plans_of  # noqa: E402

RECORDER = CommandRecorder()
pymongo.monitoring.register(RECORDER)  # before any client exists

from pymongo import DESCENDING, MongoClient, WriteConcern  # noqa: E402

from newscrawler.schedule import ACTIVE, GONE, MOVED, STATUS_REASONS, STOPPED, Schedule  # noqa: E402
from newscrawler.storage import INDEXES, RevisionStore  # noqa: E402

DATA_DIR = Path("/work/scale-data")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
RATE_PER_DAY = 3000  # new articles a day: "a few thousand"
SEED = 20261125
FORMAT = 1  # of the populated data: a database of another format is populated again
SCHEDULE = Schedule()
RUN_EVERY = timedelta(minutes=20)  # checks scheduled in the last 20 minutes are still due
SOURCES = [("bbc", 0.5), ("guardian", 0.3), ("washingtonpost", 0.2)]
VERSION_WEIGHTS = [(1, 0.55), (2, 0.2), (3, 0.12), (4, 0.08), (5, 0.05)]
GONE_SHARE, MOVED_SHARE = 0.02, 0.005
BATCH_ARTICLES = 250  # articles a bulk write batch; see bench/README.md for how it was chosen
UNBOUNDED_UP_TO = 10_000  # the queries README documented before are measured at this size (at 100,000 they pass the client timeout)
SAMPLE_SIZE = 3000  # article ids kept in the meta document, for operations to pick from


# ------------------------------------------------------------------ the schedule's check times

def checks_until_stopped(schedule: Schedule = SCHEDULE) -> int:
    """Quiet checks after a change until the interval passes the stop bound."""
    interval, checks = schedule.initial, 0
    while True:
        checks += 1
        interval = interval * schedule.backoff
        if interval > schedule.stop_after:
            return checks


def check_offset(j: int, schedule: Schedule = SCHEDULE) -> timedelta:
    """When the j-th check after a change falls, from the change (j >= 0)."""
    b = schedule.backoff
    return schedule.initial * ((b ** j - 1) / (b - 1))


STOP_CHECKS = checks_until_stopped()
ACTIVE_LIFE = check_offset(STOP_CHECKS)


def checks_done(elapsed: timedelta) -> int:
    """Checks made since the change, `elapsed` ago (at most STOP_CHECKS)."""
    if elapsed <= timedelta(0):
        return 0
    b = SCHEDULE.backoff
    j = int(math.log(elapsed / SCHEDULE.initial * (b - 1) + 1, b))
    while j + 1 <= STOP_CHECKS and check_offset(j + 1) <= elapsed:
        j += 1
    while j > 0 and check_offset(j) > elapsed:
        j -= 1
    return min(j, STOP_CHECKS)


# ------------------------------------------------------------------ texts

@dataclass
class Template:
    """A fixture article's text in five versions, with the change records between them."""
    headline: list[str]
    byline: str | None
    bodies: list[list[str]]
    changes: list[dict]  # changes[k]: from version k+1 to k+2
    removals: list[dict]  # removals[k]: from version k+1 to a removed version


def edited(text: str, n: int) -> str:
    words = text.split()
    if len(words) > 4:
        words[len(words) // 2] = ["officials", "ministers", "critics", "several"][n % 4]
    return " ".join(words)


# The edits of each variant, version by version: (paragraph op, headline edited)
VARIANTS = [
    [("edit", False), ("append", False), ("edit", True), ("remove", False)],
    [("edit", True), ("remove", False), ("insert", False), ("edit", False)],
    [("append", False), ("one_word", False), ("remove2", False), ("edit", True)],
]


def next_version(headline: str, body: list[str], edit: str, edit_headline: bool, k: int) -> tuple[str, list[str]]:
    body = list(body)
    at = 1 + (3 * k) % max(1, len(body) - 1)
    if edit == "edit":
        body[at] = edited(body[at], k) + " The statement was later updated."
    elif edit == "one_word":
        body[at] = edited(body[at], k + 1)
    elif edit == "append":
        body.append(f"This article was updated with further reporting ({k}).")
    elif edit == "insert":
        body.insert(at, "A spokesperson said the figures would be reviewed in the coming weeks.")
    elif edit == "remove" and len(body) > 3:
        del body[at]
    elif edit == "remove2" and len(body) > 4:
        del body[at:at + 2]
    if edit_headline:
        headline = edited(headline, k) if len(headline.split()) > 4 else headline + ": latest"
    return headline, body


def as_dict(change) -> dict:
    from itemadapter import ItemAdapter
    return dict(ItemAdapter(change))  # as the pipeline stores it


def load_templates(limit: int | None = None) -> list[list[Template]]:
    """templates[t][variant] for every fixture article page with at least 5 blocks (the first `limit`)."""
    from pipelines.revisions import change_record
    from tests.conftest import FIXTURES, read_article
    templates = []
    for source, _ in SOURCES:
        for path in sorted((FIXTURES / source / "pages").iterdir()):
            try:
                page = read_article("https://example.invalid/article", path.read_bytes(), "text/html", source=source)
            except Exception:  # a live blog, a gallery: not an article
                continue
            if len(page.body) < 5:
                continue
            variants = []
            for variant in VARIANTS:
                headlines, bodies = [page.headline], [list(page.body)]
                for k, (edit, edit_headline) in enumerate(variant):
                    h, b = next_version(headlines[-1], bodies[-1], edit, edit_headline, k)
                    headlines.append(h)
                    bodies.append(b)
                revisions = [{"version": v + 1, "headline": h, "byline": page.byline, "body": b, "kind": "content"}
                             for v, (h, b) in enumerate(zip(headlines, bodies))]
                changes = [as_dict(change_record(dict(r, article_id="a", url="u", source=source, fetched_at=NOW),
                                              dict(s, article_id="a", url="u", source=source, fetched_at=NOW)))
                           for r, s in zip(revisions, revisions[1:])]
                removals = [as_dict(change_record(dict(r, article_id="a", url="u", source=source, fetched_at=NOW),
                                               {"version": r["version"] + 1, "headline": r["headline"], "body": [],
                                                "byline": None, "kind": "removed", "article_id": "a", "url": "u",
                                                "source": source, "fetched_at": NOW}))
                            for r in revisions]
                variants.append(Template(headlines, page.byline, bodies, changes, removals))
            templates.append(variants)
            if limit and len(templates) >= limit:
                return templates
    return templates


# ------------------------------------------------------------------ population

def article_url(source: str, n: int, when: datetime) -> str:
    slug = f"story-{n}"
    if source == "bbc":
        return f"https://www.bbc.co.uk/news/uk-{50_000_000 + n}"
    if source == "guardian":
        return f"https://www.theguardian.com/world/{when:%Y}/{when:%b}/{when:%d}/{slug}".lower()
    return f"https://www.washingtonpost.com/world/{when:%Y/%m/%d}/{slug}/"


def weighted(rng: random.Random, choices) -> object:
    x, total = rng.random(), 0.0
    for value, weight in choices:
        total += weight
        if x < total:
            return value
    return choices[-1][0]


def article_documents(n: int, size: int, rng: random.Random, templates) -> tuple[dict, list[dict], list[dict]]:
    """The article, its revisions and its change records, as the crawl stores them."""
    from pipelines.normalise import content_hash
    span = timedelta(days=size / RATE_PER_DAY)
    first_seen = NOW - span * rng.random()
    source = weighted(rng, SOURCES)
    url = article_url(source, n, first_seen)
    template = rng.choice(templates)[rng.randrange(len(VARIANTS))]
    sentence = f"Report {n} was filed from the newsroom. "
    # versions: each a few checks after the one before, none after now
    times = [first_seen]
    for _ in range(weighted(rng, VERSION_WEIGHTS) - 1):
        later = times[-1] + check_offset(rng.randint(1, 8))
        if later > NOW:
            break
        times.append(later)
    fate = rng.random()
    removed_at = times[-1] + check_offset(rng.randint(2, 20))
    gone = fate < GONE_SHARE and removed_at <= NOW
    moved = not gone and fate < GONE_SHARE + MOVED_SHARE
    revisions, changes = [], []
    for k, fetched_at in enumerate(times):
        body = list(template.bodies[k])
        body[0] = sentence + body[0]
        headline = f"{template.headline[k]} ({n})"
        revisions.append({
            "article_id": url, "url": url, "source": source, "headline": headline, "byline": template.byline,
            "published": first_seen, "modified": fetched_at, "body": body, "content_hash": content_hash(headline, body),
            "fetched_at": fetched_at, "feed_url": f"https://feeds.example.invalid/{source}.xml", "http_status": 200,
            "etag": None, "last_modified": None, "version": k + 1, "kind": "content",
            "text_length": sum(map(len, body)), "reverts_to": None,
        })
        if k:
            changes.append(change_of(template.changes[k - 1], revisions[-2], revisions[-1]))
    if gone:
        last = revisions[-1]
        revisions.append({**last, "version": last["version"] + 1, "kind": "removed", "body": [], "text_length": 0,
                          "content_hash": "removed", "fetched_at": removed_at, "http_status": 404, "byline": None})
        changes.append(change_of(template.removals[len(times) - 1], last, revisions[-1]))
    latest = revisions[-1]
    article = {
        "_id": url, "url": url, "source": source, "first_seen": first_seen, "version": latest["version"],
        "kind": latest["kind"], "headline": latest["headline"], "content_hash": latest["content_hash"],
        "text_length": latest["text_length"], "last_changed": latest["fetched_at"], "changes": len(changes),
        "held_hash": None, "last_http_status": 200,
        **tracking_state(latest["fetched_at"], len(revisions), gone, moved, rng),
    }
    article["tallied"], article["tallied_versions"] = article["status"], article["version"]  # in the tallies
    if moved:
        article["moved_to"] = article_url(source, n + 10_000_000, first_seen)
    if article["status"] in (ACTIVE, STOPPED) and article["last_check_result"] == "unchanged":
        article["page_hash"] = hashlib.sha256(f"page {n}".encode()).hexdigest()
        article["etag"] = f'"{n:x}"'
    return article, revisions, changes


def change_of(record: dict, old: dict, new: dict) -> dict:
    return {**record, "article_id": new["article_id"], "url": new["url"], "source": new["source"],
            "from_version": old["version"], "to_version": new["version"], "detected_at": new["fetched_at"],
            "old_headline": old["headline"], "new_headline": new["headline"]}


def tracking_state(changed_at: datetime, versions: int, gone: bool, moved: bool, rng: random.Random) -> dict:
    """Status, schedule and check counts of an article last changed at `changed_at`."""
    earlier_checks = (versions - 1) * 4  # quiet checks between versions, roughly
    if gone or moved:
        done = 0 if gone else min(STOP_CHECKS - 1, checks_done(NOW - changed_at))
        status = GONE if gone else MOVED
        return {"status": status, "status_reason": STATUS_REASONS[status], "next_check": None,
                "interval_seconds": SCHEDULE.initial.total_seconds() * SCHEDULE.backoff ** done,
                "checks": versions + earlier_checks + done, "last_checked": changed_at + check_offset(done),
                "last_check_result": "gone" if gone else "moved"}
    done = checks_done(NOW - RUN_EVERY - changed_at)
    interval = SCHEDULE.initial * SCHEDULE.backoff ** done
    state = {"interval_seconds": interval.total_seconds(), "checks": versions + earlier_checks + done,
             "last_checked": changed_at + check_offset(done),
             "last_check_result": "unchanged" if done else ("new" if versions == 1 else "changed")}
    if done >= STOP_CHECKS:
        return {**state, "status": STOPPED, "status_reason": STATUS_REASONS[STOPPED], "next_check": None}
    return {**state, "status": ACTIVE, "status_reason": None, "next_check": changed_at + check_offset(done + 1)}


def batches(size: int, templates, seed: int):
    """Lists of (article, revisions, changes) of BATCH_ARTICLES articles each."""
    rng = random.Random(seed)
    for start in range(0, size, BATCH_ARTICLES):
        yield [article_documents(n, size, rng, templates) for n in range(start, min(size, start + BATCH_ARTICLES))]


def populate(client: MongoClient, size: int, templates, name: str | None = None) -> dict:
    """Drop and fill database `name` (default scale_<size>); returns its meta document."""
    name = name or database_name(size)
    client.drop_database(name)
    db = client.get_database(name, write_concern=WriteConcern(w=1, j=False))
    for collection, indexes in INDEXES.items():
        for keys, options in indexes:
            db[collection].create_index(keys, **options)
    rng = random.Random(SEED + 1)
    made = queue.Queue(maxsize=4)

    def produce():  # documents are made in this thread while the server stores the last batch
        for batch in batches(size, templates, SEED + size):
            made.put(batch)
        made.put(None)

    threading.Thread(target=produce, daemon=True).start()
    start, counts, sample = time.perf_counter(), {"articles": 0, "revisions": 0, "changes": 0}, []
    tallies, versions = Counter(), Counter()  # (source, status) -> articles; source -> versions
    last_report = start
    while (batch := made.get()) is not None:
        articles = [a for a, _, _ in batch]
        revisions = [r for _, rs, _ in batch for r in rs]
        changes = [c for _, _, cs in batch for c in cs]
        rng.shuffle(revisions)  # versions of one article are written days apart, not side by side
        rng.shuffle(changes)
        db.articles.insert_many(articles, ordered=False)
        db.revisions.insert_many(revisions, ordered=False)
        if changes:
            db.changes.insert_many(changes, ordered=False)
        counts["articles"] += len(articles)
        counts["revisions"] += len(revisions)
        counts["changes"] += len(changes)
        for article in articles:
            tallies[(article["source"], article["status"])] += 1
            versions[article["source"]] += article["version"]
            keep = {key: article[key] for key in ("_id", "source", "status", "version", "kind", "next_check")}
            if len(sample) < SAMPLE_SIZE:
                sample.append(keep)
            elif rng.random() < SAMPLE_SIZE / counts["articles"]:
                sample[rng.randrange(SAMPLE_SIZE)] = keep
        if time.perf_counter() - last_report > 60 and size > 10_000:
            last_report = time.perf_counter()
            rate = counts["articles"] / (last_report - start)
            print(f"    {name}: {counts['articles']:,} articles ({rate:,.0f}/s, "
                  f"{(counts['articles'] + counts['revisions'] + counts['changes']) / (last_report - start):,.0f} "
                  f"documents/s)", flush=True)
    for source, _ in SOURCES:  # with the tallies settles would have made
        by_status = {status: n for (of, status), n in tallies.items() if of == source}
        db.sources.update_one({"_id": source}, {"$set": {"tallies": by_status, "versions": versions[source],
                                                         "tallied_since": NOW}}, upsert=True)
    seconds = time.perf_counter() - start
    meta = {"_id": "scale", "format": FORMAT, "size": size, "now": NOW, "rate_per_day": RATE_PER_DAY,
            "seconds": seconds, "counts": counts, "sample": sample}
    db.scale_meta.replace_one({"_id": "scale"}, meta, upsert=True)
    return meta


def database_name(size: int) -> str:
    return f"scale_{size}"


def populated(client: MongoClient, size: int) -> dict | None:
    meta = client[database_name(size)].scale_meta.find_one({"_id": "scale"})
    return meta if meta and meta.get("format") == FORMAT and meta.get("size") == size else None


# ------------------------------------------------------------------ operations

class Stopwatch:
    """Times the `with` blocks of one run of an operation, added up; `units`, if
    a run sets it, is what the time is divided by (the articles an answer holds)."""

    def __init__(self):
        self.seconds = 0.0
        self.units = None

    def __enter__(self):
        self._start = time.perf_counter()

    def __exit__(self, *exc):
        self.seconds += time.perf_counter() - self._start


@dataclass
class Context:
    """What operations work with: one database, the project's store on it, a sample of its articles."""
    uri: str
    name: str
    db: object  # pymongo Database, tz_aware
    store: RevisionStore
    meta: dict
    rng: random.Random
    pipelines: tuple | None = None
    counter: itertools.count = field(default_factory=itertools.count)
    view: object = None  # the web view, one per database as `newscrawler serve` runs one

    @property
    def sample(self) -> list[dict]:
        return self.meta["sample"]

    def pick(self, n: int = 1, **where) -> list[dict]:
        matching = [a for a in self.sample if all(a.get(k) == v for k, v in where.items())]
        return self.rng.sample(matching, min(n, len(matching)))

    def article_id(self, **where) -> str:
        return self.pick(1, **where)[0]["_id"]

    @cached_property
    def recent_ids(self) -> list[str]:
        """The articles that changed in the last two days, the ones a feed lists
        (about 6,000 at every size): read once, by the last_changed index."""
        window = {"last_changed": {"$gte": NOW - timedelta(days=2)}}
        return [a["_id"] for a in self.db.articles.find(window, {"_id": 1})]

    def changed_article_id(self) -> str:
        return self.rng.choice([a for a in self.sample if a["version"] >= 2 and a["kind"] == "content"])["_id"]

    def open_pipelines(self):
        if self.pipelines is None:
            from common import open_pipelines
            self.pipelines = open_pipelines(self.uri, self.name)
        return self.pipelines


@dataclass
class Operation:
    name: str
    group: str
    run: Callable  # run(ctx, stopwatch): times its work inside `with stopwatch:`
    per: int = 1  # the time is divided by this (ms per check of a batch of 100...)
    available: Callable = lambda ctx: True
    repeat: int | None = None  # timed runs, if not --repeat (the slow unbounded queries)


def timed_whole(function):
    def run(ctx, stopwatch):
        with stopwatch:
            function(ctx)
    return run


# Store operations of a crawl

def claim_due(ctx, stopwatch):
    source = ctx.rng.choice(["bbc", "guardian", "washingtonpost"])
    with stopwatch:
        claimed = ctx.store.claim_due(source, NOW, timedelta(minutes=15), 100)
    ctx.store.release_leases(claimed)  # so that the next run finds them due again


def known_pages(ctx, stopwatch, tracked_ids=None):
    """A feed's 100 entries: 70 tracked articles of the last two days, 30 new."""
    tracked = ctx.rng.sample(tracked_ids or ctx.recent_ids, 70)
    ids = tracked + [f"https://www.bbc.co.uk/news/uk-{90_000_000 + next(ctx.counter)}" for _ in range(30)]
    ctx.rng.shuffle(ids)
    with stopwatch:
        ctx.store.known_pages(ids)


def known_pages_any_age(ctx, stopwatch):
    """The same with tracked ids from the whole archive, which no feed lists:
    the cost of reading articles that are not in the server's cache."""
    known_pages(ctx, stopwatch, [a["_id"] for a in ctx.sample])


def unchanged_checks(ctx, stopwatch):
    """100 checks of pages in the bytes of their latest version (the spider's
    `unchanged` CheckItem): queued, then sent in one bulk write."""
    from newscrawler.items import UNCHANGED, CheckItem
    _, revisions = ctx.open_pipelines()
    checks = [CheckItem(article_id=a["_id"], url=a["_id"], source=a["source"], outcome=UNCHANGED,
                        fetched_at=NOW, http_status=200, page_hash="p", interval_seconds=1800.0)
              for a in ctx.pick(100, status=ACTIVE)]
    with stopwatch:
        for check in checks:  # as RevisionPipeline.process_item does for them
            if revisions._queue_unchanged_page(_adapter(check)):
                revisions._flush_checks()
        revisions.store.flush_checks()


def stopping_checks(ctx, stopwatch):
    """100 checks that end articles' tracking (`stopped`): sent in one bulk write,
    then counted in the status tallies (newscrawler.tallies); put back, untimed."""
    articles = ctx.pick(100, status=ACTIVE)

    def check_all(status: str) -> None:
        for article in articles:
            ctx.store.queue_check(article["_id"], {"status": status, "last_checked": NOW})
        ctx.store.flush_checks()

    with stopwatch:
        check_all(STOPPED)
    check_all(ACTIVE)


def _adapter(item):
    from itemadapter import ItemAdapter
    return ItemAdapter(item)


def latest_as_item(ctx, article_id: str, edit: str | None = None):
    """An ArticleItem with the latest revision's text (or an edit of it), as the spider makes it."""
    from newscrawler.items import ArticleItem
    latest = ctx.db.revisions.find_one({"article_id": article_id}, sort=[("version", DESCENDING)])
    body = list(latest["body"])
    if edit:
        body[-1] = body[-1] + " " + edit
    return ArticleItem(article_id=article_id, url=latest["url"], source=latest["source"], headline=latest["headline"],
                       byline=latest.get("byline"), published=latest.get("published"), modified=latest.get("modified"),
                       body=body, fetched_at=datetime.now(timezone.utc), feed_url=latest.get("feed_url"),
                       http_status=200)


def through_pipelines(ctx, stopwatch, items, expected: str):
    from pipelines.revisions import Handled
    normalise, revisions = ctx.open_pipelines()
    for item in items:
        with stopwatch:
            item = normalise.process_item(item)
            try:
                result = revisions.store_item(item)
            except Handled as outcome:  # unchanged, new...: the outcome of a check that is not a change
                result = outcome
        if type(result).__name__ != expected:
            raise RuntimeError(f"expected {expected}, got {type(result).__name__}: {result}")


def unchanged_in_full(ctx, stopwatch):
    """A page in new bytes with the latest version's text: extracted (not timed
    here), normalised, compared with the article's summary, its check queued."""
    ids = [a["_id"] for a in ctx.pick(20, status=ACTIVE, kind="content")]
    through_pipelines(ctx, stopwatch, [latest_as_item(ctx, i) for i in ids], "Unchanged")


def store_change(ctx, stopwatch):
    """A changed page: normalised, compared, diffed with the latest version, and
    stored (pending mark, revision, change record, summary)."""
    ids = [a["_id"] for a in ctx.pick(10, status=ACTIVE, kind="content")]
    items = [latest_as_item(ctx, i, edit=f"Correction {next(ctx.counter)} {time.time_ns()}.") for i in ids]
    through_pipelines(ctx, stopwatch, items, "ChangeItem")


def store_new(ctx, stopwatch):
    """A new article: version 1 and its summary."""
    template = ctx.db.revisions.find_one({"article_id": ctx.article_id(kind="content")})
    from newscrawler.items import ArticleItem
    items = []
    for _ in range(10):
        url = f"https://www.bbc.co.uk/news/uk-{80_000_000 + time.time_ns() % 10_000_000}-{next(ctx.counter)}"
        items.append(ArticleItem(article_id=url, url=url, source="bbc", headline=template["headline"],
                                 byline=template.get("byline"), body=[url] + template["body"],
                                 fetched_at=datetime.now(timezone.utc), feed_url=template.get("feed_url"),
                                 http_status=200))
    through_pipelines(ctx, stopwatch, items, "FirstRevision")


# Queries README.md documents, as written there (pymongo)

DAY_AGO = NOW - timedelta(days=1)


def readme_substantive(ctx):
    list(ctx.db.changes.find({"detected_at": {"$gte": DAY_AGO}, "classification.substantive": True})
         .sort("detected_at", -1).limit(20))


def readme_history(ctx):
    article_id = ctx.changed_article_id()
    ctx.db.articles.find_one({"_id": article_id})
    list(ctx.db.revisions.find({"article_id": article_id}, {"version": 1, "fetched_at": 1, "headline": 1})
         .sort("version", 1))


def readme_removed_last_day(ctx):
    list(ctx.db.changes.find({"detected_at": {"$gte": DAY_AGO}, "counts.removed": {"$gt": 0}},
                             {"url": 1, "to_version": 1, "paragraphs": {"$elemMatch": {"op": "removed"}}}))


def readme_headlines(ctx):
    list(ctx.db.changes.find({"detected_at": {"$gte": DAY_AGO}, "headline_changed": True},
                             {"old_headline": 1, "new_headline": 1, "detected_at": 1}).sort("detected_at", -1))


def readme_due_soon(ctx):
    return list(ctx.db.articles.find(
        {"source": "bbc", "status": "active", "next_check": {"$lte": NOW + timedelta(hours=1)}},
        {"next_check": 1, "headline": 1}).sort("next_check", 1))


def readme_due_soon_per_thousand(ctx, stopwatch):
    """The same query, per 1,000 articles of its answer, which grows with the
    archive: older articles are still checked, each at its longer interval, so
    more are due in any hour (2.2 times as many at 1,000,000 as at 10,000)."""
    with stopwatch:
        due = readme_due_soon(ctx)
    stopwatch.units = len(due) / 1000 or None


# The queries README.md documented before bench/scale.py (unbounded): kept to show why they changed

def unbounded_substantive(ctx):
    list(ctx.db.changes.find({"classification.substantive": True}).sort("detected_at", -1).limit(20))


def unbounded_active(ctx):
    list(ctx.db.articles.find({"status": "active"}, {"next_check": 1, "headline": 1}).sort("next_check", 1).limit(20))


# The CLI's commands and the web view's pages

def cli(argv_of):
    def run(ctx, stopwatch):
        from newscrawler.reading import cli as cli_module
        args = cli_module.build_parser().parse_args([str(a) for a in argv_of(ctx)])
        out = io.StringIO()
        with stopwatch:
            status = args.run(ctx.store, args, out)
        if status != 0:
            raise RuntimeError(f"newscrawler {' '.join(argv_of(ctx))}: exit {status}")
    return run


def web(path_of, needs: str | None = None):
    def run(ctx, stopwatch):
        from urllib.parse import urlsplit
        from wsgiref.util import setup_testing_defaults
        view = web_view(ctx)
        path = urlsplit(path_of(ctx))
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path.path, "QUERY_STRING": path.query}
        setup_testing_defaults(environ)
        statuses = []
        with stopwatch:
            body = b"".join(view(environ, lambda status, headers: statuses.append(status)))
        if not statuses[0].startswith("200") or not body:
            raise RuntimeError(f"GET {path_of(ctx)}: {statuses[0]}")

    def available(ctx):
        return needs is None or needs in web_view(ctx).routes
    return run, available


def web_view(ctx):
    """One view per database, kept between requests as a running server keeps it (its
    totals are counted in the background, at most once a minute)."""
    from newscrawler.reading.web import WebView
    if ctx.view is None:
        ctx.view = WebView(ctx.store, "http://127.0.0.1:8080", clock=lambda: NOW)
    return ctx.view


def web_operation(name: str, path_of, needs: str | None = None) -> Operation:
    run, available = web(path_of, needs)
    return Operation(name, "web view", run, available=available)


def has_store_method(name: str):
    return lambda ctx: hasattr(ctx.store, name)


SINCE_2H = (NOW - timedelta(hours=2)).isoformat()

OPERATIONS = [
    Operation("claim due re-checks (per 100)", "crawl", claim_due),
    Operation("known-page lookup (per 100 feed entries)", "crawl", known_pages),
    Operation("known-page lookup, ids of any age (per 100)", "crawl", known_pages_any_age),
    Operation("unchanged check, same bytes (per check)", "crawl", unchanged_checks, per=100),
    Operation("unchanged check, compared in full (per check)", "crawl", unchanged_in_full, per=20),
    Operation("check that stops an article, tallied (per check)", "crawl", stopping_checks, per=100,
              available=lambda ctx: hasattr(ctx.store, "tallies")),
    Operation("store a change (per change)", "crawl", store_change, per=10),
    Operation("store a new article (per article)", "crawl", store_new, per=10),
    Operation("README: latest 20 substantive changes of the day", "README query", timed_whole(readme_substantive)),
    Operation("README: one article's history", "README query", timed_whole(readme_history)),
    Operation("README: paragraphs removed in the last day", "README query", timed_whole(readme_removed_last_day)),
    Operation("README: headlines changed in the last day", "README query", timed_whole(readme_headlines)),
    Operation("README: BBC articles due within the hour", "README query", timed_whole(readme_due_soon)),
    Operation("README: BBC articles due within the hour (per 1,000 returned)", "README query",
              readme_due_soon_per_thousand),
    Operation("before: latest 20 substantive changes ever", "unbounded", timed_whole(unbounded_substantive),
              available=lambda ctx: ctx.meta["size"] <= UNBOUNDED_UP_TO, repeat=1),
    Operation("before: 20 active articles soonest due", "unbounded", timed_whole(unbounded_active),
              available=lambda ctx: ctx.meta["size"] <= UNBOUNDED_UP_TO, repeat=1),
    Operation("store: find_changes (50, substantive)", "store",
              timed_whole(lambda ctx: ctx.store.find_changes(substantive_only=True))),
    Operation("store: find_changes (50, one source, since 2h)", "store",
              timed_whole(lambda ctx: ctx.store.find_changes(source="guardian", since=NOW - timedelta(hours=2)))),
    Operation("store: version_list + change_summaries", "store",
              timed_whole(lambda ctx: (ctx.store.version_list(a := ctx.changed_article_id()),
                                       ctx.store.change_summaries(a)))),
    Operation("store: sources", "store", timed_whole(lambda ctx: ctx.store.sources())),
    # the reading side's newer store queries, measured once they exist
    Operation("store: list_articles (25)", "store", timed_whole(lambda ctx: ctx.store.list_articles(source="bbc")),
              available=has_store_method("list_articles")),
    Operation("store: search_articles (address prefix)", "store",
              timed_whole(lambda ctx: ctx.store.search_articles("https://www.bbc.co.uk/news/uk-5000")),
              available=has_store_method("search_articles")),
    Operation("store: search_articles (headline words)", "store",
              timed_whole(lambda ctx: ctx.store.search_articles("minister said")),
              available=has_store_method("search_articles")),
    Operation("store: article_totals", "store", timed_whole(lambda ctx: ctx.store.article_totals(NOW)),
              available=has_store_method("article_totals")),
    Operation("cli: history URL", "cli", cli(lambda ctx: ["history", ctx.changed_article_id()])),
    Operation("cli: diff URL (last two)", "cli",
              cli(lambda ctx: ["diff", ctx.changed_article_id(), "--color", "never", "--width", "100"])),
    Operation("cli: changes --since 2h", "cli", cli(lambda ctx: ["changes", "--since", SINCE_2H])),
    Operation("cli: changes --source bbc --substantive", "cli",
              cli(lambda ctx: ["changes", "--source", "bbc", "--substantive"])),
    web_operation("web: / (recent changes)", lambda ctx: "/"),
    web_operation("web: /?source=guardian&substantive=1", lambda ctx: "/?source=guardian&substantive=1"),
    web_operation("web: /?page=20", lambda ctx: "/?page=20"),
    web_operation("web: /article", lambda ctx: f"/article?url={ctx.changed_article_id()}"),
    web_operation("web: /compare", lambda ctx: f"/compare?url={ctx.changed_article_id()}"),
    web_operation("web: /feed.xml", lambda ctx: "/feed.xml"),
    web_operation("web: /feed.xml?source=bbc", lambda ctx: "/feed.xml?source=bbc"),
    web_operation("web: /feed.xml?url= (one article)", lambda ctx: f"/feed.xml?url={ctx.changed_article_id()}"),
    web_operation("web: /articles", lambda ctx: "/articles", needs="/articles"),
    web_operation("web: /search?q=minister", lambda ctx: "/search?q=minister", needs="/search"),
]


def plans_for(ctx: Context, operation: Operation) -> list:
    """(command, plan summary) of each database command one run of the operation sends."""
    RECORDER.take()
    RECORDER.recording = True
    try:
        operation.run(ctx, Stopwatch())
    finally:
        RECORDER.recording = False
    return plans_of(lambda name: ctx.store.client[name], RECORDER.take())


def measure(ctx: Context, operation: Operation, repeat: int, warmup: int = 2) -> tuple[float, list]:
    """Median ms per unit over `repeat` runs after `warmup` runs, and the plans of one run's commands."""
    for _ in range(warmup):
        operation.run(ctx, Stopwatch())
    plans = plans_for(ctx, operation)
    timings = []
    for _ in range(repeat):
        stopwatch = Stopwatch()
        operation.run(ctx, stopwatch)
        timings.append(stopwatch.seconds * 1000 / (stopwatch.units or operation.per))
    return statistics.median(timings), plans


# ------------------------------------------------------------------ disk

def disk_figures(db, storage_path: Path | None) -> dict:
    """Bytes of the database: BSON data and indexes (collStats), and the server's files."""
    figures = {"articles": db.articles.estimated_document_count()}
    for name in ("articles", "revisions", "changes"):
        stats = db.command("collStats", name)
        figures[name + "_documents"] = stats.get("count", 0)
        figures[name + "_bytes"] = stats.get("size", 0)
        figures[name + "_index_bytes"] = stats.get("totalIndexSize", 0)
    return figures


# ------------------------------------------------------------------ capacity

CAPACITY_RUNS = [  # (label, what the site serves before the crawl)
    ("new articles", None),
    ("unchanged, same bytes", None),
    ("unchanged, compared in full", "vary_bytes"),
    ("changed", "edit_all"),
]


def capacity(uri: str, name: str, pages: int, log_dir: Path) -> dict:
    """Checks per second of `scrapy crawl bbc` (one crawl process and the database
    server on this node's 2 cores) storing into database `name`: `pages` new
    articles, then the same pages unchanged in the same bytes, unchanged in new
    bytes (extracted and compared in full), and all of them changed. The
    articles it added are removed afterwards."""
    from common import BenchSite, PageSet, bbc_crawl_command, crawl_settings, run_crawl
    page_set = PageSet(pages)
    site = BenchSite(page_set).start()
    urls = [site.base_url + path for path in page_set.paths]
    rates = {}
    try:
        settings = crawl_settings(16, 16, uri, name)
        for label, before in CAPACITY_RUNS:
            site.vary_bytes = before == "vary_bytes"
            if before == "edit_all":
                page_set.edit(1.0, round_=1)
            result = run_crawl(label, bbc_crawl_command(site.feed_url, settings), log_dir)
            rates[label] = {"checks_per_second": result.pages_per_second, "pages": result.pages,
                            "new": result.stat("newscrawler/articles/new"),
                            "unchanged": result.stat("newscrawler/articles/unchanged"),
                            "changed": result.stat("newscrawler/articles/changed"),
                            "same_as_stored": result.stat("newscrawler/pages/same_as_stored")}
            print(f"    capacity, {label}: {result.pages} pages, {result.pages_per_second:.0f} checks/s", flush=True)
    finally:
        site.stop()
        remove_bench_articles(uri, name, urls)
    return rates


def remove_bench_articles(uri: str, name: str, urls: list[str]) -> None:
    """Delete the articles the capacity crawls stored, and take them out of the tallies."""
    from newscrawler.sources import article_id_of
    from newscrawler.storage import lookup_batches
    ids = [article_id_of(url) for url in urls]
    store = RevisionStore(uri, name)
    store.open()
    try:
        settle_all(store)
        db, removed, removed_versions = store.db, Counter(), Counter()
        for batch in lookup_batches(ids):
            # picked on the client: a filter of {"$exists": true} scans the collection on secantusdb
            for article in db.articles.find({"_id": {"$in": batch}}, {"source": 1, "tallied": 1,
                                                                      "tallied_versions": 1}):
                if article.get("tallied"):
                    removed[(article["source"], article["tallied"])] += 1
                removed_versions[article["source"]] += article.get("tallied_versions", 0)
            db.articles.delete_many({"_id": {"$in": batch}})
            db.revisions.delete_many({"article_id": {"$in": batch}})
            db.changes.delete_many({"article_id": {"$in": batch}})
        for source, versions in removed_versions.items():  # every source of a removed article
            moves = {f"tallies.{status}": -n for (of, status), n in removed.items() if of == source}
            db.sources.update_one({"_id": source}, {"$inc": {**moves, "versions": -versions}})
    finally:
        store.close()


def settle_all(store) -> int:
    """Settle the store's tallies until no article is left flagged; the articles settled."""
    settled = 0
    while seen := store.tallies.settle(100_000):
        settled += seen
    return settled


def lifetime_model(rates: dict, meta: dict, schedule: Schedule = SCHEDULE) -> list[list]:
    """Tracked articles and new articles a day one node keeps current at `schedule`,
    from its checks per second and the populated archive's versions per article."""
    counts = meta["counts"]
    versions = counts["revisions"] / counts["articles"]  # removed versions included
    between = statistics.fmean(range(1, 9))  # quiet checks between two versions, as populated
    quiet = checks_until_stopped(schedule) + (versions - 1) * between
    seconds = {label: 1 / rate["checks_per_second"] for label, rate in rates.items()}
    rows = []
    for quiet_kind in ("unchanged, same bytes", "unchanged, compared in full"):
        per_article = (seconds["new articles"] + (versions - 1) * seconds["changed"] + quiet * seconds[quiet_kind])
        per_day = 86400 / per_article
        active_days = (check_offset(checks_until_stopped(schedule), schedule)
                       + (versions - 1) * check_offset(round(between), schedule)).total_seconds() / 86400
        rows.append([quiet_kind, f"{1 + (versions - 1) + quiet:.1f}", f"{per_article:.3f}", f"{per_day:,.0f}",
                     f"{per_day * active_days:,.0f}",
                     f"{(1 + (versions - 1) + quiet) / (active_days * 86400) * 1e6:.2f}"])
    return rows


# ------------------------------------------------------------------ main

def run_size(client, uri: str, size: int, reuse: bool, repeat: int, templates_of) -> dict:
    name = database_name(size)
    meta = populated(client, size) if reuse else None
    if meta:
        print(f"  {name}: reusing {meta['counts']['articles']:,} articles, {meta['counts']['revisions']:,} "
              f"revisions, {meta['counts']['changes']:,} change records (populated in {meta['seconds']:,.0f} s)",
              flush=True)
    else:
        print(f"  {name}: populating {size:,} articles", flush=True)
        meta = populate(client, size, templates_of())
        print(f"  {name}: populated in {meta['seconds']:,.0f} s: {meta['counts']}", flush=True)
    store = RevisionStore(uri, name)
    store.clock = lambda: NOW  # the populated data's now, whenever this runs
    untallied = client[name].sources.count_documents({"tallied_since": {"$exists": False}})
    began = time.perf_counter()
    store.open()  # counts the articles of a database from before the tallies, once
    if untallied:
        print(f"    {untallied} sources from before the tallies counted when the store opened: "
              f"{time.perf_counter() - began:,.1f} s", flush=True)
    ctx = Context(uri, name, store.db, store, meta, random.Random(SEED))
    results = {"meta": meta, "ops": {}, "disk": disk_figures(store.db, None)}
    try:
        for operation in OPERATIONS:
            if not operation.available(ctx):
                continue
            median, plans = measure(ctx, operation, operation.repeat or repeat, warmup=1 if operation.repeat else 2)
            results["ops"][operation.name] = {"ms": median, "plans": plans}
            print(f"    {operation.name}: {median:.2f} ms", flush=True)
    finally:
        if ctx.pipelines:
            ctx.pipelines[1].close_spider()
        store.close()
    return results


UNBOUNDED = {op.name for op in OPERATIONS if op.group == "unbounded"}


def plan_text(plans: list) -> str:
    parts = []
    for label, plan in plans:
        where = "COLLSCAN" if plan["collscan"] else ",".join(plan["indexes"]) or "+".join(plan["stages"])
        if plan.get("by_clause"):
            where += f" (secantusdb: by the {plan['by_clause']} clause)"
        parts.append(f"{label}: {where}")
    return "; ".join(parts)


def report(sizes: list[int], results: dict) -> str:
    names = [op.name for op in OPERATIONS if any(op.name in results[s]["ops"] for s in sizes)]
    rows, worst = [], (0.0, "")
    for name in names:
        times = [results[s]["ops"].get(name, {}).get("ms") for s in sizes]
        present = [t for t in times if t is not None]
        growth = present[-1] / present[0] if present[0] else float("inf")
        if len(present) == len(sizes) and name not in UNBOUNDED:  # the summary: what runs at every size
            worst = max(worst, (growth, name))
        rows.append([name] + ["-" if t is None else f"{t:.2f}" for t in times] + [f"{growth:.2f}×"])
    print("\nmedian ms (warm cache) by tracked articles")
    print_table(["operation"] + [f"{s:,}" for s in sizes] + [f"× {sizes[0]:,}→{sizes[-1]:,}"], rows)
    print(f"\nindexes used (explain, winning plan) at {sizes[-1]:,} articles")
    for name in names:
        largest = next(results[s]["ops"][name] for s in reversed(sizes) if name in results[s]["ops"])
        print(f"  {name}: {plan_text(largest['plans'])}")
    print("\ndatabase by tracked articles (collStats: BSON data and index bytes)")
    disk_rows = []
    for s in sizes:
        d = results[s]["disk"]
        data = sum(d[c + "_bytes"] for c in ("articles", "revisions", "changes"))
        index = sum(d[c + "_index_bytes"] for c in ("articles", "revisions", "changes"))
        disk_rows.append([f"{d['articles']:,}", f"{d['revisions_documents']:,}", f"{d['changes_documents']:,}",
                          f"{d['articles_bytes'] / d['articles']:,.0f}",
                          f"{d['revisions_bytes'] / d['revisions_documents']:,.0f}",
                          f"{d['changes_bytes'] / max(1, d['changes_documents']):,.0f}",
                          f"{data / d['articles']:,.0f}", f"{index / d['articles']:,.0f}",
                          f"{results[s]['meta']['seconds']:,.0f}"])
    print_table(["articles", "revisions", "changes", "B/article doc", "B/revision", "B/change",
                 "data B/article", "index B/article", "populate s"], disk_rows)
    return f"summary: largest {sizes[-1]:,}, worst growth {worst[0]:.2f}× ({worst[1]})"


def folder_bytes_of(storage_path: Path) -> int:
    """Bytes of the server's files but its journal (secantusdb keeps every
    database's documents in the same shard files: not per database)."""
    return sum(path.stat().st_size for path in storage_path.rglob("*")
               if path.is_file() and not path.name.startswith("WiredTigerLog."))


def populated_counts(meta: dict) -> dict:
    return meta["counts"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="tracked articles (default 10000,100000,1000000)")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of each operation (default 15)")
    parser.add_argument("--reuse", action="store_true",
                        help="use a database already populated for a size (in --data-dir) instead of populating it again")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR,
                        help=f"the secantusdb server's folder, kept between runs (default {DATA_DIR})")
    parser.add_argument("--mongo-uri", default="",
                        help="use this running server (its data in --data-dir) instead of starting one")
    parser.add_argument("--cache-size", default="",
                        help="the WiredTiger cache of the server started here, e.g. 10G (secantusdb's default: 1G; "
                             "MongoDB's: half of the memory less 1 GB)")
    parser.add_argument("--populate-only", action="store_true", help="populate (or keep, with --reuse) and stop")
    parser.add_argument("--capacity", type=int, default=0, metavar="PAGES",
                        help="also crawl PAGES local pages into the largest database: checks/s of one node (e.g. 2000)")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"machine: {machine_description()}")
    print(f"model: {RATE_PER_DAY:,} new articles a day, now {NOW:%Y-%m-%d %H:%M} UTC; {STOP_CHECKS} quiet checks "
          f"after a change before an article stops ({ACTIVE_LIFE.days} days); {args.repeat} timed runs per operation, "
          f"median, warm cache")
    templates = []

    def templates_of():
        if not templates:
            templates.extend(load_templates())
        return templates

    results = {}
    import contextlib
    from common import DatabaseServer
    server_of = (contextlib.nullcontext(DatabaseServer(args.mongo_uri, None, args.data_dir / "db")) if args.mongo_uri
                 else secantus_server(args.data_dir, args.cache_size or None))
    with server_of as server, MongoClient(server.uri, tz_aware=True) as client:
        for size in sizes:
            if args.populate_only:
                if not (args.reuse and populated(client, size)):
                    meta = populate(client, size, templates_of())
                    print(f"  {database_name(size)}: populated in {meta['seconds']:,.0f} s: {meta['counts']}")
                continue
            results[size] = run_size(client, server.uri, size, args.reuse, args.repeat, templates_of)
        files = folder_bytes_of(server.storage_path)
        rates = None
        if args.capacity and not args.populate_only:
            import tempfile
            rates = capacity(server.uri, database_name(sizes[-1]), args.capacity,
                             Path(tempfile.mkdtemp(prefix="scale-capacity-")))
    if args.populate_only:
        return 0
    summary = report(sizes, results)
    all_articles = sum(populated_counts(results[s]["meta"])["articles"] for s in sizes)
    print(f"\nserver files (data and indexes of every scale_* database, no journal): {files:,} B = "
          f"{files / all_articles:,.0f} B per article over {all_articles:,} articles")
    if rates:
        print(f"\nchecks per second of one node (a crawl of {args.capacity:,} local pages into "
              f"{database_name(sizes[-1])}, concurrency 16, no delay)")
        print_table(["check", "checks/s", "pages", "new", "unchanged", "changed", "by bytes"],
                    [[label, r["checks_per_second"], r["pages"], r["new"], r["unchanged"], r["changed"],
                      r["same_as_stored"]] for label, r in rates.items()])
        print(f"\none node at the default schedule ({SCHEDULE.initial.total_seconds() / 60:.0f} min, "
              f"×{SCHEDULE.backoff}, stop past {SCHEDULE.stop_after.days} days), versions per article as populated")
        print_table(["quiet checks", "checks per article", "node s per article", "new articles/day",
                     "tracked active articles", "checks/s per million tracked"],
                    lifetime_model(rates, results[sizes[-1]]["meta"]))
        results["capacity"] = rates
    print(summary)
    (args.data_dir / "last-results.json").write_text(json.dumps(results, default=str, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
