"""What a change removed and inserted, in words. Pure: stdlib and the diff model.

- `changed_passages(change)`: the removed and the inserted texts of a change
  record (removed paragraphs, deleted runs of edited ones, the old headline's
  deleted words; and the same for what came in), what alert subscriptions
  search for a word.
- `diff_text(change)`: a bounded plain-text account, one line per changed
  paragraph, the headline first, words quoted. Computed once when a change is
  stored (the change document's `diff_text`), read by feeds of changes and
  alert messages; documents stored before it existed get it computed from the
  ops they carry.
"""
from newscrawler.diffing import diff_words

QUOTED_CHARACTERS = 200  # of one quoted passage
SHOWN_PARAGRAPHS = 10
MAX_DIFF_TEXT = 3000  # characters of a whole diff_text
CHANGED_OPS = ("edited", "added", "removed")


def changed_passages(change: dict) -> tuple[list[str], list[str]]:
    """(removed texts, inserted texts) of a change record with its paragraph ops."""
    removed, inserted = [], []
    if change.get("headline_changed"):
        words = diff_words(change.get("old_headline") or "", change.get("new_headline") or "")
        removed += _runs(words, "delete")
        inserted += _runs(words, "insert")
    for op in change.get("paragraphs") or ():
        if op.get("op") == "removed" and "text" in op:
            removed.append(op["text"])
        elif op.get("op") == "added" and "text" in op:
            inserted.append(op["text"])
        elif op.get("op") == "edited" and "words" in op:
            removed += _runs(op["words"], "delete")
            inserted += _runs(op["words"], "insert")
    return _stripped(removed), _stripped(inserted)


def diff_text(change: dict) -> str:
    """One line per changed paragraph (the headline first, at most
    SHOWN_PARAGRAPHS), what it lost and gained quoted; at most MAX_DIFF_TEXT
    characters. Empty when the record carries no words (summarised)."""
    lines = []
    if change.get("headline_changed"):
        words = diff_words(change.get("old_headline") or "", change.get("new_headline") or "")
        lines.append(f"Headline: {removed_and_inserted(words)}.")
    ops = [op for op in change.get("paragraphs") or () if op.get("op") in CHANGED_OPS and _has_text(op)]
    lines += [_op_line(op) for op in ops[:SHOWN_PARAGRAPHS]]
    counts = change.get("counts") or {}
    unshown = sum(counts.get(kind, 0) for kind in CHANGED_OPS) - min(len(ops), SHOWN_PARAGRAPHS)
    if unshown > 0 and (ops or lines or change.get("summarised")):
        stored = "" if ops or not change.get("summarised") else " (too many to store their words)"
        lines.append(f"{unshown} {'more ' if ops else ''}paragraph{'s' if unshown != 1 else ''} changed{stored}.")
    text = "\n".join(lines)
    return text if len(text) <= MAX_DIFF_TEXT else text[:MAX_DIFF_TEXT - 1].rsplit("\n", 1)[0] + "\n…"


def removed_and_inserted(words: list[list[str]]) -> str:
    """`removed “a”, “b”; inserted “c”` for a word diff."""
    said = []
    for tag, verb in (("delete", "removed"), ("insert", "inserted")):
        runs = [run for run in _runs(words, tag) if run.strip()]
        if runs:
            said.append(f"{verb} " + ", ".join(map(quoted, runs)))
    return "; ".join(said) or "whitespace changed"


def quoted(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTED_CHARACTERS:
        text = text[:QUOTED_CHARACTERS].rsplit(" ", 1)[0] + " …"
    return f"“{text}”"


def _op_line(op: dict) -> str:
    if op["op"] == "edited":
        return f"Paragraph {op['new_index'][0] + 1}: {removed_and_inserted(op['words'])}."
    if op["op"] == "added":
        return f"Paragraph {op['new_index'] + 1} added: {quoted(op['text'])}."
    return f"Paragraph removed: {quoted(op['text'])}."


def _has_text(op: dict) -> bool:
    return "words" in op if op["op"] == "edited" else "text" in op


def _stripped(texts: list[str]) -> list[str]:
    return [text.strip() for text in texts if text.strip()]


def _runs(words: list[list[str]], tag: str) -> list[str]:
    """The texts of each run of `tag` parts (neighbouring parts joined)."""
    runs, previous = [], None
    for part_tag, text in words:
        if part_tag == tag:
            if previous == tag:
                runs[-1] += text
            else:
                runs.append(text)
        previous = part_tag
    return runs
