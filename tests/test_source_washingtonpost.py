"""The washingtonpost source: its URL rules, hosts, layout eras and refusals.

The facts of each fixture page are checked by tests/test_extraction_facts.py.
"""
import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import pytest
from parsel import Selector

from newscrawler.extraction import EmptyBody, NotAnArticle, UnknownLayout
from newscrawler.extraction.page import Page
from newscrawler.sources import source_for_host, source_named
from newscrawler.sources.washingtonpost import SOURCE
from tests.conftest import read_article
from newscrawler.sources.washingtonpost.dates import (
    parse_epoch_milliseconds,
    parse_shown_time,
    parse_zoned_stamp,
    washington_time_to_utc,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "washingtonpost" / "expected.json").read_text(encoding="utf-8"))
PAGES = {page["file"]: page for page in EXPECTED["pages"]}
ARTICLE_URL = "https://www.washingtonpost.com/politics/2024/05/01/some-story/"


def raw(name: str) -> bytes:
    return (FIXTURES / "washingtonpost" / name).read_bytes()


# 2017-2019 PageBuilder captures: they end with the loader script, without </html>.
LOADER_ENDED = [name for name in PAGES if not raw(name).rstrip().endswith(b"</html>")]


@lru_cache(maxsize=None)
def parsed(name: str) -> Page:
    return Page(Selector(body=raw(name), encoding="utf-8").root)


def extract_page(body: bytes, url: str = ARTICLE_URL):
    return read_article(url, body, source="washingtonpost")


# --- declaration and URL rules -------------------------------------------------------


def test_source_is_registered_by_name_and_host():
    assert source_named("washingtonpost") is SOURCE
    assert source_for_host("www.washingtonpost.com") is SOURCE


def test_default_feeds_are_the_sites_section_feeds():
    assert "https://feeds.washingtonpost.com/rss/national" in SOURCE.feeds
    assert all(feed.startswith("https://feeds.washingtonpost.com/rss/") for feed in SOURCE.feeds)


@pytest.mark.parametrize("host, owned", [
    ("www.washingtonpost.com", True),
    ("washingtonpost.com", True),
    ("feeds.washingtonpost.com", True),
    ("WWW.WashingtonPost.com.", True),
    ("washingtonpost.com.example.org", False),
    ("notwashingtonpost.com", False),
    ("www.washingtontimes.com", False),
])
def test_owns_host(host, owned):
    assert SOURCE.owns_host(host) is owned


@pytest.mark.parametrize("url, kind", [
    # the reference parser's article URLs, 2014-2015
    ("http://www.washingtonpost.com/world/will-a-bust-follow-the-boom-in-britain/2014/01/18/"
     "3677a6ae-7f9d-11e3-97d3-b9925ce2c57b_story.html?tid=hpModule_04941f10&hpid=z16", "article"),
    ("http://www.washingtonpost.com/business/technology/nsa-program-defenders-question-snowdens-motives/"
     "2014/01/19/091fccaa-811d-11e3-bbe5-6a2a3141e3a9_story.html", "article"),
    ("https://www.washingtonpost.com/world/middle_east/israel-ambassador-to-us-sends-anti-boycott-message-with-gift/"
     "2015/12/23/652d639c-a99b-11e5-b596-113f59ee069a_story.html", "article"),
    # PageBuilder blog posts, 2014-2019
    ("https://www.washingtonpost.com/news/worldviews/wp/2016/01/05/saudi-arabia-and-iran-explained/", "article"),
    # today's article URLs, opinion pieces included
    ("https://www.washingtonpost.com/politics/2024/05/01/biden-trump-debate/", "article"),
    ("https://www.washingtonpost.com/health/2025/10/11/cdc-layoffs-public-health-shutdown/", "article"),
    ("https://www.washingtonpost.com/dc-md-va/2026/01/15/metro-budget/?itid=hp-top-table", "article"),
    ("https://www.washingtonpost.com/opinions/2024/03/02/ukraine-aid-congress/", "article"),
    ("https://www.washingtonpost.com/sports/commanders/2025/09/07/commanders-giants-week-1", "article"),
    # the reference parser's non-articles, and other indexes
    ("http://www.washingtonpost.com/politics/", "index"),
    ("http://www.washingtonpost.com/local/", "index"),
    ("http://www.washingtonpost.com/blogs/worldviews/", "index"),
    ("http://www.washingtonpost.com/blogs/worldviews/wp/tag/iran/", "index"),
    ("https://www.washingtonpost.com/", "index"),
    ("https://www.washingtonpost.com/opinions/", "index"),
    ("https://www.washingtonpost.com/opinions/columnists/", "index"),
    ("https://www.washingtonpost.com/people/matt-viser/", "index"),
    ("https://www.washingtonpost.com/topics/climate-environment/", "index"),
    # live updates
    ("https://www.washingtonpost.com/world/2023/10/07/israel-gaza-hamas-attack-live-updates/", "live"),
    ("https://www.washingtonpost.com/politics/2024/11/05/election-2024-live-updates/", "live"),
    ("https://www.washingtonpost.com/nation/live-updates/", "live"),
    # video
    ("https://www.washingtonpost.com/video/politics/trump-speaks/2018/06/12/"
     "0d6e4d46-6e33-11e8-b4d8-eaf78d4c544c_video.html", "video"),
    ("https://www.washingtonpost.com/video/national/flooding-in-vermont/2023/07/11/abc/", "video"),
    ("https://www.washingtonpost.com/posttv/national/2014/01/15/some-video/", "video"),
    # photography and galleries
    ("https://www.washingtonpost.com/photography/2024/01/02/year-in-photos/", "gallery"),
    ("https://www.washingtonpost.com/world/2014/01/15/4f8ef686-7e28-11e3-9556-4a4bf7bcbd84_gallery.html", "gallery"),
    ("https://www.washingtonpost.com/news/in-sight/wp/2016/05/01/a-photo-essay/", "gallery"),
    # podcasts
    ("https://www.washingtonpost.com/podcasts/post-reports/the-election-night/", "podcast"),
    # interactive graphics
    ("https://www.washingtonpost.com/graphics/2020/politics/2020-election-results/", "interactive"),
    ("https://www.washingtonpost.com/politics/interactive/2024/trump-indictments-tracker/", "interactive"),
    # a section named after video games is an article section, not video
    ("https://www.washingtonpost.com/video-games/2024/02/01/new-releases/", "article"),
])
def test_page_kind(url, kind):
    assert SOURCE.page_kind(url) == kind


