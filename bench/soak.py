"""Soak test: crawl after crawl of a local site whose pages change and misbehave,
then check that MongoDB holds exactly the versions the crawler could have seen.

    python bench/soak.py [--articles 2000] [--minutes 10] [--seed N]
                         [--edit-rate 0.10] [--error-rate 0.05] [--slow-rate 0.02]

A secantusdb server (temporary folder, free loopback port) and a threaded HTTP
server on 127.0.0.1 serve N article pages made from tests/fixtures/bbc/pages,
each with a numbered sentence ("Soak article 12 text 3: ...") in its body.
Until --minutes have passed, `scrapy crawl bbc` subprocesses run one after
another, in turn:

- feed: a feed of every article, `-a recheck=none`;
- due:  a feed of 10% of them, `-a recheck=due`;
- all:  a feed of 5% of them, `-a recheck=all` (some articles are then asked twice).

Each crawl runs at a simulated time (NEWSCRAWLER_NOW) 40 minutes after the
previous one, so `due` crawls find the articles the back-off schedule makes due.
Before each crawl, --edit-rate of the articles get a new text (a distinct
sentence of about the same length, so nothing is held as a shrink); a fifth of
those are edited twice, so their first edit is never served. For the crawl,
--error-rate of the articles are "failing" (each request answered 503 or 500
with probability 0.7; the error body is a full article page with an "error
answer" sentence, which must never become a revision) and --slow-rate are
"slow" (each request delayed 0.5x DOWNLOAD_TIMEOUT, in time, or 1.25x, too
late, with probability 0.5 each). DOWNLOAD_TIMEOUT is 2 s; Scrapy's retries are on.

The site keeps a ledger: for every article, the texts it has had, in order, and
how many 200 answers served each. A slow answer is only written if the crawler
is still connected; one written after the timeout is "maybe served". At the
end every page answers normally, a final crawl (every article in the feed,
`-a recheck=all`) runs, and MongoDB is checked, article by article:

- every text served with a 200 is stored exactly once, in ledger order, as
  versions 1..N with no gap or duplicate; texts never served (overwritten
  before any successful fetch) may be missing; no other text is stored;
- the latest version is the page's final text;
- every revision is a 200 `content` revision, never an error answer;
- each version from 2 on has exactly one change record (from N-1 to N);
- the article's summary matches its latest revision and has no
  `pending_version` or `held_hash` left.

Exit status 1 if a crawl fails or any check fails.
"""
import argparse
import random
import re
import select
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (SEED, article_path, crawl_settings, load_templates, machine_description,  # noqa: E402
                    run_crawl, secantus_server)
from tests.conftest import SiteServer, crawl_command, rss_feed  # noqa: E402

from newscrawler.urls import article_id  # noqa: E402

DATABASE = "soak"
SIM_STEP = timedelta(minutes=40)
ROTATION = [("feed", 1.0, "none"), ("due", 0.10, "due"), ("all", 0.05, "all")]  # mode, feed share, recheck
DOUBLE_EDIT_SHARE = 0.2
ERROR_ANSWER_SHARE = 0.7  # of the requests for a failing page
LATE_SHARE = 0.5  # of the requests for a slow page
FAILING, SLOW = "failing", "slow"
PHRASES = [
    "the council said the figure had been revised.",
    "officials said the total was corrected today.",
    "police gave the latest count this afternoon.",
    "a spokesperson confirmed the updated number.",
]
TEXT_MARK = re.compile(r"Soak article (\d+) text (\d+):")
ERROR_MARK = "error answer"


def text_sentence(number: int, text: int) -> str:
    return f"Soak article {number} text {text}: {PHRASES[(number + text) % len(PHRASES)]} "


def error_sentence(number: int, status: int) -> str:
    return f"Soak article {number} {ERROR_MARK} {status}: this page must never be stored. "


# ------------------------------------------------------------------ the ledger

@dataclass
class Text:
    number: int  # 0: the first text, then one per edit
    served: int = 0  # 200 answers the crawler surely read
    maybe_served: int = 0  # 200 answers written after the crawler may have timed out


