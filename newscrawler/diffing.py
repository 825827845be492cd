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

Cost. A diff runs in the pipeline's worker threads and in the web view, so its
cost is bounded for any input. All of it is linear or n log n in the size of the
article except the exact methods, which draw on two budgets held by one `Work`
per diff, together about a second of CPU at most (bench/README.md):
- "pairing", PAIRING_BUDGET: the pairing DP, charged for its table, for the words
  it indexes (INDEX_COST each), for each similarity test (the words it reads, plus
  TEST_WORDS) and for the SequenceMatcher searches of the tests that pass the
  quick filters;
- "matching", MATCHING_BUDGET: the other SequenceMatcher runs (word diffs, regions
  without a unique paragraph).
A SequenceMatcher search is charged before it starts for the comparisons it may
make (`_matching_blocks`).
Ordinary articles stay far inside both, long and heavily edited ones included (the
longest fixture page with every paragraph edited: 23% of pairing, 0.3% of matching;
2,000 paragraphs with 30% edited: 7% and 2%), and their diff is exactly the full
method's. What does not fit is done by a linear walk along both sides (`_walk`):
- the rest of a gap, from the chunk where the DP ran out: two paragraphs are an
  edit when their word sets overlap enough (Dice >= SIMILARITY_THRESHOLD); no
  splits or merges are found;
- a word diff, or a region without unique paragraphs: equal items are matched.
At a mismatch a walk looks up to WALK_LOOKAHEAD items ahead on either side, so a
longer run of inserted or deleted items throws it off (what follows shows as
removed and added). A search that costs more than what is left is never started,
so one very long or repetitive paragraph is diffed coarsely even when the rest is
exact. The output has the same shape either way; only the pairing of huge or
degenerate changes is coarser. `Work.spent` and `Work.fallbacks` tell which.
"""
import os
import re
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict, deque
from difflib import SequenceMatcher
from itertools import accumulate, islice, repeat

SIMILARITY_THRESHOLD = 0.5  # word-level ratio at which two paragraphs count as one edited
MAX_PARTS = 3  # most new paragraphs one old one may be split into (and vice versa for merges)
SHAPE_PENALTY = 1  # matched words a split/merge must gain per extra part over edit + add
GAP_CHUNK = 24  # gaps longer than this on both sides are paired chunk by chunk
SIMILAR_WORD_RATIO = 0.6  # character ratio for "one word corrected" (typo fixes)
PAIRING_BUDGET = 4_000_000  # the pairing DP's cells, indexed words, tests and searches, per diff
MATCHING_BUDGET = 2_000_000  # comparisons of SequenceMatcher searches outside the DP, per diff
WALK_LOOKAHEAD = 8  # items a walk looks ahead on each side for the next match
TEST_WORDS = 8  # a similarity test's fixed cost, in words read (about 1 µs; a word is 0.13 µs)
INDEX_COST = 3  # indexing a word for SequenceMatcher costs about 3 times reading it (0.35 µs)

OP_KINDS = ("added", "removed", "edited", "moved")


# -------------------------------------------------- work budget and linear walk

class Work:
    """What one diff may still spend on its exact methods ("pairing", "matching":
    see the module doc), what it spent, and how often it walked instead
    (`fallbacks`, by rule). Each diff makes its own: diffs run in several threads."""

    def __init__(self, pairing: int = PAIRING_BUDGET, matching: int = MATCHING_BUDGET):
        self.left = {"pairing": pairing, "matching": matching}
        self.spent = Counter()
        self.fallbacks = Counter()

    def afford(self, kind: str, cost: int) -> bool:
        """Spend `cost` of budget `kind` if it fits in what is left."""
        if cost > self.left[kind]:
            return False
        self.left[kind] -= cost
        self.spent[kind] += cost
        return True


class _OverBudget(Exception):
    """The pairing DP cannot afford its next step: the rest of the gap is walked."""


def _exact_blocks(a: list, b: list, work: Work) -> list[tuple[int, int, int]] | None:
    """SequenceMatcher's matching blocks of `a` and `b`, or None past the budget."""
    if len(a) > work.left["matching"]:  # the least a run costs: no need to index b
        return None
    return _matching_blocks(SequenceMatcher(None, a, b, autojunk=False), work, "matching")


