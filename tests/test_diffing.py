"""Tests for the pure diff model: paragraph ops, word diffs, counts, classification,
and the work budget that bounds the cost of huge changes."""
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawler import diffing
from newscrawler.diffing import (PAIRING_BUDGET, TEST_WORDS, Work, _same_joined, _skeleton, apply_diff, count_ops,
                                 diff_blocks, diff_versions, diff_words)

VERSIONS = Path(__file__).resolve().parent / "fixtures" / "bbc" / "versions"

BODY = [
    "The council has approved plans for a new bridge across the river.",
    "Work is expected to start next spring and last two years.",
    "Residents had campaigned for a crossing for more than a decade.",
    "The project will cost an estimated 40 million pounds.",
]


def version(body, headline="Bridge plan approved", byline=None):
    return {"headline": headline, "body": body, "byline": byline}


def kinds(ops):
    return [op["op"] for op in ops]


def changed_ops(ops):
    return [op for op in ops if op["op"] != "equal"]


def assert_rebuilds(old, new, ops):
    assert apply_diff(old, ops) == new


# ------------------------------------------------------------------ paragraphs

def test_identical_bodies_are_all_equal():
    ops = diff_blocks(BODY, list(BODY))
    assert ops == [{"op": "equal", "old_index": i, "new_index": i} for i in range(len(BODY))]
    assert count_ops(ops) == {"added": 0, "removed": 0, "edited": 0, "moved": 0, "unchanged": 4}


def test_removed_paragraph_sits_where_it_was_lost():
    new = BODY[:1] + BODY[2:]
    ops = diff_blocks(BODY, new)
    assert kinds(ops) == ["equal", "removed", "equal", "equal"]
    assert ops[1] == {"op": "removed", "old_index": 1, "text": BODY[1]}
    assert count_ops(ops)["removed"] == 1
    assert_rebuilds(BODY, new, ops)


def test_added_paragraph():
    extra = "A public meeting will be held on Thursday evening."
    new = BODY[:2] + [extra] + BODY[2:]
    ops = diff_blocks(BODY, new)
    assert changed_ops(ops) == [{"op": "added", "new_index": 2, "text": extra}]
    assert kinds(ops)[2] == "added"
    assert_rebuilds(BODY, new, ops)


def test_edited_paragraph_has_exact_word_ops():
    new = list(BODY)
    new[1] = "Work is expected to start next summer and last three years."
    ops = diff_blocks(BODY, new)
    assert changed_ops(ops) == [{
        "op": "edited", "old_index": [1], "new_index": [1], "shape": "edit",
        "old": BODY[1], "new": new[1],
        "words": [["equal", "Work is expected to start next "], ["delete", "spring "],
                  ["insert", "summer "], ["equal", "and last "], ["delete", "two "],
                  ["insert", "three "], ["equal", "years."]],
    }]
    assert count_ops(ops) == {"added": 0, "removed": 0, "edited": 1, "moved": 0, "unchanged": 3}
    assert_rebuilds(BODY, new, ops)


def test_split_paragraph_is_one_edit_with_two_new_indices():
    long = BODY[0] + " " + BODY[1]
    old = [long] + BODY[2:]
    new = BODY
    ops = diff_blocks(old, new)
    assert kinds(ops) == ["edited", "equal", "equal"]
    split = ops[0]
    assert (split["shape"], split["old_index"], split["new_index"]) == ("split", [0], [0, 1])
    assert split["new_parts"] == BODY[:2]
    assert split["words"] == [["equal", long]]
    assert count_ops(ops)["edited"] == 1
    assert_rebuilds(old, new, ops)


def test_merged_paragraphs_are_one_edit_with_two_old_indices():
    merged = BODY[1] + " " + BODY[2].replace("more than a decade", "years")
    new = [BODY[0], merged, BODY[3]]
    ops = diff_blocks(BODY, new)
    assert kinds(ops) == ["equal", "edited", "equal"]
    merge = ops[1]
    assert (merge["shape"], merge["old_index"], merge["new_index"]) == ("merged", [1, 2], [1])
    assert ["delete", "more than a decade."] in merge["words"]
    assert ["insert", "years."] in merge["words"]
    assert_rebuilds(BODY, new, ops)