class Ledger:
    """Every article's texts in order, with how often each was served."""

    def __init__(self, count: int):
        self.texts = {number: [Text(0)] for number in range(count)}
        self.lock = threading.Lock()

    def current(self, number: int) -> Text:
        return self.texts[number][-1]

    def edit(self, number: int) -> None:
        self.texts[number].append(Text(len(self.texts[number])))

    def record(self, text: Text, surely: bool) -> None:
        with self.lock:
            if surely:
                text.served += 1
            else:
                text.maybe_served += 1


# ------------------------------------------------------------------ the site

class BaseHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


def send(handler, status: int, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


def client_gone(connection: socket.socket) -> bool:
    """Whether the client closed the connection (Scrapy gives up on a timeout)."""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class SoakSite(SiteServer):
    """SiteServer (tests/conftest.py) serving the soak articles, their faults and the ledger."""

    def __init__(self, count: int, ledger: Ledger, timeout: float, seed: int):
        self.templates = load_templates()
        self.ledger = ledger
        self.timeout = timeout
        self.numbers = {article_path(number): number for number in range(count)}
        self.faults: dict[int, str] = {}
        self.answers = Counter()  # ok, 5xx, timeout, in_time, late (written after the timeout), broken
        self.answers_lock = threading.Lock()
        self.in_flight = 0  # article answers being made, late ones included
        self.rng = random.Random(seed)
        super().__init__()
        self.server.socket.listen(256)  # the default backlog of 5 drops connections at high concurrency

    def article_url(self, number: int) -> str:
        return self.base_url + article_path(number)

    def page(self, number: int, sentence: str) -> bytes:
        return self.templates[number % len(self.templates)].page(sentence)

    def count(self, answer: str) -> None:
        with self.answers_lock:
            self.answers[answer] += 1

    def request_fault(self, number: int) -> str | None:
        kind = self.faults.get(number)
        if kind == FAILING and self.rng.random() < ERROR_ANSWER_SHARE:
            return "5xx"
        if kind == SLOW:
            return "late" if self.rng.random() < LATE_SHARE else "in_time"
        return None

    def serve_article(self, handler, number: int) -> None:
        with self.answers_lock:
            self.in_flight += 1
        try:
            self.answer_article(handler, number)
        finally:
            with self.answers_lock:
                self.in_flight -= 1

    def wait_idle(self, limit: float = 30) -> None:
        """Let late answers of the last crawl finish, so they are counted with it and never see an edit."""
        deadline = time.monotonic() + limit
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)

    def answer_article(self, handler, number: int) -> None:
        text = self.ledger.current(number)
        fault = self.request_fault(number)
        if fault == "5xx":
            status = self.rng.choice([503, 500])
            self.count("5xx")
            send(handler, status, self.page(number, error_sentence(number, status)))
            return
        if fault:
            time.sleep(self.timeout * (1.25 if fault == "late" else 0.5))
        if fault == "late" and client_gone(handler.connection):
            self.count("timeout")
            return
        try:
            send(handler, 200, self.page(number, text_sentence(number, text.number)))
        except OSError:
            self.count("timeout" if fault == "late" else "broken")
            return
        self.count(fault or "ok")
        self.ledger.record(text, surely=fault != "late")

    def _handler_class(self):
        site = self

        class Handler(BaseHandler):
            def do_GET(self):
                number = site.numbers.get(self.path)
                if number is not None:
                    site.serve_article(self, number)
                    return
                status, headers, body = site.pages.get(self.path, (404, {"Content-Type": "text/plain"}, b"not found"))
                send(self, status, body, headers["Content-Type"])

        return Handler


# ------------------------------------------------------------------ between crawls

def apply_edits(ledger: Ledger, rng: random.Random, rate: float) -> tuple[int, int]:
    """Edit a random share of the articles; returns (articles edited, edits overwritten at once)."""
    chosen = rng.sample(sorted(ledger.texts), round(rate * len(ledger.texts)))
    overwritten = 0
    for number in chosen:
        ledger.edit(number)
        if rng.random() < DOUBLE_EDIT_SHARE:
            ledger.edit(number)
            overwritten += 1
    return len(chosen), overwritten


