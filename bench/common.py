"""Shared parts of the benchmarks in bench/: pages, a fast local site, a database
server, `scrapy crawl` subprocesses with their stats and resource usage.

Not a test module: nothing here is collected by pytest.
"""
import atexit
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_DIR / "bench"
# The project first: bench/pipelines.py must never shadow the project's pipelines package.
sys.path[:] = [str(PROJECT_DIR)] + [p for p in sys.path if p != str(PROJECT_DIR)]

from newscrawler.embedded import start_server  # noqa: E402
from newscrawler.extraction import extract  # noqa: E402
from newscrawler.sources.bbc import SOURCE as BBC  # noqa: E402
from tests.conftest import FIXTURES, free_port, rss_feed  # noqa: E402

PAGES_DIR = FIXTURES / "bbc" / "pages"
# the benchmarks' journal and data folder: nothing lands in the project's data/
BENCH_DATA_DIR = tempfile.mkdtemp(prefix="bench-data-")
FEED_PATH = "/feed.xml"
SEED = 20090510


@atexit.register
def _remove_bench_data() -> None:
    """A crawl given no MONGO_URI (crawl_e2e's bare crawls) starts the embedded
    server in BENCH_DATA_DIR and leaves it running, as it does for a user."""
    from newscrawler.embedded import EmbeddedServerError, stop_server
    from newscrawler.storage import DEFAULT_EMBEDDED_PORT
    try:
        stop_server(Path(BENCH_DATA_DIR), DEFAULT_EMBEDDED_PORT)
    except EmbeddedServerError as error:
        print(f"bench: {error}", file=sys.stderr)
    shutil.rmtree(BENCH_DATA_DIR, ignore_errors=True)


# ------------------------------------------------------------------ pages

@dataclass
class Template:
    """A fixture page cut where a numbered sentence goes in front of one body paragraph
    (at every copy of it: modern pages repeat their text in embedded JSON)."""
    name: str
    parts: list[bytes]
    anchor: bytes
    encoding: str

    def page(self, sentence: str) -> bytes:
        return (sentence.encode(self.encoding) + self.anchor).join(self.parts)


def _cuts(name: str, html: bytes, body: list[str]):
    """Ways to cut the raw HTML at the start of a body paragraph, fewest copies first."""
    candidates = set()
    for encoding in ("utf-8", "cp1252"):
        for index, text in enumerate(body):
            words = text.split()
            if len(words) >= 6:
                anchor = " ".join(words[:5]).encode(encoding, errors="ignore")
                if html.count(anchor):
                    candidates.add((html.count(anchor), index, encoding, anchor))
    for _, _, encoding, anchor in sorted(candidates):
        yield Template(name, html.split(anchor), anchor, encoding)


def load_templates() -> list[Template]:
    """The fixture pages, each checked: the inserted sentence must show in the extracted body."""
    templates = []
    probe_url = "http://127.0.0.1:1/news/bench-10000000"
    marker = "Benchmark probe sentence 424242. "
    for path in sorted(PAGES_DIR.iterdir()):
        html = path.read_bytes()
        for template in _cuts(path.name, html, extract(probe_url, html, "text/html", source=BBC).body):
            if any("424242" in block for block in extract(probe_url, template.page(marker), "text/html", source=BBC).body):
                templates.append(template)
                break
    if not templates:
        raise RuntimeError(f"no usable fixture page in {PAGES_DIR}")
    return templates


def sentence(number: int, round_: int = 0) -> str:
    if round_ == 0:
        return f"Benchmark page {number} carries this numbered sentence. "
    return f"Benchmark page {number} carries this numbered sentence, revised in round {round_}. "


def article_path(number: int) -> str:
    """A path the bbc spider classifies as an article (the bbc source's page_kind)."""
    return f"/news/bench-{10_000_000 + number}"


class PageSet:
    """`count` distinct article pages made from the fixtures, some of them edited."""

    def __init__(self, count: int, templates: list[Template] | None = None):
        self.count = count
        self.templates = templates or load_templates()
        self.edited: dict[int, int] = {}  # page number -> edit round
        self.paths = {article_path(n): n for n in range(count)}

    def edit(self, fraction: float, round_: int, seed: int = SEED) -> list[int]:
        """Edit `fraction` of the pages (a seeded sample) for `round_`; returns their numbers."""
        chosen = random.Random(seed + round_).sample(range(self.count), round(fraction * self.count))
        for number in chosen:
            self.edited[number] = round_
        return sorted(chosen)

    def body(self, number: int) -> bytes:
        template = self.templates[number % len(self.templates)]
        return template.page(sentence(number, self.edited.get(number, 0)))

    def raw_sizes(self) -> list[int]:
        return [len(self.body(n)) for n in range(self.count)]


