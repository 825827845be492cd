"""Under scrapyd: deploy the project's egg, run `bbc` as a job, and the periodic scheduler.

A real scrapyd is started once for this module, on a free loopback port, from
a temporary folder of its own and without PYTHONPATH, so jobs import the
project only from the deployed egg. The project is deployed with
scrapyd-deploy from a copy of the checkout whose scrapy.cfg gets an extra
target, so the committed scrapy.cfg is never touched.
"""
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from newscrawler import scheduler
from newscrawler.sources import SOURCES
from tests.conftest import FIXTURES, PROJECT_DIR, free_port, rss_feed

ARTICLE_PATH = "/1/hi/uk/6072486.stm"
ARTICLE_FIXTURE = FIXTURES / "bbc" / "versions" / "6072486-A.stm.html"
JOB_TIMEOUT = 90
# Set by the test runner or a shell; a job must see none of them, only its egg and its settings.
HOST_VARIABLES = ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "MONGO_URI", "MONGO_DATABASE",
                  "NEWSCRAWLER_DATA_DIR")

SCRAPYD_CONF = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {folder}/eggs
logs_dir = {folder}/logs
items_dir = {folder}/items
dbs_dir = {folder}/dbs
poll_interval = 0.5
jobs_to_keep = 50
"""


# A scrapyd of our own

@dataclass
class Scrapyd:
    url: str
    folder: Path
    process: subprocess.Popen

    def get(self, endpoint: str, **params) -> dict:
        with urlopen(f"{self.url}/{endpoint}?{urlencode(params)}", timeout=10) as response:
            return json.load(response)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict:
        with urlopen(f"{self.url}/{endpoint}", data=urlencode(fields).encode(), timeout=30) as response:
            return json.load(response)

    def job_log(self, job_id: str) -> str:
        return (self.folder / "logs" / "newscrawler" / "bbc" / f"{job_id}.log").read_text()


def job_environment() -> dict:
    return {name: value for name, value in os.environ.items() if name not in HOST_VARIABLES}


def wait_until_answering(server: Scrapyd, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"scrapyd exited with {server.process.returncode}: "
                        f"{(server.folder / 'scrapyd.out').read_text()[-3000:]}")
        try:
            if server.get("daemonstatus.json")["status"] == "ok":
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"scrapyd did not answer within {timeout} s")


def stop(server: Scrapyd) -> None:
    """Cancel leftover jobs, then stop scrapyd by its PID."""
    try:
        for job_id in active_job_ids(server):
            server.post("cancel.json", [("project", "newscrawler"), ("job", job_id)])
    except OSError:
        pass
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


@pytest.fixture(scope="module")
def scrapyd_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (folder / "scrapyd.conf").write_text(SCRAPYD_CONF.format(port=port, folder=folder))
    with open(folder / "scrapyd.out", "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "scrapyd", "--pidfile="], cwd=folder,
                                   stdout=output, stderr=subprocess.STDOUT, env=job_environment())
    server = Scrapyd(f"http://127.0.0.1:{port}", folder, process)
    try:
        wait_until_answering(server)
        yield server
    finally:
        stop(server)


# Deploying

def copy_project(destination: Path) -> None:
    """The files a deploy from the checkout would see: tracked and untracked, minus ignored ones."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=PROJECT_DIR, capture_output=True, check=True).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = PROJECT_DIR / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


@pytest.fixture(scope="module")
def deployed(scrapyd_server, tmp_path_factory) -> dict:
    """scrapyd-deploy's answer after deploying the project as version "e2e"."""
    project = tmp_path_factory.mktemp("project")
    copy_project(project)
    with open(project / "scrapy.cfg", "a") as config:
        config.write(f"\n[deploy:e2e]\nurl = {scrapyd_server.url}\nproject = newscrawler\n")
    result = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", "e2e", "--version", "e2e"],
                            cwd=project, capture_output=True, text=True, timeout=120, env=job_environment())
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout)
    # addversion.json answers 200 even when the egg cannot be imported: only `status` tells.
    assert answer["status"] == "ok", answer
    assert (project / "setup.py").read_text() == (PROJECT_DIR / "setup.py").read_text()  # used, not rewritten
    return answer


