"""Property and fuzz tests of extraction on every real page and mutations of it.

tests/test_extraction_bbc.py already feeds arbitrary bytes and text, slices of
three pages and halves of every page. These add what the change tracker relies
on, over every fixture page: damaged captures (flipped bytes, truncation,
deleted or duplicated runs of tags) raise nothing but ExtractionError and never
give an article without text; the same bytes always give the same article;
normalising extracted blocks is idempotent. And on generated text: any text
in any era's markup gives an article exactly when a reader would see a headline
and a paragraph, and text put into a real paragraph comes back out as itself.
JSON-LD of any shape or depth, or no JSON at all, raises nothing and never
changes the article's text.
"""
import html
import json
import re
from datetime import datetime, timezone
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscrawler.extraction import ExtractedArticle, ExtractionError, NotAnArticle, extract
from newscrawler.items import FAILED, ArticleItem, CheckItem
from newscrawler.sources.bbc import SOURCE as BBC
from pipelines.normalise import NormalisePipeline, normalise_blocks, normalise_text
from tests.perturbations import PAGE_FILES, candidate_words, edit_one_word, fixture_page, with_json_ld

ANY_URL = "http://127.0.0.1:8080/page"
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def extract_or_error(page: bytes) -> ExtractedArticle | ExtractionError:
    try:
        return extract(ANY_URL, page, source=BBC)
    except ExtractionError as error:
        return error


def assert_usable(result) -> None:
    """An article goes through the normalising pipeline either with a content hash,
    or (text made of invisible characters only) as a failed check; anything
    else must be an ExtractionError."""
    if isinstance(result, ExtractionError):
        return
    assert isinstance(result, ExtractedArticle)
    assert result.headline.strip() and all(block.strip() for block in result.body) and result.body
    item = ArticleItem(article_id=ANY_URL, url=ANY_URL, source="bbc", headline=result.headline,
                       body=list(result.body), fetched_at=datetime.now(timezone.utc))
    normalised = NormalisePipeline().process_item(item)
    if isinstance(normalised, CheckItem):
        assert normalised.outcome == FAILED and normalised.reason == "no_article_text"
        assert not (normalise_text(result.headline) and normalise_blocks(result.body))
    else:
        assert normalised.headline and normalised.body and normalised.content_hash


@lru_cache(maxsize=None)
def tag_starts(name: str) -> tuple[int, ...]:
    return tuple(match.start() for match in re.finditer(rb"<[a-zA-Z!/]", fixture_page(name)))


# --- mutations of real pages ---------------------------------------------------


@st.composite
def flipped_bytes(draw):
    page = bytearray(fixture_page(draw(st.sampled_from(PAGE_FILES))))
    for _ in range(draw(st.integers(1, 20))):
        page[draw(st.integers(0, len(page) - 1))] = draw(st.integers(0, 255))
    return bytes(page)


@st.composite
def truncated(draw):
    """Cut off anywhere, or at / just inside a tag: what a dropped connection leaves."""
    name = draw(st.sampled_from(PAGE_FILES))
    page = fixture_page(name)
    cut = draw(st.sampled_from(tag_starts(name))) + draw(st.integers(0, 3))
    return page[: draw(st.one_of(st.just(cut), st.integers(0, len(page))))]


@st.composite
def tag_span(draw):
    """(page, start, end) for a run of up to 40 consecutive tags and the text between."""
    name = draw(st.sampled_from(PAGE_FILES))
    starts = tag_starts(name)
    first = draw(st.integers(0, len(starts) - 2))
    last = draw(st.integers(first + 1, min(first + 40, len(starts) - 1)))
    return fixture_page(name), starts[first], starts[last]


@st.composite
def deleted_tag_span(draw):
    page, start, end = draw(tag_span())
    return page[:start] + page[end:]


@st.composite
def duplicated_tag_span(draw):
    page, start, end = draw(tag_span())
    return page[:end] + page[start:end] + page[end:]


@FUZZ
@given(page=flipped_bytes())
def test_pages_with_flipped_bytes(page):
    assert_usable(extract_or_error(page))


@FUZZ
@given(page=truncated())
def test_truncated_pages(page):
    assert_usable(extract_or_error(page))


@FUZZ
@given(page=deleted_tag_span())
def test_pages_missing_a_run_of_tags(page):
    assert_usable(extract_or_error(page))


@FUZZ
@given(page=duplicated_tag_span())
def test_pages_with_a_run_of_tags_twice(page):
    assert_usable(extract_or_error(page))