# ------------------------------------------------------------------ the pipelines without a crawl

ITEM_HOST = "http://127.0.0.1:8000"


def article_fields(pages: PageSet, numbers, with_captures: bool = True) -> list[dict]:
    """Extracted fields of the pages, as the bbc spider puts them in an ArticleItem (no fetched_at);
    with_captures: also the page itself, from which feed_pipelines makes the item's capture."""
    from newscrawler.captures import page_hash
    from newscrawler.extractors import extractor_version

    fields = []
    for number in numbers:
        url = ITEM_HOST + article_path(number)
        html = pages.body(number)
        page = extract(url, html, "text/html", source=BBC)
        fields.append(dict(article_id=url, url=url, source="bbc", headline=page.headline, byline=page.byline,
                           published=page.published, modified=page.modified, body=list(page.body),
                           feed_url=ITEM_HOST + FEED_PATH, http_status=200,
                           page_hash=page_hash(html, "text/html"), extractor=extractor_version(BBC, page.layout),
                           **({"page": html} if with_captures else {})))
    return fields


def open_pipelines(uri: str, database: str):
    """NormalisePipeline and an opened RevisionPipeline, built as Scrapy builds them."""
    from scrapy.utils.test import get_crawler

    from pipelines.normalise import NormalisePipeline
    from pipelines.revisions import RevisionPipeline
    crawler = get_crawler(settings_dict={"MONGO_URI": uri, "MONGO_DATABASE": database,
                                         "NEWSCRAWLER_DATA_DIR": BENCH_DATA_DIR,
                                         "NEWSCRAWLER_JOURNAL_PATH": f"{BENCH_DATA_DIR}/journal.jsonl"})
    normalise = NormalisePipeline()
    revisions = RevisionPipeline.from_crawler(crawler)
    revisions.open_spider()
    return normalise, revisions


def feed_pipelines(normalise, revisions, fields: list[dict]):
    """Send items made from `fields` through both pipelines, one after the other; yields (item, what the
    revision pipeline passed on or the DropItem it raised, seconds in normalise, seconds in revisions).
    A coroutine process_item is awaited, all items in one event loop, as Scrapy's asyncio reactor would."""
    import asyncio
    import inspect
    from datetime import timezone

    from scrapy.exceptions import DropItem

    from newscrawler.items import ArticleItem, PageCapture

    def make(values):
        values, html, now = dict(values), values.get("page"), datetime.now(timezone.utc)
        values.pop("page", None)
        capture = html and PageCapture(url=values["url"], status=200, headers=[("Content-Type", "text/html")],
                                       body=html, fetched_at=now, page_hash=values["page_hash"])
        return ArticleItem(**{**values, "body": list(values["body"])}, fetched_at=now, capture=capture)

    if inspect.iscoroutinefunction(revisions.process_item):
        async def feed_all():
            done = []
            for values in fields:
                t0 = time.perf_counter()
                item = normalise.process_item(make(values))
                t1 = time.perf_counter()
                try:
                    result = await revisions.process_item(item)
                except DropItem as dropped:
                    result = dropped
                done.append((item, result, t1 - t0, time.perf_counter() - t1))
            return done
        yield from asyncio.run(feed_all())
        return
    for values in fields:
        t0 = time.perf_counter()
        item = normalise.process_item(make(values))
        t1 = time.perf_counter()
        try:
            result = revisions.process_item(item)
        except DropItem as dropped:
            result = dropped
        yield item, result, t1 - t0, time.perf_counter() - t1


# ------------------------------------------------------------------ the local site

