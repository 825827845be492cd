"""Decoding a page's bytes: a few bytes that are not UTF-8 never flip a page's encoding.

A page labelled UTF-8 is read as UTF-8, its stray bytes replaced, unless 4 in
5 of its non-ASCII bytes are invalid UTF-8 (then it is Windows-1252 text
mislabelled); pages labelled ISO-8859-1 or not labelled at all go by the
majority of their non-ASCII bytes. The mislabelled pages of tests/test_bad_pages.py keep decoding
right; tests/perturbations.py puts stray bytes outside the story of every
fixture page.
"""
import re

import pytest

from tests.conftest import read_article as extract
from tests.perturbations import fixture_page as raw

ANY_URL = "http://127.0.0.1:8080/page"
UTF8 = "text/html; charset=utf-8"
LATIN1 = "text/html; charset=iso-8859-1"

CAFE_PAGE = """<html><head><meta charset="utf-8"></head><body>
<article><h1 id="main-heading">The café that stayed open</h1>
<div data-component="text-block"><p>Its owner, Zoë, said “we never close”.</p></div></article>
</body></html>""".encode("utf-8")
# Bytes that are not UTF-8: never valid, a character cut short, a Windows-1252
# quote, a lone lead byte, an encoded surrogate, a code point past U+10FFFF.
STRAY_BYTES = [b"\xff", b"\xe2\x80", b"\x92", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]
ONE_POUND_SIGN = "pages/11125504.html"  # UTF-8; its only non-ASCII character is one £, in the story


def with_menu(page: bytes, menu_text: bytes) -> bytes:
    """The page with a menu of menu_text at the start of its body."""
    menu = b"<nav>menu " + menu_text + b"</nav>"
    with_it = re.sub(rb"<body\b[^>]*>", lambda body: body.group() + menu, page, count=1)
    assert menu in with_it
    return with_it


@pytest.mark.parametrize("content_type", [UTF8, "text/html", None])
def test_one_invalid_byte_outside_the_article_changes_nothing(content_type):
    article = extract(ANY_URL, with_menu(CAFE_PAGE, b"\xff"), content_type)
    assert article == extract(ANY_URL, CAFE_PAGE, content_type)
    assert article.headline == "The café that stayed open"
    assert article.body == ["Its owner, Zoë, said “we never close”."]


@pytest.mark.parametrize("stray", STRAY_BYTES, ids=repr)
def test_a_handful_of_stray_bytes_cannot_outvote_one_character(stray):
    page = raw(ONE_POUND_SIGN)
    article = extract(ANY_URL, with_menu(page, stray + b" \xff \xff \xff"), UTF8)  # 4 to 7 bytes
    assert article == extract(ANY_URL, page, UTF8)
    assert any("£" in block for block in article.body)


def test_stray_bytes_inside_the_article_are_replaced_and_the_rest_kept():
    page = CAFE_PAGE.replace("Zoë,".encode(), "Zoë".encode() + b" \xff,")
    article = extract(ANY_URL, page, UTF8)
    assert article.body == ["Its owner, Zoë \ufffd, said “we never close”."]


@pytest.mark.parametrize("content_type", [LATIN1, None])
def test_utf8_page_labelled_latin1_or_unlabelled_with_stray_bytes(content_type):
    name = "pages/10341015.stm.html"  # UTF-8, 40 non-ASCII characters
    page = raw(name).replace(b"charset=utf-8", b"charset=iso-8859-1" if content_type else b"")
    damaged = with_menu(page, b"\xff \x81 \xe2\x80")
    assert extract(ANY_URL, damaged, content_type) == extract(ANY_URL, raw(name), UTF8)


def windows_1252_page_with_a_utf8_footer(label: bytes) -> bytes:
    """A Windows-1252 page (12 non-ASCII bytes, all invalid UTF-8) whose
    template adds one UTF-8 character: 12 of its 14 non-ASCII bytes are invalid."""
    page = raw("pages/8040164.stm.html").replace(b"charset=iso-8859-1", b"charset=" + label)
    footer = "<p>© BBC</p>".encode("utf-8")
    with_footer = page.replace(b"</body>", footer + b"</body>", 1)
    assert footer in with_footer
    return with_footer


@pytest.mark.parametrize("label, content_type", [
    (b"iso-8859-1", LATIN1), (b"iso-8859-1", None), (b"utf-8", None), (b"iso-8859-1", UTF8),
])
def test_windows_1252_page_with_a_little_utf8_stays_windows_1252(label, content_type):
    article = extract(ANY_URL, windows_1252_page_with_a_utf8_footer(label), content_type)
    assert article.headline == "£100K mortgage claim by Woodward"


@pytest.mark.parametrize("label", [b"utf-8", b"iso-8859-1", b""])
def test_windows_1252_page_whatever_its_label(label):
    page = raw("pages/8040164.stm.html").replace(b"charset=iso-8859-1", b"charset=" + label)
    assert extract(ANY_URL, page, "text/html").headline == "£100K mortgage claim by Woodward"


# A legacy include in ISO-8859-1: 14 bytes that are not UTF-8, against the 10
# bytes of the café page's 4 UTF-8 characters.
LATIN1_MENU = "Café menu: crème brûlée, crêpe, gâteau, pâté, naïve, à la carte, façade, Noël, déjà".encode("latin-1")


def test_a_utf8_label_stands_against_many_stray_bytes_which_decide_without_it():
    """14 invalid bytes in 24 are damage to a page labelled UTF-8; without a
    label they are the majority, and the page is read as Windows-1252."""
    page = with_menu(CAFE_PAGE, LATIN1_MENU)
    assert extract(ANY_URL, page, UTF8) == extract(ANY_URL, CAFE_PAGE, UTF8)
    unlabelled = page.replace(b'<meta charset="utf-8">', b"")
    assert extract(ANY_URL, unlabelled, "text/html").headline == "The cafÃ© that stayed open"
