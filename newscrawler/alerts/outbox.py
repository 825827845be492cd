"""The outbox: from stored change records to delivered alerts, crash after crash.

1. Storing. A change record stored while alerts are on carries `alerts:
   "pending"` in its own insert (`config.change_document`), so there is no moment
   when the change is stored and its alert is not: a crawl killed right after
   leaves the mark, and the next pass finds it.
2. Matching (`Outbox.match_changes`). Each marked change record is matched
   against the subscriptions of that moment; each matching target gets one
   delivery (`alert_deliveries`, _id "<change id>/<target id>", inserted only
   if absent), then the mark is cleared. A crash in between matches again and
   queues nothing twice.
3. Sending (`Outbox.deliver`). Each due delivery is sent as one alert (or a
   burst of one article's, see below), claimed with a lease so that two
   senders never send the same one at once; its idempotency key is the id of
   the first change record it covers, kept across retries. A failure backs off
   (NEWSCRAWLER_ALERTS_RETRY_SECONDS, doubling, at most an hour) until
   NEWSCRAWLER_ALERTS_MAX_ATTEMPTS; a target that fails
   NEWSCRAWLER_ALERTS_FAILING_AFTER times in a row is marked failing
   (`alert_targets`). Each target is sent to in a thread of its own, and the
   other alerts of a target that fails wait for its retry, so a dead one
   costs one timeout per pass and never holds up another.

Delivery is at least once: a sender killed after the receiver took an alert
but before recording it sends it again, with the same key.

Bursts: with NEWSCRAWLER_ALERTS_BURST_MINUTES = W > 0, a target gets at most
one alert of an article per W minutes of the crawl's clock. The first change
alerts at once; changes detected within W after it wait until W has passed,
then go as one alert naming them all, and the window starts again. With
crawls every 30 minutes and W = 45, crawl 1 alerts change A, crawl 2 holds
change B, crawl 3 (an hour after crawl 1) sends B together with crawl 3's own
change C, if any. W = 0 (the default): every change alerts on its own.
"""
import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newscrawler.alerts.config import AlertSettings
from newscrawler.alerts.message import message_text, webhook_body
from newscrawler.alerts.senders import masked, sender_for
from newscrawler.alerts.subscriptions import BadSubscription, Subscription, from_setting, matches, target_id
from newscrawler.changewords import changed_passages
from newscrawler.clock import utc_now
from newscrawler.diffing import diff_versions
from newscrawler.storage import DELIVERY_FAILED, DELIVERY_PENDING, DELIVERY_SENT, RevisionStore, lookup_batches

logger = logging.getLogger(__name__)

MATCH_BATCH = 100
DELIVERY_BATCH = 500
MAX_PARALLEL_TARGETS = 8
CLAIM_CHUNK = 20  # alerts of one target claimed, and their success recorded, in one write


@dataclass
class Pass:
    """What one pass of delivery did."""

    sent: int = 0
    failed: int = 0
    retry_at: datetime | None = None  # the soonest retry of a failure in this pass
    more: bool = False  # due deliveries were left for another pass (a full batch, or the deadline)

    def add(self, other: "Pass") -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.more = self.more or other.more
        if other.retry_at and (self.retry_at is None or other.retry_at < self.retry_at):
            self.retry_at = other.retry_at


@dataclass
class Counters:
    values: dict = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inc(self, name: str, count: int = 1) -> None:
        with self.lock:
            self.values[name] += count


