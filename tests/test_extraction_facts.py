"""Every source's extraction against the facts of its real captured pages.

Each `tests/fixtures/<source>/expected.json` lists pages (`file`, `url`) and
facts about them, all optional: `title`, `paragraphs` (0-based index -> exact
text), `count`, `last`, `first_contains`, `excludes` (text that must not be in
the body), `byline` (null: none), `published` and `modified` (ISO times, null:
none), `layout` (the name of the layout era that must read the page), and
`not_article` (the page is a live blog, gallery or index: a reason, not an
article). Text facts are of the text as stored: extracted, then normalised.
Each fact kind is its own test, so a failure names the page and the fact.
"""
import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pytest

from newscrawler.extraction import ExtractedArticle, NotAnArticle
from newscrawler.sources import SOURCES
from tests.conftest import read_article

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _fixture_pages() -> list[dict]:
    pages = []
    for expected in sorted(FIXTURES.glob("*/expected.json")):
        facts = json.loads(expected.read_text(encoding="utf-8"))
        source = facts.get("source", expected.parent.name)
        if source not in SOURCES:
            continue
        for page in facts["pages"]:
            pages.append({**page, "source": source, "path": expected.parent / page["file"],
                          "id": f"{source}/{page['file']}"})
    return pages


PAGES = _fixture_pages()
BY_ID = {page["id"]: page for page in PAGES}
ARTICLES = [page for page in PAGES if not page.get("not_article")]


@lru_cache(maxsize=None)
def extracted(page_id: str) -> ExtractedArticle:
    page = BY_ID[page_id]
    url = page.get("url", f"http://127.0.0.1:8080/{page['file']}")  # a mirror, where the page gives no URL
    return read_article(url, page["path"].read_bytes(), source=page["source"])


def cases(kind: str, pages=ARTICLES):
    return [pytest.param(page["id"], page[kind], id=page["id"]) for page in pages if kind in page]


def test_every_registered_source_has_fixture_facts():
    assert {page["source"] for page in PAGES} >= set(SOURCES) - {"feed"}


@pytest.mark.parametrize("page_id", [page["id"] for page in ARTICLES])
def test_every_article_page_extracts_a_headline_and_body(page_id):
    article = extracted(page_id)
    assert article.headline
    assert article.body and all(block.strip() for block in article.body)
    assert article.published is None or article.published.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("page_id, reason", cases("not_article", PAGES))
def test_non_article_page_is_refused(page_id, reason):
    with pytest.raises(NotAnArticle):
        extracted(page_id)


@pytest.mark.parametrize("page_id, title", cases("title"))
def test_headline(page_id, title):
    assert extracted(page_id).headline == title


@pytest.mark.parametrize("page_id, index, text", [
    pytest.param(page["id"], int(index), text, id=f"{page['id']}#{index}")
    for page in ARTICLES for index, text in page.get("paragraphs", {}).items()
])
def test_paragraph(page_id, index, text):
    body = extracted(page_id).body
    assert index < len(body), f"only {len(body)} blocks"
    assert body[index] == text


@pytest.mark.parametrize("page_id, count", cases("count"))
def test_block_count(page_id, count):
    assert len(extracted(page_id).body) == count


@pytest.mark.parametrize("page_id, last", cases("last"))
def test_last_block(page_id, last):
    assert extracted(page_id).body[-1] == last


@pytest.mark.parametrize("page_id, fragment", cases("first_contains"))
def test_first_block_contains(page_id, fragment):
    assert fragment in extracted(page_id).body[0]


@pytest.mark.parametrize("page_id, text", [
    pytest.param(page["id"], text, id=f"{page['id']}-{text}")
    for page in ARTICLES for text in page.get("excludes", [])
])
def test_body_excludes(page_id, text):
    assert not [block for block in extracted(page_id).body if text in block]
    assert text not in extracted(page_id).headline


@pytest.mark.parametrize("page_id, byline", cases("byline"))
def test_byline(page_id, byline):
    assert extracted(page_id).byline == byline


@pytest.mark.parametrize("page_id, field, moment", [
    pytest.param(page["id"], field, page[field], id=f"{page['id']}-{field}")
    for page in ARTICLES for field in ("published", "modified") if field in page
])
def test_dates(page_id, field, moment):
    assert getattr(extracted(page_id), field) == (moment and datetime.fromisoformat(moment))


@pytest.mark.parametrize("page_id, layout", cases("layout"))
def test_page_is_read_by_its_layout_era(page_id, layout):
    assert extracted(page_id).layout == layout