def _matching_blocks(matcher: SequenceMatcher, work: Work, budget: str
                     ) -> list[tuple[int, int, int]] | None:
    """matcher.get_matching_blocks(), found the same way (the longest match of a
    range, then the same on either side of it), but each search is first charged
    (to `budget`) the comparisons it may make: it reads each item of its range of
    `a` and each pair of equal items at most once. None as soon as it cannot pay.

    Long or repetitive sequences are where SequenceMatcher grows past linear (up to
    cubic); charging search by search keeps the charge close to the real cost.
    """
    a, b = matcher.a, matcher.b
    # equal_pairs[k]: pairs of equal items in a[:k] x b (map: no Python loop per item)
    equal_pairs = list(accumulate(map(len, map(matcher.b2j.get, a, repeat(()))), initial=0))
    found, ranges = [], [(0, len(a), 0, len(b))]
    while ranges:
        a_lo, a_hi, b_lo, b_hi = ranges.pop()
        if not work.afford(budget, a_hi - a_lo + equal_pairs[a_hi] - equal_pairs[a_lo]):
            return None
        i, j, size = matcher.find_longest_match(a_lo, a_hi, b_lo, b_hi)
        if size:
            found.append((i, j, size))
            if a_lo < i and b_lo < j:
                ranges.append((a_lo, i, b_lo, j))
            if i + size < a_hi and j + size < b_hi:
                ranges.append((i + size, a_hi, j + size, b_hi))
    return _merged_blocks(sorted(found), len(a), len(b))


def _merged_blocks(blocks, a_size: int, b_size: int) -> list[tuple[int, int, int]]:
    """Sorted (i, j, size) blocks with adjacent ones joined, ending with
    (a_size, b_size, 0), as SequenceMatcher.get_matching_blocks gives them."""
    merged = []
    for i, j, size in blocks:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + size)
        else:
            merged.append((i, j, size))
    return merged + [(a_size, b_size, 0)]


def _walk(old_count: int, new_count: int, match) -> list[tuple[int, int]]:
    """In-order pairs (i, j) with match(i, j), found walking along both sides at once.

    The linear stand-in for an alignment: after a mismatch the walk goes on from
    the nearest match within WALK_LOOKAHEAD items ahead on either side, else from
    one item further on both. At most 2 * WALK_LOOKAHEAD + 2 calls of match per step.
    """
    pairs, i, j = [], 0, 0
    while i < old_count and j < new_count:
        if match(i, j):
            pairs.append((i, j))
            i, j = i + 1, j + 1
        else:
            i, j = _resync(match, i, j, old_count, new_count)
    return pairs


