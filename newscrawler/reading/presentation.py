"""What readers see of stored articles and changes, shared by the CLI, feeds and web view.

Pure: takes documents as stored (see storage.py), returns text. Three parts:

- words: one-line change summaries, tracking status, times;
- links: the web view's page addresses, which feeds link to as well;
- comparison: two versions aligned paragraph by paragraph (from the diff model
  in newscrawler/diffing.py), and `mark_words`, the one renderer of word-level
  changes, for plain text, ANSI colours and HTML alike.
"""
import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlencode

from newscrawler.schedule import ACTIVE
from newscrawler.diffing import diff_versions

# ------------------------------------------------------------------- words

PARAGRAPH_COUNTS = ("edited", "added", "removed", "moved")
MINOR_REASONS = {
    "whitespace_punctuation": "whitespace or punctuation only",
    "date_stamp": "date stamp only",
    "one_word_correction": "one-word correction",
    "appended_paragraph": "paragraph appended at the end",
    "no_change": "no text change",
}
NOT_CHECKED_AGAIN = "it will not be checked again for changes"


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # stored times are UTC; a client without tz_aware returns them naive
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def format_time(moment: datetime | None) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown"


def paragraph_counts(counts: dict) -> str:
    """"3 paragraphs edited, 1 removed" ('' when no paragraph changed)."""
    parts = [(counts.get(kind, 0), kind) for kind in PARAGRAPH_COUNTS if counts.get(kind)]
    words = [f"{n} {kind}" for n, kind in parts]
    if words:
        first_count = parts[0][0]
        words[0] = f"{first_count} paragraph{'s' if first_count != 1 else ''} {parts[0][1]}"
    return ", ".join(words)


def change_summary(change: dict) -> str:
    """"3 paragraphs edited, 1 removed; headline changed", with the kind when not a plain edit."""
    kind = change.get("kind", "edit")
    if kind == "removed":
        return "the article was removed from the site"
    parts = []
    if kind == "revert":
        reverted_to = change.get("reverts_to")
        parts.append(f"reverted to version {reverted_to}" if reverted_to else "reverted to an earlier version")
    parts += [paragraph_counts(change.get("counts") or {})]
    if change.get("headline_changed"):
        parts.append("headline changed")
    return "; ".join(part for part in parts if part) or "no paragraph changed"


def significance(change: dict) -> str:
    """"substantive" or "minor: <why>"."""
    classification = change.get("classification") or {}
    if classification.get("substantive", True):
        return "substantive"
    reason = classification.get("reason")
    return f"minor: {MINOR_REASONS.get(reason, reason or 'unclassified')}"


def times_changed(count: int) -> str:
    if count == 0:
        return "the article has not changed since it was first seen"
    if count == 1:
        return "the article has changed once"
    return f"the article has changed {count} times"


def tracking_status(article: dict) -> str:
    """The article's tracking state in words, from the fields the scheduler sets when present."""
    status = article.get("status")
    if status is None:
        return f"last checked {format_time(article.get('last_checked'))}"
    if status == ACTIVE:
        next_check = article.get("next_check")
        return "still being checked" + (f", next check {format_time(next_check)}" if next_check else "")
    reason = article.get("status_reason")
    if article.get("moved_to"):
        reason = f"{reason or 'moved'} ({article['moved_to']})"
    if not reason or NOT_CHECKED_AGAIN in reason:
        return f"{status}: {reason or NOT_CHECKED_AGAIN}"
    return f"{status}: {reason}; {NOT_CHECKED_AGAIN}"


def article_facts(article: dict, version_count: int, changes: list[dict]) -> list[tuple[str, str]]:
    """(label, text) lines summarising an article; `changes` are its change records, oldest first."""
    last_change = changes[-1] if changes else None
    return [
        ("Source", article["source"]),
        ("Address", article["url"]),
        ("First seen", format_time(article.get("first_seen"))),
        ("Versions", f"{version_count}; {times_changed(len(changes))}"),
        ("Last change", f"{format_time(last_change['detected_at'])}: {change_summary(last_change)} "
                        f"({significance(last_change)})" if last_change else "none"),
        ("Status", tracking_status(article)),
    ]


# ------------------------------------------------------------------- links

def list_path(source: str | None = None, substantive_only: bool = False, page: int = 1) -> str:
    query = {"source": source, "substantive": "1" if substantive_only else None, "page": page if page > 1 else None}
    return _with_query("/", query)


def article_path(article_id: str) -> str:
    return _with_query("/article", {"url": article_id})


def compare_path(article_id: str, from_version: int, to_version: int) -> str:
    return _with_query("/compare", {"url": article_id, "from": from_version, "to": to_version})


