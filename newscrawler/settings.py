"""Scrapy settings of newscrawler.

Custom settings, each read in one place, where its default is kept (README.md,
"Settings", lists them all):
- MONGO_URI, MONGO_DATABASE, MONGO_TIMEOUT_MS: the database (storage.RevisionStore.from_settings);
  MONGO_URI defaults to the environment variable; empty means the embedded
  local secantusdb server.
- NEWSCRAWLER_DATA_DIR, NEWSCRAWLER_EMBEDDED_PORT: the embedded server's data
  folder (default: data/ beside scrapy.cfg) and port (storage.mongo_location).
- NEWSCRAWLER_<SOURCE>_FEEDS (NEWSCRAWLER_BBC_FEEDS, ...): feeds replacing a
  source's default ones (spiders.news); `-a feeds=URL,...` replaces them for one run.
- NEWSCRAWLER_RECHECK_*: the re-check schedule (schedule.Schedule) and how many
  due articles a run claims (rechecks.Rechecks).
- NEWSCRAWLER_CLAIM_FEED_ENTRIES: claim feed entries as well, for nodes that
  read the same feeds at once (rechecks.Rechecks; default off).
- NEWSCRAWLER_NOW: run the crawl as if at this ISO time (tests, replays).
- NEWSCRAWLER_PROGRESS_SECONDS: how often a running crawl logs its progress
  (progress.CrawlProgress; 0: never).
- NEWSCRAWLER_FEED_MAX_ENTRIES, NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS: feed
  limits and link policy (spiders.news); with private links allowed, feed links
  and redirects may reach loopback and private-network hosts other than the
  feed's own, and names that resolve to such addresses (default off: a feed
  must not reach internal services; file: feeds always may).
- NEWSCRAWLER_SUSPECT_SHRINK, NEWSCRAWLER_STORAGE_*, NEWSCRAWLER_JOURNAL_PATH:
  holding doubtful versions, retrying and journaling (pipelines.revisions).
- NEWSCRAWLER_WEB_BASE_URL, NEWSCRAWLER_WEB_THREADS, NEWSCRAWLER_WEB_TIMEOUT_SECONDS,
  NEWSCRAWLER_WEB_CONNECTION_LIMIT: the web view (reading.web, `newscrawler serve`).
- NEWSCRAWLER_ALERTS, NEWSCRAWLER_ALERTS_*: pushed alerts, extra subscriptions,
  delivery timeouts, retries and bursts; NEWSCRAWLER_WEB_BASE_URL: where their
  links to the web view point (alerts.outbox.AlertSettings).
- NEWSCRAWLER_CAPTURES_ENABLED, NEWSCRAWLER_CAPTURES_FAILED_DAYS,
  NEWSCRAWLER_CAPTURES_EXPIRE_PER_RUN: keeping raw pages, and how long and how
  many of the failed ones a crawl removes (pipelines.captures).
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
    "newscrawler.progress.CrawlProgress": 500,
    # pushed alerts of changes: delivered in a thread of their own, and before the crawl exits
    "newscrawler.alerts.extension.AlertDelivery": 510,
    # every check leaves the pipelines; feeds export only change records unless they name item_classes
    "scrapy.extensions.feedexport.FeedExporter": None,
    "newscrawler.exports.ChangeFeedExporter": 0,
}

ITEM_PIPELINES = {
    "pipelines.normalise.NormalisePipeline": 300,
    "pipelines.revisions.RevisionPipeline": 500,
}

MONGO_URI = os.environ.get("MONGO_URI", "")
MONGO_DATABASE = os.environ.get("MONGO_DATABASE", "newscrawler")

# Outside any project: empty, and data/ is the checkout's the package runs from, else the working directory's
# (a scrapyd job); see embedded.default_data_dir.
NEWSCRAWLER_PROJECT_DIR = str(Path(closest_scrapy_cfg()).parent) if closest_scrapy_cfg() else ""
NEWSCRAWLER_DATA_DIR = os.environ.get("NEWSCRAWLER_DATA_DIR", "")
NEWSCRAWLER_NOW = ""
