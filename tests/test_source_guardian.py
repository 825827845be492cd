"""The Guardian source: its URL rules, hosts, layout eras and refusals.

The facts of each fixture page are checked by test_extraction_facts.py; this
module checks what is particular to the declaration and its layouts.
"""
import json
from functools import lru_cache
from pathlib import Path

import pytest

from newscrawler.extraction import NotAnArticle, UnknownLayout, _decode, _parse
from newscrawler.sources import article_id_of, guardian, source_for_host, source_named
from tests.conftest import read_article

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = json.loads((FIXTURES / "guardian" / "expected.json").read_text(encoding="utf-8"))["pages"]
SOURCE = guardian.SOURCE
G = "https://www.theguardian.com"


def raw(name: str) -> bytes:
    return (FIXTURES / "guardian" / "pages" / name).read_bytes()


@lru_cache(maxsize=None)
def extracted(name: str):
    return read_article(f"{G}/x", raw(name), source="guardian")


def extract_html(html: str):
    return read_article(f"{G}/politics/2024/jan/10/a-story", html, source="guardian")


@pytest.mark.parametrize("url, kind", [
    (G + "/politics/2019/nov/03/boris-johnson-apologises-tory-members-not-leaving-eu-october", "article"),
    (G + "/environment/2022/nov/09/cop27-egypt-climate-disaster-funds", "article"),
    ("http://www.guardian.co.uk/business/2012/jan/27/anger-grows-rbs-chiefs-bonus", "article"),
    ("http://www.guardian.co.uk/environment/bike-blog/2012/jan/27/hgv-cyclists-safety-bike-blog", "article"),
    ("http://www.guardian.co.uk/tv-and-radio/2012/jan/26/well-take-manhattan-david-bailey", "article"),
    (G + "/commentisfree/2013/aug/25/coalition-leaders-change-tune-rawnsley?CMP=twt", "article"),
    (G + "/lifeandstyle/2020/jan/04/where-to-live", "article"),
    (G + "/politics/live/2024/jul/05/general-election-results-live-updates", "live"),
    (G + "/football/live/2024/feb/04/arsenal-v-liverpool-premier-league-live", "live"),
    ("http://www.guardian.co.uk/world/middle-east-live/2011/jun/22/syria-libya-middle-east-unrest-live", "live"),
    (G + "/uk-news/2011/aug/09/london-riots-as-it-happened", "live"),
    ("http://www.guardian.co.uk/uk/gallery/2012/may/10/public-sector-protests-in-pictures", "gallery"),
    (G + "/world/2024/jan/01/new-year-celebrations-around-the-world-in-pictures", "gallery"),
    ("http://www.guardian.co.uk/uk/cartoon/2012/jan/28/nicolas-sarkozy-caricature", "gallery"),
    (G + "/artanddesign/picture/2013/nov/04/a-picture", "gallery"),
    ("http://www.guardian.co.uk/uk/video/2012/may/13/occupy-protesters-clash-police-video", "video"),
    (G + "/news/audio/2024/jan/02/today-in-focus-a-podcast", "audio"),
    (G + "/football/podcast/2011/may/09/football-weekly", "audio"),
    (G + "/world/ng-interactive/2024/jan/01/an-interactive", "interactive"),
    (G + "/news/interactive/2012/jan/01/an-interactive", "interactive"),
    (G + "/crosswords/cryptic/29000", "crossword"),
    ("http://www.guardian.co.uk/commentisfree/poll/2012/jan/30/smacking-children-david-lammy", "poll"),
    ("http://www.guardian.co.uk/business", "index"),
    ("http://www.guardian.co.uk/business/nils-pratley-on-finance", "index"),
    ("http://www.guardian.co.uk/help/feeds", "index"),
    (G + "/global-development", "index"),
    (G + "/profile/kate-proctor", "index"),
    (G + "/theguardian/2012/jan/28", "index"),
    (G + "/", "index"),
])
def test_page_kind_of_real_url_shapes(url, kind):
    assert SOURCE.page_kind(url) == kind


@pytest.mark.parametrize("host, owned", [
    ("www.theguardian.com", True),
    ("theguardian.com", True),
    ("amp.theguardian.com", True),
    ("www.guardian.co.uk", True),
    ("WWW.GUARDIAN.CO.UK.", True),
    ("theguardian.com.example.net", False),
    ("notguardian.co.uk", False),
    ("www.bbc.co.uk", False),
])
def test_owns_host(host, owned):
    assert SOURCE.owns_host(host) is owned