def test_paragraph_moved_out_of_order():
    new = [BODY[3]] + BODY[:3]
    ops = diff_blocks(BODY, new)
    assert ops[0] == {"op": "moved", "old_index": 3, "new_index": 0}
    assert kinds(ops) == ["moved", "equal", "equal", "equal"]
    assert count_ops(ops) == {"added": 0, "removed": 0, "edited": 0, "moved": 1, "unchanged": 3}
    assert_rebuilds(BODY, new, ops)


def test_unrelated_replacement_is_removed_plus_added():
    new = BODY[:3] + ["Separately, a school in the town will close in July."]
    ops = diff_blocks(BODY, new)
    assert kinds(ops) == ["equal", "equal", "equal", "removed", "added"]


def numbered(count: int, template: str) -> list[str]:
    return [template.format(n=n, word=f"w{n}") for n in range(count)]


def test_edit_found_among_many_added_paragraphs():
    added = numbered(40, "Live update {n}: {word} crews reported a new fire near {word} overnight.")
    new = [BODY[0]] + added + [BODY[1].replace("spring", "summer")] + BODY[2:]
    ops = diff_blocks(BODY, new)
    assert count_ops(ops) == {"added": 40, "removed": 0, "edited": 1, "moved": 0, "unchanged": 3}
    assert_rebuilds(BODY, new, ops)


def test_long_gap_of_edits_is_paired_one_to_one():
    old = numbered(60, "Paragraph {n} describes {word} and what the council said about it.")
    new = [text.replace("council", "mayor") for text in old]
    ops = diff_blocks(old, new)
    assert [(op["old_index"], op["new_index"]) for op in ops] == [([n], [n]) for n in range(60)]


def test_repeated_boilerplate_paragraphs_still_align():
    old = [p for text in BODY for p in (text, "Advertisement")]
    new = old[:3] + old[5:]
    ops = diff_blocks(old, new)
    assert kinds(changed_ops(ops)) == ["removed", "removed"]
    assert sorted(op["text"] for op in changed_ops(ops)) == ["Advertisement", BODY[2]]
    assert_rebuilds(old, new, ops)


# -------------------------------------------------------------------- versions

def test_headline_only_change():
    old, new = version(BODY), version(BODY, headline="Bridge plan rejected")
    diff = diff_versions(old, new)
    assert diff["headline"] == {
        "changed": True, "old": "Bridge plan approved", "new": "Bridge plan rejected",
        "words": [["equal", "Bridge plan "], ["delete", "approved"], ["insert", "rejected"]],
    }
    assert diff["byline"] == {"changed": False, "old": None, "new": None, "words": []}
    assert diff["counts"]["unchanged"] == 4 and len(changed_ops(diff["paragraphs"])) == 0
    assert diff["classification"] == {"substantive": True, "reason": None}


def test_no_change():
    assert diff_versions(version(BODY), version(list(BODY)))["classification"] == {
        "substantive": False, "reason": "no_change"}


def test_whitespace_and_punctuation_only_is_minor():
    new = list(BODY)
    new[2] = "Residents had campaigned for a crossing, for more than a decade"
    diff = diff_versions(version(BODY), version(new, headline="Bridge plan approved!"))
    assert diff["counts"]["edited"] == 1
    assert diff["classification"] == {"substantive": False, "reason": "whitespace_punctuation"}


def test_headline_punctuation_plus_real_edit_is_substantive():
    new = list(BODY)
    new[2] = "Residents had opposed a crossing for more than a decade."
    diff = diff_versions(version(BODY), version(new, headline="Bridge plan approved."))
    assert diff["classification"]["substantive"] is True


@pytest.mark.parametrize("old_stamp, new_stamp", [
    ("Updated: 10:32 GMT, Sunday, 10 May 2009", "Updated: 14:05 GMT, Sunday, 10 May 2009"),
    ("Page last updated at 10:32 GMT, Sunday, 10 May 2009 11:32 UK",
     "Page last updated at 09:15 GMT, Monday, 11 May 2009 10:15 UK"),
    ("Published 3 hours ago", "Updated 5 minutes ago"),
    ("10 May 2009", "11 May 2009"),
])
def test_date_stamp_only_is_minor(old_stamp, new_stamp):
    diff = diff_versions(version([old_stamp] + BODY), version([new_stamp] + BODY))
    assert diff["classification"] == {"substantive": False, "reason": "date_stamp"}


