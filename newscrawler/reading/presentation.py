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
from difflib import SequenceMatcher
from typing import Callable
from urllib.parse import urlencode

from newscrawler.schedule import ACTIVE
from newscrawler.diffing import diff_blocks, diff_versions, diff_words

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


def compare_path(article_id: str, from_version: int, to_version: int, page: int = 1, full: bool = False) -> str:
    return _with_query("/compare", {"url": article_id, "from": from_version, "to": to_version,
                                    "full": "1" if full else None, "page": page if page > 1 else None})


def articles_path(search: str | None = None, source: str | None = None, status: str | None = None,
                  page: int = 1) -> str:
    return _with_query("/articles", {"q": search, "source": source, "status": status,
                                     "page": page if page > 1 else None})


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
    runs = _joined_runs(parts)
    for position, (tag, text) in enumerate(runs):
        escaped = markup.escape(text)
        core = escaped.strip()
        if tag == "equal" or not core:
            marked.append(escaped)
            continue
        opening, closing = markup.delete if tag == "delete" else markup.insert
        # Whitespace at the edges stays outside the markers: "[-word-] " not "[-word -]".
        lead, trail = escaped[:len(escaped) - len(escaped.lstrip())], escaped[len(escaped.rstrip()):]
        if tag == "delete" and _replaced(runs, position):
            trail = " "  # words replaced read "[-old-] {+new+}" mid-text and at its end alike
        marked.append(f"{lead}{opening}{core}{closing}{trail}")
    return "".join(marked)


def _replaced(runs: Parts, position: int) -> bool:
    """Whether the deleted run at `position` is followed by inserted words."""
    following = runs[position + 1] if position + 1 < len(runs) else None
    return following is not None and following[0] == "insert" and bool(following[1].strip())


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
class Fold:
    """Unchanged paragraphs left out of a folded comparison."""

    count: int
    first: int  # the first one's number in the new version, from 1
    full_page: int  # the page of the unfolded comparison that shows it


# The alignment of two bodies is read in stretches: unchanged paragraphs, or
# changed ones (their ops, or two ranges of paragraphs still to pair). Pages
# are made of whole stretches, so a page costs the pairing of its own
# stretches only, whatever the article's length.
CONTEXT = 3  # unchanged paragraphs shown on either side of a change
ROWS_PER_PAGE = 200  # most paragraphs one page of a comparison shows
STRETCH_OPS = 100  # most ops in one stretch of changes or unchanged paragraphs (unfolded)
FULL_DIFF_PARAGRAPHS = 1000  # bodies with up to this many paragraphs together are aligned as the crawl does
WINDOW = 24  # longer bodies: paragraphs of each side paired at a time between exact matches


@dataclass
class Stretch:
    kind: str  # "equal": `equal` pairs; "ops": `ops`; "window": paragraphs to pair
    equal: list[tuple[int, int]] = field(default_factory=list)  # (old index, new index) of unchanged paragraphs
    ops: list[dict] = field(default_factory=list)
    old_ids: range = range(0)
    new_ids: range = range(0)

    def most_rows(self, context: int | None) -> int:
        if self.kind == "equal":
            return len(self.equal) if context is None else min(len(self.equal), 2 * context + 1)
        if self.kind == "ops":
            return len(self.ops)
        return len(self.old_ids) + len(self.new_ids)

    def changed_ops(self, old_body: list[str], new_body: list[str]) -> list[dict]:
        if self.kind == "ops":
            return self.ops
        old_start, new_start = self.old_ids.start, self.new_ids.start
        ops = diff_blocks(old_body[old_start:self.old_ids.stop], new_body[new_start:self.new_ids.stop])
        return [_shifted(op, old_start, new_start) for op in ops]


@dataclass
class ComparisonPage:
    number: int
    count: int  # pages in all
    rows: list  # Row and Fold, in reading order


