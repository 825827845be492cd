"""The Independent as a source: URL rules, hosts, layout eras, refusals.

The fact harness (tests/test_extraction_facts.py) checks every fixture page
against tests/fixtures/independent/expected.json; this module checks what the
facts do not: which URLs are articles, which hosts are the outlet's, that each
era recognises its own pages only, that non-articles and other outlets' pages
are refused, and the markup of today's pages, of which no capture is kept:
the pages below are built in that markup (header#articleHeader, div#main).
"""
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree

from newscrawler.extraction import EmptyBody, NotAnArticle, UnknownLayout
from newscrawler.extraction.page import Page
from newscrawler.sources import article_id_of, source_for_host, source_named
from newscrawler.sources.independent import SOURCE
from tests.conftest import read_article

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "independent" / "expected.json").read_text(encoding="utf-8"))
URL = "https://www.independent.co.uk/news/uk/politics/some-story-b2500000.html"


def _root(markup: bytes):
    return etree.fromstring(markup, parser=etree.HTMLParser(encoding="utf-8"))


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize("url, kind", [
    # 2014 Escenic (the reference suite's valid URLs), and its 8-digit numbers of 2015
    ("http://www.independent.co.uk/news/world/saudi-authorities-stop-textmessage-tracking-of-women-for-now-9065486"
     ".html?somequery=string", "article"),
    ("http://www.independent.co.uk/news/media/tv-radio/the-vex-factor-bbc-produces-almost-identical-programmes-to"
     "-those-by-itv-mps-are-told--by-itv-9059695.html", "article"),
    ("https://www.independent.co.uk/news/uk/politics/daily-express-owner-richard-desmond-donates-ps1-3m-to-ukip"
     "-10182857.html", "article"),
    ("https://independent.co.uk/sport/pounds-23m-grant-for-hampden-1526029.html", "article"),
    ("http://news.independent.co.uk/uk/politics/article2180000.ece", "article"),
    # Drupal, September 2015 on
    ("http://www.independent.co.uk/news/media/lord-burns-channel-4-chairman-forced-to-step-down-by-ministers-amid"
     "-privatisation-fears-a6670691.html", "article"),
    # 2020 on, both hosts; a 6-digit b-number; the culture section's TV news is not video
    ("https://www.independent.co.uk/news/world/americas/us-politics/biden-ukraine-aid-bill-seoul-b2084331.html",
     "article"),
    ("https://www.the-independent.com/life-style/andy-murray-judy-tennis-wimbledon-b2780937.html", "article"),
    ("https://independent.co.uk/voices/newspapers-readers-fake-news-disinformation-b835083.html", "article"),
    ("https://www.independent.co.uk/arts-entertainment/tv/news/strictly-come-dancing-final-b2600001.html", "article"),
    # Sport is tracked (the reference parser took news only)
    ("http://www.independent.co.uk/sport/rugby/rugby-union/international/chris-robshaw-flanker-answers-all-the"
     "-questions-about-red-rose-captaincy-9065632.html", "article"),
    # A concert's "live review" is an article; live blogs say "live-updates" or are refused once fetched
    ("https://www.independent.co.uk/arts-entertainment/music/reviews/coldplay-live-review-wembley-b2600002.html",
     "article"),
    ("https://www.independent.co.uk/news/uk/politics/general-election-2024-live-updates-b2571234.html", "live"),
    ("https://www.independent.co.uk/news/world/ukraine-war-liveblog-b2600003.html", "live"),
    ("http://www.independent.co.uk/news/pictures/spencer-tunicks-nude-art-installations-9067645.html", "gallery"),
    ("http://www.independent.co.uk/news/world-news-in-pictures-8999813.html", "gallery"),
    ("https://www.independent.co.uk/tv/news/ukraine-russia-war-sunak-silence-b2288837.html", "video"),
    ("https://www.independent.co.uk/news/world/video/storm-footage-a7000001.html", "video"),
    ("http://www.independent.co.uk/sport/rugby/rugby-union/", "index"),
    ("http://www.independent.co.uk/news/business/", "index"),
    ("https://www.independent.co.uk/topic/brexit", "index"),
    ("https://www.independent.co.uk/author/graeme-massie", "index"),
    ("https://www.the-independent.com/", "index"),
])
def test_page_kind(url, kind):
    assert SOURCE.page_kind(url) == kind