@pytest.mark.parametrize("old_text, new_text", [
    (BODY[3], "The project will cost an estimated 45 million pounds."),
    ("1,200", "1,300"),
])
def test_changed_number_is_not_a_date_stamp(old_text, new_text):
    diff = diff_versions(version(BODY + [old_text]), version(BODY + [new_text]))
    assert diff["classification"] == {"substantive": True, "reason": None}


def test_one_word_typo_fix_is_minor():
    old = list(BODY)
    old[2] = "Residents had campaigned for a crosing for more than a decade."
    diff = diff_versions(version(old), version(BODY))
    assert diff["paragraphs"][2]["words"] == [
        ["equal", "Residents had campaigned for a "], ["delete", "crosing "],
        ["insert", "crossing "], ["equal", "for more than a decade."]]
    assert diff["classification"] == {"substantive": False, "reason": "one_word_correction"}


def test_one_word_replaced_by_a_different_word_is_substantive():
    new = list(BODY)
    new[0] = new[0].replace("approved", "rejected")
    assert diff_versions(version(BODY), version(new))["classification"]["substantive"] is True


def test_paragraph_appended_at_end_is_minor():
    new = BODY + ["Additional reporting by Jane Smith."]
    diff = diff_versions(version(BODY), version(new))
    assert diff["counts"]["added"] == 1
    assert diff["classification"] == {"substantive": False, "reason": "appended_paragraph"}


def test_paragraph_added_in_the_middle_is_substantive():
    new = BODY[:1] + ["Opponents say the bridge will harm wildlife."] + BODY[1:]
    assert diff_versions(version(BODY), version(new))["classification"]["substantive"] is True


# ------------------------------------------------------------------ properties

VOCABULARY = ["the", "council", "bridge", "river", "plan", "said", "new", "two"]
paragraphs = st.lists(st.sampled_from(VOCABULARY), min_size=0, max_size=6).map(" ".join)
long_paragraphs = st.lists(st.sampled_from(VOCABULARY), min_size=3, max_size=12).map(" ".join)
short_paragraphs = st.sampled_from(["alpha", "beta", "gamma", "the river bridge plan"]) | paragraphs


@settings(max_examples=400, deadline=None)
@given(st.lists(short_paragraphs, max_size=10), st.lists(short_paragraphs, max_size=10))
def test_apply_diff_rebuilds_new(old, new):
    ops = diff_blocks(old, new)
    assert apply_diff(old, ops) == new
    old_indices = [i for op in ops if "old_index" in op for i in _as_list(op["old_index"])]
    assert sorted(old_indices) == list(range(len(old)))


def revise(body: list[str], data) -> list[str]:
    """A later version of `body`: a few random edits, splits, merges, moves, inserts, deletes."""
    body = list(body)
    for action in data.draw(st.lists(st.sampled_from(
            ["edit", "split", "merge", "move", "insert", "delete"]), max_size=4)):
        if action == "insert" or not body:
            body.insert(data.draw(st.integers(0, len(body))), data.draw(short_paragraphs))
            continue
        k = data.draw(st.integers(0, len(body) - 1))
        words = body[k].split()
        if action == "edit":
            body[k] = " ".join(words[:-1] + [data.draw(st.sampled_from(VOCABULARY))])
        elif action == "split" and len(words) > 1:
            cut = data.draw(st.integers(1, len(words) - 1))
            body[k:k + 1] = [" ".join(words[:cut]), " ".join(words[cut:])]
        elif action == "merge" and k + 1 < len(body):
            body[k:k + 2] = [body[k] + " " + body[k + 1]]
        elif action == "move":
            body.insert(data.draw(st.integers(0, len(body) - 1)), body.pop(k))
        elif action == "delete":
            del body[k]
    return body


