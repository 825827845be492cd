"""Three scrapyd nodes, one database: every article fetched once a period.

    python bench/cluster.py [--articles 5000] [--nodes 3] [--edit-rate 0.10] [--no-claims]

Starts a secantusdb server and --nodes scrapyd processes, each on its own
port, from a working directory of its own with its scrapyd.conf (as
tests/test_scrapyd.py does), deploys the project's egg to each with
scrapyd-deploy, and serves --articles article pages from the soak site
(bench/soak.py: fixture pages with a numbered text in the body, and a ledger
of the texts each page had and how often each was served).

Then, period after period, at a fixed clock per period (NEWSCRAWLER_NOW, so
that re-checks come due), `bbc` is scheduled on every node at once, all with
the same feed: the newest articles, some tracked already, some new. Each job
claims at most --max-per-run due articles (articles / nodes), so the nodes
can check them all in a period. Between periods some tracked articles are
edited. After each period it checks, from
the site's request log and the database:

- every article the period asks for (a feed entry, or due at the period's
  clock; every one in the final period, `recheck=all`) was fetched exactly
  once: none twice, none skipped, nothing else fetched;
- the articles fetched hold every text they served exactly once, in order,
  as consecutive versions with one change record each (soak.check_article);
- no article keeps a lease.

After the final period every article is checked as soak.py checks (every
edit recorded exactly once). Prints per period and per node the jobs, pages
fetched, new / changed / unchanged articles and wall time, and a `summary:`
line. --no-claims runs the nodes without NEWSCRAWLER_CLAIM_FEED_ENTRIES, as
the project did before it: the duplicates it reports are the fetches that
setting saves. Exit status 1 if a job fails or any check fails.
"""
import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import crawl_settings, machine_description, parse_stats, print_table, secantus_server  # noqa: E402
from soak import Ledger, SoakSite, Verdict, change_versions, check_article, stored_versions, verify  # noqa: E402
from tests.conftest import free_port, rss_feed  # noqa: E402
from tests.test_scrapyd import (SCRAPYD_CONF, Scrapyd, all_jobs, copy_project, job_environment, stop,  # noqa: E402
                                wait_until_answering)

from newscrawler.urls import article_id  # noqa: E402

DATABASE = "cluster"
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)
SEED = 20260601
JOB_TIMEOUT = 1800
SCRAPYD_TIME = "%Y-%m-%d %H:%M:%S.%f"


@dataclass
class Period:
    """One period: its clock, the share of articles published by then, the
    share the feed lists (the newest), and which re-checks its jobs claim."""
    minutes: int  # since the previous period
    published: float
    in_feed: float
    recheck: str = "due"


PERIODS = [
    Period(0, 0.6, 0.6),     # 60% published, all new
    Period(31, 0.8, 0.4),    # all of period 1 due; the feed: 20% tracked, 20% new
    Period(31, 1.0, 0.4),    # the new and changed of period 2 due; the feed: 20% tracked, 20% new
    Period(37, 1.0, 0.2),    # the unchanged of period 2 due, and the checks of period 3
    Period(31, 1.0, 1.0, "all"),  # the final check of every article
]


# ------------------------------------------------------------------ the nodes

@dataclass
class Node:
    name: str
    server: Scrapyd
    jobs: list = field(default_factory=list)  # JobResult


def start_node(name: str, folder: Path) -> Node:
    folder.mkdir(parents=True)
    port = free_port()
    (folder / "scrapyd.conf").write_text(SCRAPYD_CONF.format(port=port, folder=folder))
    with open(folder / "scrapyd.out", "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "scrapyd", "--pidfile="], cwd=folder,
                                   stdout=output, stderr=subprocess.STDOUT, env=job_environment())
    node = Node(name, Scrapyd(f"http://127.0.0.1:{port}", folder, process))
    wait_until_answering(node.server)
    return node


def deploy(nodes: list[Node], project: Path) -> None:
    """scrapyd-deploy the project to every node, from a copy with a target per node."""
    copy_project(project)
    with open(project / "scrapy.cfg", "a") as config:
        for node in nodes:
            config.write(f"\n[deploy:{node.name}]\nurl = {node.server.url}\nproject = newscrawler\n")
    for node in nodes:
        result = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", node.name, "--version", "cluster"],
                                cwd=project, capture_output=True, text=True, timeout=120, env=job_environment())
        # a deploy whose egg cannot be imported still exits 0: only `status` tells
        answer = json.loads(result.stdout) if result.returncode == 0 else {"status": result.stderr[-2000:]}
        if answer.get("status") != "ok":
            raise RuntimeError(f"deploying to {node.name} failed: {answer}")


