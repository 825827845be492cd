"""What the revision pipeline keeps of the pages: captures, failures, re-readings.

- The capture of every page whose text becomes a version is stored before the
  revision that names it (a crash in between leaves a capture nothing names,
  never a revision naming a missing capture).
- A page whose extraction failed (unknown layout, no article text, an error in
  extraction) is kept too, with an `extraction_failures` record, for
  NEWSCRAWLER_CAPTURES_FAILED_DAYS; each crawl removes up to
  NEWSCRAWLER_CAPTURES_EXPIRE_PER_RUN of those past their time.
- When the code that read the article's latest version is not the code running
  now, the latest version's capture is read again with the current code before
  comparing (`latest_reads_as`), so that a change of extraction is never taken
  for a change of the page; the re-reading is recorded on the revision.
"""
import logging
from datetime import timedelta

from newscrawler.captures import CaptureError, capture_document, delta_base, header, page_bytes
from newscrawler.clock import clock_from_settings, utc_now
from newscrawler.extraction import ExtractionError, UnknownLayout, extract
from newscrawler.extractors import code_of, extractor_version
from newscrawler.health import EXTRACTION_FAILURES
from newscrawler.sources.generic import source_or_generic
from pipelines.normalise import content_hash, normalise_blocks, normalise_text

logger = logging.getLogger(__name__)