class Outbox:
    def __init__(self, store: RevisionStore, settings: AlertSettings):
        self.store = store
        self.settings = settings
        self.counters = Counters()

    # Subscriptions

    def subscriptions(self) -> list[Subscription]:
        """The collection's subscriptions, then the NEWSCRAWLER_ALERTS setting's."""
        found = [Subscription.from_document(document) for document in self.store.subscriptions()]
        for entry in self.settings.subscriptions:
            try:
                found.append(from_setting(entry))
            except (BadSubscription, TypeError) as error:
                self.counters.inc("newscrawler/alerts/bad_subscriptions")
                logger.error("Ignoring a subscription of NEWSCRAWLER_ALERTS (%r): %s", entry, error)
        return found

    # Matching changes to subscriptions

    def match_changes(self, stop: threading.Event | None = None) -> int:
        """Queue a delivery per matching target of every change record marked
        pending, then clear the marks; how many deliveries were queued."""
        subscriptions, queued = None, 0
        while not (stop and stop.is_set()):
            changes = self.store.changes_to_alert(MATCH_BATCH)
            if not changes:
                break
            subscriptions = subscriptions if subscriptions is not None else self.subscriptions()
            deliveries = [delivery for change in changes for delivery in self._deliveries_of(change, subscriptions)]
            if deliveries:
                self.store.queue_deliveries(deliveries)
            self.store.clear_alert_marks([change["_id"] for change in changes])
            queued += len(deliveries)
        self.counters.inc("newscrawler/alerts/queued", queued)
        return queued

    def _deliveries_of(self, change: dict, subscriptions: list[Subscription]) -> list[dict]:
        if not subscriptions:
            return []
        change = self.with_words(change)
        passages = changed_passages(change)
        by_target = defaultdict(list)
        for subscription in subscriptions:
            if matches(subscription, change, passages):
                by_target[subscription.target].append(subscription.id)
        now = utc_now()
        return [{
            "_id": f"{change['_id']}/{target_id(target)}", "change_id": change["_id"],
            "article_id": change["article_id"], "url": change["url"], "source": change["source"],
            "to_version": change["to_version"], "detected_at": change["detected_at"],
            "target": target, "target_id": target_id(target), "subscriptions": ids,
            "status": DELIVERY_PENDING, "attempts": 0, "queued_at": now, "next_attempt": now,
        } for target, ids in by_target.items()]

    def with_words(self, change: dict) -> dict:
        """The change record with its paragraph ops: a summarised one (too large
        to store them) gets them recomputed from its two revisions."""
        if not change.get("summarised"):
            return change
        old = self.store.revision(change["article_id"], change["from_version"])
        new = self.store.revision(change["article_id"], change["to_version"])
        if old is None or new is None:
            return change
        return {**change, "paragraphs": diff_versions(old, new)["paragraphs"]}

    # Sending

    def deliver(self, deadline: float, stop: threading.Event | None = None) -> Pass:
        """One pass: send what is due, each target in its own thread, until the
        monotonic `deadline`."""
        due = self.store.due_deliveries(utc_now(), DELIVERY_BATCH)
        by_target = defaultdict(lambda: defaultdict(list))
        for delivery in due:
            by_target[delivery["target"]][delivery["article_id"]].append(delivery)
        result = Pass(more=len(due) == DELIVERY_BATCH)
        if not by_target:
            return result
        messages = Messages(self, due)
        with ThreadPoolExecutor(min(len(by_target), MAX_PARALLEL_TARGETS), thread_name_prefix="alerts") as pool:
            for target_pass in pool.map(lambda item: self._deliver_to(item[0], item[1], messages, deadline, stop),
                                        by_target.items()):
                result.add(target_pass)
        return result

    def _deliver_to(self, target: str, by_article: dict, messages: "Messages", deadline: float, stop) -> Pass:
        """Send a target its due alerts (by article), in a thread of its own."""
        try:
            sender = sender_for(target)
        except BadSubscription as error:
            for deliveries in by_article.values():
                self._give_up(deliveries, str(error))
            return Pass()
        try:
            return self._deliver_with(sender, by_article, messages, deadline, stop)
        finally:
            sender.close()

    def _deliver_with(self, sender, by_article: dict, messages: "Messages", deadline: float, stop) -> Pass:
        """Send the alerts CLAIM_CHUNK claimed at a time, until one fails."""
        result = Pass()
        alerts = [members for deliveries in by_article.values() for members in self._alerts_of(deliveries)]
        for start in range(0, len(alerts), CLAIM_CHUNK):
            if _out_of_time(deadline, stop):
                result.more = True
                break
            chunk = self.store.claim_alerts([(members, alert_key(members))
                                             for members in alerts[start:start + CLAIM_CHUNK]],
                                            utc_now(), self.claim_lease)
            outcome = self._send_chunk(sender, chunk, messages, deadline, stop)
            if outcome.sent and not result.sent:
                self.store.target_succeeded(alerts[0][0]["target_id"], masked(sender.target), utc_now())
            result.add(outcome)
            if outcome.failed or outcome.more:
                if outcome.retry_at:  # the target's other alerts wait for its retry: one timeout per pass
                    waiting = [delivery["_id"] for later in alerts[start + CLAIM_CHUNK:] for delivery in later]
                    self.store.postpone_deliveries(waiting, outcome.retry_at)
                break
        return result

    @property
    def claim_lease(self) -> timedelta:
        """How long a claimed chunk keeps other senders off: past the time its sends may take."""
        return timedelta(seconds=CLAIM_CHUNK * self.settings.timeout + 60)

    def _send_chunk(self, sender, chunk: list[list[dict]], messages: "Messages", deadline: float, stop) -> Pass:
        """Send claimed alerts in turn and record the sent ones in one write; after
        a failure, or at the deadline, release the rest."""
        result, sent = Pass(), []
        for number, claimed in enumerate(chunk):
            unsent = chunk[number + 1:]
            if _out_of_time(deadline, stop):
                result.more, unsent = True, chunk[number:]
            else:
                outcome = self._send(sender, claimed, messages, deadline)
                result.add(outcome)
                sent += claimed if outcome.sent else []
            if result.failed or result.more:
                if unsent:
                    self.store.release_deliveries([delivery for alert in unsent for delivery in alert],
                                                  until=result.retry_at)
                break
        if sent:
            self.store.finish_deliveries(sent, {"status": DELIVERY_SENT, "sent_at": utc_now(),
                                                "alerted_at": self.settings.clock(), "last_error": None})
        return result

    def _alerts_of(self, deliveries: list[dict]) -> list[list[dict]]:
        """A target's due deliveries of one article, as the alerts to send now:
        those of an alert attempted before keep it (and its key); the others
        go one alert each, or, with a burst window, as one alert unless the
        window of the last alert sent is still open (then they wait)."""
        deliveries = sorted(deliveries, key=lambda delivery: (delivery["detected_at"], delivery["to_version"]))
        batches = defaultdict(list)
        for delivery in deliveries:
            batches[delivery.get("batch")].append(delivery)
        alerts = [members for batch, members in batches.items() if batch]
        fresh = batches.get(None)
        if not fresh:
            return alerts
        if self.settings.burst_minutes <= 0:
            return alerts + [[delivery] for delivery in fresh]
        last = self.store.last_alerted(fresh[0]["target_id"], fresh[0]["article_id"])
        window_left = last and last + timedelta(minutes=self.settings.burst_minutes) - self.settings.clock()
        if window_left and window_left > timedelta(0):
            # out of the due deliveries until the window closes (as a span: the crawl's clock may be fixed)
            self.store.postpone_deliveries([delivery["_id"] for delivery in fresh], utc_now() + window_left)
            return alerts
        return alerts + [fresh]

    def _send(self, sender, claimed: list[dict], messages: "Messages", deadline: float) -> Pass:
        """Send one claimed alert; a failure is recorded here, a success by the caller."""
        key = claimed[0]["batch"]
        message = messages.of(key, [delivery["change_id"] for delivery in claimed])
        if message is None:
            self._give_up(claimed, "the change records are gone")
            return Pass(failed=1)
        body, title, text = message
        timeout = max(0.1, min(self.settings.timeout, deadline - time.monotonic()))
        error = sender.send(key, body, title, text, timeout)
        if error is not None:
            return self._failed(claimed, error)
        self.counters.inc("newscrawler/alerts/sent")
        logger.debug("Alert %s sent to %s: %d change(s) of %s", key, masked(sender.target), len(claimed),
                     claimed[0]["url"])
        return Pass(sent=1)

    def _failed(self, claimed: list[dict], error: str) -> Pass:
        now, target = utc_now(), claimed[0]["target"]
        attempts = max(delivery.get("attempts", 0) for delivery in claimed) + 1
        self.counters.inc("newscrawler/alerts/failed_attempts")
        if self.store.target_failed(claimed[0]["target_id"], masked(target), error, now, self.settings.failing_after):
            self.counters.inc("newscrawler/alerts/targets_failing")
            logger.error("Alert target %s keeps failing (%d times in a row, last: %s); its alerts wait, "
                         "other targets are not held up", masked(target), self.settings.failing_after, error)
        if attempts >= self.settings.max_attempts:
            self._give_up(claimed, error)
            return Pass(failed=1)
        retry_at = now + self.settings.backoff(attempts)
        self.store.finish_deliveries(claimed, {"next_attempt": retry_at, "last_error": error})
        logger.warning("Alert to %s failed (attempt %d of %d: %s); next attempt at %s", masked(target), attempts,
                       self.settings.max_attempts, error, retry_at.isoformat(timespec="seconds"))
        return Pass(failed=1, retry_at=retry_at)

    def _give_up(self, deliveries: list[dict], error: str) -> None:
        if "lease_owner" not in deliveries[0]:  # not claimed yet
            claimed = self.store.claim_alerts([(deliveries, alert_key(deliveries))], utc_now(), self.claim_lease)
            if not claimed:
                return
            deliveries = claimed[0]
        self.store.finish_deliveries(deliveries, {"status": DELIVERY_FAILED, "last_error": error})
        self.counters.inc("newscrawler/alerts/given_up", len(deliveries))
        logger.error("Giving up an alert to %s of %s: %s", masked(deliveries[0]["target"]), deliveries[0]["url"],
                     error)

    # Both

    def run_pass(self, deadline: float, stop: threading.Event | None = None) -> Pass:
        self.match_changes(stop)
        return self.deliver(deadline, stop)

    def flush(self, seconds: float) -> Pass:
        """Match and send until nothing is due, or due within `seconds`; bounded by `seconds`."""
        deadline = time.monotonic() + seconds
        total = Pass()
        while True:
            result = self.run_pass(deadline)
            total.add(result)
            if result.more and time.monotonic() < deadline:
                continue
            if result.retry_at is None:
                return total
            wait = max(0.0, (result.retry_at - utc_now()).total_seconds())
            if time.monotonic() + wait >= deadline:
                return total
            time.sleep(wait)