@dataclass
class JobResult:
    node: str
    period: int
    job_id: str
    stats: dict
    wall_seconds: float
    log: str

    def stat(self, name: str) -> int:
        return int(self.stats.get(name, 0))

    @property
    def pages(self) -> int:
        return self.stat("downloader/response_count") - self.stat("newscrawler/feed/fetched")

    @property
    def unchanged(self) -> int:
        return self.stat("newscrawler/articles/unchanged") + self.stat("newscrawler/checks/not_modified")

    @property
    def problem(self) -> str | None:
        if "Traceback" in self.log or " ERROR: " in self.log:
            return f"{self.node} job {self.job_id}: an error in its log"
        if "Crawl done:" not in self.log:
            return f"{self.node} job {self.job_id}: no 'Crawl done' line"
        return None


def job_fields(args, node: Node, feed_url: str, moment: datetime, recheck: str, db_uri: str) -> list:
    data = node.server.folder / "data"
    settings = crawl_settings(args.concurrency, args.concurrency, db_uri, DATABASE, extra={
        "NEWSCRAWLER_NOW": moment.isoformat(), "NEWSCRAWLER_CLAIM_FEED_ENTRIES": not args.no_claims,
        "NEWSCRAWLER_RECHECK_MAX_PER_RUN": args.max_per_run or -(-args.articles // args.nodes),
        "NEWSCRAWLER_DATA_DIR": data, "NEWSCRAWLER_JOURNAL_PATH": data / "journal.jsonl",
    })
    return [("project", "newscrawler"), ("spider", "bbc"), ("feeds", feed_url), ("recheck", recheck),
            *(("setting", value) for value in settings[1::2])]


def run_jobs(args, nodes: list[Node], period: int, feed_url: str, moment: datetime, recheck: str,
             db_uri: str) -> list[JobResult]:
    """Schedule one job on every node at once; wait for all of them."""
    scheduled = {}
    for node in nodes:
        answer = node.server.post("schedule.json", job_fields(args, node, feed_url, moment, recheck, db_uri))
        if answer.get("status") != "ok":
            raise RuntimeError(f"{node.name} refused the job: {answer}")
        scheduled[node.name] = answer["jobid"]
    deadline = time.monotonic() + JOB_TIMEOUT
    while any(all_jobs(node.server).get(scheduled[node.name]) != "finished" for node in nodes):
        if time.monotonic() > deadline:
            raise RuntimeError(f"period {period}: jobs still running after {JOB_TIMEOUT} s")
        time.sleep(0.5)
    results = [job_result(node, period, scheduled[node.name]) for node in nodes]
    for node, result in zip(nodes, results):
        node.jobs.append(result)
    return results


def job_result(node: Node, period: int, job_id: str) -> JobResult:
    [job] = [job for job in node.server.get("listjobs.json", project="newscrawler")["finished"]
             if job["id"] == job_id]
    wall = (datetime.strptime(job["end_time"], SCRAPYD_TIME)
            - datetime.strptime(job["start_time"], SCRAPYD_TIME)).total_seconds()
    log = node.server.job_log(job_id)
    return JobResult(node.name, period, job_id, parse_stats(log), wall, log)


# ------------------------------------------------------------------ the site

class ClusterSite(SoakSite):
    """The soak site without faults, counting every article fetch."""

    def __init__(self, count: int, ledger: Ledger, seed: int):
        super().__init__(count, ledger, timeout=30, seed=seed)
        self.fetches = Counter()  # article number -> fetches since the last reset
        self.fetches_lock = threading.Lock()

    def serve_article(self, handler, number: int) -> None:
        with self.fetches_lock:
            self.fetches[number] += 1
        super().serve_article(handler, number)

    def take_fetches(self) -> Counter:
        with self.fetches_lock:
            fetches, self.fetches = self.fetches, Counter()
        return fetches

    def set_feed(self, numbers: range) -> str:
        return self.set_page("/cluster-feed.xml", rss_feed([self.article_url(n) for n in numbers],
                                                           title="Cluster feed"),
                             content_type="application/rss+xml")


def edit_published(ledger: Ledger, published: int, rng: random.Random, rate: float) -> int:
    chosen = rng.sample(range(published), round(rate * published))
    for number in chosen:
        ledger.edit(number)
    return len(chosen)


# ------------------------------------------------------------------ checks

@dataclass
class PeriodCheck:
    asked: int = 0
    once: int = 0
    twice_or_more: int = 0  # articles fetched more than once
    extra_fetches: int = 0  # fetches past the first
    skipped: int = 0
    unasked: int = 0  # articles fetched that the period did not ask for
    leases_left: int = 0
    first_fetch_claims: int = 0
    problems: list = field(default_factory=list)


def asked_for(db, site: ClusterSite, feed: range, moment: datetime, recheck: str) -> set[int]:
    """The articles a period must fetch: its feed entries, and the tracked ones due at its clock."""
    due = {"status": "active"} if recheck == "all" else {"status": "active", "next_check": {"$lte": moment}}
    numbers = {article_id(site.article_url(n)): n for n in range(len(site.numbers))}
    return set(feed) | {numbers[article["_id"]] for article in db.articles.find(due, {"_id": 1})}


def check_period(db, site: ClusterSite, ledger: Ledger, asked: set[int], fetches: Counter) -> PeriodCheck:
    check = PeriodCheck(asked=len(asked))
    check.once = sum(1 for n in asked if fetches[n] == 1)
    check.twice_or_more = sum(1 for count in fetches.values() if count > 1)
    check.extra_fetches = sum(count - 1 for count in fetches.values() if count > 1)
    check.skipped = sum(1 for n in asked if not fetches[n])
    check.unasked = sum(1 for n in fetches if n not in asked)
    check.leases_left = db.articles.count_documents({"lease_until": {"$exists": True}})
    check.first_fetch_claims = db.first_fetches.count_documents({})
    check.problems += [f"{check.twice_or_more} article(s) fetched more than once"] * bool(check.twice_or_more)
    check.problems += [f"{check.skipped} article(s) asked for but not fetched"] * bool(check.skipped)
    check.problems += [f"{check.unasked} article(s) fetched but not asked for"] * bool(check.unasked)
    check.problems += [f"{check.leases_left} lease(s) left on articles"] * bool(check.leases_left)
    check.problems += stored_problems(db, site, ledger, sorted(fetches))
    return check


def stored_problems(db, site: ClusterSite, ledger: Ledger, numbers: list[int]) -> list[str]:
    """soak.py's checks of what is stored, for the articles fetched in the period
    (each of them served its latest text in it)."""
    article_ids = {article_id(site.article_url(n)): n for n in ledger.texts}
    revisions, changes = stored_versions(db, article_ids), change_versions(db)
    articles = {a["_id"]: a for a in db.articles.find({}, {"body": 0})}
    verdict = Verdict()
    for number in numbers:
        identifier = article_id(site.article_url(number))
        check_article(number, ledger.texts[number], revisions.get(number, []), changes.get(identifier, []),
                      articles.get(identifier), verdict)
    return verdict.problems


# ------------------------------------------------------------------ the run

@dataclass
class Outcome:
    number: int
    period: Period
    edited: int
    wall_seconds: float
    jobs: list
    check: PeriodCheck


def run_periods(args, nodes: list[Node], site: ClusterSite, ledger: Ledger, db) -> list[Outcome]:
    from pymongo import MongoClient
    rng, moment, outcomes = random.Random(args.seed), T0, []
    with MongoClient(db.uri, tz_aware=True) as client:
        database = client[DATABASE]
        for number, period in enumerate(PERIODS, start=1):
            moment += timedelta(minutes=period.minutes)
            published = round(period.published * args.articles)
            feed = range(published - round(period.in_feed * args.articles), published)
            edited = edit_published(ledger, round(PERIODS[number - 2].published * args.articles), rng,
                                    args.edit_rate) if number > 1 else 0
            asked = asked_for(database, site, feed, moment, period.recheck)
            site.take_fetches()
            began = time.monotonic()
            jobs = run_jobs(args, nodes, number, site.set_feed(feed), moment, period.recheck, db.uri)
            wall = time.monotonic() - began
            site.wait_idle()
            check = check_period(database, site, ledger, asked, site.take_fetches())
            check.problems += [problem for problem in (job.problem for job in jobs) if problem]
            outcome = Outcome(number, period, edited, wall, jobs, check)
            outcomes.append(outcome)
            report_period(outcome, moment, feed)
    return outcomes


WORK_HEADERS = ["jobs", "pages", "new", "changed", "unchanged", "left to others", "failed checks", "wall s"]


def work(jobs: list[JobResult]) -> list:
    """The WORK_HEADERS columns of these jobs, added up."""
    def total(name: str) -> int:
        return sum(job.stat(name) for job in jobs)
    return [len(jobs), sum(job.pages for job in jobs), total("newscrawler/articles/new"),
            total("newscrawler/articles/changed"), sum(job.unchanged for job in jobs),
            total("newscrawler/feed/links_skipped/claimed"), total("newscrawler/checks/failed"),
            sum(job.wall_seconds for job in jobs)]


def report_period(outcome: Outcome, moment, feed: range) -> None:
    check, period = outcome.check, outcome.period
    print(f"\nperiod {outcome.number} at {moment:%H:%M} (recheck={period.recheck}; feed: articles {feed.start}-"
          f"{feed.stop - 1}; {outcome.edited} edited before it): {check.asked} asked for, {check.once} fetched "
          f"once, {check.twice_or_more} more than once ({check.extra_fetches} extra fetches), {check.skipped} "
          f"skipped, {check.unasked} not asked for; {check.leases_left} leases left, {check.first_fetch_claims} "
          f"first-fetch claims kept; {outcome.wall_seconds:.0f} s", flush=True)
    print_table(["node", "job", *WORK_HEADERS[1:]], [[job.node, job.job_id[:8], *work([job])[1:]]
                                                      for job in outcome.jobs])
    for problem in check.problems[:10]:
        print(f"CHECK FAILED: {problem}")


def report_nodes(nodes: list[Node]) -> None:
    print("\nper node, all periods:")
    print_table(["node", *WORK_HEADERS], [[node.name, *work(node.jobs)] for node in nodes])


def summary(args, outcomes: list[Outcome], verdict: Verdict, minutes: float) -> str:
    checks = [outcome.check for outcome in outcomes]
    pages = sum(job.pages for outcome in outcomes for job in outcome.jobs)
    crawl_seconds = sum(outcome.wall_seconds for outcome in outcomes)
    problems = sum(len(check.problems) for check in checks) + len(verdict.problems)
    return (f"cluster: {args.nodes} scrapyd nodes, {args.articles} articles, {len(outcomes)} periods in "
            f"{minutes:.1f} min, claims {'off' if args.no_claims else 'on'}; "
            f"{sum(c.asked for c in checks)} articles asked for, {sum(c.once for c in checks)} fetched exactly once, "
            f"{sum(c.extra_fetches for c in checks)} extra fetches, {sum(c.skipped for c in checks)} skipped; "
            f"{verdict.edits_served} edits served, {verdict.edits_once} recorded exactly once, "
            f"{verdict.missing} missing, {verdict.duplicated} duplicated; "
            f"{pages} pages in {crawl_seconds:.0f} s of periods "
            f"({pages / crawl_seconds if crawl_seconds else 0:.0f}/s); {problems} problem(s)")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="articles in the site (default 5000)")
    parser.add_argument("--nodes", type=int, default=3, help="scrapyd nodes (default 3)")
    parser.add_argument("--edit-rate", type=float, default=0.10,
                        help="share of the published articles edited before each period (default 0.10)")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="CONCURRENT_REQUESTS and CONCURRENT_REQUESTS_PER_DOMAIN of each job (default 16)")
    parser.add_argument("--max-per-run", type=int, default=None,
                        help="NEWSCRAWLER_RECHECK_MAX_PER_RUN of each job (default: articles / nodes, so that the "
                             "nodes together can check every article in a period, each its share)")
    parser.add_argument("--no-claims", action="store_true",
                        help="run without NEWSCRAWLER_CLAIM_FEED_ENTRIES (feed entries are not claimed)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--folder", default=None, help="where the nodes' folders go (default: a temporary one)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    folder = Path(args.folder or tempfile.mkdtemp(prefix="bench-cluster-"))
    print(f"machine: {machine_description()}")
    began = time.monotonic()
    ledger = Ledger(args.articles)
    nodes = []
    try:
        with ClusterSite(args.articles, ledger, args.seed) as site, secantus_server() as db:
            nodes = [start_node(f"node{n}", folder / f"node{n}") for n in range(1, args.nodes + 1)]
            deploy(nodes, folder / "project")
            print(f"site {site.base_url}: {args.articles} articles; database {db.uri}; "
                  f"nodes {', '.join(node.server.url for node in nodes)}; folders in {folder}", flush=True)
            outcomes = run_periods(args, nodes, site, ledger, db)
            verdict = verify(db.uri, site, ledger, DATABASE)
    finally:
        for node in nodes:
            stop(node.server)
    report_nodes(nodes)
    for problem in verdict.problems[:30]:
        print(f"CHECK FAILED: {problem}")
    print(f"summary: {summary(args, outcomes, verdict, (time.monotonic() - began) / 60)}")
    failed = verdict.problems or any(outcome.check.problems for outcome in outcomes)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