def _walked_equal_pairs(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    return _walk(len(old), len(new), lambda i, j: old[i] == new[j])


def _resync(match, i: int, j: int, old_count: int, new_count: int) -> tuple[int, int]:
    for skip in range(1, WALK_LOOKAHEAD + 1):
        if j + skip < new_count and match(i, j + skip):
            return i, j + skip
        if i + skip < old_count and match(i + skip, j):
            return i + skip, j
    return i + 1, j + 1


# ---------------------------------------------------------------- word diff

_TOKEN = re.compile(r"\S+\s*|\s+")  # a word with its trailing whitespace; \s+ only at the start


def diff_words(old: str, new: str, work: Work | None = None) -> list[list[str]]:
    """[[tag, text], ...] with tag "equal" | "delete" | "insert".

    Joining the equal+delete texts gives `old`, equal+insert gives `new`.
    Words are compared without their trailing whitespace, so "end" and "end "
    are the same word and only the whitespace shows as changed.
    """
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    blocks = _word_blocks([t.rstrip() for t in old_tokens], [t.rstrip() for t in new_tokens],
                          work if work is not None else Work())
    parts = []
    for equal, i1, i2, j1, j2 in _opcodes(blocks):
        old_run, new_run = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if not equal:
            parts += [["delete", old_run], ["insert", new_run]]
        elif old_run == new_run:
            parts.append(["equal", old_run])
        else:  # same words, different whitespace after some of them
            for old_token, new_token in zip(old_tokens[i1:i2], new_tokens[j1:j2]):
                common = os.path.commonprefix([old_token, new_token])
                parts += [["equal", common], ["delete", old_token[len(common):]],
                          ["insert", new_token[len(common):]]]
    return _coalesce(parts)


def _word_blocks(old_words: list[str], new_words: list[str], work: Work) -> list[tuple[int, int, int]]:
    """Matching blocks (i, j, size) of two word lists, ending with (len, len, 0):
    SequenceMatcher's, or past the budget those of a walk along equal words."""
    blocks = _exact_blocks(old_words, new_words, work)
    if blocks is not None:
        return blocks
    work.fallbacks["walked_words"] += 1
    pairs = _walked_equal_pairs(old_words, new_words)
    return _merged_blocks([(i, j, 1) for i, j in pairs], len(old_words), len(new_words))


def _opcodes(blocks):
    """(equal, i1, i2, j1, j2) for the runs between and over matching blocks, as
    SequenceMatcher.get_opcodes makes them (without telling replace from insert)."""
    i = j = 0
    for block_i, block_j, size in blocks:
        if i < block_i or j < block_j:
            yield False, i, block_i, j, block_j
        if size:
            yield True, block_i, block_i + size, block_j, block_j + size
        i, j = block_i + size, block_j + size


def _coalesce(parts: list[list[str]]) -> list[list[str]]:
    """Drop empty parts; merge each run of equal parts into one, and each run of
    changes into one delete followed by one insert."""
    merged, run, run_is_equal = [], {"equal": [], "delete": [], "insert": []}, None
    for tag, text in parts:
        if not text:
            continue
        if (tag == "equal") is not run_is_equal:
            _flush_run(merged, run)
            run_is_equal = tag == "equal"
        run[tag].append(text)
    _flush_run(merged, run)
    return merged


def _flush_run(merged: list[list[str]], run: dict[str, list[str]]) -> None:
    for tag in ("equal", "delete", "insert"):
        if run[tag]:
            merged.append([tag, "".join(run[tag])])
            run[tag].clear()


# ------------------------------------------------------- exact paragraph match

def _equal_pairs(old: list[str], new: list[str], work: Work) -> list[tuple[int, int]]:
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
            pairs += _lcs_pairs(old, new, old_lo, old_hi, new_lo, new_hi, work)
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


def _lcs_pairs(old, new, old_lo, old_hi, new_lo, new_hi, work: Work) -> list[tuple[int, int]]:
    """Common subsequence of a region without unique paragraphs: SequenceMatcher's,
    or past the budget a walk along equal paragraphs."""
    old_region, new_region = old[old_lo:old_hi], new[new_lo:new_hi]
    blocks = _exact_blocks(old_region, new_region, work)
    if blocks is None:
        work.fallbacks["walked_region"] += 1
        pairs = _walked_equal_pairs(old_region, new_region)
    else:
        pairs = [(i + k, j + k) for i, j, size in blocks for k in range(size)]
    return [(old_lo + i, new_lo + j) for i, j in pairs]


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

def _pair_gap(old: list[str], new: list[str], old_ids: list[int], new_ids: list[int], work: Work
              ) -> list[tuple[range, range]]:
    """Order-preserving pairing of one gap that maximises the words matched.

    Returns steps as (positions in old_ids, positions in new_ids): one side empty
    is a removed or added paragraph, both non-empty an edit, split or merge.
    Raises _OverBudget when the work left cannot pay for its table, for indexing the
    words of the new side, or for the next similarity test.
    """
    rows, cols = len(old_ids), len(new_ids)
    if not rows or not cols:  # all added or all removed, as the table would find
        return [(range(i, i + 1), range(0)) for i in range(rows)] + [
            (range(0), range(j, j + 1)) for j in range(cols)]
    if not work.afford("pairing", (rows + 1) * (cols + 1)):
        raise _OverBudget
    old_runs, new_runs = _runs(old, old_ids), _runs(new, new_ids)
    if not work.afford("pairing", INDEX_COST * sum(map(len, new_runs.values()))):
        raise _OverBudget
    new_matchers = {key: SequenceMatcher(None, [], words, autojunk=False)  # indexes `words` once
                    for key, words in new_runs.items()}
    score = [[0] * (cols + 1) for _ in range(rows + 1)]
    best_step = [[None] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows + 1):
        for j in range(cols + 1):
            for di, dj in _STEP_SHAPES:
                gain = _step_gain(old_runs, new_matchers, i, j, di, dj, work)
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


def _step_gain(old_runs, new_matchers, i: int, j: int, di: int, dj: int, work: Work) -> int | None:
    """Words matched by a step that consumes di old and dj new paragraphs to reach
    cell (i, j); None if the step is impossible or pairs dissimilar paragraphs."""
    if di > i or dj > j:
        return None
    if not di or not dj:
        return 0  # one paragraph removed or added
    old_words, new_matcher = old_runs.get((i - di, i)), new_matchers.get((j - dj, j))
    if old_words is None or new_matcher is None:
        return None  # a moved paragraph lies between them
    matched = _matched_words(new_matcher, old_words, work)
    return matched - SHAPE_PENALTY * (di + dj - 2) if matched else None


def _matched_words(new_matcher: SequenceMatcher, old_words: list[str], work: Work) -> int:
    """Words shared in order with the matcher's new side, or 0 if under the threshold."""
    new_matcher.set_seq1(old_words)
    if not work.afford("pairing", TEST_WORDS + len(old_words)):  # quick_ratio reads old_words
        raise _OverBudget
    if (new_matcher.real_quick_ratio() < SIMILARITY_THRESHOLD
            or new_matcher.quick_ratio() < SIMILARITY_THRESHOLD):
        return 0
    blocks = _matching_blocks(new_matcher, work, "pairing")
    if blocks is None:
        raise _OverBudget
    matched, length = sum(size for _, _, size in blocks), len(old_words) + len(new_matcher.b)
    if (2.0 * matched / length if length else 1.0) < SIMILARITY_THRESHOLD:  # as ratio() computes it
        return 0
    return matched


def _chunks(old_count: int, new_count: int):
    """(old start, old end, new start, new end) of proportional chunks of a gap long
    on both sides, so that pairing costs about GAP_CHUNK times the longer side; a
    pairing across a chunk edge is lost."""
    count = max(1, min(old_count, new_count) // GAP_CHUNK)
    for k in range(count):
        yield (k * old_count // count, (k + 1) * old_count // count,
               k * new_count // count, (k + 1) * new_count // count)


def _gap_ops(old, new, old_ids: list[int], new_ids: list[int], work: Work) -> list[dict]:
    steps = []  # (old ids, new ids)
    for old_start, old_end, new_start, new_end in _chunks(len(old_ids), len(new_ids)):
        old_chunk, new_chunk = old_ids[old_start:old_end], new_ids[new_start:new_end]
        try:
            chunk_steps = _pair_gap(old, new, old_chunk, new_chunk, work)
        except _OverBudget:
            work.fallbacks["walked_gap"] += 1
            steps += _walked_steps(old, new, old_ids[old_start:], new_ids[new_start:])
            break
        steps += [([old_chunk[p] for p in old_positions], [new_chunk[p] for p in new_positions])
                  for old_positions, new_positions in chunk_steps]
    return [_step_op(old, new, step_old, step_new, work) for step_old, step_new in steps]


def _walked_steps(old, new, old_ids: list[int], new_ids: list[int]) -> list[tuple[list, list]]:
    """Pairing of a gap by `_walk`, in linear time: edits only, no splits or merges."""
    old_words = [frozenset(old[i].split()) for i in old_ids]
    new_words = [frozenset(new[j].split()) for j in new_ids]
    pairs = _walk(len(old_ids), len(new_ids),
                  lambda i, j: _similar_word_sets(old_words[i], new_words[j]))
    steps = []
    for kind, first, second in _segments(pairs, len(old_ids), len(new_ids)):
        if kind == "equal":
            steps.append(([old_ids[first]], [new_ids[second]]))
        else:
            steps += [([old_ids[i]], []) for i in first] + [([], [new_ids[j]]) for j in second]
    return steps


def _similar_word_sets(old_words: frozenset, new_words: frozenset) -> bool:
    """The walk's similarity test: word-set overlap (Dice) at SIMILARITY_THRESHOLD,
    linear where the DP's in-order word ratio is not."""
    common = len(old_words & new_words)
    return common > 0 and 2 * common >= SIMILARITY_THRESHOLD * (len(old_words) + len(new_words))


def _step_op(old, new, old_ids: list[int], new_ids: list[int], work: Work) -> dict:
    if not new_ids:
        return {"op": "removed", "old_index": old_ids[0], "text": old[old_ids[0]]}
    if not old_ids:
        return {"op": "added", "new_index": new_ids[0], "text": new[new_ids[0]]}
    old_text = " ".join(old[i] for i in old_ids)
    new_text = " ".join(new[j] for j in new_ids)
    shape = "split" if len(new_ids) > 1 else "merged" if len(old_ids) > 1 else "edit"
    op = {"op": "edited", "old_index": old_ids, "new_index": new_ids, "shape": shape,
          "old": old_text, "new": new_text, "words": diff_words(old_text, new_text, work)}
    if shape == "split":
        op["new_parts"] = [new[j] for j in new_ids]
    return op


# ------------------------------------------------------------------ block diff

def diff_blocks(old: list[str], new: list[str], work: Work | None = None) -> list[dict]:
    """Ops turning body `old` into body `new`, in new-document order (see module doc)."""
    work = work if work is not None else Work()
    segments = _segments(_equal_pairs(old, new, work), len(old), len(new))
    gaps = [(old_ids, new_ids) for kind, old_ids, new_ids in segments if kind == "gap"]
    moved = _moved_pairs(old, new, gaps)
    moved_old, moved_new = {i for i, _ in moved}, {j for _, j in moved}
    ops = []
    for kind, first, second in segments:
        if kind == "equal":
            ops.append({"op": "equal", "old_index": first, "new_index": second})
        else:
            ops += _gap_ops(old, new, [i for i in first if i not in moved_old],
                            [j for j in second if j not in moved_new], work)
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

def diff_versions(old: dict, new: dict, work: Work | None = None) -> dict:
    """Headline, byline and body diff of two versions, with counts and classification."""
    work = work if work is not None else Work()
    ops = diff_blocks(old["body"], new["body"], work)
    return {
        "headline": _field_diff(old.get("headline"), new.get("headline"), work),
        "byline": _field_diff(old.get("byline"), new.get("byline"), work),
        "paragraphs": ops,
        "counts": count_ops(ops),
        "classification": classify(old, new, ops),
    }


def _field_diff(old: str | None, new: str | None, work: Work) -> dict:
    changed = old != new
    return {"changed": changed, "old": old, "new": new,
            "words": diff_words(old or "", new or "", work) if changed else []}


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
        if _same_when_normalised(old, new, normalise):
            return {"substantive": False, "reason": reason}
    if _skeleton(_field(old, "byline")) == _skeleton(_field(new, "byline")):
        if _is_one_word_correction(ops):
            return {"substantive": False, "reason": "one_word_correction"}
        if _is_appended_paragraph(ops):
            return {"substantive": False, "reason": "appended_paragraph"}
    return {"substantive": True, "reason": None}


def _same_when_normalised(old: dict, new: dict, normalise) -> bool:
    """Whether the versions read the same once normalised: headline, byline, and the
    body as one text (a paragraph break is just whitespace). Paragraphs equal at the
    start and end of both bodies are skipped, and the rest is normalised only as far
    as the first difference, so a large change costs little more than a small one."""
    if any(normalise(_field(old, name)) != normalise(_field(new, name)) for name in ("headline", "byline")):
        return False
    old_body, new_body = _without_common_ends(old["body"], new["body"])
    return _same_joined(map(normalise, old_body), map(normalise, new_body))


def _without_common_ends(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """Both lists without the items they share at their start and at their end."""
    shortest, start, end = min(len(old), len(new)), 0, 0
    while start < shortest and old[start] == new[start]:
        start += 1
    while end < shortest - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return old[start:len(old) - end], new[start:len(new) - end]


def _same_joined(old_texts, new_texts) -> bool:
    """Whether "".join(old_texts) == "".join(new_texts), reading both iterables only
    as far as their first difference."""
    old_texts, new_texts = filter(None, old_texts), filter(None, new_texts)
    old_text, new_text = next(old_texts, ""), next(new_texts, "")
    old_at = new_at = 0  # how much of the current texts is matched so far
    while old_text and new_text:
        size = min(len(old_text) - old_at, len(new_text) - new_at)
        if old_text[old_at:old_at + size] != new_text[new_at:new_at + size]:
            return False
        old_at, new_at = old_at + size, new_at + size
        if old_at == len(old_text):
            old_text, old_at = next(old_texts, ""), 0
        if new_at == len(new_text):
            new_text, new_at = next(new_texts, ""), 0
    return not old_text and not new_text


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
    changed = list(islice((op for op in ops if op["op"] != "equal"), 2))
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