@FUZZ
@given(page=st.one_of(flipped_bytes(), truncated(), deleted_tag_span(), duplicated_tag_span()))
def test_same_damaged_bytes_give_the_same_result(page):
    first, second = extract_or_error(page), extract_or_error(page)
    assert type(first) is type(second)
    if isinstance(first, ExtractedArticle):
        assert first == second


# --- every real page -----------------------------------------------------------


@pytest.mark.parametrize("name", PAGE_FILES)
def test_extraction_is_deterministic(name):
    page = fixture_page(name)
    assert extract(ANY_URL, page, source=BBC) == extract(ANY_URL, bytes(page), source=BBC)


@pytest.mark.parametrize("name", PAGE_FILES)
def test_normalising_extracted_text_is_idempotent(name):
    article = extract(ANY_URL, fixture_page(name), source=BBC)
    blocks = normalise_blocks(article.body)
    headline = normalise_text(article.headline)
    assert blocks and headline
    assert normalise_blocks(blocks) == blocks
    assert normalise_text(headline) == headline
    assert [normalise_text(block) for block in blocks] == blocks


# --- any text in each era's markup ---------------------------------------------

# The least markup each layout era recognises, with {headline} and {paragraphs}.
ERA_SKELETONS = {
    "components": '<article><h1 id="main-heading">{headline}</h1>'
    '<div data-component="text-block">{paragraphs}</div></article>',
    "video": '<h1 id="main-heading">{headline}</h1>'
    '<div class="ssrcss-1up5zkp-StyledSummary elwf6ac4">{paragraphs}</div>',
    "2015": '<h1 class="story-body__h1">{headline}</h1>'
    '<div class="story-body__inner">{paragraphs}</div>',
    "2010": '<h1 class="story-header">{headline}</h1><div class="story-body">{paragraphs}</div>',
    "stm": '<meta name="Headline" content="{headline}"><!-- S BO -->{paragraphs}<!-- E BO -->',
}
# Visible characters, and the spaces and invisible characters the normaliser
# folds or deletes (a soft hyphen, zero-width spaces and joiners, a BOM).
FOLDED = "\u00a0\u2009\u202f\u3000\u00ad\u200b\u200c\u200d\u2060\ufeff \t\n"
SHORT_TEXT = st.text(alphabet=st.sampled_from("aZ9£é’.&" + FOLDED), max_size=8)


def era_page(era: str, headline: str, paragraphs: list[str]) -> str:
    return "<html><head></head><body>{}</body></html>".format(
        ERA_SKELETONS[era].format(
            headline=html.escape(headline),
            paragraphs="".join(f"<p>{html.escape(text)}</p>" for text in paragraphs),
        )
    )


@settings(max_examples=200, deadline=None)
@given(
    era=st.sampled_from(list(ERA_SKELETONS)),
    headline=SHORT_TEXT,
    paragraphs=st.lists(SHORT_TEXT, min_size=1, max_size=4),
)
def test_any_text_in_any_era(era, headline, paragraphs):
    """An article exactly when the headline and some paragraph have visible
    text, and then its body is those paragraphs."""
    result = extract_or_error(era_page(era, headline, paragraphs).encode("utf-8"))
    assert_usable(result)
    if normalise_text(headline) and normalise_blocks(paragraphs):
        assert normalise_text(result.headline) == normalise_text(headline)
        assert normalise_blocks(result.body) == normalise_blocks(paragraphs)


@pytest.mark.parametrize(
    "text, normalised",
    [
        ("&l\u00adt", "<"),  # deleting the soft hyphen completes an entity
        ("&l&shy;t;", "<"),  # so does decoding one that is a soft hyphen
        ("&amp;l\u200bt;", "<"),
    ],
)
def test_normalising_reaches_a_fixed_point(text, normalised):
    assert normalise_text(text) == normalised == normalise_text(normalised)


# --- text in a real paragraph comes back out ----------------------------------

# One page per layout era.
ERA_PAGES = (
    "pages/cden3j9d1r7o.html",  # 2024 components
    "pages/61896381.html",  # 2022 video summary
    "pages/32271505.html",  # 2015 story-body__inner
    "pages/11125504.html",  # 2010 story-body
    "pages/8040164.stm.html",  # 2009 .stm, ISO-8859-1
)
# Words, punctuation, entity look-alikes, and the spaces and invisible
# characters the normaliser folds.
PARAGRAPH_TEXT = st.lists(
    st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.sampled_from("£€é’“”—\u00a0\u2009\u202f\u200b\u00ad\t\n"),
        st.sampled_from(["&amp;", "&pound;", "&nbsp;", "&#163;", "&lt;p&gt;"]),
    ),
    min_size=1,
    max_size=40,
).map("".join)


