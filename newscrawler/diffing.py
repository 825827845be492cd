"""Paragraph- and word-level diff of two article versions. Pure: stdlib only, no I/O.

A version is a dict with "headline", "body" (list of normalised text blocks in
reading order) and optionally "byline". `diff_blocks` aligns two bodies into a
list of ops in NEW-document order; a removed op sits where its paragraph was lost.

    {"op": "equal",   "old_index": i, "new_index": j}
    {"op": "added",   "new_index": j, "text": s}
    {"op": "removed", "old_index": i, "text": s}
    {"op": "moved",   "old_index": i, "new_index": j}       same text, out of order
    {"op": "edited",  "old_index": [i, ...], "new_index": [j, ...],
     "shape": "edit" | "split" | "merged",
     "old": s, "new": s, "words": diff_words(old, new)}
     # "split" (one old -> several new) also carries "new_parts": [s, ...] so that
     # apply_diff can rebuild the separate new paragraphs; old/new of a split or
     # merge are the paragraphs joined with a single space.

Alignment: exact matches first (patience diff, falling back to SequenceMatcher
where no paragraph is unique), then identical texts that ended up in different
gaps become "moved", then each gap is paired by word similarity (edits, splits,
merges); what stays unpaired is added or removed.
"""
import os
import re
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict, deque
from difflib import SequenceMatcher
from itertools import groupby

SIMILARITY_THRESHOLD = 0.5  # word-level ratio at which two paragraphs count as one edited
MAX_PARTS = 3  # most new paragraphs one old one may be split into (and vice versa for merges)
SHAPE_PENALTY = 1  # matched words a split/merge must gain per extra part over edit + add
GAP_CHUNK = 24  # gaps longer than this on both sides are paired chunk by chunk
SIMILAR_WORD_RATIO = 0.6  # character ratio for "one word corrected" (typo fixes)

OP_KINDS = ("added", "removed", "edited", "moved")


# ---------------------------------------------------------------- word diff

_TOKEN = re.compile(r"\S+\s*|\s+")  # a word with its trailing whitespace; \s+ only at the start


def diff_words(old: str, new: str) -> list[list[str]]:
    """[[tag, text], ...] with tag "equal" | "delete" | "insert".

    Joining the equal+delete texts gives `old`, equal+insert gives `new`.
    Words are compared without their trailing whitespace, so "end" and "end "
    are the same word and only the whitespace shows as changed.
    """
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = SequenceMatcher(
        None, [t.rstrip() for t in old_tokens], [t.rstrip() for t in new_tokens], autojunk=False
    )
    parts = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_run, new_run = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if tag != "equal":
            parts += [["delete", old_run], ["insert", new_run]]
        elif old_run == new_run:
            parts.append(["equal", old_run])
        else:  # same words, different whitespace after some of them
            for old_token, new_token in zip(old_tokens[i1:i2], new_tokens[j1:j2]):
                common = os.path.commonprefix([old_token, new_token])
                parts += [["equal", common], ["delete", old_token[len(common):]],
                          ["insert", new_token[len(common):]]]
    return _coalesce(parts)


def _coalesce(parts: list[list[str]]) -> list[list[str]]:
    """Drop empty parts; merge each run of changes into one delete followed by one insert."""
    merged = []
    for _, run in groupby((p for p in parts if p[1]), key=lambda p: p[0] == "equal"):
        run = list(run)
        for tag in ("equal", "delete", "insert"):
            text = "".join(t for run_tag, t in run if run_tag == tag)
            if text:
                merged.append([tag, text])
    return merged


# ------------------------------------------------------- exact paragraph match

