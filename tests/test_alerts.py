"""Alerts: matching subscriptions (pure), messages, and the outbox against a real
database and receivers on 127.0.0.1 (tests/test_alerts_crawl.py runs crawls)."""
import time
from datetime import timedelta

import feedparser
import pytest

from newscrawler.alerts.config import AlertSettings, change_document
from newscrawler.alerts.message import message_text, webhook_body
from newscrawler.alerts.outbox import Outbox
from newscrawler.alerts.senders import masked
from newscrawler.alerts.subscriptions import BadSubscription, from_setting, matches, subscription
from newscrawler.changewords import MAX_DIFF_TEXT, diff_text
from newscrawler.clock import utc_now
from newscrawler.reading import cli
from newscrawler.reading.feeds import changes_feed
from tests.alert_receivers import Receiver
from tests.reading_data import MINISTER_URL, MINISTER_VERSIONS, T0, change_documents, crawl_versions

BASE_URL = "http://news.example:8080"
# newest first: version 3 only changes punctuation (minor), version 2 edits, removes, adds, retitles
MINOR, SUBSTANTIVE = change_documents(MINISTER_URL, MINISTER_VERSIONS)
FAST = dict(timeout=0.5, retry_seconds=0.01, flush_seconds=3, base_url=BASE_URL)


def hook(**filters):
    return subscription("http://127.0.0.1:9/hook", **filters)


# ---------------------------------------------------------------- matching

def test_by_default_only_substantive_changes_alert():
    assert matches(hook(), SUBSTANTIVE) and not matches(hook(), MINOR)
    assert matches(hook(all_changes=True), MINOR)


def test_filters_by_source_article_headline_and_removed_paragraphs():
    assert matches(hook(source="bbc"), SUBSTANTIVE) and not matches(hook(source="guardian"), SUBSTANTIVE)
    assert matches(hook(article_id=MINISTER_URL), SUBSTANTIVE)
    assert not matches(hook(article_id="https://www.bbc.co.uk/news/other-1"), SUBSTANTIVE)
    assert matches(hook(headline=True, removed=True), SUBSTANTIVE)
    assert not matches(hook(headline=True, all_changes=True), MINOR)
    assert not matches(hook(removed=True, all_changes=True), MINOR)


@pytest.mark.parametrize("word, found", [
    ("backs", True),  # removed from the headline
    ("OPPOSE", True),  # inserted into a paragraph, any case
    ("waste   of money", True),  # a phrase of a removed paragraph, any spacing
    ("vote", True),  # in an added paragraph
    ("plan", False),  # only in unchanged text
    ("wast", False),  # not a whole word
])
def test_word_is_looked_for_in_removed_and_inserted_text(word, found):
    assert matches(hook(word=word), SUBSTANTIVE) is found


def test_setting_subscriptions_read_like_alerts_add_and_keep_their_id():
    entry = "http://127.0.0.1:9/hook --source bbc --word 'a vote' --article http://bbc.com/news/uk-politics-12345678"
    first, again = from_setting(entry), from_setting(entry)
    assert first.id == again.id and first.id.startswith("setting-")
    assert (first.source, first.word, first.article_id) == ("bbc", "a vote", MINISTER_URL)
    assert matches(first, SUBSTANTIVE)
    assert from_setting({"target": "http://127.0.0.1:9/hook", "headline": True}).headline
    with pytest.raises(BadSubscription):
        from_setting("http://127.0.0.1:9/hook --colour red")
    with pytest.raises(BadSubscription):
        from_setting("not a url")


# ---------------------------------------------------------------- messages

def test_diff_text_quotes_what_each_paragraph_lost_and_gained():
    assert diff_text(SUBSTANTIVE).splitlines() == [
        "Headline: removed “backs”; inserted “rejects”.",
        "Paragraph 2: removed “support”; inserted “oppose”.",
        "Paragraph removed: “Critics called it a waste of money.”.",
        "Paragraph 3 added: “A vote is expected next week.”.",
    ]


def test_diff_text_stays_bounded():
    huge = {"paragraphs": [{"op": "added", "new_index": n, "text": "word " * 5000} for n in range(500)],
            "counts": {"added": 500}}
    text = diff_text(huge)
    assert len(text) <= MAX_DIFF_TEXT and text.count("added: ") <= 10


def test_message_text_quotes_removed_and_inserted_words_and_links_the_comparison():
    title, text = message_text([{**SUBSTANTIVE, "_id": "c1"}], BASE_URL)
    assert title == "Changed: Minister rejects plan"
    assert "removed “support”; inserted “oppose”" in text
    assert "“Critics called it a waste of money.”" in text
    assert text.endswith(f"{BASE_URL}/compare?url=https%3A%2F%2Fwww.bbc.co.uk%2Fnews%2Fuk-politics-12345678"
                         "&from=1&to=2")