def test_registered_by_name_and_host():
    assert source_named("guardian") is SOURCE
    assert source_for_host("www.theguardian.com") is SOURCE


def test_default_feeds_are_guardian_rss_feeds():
    assert SOURCE.feeds and all(f.startswith(G + "/") and f.endswith("/rss") for f in SOURCE.feeds)


@pytest.mark.parametrize("page", [p for p in PAGES if "layout" in p], ids=lambda p: p["file"])
def test_each_fixture_is_recognised_by_its_era_alone(page):
    """find_layout picks the era named in expected.json, and no older era of
    the list also claims a page of a newer one."""
    parsed = _parse(*_decode(raw(page["file"][len("pages/"):]), None))
    matching = [layout.name for layout in SOURCE.layouts if layout.matches(parsed)]
    assert matching == [page["layout"]]


def test_two_captures_of_one_article_read_the_same():
    """The 2019 frontend capture and the 2022 dotcom-rendering capture."""
    old, new = extracted("boris-johnson-apologises.html"), extracted("boris-johnson-apologises-2022.html")
    assert (old.layout, new.layout) == ("guardian-2014", "guardian-2020")
    fields = ("headline", "body", "byline", "published")
    assert [getattr(new, name) for name in fields] == [getattr(old, name) for name in fields]


def test_live_blog_fixture_is_refused():
    with pytest.raises(NotAnArticle, match="live blog"):
        extracted("syria-libya-middle-east-unrest-live.html")


def _dcr_page(body: str, head: str = "", json_ld: str = "") -> str:
    script = f'<script type="application/ld+json">{json_ld}</script>' if json_ld else ""
    return (
        f"<html><head>{head}{script}</head><body><main><article>"
        '<div data-gu-name="headline"><h1>A headline</h1></div>'
        '<div data-gu-name="standfirst"><p>The standfirst.</p></div>'
        '<div data-gu-name="body"><div id="maincontent">'
        f'<div class="article-body-commercial-selector article-body-viewer-selector">{body}</div>'
        "</div></div></article></main></body></html>"
    )


def _config_script(content_type: str) -> str:
    return f'<script>window.guardian = {{"config":{{"page":{{"contentType":"{content_type}"}}}}}}</script>'


@pytest.mark.parametrize("page, reason", [
    (_dcr_page("<p>Text.</p>", json_ld='{"@type": "LiveBlogPosting"}'), "LiveBlogPosting"),
    (_dcr_page("<p>Text.</p>", head=_config_script("Gallery")), "contentType Gallery"),
    (_dcr_page("<p>Text.</p>", head="<script>guardian.config = {contentType: 'LiveBlog'}</script>"),
     "contentType LiveBlog"),
    ('<html><body><article itemscope itemtype="http://schema.org/LiveBlogPosting">'
     '<h1 itemprop="headline">Live</h1><div class="content__article-body" itemprop="articleBody">'
     "<p>Text.</p></div></article></body></html>", "itemtype"),
    ('<html><body><div data-gu-name="body"><div id="liveblog-body" class="js-liveblog-body">'
     "<p>Update.</p></div></div></body></html>", "live blog markup"),
])
def test_pages_that_say_they_are_not_articles_are_refused(page, reason):
    with pytest.raises(NotAnArticle, match=reason):
        extract_html(page)


def test_page_config_of_an_article_is_not_refused():
    page = _dcr_page("<p>Text.</p>", head=_config_script("Article"))
    assert extract_html(page).body == ["The standfirst.", "Text."]


@pytest.mark.parametrize("name", [
    "cden3j9d1r7o.html", "54528983.html", "61896381.html", "32271505.html",
    "11125504.html", "10249066.stm.html", "8040164.stm.html",
])
def test_page_of_another_outlet_is_an_unknown_layout(name):
    with pytest.raises(UnknownLayout):
        extract_html((FIXTURES / "bbc" / "pages" / name).read_bytes())