class CaptureKeeper:
    DEFAULT_FAILED_DAYS = 30
    DEFAULT_EXPIRE_PER_RUN = 1000
    # the compressed payload must leave room in the document for the headers
    MAX_STORED_BYTES = 14 * 1024 * 1024

    def __init__(self, store, count, enabled: bool = True, failed_days: float = DEFAULT_FAILED_DAYS,
                 expire_per_run: int = DEFAULT_EXPIRE_PER_RUN, clock=utc_now):
        self.store = store
        self.count = count
        self.enabled = enabled
        self.failed_for = timedelta(days=failed_days)
        self.expire_per_run = expire_per_run
        self.clock = clock

    @classmethod
    def from_settings(cls, settings, store, count) -> "CaptureKeeper":
        return cls(store, count, enabled=settings.getbool("NEWSCRAWLER_CAPTURES_ENABLED", True),
                   failed_days=settings.getfloat("NEWSCRAWLER_CAPTURES_FAILED_DAYS", cls.DEFAULT_FAILED_DAYS),
                   expire_per_run=settings.getint("NEWSCRAWLER_CAPTURES_EXPIRE_PER_RUN", cls.DEFAULT_EXPIRE_PER_RUN),
                   clock=clock_from_settings(settings))

    # Keeping

    def keep_for_version(self, adapter, latest: dict | None) -> str | None:
        """Store the capture a new version is read from; its page hash, or None if there is none to keep."""
        if adapter.get("from_capture") and adapter.get("page_hash"):  # stored already: now a version's
            return adapter["page_hash"] if self.store.mark_capture_for_version(adapter["page_hash"]) else None
        capture = adapter.get("capture") if self.enabled else None
        document = capture and self._document(adapter, capture, latest)
        if not document:
            return None
        self.store.save_capture(document, for_version=True)
        return document["_id"]

    def keep_failed(self, adapter, latest: dict | None) -> None:
        """Store the page of a failed extraction and the failure, kept for a while."""
        capture = adapter.get("capture") if self.enabled else None
        if capture is None or adapter.get("reason") not in EXTRACTION_FAILURES:
            return
        document = self._document(adapter, capture, latest)
        if not document:
            return
        expires_at = adapter["fetched_at"] + self.failed_for
        self.store.save_capture(document, failed_until=expires_at)
        self.store.add_extraction_failure({
            "article_id": adapter["article_id"], "url": adapter["url"], "source": adapter["source"],
            "fetched_at": adapter["fetched_at"], "reason": adapter["reason"], "capture": document["_id"],
            "extractor": adapter.get("extractor"), "expires_at": expires_at,
        })
        self.count("newscrawler/captures/failed_kept")

    def _document(self, adapter, capture, latest: dict | None) -> dict | None:
        base, base_body = self._base(latest)
        document = capture_document(capture, adapter["source"], adapter["article_id"], adapter.get("extractor"),
                                    base, base_body)
        if document["stored_size"] > self.MAX_STORED_BYTES:
            self.count("newscrawler/captures/refused/too_large")
            logger.error("Not keeping the capture of %s: %d bytes compressed, over %d", adapter["url"],
                         document["stored_size"], self.MAX_STORED_BYTES)
            return None
        self.count("newscrawler/captures/delta" if document["base"] else "newscrawler/captures/whole")
        return document

    def _base(self, latest: dict | None) -> tuple[dict | None, bytes | None]:
        """The capture a new page of the article is compressed against, and its payload."""
        named = latest and latest.get("capture")
        if not named:
            return None, None
        try:
            capture = self.store.capture(named)
            base_id = delta_base(capture)
            base = capture if base_id == named else self.store.capture(base_id)
            if base is None:
                return None, None
            return base, page_bytes(base, self.store.capture)
        except CaptureError as error:
            self.count("newscrawler/captures/unreadable")
            logger.error("%s: the new capture is stored on its own", error)
            return None, None

    def expire(self) -> None:
        """Remove the failed pages kept past their time (a bounded number per run)."""
        if not self.enabled or self.expire_per_run <= 0:
            return
        failures, captures = self.store.expire_failures(self.clock(), self.expire_per_run)
        if failures or captures:
            self.count("newscrawler/captures/expired", value=captures)
            logger.info("Removed %d extraction failure(s) and %d capture(s) kept past "
                        "NEWSCRAWLER_CAPTURES_FAILED_DAYS", failures, captures)

    # Reading again

    def latest_reads_as(self, adapter, latest: dict) -> str | None:
        """The content hash the code running now reads in the latest version's
        capture, if other code read that version (else None: compare as stored)."""
        current = code_of(adapter.get("extractor"))
        if not current or not latest.get("capture") or code_of(latest.get("extractor")) in (None, current):
            return None
        known = latest.get("reextracted")
        if known and code_of(known.get("extractor")) == current:
            return known.get("content_hash")
        reading = self.reread(latest["capture"], adapter["source"], adapter["fetched_at"])
        if reading is None:
            return None
        self.store.record_reextraction(adapter["article_id"], latest["version"], reading)
        self.count("newscrawler/reextraction/latest_reread")
        return reading.get("content_hash")

    def reread(self, page_hash: str, source_name: str, at) -> dict | None:
        """What the code running now reads in a stored capture: its extractor and
        content hash (or why it failed); None if the capture cannot be read."""
        try:
            capture = self.store.capture(page_hash)
            if capture is None:
                raise CaptureError(f"capture {page_hash} is missing")
            body = page_bytes(capture, self.store.capture)
        except CaptureError as error:
            self.count("newscrawler/captures/unreadable")
            logger.error("Comparing as stored: %s", error)
            return None
        source = source_or_generic(source_name)
        try:
            page = extract(capture["url"], body, header(capture["headers"], "Content-Type"), source=source)
        except ExtractionError as error:
            reason = "unknown_layout" if isinstance(error, UnknownLayout) else "no_article_text"
            return {"extractor": extractor_version(source, None), "failed": reason, "at": at}
        except Exception:  # as in the spider: a bug in extraction fails this reading, not the crawl
            logger.exception("Extraction failed reading the capture %s of %s again", page_hash, capture["url"])
            return {"extractor": extractor_version(source, None), "failed": "extraction_error", "at": at}
        headline, body_text = normalise_text(page.headline), normalise_blocks(page.body)
        return {"extractor": extractor_version(source, page.layout), "content_hash": content_hash(headline, body_text),
                "headline": headline, "at": at}
