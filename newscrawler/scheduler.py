"""Schedule every configured source's crawl on scrapyd every N minutes,
skipping a source while its last crawl still runs.

    python -m newscrawler.scheduler --every 30 --setting MONGO_URI=mongodb://db:27017/
    python -m newscrawler.scheduler --once          # one tick, for cron
    python -m newscrawler.scheduler --once --spider bbc --spider npr

The sources are every registered one (`scrapy crawl <name>`) and every name of
NEWSCRAWLER_FEED_SOURCES in the project settings (`scrapy crawl feed -a
source=<name>`); `--spider` picks some. Each tick asks scrapyd's listjobs.json
for the project's jobs. For each source, if the job this command scheduled
last, or any other job of that source's crawl, is still pending or running,
the source is skipped with a log line; otherwise its crawl is scheduled
through schedule.json. Only one scrapyd node is asked.
"""
import argparse
import json
import logging
import sys
import time
import uuid
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import urlopen

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:6800"
ACTIVE_STATES = ("pending", "running")
# schedule.json reads these parameters itself, so they cannot be spider arguments.
RESERVED_ARGS = {"project", "spider", "setting", "jobid", "priority", "_version"}


class ScrapydError(RuntimeError):
    """scrapyd could not be reached, or answered with an error."""


class ScrapydClient:
    """The two scrapyd endpoints the scheduler needs, over urllib."""

    def __init__(self, url: str, timeout: float = 30):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def list_jobs(self, project: str) -> dict:
        return self._call(f"listjobs.json?{urlencode({'project': project})}")

    def schedule(self, fields: list[tuple[str, str]]) -> str:
        return self._call("schedule.json", data=urlencode(fields).encode())["jobid"]

    def _call(self, endpoint: str, data: bytes | None = None) -> dict:
        address = f"{self.url}/{endpoint}"
        try:
            with urlopen(address, data=data, timeout=self.timeout) as response:
                answer = json.load(response)
        except (URLError, OSError, ValueError) as error:
            raise ScrapydError(f"{address}: {error}") from error
        if answer.get("status") != "ok":
            raise ScrapydError(f"{address}: {answer.get('message', answer)}")
        return answer


FEED_SPIDER = "feed"


@dataclass(frozen=True)
class Crawl:
    """One source's crawl: a spider, and for a source without a folder of its
    own, the feed spider with `source=<name>` (its jobs carry the name in their id)."""

    name: str
    spider: str

    @classmethod
    def named(cls, name: str, registered: set[str]) -> "Crawl":
        return cls(name, name if name in registered or name == FEED_SPIDER else FEED_SPIDER)

    @property
    def spider_args(self) -> list[tuple[str, str]]:
        return [("source", self.name)] if self.spider != self.name else []

    def owns(self, job: dict) -> bool:
        if job.get("spider") != self.spider:
            return False
        return self.spider == self.name or str(job.get("id", "")).startswith(f"{self.name}-")

    def new_job_id(self) -> str:
        return f"{self.name}-{uuid.uuid4().hex}"


def project_feed_sources() -> dict[str, list[str]]:
    """NEWSCRAWLER_FEED_SOURCES of the project settings: sources without a folder."""
    from scrapy.utils.project import get_project_settings

    return get_project_settings().getdict("NEWSCRAWLER_FEED_SOURCES")


def configured_crawls(names: list[str], feed_sources: dict) -> list[Crawl]:
    """The crawls of these source names, or of every configured source: the
    registered ones and those of NEWSCRAWLER_FEED_SOURCES. ValueError names an
    unknown one."""
    from newscrawler.sources import SOURCES

    known = {*SOURCES, *feed_sources, FEED_SPIDER}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown source {unknown[0]!r}: not registered and not in NEWSCRAWLER_FEED_SOURCES "
                         f"(known: {', '.join(sorted(known))})")
    names = names or [*SOURCES, *feed_sources]
    return [Crawl.named(name, set(SOURCES)) for name in dict.fromkeys(names)]


def active_jobs(listing: dict, crawl: Crawl | str) -> dict[str, str]:
    """Job id -> state ("pending" or "running") of the crawl's unfinished jobs."""
    if isinstance(crawl, str):
        crawl = Crawl(crawl, crawl)
    return {
        job["id"]: state
        for state in ACTIVE_STATES
        for job in listing.get(state, [])
        if crawl.owns(job)
    }