@settings(max_examples=400, deadline=None)
@given(st.lists(long_paragraphs, max_size=10), st.data())
def test_apply_diff_rebuilds_revised_bodies(old, data):
    new = revise(old, data)
    ops = diff_blocks(old, new)
    assert apply_diff(old, ops) == new
    new_order = [j for op in ops if "new_index" in op for j in _as_list(op["new_index"])]
    assert new_order == list(range(len(new)))
    for op in ops:
        if op["op"] == "edited":  # a split or merge joins paragraphs that were adjacent
            for indices in (op["old_index"], op["new_index"]):
                assert indices == list(range(indices[0], indices[0] + len(indices)))


def _as_list(index):
    return index if isinstance(index, list) else [index]


@settings(max_examples=200, deadline=None)
@given(st.lists(short_paragraphs, max_size=12))
def test_diff_of_identical_bodies_is_all_equal(body):
    assert set(kinds(diff_blocks(body, list(body)))) <= {"equal"}


words_text = st.text(alphabet=st.sampled_from("ab .\n"), max_size=30)


@settings(max_examples=400, deadline=None)
@given(words_text, words_text)
def test_diff_words_parts_rebuild_both_texts(old, new):
    parts = diff_words(old, new)
    assert "".join(text for tag, text in parts if tag != "insert") == old
    assert "".join(text for tag, text in parts if tag != "delete") == new
    assert all(tag in ("equal", "delete", "insert") and text for tag, text in parts)


# ------------------------------------------------------------------- real page

def paragraph_texts(path: Path) -> list[str]:
    """Every <p> text of a page, whitespace collapsed. Crude (it keeps page furniture),
    but the furniture is identical in both captures and diffs as equal."""
    return [" ".join(p.text_content().split()) for p in lxml.html.parse(str(path)).iter("p")]


def test_real_bbc_article_that_lost_two_paragraphs():
    old = paragraph_texts(VERSIONS / "7984711-A.stm.html")
    new = paragraph_texts(VERSIONS / "7984711-B.stm.html")
    ops = diff_blocks(old, new)
    removed = [op for op in ops if op["op"] == "removed"]
    assert [op["text"] for op in removed] == [
        "He lived in the flat in Admiralty House while he was defence secretary and also "
        "rented out his own London home while there.",
        "The shadow business secretary implied that as many as a third of MPs could have "
        "made questionable expenses claims.",
    ]
    assert set(kinds(ops)) == {"equal", "removed"}
    assert_rebuilds(old, new, ops)


@given(st.text())
def test_skeleton_drops_exactly_whitespace_and_punctuation(text):
    kept = [char for char in text if not char.isspace() and not unicodedata.category(char).startswith("P")]
    assert _skeleton(text) == "".join(kept)


# ------------------------------------------------------------ cost of huge changes