def alert_key(deliveries: list[dict]) -> str:
    """The idempotency key of an alert: kept from an earlier attempt, else its first change record's id."""
    return deliveries[0].get("batch") or str(deliveries[0]["change_id"])


def _out_of_time(deadline: float, stop: threading.Event | None) -> bool:
    return time.monotonic() >= deadline or bool(stop and stop.is_set())


class Messages:
    """What the alerts of one pass say: the change records of its due
    deliveries read once (a change alerting ten targets is read once), each
    message built once."""

    def __init__(self, outbox: Outbox, due: list[dict]):
        self.outbox = outbox
        ids = list({delivery["change_id"]: None for delivery in due})
        self.changes = {change["_id"]: change for batch in lookup_batches(ids)
                        for change in outbox.store.changes_by_ids(batch)}
        self.full: dict = {}  # change records with their paragraph ops (recomputed for summarised ones)
        self.built: dict[tuple, tuple[dict, str, str]] = {}  # by (key, change ids...)

    def of(self, key: str, change_ids: list) -> tuple[dict, str, str] | None:
        """(webhook body, title, text) of the alert with this key covering these
        change records, or None if none of them is stored any more."""
        alert = (key, *sorted(set(change_ids)))
        if alert not in self.built:
            changes = sorted((self._full(change_id) for change_id in alert[1:] if change_id in self.changes),
                             key=lambda change: change["to_version"])
            if not changes:
                return None
            base_url = self.outbox.settings.base_url
            self.built[alert] = (webhook_body(key, changes, base_url), *message_text(changes, base_url))
        return self.built[alert]

    def _full(self, change_id) -> dict:
        if change_id not in self.full:
            self.full[change_id] = self.outbox.with_words(self.changes[change_id])
        return self.full[change_id]