# --- layout eras ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_fixture_page_is_read_by_its_era(name):
    expected = PAGES[name]
    assert SOURCE.find_layout(parsed(name)).name == expected["layout"]


def test_layouts_are_listed_newest_first():
    assert [layout.name for layout in SOURCE.layouts] == [
        "washingtonpost-2024", "washingtonpost-2019", "washingtonpost-2017",
        "washingtonpost-2014", "washingtonpost-2013",
    ]


def test_pagebuilder_pages_end_with_their_loader_and_are_read_whole():
    assert len(LOADER_ENDED) == 3
    for name in LOADER_ENDED:
        assert extract_page(raw(name), PAGES[name]["url"]).layout == "washingtonpost-2017"


@pytest.mark.parametrize("name", sorted(LOADER_ENDED))
def test_pagebuilder_page_cut_before_its_loader_is_refused(name):
    page = raw(name)
    with pytest.raises(EmptyBody, match="cut short"):
        extract_page(page[: page.rindex(b"window.pageBuilder.loadAsync();")], PAGES[name]["url"])


# --- what the body leaves out and keeps ----------------------------------------------------


def test_related_story_links_between_paragraphs_are_left_out():
    page = parsed("pages/trump-kim-summit.html")
    body = SOURCE.find_layout(page).body(page)
    assert not [block for block in body if block.startswith("[")]
    related = page.root.xpath("//article//p[contains(@class, 'interstitial-link')]")
    assert len(related) == 5  # the page has them: they are left out, not missing


def test_2013_blockquote_of_br_separated_paragraphs_is_one_block():
    body = extract_page(raw("pages/sgt-bowe-bergdahls-capture-remains-amystery.html")).body
    quote = body[6]
    assert quote.startswith("Bergdahl, who was educated at home") and "Sun Valley Gun Club. Walt Femling" in quote


def _with_blocks(blocks_html: str) -> bytes:
    """The 2024 page with blocks added after its first paragraph block, as today's pages write them."""
    page = raw("pages/beto-orourke-quits-2024.html")
    anchor = page.index(b'data-qa="article-body"')
    end_of_block = page.index(b"</div>", anchor) + len(b"</div>")
    return page[:end_of_block] + blocks_html.encode() + page[end_of_block:]


def test_todays_sub_headings_and_list_items_are_blocks_in_reading_order():
    added = (
        '<div class="wpds-c-PJLV article-body type-header" data-qa="article-body">'
        '<h2 data-apitype="header" class="wpds-c-a">What happens next</h2></div>'
        '<div class="wpds-c-PJLV article-body type-list" data-qa="article-body"><ul data-apitype="list">'
        '<li><p>First, the filing.</p></li><li>Then the <a href="/x">vote</a>.</li></ul></div>'
    )
    original = extract_page(raw("pages/beto-orourke-quits-2024.html")).body
    body = extract_page(_with_blocks(added)).body
    assert body == original[:1] + ["What happens next", "First, the filing.", "Then the vote."] + original[1:]