def plan_faults(count: int, rng: random.Random, error_rate: float, slow_rate: float) -> dict[int, str]:
    faults = {}
    for number in range(count):
        draw = rng.random()
        if draw < error_rate:
            faults[number] = FAILING
        elif draw < error_rate + slow_rate:
            faults[number] = SLOW
    return faults


def set_feed(site: SoakSite, rng: random.Random, share: float) -> str:
    """The crawl's feed: a random share of the articles (all of them at share 1)."""
    numbers = sorted(site.numbers.values())
    if share < 1:
        numbers = sorted(rng.sample(numbers, round(share * len(numbers))))
    return site.set_page("/soak-feed.xml", rss_feed([site.article_url(n) for n in numbers], title="Soak feed"),
                         content_type="application/rss+xml")


# ------------------------------------------------------------------ crawls

@dataclass
class Crawler:
    db: object
    site: SoakSite
    args: argparse.Namespace
    log_dir: Path
    start: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))
    results: list = field(default_factory=list)

    def run(self, label: str, feed_url: str, recheck: str):
        moment = self.start + len(self.results) * SIM_STEP
        settings = crawl_settings(self.args.concurrency, self.args.concurrency, extra={
            "DOWNLOAD_TIMEOUT": self.args.timeout, "NEWSCRAWLER_NOW": moment.isoformat(),
            "NEWSCRAWLER_FEED_MAX_ENTRIES": self.args.articles, "NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS": True,
        })
        command = crawl_command(feed_url, self.db.uri, DATABASE, "-a", f"recheck={recheck}", *settings)
        result = run_crawl(f"{len(self.results) + 1:03d} {label}", command, self.log_dir, self.db, timeout=1800)
        self.results.append(result)
        return result


def describe(result, answers: Counter) -> str:
    stat = result.stat
    return (f"{result.pages} pages in {result.elapsed:.1f} s ({result.pages_per_second:.0f}/s): "
            f"new {stat('newscrawler/articles/new')}, changed {stat('newscrawler/articles/changed')}, "
            f"unchanged {stat('newscrawler/articles/unchanged')}, failed checks {stat('newscrawler/checks/failed')}, "
            f"held {stat('newscrawler/articles/held')}, version races {stat('newscrawler/revisions/version_races')}; "
            f"site: {answers['5xx']} 5xx, {answers['timeout']} timed out, {answers['in_time']} slow in time")


def soak(crawler: Crawler, ledger: Ledger, args) -> Counter:
    """Crawl after crawl until the time is up; returns the site's answers over all of them."""
    rng = random.Random(args.seed)
    site, totals = crawler.site, Counter()
    deadline = time.monotonic() + args.minutes * 60
    while time.monotonic() < deadline:
        mode, share, recheck = ROTATION[len(crawler.results) % len(ROTATION)]
        edited, overwritten = apply_edits(ledger, rng, args.edit_rate) if crawler.results else (0, 0)
        site.faults = plan_faults(args.articles, rng, args.error_rate, args.slow_rate)
        site.answers = Counter()
        result = crawler.run(mode, set_feed(site, rng, share), recheck)
        site.wait_idle()
        totals += site.answers
        print(f"crawl {len(crawler.results):3d} {mode:<4} (edited {edited}, {overwritten} twice; "
              f"{len(site.faults)} pages failing or slow): {describe(result, site.answers)}", flush=True)
    return totals


def final_crawl(crawler: Crawler) -> None:
    site = crawler.site
    site.faults, site.answers = {}, Counter()
    result = crawler.run("final", set_feed(site, random.Random(), 1.0), "all")
    site.wait_idle()
    print(f"final crawl, every page answering normally: {describe(result, site.answers)}", flush=True)


# ------------------------------------------------------------------ checking MongoDB

@dataclass
class Verdict:
    edits_served: int = 0
    edits_once: int = 0
    first_served: int = 0
    first_once: int = 0
    missing: int = 0
    duplicated: int = 0
    unseen_edits: int = 0
    unseen_stored: int = 0
    maybe_served: int = 0
    problems: list = field(default_factory=list)


