"""Scrapy settings of newscrawler.

Custom settings (all read in one `from_crawler` each):
- MONGO_URI: MongoDB to store into; default: the MONGO_URI environment
  variable; empty means the embedded local secantusdb server.
- MONGO_DATABASE: database name (default "newscrawler", or $MONGO_DATABASE).
- MONGO_TIMEOUT_MS: how long to wait for the server before giving up.
- NEWSCRAWLER_DATA_DIR: where the embedded server keeps its data
  (default: data/ beside scrapy.cfg).
- NEWSCRAWLER_EMBEDDED_PORT: loopback port of the embedded server.
- NEWSCRAWLER_BBC_FEEDS: the feeds the bbc spider reads; `-a feeds=URL,...`
  replaces them for one run.
- NEWSCRAWLER_RECHECK_*: the re-check schedule and how many due articles a
  run claims (see newscrawler/schedule.py and newscrawler/rechecks.py).
- NEWSCRAWLER_NOW: run the crawl as if at this ISO time (tests, replays).
- NEWSCRAWLER_FEED_MAX_ENTRIES: entries used per feed; the rest are counted as
  skipped (default 1000, kept in the bbc spider).
- NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS: follow feed links and redirects to
  loopback and private-network hosts other than the feed's own host and port,
  and names that resolve to such addresses (default off: a feed must not
  reach internal services; file: feeds always may).
- NEWSCRAWLER_DATA_DIR / NEWSCRAWLER_EMBEDDED_PORT: see newscrawler/embedded.py
  for how the embedded server of a data directory is found or started.
"""
import os
from pathlib import Path

from scrapy.utils.conf import closest_scrapy_cfg

BOT_NAME = "newscrawler"
SPIDER_MODULES = ["newscrawler.spiders"]
NEWSPIDER_MODULE = "newscrawler.spiders"
# `scrapy crawl` exits with status 1 when the crawl failed (newscrawler/commands/crawl.py)
COMMANDS_MODULE = "newscrawler.commands"

USER_AGENT = "newscrawler/0.1 (news article change tracker; polite re-checks)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 30
# Articles and feeds are well under 1 MB; a bigger answer is cancelled and counted as a failed check.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
HTTPCACHE_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control runs Python code sent to an HTTP port on localhost: off, like the telnet console.
REMOTE_CONTROL_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
# An article page yields one or two items; Scrapy's default of 100 makes 100
# asyncio tasks per response for nothing (see bench/README.md).
CONCURRENT_ITEMS = 4
LOG_LEVEL = "INFO"

# Names resolving to loopback or private addresses are refused when connecting (newscrawler/resolver.py)
TWISTED_DNS_RESOLVER = "newscrawler.resolver.PrivateAddressResolver"
DOWNLOADER_MIDDLEWARES = {
    # a redirect hop to a private host is refused before even its robots.txt is asked for (100)
    "newscrawler.middlewares.PrivateRedirectGuard": 50,
    # exceptions: a refused name is no DNS error for RetryMiddleware (550) to retry
    "newscrawler.middlewares.ResolverRefusals": 650,
    # exceptions: after RetryMiddleware has given up on a robots.txt
    "newscrawler.middlewares.RobotsTxtFailure": 540,
}
# Every request of the spider has an errback that logs its failure in one line.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
EXTENSIONS = {
    "newscrawler.summary.CrawlSummary": 500,
}

ITEM_PIPELINES = {
    "pipelines.normalise.NormalisePipeline": 300,
    "pipelines.revisions.RevisionPipeline": 500,
}

MONGO_URI = os.environ.get("MONGO_URI", "")
MONGO_DATABASE = os.environ.get("MONGO_DATABASE", "newscrawler")
MONGO_TIMEOUT_MS = 5000

NEWSCRAWLER_PROJECT_DIR = str(Path(closest_scrapy_cfg()).parent) if closest_scrapy_cfg() else os.getcwd()
NEWSCRAWLER_DATA_DIR = os.environ.get("NEWSCRAWLER_DATA_DIR", "")
NEWSCRAWLER_EMBEDDED_PORT = 27217

NEWSCRAWLER_RECHECK_INITIAL_MINUTES = 30
NEWSCRAWLER_RECHECK_BACKOFF = 1.2
NEWSCRAWLER_RECHECK_STOP_DAYS = 40
NEWSCRAWLER_RECHECK_MAX_PER_RUN = 500
NEWSCRAWLER_RECHECK_LEASE_MINUTES = 15
NEWSCRAWLER_NOW = ""

NEWSCRAWLER_SUSPECT_SHRINK = 0.5  # a version losing more than this share of the text waits for a second check
NEWSCRAWLER_STORAGE_RETRIES = 3
NEWSCRAWLER_STORAGE_RETRY_SECONDS = 1.0  # doubled at each retry
NEWSCRAWLER_STORAGE_AWAY_SECONDS = 30.0  # after giving up, journal without trying for this long

NEWSCRAWLER_BBC_FEEDS = [
    "https://feeds.bbci.co.uk/news/rss.xml",
    "https://feeds.bbci.co.uk/news/world/rss.xml",
    "https://feeds.bbci.co.uk/news/uk/rss.xml",
    "https://feeds.bbci.co.uk/news/politics/rss.xml",
    "https://feeds.bbci.co.uk/news/business/rss.xml",
    "https://feeds.bbci.co.uk/news/health/rss.xml",
    "https://feeds.bbci.co.uk/news/education/rss.xml",
    "https://feeds.bbci.co.uk/news/science_and_environment/rss.xml",
    "https://feeds.bbci.co.uk/news/technology/rss.xml",
    "https://feeds.bbci.co.uk/news/entertainment_and_arts/rss.xml",
]
