"""Serve the BBC fixture feed and pages from 127.0.0.1, for offline crawls.

    python -m tests.fixture_site --port 8000 --dir site
    scrapy crawl bbc -a feeds=http://127.0.0.1:8000/rss.xml

It serves four files, read from disk at every request, so an edit shows at
the next fetch, without a restart:

    /rss.xml                             rss.xml: the 2024-format fixture feed, its links pointed at this server
    /news/articles/cden3j9d1r7o          cden3j9d1r7o.html
    /news/health-54528983                54528983.html
    /news/av/uk-england-dorset-61896381  61896381.html

With `--dir DIR` the files are copied into DIR first (a file already there is
kept, edits and all) and served from there: edit those copies. Without it they
are served from tests/fixtures/bbc/ (rss/bbc_news_2024_format.xml and pages/),
which the tests read too. The feed lists the three articles, one of them twice
(under bbc.com and bbc.co.uk spellings), and a live page, which the crawl
skips. Ctrl-C stops the server (`kill %1` when it was started with `&`).
"""
import argparse
import shutil
import signal
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bbc"
FEED = FIXTURES / "rss" / "bbc_news_2024_format.xml"
FEED_PATH, FEED_NAME = "/rss.xml", "rss.xml"
ARTICLE_PAGES = {
    "/news/articles/cden3j9d1r7o": "cden3j9d1r7o.html",
    "/news/health-54528983": "54528983.html",
    "/news/av/uk-england-dorset-61896381": "61896381.html",
}


def fixture_files() -> dict[str, Path]:
    """URL path -> the fixture file served there."""
    return {FEED_PATH: FEED, **{path: FIXTURES / "pages" / name for path, name in ARTICLE_PAGES.items()}}


def copied_to(folder: Path) -> dict[str, Path]:
    """The fixture files copied into `folder` (those already there kept): URL path -> the copy."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for path, fixture in fixture_files().items():
        copy = folder / (FEED_NAME if path == FEED_PATH else fixture.name)
        if not copy.exists():
            shutil.copyfile(fixture, copy)
        files[path] = copy
    return files


def local_feed(base_url: str, feed_file: Path = FEED) -> bytes:
    feed = feed_file.read_text(encoding="utf-8")
    for host in ("https://www.bbc.com", "https://www.bbc.co.uk"):
        feed = feed.replace(f"<link>{host}/news", f"<link>{base_url}/news")
    return feed.encode("utf-8")


def publish(site, files: dict[str, Path] | None = None) -> str:
    """Serve the feed and articles on a SiteServer, each read from its file at
    every request (fixture_files() unless given); returns the feed URL."""
    files = files or fixture_files()
    for path in ARTICLE_PAGES:
        site.set_page(path, files[path].read_bytes, content_type="text/html")
    return site.set_page(FEED_PATH, lambda: local_feed(site.base_url, files[FEED_PATH]),
                         content_type="application/rss+xml")


def main(argv: list[str] | None = None) -> None:
    from tests.conftest import SiteServer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--dir", type=Path, help="copy the files here (once) and serve them from here")
    args = parser.parse_args(argv)
    files = copied_to(args.dir) if args.dir else fixture_files()
    # Ctrl-C stops the site even when started from a process that ignores SIGINT
    # (a background job, a test run): Python leaves an inherited SIG_IGN in place
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with SiteServer(port=args.port) as site:
        feed_url = publish(site, files)
        print(f"Serving the fixture feed at {feed_url} (Ctrl-C to stop), read at every request from:", flush=True)
        for path, file in files.items():
            print(f"  {site.base_url}{path}  {file.absolute()}", flush=True)
        try:
            site.thread.join()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