class BenchSite:
    """A Twisted web server on 127.0.0.1 serving a PageSet and its RSS feed from memory.

    It runs the reactor in a thread of the calling (benchmark) process, which
    otherwise only waits for crawl subprocesses. Pages are built on request by
    joining two byte strings, so 10,000 pages cost no memory to speak of.
    """

    def __init__(self, pages: PageSet):
        self.pages = pages
        self.port = None
        self.requests = 0
        # every answer made distinct by a comment, as pages with a per-request
        # token are: the same text in new bytes
        self.vary_bytes = False
        self._feeds = {}
        self._thread = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port.getHost().port}"

    @property
    def feed_url(self) -> str:
        return self.base_url + FEED_PATH

    def feed(self, count: int | None = None) -> bytes:
        paths = list(self.pages.paths)[:count]
        return rss_feed([self.base_url + path for path in paths], title="Benchmark feed")

    def add_feed(self, count: int) -> str:
        """Another feed, of the first `count` pages; returns its URL."""
        path = f"/feed-{count}.xml"
        self._feeds[path] = self.feed(count)
        return self.base_url + path

    def start(self) -> "BenchSite":
        from twisted.internet import reactor
        from twisted.web import resource, server

        site = self

        class Pages(resource.Resource):
            isLeaf = True

            def render_GET(self, request):
                site.requests += 1
                path = request.path.decode("latin-1")
                if path in site._feeds:
                    request.setHeader(b"Content-Type", b"application/rss+xml")
                    return site._feeds[path]
                number = site.pages.paths.get(path)
                if number is None:
                    request.setResponseCode(404)
                    request.setHeader(b"Content-Type", b"text/plain")
                    return b"not found"
                request.setHeader(b"Content-Type", b"text/html")
                body = site.pages.body(number)
                if site.vary_bytes:
                    body = body.replace(b"</head>", b"<!-- request %d --></head>" % site.requests, 1)
                return body

        factory = server.Site(Pages())
        factory.log = lambda request: None  # no access log
        factory.noisy = False
        self.port = reactor.listenTCP(0, factory, interface="127.0.0.1", backlog=512)
        self._feeds = {FEED_PATH: self.feed()}
        self._thread = threading.Thread(target=reactor.run, kwargs={"installSignalHandlers": False},
                                        daemon=True, name="bench-site")
        self._thread.start()
        return self

    def stop(self) -> None:
        from twisted.internet import reactor
        if self._thread is not None:
            reactor.callFromThread(reactor.stop)
            self._thread.join(timeout=10)


# ------------------------------------------------------------------ database

@contextmanager
def secantus_server(folder: Path | None = None, cache_size: str | None = None):
    """A secantusdb server on a free port; yields its URI. Its data is in a temporary
    folder, deleted afterwards, or in `folder`, kept for the next run. `cache_size`
    ("8G") sizes its WiredTiger cache (secantusdb's default: 1G)."""
    keep = folder is not None
    folder = Path(folder) if keep else Path(tempfile.mkdtemp(prefix="bench-secantus-"))
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    if keep:  # opening a large kept database takes secantusdb minutes
        import newscrawler.embedded
        newscrawler.embedded.STARTUP_TIMEOUT_SECONDS = max(newscrawler.embedded.STARTUP_TIMEOUT_SECONDS, 1800)
        read_ahead(folder / "db")
    process = start_server(folder / "db", "127.0.0.1", port, folder / "server.log", cache_size)
    try:
        yield DatabaseServer(f"mongodb://127.0.0.1:{port}/", process.pid, folder / "db")
    finally:
        process.terminate()
        try:
            process.wait(timeout=120 if keep else 30)  # a kept folder: let it checkpoint
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def read_ahead(storage_path: Path) -> None:
    """Read a kept database's files once, in order, into the system's file cache.
    secantusdb opens a folder by reading every document back to front, at about
    18 MB/s here; read ahead at about 200 MB/s, the 21 GB folder of bench/scale.py
    opened in 4 minutes instead of 23 (docs/mongodb-compatibility.md, section 9)."""
    files = sorted(storage_path.glob("*.wt"), key=lambda path: path.stat().st_size, reverse=True)
    for path in files:
        with open(path, "rb") as data:
            while data.read(4 << 20):
                pass


@dataclass
class DatabaseServer:
    uri: str
    pid: int | None = None  # None: an outside server (MONGO_URI); its CPU time is not measured
    storage_path: Path | None = None

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self.pid) if self.pid else None


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a live process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


# ------------------------------------------------------------------ crawls

BARE_SPIDER = BENCH_DIR / "bare_spider.py"


@dataclass
class CrawlResult:
    label: str
    returncode: int
    wall_seconds: float
    cpu_seconds: float  # user + system of the crawl process
    maxrss_kb: int  # peak resident set of the crawl process (ru_maxrss via wait4)
    stats: dict
    stderr_path: Path
    db_cpu_seconds: float | None = None
    site_cpu_seconds: float | None = None
    rss_samples: list = field(default_factory=list)  # (seconds since start, VmRSS kB), every 0.25 s

    @property
    def elapsed(self) -> float:
        return float(self.stats.get("elapsed_time_seconds") or 0)

    @property
    def pages(self) -> int:
        """Article responses: every response but the feed's."""
        return int(self.stats.get("downloader/response_count", 0)) - 1

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.elapsed if self.elapsed else 0.0

    def stat(self, name: str, default=0):
        return self.stats.get(name, default)