@dataclass
class Comparison:
    old: dict  # the two revisions as stored
    new: dict
    headline: Row
    stretches: list[Stretch]
    counts: dict | None  # None: not known without pairing every paragraph of a long article
    classification: dict | None
    from_record: bool = False  # the alignment is the one stored with the change
    _page_maps: dict = field(default_factory=dict, repr=False)

    @property
    def summary(self) -> str:
        headline_changed = self.headline.kind != "equal"
        if self.counts is not None:
            return change_summary({"counts": self.counts, "headline_changed": headline_changed})
        unchanged = sum(len(stretch.equal) for stretch in self.stretches)
        words = (f"{len(self.old['body']) - unchanged} paragraphs of version {self.old['version']} and "
                 f"{len(self.new['body']) - unchanged} of version {self.new['version']} differ, "
                 f"{unchanged} unchanged")
        return words + ("; headline changed" if headline_changed else "")

    @property
    def significance(self) -> str:
        if self.classification is None:
            return "not classified: too long to compare in full"
        return significance({"classification": self.classification})

    def page(self, number: int = 1, context: int | None = CONTEXT,
             rows_per_page: int = ROWS_PER_PAGE) -> ComparisonPage | None:
        """Page `number` (from 1) of the comparison, unchanged runs folded to `context`
        paragraphs around each change (None: nothing folded); None past the last page."""
        stretches = self.stretches if context is not None else _split_equal(self.stretches)[0]
        bounds = _paginate(stretches, context, rows_per_page)
        if not 1 <= number <= len(bounds):
            return None
        start, end = bounds[number - 1]
        rows = []
        for index in range(start, end):
            stretch = stretches[index]
            if stretch.kind != "equal":
                rows += [_row(op, self.old["body"]) for op in stretch.changed_ops(self.old["body"], self.new["body"])]
            elif context is None:
                rows += [_equal_row(self.old["body"][i]) for i, _ in stretch.equal]
            else:
                rows += self._folded(stretch, index, len(stretches), context, rows_per_page)
        return ComparisonPage(number, len(bounds), rows)

    def _folded(self, stretch: Stretch, index: int, count: int, context: int, rows_per_page: int) -> list:
        """An unchanged stretch shown as the `context` paragraphs after the change
        before it and before the change after it, the rest folded."""
        shown_before = context if index > 0 else 0
        shown_after = context if index < count - 1 else 0
        pairs = stretch.equal
        if len(pairs) - shown_before - shown_after < 2:  # folding one paragraph saves nothing
            return [_equal_row(self.old["body"][i]) for i, _ in pairs]
        hidden = pairs[shown_before:len(pairs) - shown_after]
        fold = Fold(len(hidden), hidden[0][1] + 1, self._unfolded_page(index, shown_before, rows_per_page))
        return ([_equal_row(self.old["body"][i]) for i, _ in pairs[:shown_before]] + [fold]
                + [_equal_row(self.old["body"][i]) for i, _ in pairs[len(pairs) - shown_after:]])

    def _unfolded_page(self, index: int, offset: int, rows_per_page: int) -> int:
        """The page of the unfolded comparison showing paragraph `offset` of stretch `index`."""
        return self._unfolded_pages(rows_per_page).get((index, offset // STRETCH_OPS), 1)

    def _unfolded_pages(self, rows_per_page: int) -> dict[tuple[int, int], int]:
        """Page number of each piece of the unfolded comparison, by (stretch index, piece number)."""
        if rows_per_page not in self._page_maps:
            pieces, origins = _split_equal(self.stretches)
            self._page_maps[rows_per_page] = {
                origins[piece]: number
                for number, (start, end) in enumerate(_paginate(pieces, None, rows_per_page), start=1)
                for piece in range(start, end)}
        return self._page_maps[rows_per_page]


def compare_versions(old: dict, new: dict, change: dict | None = None) -> Comparison:
    """Two stored revisions of one article, aligned for reading.

    `change` is the stored change record between them, if there is one: its
    alignment is used as it is, unless it was stored summarised (without all
    its paragraph ops). Otherwise short bodies are aligned as the crawl does,
    and long ones (over FULL_DIFF_PARAGRAPHS together) are matched exactly
    first and their changed stretches paired a WINDOW at a time, when a page
    shows them; their paragraph counts and classification are then unknown.
    """
    old_body, new_body = old["body"], new["body"]
    headline_row = _headline_row(old.get("headline") or "", new.get("headline") or "")
    record = change if change and (change.get("from_version"), change.get("to_version")) == (
        old["version"], new["version"]) else None
    if record and not record.get("summarised") and isinstance(record.get("paragraphs"), list):
        stretches = _stretches_from_ops(record["paragraphs"], len(old_body), len(new_body))
        if stretches is not None:
            return Comparison(old, new, headline_row, stretches, record.get("counts"),
                              record.get("classification"), from_record=True)
    if len(old_body) + len(new_body) <= FULL_DIFF_PARAGRAPHS:
        diff = diff_versions(old, new)
        return Comparison(old, new, headline_row, _stretches_from_ops(diff["paragraphs"], len(old_body),
                                                                        len(new_body)),
                          diff["counts"], diff["classification"])
    return Comparison(old, new, headline_row, _windowed_stretches(old_body, new_body),
                      record and record.get("counts"), record and record.get("classification"))


def _headline_row(old: str, new: str) -> Row:
    return _edited_row(diff_words(old, new)) if old != new else _equal_row(new)


def _stretches_from_ops(ops: list[dict], old_size: int, new_size: int) -> list[Stretch] | None:
    """The alignment in stretches, from the ops of its changed paragraphs ("equal"
    ops may be left out: the paragraphs no op names are the unchanged ones, paired
    in order); None if the ops do not fit bodies of these sizes."""
    changed = [op for op in ops if op["op"] != "equal"]
    named_old, named_new = set(), set()
    for op in changed:
        old_ids, new_ids = _indices(op, "old_index"), _indices(op, "new_index")
        if not all(type(i) is int and 0 <= i < old_size for i in old_ids) or \
                not all(type(j) is int and 0 <= j < new_size for j in new_ids):
            return None
        named_old.update(old_ids)
        named_new.update(new_ids)
    equal_old = [i for i in range(old_size) if i not in named_old]
    equal_new = [j for j in range(new_size) if j not in named_new]
    if len(equal_old) != len(equal_new):
        return None
    equal = list(zip(equal_old, equal_new))
    stretches, next_equal = [], 0
    for op in changed:
        # unchanged paragraphs before this op: those before its new position (a removed one's old position)
        new_ids = _indices(op, "new_index")
        side, position = (1, new_ids[0]) if new_ids else (0, op["old_index"])
        start = next_equal
        while next_equal < len(equal) and equal[next_equal][side] < position:
            next_equal += 1
        if next_equal > start:
            stretches.append(Stretch("equal", equal=equal[start:next_equal]))
        if not stretches or stretches[-1].kind != "ops" or len(stretches[-1].ops) >= STRETCH_OPS:
            stretches.append(Stretch("ops"))
        stretches[-1].ops.append(op)
    if next_equal < len(equal):
        stretches.append(Stretch("equal", equal=equal[next_equal:]))
    return stretches


def _indices(op: dict, key: str) -> list:
    indices = op.get(key, [])
    return indices if isinstance(indices, list) else [indices]


def _windowed_stretches(old: list[str], new: list[str]) -> list[Stretch]:
    """Identical paragraphs matched in order (difflib), the paragraphs between them
    cut into windows of at most WINDOW a side, paired when shown."""
    stretches, old_next, new_next = [], 0, 0
    for block in SequenceMatcher(None, old, new).get_matching_blocks():  # ends with a block of size 0
        stretches += _windows(range(old_next, block.a), range(new_next, block.b))
        if block.size:
            stretches.append(Stretch("equal", equal=[(block.a + k, block.b + k) for k in range(block.size)]))
        old_next, new_next = block.a + block.size, block.b + block.size
    return stretches


def _windows(old_ids: range, new_ids: range) -> list[Stretch]:
    count = -(-max(len(old_ids), len(new_ids)) // WINDOW)
    return [Stretch("window", old_ids=old_ids[k * len(old_ids) // count:(k + 1) * len(old_ids) // count],
                    new_ids=new_ids[k * len(new_ids) // count:(k + 1) * len(new_ids) // count])
            for k in range(count)]


def _shifted(op: dict, old_start: int, new_start: int) -> dict:
    """An op of a window's diff with its indices made those of the whole bodies."""
    shifted = dict(op)
    for key, start in (("old_index", old_start), ("new_index", new_start)):
        if key in op:
            shifted[key] = [i + start for i in op[key]] if isinstance(op[key], list) else op[key] + start
    return shifted


def _split_equal(stretches: list[Stretch]) -> tuple[list[Stretch], list[tuple[int, int]]]:
    """Unchanged stretches cut into pieces of STRETCH_OPS, for unfolded pages; with
    each piece's (stretch index, piece number)."""
    pieces, origins = [], []
    for index, stretch in enumerate(stretches):
        if stretch.kind != "equal":
            pieces.append(stretch)
            origins.append((index, 0))
            continue
        for number, start in enumerate(range(0, len(stretch.equal), STRETCH_OPS)):
            pieces.append(Stretch("equal", equal=stretch.equal[start:start + STRETCH_OPS]))
            origins.append((index, number))
    return pieces, origins


def _paginate(stretches: list[Stretch], context: int | None, rows_per_page: int) -> list[tuple[int, int]]:
    """(start, end) stretch indices of each page: whole stretches, at most rows_per_page rows
    unless one stretch alone has more."""
    bounds, start, rows = [], 0, 0
    for index, stretch in enumerate(stretches):
        most = stretch.most_rows(context)
        if rows and rows + most > rows_per_page:
            bounds.append((start, index))
            start, rows = index, 0
        rows += most
    bounds.append((start, len(stretches)))
    return bounds


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