def test_egg_holds_both_top_level_packages(scrapyd_server, deployed):
    assert deployed["spiders"] == len(SOURCES) + 2  # one per source, feed and reextract
    [egg] = (scrapyd_server.folder / "eggs" / "newscrawler").glob("e2e*.egg")
    names = set(zipfile.ZipFile(egg).namelist())
    assert {"newscrawler/settings.py", "newscrawler/spiders/news.py", "pipelines/revisions.py"} <= names
    assert {name.split("/")[0] for name in names} == {"newscrawler", "pipelines", "EGG-INFO"}  # no tests, no bench
    assert "settings = newscrawler.settings" in zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()
    assert scrapyd_server.get("listspiders.json", project="newscrawler")["spiders"] == sorted([*SOURCES, "feed", "reextract"])


# Jobs

def all_jobs(server: Scrapyd) -> dict[str, str]:
    """Job id -> state, for every job of the project."""
    listing = server.get("listjobs.json", project="newscrawler")
    return {job["id"]: state for state in ("pending", "running", "finished") for job in listing[state]}


def active_job_ids(server: Scrapyd) -> set[str]:
    return {job_id for job_id, state in all_jobs(server).items() if state != "finished"}


def wait_for_finish(server: Scrapyd, job_id: str, timeout: float = JOB_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all_jobs(server).get(job_id) == "finished":
            return
        time.sleep(0.25)
    pytest.fail(f"job {job_id} did not finish within {timeout} s:\n{server.job_log(job_id)[-3000:]}")


def assert_clean_log(server: Scrapyd, job_id: str) -> str:
    log = server.job_log(job_id)
    assert "Traceback" not in log, log[-3000:]
    assert "ERROR" not in log, log[-3000:]
    return log


def serve_article(site) -> str:
    return site.set_page(ARTICLE_PATH, ARTICLE_FIXTURE.read_bytes(), content_type="text/html")


def test_scheduled_bbc_job_stores_a_revision(scrapyd_server, deployed, site, store, mongo_uri, database_name):
    article_url = serve_article(site)
    feed_url = site.set_page("/feed.xml", rss_feed([article_url]), content_type="application/rss+xml")
    answer = scrapyd_server.post("schedule.json", [
        ("project", "newscrawler"), ("spider", "bbc"),
        ("setting", f"MONGO_URI={mongo_uri}"), ("setting", f"MONGO_DATABASE={database_name}"),
        ("setting", "DOWNLOAD_DELAY=0"), ("feeds", feed_url),
    ])
    assert answer["status"] == "ok", answer

    wait_for_finish(scrapyd_server, answer["jobid"])

    assert_clean_log(scrapyd_server, answer["jobid"])
    assert [revision["version"] for revision in store.revisions(article_url)] == [1]


def test_job_that_cannot_use_its_database_is_reported_failed(scrapyd_server, deployed, site):
    feed_url = site.set_page("/feed.xml", rss_feed([]), content_type="application/rss+xml")
    answer = scrapyd_server.post("schedule.json", [
        ("project", "newscrawler"), ("spider", "bbc"), ("setting", f"MONGO_URI=mongodb://127.0.0.1:{free_port()}/"),
        ("setting", "MONGO_TIMEOUT_MS=500"), ("feeds", feed_url),
    ])
    wait_for_finish(scrapyd_server, answer["jobid"])
    log = scrapyd_server.job_log(answer["jobid"])
    assert "Traceback" not in log
    assert "Crawl failed (storage_unavailable)" in log
    scrapyd_log = (scrapyd_server.folder / "scrapyd.out").read_text()
    assert f"Process died: exitstatus=1 project='newscrawler' spider='bbc' job='{answer['jobid']}'" in scrapyd_log


# The scheduler against scrapyd

class HeldFeed:
    """Serves one feed, but holds every feed request until `release()`: a job that stays running."""

    def __init__(self, body: bytes, hold_seconds: float = 30):
        self.body = body
        self.hold_seconds = hold_seconds
        self.requested = threading.Event()
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feed.xml"

    def release(self) -> None:
        self.released.set()

    def _handler_class(self):
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/feed.xml":
                    self.send_error(404)
                    return
                feed.requested.set()
                feed.released.wait(feed.hold_seconds)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(feed.body)))
                self.end_headers()
                self.wfile.write(feed.body)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.server.shutdown()
        self.server.server_close()