def crawl_settings(concurrency: int, per_domain: int, mongo_uri: str | None = None,
                   database: str | None = None, extra: dict | None = None) -> list[str]:
    settings = {
        "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_domain, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "INFO",
        "NEWSCRAWLER_FEED_MAX_ENTRIES": 100000, "TELNETCONSOLE_ENABLED": False,
        # nothing of the benchmarks lands in the project's data/ folder (journal, embedded server)
        "NEWSCRAWLER_DATA_DIR": BENCH_DATA_DIR, "NEWSCRAWLER_JOURNAL_PATH": f"{BENCH_DATA_DIR}/journal.jsonl",
    }
    if mongo_uri:
        settings["MONGO_URI"] = mongo_uri
    if database:
        settings["MONGO_DATABASE"] = database
    settings.update(extra or {})
    args = []
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    return args


def bbc_crawl_command(feed_url: str, settings: list[str]) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "bbc", "-a", f"feeds={feed_url}", "-a", "recheck=none",
            *settings]


def bare_crawl_command(feed_url: str, settings: list[str]) -> list[str]:
    return [sys.executable, "-m", "scrapy", "runspider", str(BARE_SPIDER), "-a", f"feeds={feed_url}", *settings]


def run_crawl(label: str, command: list[str], log_dir: Path, db: DatabaseServer | None = None,
              timeout: float = 3600) -> CrawlResult:
    """Run one crawl subprocess in the project folder; its stats come from its own stats dump."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stderr_path = log_dir / f"{label.replace(' ', '_').replace('/', '_')}.log"
    db_cpu_before = db.cpu_seconds() if db else None
    site_cpu_before = time.process_time()
    start = time.perf_counter()
    with open(stderr_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
        )
        deadline = start + timeout
        rss_samples, next_sample = [], start
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() >= next_sample:
                rss = vm_rss_kb(process.pid)
                if rss:
                    rss_samples.append((time.perf_counter() - start, rss))
                next_sample += 0.25
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    db_cpu = db.cpu_seconds() if db else None
    log_text = stderr_path.read_text(errors="replace")
    result = CrawlResult(
        label=label, returncode=process.returncode, wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime, maxrss_kb=usage.ru_maxrss,
        stats=parse_stats(log_text), stderr_path=stderr_path,
        db_cpu_seconds=(db_cpu - db_cpu_before) if db_cpu is not None and db_cpu_before is not None else None,
        # the site server is the only busy thread of this process while a crawl runs
        site_cpu_seconds=time.process_time() - site_cpu_before, rss_samples=rss_samples,
    )
    if result.returncode != 0 or "Traceback" in log_text or not result.stats:
        raise RuntimeError(f"crawl {label!r} failed (exit {result.returncode}); see {stderr_path}\n"
                           + log_text[-3000:])
    return result


def vm_rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def parse_stats(log_text: str) -> dict:
    """The dict of Scrapy's 'Dumping Scrapy stats' log record."""
    marker = "Dumping Scrapy stats:"
    at = log_text.rfind(marker)
    if at < 0:
        return {}
    lines = log_text[at + len(marker):].lstrip("\n").splitlines()
    text = ""
    for line in lines:
        text += line + "\n"
        if line.rstrip().endswith("}"):
            try:
                return eval(text, {"__builtins__": {}, "datetime": __import__("datetime")})  # noqa: S307
            except SyntaxError:
                continue
    return {}


# ------------------------------------------------------------------ reporting

def machine_description() -> str:
    import pymongo
    import scrapy
    import twisted
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=PROJECT_DIR, capture_output=True,
                            text=True).stdout.strip()
    return (f"{datetime.now().isoformat(timespec='seconds')}; commit {commit}; nproc {os.cpu_count()}; memory {memory_gb:.1f} GiB; "
            f"Python {platform.python_version()}; Scrapy {scrapy.__version__}; Twisted {twisted.__version__}; "
            f"pymongo {pymongo.__version__}; load average before the run {load}")


def print_table(headers: list[str], rows: list[list], file=None) -> None:
    cells = [[str(h) for h in headers]] + [[format_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))), file=file)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=file)


def format_cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def met(flag: bool) -> str:
    return "met" if flag else "MISSED"


def self_maxrss_children_kb() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