@pytest.mark.parametrize("host", [
    "www.independent.co.uk", "independent.co.uk", "news.independent.co.uk", "WWW.INDEPENDENT.CO.UK.",
    "www.the-independent.com", "the-independent.com",
])
def test_owns_the_outlets_hosts(host):
    assert SOURCE.owns_host(host)
    assert source_for_host(host) is SOURCE


@pytest.mark.parametrize("host", [
    "www.independent.ie", "kyivindependent.com", "notindependent.co.uk", "independent.co.uk.example.com",
    "www.indy100.com", "www.bbc.co.uk",
])
def test_owns_no_other_host(host):
    assert not SOURCE.owns_host(host)


def test_is_registered_with_its_https_feeds():
    assert source_named("independent") is SOURCE
    assert SOURCE.feeds and all(feed.startswith("https://www.independent.co.uk/") for feed in SOURCE.feeds)
    assert [layout.name for layout in SOURCE.layouts] == ["independent-2020", "independent-2015", "independent-2014"]


@pytest.mark.parametrize("fixture", EXPECTED["pages"], ids=lambda fixture: fixture["file"])
def test_only_the_pages_own_era_recognises_it(fixture):
    page = Page(_root((FIXTURES / "independent" / fixture["file"]).read_bytes()))
    assert [layout.name for layout in SOURCE.layouts if layout.matches(page)] == [fixture["layout"]]


@pytest.mark.parametrize("path", sorted((FIXTURES / "bbc" / "pages").glob("*.html")), ids=lambda path: path.name)
def test_another_outlets_page_is_no_independent_article(path):
    with pytest.raises(UnknownLayout):
        read_article(URL, path.read_bytes(), source="independent")


def test_another_outlets_article_body_microdata_is_not_the_drupal_era():
    page = _page(body='<article><h1 itemprop="headline">Elsewhere</h1>'
                      '<div class="content__article-body" itemprop="articleBody"><p>Text.</p></div></article>')
    with pytest.raises(UnknownLayout):
        read_article(URL, page, source="independent")


# --- today's markup ----------------------------------------------------------


NEWS_ARTICLE = json.dumps({
    "@context": "https://schema.org", "@type": "NewsArticle",
    "headline": "Ministers set out plan for trains",
    "datePublished": "2025-03-04T09:15:00.000Z", "dateModified": "2025-03-04T11:40:30.000Z",
    "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Organization", "name": "The Independent"}],
})
HEAD = f'<script type="application/ld+json">{NEWS_ARTICLE}</script><meta property="article:content_type" content="story">'
HEADER = (
    '<header id="articleHeader" class="sc-qvufca-5 hnKqFj"><h1 class="sc-1xt8011-0 eLpUOs">Ministers set out plan'
    ' for trains</h1><h2 class="sc-aeekvc-0 eKSXmp"><p>The standfirst, which is no paragraph of the story</p></h2>'
    '<a href="/author/jane-doe">Jane Doe</a><time datetime="2025-03-04T09:15:00.000Z">Tuesday 4 March 2025</time>'
    '<figure><img src="x.jpg"><figcaption>A lead image caption (PA)</figcaption></figure></header>'
)
MAIN = (
    '<div id="main" class="sc-abc123-0 dEfGh">'
    '<div class="sc-support-0 xYz"><h3>Your support helps us to tell the story</h3><p>An appeal for money.</p>'
    '<a href="/donate">Support now</a></div>'
    '<p>First paragraph of the story.</p>'
    '<div class="inline-readmore"><p><a href="/news/other-b2400000.html">Read More: another story</a></p></div>'
    '<figure><img src="y.jpg"><figcaption>An inline image caption (Getty)</figcaption></figure>'
    '<p>Second paragraph, with <a href="/topic/trains">a link</a> in it.</p>'
    '<h2>A sub-heading</h2>'
    '<ul><li>First point</li><li>Second point</li></ul>'
    '<div class="newsletter-component"><p>Sign up to our free newsletter</p></div>'
    '<blockquote class="twitter-tweet"><p>An embedded post</p></blockquote>'
    '<p><a href="/news/related-b2400001.html">A related story standing alone</a></p>'
    '<div data-mpu="1" class="ad-mpu"></div>'
    '<blockquote><p>A quoted passage.</p></blockquote>'
    '<p>Last paragraph.</p>'
    '<nav class="topics"><h3>More about</h3><a href="/topic/trains">Trains</a></nav>'
    '<div class="show-comments"><h3>Join our commenting forum</h3><p>Join thought-provoking conversations</p></div>'
    '</div>'
)
STORY_BLOCKS = [
    "First paragraph of the story.", "Second paragraph, with a link in it.", "A sub-heading", "First point",
    "Second point", "A quoted passage.", "Last paragraph.",
]