def skip_reason(listing: dict, crawl: Crawl | str, last_job_id: str | None) -> str | None:
    """Why this tick must not schedule the crawl, or None when it may."""
    active = active_jobs(listing, crawl)
    if last_job_id in active:
        return f"previous job {last_job_id} is still {active[last_job_id]}"
    if active:
        job_id, state = next(iter(active.items()))
        spider = crawl if isinstance(crawl, str) else crawl.spider
        return f"job {job_id} of spider {spider} is still {state}"
    return None


def schedule_fields(project: str, spider: str, settings: list[tuple[str, str]],
                    spider_args: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The form fields of one schedule.json request."""
    fields = [("project", project), ("spider", spider)]
    fields += [("setting", f"{key}={value}") for key, value in settings]
    fields += spider_args
    return fields


def tick(client: ScrapydClient, options: argparse.Namespace, last_jobs: dict[str, str]) -> dict[str, str]:
    """Schedule each crawl that is not still running; last_jobs (crawl name ->
    the job id this command scheduled last) with the new jobs."""
    listing = client.list_jobs(options.project)
    scheduled = dict(last_jobs)
    for crawl in options.crawls:
        reason = skip_reason(listing, crawl, last_jobs.get(crawl.name))
        if reason:
            logger.info("Skipping %s this tick: %s", crawl.name, reason)
            continue
        fields = schedule_fields(options.project, crawl.spider, options.setting, crawl.spider_args + options.arg)
        if crawl.spider != crawl.name:
            fields.append(("jobid", crawl.new_job_id()))
        scheduled[crawl.name] = client.schedule(fields)
        logger.info("Scheduled spider %s of project %s as job %s", crawl.spider, options.project,
                    scheduled[crawl.name])
    return scheduled


def run(client: ScrapydClient, options: argparse.Namespace) -> int:
    """Tick every options.every minutes, options.max_ticks times (None: forever).

    A failed tick (scrapyd down, unknown project...) is logged and the next
    one is tried; the exit status is that of the last tick.
    """
    last_jobs, ticks, status = {}, 0, 0
    started = time.monotonic()
    while options.max_ticks is None or ticks < options.max_ticks:
        try:
            last_jobs = tick(client, options, last_jobs)
            status = 0
        except ScrapydError as error:
            logger.error("Tick failed: %s", error)
            status = 1
        ticks += 1
        if options.max_ticks is None or ticks < options.max_ticks:
            time.sleep(seconds_to_next_tick(started, options.every * 60))
    return status


def seconds_to_next_tick(started: float, interval: float) -> float:
    """Seconds until the next multiple of interval after started; late ticks are dropped, not bunched."""
    elapsed = time.monotonic() - started
    return interval - elapsed % interval


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def positive_minutes(text: str) -> float:
    minutes = float(text)
    if minutes <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return minutes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m newscrawler.scheduler", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="scrapyd address (default %(default)s)")
    parser.add_argument("--project", default="newscrawler")
    parser.add_argument("--spider", action="append", default=[], metavar="SOURCE",
                        help="schedule this source's crawl (repeatable; default: every configured source)")
    parser.add_argument("--every", type=positive_minutes, metavar="MINUTES", help="minutes between ticks")
    parser.add_argument("--setting", type=key_value, action="append", default=[], metavar="KEY=VALUE",
                        help="Scrapy setting for the job (repeatable)")
    parser.add_argument("--arg", type=key_value, action="append", default=[], metavar="KEY=VALUE",
                        help="spider argument, e.g. feeds=URL,URL (repeatable)")
    parser.add_argument("--once", action="store_true", help="one tick, then exit (for cron)")
    parser.add_argument("--max-ticks", type=int, metavar="N", help="stop after N ticks")
    options = parser.parse_args(argv)
    if options.once:
        options.max_ticks = 1
    if options.max_ticks is not None and options.max_ticks < 1:
        parser.error("--max-ticks must be at least 1")
    if options.every is None and options.max_ticks != 1:
        parser.error("--every MINUTES is required unless --once (or --max-ticks 1)")
    reserved = sorted({key for key, _ in options.arg} & RESERVED_ARGS)
    if reserved:
        parser.error(f"--arg cannot set {', '.join(reserved)}: schedule.json reserves these names")
    try:
        options.crawls = configured_crawls(options.spider, project_feed_sources())
    except ValueError as error:
        parser.error(str(error))
    return options


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = parse_args(argv)
    try:
        return run(ScrapydClient(options.url), options)
    except KeyboardInterrupt:
        logger.info("Stopped")
        return 0


if __name__ == "__main__":
    from newscrawler.scheduler import main as scheduler_main  # so records are logged as newscrawler.scheduler

    sys.exit(scheduler_main())
