"""What an alert says: the JSON body of a webhook, the short text of a notification. Pure.

An alert covers one article's changes, one or more (a burst, see outbox.py),
each a change record as stored, with its paragraph ops. Its idempotency key
is the id of the first change record it covers: a receiver that has seen the
key can drop the repeat.
"""
from datetime import datetime

from newscrawler.changewords import changed_passages, diff_text
from newscrawler.reading.presentation import change_summary, compare_path, format_time, significance

MAX_MESSAGE = 1800  # characters of a notification's text: Telegram, SMS gateways and Mastodon cut long ones


def webhook_body(key: str, changes: list[dict], base_url: str) -> dict:
    """The JSON body POSTed to a webhook: the article, the versions the alert
    spans, a link to their comparison, and each change record with its counts,
    classification and removed, added and edited paragraphs."""
    first, last = changes[0], changes[-1]
    return {
        "idempotency_key": key,
        "article": {"id": last["article_id"], "url": last["url"], "source": last["source"],
                    "headline": last.get("new_headline")},
        "versions": {"from": first["from_version"], "to": last["to_version"]},
        "link": comparison_link(base_url, last["article_id"], first["from_version"], last["to_version"]),
        "text": message_text(changes, base_url)[1],
        "changes": [change_body(change, base_url) for change in changes],
    }


def change_body(change: dict, base_url: str) -> dict:
    removed_words, inserted_words = changed_passages(change)
    ops = change.get("paragraphs") or []
    return {
        "id": str(change["_id"]),
        "from_version": change["from_version"],
        "to_version": change["to_version"],
        "detected_at": _iso(change.get("detected_at")),
        "kind": change.get("kind", "edit"),
        "reverts_to": change.get("reverts_to"),
        "headline_changed": bool(change.get("headline_changed")),
        "old_headline": change.get("old_headline"),
        "new_headline": change.get("new_headline"),
        "counts": change.get("counts") or {},
        "classification": change.get("classification") or {},
        "removed": [op["text"] for op in ops if op.get("op") == "removed" and "text" in op],
        "added": [op["text"] for op in ops if op.get("op") == "added" and "text" in op],
        "edited": [{"old": op.get("old"), "new": op.get("new"), "words": op.get("words")}
                   for op in ops if op.get("op") == "edited" and "words" in op],
        "removed_words": removed_words,
        "inserted_words": inserted_words,
        "summarised": bool(change.get("summarised")),
        "link": comparison_link(base_url, change["article_id"], change["from_version"], change["to_version"]),
    }


def message_text(changes: list[dict], base_url: str) -> tuple[str, str]:
    """(title, body) of a notification: what changed, the removed and inserted
    words quoted, and the comparison link; at most MAX_MESSAGE characters."""
    first, last = changes[0], changes[-1]
    headline = last.get("new_headline") or last["url"]
    title = f"Changed: {headline}" if len(changes) == 1 else f"Changed {len(changes)} times: {headline}"
    link = comparison_link(base_url, last["article_id"], first["from_version"], last["to_version"])
    blocks = [f"{change_line(change)}\n{change.get('diff_text') or diff_text(change)}".rstrip()
              for change in changes]
    body = _bounded("\n\n".join(blocks), MAX_MESSAGE - len(link) - len(last["url"]) - 2)
    return title, f"{last['url']}\n{body}\n{link}"


def change_line(change: dict) -> str:
    """"version 2 -> 3 (2026-11-25 11:00 UTC): 1 paragraph edited, 1 removed; headline changed (substantive)"."""
    return (f"version {change['from_version']} -> {change['to_version']} ({format_time(change.get('detected_at'))}): "
            f"{change_summary(change)} ({significance(change)})")


def comparison_link(base_url: str, article_id: str, from_version: int, to_version: int) -> str:
    """The web view's comparison page of two versions."""
    return base_url.rstrip("/") + compare_path(article_id, from_version, to_version)


def _bounded(text: str, limit: int) -> str:
    limit = max(limit, 200)
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + " …"


def _iso(moment) -> str | None:
    return moment.isoformat() if isinstance(moment, datetime) else None