@lru_cache(maxsize=None)
def editable_word(name: str) -> tuple[str, list[str], str]:
    """(headline, body, word): a word found once in the body and in the page's text."""
    article = extract(ANY_URL, fixture_page(name), source=BBC)
    for word in candidate_words(article.headline, article.body):
        if edit_one_word(fixture_page(name), word, "x") != fixture_page(name):
            return article.headline, article.body, word
    raise AssertionError(f"no editable word in {name}")


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(ERA_PAGES), text=PARAGRAPH_TEXT)
def test_text_put_into_a_paragraph_comes_back_out(name, text):
    headline, body, word = editable_word(name)
    # Escaped as a CMS writes text into markup; "&amp;" in the text stays
    # "&amp;" on the page, and the normaliser decodes it like the page's own.
    edited_page = edit_one_word(fixture_page(name), word, html.escape(text, quote=False))
    expected = [re.sub(rf"\b{word}\b", lambda _: text, block) for block in body]
    article = extract(ANY_URL, edited_page, source=BBC)
    assert normalise_text(article.headline) == normalise_text(headline)
    assert normalise_blocks(article.body) == normalise_blocks(expected)


# --- JSON-LD of any shape ---------------------------------------------------

# The keys extraction reads, and others.
JSON_LD_KEYS = st.sampled_from(["@type", "@graph", "author", "name", "datePublished", "dateModified",
                                "uploadDate"]) | st.text(max_size=4)
JSON_LD_LEAVES = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6)
    | st.sampled_from(["Person", "NewsArticle", "LiveBlogPosting", "2024-09-30T11:44:06Z", "\ud800", "9" * 5000])
)
JSON_LD = st.recursive(
    JSON_LD_LEAVES,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(JSON_LD_KEYS, children, max_size=4),
    max_leaves=25,
).map(json.dumps)
NOT_JSON = st.text(alphabet="[]{}\":,0\\ud800 a", max_size=60)
DEEPLY_NESTED = {
    "lists": "[" * 100_000 + "]" * 100_000,
    "unclosed lists": "[" * 100_000,
    "objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    # as deep as the parser may go, each level an object to flatten
    "@graph in @graph": '{"@graph":' * 900 + "{}" + "}" * 900,
    "lists around an article": "[" * 900 + '{"@type": "NewsArticle"}' + "]" * 900,
}


def assert_same_article_or_not_an_article(name: str, result) -> None:
    """Whatever the JSON-LD, the story reads the same (or the JSON-LD says the
    page is a live page), and every field can be stored."""
    if isinstance(result, NotAnArticle):
        return
    assert isinstance(result, ExtractedArticle), result
    clean = extract(ANY_URL, fixture_page(name), source=BBC)
    assert (result.headline, result.body) == (clean.headline, clean.body)
    assert result.byline is None or result.byline.encode("utf-8")
    for moment in (result.published, result.modified):
        assert moment is None or (isinstance(moment, datetime) and moment.utcoffset() is not None)


JSON_LD_GARBAGE = {
    "@type lists in a list": '{"@type": [["LiveBlogPosting"], {"@type": "x"}]}',
    "@type an object": '{"@type": {"name": "NewsArticle"}}',
    "half a surrogate pair in a name": '{"author": {"@type": "Person", "name": "Jane \\ud800Doe"}}',
    "a 5,000-digit date": '{"datePublished": ' + "9" * 5000 + "}",
    "not a number for a date": '[{"datePublished": NaN}, {"uploadDate": Infinity}]',
}


@pytest.mark.parametrize("name", ERA_PAGES)
@pytest.mark.parametrize("script", list(JSON_LD_GARBAGE.values()), ids=list(JSON_LD_GARBAGE))
def test_json_ld_garbage_leaves_the_story_alone(name, script):
    assert_same_article_or_not_an_article(name, extract_or_error(with_json_ld(fixture_page(name), script)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(ERA_PAGES), script=JSON_LD | NOT_JSON)
def test_any_json_ld_leaves_the_story_alone(name, script):
    result = extract_or_error(with_json_ld(fixture_page(name), script))
    assert_same_article_or_not_an_article(name, result)


@pytest.mark.parametrize("name", ERA_PAGES)
@pytest.mark.parametrize("script", list(DEEPLY_NESTED.values()), ids=list(DEEPLY_NESTED))
def test_deeply_nested_json_ld_is_ignored(name, script):
    """Nothing of the article changes: dates and bylines still come from the page's own JSON-LD."""
    assert extract(ANY_URL, with_json_ld(fixture_page(name), script), source=BBC) == extract(
        ANY_URL, fixture_page(name), source=BBC)