def test_webhook_body_carries_the_change_record():
    body = webhook_body("c1", [{**SUBSTANTIVE, "_id": "c1"}], BASE_URL)
    assert body["idempotency_key"] == "c1" and body["versions"] == {"from": 1, "to": 2}
    [change] = body["changes"]
    assert change["removed"] == ["Critics called it a waste of money."]
    assert change["added"] == ["A vote is expected next week."]
    assert [edit["new"] for edit in change["edited"]] == ["The minister said she would oppose the plan in full."]
    assert change["counts"]["removed"] == 1 and change["classification"]["substantive"] is True


def test_targets_are_shown_without_their_secrets():
    assert masked("https://bot:s3cret@hooks.example/x") == "https://bot:****@hooks.example/x"
    assert "s3cret" not in masked("mailto://user:s3cret@example.com")


# ---------------------------------------------------------------- feeds of changes

def test_feed_entries_carry_the_stored_diff_and_the_change_id():
    stored = {**SUBSTANTIVE, "_id": "6b0f0ceda49fb87a0ff25b99", "diff_text": "Stored words, computed once."}
    old = {**MINOR, "_id": "6b0f0ceda49fb87a0ff25b98"}  # stored before diff_text: computed from its ops
    entries = feedparser.parse(changes_feed([old, stored], BASE_URL)).entries
    assert [entry.id for entry in entries] == ["urn:newscrawler:change:6b0f0ceda49fb87a0ff25b98",
                                               "urn:newscrawler:change:6b0f0ceda49fb87a0ff25b99"]
    assert "Stored words, computed once." in entries[1].summary
    assert "Paragraph 1: removed “Monday.”; inserted “Monday!”." in entries[0].summary


# ---------------------------------------------------------------- the outbox

def outbox(store, **settings) -> Outbox:
    return Outbox(store, AlertSettings(**{**FAST, **settings}))


def add(store, target: str, **filters) -> None:
    store.add_subscription(subscription(target, **filters).as_document())