def stored_versions(db, article_ids: dict) -> dict[int, list[dict]]:
    """Each article's revisions, oldest first, as {version, text, ...} without their bodies."""
    by_number = defaultdict(list)
    fields = {"_id": 0, "article_id": 1, "version": 1, "body": 1, "http_status": 1, "kind": 1, "content_hash": 1}
    for revision in db.revisions.find({}, fields).sort([("article_id", 1), ("version", 1)]):
        text = "\n".join(revision.pop("body"))
        marks = TEXT_MARK.findall(text)
        revision["texts"] = [(int(n), int(t)) for n, t in marks]
        revision["error_answer"] = ERROR_MARK in text
        by_number[article_ids.get(revision["article_id"], -1)].append(revision)
    return by_number


def change_versions(db) -> dict[str, list[tuple[int, int]]]:
    found = defaultdict(list)
    for change in db.changes.find({}, {"_id": 0, "article_id": 1, "from_version": 1, "to_version": 1}):
        found[change["article_id"]].append((change["from_version"], change["to_version"]))
    return found


def check_article(number: int, texts: list[Text], revisions: list[dict], changes: list, article: dict | None,
                  verdict: Verdict) -> None:
    problems = []
    stored = [check_revision(number, revision, problems) for revision in revisions]
    versions = [revision["version"] for revision in revisions]
    if versions != list(range(1, len(versions) + 1)):
        problems.append(f"versions {versions}")
    counts = Counter(stored)
    for text in texts:
        seen = counts[text.number]
        if text.number:
            verdict.edits_served += bool(text.served)
            verdict.edits_once += bool(text.served) and seen == 1
        else:
            verdict.first_served += bool(text.served)
            verdict.first_once += bool(text.served) and seen == 1
        verdict.duplicated += max(seen - 1, 0)
        verdict.maybe_served += bool(text.maybe_served and not text.served)
        if text.served and not seen:
            verdict.missing += 1
            problems.append(f"text {text.number} served {text.served}x with 200 but not stored")
        if not text.served and not text.maybe_served:
            verdict.unseen_edits += 1
            verdict.unseen_stored += bool(seen)
    servable = [t.number for t in texts if t.served or t.maybe_served]
    if [t for t in stored if t in servable] != [t for t in servable if t in counts] or not set(stored) <= set(servable):
        problems.append(f"stored texts {stored}, ledger texts served {servable}")
    if any(counts[t] > 1 for t in counts):
        problems.append(f"texts stored more than once: {stored}")
    if not stored or stored[-1] != texts[-1].number:
        problems.append(f"latest stored text {stored[-1:]} is not the page's final text {texts[-1].number}")
    expected_changes = [(version - 1, version) for version in versions[1:]]
    if sorted(changes) != expected_changes:
        problems.append(f"change records {sorted(changes)}, expected {expected_changes}")
    problems += check_summary(article, revisions)
    verdict.problems += [f"article {number}: {problem}" for problem in problems]


def check_revision(number: int, revision: dict, problems: list) -> int | None:
    where = f"version {revision['version']}"
    if revision["error_answer"]:
        problems.append(f"{where} was made from an error answer")
    if revision.get("http_status") != 200 or revision.get("kind") != "content":
        problems.append(f"{where}: http_status {revision.get('http_status')}, kind {revision.get('kind')}")
    if len(revision["texts"]) != 1 or revision["texts"][0][0] != number:
        problems.append(f"{where}: soak sentences {revision['texts']}")
        return None
    return revision["texts"][0][1]


def check_summary(article: dict | None, revisions: list[dict]) -> list[str]:
    if article is None:
        return ["no article document"]
    problems = [f"{name} left: {article[name]}" for name in ("pending_version", "held_hash") if article.get(name)]
    if revisions:
        latest = revisions[-1]
        if (article.get("version"), article.get("content_hash"), article.get("changes")) != (
                latest["version"], latest["content_hash"], latest["version"] - 1):
            problems.append(f"summary version {article.get('version')} / changes {article.get('changes')} / hash "
                            f"does not match the latest revision, version {latest['version']}")
    return problems