def counting(monkeypatch, cls, name: str) -> list[int]:
    """Count the calls of method `name` of `cls` (calls[0])."""
    calls, method = [0], getattr(cls, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return method(*args, **kwargs)

    monkeypatch.setattr(cls, name, counted)
    return calls


def assert_valid_diff(old, new, ops):
    assert apply_diff(old, ops) == new
    old_indices = [i for op in ops if "old_index" in op for i in _as_list(op["old_index"])]
    assert sorted(old_indices) == list(range(len(old)))
    new_order = [j for op in ops if "new_index" in op for j in _as_list(op["new_index"])]
    assert new_order == list(range(len(new)))
    for op in ops:
        if op["op"] == "edited":
            assert "".join(text for tag, text in op["words"] if tag != "insert") == op["old"]
            assert "".join(text for tag, text in op["words"] if tag != "delete") == op["new"]


def test_huge_gap_of_edits_is_paired_within_the_budget(monkeypatch):
    """20,000 alike paragraphs, every one edited: one gap. The DP's similarity tests
    stop where the pairing budget does (each is charged at least TEST_WORDS and the
    10 words of a paragraph; without the budget there are about 190 per paragraph),
    and the rest of the gap is walked, still pairing each paragraph with its edit."""
    tests = counting(monkeypatch, SequenceMatcher, "quick_ratio")
    old = numbered(20_000, "Item {n}: the council said {word} would open the bridge")
    new = [text.replace("council", "mayor") for text in old]
    work = Work()
    diff = diff_versions(version(old), version(new), work)
    assert work.fallbacks["walked_gap"] >= 1
    assert 0 < tests[0] <= PAIRING_BUDGET // (TEST_WORDS + 10)
    assert diff["counts"] == {"added": 0, "removed": 0, "edited": 20_000, "moved": 0, "unchanged": 0}
    assert [op["words"] for op in diff["paragraphs"]] == [
        [["equal", f"Item {n}: the "], ["delete", "council "], ["insert", "mayor "],
         ["equal", f"said w{n} would open the bridge"]] for n in range(20_000)]
    assert diff["classification"] == {"substantive": True, "reason": None}


def test_long_repetitive_paragraph_is_walked_not_matched(monkeypatch):
    """SequenceMatcher takes cubic time on "a a a ..." against "a b a b ...": the
    search is not started when its charge passes the budget, the words are walked."""
    searches = counting(monkeypatch, SequenceMatcher, "find_longest_match")
    old, new = " ".join(["a"] * 5_000), " ".join(["a", "b"] * 2_500)
    work = Work()
    parts = diff_words(old, new, work)
    assert work.fallbacks["walked_words"] == 1
    assert searches[0] < 10
    assert "".join(text for tag, text in parts if tag != "insert") == old
    assert "".join(text for tag, text in parts if tag != "delete") == new


def test_region_without_unique_paragraphs_is_walked():
    """20,000 paragraphs drawn from three boilerplate texts: no anchor anywhere, and
    a SequenceMatcher of the whole would take minutes."""
    boilerplate = ["Advertisement", "Share this page", "Read more"]
    old = [boilerplate[n % 3] for n in range(20_000)]
    new = [boilerplate[n * n % 3] for n in range(20_000)]
    work = Work()
    ops = diff_blocks(old, new, work)
    assert work.fallbacks["walked_region"] == 1
    assert_valid_diff(old, new, ops)
    assert count_ops(ops)["unchanged"] > 10_000


def test_classification_reads_a_long_body_only_up_to_its_first_difference(monkeypatch):
    normalised = counting(monkeypatch, diffing, "_skeleton")
    old = numbered(20_000, "Item {n}: the council said {word} would open the bridge")
    new = list(old)
    new[100] = new[100].replace("council", "mayor")
    new[19_000] = new[19_000].replace("council", "mayor")
    assert diff_versions(version(old), version(new))["classification"]["substantive"] is True
    assert normalised[0] < 20


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab ", max_size=4), max_size=6),
       st.lists(st.text(alphabet="ab ", max_size=4), max_size=6))
def test_same_joined_is_equality_of_the_joined_texts(old, new):
    assert _same_joined(old, new) == ("".join(old) == "".join(new))


budgets = st.builds(Work, pairing=st.integers(0, 3_000), matching=st.integers(0, 3_000))


@settings(max_examples=400, deadline=None)
@given(st.lists(long_paragraphs, max_size=10), st.data(), budgets)
def test_apply_diff_rebuilds_revised_bodies_past_the_budget(old, data, work):
    new = revise(old, data)
    assert_valid_diff(old, new, diff_blocks(old, new, work))


@settings(max_examples=15, deadline=None)
@given(st.lists(long_paragraphs, min_size=100, max_size=300), st.data(), budgets)
def test_apply_diff_rebuilds_big_revised_bodies_past_the_budget(old, data, work):
    new = revise(old, data)
    new = revise(new[::-1], data) if data.draw(st.booleans()) else new
    ops = diff_blocks(old, new, work)
    assert_valid_diff(old, new, ops)


@settings(max_examples=400, deadline=None)
@given(words_text, words_text, st.integers(0, 200))
def test_diff_words_parts_rebuild_both_texts_past_the_budget(old, new, matching):
    parts = diff_words(old, new, Work(matching=matching))
    assert "".join(text for tag, text in parts if tag != "insert") == old
    assert "".join(text for tag, text in parts if tag != "delete") == new
    assert all(tag in ("equal", "delete", "insert") and text for tag, text in parts)
