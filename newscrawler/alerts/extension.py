"""Alert delivery during a crawl, off its hot path.

A thread of its own matches new change records to the subscriptions and
sends what is due every NEWSCRAWLER_ALERTS_INTERVAL_SECONDS, taking no more
than NEWSCRAWLER_ALERTS_CRAWL_SHARE of the crawl's time; when the spider
closes, it delivers what is pending for at most NEWSCRAWLER_ALERTS_FLUSH_SECONDS
(each request within its timeout), in a worker thread, and adds its counts to
the crawl's stats. What is still pending then waits for the next crawl or
`newscrawler alerts send`. The thread has a database client of its own, so
that the pipeline closing its store at the end changes nothing here. A target
that fails never fails the crawl.
"""
import asyncio
import logging
import threading
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newscrawler.alerts.config import AlertSettings
from newscrawler.alerts.outbox import Outbox
from newscrawler.storage import DatabaseError, RevisionStore, StorageUnavailable, crawl_store

logger = logging.getLogger(__name__)

# The crawl stopped before it could use the database: nothing to deliver from it.
UNUSABLE_DATABASE = "storage_unavailable"


class AlertDelivery:
    def __init__(self, crawler, settings: AlertSettings):
        self.crawler = crawler
        self.settings = settings
        self.outbox: Outbox | None = None
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = AlertSettings.from_settings(crawler.settings)
        if not settings.enabled:
            raise NotConfigured("NEWSCRAWLER_ALERTS_ENABLED is off")
        extension = cls(crawler, settings)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.thread = threading.Thread(target=self._deliver_while_crawling, name="alerts", daemon=True)
        self.thread.start()

    async def spider_closed(self, spider, reason: str) -> None:
        self.stop.set()
        if reason != UNUSABLE_DATABASE:
            await asyncio.to_thread(self._finish)  # off the reactor thread, like the pipeline's writes

    def _open_outbox(self) -> Outbox | None:
        """The outbox over a store of its own, at the crawl store's server (located already)."""
        if self.outbox is None:
            shared = crawl_store(self.crawler)
            store = RevisionStore(shared.uri, shared.database_name, shared.timeout_ms,
                                  locate_server=shared.locate_server)
            try:
                store.open()
            except StorageUnavailable as error:
                logger.warning("Alerts not delivered by this crawl: %s", error)
                return None
            self.outbox = Outbox(store, self.settings)
        return self.outbox

    def _deliver_while_crawling(self) -> None:
        """A pass every interval, but never more than `crawl_share` of the time:
        after a pass that took t seconds the next waits t * (1 - share) / share
        at least, so delivery slows the crawl by no more than that share."""
        wait = self.settings.interval
        while not self.stop.wait(wait):
            started = time.monotonic()
            try:
                outbox = self._open_outbox()
                if outbox is None:
                    return
                outbox.run_pass(started + self.settings.interval, self.stop)
            except DatabaseError as error:  # the database away for a while: the next pass tries again
                logger.warning("Alert delivery paused: %s", error)
            except Exception:  # a bug must not end delivery for the rest of the crawl, nor the crawl
                logger.exception("Alert delivery failed; trying again in %s s", self.settings.interval)
                self.crawler.stats.inc_value("newscrawler/alerts/errors")
            took = time.monotonic() - started
            wait = max(self.settings.interval, took * (1 - self.settings.crawl_share) / self.settings.crawl_share)

    def _finish(self) -> None:
        if self.thread is not None:
            self.thread.join()
        outbox = self._open_outbox()
        if outbox is None:
            return
        pending = None
        try:
            outbox.flush(self.settings.flush_seconds)
            pending = outbox.store.count_pending_deliveries()
        except DatabaseError as error:
            logger.warning("Alerts left for the next crawl or `newscrawler alerts send`: %s", error)
        except Exception:  # the crawl's work is stored: a bug here must not turn it into a failure
            logger.exception("Alert delivery failed; alerts left for `newscrawler alerts send`")
            self.crawler.stats.inc_value("newscrawler/alerts/errors")
        finally:
            outbox.store.close()
        stats = self.crawler.stats
        for name, count in outbox.counters.values.items():
            stats.inc_value(name, count)
        counts = outbox.counters.values
        if counts.get("newscrawler/alerts/queued") or pending:
            logger.info("Alerts: %d queued, %d sent, %d failed attempt(s); %d pending for the next crawl or "
                        "`newscrawler alerts send`", counts.get("newscrawler/alerts/queued", 0),
                        counts.get("newscrawler/alerts/sent", 0), counts.get("newscrawler/alerts/failed_attempts", 0),
                        pending or 0)
        if pending:
            stats.set_value("newscrawler/alerts/pending_at_exit", pending)