def run_scheduler_process(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawler.scheduler", *argv], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})


def test_scheduler_skips_ticks_while_its_job_runs(scrapyd_server, deployed, site, store, mongo_uri,
                                                 database_name, caplog):
    caplog.set_level(logging.INFO, logger="newscrawler.scheduler")
    article_url = serve_article(site)
    with HeldFeed(rss_feed([article_url])) as feed:
        argv = ["--url", scrapyd_server.url, "--spider", "bbc", "--setting", f"MONGO_URI={mongo_uri}",
                "--setting", f"MONGO_DATABASE={database_name}", "--setting", "DOWNLOAD_DELAY=0",
                # the held feed and the article are served on two loopback ports
                "--setting", "NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS=True",
                "--arg", f"feeds={feed.url}"]
        jobs_before = set(all_jobs(scrapyd_server))

        # Two ticks a second apart while the feed is held: one job, then a skip.
        assert scheduler.main([*argv, "--every", str(1 / 60), "--max-ticks", "2"]) == 0
        [job_id] = set(all_jobs(scrapyd_server)) - jobs_before
        assert f"Skipping bbc this tick: previous job {job_id} is still" in caplog.text

        # A fresh --once process has no memory of the job: listjobs.json is what keeps it from scheduling.
        assert feed.requested.wait(30), "the job never asked for the feed"
        result = run_scheduler_process("--once", *argv)
        assert result.returncode == 0, result.stderr
        assert f"job {job_id} of spider bbc is still running" in result.stderr
        assert set(all_jobs(scrapyd_server)) - jobs_before == {job_id}

        feed.release()
        wait_for_finish(scrapyd_server, job_id)
        assert scheduler.main(["--once", *argv]) == 0
        [next_job_id] = set(all_jobs(scrapyd_server)) - jobs_before - {job_id}
        wait_for_finish(scrapyd_server, next_job_id)

    for finished_job in (job_id, next_job_id):
        assert_clean_log(scrapyd_server, finished_job)
    assert [revision["version"] for revision in store.revisions(article_url)] == [1]
    assert store.article(article_url)["checks"] == 2


def test_scheduler_reports_scrapyd_errors(scrapyd_server, deployed):
    client = scheduler.ScrapydClient(scrapyd_server.url)
    with pytest.raises(scheduler.ScrapydError, match="project 'nosuchproject' not found"):
        client.list_jobs("nosuchproject")
    assert scheduler.main(["--url", scrapyd_server.url, "--once", "--project", "nosuchproject"]) == 1


# The skip decision, without a server

def listing(pending=(), running=(), finished=()) -> dict:
    def jobs(entries):
        return [{"id": job_id, "spider": spider} for job_id, spider in entries]
    return {"status": "ok", "pending": jobs(pending), "running": jobs(running), "finished": jobs(finished)}


@pytest.mark.parametrize("jobs, last_job_id, reason", [
    (listing(), None, None),
    (listing(finished=[("a", "bbc")]), "a", None),
    (listing(running=[("x", "other")], pending=[("y", "other")]), None, None),
    (listing(pending=[("a", "bbc")]), "a", "previous job a is still pending"),
    (listing(running=[("a", "bbc")]), "a", "previous job a is still running"),
    (listing(running=[("b", "bbc")], finished=[("a", "bbc")]), "a", "job b of spider bbc is still running"),
    (listing(pending=[("c", "bbc")]), None, "job c of spider bbc is still pending"),
    (listing(pending=[("c", "bbc")], running=[("a", "bbc")]), "a", "previous job a is still running"),
])
def test_skip_reason(jobs, last_job_id, reason):
    assert scheduler.skip_reason(jobs, "bbc", last_job_id) == reason


class FakeScrapyd:
    """Answers listjobs.json from a script of listings (or errors); records schedule.json calls."""

    def __init__(self, listings: list[dict]):
        self.listings = listings
        self.scheduled: list[list[tuple[str, str]]] = []

    def list_jobs(self, project: str) -> dict:
        answer = self.listings.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def schedule(self, fields: list[tuple[str, str]]) -> str:
        self.scheduled.append(fields)
        return f"job{len(self.scheduled)}"


def test_run_schedules_skips_and_schedules_again(monkeypatch):
    monkeypatch.setattr(scheduler.time, "sleep", lambda seconds: None)
    fake = FakeScrapyd([listing(), listing(running=[("job1", "bbc")]), listing(finished=[("job1", "bbc")])])
    options = scheduler.parse_args(["--every", "5", "--max-ticks", "3", "--spider", "bbc",
                                    "--setting", "MONGO_URI=mongodb://db/", "--arg", "feeds=http://a/,http://b/"])
    assert scheduler.run(fake, options) == 0
    assert len(fake.scheduled) == 2
    assert fake.scheduled[0] == [("project", "newscrawler"), ("spider", "bbc"),
                                 ("setting", "MONGO_URI=mongodb://db/"), ("feeds", "http://a/,http://b/")]


def test_failed_tick_is_logged_and_the_next_one_tried(monkeypatch, caplog):
    monkeypatch.setattr(scheduler.time, "sleep", lambda seconds: None)
    fake = FakeScrapyd([scheduler.ScrapydError("connection refused"), listing()])
    options = scheduler.parse_args(["--every", "1", "--max-ticks", "2", "--spider", "bbc"])
    assert scheduler.run(fake, options) == 0
    assert "Tick failed: connection refused" in caplog.text
    assert len(fake.scheduled) == 1


def test_every_configured_source_is_scheduled_by_default(monkeypatch):
    monkeypatch.setattr(scheduler, "project_feed_sources", lambda: {"npr": ["http://127.0.0.1:1/npr.xml"]})
    fake = FakeScrapyd([listing()])
    options = scheduler.parse_args(["--once"])
    scheduler.run(fake, options)
    spiders = [dict(fields)["spider"] for fields in fake.scheduled]
    assert spiders == [*SOURCES, "feed"]
    npr = dict(fake.scheduled[-1])
    assert npr["source"] == "npr" and npr["jobid"].startswith("npr-")


def test_a_feed_source_is_skipped_only_while_its_own_job_runs():
    npr, aljazeera = scheduler.Crawl.named("npr", set(SOURCES)), scheduler.Crawl.named("aljazeera", set(SOURCES))
    jobs = listing(running=[("npr-1f2e", "feed")])
    assert scheduler.skip_reason(jobs, npr, None) == "job npr-1f2e of spider feed is still running"
    assert scheduler.skip_reason(jobs, aljazeera, None) is None
    assert scheduler.skip_reason(jobs, scheduler.Crawl.named("bbc", set(SOURCES)), None) is None


@pytest.mark.parametrize("argv", [
    [],                                   # no --every and not --once
    ["--once", "--arg", "project=x"],     # schedule.json would take it as the project
    ["--once", "--setting", "NOEQUALS"],
    ["--every", "0"],
    ["--every", "5", "--max-ticks", "0"],
    ["--once", "--spider", "nosuchsource"],
])
def test_bad_command_lines_are_refused(argv):
    with pytest.raises(SystemExit):
        scheduler.parse_args(argv)
