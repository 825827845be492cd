"""Serve the BBC fixture feed and pages from 127.0.0.1, for offline crawls.

    python -m tests.fixture_site --port 8000
    scrapy crawl bbc -a feeds=http://127.0.0.1:8000/rss.xml

The feed is the 2024-format fixture feed with its article links pointed at this
server. It lists three articles, one of them twice (under bbc.com and bbc.co.uk
spellings), and a live page, which the crawl skips.
"""
import argparse
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bbc"
FEED = FIXTURES / "rss" / "bbc_news_2024_format.xml"
ARTICLE_PAGES = {
    "/news/articles/cden3j9d1r7o": "cden3j9d1r7o.html",
    "/news/health-54528983": "54528983.html",
    "/news/av/uk-england-dorset-61896381": "61896381.html",
}


def local_feed(base_url: str) -> bytes:
    feed = FEED.read_text(encoding="utf-8")
    for host in ("https://www.bbc.com", "https://www.bbc.co.uk"):
        feed = feed.replace(f"<link>{host}/news", f"<link>{base_url}/news")
    return feed.encode("utf-8")


def publish(site) -> str:
    """Put the fixture articles and the local feed on a SiteServer; returns the feed URL."""
    for path, name in ARTICLE_PAGES.items():
        site.set_page(path, (FIXTURES / "pages" / name).read_bytes(), content_type="text/html")
    return site.set_page("/rss.xml", local_feed(site.base_url), content_type="application/rss+xml")


def main() -> None:
    from tests.conftest import SiteServer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    port = parser.parse_args().port
    with SiteServer(port=port) as site:
        print(f"Serving the fixture feed at {publish(site)} (Ctrl-C to stop)", flush=True)
        try:
            site.thread.join()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