def _equal_pairs(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """(old_index, new_index) of identical paragraphs, increasing in both (a common subsequence).

    Patience diff: paragraphs unique on both sides anchor the alignment, and the
    regions between anchors are solved the same way. That stays near linear on long
    articles even when a short block such as "Advertisement" repeats hundreds of
    times, where a plain LCS would be quadratic.
    """
    pairs = []
    regions = [(0, len(old), 0, len(new))]
    while regions:
        old_lo, old_hi, new_lo, new_hi = regions.pop()
        while old_lo < old_hi and new_lo < new_hi and old[old_lo] == new[new_lo]:
            pairs.append((old_lo, new_lo))
            old_lo, new_lo = old_lo + 1, new_lo + 1
        while old_lo < old_hi and new_lo < new_hi and old[old_hi - 1] == new[new_hi - 1]:
            old_hi, new_hi = old_hi - 1, new_hi - 1
            pairs.append((old_hi, new_hi))
        if old_lo == old_hi or new_lo == new_hi:
            continue
        anchors = _unique_anchors(old, new, old_lo, old_hi, new_lo, new_hi)
        if not anchors:
            pairs += _lcs_pairs(old, new, old_lo, old_hi, new_lo, new_hi)
            continue
        for i, j in anchors:
            pairs.append((i, j))
            regions.append((old_lo, i, new_lo, j))
            old_lo, new_lo = i + 1, j + 1
        regions.append((old_lo, old_hi, new_lo, new_hi))
    return sorted(pairs)


def _unique_anchors(old, new, old_lo, old_hi, new_lo, new_hi) -> list[tuple[int, int]]:
    """Longest in-order chain of paragraphs that occur exactly once in each region."""
    old_counts, new_counts = Counter(old[old_lo:old_hi]), Counter(new[new_lo:new_hi])
    unique_old = {old[i]: i for i in range(old_lo, old_hi) if old_counts[old[i]] == 1}
    candidates = [(unique_old[new[j]], j) for j in range(new_lo, new_hi)
                  if new_counts[new[j]] == 1 and new[j] in unique_old]
    return _longest_increasing(candidates)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of `pairs` (sorted by second item) increasing in the first item."""
    tail_values, tail_positions = [], []  # per chain length: smallest chain end seen so far
    previous = [None] * len(pairs)
    for position, (i, _) in enumerate(pairs):
        length = bisect_left(tail_values, i)
        previous[position] = tail_positions[length - 1] if length else None
        if length == len(tail_values):
            tail_values.append(i)
            tail_positions.append(position)
        else:
            tail_values[length], tail_positions[length] = i, position
    chain, position = [], tail_positions[-1] if tail_positions else None
    while position is not None:
        chain.append(pairs[position])
        position = previous[position]
    return chain[::-1]


def _lcs_pairs(old, new, old_lo, old_hi, new_lo, new_hi) -> list[tuple[int, int]]:
    matcher = SequenceMatcher(None, old[old_lo:old_hi], new[new_lo:new_hi], autojunk=False)
    return [(old_lo + block.a + k, new_lo + block.b + k)
            for block in matcher.get_matching_blocks() for k in range(block.size)]


def _segments(pairs, old_size: int, new_size: int) -> list[tuple[str, object, object]]:
    """Equal pairs and the unmatched gaps between them, in document order:
    ("equal", i, j) or ("gap", old indices, new indices)."""
    segments = []
    old_next, new_next = 0, 0
    for i, j in [*pairs, (old_size, new_size)]:
        if i > old_next or j > new_next:
            segments.append(("gap", list(range(old_next, i)), list(range(new_next, j))))
        if i < old_size:
            segments.append(("equal", i, j))
        old_next, new_next = i + 1, j + 1
    return segments


def _moved_pairs(old, new, gaps) -> list[tuple[int, int]]:
    """Identical paragraphs left unmatched on both sides: they moved out of order."""
    unmatched_old = defaultdict(deque)
    for old_ids, _ in gaps:
        for i in old_ids:
            unmatched_old[old[i]].append(i)
    moved = []
    for _, new_ids in gaps:
        for j in new_ids:
            if unmatched_old.get(new[j]):
                moved.append((unmatched_old[new[j]].popleft(), j))
    return moved


# --------------------------------------------------- similarity pairing in gaps

# (old paragraphs, new paragraphs) one pairing step consumes: added, removed, edit,
# then splits and merges, which win only when they match more words.
_STEP_SHAPES = [(0, 1), (1, 0), (1, 1), *((1, parts) for parts in range(2, MAX_PARTS + 1)),
                *((parts, 1) for parts in range(2, MAX_PARTS + 1))]

def _pair_gap(old: list[str], new: list[str], old_ids: list[int], new_ids: list[int]
              ) -> list[tuple[range, range]]:
    """Order-preserving pairing of one gap that maximises the words matched.

    Returns steps as (positions in old_ids, positions in new_ids): one side empty
    is a removed or added paragraph, both non-empty an edit, split or merge.
    """
    rows, cols = len(old_ids), len(new_ids)
    old_runs = _runs(old, old_ids)
    new_matchers = {key: SequenceMatcher(None, [], words, autojunk=False)  # indexes `words` once
                    for key, words in _runs(new, new_ids).items()}
    score = [[0] * (cols + 1) for _ in range(rows + 1)]
    best_step = [[None] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows + 1):
        for j in range(cols + 1):
            for di, dj in _STEP_SHAPES:
                gain = _step_gain(old_runs, new_matchers, i, j, di, dj)
                if gain is None:
                    continue
                total = score[i - di][j - dj] + gain
                if best_step[i][j] is None or total > score[i][j]:  # ties keep the earlier shape
                    score[i][j], best_step[i][j] = total, (di, dj)
    steps, i, j = [], rows, cols
    while i or j:
        di, dj = best_step[i][j]
        steps.append((range(i - di, i), range(j - dj, j)))
        i, j = i - di, j - dj
    return steps[::-1]


def _runs(texts: list[str], ids: list[int]) -> dict[tuple[int, int], list[str]]:
    """Words of every run of up to MAX_PARTS paragraphs that are consecutive in the
    document, keyed by (start, end) positions in `ids`."""
    words = [texts[k].split() for k in ids]
    return {(start, end): sum(words[start:end], [])
            for end in range(1, len(ids) + 1)
            for start in range(max(0, end - MAX_PARTS), end)
            if ids[end - 1] - ids[start] == end - 1 - start}


def _step_gain(old_runs, new_matchers, i: int, j: int, di: int, dj: int) -> int | None:
    """Words matched by a step that consumes di old and dj new paragraphs to reach
    cell (i, j); None if the step is impossible or pairs dissimilar paragraphs."""
    if di > i or dj > j:
        return None
    if not di or not dj:
        return 0  # one paragraph removed or added
    old_words, new_matcher = old_runs.get((i - di, i)), new_matchers.get((j - dj, j))
    if old_words is None or new_matcher is None:
        return None  # a moved paragraph lies between them
    matched = _matched_words(new_matcher, old_words)
    return matched - SHAPE_PENALTY * (di + dj - 2) if matched else None


def _matched_words(new_matcher: SequenceMatcher, old_words: list[str]) -> int:
    """Words shared in order with the matcher's new side, or 0 if under the threshold."""
    new_matcher.set_seq1(old_words)
    if (new_matcher.real_quick_ratio() < SIMILARITY_THRESHOLD
            or new_matcher.quick_ratio() < SIMILARITY_THRESHOLD
            or new_matcher.ratio() < SIMILARITY_THRESHOLD):
        return 0
    return sum(block.size for block in new_matcher.get_matching_blocks())


def _chunks(old_ids: list[int], new_ids: list[int]):
    """Proportional chunks of a gap long on both sides, so that pairing costs about
    GAP_CHUNK times the longer side; a pairing across a chunk edge is lost."""
    count = max(1, min(len(old_ids), len(new_ids)) // GAP_CHUNK)
    for k in range(count):
        yield (old_ids[k * len(old_ids) // count:(k + 1) * len(old_ids) // count],
               new_ids[k * len(new_ids) // count:(k + 1) * len(new_ids) // count])


def _gap_ops(old, new, old_ids: list[int], new_ids: list[int]) -> list[dict]:
    ops = []
    for old_chunk, new_chunk in _chunks(old_ids, new_ids):
        for old_positions, new_positions in _pair_gap(old, new, old_chunk, new_chunk):
            ops.append(_step_op(old, new, [old_chunk[p] for p in old_positions],
                                [new_chunk[p] for p in new_positions]))
    return ops


def _step_op(old, new, old_ids: list[int], new_ids: list[int]) -> dict:
    if not new_ids:
        return {"op": "removed", "old_index": old_ids[0], "text": old[old_ids[0]]}
    if not old_ids:
        return {"op": "added", "new_index": new_ids[0], "text": new[new_ids[0]]}
    old_text = " ".join(old[i] for i in old_ids)
    new_text = " ".join(new[j] for j in new_ids)
    shape = "split" if len(new_ids) > 1 else "merged" if len(old_ids) > 1 else "edit"
    op = {"op": "edited", "old_index": old_ids, "new_index": new_ids, "shape": shape,
          "old": old_text, "new": new_text, "words": diff_words(old_text, new_text)}
    if shape == "split":
        op["new_parts"] = [new[j] for j in new_ids]
    return op


# ------------------------------------------------------------------ block diff

def diff_blocks(old: list[str], new: list[str]) -> list[dict]:
    """Ops turning body `old` into body `new`, in new-document order (see module doc)."""
    segments = _segments(_equal_pairs(old, new), len(old), len(new))
    gaps = [(old_ids, new_ids) for kind, old_ids, new_ids in segments if kind == "gap"]
    moved = _moved_pairs(old, new, gaps)
    moved_old, moved_new = {i for i, _ in moved}, {j for _, j in moved}
    ops = []
    for kind, first, second in segments:
        if kind == "equal":
            ops.append({"op": "equal", "old_index": first, "new_index": second})
        else:
            ops += _gap_ops(old, new, [i for i in first if i not in moved_old],
                            [j for j in second if j not in moved_new])
    return _with_moved(ops, moved)


def _with_moved(ops: list[dict], moved: list[tuple[int, int]]) -> list[dict]:
    """Insert moved ops at their new positions; `ops` are in document order and keep it."""
    keys, last_new = [], -1
    for op in ops:
        if "new_index" in op:
            index = op["new_index"]
            last_new = index[0] if isinstance(index, list) else index
        keys.append(last_new)  # a removed op ranks with the op before it; the sort is stable
    all_ops = ops + [{"op": "moved", "old_index": i, "new_index": j} for i, j in moved]
    keys += [j for _, j in moved]
    order = sorted(range(len(all_ops)), key=keys.__getitem__)
    return [all_ops[k] for k in order]


def apply_diff(old: list[str], ops: list[dict]) -> list[str]:
    """Rebuild the new body from the old one and `diff_blocks(old, new)`."""
    new = {}
    for op in ops:
        if op["op"] in ("equal", "moved"):
            new[op["new_index"]] = old[op["old_index"]]
        elif op["op"] == "added":
            new[op["new_index"]] = op["text"]
        elif op["op"] == "edited":
            new.update(zip(op["new_index"], op.get("new_parts", [op["new"]])))
    return [new[j] for j in range(len(new))]


def count_ops(ops: list[dict]) -> dict:
    """Paragraph ops by kind; a split or merge counts as one edit."""
    counts = Counter(op["op"] for op in ops)
    return {**{kind: counts[kind] for kind in OP_KINDS}, "unchanged": counts["equal"]}


# -------------------------------------------------------------------- versions

def diff_versions(old: dict, new: dict) -> dict:
    """Headline, byline and body diff of two versions, with counts and classification."""
    ops = diff_blocks(old["body"], new["body"])
    return {
        "headline": _field_diff(old.get("headline"), new.get("headline")),
        "byline": _field_diff(old.get("byline"), new.get("byline")),
        "paragraphs": ops,
        "counts": count_ops(ops),
        "classification": classify(old, new, ops),
    }


def _field_diff(old: str | None, new: str | None) -> dict:
    changed = old != new
    return {"changed": changed, "old": old, "new": new,
            "words": diff_words(old or "", new or "") if changed else []}


# -------------------------------------------------------------- classification

_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november"
          r"|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?")
_WEEKDAY = (r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
            r"|mon|tues|tue|wed|thurs|thu|fri|sat|sun)")
_ZONE = r"(?:gmt|bst|utc|cet|cest|[ecmp][sd]?t|uk)"
_TIME = rf"\d{{1,2}}[:.]\d{{2}}(?:\s*[ap]\.?m\.?)?(?:\s*{_ZONE})?"
_AGO = r"\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago"
_DATE_PART = (rf"(?:{_AGO}|{_TIME}|\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}|{_WEEKDAY}|{_MONTH}"
              rf"|\d{{1,4}}(?:st|nd|rd|th)?|{_ZONE}|at|on)")
_DATE_RUN = rf"(?:{_DATE_PART}\b(?:,?\s+)?)+"  # "1,200" is no date
# Stamps are recognised by a keyword ("Updated ...") or as "N hours ago"; a bare
# date or number in running text is news, so it only counts as a stamp when the
# whole paragraph is nothing but a date.
_STAMP = re.compile(
    rf"\b(?:page\s+)?(?:last\s+)?(?:updated|published|posted|modified)\b[\s:,]*{_DATE_RUN}"
    rf"|\b{_AGO}\b",
    re.IGNORECASE,
)
_DATE_ONLY = re.compile(rf"\s*{_DATE_RUN}", re.IGNORECASE)


def classify(old: dict, new: dict, ops: list[dict]) -> dict:
    """{"substantive": bool, "reason": str | None}: why a change is minor, if it is."""
    if _skeleton(_field(old, "headline")) != _skeleton(_field(new, "headline")):
        return {"substantive": True, "reason": None}
    if all(old.get(field) == new.get(field) for field in ("headline", "byline", "body")):
        return {"substantive": False, "reason": "no_change"}
    for reason, normalise in (("whitespace_punctuation", _skeleton),
                              ("date_stamp", lambda text: _skeleton(_without_stamps(text)))):
        if _texts(old, normalise) == _texts(new, normalise):
            return {"substantive": False, "reason": reason}
    if _skeleton(_field(old, "byline")) == _skeleton(_field(new, "byline")):
        if _is_one_word_correction(ops):
            return {"substantive": False, "reason": "one_word_correction"}
        if _is_appended_paragraph(ops):
            return {"substantive": False, "reason": "appended_paragraph"}
    return {"substantive": True, "reason": None}


def _texts(version: dict, normalise) -> tuple[str, str, str]:
    """Normalised headline, byline and whole body (a paragraph break is just whitespace)."""
    return (normalise(_field(version, "headline")), normalise(_field(version, "byline")),
            "".join(normalise(paragraph) for paragraph in version["body"]))


def _field(version: dict, name: str) -> str:
    return version.get(name) or ""


def _skeleton(text: str) -> str:
    """The text without whitespace and punctuation."""
    return text.translate(_SKELETON_TABLE)


class _SkeletonTable(dict):
    """A str.translate table that drops whitespace and punctuation, filled in
    as characters are first met (a table of all of Unicode would take a
    noticeable time to build at import, and per-character Python code is slow)."""

    def __missing__(self, code_point: int) -> int | None:
        char = chr(code_point)
        dropped = char.isspace() or unicodedata.category(char).startswith("P")
        self[code_point] = None if dropped else code_point
        return self[code_point]


_SKELETON_TABLE = _SkeletonTable()


def _without_stamps(text: str) -> str:
    if _DATE_ONLY.fullmatch(text):
        return ""
    return _STAMP.sub(" ", text)


def _is_one_word_correction(ops: list[dict]) -> bool:
    """Exactly one paragraph changed, by one word replaced with a similar one."""
    changed = [op for op in ops if op["op"] != "equal"]
    if len(changed) != 1 or changed[0]["op"] != "edited" or changed[0]["shape"] != "edit":
        return False
    word_changes = [(tag, text.split()) for tag, text in changed[0]["words"] if tag != "equal"]
    if [(tag, len(words)) for tag, words in word_changes] != [("delete", 1), ("insert", 1)]:
        return False
    return _similar_words(word_changes[0][1][0], word_changes[1][1][0])


def _similar_words(old_word: str, new_word: str) -> bool:
    """A spelling fix rather than a different word; changed numbers never qualify."""
    if any(ch.isdigit() for ch in old_word + new_word):
        return False
    return SequenceMatcher(None, old_word.lower(), new_word.lower()).ratio() >= SIMILAR_WORD_RATIO


def _is_appended_paragraph(ops: list[dict]) -> bool:
    """Only paragraphs added after all the unchanged ones."""
    kinds = [op["op"] for op in ops]
    if "added" not in kinds:
        return False
    first_added = kinds.index("added")
    return set(kinds[:first_added]) <= {"equal"} and set(kinds[first_added:]) == {"added"}