@pytest.mark.parametrize("furniture", [
    '<div class="article-body" data-qa="article-body"><div class="interstitial">'
    '<a data-qa="interstitial-link" href="/y">Read more: another story</a></div></div>',
    '<div class="article-body" data-qa="article-body"><p><a data-qa="interstitial-link" href="/y">'
    'Read more: another story</a></p></div>',
    '<div class="article-body" data-qa="article-body"><div data-qa="newsletter-signup">'
    '<p>Sign up for the newsletter</p></div></div>',
    '<div class="article-body type-story subtype-context-box" data-qa="article-body"><h3>Catch up</h3>'
    '<p>What we know so far</p></div>',
    '<div class="article-body" data-qa="article-body"><figure><img src="/a.jpg"/>'
    '<figcaption><p>A photo caption</p></figcaption></figure></div>',
    '<div class="article-body" data-qa="article-body"><div class="hide-for-print" data-qa="article-body-ad">'
    '<p>Story continues below advertisement</p></div></div>',
    '<div class="article-body" data-qa="article-body"><blockquote class="wpds-c-PJLV-fijXse-isStylePullQuote-true">'
    '<p>A sentence of the story, repeated large</p></blockquote></div>',
])
def test_page_furniture_in_the_body_is_left_out(furniture):
    original = extract_page(raw("pages/beto-orourke-quits-2024.html")).body
    assert extract_page(_with_blocks(furniture)).body == original


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("old, new", [
    (b'"@type":"NewsArticle"', b'"@type":"LiveBlogPosting"'),
    (b'<meta property="og:type" content="article"/>', b'<meta property="og:type" content="website"/>'),
    (b'data-testid="drop-cap-letter" data-el="text" class="', b'data-el="text" class="wpds-c-x-isLiveArticle-true '),
])
def test_page_that_says_it_is_not_an_article_is_refused(old, new):
    page = raw("pages/beto-orourke-quits-2024.html")
    assert old in page
    with pytest.raises(NotAnArticle):
        extract_page(page.replace(old, new, 1))


@pytest.mark.parametrize("name", ["cden3j9d1r7o.html", "54528983.html", "32271505.html", "10249066.stm.html"])
def test_page_of_another_outlet_is_an_unknown_layout(name):
    page = (FIXTURES / "bbc" / "pages" / name).read_bytes()
    with pytest.raises(UnknownLayout):
        extract_page(page, "https://www.bbc.co.uk/news/" + name)


def test_page_whose_story_shows_no_text_is_refused_not_stored_empty():
    page = raw("pages/beto-orourke-quits-2024.html").replace(b'<p data-testid="', b'<p hidden data-testid="')
    with pytest.raises(EmptyBody):
        extract_page(page)


# --- dates before JSON-LD -------------------------------------------------------------------------


@pytest.mark.parametrize("text, year, moment", [
    ("September 5 at 7:12 PM", 2014, "2014-09-05T23:12:00+00:00"),  # EDT
    ("December 23 at 12:34 PM", 2015, "2015-12-23T17:34:00+00:00"),  # EST
    ("Updated Jan. 2, 2016 at 12:05 a.m.", None, "2016-01-02T05:05:00+00:00"),
    ("March 8 at 1:30 AM", 2015, "2015-03-08T06:30:00+00:00"),  # before the 2:00 switch to EDT
    ("March 8 at 3:30 AM", 2015, "2015-03-08T07:30:00+00:00"),
    ("January 18, 2014", 2014, None),  # no time shown
    ("September 5 at 7:12 PM", None, None),  # no year known
])
def test_time_shown_to_readers_is_washington_time(text, year, moment):
    assert parse_shown_time(text, year) == (moment and datetime.fromisoformat(moment))


def test_other_pre_json_ld_date_forms():
    assert parse_zoned_stamp("Sun Jan 19 17:13:55 EST 2014") == datetime(2014, 1, 19, 22, 13, 55, tzinfo=timezone.utc)
    assert parse_zoned_stamp("Sun Jul 19 17:13:55 EDT 2015") == datetime(2015, 7, 19, 21, 13, 55, tzinfo=timezone.utc)
    assert parse_zoned_stamp("Sun Jan 19 17:13:55 XYZ 2014") is None
    assert parse_epoch_milliseconds("1390085017000") == datetime(2014, 1, 18, 22, 43, 37, tzinfo=timezone.utc)
    assert parse_epoch_milliseconds("soon") is None
    assert washington_time_to_utc(datetime(2024, 11, 3, 1, 30)).hour == 5  # still EDT until 2:00