def test_dcr_body_keeps_structured_text_and_leaves_out_boxes():
    page = _dcr_page(
        "<p>First paragraph.</p>"
        '<div id="sign-in-gate"><p>Sign in to keep reading</p></div>'
        '<figure data-spacefinder-type="model.dotcomrendering.pageElements.ImageBlockElement">'
        "<img><figcaption>A caption. Photograph: Someone</figcaption></figure>"
        "<h2>A sub-heading</h2>"
        "<ul><li>First item</li><li>Second item</li></ul>"
        '<aside><blockquote><p>A pull quote</p></blockquote></aside>'
        '<figure data-spacefinder-type="model.dotcomrendering.pageElements.RichLinkBlockElement">'
        "<div><h2>Another story</h2><p>Read more</p></div></figure>"
        '<figure data-spacefinder-type="model.dotcomrendering.pageElements.KeyTakeawaysBlockElement">'
        "<ol><li><h3>Takeaway one</h3><p>Its text.</p>"
        '<figure data-spacefinder-type="model.dotcomrendering.pageElements.ImageBlockElement">'
        "<figcaption>Nested caption</figcaption></figure></li></ol></figure>"
        '<figure data-spacefinder-type="model.dotcomrendering.pageElements.NewsletterSignupBlockElement">'
        "<p>Sign up to First Edition</p></figure>"
        '<gu-island name="RichLinkComponent"><p>An island</p></gu-island>'
        "<blockquote><p>A quoted passage.</p></blockquote>"
        "<p>Last paragraph.</p>"
    )
    assert extract_html(page).body == [
        "The standfirst.", "First paragraph.", "A sub-heading", "First item", "Second item",
        "Takeaway one", "Its text.", "A quoted passage.", "Last paragraph.",
    ]


def test_dcr_standfirst_links_to_other_coverage_are_left_out():
    page = _dcr_page("<p>Text.</p>").replace(
        "<p>The standfirst.</p>", "<p>The standfirst.</p><ul><li><a>Live – latest updates</a></li></ul>")
    assert extract_html(page).body == ["The standfirst.", "Text."]


def test_frontend_body_reads_direct_text_children_only():
    page = (
        '<html><body><article id="article"><h1 itemprop="headline">A headline</h1>'
        '<div class="content__standfirst"><meta itemprop="description" content="The standfirst."/>'
        "<p>The standfirst.</p></div>"
        '<div class="content__article-body from-content-api js-article__body" itemprop="articleBody">'
        "<p>One.</p>"
        '<figure class="element element-image"><figcaption>Caption</figcaption></figure>'
        '<aside class="element element-rich-link"><p>Another story Read more</p></aside>'
        "<h2>Heading</h2><ul><li>Item</li></ul>"
        '<ul class="social"><li>Share on Facebook</li></ul>'
        '<div class="submeta"><p>Topics</p></div>'
        "<p>Two.</p></div></article></body></html>"
    )
    assert extract_html(page).body == ["The standfirst.", "One.", "Heading", "Item", "Two."]


def test_frontend_standfirst_given_only_as_microdata():
    page = (
        '<html><body><h1 itemprop="headline">A headline</h1>'
        '<div class="content__standfirst">'
        '<meta itemprop="description" content="  The  standfirst. "/></div>'
        '<div class="content__article-body" itemprop="articleBody"><p>One.</p></div></body></html>'
    )
    assert extract_html(page).body == ["The standfirst.", "One."]


def test_r2_body_leaves_out_inline_boxes_and_scripts():
    page = (
        '<html><body><div id="main-article-info"><h1>A headline</h1>'
        '<p id="stand-first">The standfirst.</p></div>'
        '<ul class="article-attributes"><li class="byline">Jane Doe and John Roe</li></ul>'
        '<div id="article-body-blocks"><p>One.</p>'
        '<div class="inline-image"><p>A caption</p></div>'
        "<p>Two.<script>var explainerText = 1;</script></p><h2>Heading</h2><p></p></div></body></html>"
    )
    article = extract_html(page)
    assert (article.body, article.byline) == (["One.", "Two.", "Heading"], "Jane Doe and John Roe")


def test_guardian_co_uk_and_http_spellings_are_one_article():
    canonical = "https://www.theguardian.com/politics/2012/jan/27/some-story"
    for spelling in ("http://www.guardian.co.uk/politics/2012/jan/27/some-story",
                     "https://theguardian.com/politics/2012/jan/27/some-story?CMP=share_btn_tw",
                     "http://www.theguardian.com/politics/2012/jan/27/some-story#comments"):
        assert article_id_of(spelling) == canonical
