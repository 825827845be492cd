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
- NEWSCRAWLER_NOW: run the crawl as if at this ISO time (tests, replays).
- NEWSCRAWLER_FEED_MAX_ENTRIES, NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS: feed
  limits and link policy (spiders.news).
- NEWSCRAWLER_SUSPECT_SHRINK, NEWSCRAWLER_STORAGE_*, NEWSCRAWLER_JOURNAL_PATH:
  holding doubtful versions, retrying and journaling (pipelines.revisions).
"""
import os
from pathlib import Path

from scrapy.utils.conf import closest_scrapy_cfg

BOT_NAME = "newscrawler"
SPIDER_MODULES = ["newscrawler.spiders"]
NEWSPIDER_MODULE = "newscrawler.spiders"

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
FEED_EXPORT_ENCODING = "utf-8"
# An article page yields one or two items; Scrapy's default of 100 makes 100
# asyncio tasks per response for nothing (see bench/README.md).
CONCURRENT_ITEMS = 4
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # after RedirectMiddleware (600) has made the next hop, before it is downloaded
    "newscrawler.middlewares.PrivateRedirectGuard": 650,
}

ITEM_PIPELINES = {
    "pipelines.normalise.NormalisePipeline": 300,
    "pipelines.revisions.RevisionPipeline": 500,
}

MONGO_URI = os.environ.get("MONGO_URI", "")
MONGO_DATABASE = os.environ.get("MONGO_DATABASE", "newscrawler")

NEWSCRAWLER_PROJECT_DIR = str(Path(closest_scrapy_cfg()).parent) if closest_scrapy_cfg() else os.getcwd()
NEWSCRAWLER_DATA_DIR = os.environ.get("NEWSCRAWLER_DATA_DIR", "")
NEWSCRAWLER_NOW = ""