def test_todays_page_gives_the_story_blocks_without_furniture():
    article = read_article(URL, _page(f"<article>{HEADER}{MAIN}</article>", HEAD), source="independent")
    assert article.layout == "independent-2020"
    assert article.headline == "Ministers set out plan for trains"
    assert article.body == STORY_BLOCKS
    assert article.byline == "Jane Doe"
    assert article.published == datetime(2025, 3, 4, 9, 15, tzinfo=timezone.utc)
    assert article.modified == datetime(2025, 3, 4, 11, 40, 30, tzinfo=timezone.utc)


def test_todays_page_with_its_story_in_wrappers_leaves_out_named_furniture():
    wrapped = (
        '<div id="main"><div class="sc-1tw5ko3-3 bkoAha"><p>First paragraph.</p><p>Second paragraph.</p></div>'
        '<div class="newsletter-component"><p>Sign up to our free newsletter</p></div>'
        '<div class="sc-1tw5ko3-3 bkoAha"><h2>A sub-heading</h2><p>Third paragraph.</p></div>'
        '<div class="related-links"><p>Another story</p></div></div>'
    )
    article = read_article(URL, _page(f"<article>{HEADER}{wrapped}</article>", HEAD), source="independent")
    assert article.body == ["First paragraph.", "Second paragraph.", "A sub-heading", "Third paragraph."]


def test_todays_page_without_its_header_falls_back_to_json_ld():
    head = HEAD + '<meta property="article:author_name" content="Sam Roe">'
    no_authors = head.replace('"author"', '"contributor"')
    article = read_article(URL, _page(f"<article>{MAIN}</article>", no_authors), source="independent")
    assert article.headline == "Ministers set out plan for trains"
    assert article.byline == "Sam Roe"


def test_todays_page_without_story_text_is_empty_not_an_article_of_furniture():
    furniture_only = '<div id="main"><div class="newsletter-component"><p>Sign up</p></div></div>'
    with pytest.raises(EmptyBody):
        read_article(URL, _page(f"<article>{HEADER}{furniture_only}</article>", HEAD), source="independent")


@pytest.mark.parametrize("head, body_class", [
    ('<script type="application/ld+json">{"@type": "LiveBlogPosting", "headline": "Live"}</script>', ""),
    ('<meta property="article:content_type" content="liveblog">', ""),
    ('<meta name="article:content_type" content="gallery">', ""),
    ('<meta property="article:content_type" content="video">', ""),
    ("", "article-liveblog"),
])
def test_non_article_pages_are_refused(head, body_class):
    page = f'<html><head>{head}</head><body><article class="{body_class}">{HEADER}{MAIN}</article></body></html>'
    with pytest.raises(NotAnArticle):
        read_article(URL, page, source="independent")


def test_a_story_content_type_is_an_article():
    page = _page(f"<article>{HEADER}{MAIN}</article>", '<meta name="article:content_type" content="story">')
    assert read_article(URL, page, source="independent").body == STORY_BLOCKS


def test_old_and_new_hosts_are_one_article():
    old = "http://www.independent.co.uk/news/uk/politics/boris-johnson-warns-a6693481.html"
    new = "https://www.the-independent.com/news/uk/politics/boris-johnson-warns-a6693481.html?utm_source=x"
    assert article_id_of(old) == article_id_of(new) == (
        "https://www.the-independent.com/news/uk/politics/boris-johnson-warns-a6693481.html")