def feed_path(source: str | None = None, article_id: str | None = None) -> str:
    return _with_query("/feed.xml", {"source": source, "url": article_id})


def _with_query(path: str, query: dict) -> str:
    present = {key: value for key, value in query.items() if value is not None}
    return path + ("?" + urlencode(present) if present else "")


# -------------------------------------------------------------- comparison

# A marked text is a list of [tag, text] parts, tag "equal" | "delete" | "insert",
# the format of newscrawler.diffing.diff_words.
Parts = list[list[str]]


@dataclass(frozen=True)
class Markup:
    """How deleted and inserted words are shown."""

    delete: tuple[str, str]
    insert: tuple[str, str]
    escape: Callable[[str], str] = str


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe to print on a terminal: control characters (such as an escape
    sequence hidden in an article) shown as U+FFFD instead of obeyed."""
    return _CONTROL.sub("\ufffd", text)


PLAIN = Markup(delete=("[-", "-]"), insert=("{+", "+}"), escape=printable)
ANSI = Markup(delete=("\x1b[31m", "\x1b[0m"), insert=("\x1b[32m", "\x1b[0m"), escape=printable)
HTML = Markup(delete=("<del>", "</del>"), insert=("<ins>", "</ins>"), escape=html.escape)


def mark_words(parts: Parts, markup: Markup) -> str:
    """The text with each deleted and inserted run wrapped in the markup's markers."""
    marked = []
    for tag, text in _joined_runs(parts):
        escaped = markup.escape(text)
        if tag == "equal":
            marked.append(escaped)
        else:
            opening, closing = markup.delete if tag == "delete" else markup.insert
            # Whitespace at the edges stays outside the markers: "[-word-] " not "[-word -]".
            core = escaped.strip()
            lead, trail = escaped[:len(escaped) - len(escaped.lstrip())], escaped[len(escaped.rstrip()):]
            marked.append(f"{lead}{opening}{core}{closing}{trail}" if core else escaped)
    return "".join(marked)


def _joined_runs(parts: Parts) -> Parts:
    """Neighbouring parts with the same tag as one part, so that a run gets one pair of markers."""
    runs = []
    for tag, text in parts:
        if runs and runs[-1][0] == tag:
            runs[-1][1] += text
        else:
            runs.append([tag, text])
    return runs


@dataclass
class Row:
    """One paragraph of the comparison: its fate, and what each side shows."""

    kind: str  # "equal" | "edited" | "added" | "removed" | "moved"
    old: Parts = field(default_factory=list)  # empty when the paragraph is not in the old version
    new: Parts = field(default_factory=list)
    inline: Parts = field(default_factory=list)  # both sides in one text, for the inline view
    note: str = ""


@dataclass
class Comparison:
    old: dict  # the two revisions as stored
    new: dict
    headline: Row
    rows: list[Row]
    counts: dict
    classification: dict

    @property
    def summary(self) -> str:
        return change_summary({"counts": self.counts, "headline_changed": self.headline.kind != "equal"})


def compare_versions(old: dict, new: dict) -> Comparison:
    """Two stored revisions of one article, aligned for reading."""
    diff = diff_versions(old, new)
    headline = diff["headline"]
    headline_row = (_edited_row(headline["words"]) if headline["changed"]
                    else _equal_row(new.get("headline") or ""))
    rows = [_row(op, old["body"]) for op in diff["paragraphs"]]
    return Comparison(old, new, headline_row, rows, diff["counts"], diff["classification"])


def _row(op: dict, old_body: list[str]) -> Row:
    kind = op["op"]
    if kind == "edited":
        row = _edited_row(op["words"])
        if op["shape"] == "split":
            row.note = f"split into {len(op['new_index'])} paragraphs"
        elif op["shape"] == "merged":
            row.note = f"{len(op['old_index'])} paragraphs merged"
        return row
    if kind == "added":
        return Row("added", new=[["insert", op["text"]]], inline=[["insert", op["text"]]])
    if kind == "removed":
        return Row("removed", old=[["delete", op["text"]]], inline=[["delete", op["text"]]])
    row = _equal_row(old_body[op["old_index"]])
    if kind == "moved":
        row.kind, row.note = "moved", f"moved from paragraph {op['old_index'] + 1}"
    return row


def _edited_row(words: Parts) -> Row:
    return Row("edited", old=[p for p in words if p[0] != "insert"],
               new=[p for p in words if p[0] != "delete"], inline=words)


def _equal_row(text: str) -> Row:
    parts = [["equal", text]]
    return Row("equal", old=parts, new=parts, inline=parts)
