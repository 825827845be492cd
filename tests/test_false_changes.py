"""Re-fetching an unchanged article must never make a change record.

Every fixture page is rewritten by each perturbation in tests/perturbations.py
(the ways a re-fetch of an unchanged BBC article differs: attribute order,
timestamps, related-story boxes, ads and share links, whitespace, React's
comment separators, entity and void-tag spelling, tracking parameters, image
URLs, CSS class hashes, script data, comment counts, head order; and damage:
stray bytes that are not UTF-8, JSON-LD nested 100,000 deep) and must keep its
normalised content hash; so must all of them at once. The negative control edits
one word of the article text, which must change the hash, so the suite cannot
pass by extracting nothing.
"""
import re
from functools import lru_cache

import pytest

from newscrawler.extraction import extract
from newscrawler.sources.bbc import SOURCE as BBC
from pipelines.normalise import content_hash, normalise_blocks, normalise_text
from tests.perturbations import (
    PAGE_FILES,
    PERTURBATIONS,
    candidate_words,
    edit_one_word,
    fixture_page as raw,
)

ANY_URL = "http://127.0.0.1:8080/page"  # every host falls back to the BBC layouts

MODERN_PAGES = frozenset({  # the component-built site, 2020 on
    "pages/32271505-2020.html", "pages/54528983.html", "pages/54622059.html",
    "pages/61896381.html", "pages/cden3j9d1r7o.html",
})
PRE_2020_PAGES = frozenset(PAGE_FILES) - MODERN_PAGES
# Older pages whose scripts carry a server time or a timestamp.
PRE_2020_PAGES_WITH_SCRIPT_DATA = frozenset({
    "pages/11125504.html", "pages/12921632.html", "pages/13293006.html",
    "pages/19957138.stm.html", "pages/20230333.stm.html", "pages/8040164.stm.html",
})
# Perturbations that find nothing to change on some pages, and why: those
# pairs are skipped, and test_perturbations_change_every_other_page keeps the
# lists true.
NOTHING_TO_PERTURB = {
    "rename_css_class_hashes": (
        PRE_2020_PAGES,
        "pages before 2020 have no generated CSS-in-JS class names",
    ),
    "change_embedded_data": (
        PRE_2020_PAGES - PRE_2020_PAGES_WITH_SCRIPT_DATA,
        "the page's scripts carry no timestamps, build ids or nonces",
    ),
}


def normalised(page: bytes) -> tuple[str, list[str]]:
    """(headline, body) as the revision pipeline hashes them."""
    article = extract(ANY_URL, page, source=BBC)
    return normalise_text(article.headline), normalise_blocks(article.body)


@lru_cache(maxsize=None)
def original(name: str) -> tuple[str, list[str]]:
    return normalised(raw(name))


def skip_reason(name: str, perturbation: str) -> str | None:
    pages, reason = NOTHING_TO_PERTURB.get(perturbation, ((), ""))
    return reason if name in pages else None


@pytest.mark.parametrize("perturbation", list(PERTURBATIONS))
@pytest.mark.parametrize("name", PAGE_FILES)
def test_refetch_of_unchanged_article_keeps_the_hash(name, perturbation):
    reason = skip_reason(name, perturbation)
    if reason:
        pytest.skip(reason)
    perturbed = PERTURBATIONS[perturbation](raw(name))
    assert perturbed != raw(name)
    after = normalised(perturbed)
    assert after == original(name)
    assert content_hash(*after) == content_hash(*original(name))


@pytest.mark.parametrize("name", PAGE_FILES)
def test_all_perturbations_at_once_keep_the_hash(name):
    page = raw(name)
    for perturb in PERTURBATIONS.values():
        page = perturb(page)
    assert normalised(page) == original(name)


@pytest.mark.parametrize("perturbation", list(PERTURBATIONS))
def test_perturbations_change_every_other_page(perturbation):
    unchanged = {name for name in PAGE_FILES if PERTURBATIONS[perturbation](raw(name)) == raw(name)}
    expected = NOTHING_TO_PERTURB.get(perturbation, (frozenset(), ""))[0]
    assert unchanged == set(expected)


# --- the negative control ----------------------------------------------------

REPLACEMENT = "Quixotically"


def one_word_edit(name: str) -> tuple[bytes, str]:
    """The page with one word of its article text changed, and that word."""
    headline, body = original(name)
    for word in candidate_words(headline, body):
        edited = edit_one_word(raw(name), word, REPLACEMENT)
        if edited != raw(name):
            return edited, word
    raise AssertionError(f"no editable word in the body of {name}")


@pytest.mark.parametrize("name", PAGE_FILES)
def test_one_word_edit_changes_the_hash(name):
    edited, word = one_word_edit(name)
    headline, body = original(name)
    expected_body = [re.sub(rf"\b{word}\b", REPLACEMENT, block) for block in body]
    assert expected_body != body
    after = normalised(edited)
    assert after == (headline, expected_body)
    assert content_hash(*after) != content_hash(headline, body)