def verify(uri: str, site: SoakSite, ledger: Ledger, database: str = DATABASE) -> Verdict:
    from pymongo import MongoClient
    article_ids = {article_id(site.article_url(n)): n for n in ledger.texts}
    verdict = Verdict()
    with MongoClient(uri, tz_aware=True) as client:
        db = client[database]
        revisions = stored_versions(db, article_ids)
        changes = change_versions(db)
        articles = {a["_id"]: a for a in db.articles.find({}, {"body": 0})}
        leases = db.articles.count_documents({"lease_until": {"$exists": True}})
    for unknown in set(articles) - set(article_ids):
        verdict.problems.append(f"an article the site never served: {unknown}")
    if revisions.get(-1):
        verdict.problems.append(f"{len(revisions[-1])} revisions of articles the site never served")
    for identifier, number in article_ids.items():
        check_article(number, ledger.texts[number], revisions.get(number, []), changes.get(identifier, []),
                      articles.get(identifier), verdict)
    if leases:
        print(f"note: {leases} article(s) still carry a lease_until after the final crawl")
    return verdict


# ------------------------------------------------------------------ main

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles in the site (default 2000)")
    parser.add_argument("--minutes", type=float, default=10, help="how long to keep crawling (default 10)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--edit-rate", type=float, default=0.10,
                        help="share of the articles edited before each crawl (default 0.10)")
    parser.add_argument("--error-rate", type=float, default=0.05,
                        help="share of the articles failing (5xx) during a crawl (default 0.05)")
    parser.add_argument("--slow-rate", type=float, default=0.02,
                        help="share of the articles answering slowly during a crawl (default 0.02)")
    parser.add_argument("--timeout", type=float, default=2.0, help="DOWNLOAD_TIMEOUT in seconds (default 2)")
    parser.add_argument("--concurrency", type=int, default=32,
                        help="CONCURRENT_REQUESTS and CONCURRENT_REQUESTS_PER_DOMAIN (default 32)")
    parser.add_argument("--log-dir", default=None, help="where crawl logs go (default: a temporary folder)")
    return parser.parse_args(argv)


def summary(args, crawler: Crawler, answers: Counter, verdict: Verdict, minutes: float) -> str:
    pages = sum(r.pages for r in crawler.results)
    elapsed = sum(r.elapsed for r in crawler.results)
    failed_checks = sum(r.stat("newscrawler/checks/failed") for r in crawler.results)
    return (f"soak: {args.articles} articles, {len(crawler.results)} crawls in {minutes:.1f} min, "
            f"{verdict.edits_served} edits served, {verdict.edits_once} recorded exactly once, "
            f"{verdict.missing} missing, {verdict.duplicated} duplicated, "
            f"{answers['5xx'] + answers['timeout']} failed fetches ({answers['5xx']} 5xx, {answers['timeout']} timeouts; "
            f"{failed_checks} failed checks after retries), pages/s {pages / elapsed if elapsed else 0:.0f} "
            f"({pages} pages in {elapsed:.0f} s of crawling); first texts {verdict.first_once}/{verdict.first_served} "
            f"recorded once; {verdict.unseen_edits} edits overwritten before any fetch ({verdict.unseen_stored} stored); "
            f"{verdict.maybe_served} texts only maybe served; {len(verdict.problems)} problem(s)")


def main(argv=None) -> int:
    args = parse_args(argv)
    log_dir = Path(args.log_dir or tempfile.mkdtemp(prefix="bench-soak-"))
    print(f"machine: {machine_description()}")
    ledger = Ledger(args.articles)
    began = time.monotonic()
    with SoakSite(args.articles, ledger, args.timeout, args.seed) as site, secantus_server() as db:
        print(f"site {site.base_url}: {args.articles} articles from {len(site.templates)} fixture pages; "
              f"database {db.uri}; logs in {log_dir}", flush=True)
        crawler = Crawler(db, site, args, log_dir)
        answers = soak(crawler, ledger, args)
        final_crawl(crawler)
        answers += site.answers
        minutes = (time.monotonic() - began) / 60
        verdict = verify(db.uri, site, ledger)
    for problem in verdict.problems[:30]:
        print(f"CHECK FAILED: {problem}")
    print(summary(args, crawler, answers, verdict, minutes))
    return 1 if verdict.problems else 0


if __name__ == "__main__":
    sys.exit(main())