def test_a_change_record_carries_its_alert_mark_and_diff_text_from_its_insert(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    changes = store.changes(MINISTER_URL)
    assert [change["alerts"] for change in changes] == ["pending", "pending"]
    assert changes[0]["diff_text"] == diff_text(SUBSTANTIVE)


def test_with_alerts_off_change_records_carry_no_mark():
    assert "alerts" not in change_document(SUBSTANTIVE, alerting=False)
    assert change_document(SUBSTANTIVE, alerting=True)["alerts"] == "pending"


def test_matching_again_after_a_crash_queues_nothing_twice(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    with Receiver() as receiver:
        add(store, receiver.url, all_changes=True)
        assert outbox(store).match_changes() == 2
        # a crash after queueing, before the marks were cleared
        store.db.changes.update_many({}, {"$set": {"alerts": "pending"}})
        outbox(store).match_changes()
        assert store.db.alert_deliveries.count_documents({}) == 2
        assert store.count_changes_to_alert() == 0
        outbox(store).flush(3)
    assert sorted(post.body["versions"]["to"] for post in receiver.posts) == [2, 3]


def test_a_target_that_keeps_failing_is_marked_given_up_and_holds_up_no_other(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS[:2])
    with Receiver([500]) as broken, Receiver() as good:
        add(store, broken.url)
        add(store, good.url)
        done = outbox(store, max_attempts=3, failing_after=2).flush(3)
    assert len(broken.posts) == 3 and len(good.accepted) == 1
    assert (done.sent, done.failed) == (1, 3)
    [given_up] = store.db.alert_deliveries.find({"status": "failed"})
    assert given_up["target"] == broken.url and given_up["attempts"] == 3 and given_up["last_error"] == "HTTP 500"
    [target] = [target for target in store.alert_targets() if target["failing"]]
    assert target["target"] == broken.url and target["failures"] == 3


def test_retries_back_off(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS[:2])
    with Receiver([500, 200]) as receiver:
        add(store, receiver.url)
        box = outbox(store, retry_seconds=60)
        first = box.flush(1)  # the retry is a minute away: not within this flush
        assert (first.sent, first.failed, len(receiver.posts)) == (0, 1, 1)
        [delivery] = store.db.alert_deliveries.find()
        assert timedelta(seconds=59) < delivery["next_attempt"] - delivery["queued_at"] < timedelta(seconds=62)
        store.db.alert_deliveries.update_one({}, {"$set": {"next_attempt": T0}})  # a minute later
        assert box.flush(1).sent == 1
    assert [post.status for post in receiver.posts] == [500, 200]
    assert receiver.posts[0].headers["Idempotency-Key"] == receiver.posts[1].headers["Idempotency-Key"]


def test_a_burst_of_changes_to_one_article_becomes_one_alert(store):
    now = [T0]
    box = outbox(store, burst_minutes=60, clock=lambda: now[0])
    texts = ["The council met on Monday.", "It approved the budget."]
    crawl_versions(store, MINISTER_URL, [(T0, "Budget passed", texts)])
    with Receiver() as receiver:
        add(store, receiver.url)
        for minutes, edit in ((0, "the whole budget"), (30, "most of the budget"), (50, "half the budget")):
            now[0] = T0 + timedelta(minutes=minutes, seconds=1)
            crawl_versions(store, MINISTER_URL, [(now[0], "Budget passed", [texts[0], f"It approved {edit}."])])
            box.flush(1)
        assert [post.body["versions"] for post in receiver.posts] == [{"from": 1, "to": 2}]  # v3, v4 wait
        now[0] = T0 + timedelta(minutes=61)
        store.db.alert_deliveries.update_many({"status": "pending"}, {"$set": {"next_attempt": T0}})
        box.flush(1)
    assert [post.body["versions"] for post in receiver.posts] == [{"from": 1, "to": 2}, {"from": 2, "to": 4}]
    burst = receiver.posts[1].body
    change_ids = [str(change["_id"]) for change in store.changes(MINISTER_URL)]
    assert [change["id"] for change in burst["changes"]] == change_ids[1:]
    assert burst["idempotency_key"] == change_ids[1]


def test_a_summarised_change_record_alerts_with_words_from_its_revisions(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS[:2])
    store.db.changes.update_many({}, {"$set": {"summarised": True}, "$unset": {"paragraphs": "", "diff_text": ""}})
    with Receiver() as receiver:
        add(store, receiver.url, word="waste of money")
        outbox(store).flush(3)
    [post] = receiver.posts
    assert post.body["changes"][0]["removed"] == ["Critics called it a waste of money."]


def test_the_delivery_of_a_pass_is_bounded_by_its_deadline(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS[:2])
    with Receiver(["hang"]) as dead:
        add(store, dead.url)
        started = time.monotonic()
        outbox(store, timeout=5).flush(0.5)
    assert time.monotonic() - started < 2 and len(dead.posts) == 1


def test_a_target_that_fails_is_left_alone_until_its_retry(store):
    other_url = "https://www.bbc.co.uk/news/uk-politics-87654321"
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS[:2])
    crawl_versions(store, other_url, MINISTER_VERSIONS[:2])
    with Receiver([500]) as broken:
        add(store, broken.url)
        done = outbox(store, retry_seconds=60).flush(1)
    assert len(broken.posts) == 1 and done.failed == 1  # not one attempt per due alert
    [next_attempt] = {delivery["next_attempt"] for delivery in store.db.alert_deliveries.find()}  # both
    assert next_attempt > utc_now() + timedelta(seconds=50)
    assert store.count_pending_deliveries() == 2


# ---------------------------------------------------------------- the command

def run_alerts(store, capsys, *words, settings=()) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli.main(["-s", f"MONGO_URI={store.uri}", "-s", f"MONGO_DATABASE={store.database_name}",
                       *[part for setting in settings for part in ("-s", setting)], "alerts", *words])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_alerts_add_list_and_remove(store, capsys):
    status, out, _ = run_alerts(store, capsys, "add", "https://me:s3cret@hooks.example/news", "--source", "bbc",
                                "--removed")
    assert status == 0 and "substantive changes to bbc articles where a paragraph was removed" in out
    added = out.split()[1].rstrip(":")
    setting = "NEWSCRAWLER_ALERTS=json://127.0.0.1:9/apprise --headline"
    status, out, _ = run_alerts(store, capsys, "list", settings=[setting])
    lines = out.splitlines()
    assert lines[0].startswith(f"{added}  https://me:****@hooks.example/news") and "s3cret" not in out
    assert "where the headline changed  (from NEWSCRAWLER_ALERTS)" in lines[1]
    setting_id = lines[1].split()[0]
    assert run_alerts(store, capsys, "remove", setting_id, settings=[setting])[0] == 1
    assert run_alerts(store, capsys, "remove", added)[0] == 0
    assert run_alerts(store, capsys, "list")[1] == "No alert subscriptions.\n"
    status, _, err = run_alerts(store, capsys, "remove", added)
    assert status == 1 and "no alert subscription" in err


@pytest.mark.parametrize("target", ["nonsense://nowhere", "not a url", "/var/hook"])
def test_alerts_add_refuses_targets_it_cannot_send_to(store, capsys, target):
    status, _, err = run_alerts(store, capsys, "add", target)
    assert status == 1 and "newscrawler:" in err
    assert store.subscriptions() == []


def test_removing_the_last_subscription_of_a_target_cancels_its_pending_alerts(store, capsys):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    _, out, _ = run_alerts(store, capsys, "add", "http://127.0.0.1:9/hook", "--all")
    outbox(store).match_changes()
    status, out, _ = run_alerts(store, capsys, "status")
    assert "Alerts: 2 pending, 0 sent, 0 failed" in out
    status, out, _ = run_alerts(store, capsys, "remove", out and store.subscriptions()[0]["_id"])
    assert status == 0 and "2 pending alert(s) to its target cancelled" in out
    assert store.count_pending_deliveries() == 0
