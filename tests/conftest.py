"""Shared test fixtures: a real secantusdb server, a local web server, crawls.

The database server is a separate process on a free loopback port, started
once per test session; each test gets a database of its own on it.
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dataclasses

import pytest

from newscrawler.embedded import start_server
from newscrawler.extraction import ExtractedArticle, extract
from newscrawler.sources import source_named
from newscrawler.storage import RevisionStore
from pipelines.normalise import normalise_blocks, normalise_text

PROJECT_DIR = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def read_article(url: str, body: bytes | str, content_type: str | None = None,
                 source: str = "bbc") -> ExtractedArticle:
    """The article as extraction reads it with this source's layouts and the
    pipeline normalises it: the text a revision would store."""
    article = extract(url, body, content_type, source=source_named(source))
    byline = article.byline and normalise_text(article.byline)
    return dataclasses.replace(article, headline=normalise_text(article.headline),
                               body=normalise_blocks(article.body), byline=byline or None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory):
    folder = tmp_path_factory.mktemp("secantus")
    port = free_port()
    process = start_server(folder / "db", "127.0.0.1", port, folder / "server.log")
    yield f"mongodb://127.0.0.1:{port}/"
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def database_name(request) -> str:
    return "test_" + re.sub(r"\W+", "_", request.node.name)[-50:]


@pytest.fixture
def store(mongo_uri, database_name):
    revision_store = RevisionStore(mongo_uri, database_name)
    revision_store.open()
    revision_store.client.drop_database(database_name)
    revision_store.ensure_indexes()
    yield revision_store
    revision_store.close()


class BackloggedHTTPServer(ThreadingHTTPServer):
    request_queue_size = 128  # the default of 5 drops connections when crawls run at high concurrency


class SiteServer:
    """A web server on 127.0.0.1 whose pages tests set and change at will."""

    def __init__(self, port: int = 0):
        self.pages: dict[str, tuple[int, dict, bytes]] = {}
        self.delays: dict[str, float] = {}
        self.requests: list[str] = []
        self.request_headers: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.server = BackloggedHTTPServer(("127.0.0.1", port), self._handler_class())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def set_page(self, path: str, body, content_type: str = "text/html; charset=utf-8",
                 status: int = 200, headers: dict | None = None, delay: float = 0):
        """Serve `body` at `path`: bytes, or a function giving them at each request
        (e.g. a file's current contents). With an ETag header, a matching If-None-Match gets a 304."""
        self.pages[path] = (status, {"Content-Type": content_type, **(headers or {})}, body)
        self.delays[path] = delay
        return self.base_url + path

    def fetches(self, path: str) -> int:
        return self.requests.count(path)

    def _handler_class(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with site.lock:
                    site.requests.append(self.path)
                    site.request_headers.append((self.path, dict(self.headers)))
                status, headers, body = site.pages.get(self.path, (404, {"Content-Type": "text/plain"}, b"not found"))
                body = body() if callable(body) else body
                time.sleep(site.delays.get(self.path, 0))
                if "ETag" in headers and self.headers.get("If-None-Match") == headers["ETag"]:
                    status, body = 304, b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    with SiteServer() as server:
        yield server


def article_page(death_toll: int) -> bytes:
    """A real 2024 BBC article page; pages of different death tolls differ by one number in the text."""
    page = (FIXTURES / "bbc" / "pages" / "cden3j9d1r7o.html").read_bytes()
    return page.replace(b"At least 15 people have died", f"At least {death_toll} people have died".encode())


def rss_feed(links: list[str], title: str = "Test feed") -> bytes:
    items = "".join(
        f"<item><title>Entry {n}</title><link>{link}</link><guid isPermaLink=\"false\">{link}#{n}</guid></item>"
        for n, link in enumerate(links)
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.invalid/</link>{items}</channel></rss>").encode()


def crawl_command(feed_url: str, mongo_uri: str | None, database: str, *extra: str,
                  spider: str = "bbc") -> list[str]:
    """`scrapy crawl bbc` (or another spider) over one feed; with mongo_uri None, the embedded default is used."""
    database_settings = ["-s", f"MONGO_URI={mongo_uri}"] if mongo_uri else []
    return [
        sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"feeds={feed_url}",
        *database_settings, "-s", f"MONGO_DATABASE={database}", "-s", "DOWNLOAD_DELAY=0", *extra,
    ]


def stat(crawl, name: str) -> int:
    """A counter from a crawl's stats dump (0 if it is not there)."""
    found = re.search(rf"'{re.escape(name)}': (\d+)", crawl.stderr)
    return int(found.group(1)) if found else 0


def articles_by_status(store) -> dict:
    """What the articles say, counted one by one: what the totals must be."""
    counts = {}
    for article in store.db.articles.find({"status": {"$exists": True}}, {"source": 1, "status": 1}):
        key = (article["source"], article["status"])
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def run_crawl(feed_url: str, mongo_uri: str, database: str, *extra: str, timeout: int = 120, spider: str = "bbc"):
    result = subprocess.run(
        crawl_command(feed_url, mongo_uri, database, *extra, spider=spider), cwd=PROJECT_DIR,
        capture_output=True, text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


@pytest.fixture
def garbage_listener():
    """A plain TCP server that answers anything with bytes that are not MongoDB's."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            with connection:
                connection.sendall(b"HTTP/1.0 200 OK\r\n\r\nnot a database\r\n" * 4)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    listener.close()
