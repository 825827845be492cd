"""The New York Times source: URL rules, hosts, feeds, layout eras, refusals.

The facts of each real fixture page are checked by test_extraction_facts.py
(tests/fixtures/nytimes/expected.json); these tests cover the rules around
them. The 2014 and 2006 eras have no captured page among the fixtures, so
their structural rules are checked on small pages of their documented shape.
"""
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from newscrawler.extraction import EmptyBody, NotAnArticle, UnknownLayout, _parse
from newscrawler.feedparsing import read_feed
from newscrawler.sources import article_id_of, source_for_host, source_named
from newscrawler.sources.nytimes import SOURCE
from tests.conftest import read_article
from newscrawler.sources.nytimes.base import names_in_byline, new_york_compact_time

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = FIXTURES / "nytimes" / "pages"
EXPECTED = json.loads((FIXTURES / "nytimes" / "expected.json").read_text(encoding="utf-8"))["pages"]
ARTICLE_URL = "https://www.nytimes.com/2020/07/29/us/teacher-union-school-reopening-coronavirus.html"


def page_bytes(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def nyt(body, url=ARTICLE_URL):
    return read_article(url, body, source="nytimes")


# URL rules


@pytest.mark.parametrize("url", [
    "https://www.nytimes.com/2026/05/18/us/politics/hegseth-gallrein-campaign.html",
    "https://www.nytimes.com/2020/07/29/us/teacher-union-school-reopening-coronavirus.html",
    "https://www.nytimes.com/2012/08/26/automobiles/collectibles/celebrating-the-classics-confirming-their-value.html",
    "https://www.nytimes.com/2012/08/26/world/middleeast/Syria.html",
    "http://www.nytimes.com/2010/07/26/business/global/26bp.html?hp",
    "https://www.nytimes.com/2018/06/12/world/asia/trump-kim-policy.html?hp&action=click&pgtype=Homepage",
    "https://www.nytimes.com/2024/03/02/t-magazine/artist-studio.html",
    "https://www.nytimes.com/2024/03/02/briefing/ukraine-gaza-news.html",
    "http://www.nytimes.com/aponline/2012/08/25/world/asia/ap-as-china-road-accident.html",
    "https://www.nytimes.com/reuters/2021/05/18/business/18reuters-markets.html",
    "https://www.nytimes.com/es/2021/05/18/espanol/vacunas-covid.html",
    "https://www.nytimes.com/article/coronavirus-county-data-us.html",
])
def test_article_urls(url):
    assert SOURCE.page_kind(url) == "article"


@pytest.mark.parametrize("url, kind", [
    ("https://www.nytimes.com/live/2024/11/05/us/election-results-trump-harris", "live"),
    ("https://www.nytimes.com/interactive/2024/11/05/us/elections/results-president.html", "interactive"),
    ("https://www.nytimes.com/newsgraphics/2014/senate-model/", "interactive"),
    ("https://www.nytimes.com/video/us/politics/100000005950274/trump-speaks-after-kim-meeting.html", "video"),
    ("https://www.nytimes.com/slideshow/2012/08/26/sports/20120826-armstrong.html", "slideshow"),
    ("https://www.nytimes.com/2024/05/17/podcasts/the-daily/student-protests.html", "podcast"),
    ("https://www.nytimes.com/podcasts/the-daily", "podcast"),
    ("https://cooking.nytimes.com/recipes/1017256-french-onion-soup", "recipe"),
    ("https://www.nytimes.com/games/wordle/index.html", "game"),
    ("https://www.nytimes.com/crosswords/game/mini", "game"),
    ("https://www.nytimes.com/2024/05/17/crosswords/daily-puzzle-2024-05-18.html", "game"),
    ("https://www.nytimes.com/athletic/5498302/2024/05/18/knicks-pacers-game-7/", "athletic"),
    ("https://www.nytimes.com/wirecutter/reviews/best-office-chair/", "wirecutter"),
    ("http://thecaucus.blogs.nytimes.com/2012/08/25/with-storm-approaching-republicans-cancel-first-day/", "blog"),
    ("https://www.nytimes.com/section/technology/personaltech", "index"),
    ("https://www.nytimes.com/section/business?module=SectionsNav&action=click", "index"),
    ("http://www.nytimes.com/pages/world/asia/index.html", "index"),
    ("https://www.nytimes.com/topic/person/donald-trump", "index"),
    ("https://www.nytimes.com/by/maggie-astor", "index"),
    ("https://www.nytimes.com/", "index"),
])
def test_skipped_urls_say_why(url, kind):
    assert SOURCE.page_kind(url) == kind


@pytest.mark.parametrize("host", [
    "www.nytimes.com", "nytimes.com", "rss.nytimes.com", "cooking.nytimes.com",
    "thecaucus.blogs.nytimes.com", "WWW.NYTIMES.COM.",
])
def test_owns_its_hosts(host):
    assert SOURCE.owns_host(host)
    assert source_for_host(host) is SOURCE


@pytest.mark.parametrize("host", ["nytimes.com.example.net", "notnytimes.com", "www.bbc.co.uk", "nyt.com"])
def test_owns_no_other_host(host):
    assert not SOURCE.owns_host(host)


def test_is_registered_under_its_name():
    assert source_named("nytimes") is SOURCE


def test_default_feeds_are_distinct_rss_feeds_of_its_own():
    assert len(set(SOURCE.feeds)) == len(SOURCE.feeds) >= 10
    assert "https://rss.nytimes.com/services/xml/rss/nyt/HomePage.xml" in SOURCE.feeds
    for feed in SOURCE.feeds:
        assert re.fullmatch(r"https://rss\.nytimes\.com/services/xml/rss/nyt/[A-Za-z]+\.xml", feed)


def test_links_of_the_real_fixture_feed_are_articles_but_the_blog_post():
    feed = read_feed((FIXTURES / "nytimes" / "rss" / "nyt_global_home.xml").read_bytes(), 500)
    kinds = {link: SOURCE.page_kind(link) for link in feed.links}
    assert feed.usable and len(kinds) == 25
    assert all(SOURCE.owns_host(re.match(r"https?://([^/]+)", link).group(1)) for link in kinds)
    assert [link for link, kind in kinds.items() if kind != "article"] == [
        "http://thecaucus.blogs.nytimes.com/2012/08/25/with-storm-approaching-republicans-cancel-"
        "first-day-of-convention/?partner=rss&emc=rss"
    ]
    assert {kinds[link] for link in kinds if "/aponline/" in link} == {"article"}


# Layout eras


@pytest.mark.parametrize("page", EXPECTED, ids=[page["file"] for page in EXPECTED])
def test_the_first_matching_era_is_the_expected_one(page):
    found = SOURCE.find_layout(_parse(page_bytes(Path(page["file"]).name).decode("utf-8")))
    assert found.name == page["layout"]


def test_the_2018_capture_has_no_article_body_section():
    layouts = {layout.name: layout for layout in SOURCE.layouts}
    page_2018 = _parse(page_bytes("show-banned-french-comedian-has-new-one-2018.html").decode("utf-8"))
    assert not layouts["nytimes-2020"].matches(page_2018)
    assert layouts["nytimes-2018"].matches(page_2018)


def test_both_captures_of_one_article_give_the_same_text():
    earlier = nyt(page_bytes("show-banned-french-comedian-has-new-one-2018.html"))
    later = nyt(page_bytes("show-banned-french-comedian-has-new-one.html"))
    assert (earlier.layout, later.layout) == ("nytimes-2018", "nytimes-2020")
    assert (earlier.headline, earlier.body, earlier.byline) == (later.headline, later.body, later.byline)


def test_headline_is_the_page_heading_not_the_seo_headline_of_the_json_ld():
    body = page_bytes("khaled-meshal-the-leader-of-hamas-vacates-damascus.html")
    assert '"headline":"Hamas Leader Khaled Meshal Abandons Damascus Base"' in body.decode("utf-8")
    assert nyt(body).headline == "Hamas Leader Abandons Longtime Base in Damascus"


def test_without_json_ld_or_meta_dates_the_cms_new_york_times_are_used():
    # The 2018 capture states its times twice: article:published/modified in
    # UTC and ptime/utime in New York time; without the former the latter agree.
    html = page_bytes("show-banned-french-comedian-has-new-one-2018.html").decode("utf-8")
    stripped = re.sub(r'<meta[^>]*property="article:(?:published|modified)"[^>]*>', "", html)
    assert stripped != html
    article = nyt(stripped)
    assert article.published == datetime(2014, 1, 12, 5, 35, 51, tzinfo=timezone.utc)
    assert article.modified == datetime(2017, 12, 20, 17, 9, 4, tzinfo=timezone.utc)


def test_new_york_compact_times_follow_daylight_saving():
    assert new_york_compact_time("20140112003551") == datetime(2014, 1, 12, 5, 35, 51, tzinfo=timezone.utc)
    assert new_york_compact_time("20200729145151") == datetime(2020, 7, 29, 18, 51, 51, tzinfo=timezone.utc)
    assert new_york_compact_time("2014-01-12") is None
    assert new_york_compact_time("20141340000000") is None
    assert new_york_compact_time(None) is None


def test_names_in_a_byline_line():
    assert names_in_byline("By Dana Goldstein and Eliza Shapiro") == ["Dana Goldstein", "Eliza Shapiro"]
    assert names_in_byline("BY JANE DOE, JOHN ROE and JIM POE") == ["JANE DOE", "JOHN ROE", "JIM POE"]
    assert names_in_byline("By Reuters") == ["Reuters"]
    assert names_in_byline("") == []


# Refusals


def test_a_live_blog_is_refused_by_its_json_ld():
    html = page_bytes("heres-how-to-watch-as-the-convention-wraps-up.html").decode("utf-8")
    live = html.replace('"@type":"NewsArticle"', '"@type":"LiveBlogPosting"', 1)
    assert live != html
    with pytest.raises(NotAnArticle, match="LiveBlogPosting"):
        nyt(live)


def test_a_page_whose_page_type_is_not_article_is_refused():
    html = page_bytes("trump-kim-policy.html").decode("utf-8")
    interactive = html.replace('name="PT" content="article"', 'name="PT" content="Interactive"')
    assert interactive != html
    with pytest.raises(NotAnArticle, match="PT Interactive"):
        nyt(interactive)


@pytest.mark.parametrize("name", [
    "cden3j9d1r7o.html", "54528983.html", "32271505.html", "13293006.html", "8040164.stm.html",
])
def test_a_bbc_page_is_no_layout_of_this_source(name):
    with pytest.raises(UnknownLayout):
        nyt((FIXTURES / "bbc" / "pages" / name).read_bytes(), url="https://www.bbc.co.uk/news/" + name)


def test_a_page_without_story_columns_is_an_unknown_layout():
    html = page_bytes("trump-kim-policy.html").decode("utf-8")
    no_columns = html.replace("StoryBodyCompanionColumn", "SomethingElse")
    with pytest.raises(UnknownLayout):
        nyt(no_columns)


def test_story_columns_without_text_are_an_empty_body():
    html = '<html><body><article id="story"><header><h1 data-testid="headline">Title</h1></header>' \
           '<section name="articleBody"><div class="StoryBodyCompanionColumn"><div></div>' \
           '<aside></aside></div></section></article></body></html>'
    with pytest.raises(EmptyBody):
        nyt(html)


# The eras without a captured fixture, on pages of their shape


def test_2020_columns_read_paragraphs_headings_and_lists_but_no_nested_embeds():
    html = """<html><body><article id="story"><header><h1 data-testid="headline">Title</h1></header>
      <section name="articleBody">
        <div class="css-1 StoryBodyCompanionColumn" data-testid="companionColumn-0"><div class="css-2">
          <p>First.</p><h2>A sub-heading</h2><ul><li>One</li><li><p>Two</p></li></ul>
          <div id="NYT_MAIN_CONTENT_1_REGION"><p>Embedded promo</p></div>
          <p class="visually-hidden">Hidden label</p>
        </div><aside aria-label="companion column"></aside></div>
        <figure><figcaption>A caption</figcaption></figure>
        <div id="story-ad-1-wrapper"><p>Advertisement</p></div>
        <div data-testid="companionColumn-1"><div><blockquote><p>Quoted.</p></blockquote><p>Last.</p></div></div>
      </section></article></body></html>"""
    article = nyt(html)
    assert article.layout == "nytimes-2020"
    assert article.body == ["First.", "A sub-heading", "One", "Two", "Quoted.", "Last."]


STORY_2014 = """<html><head>
  <meta property="article:published" content="2016-06-01T09:30:00-04:00">
  <meta name="byl" content="By JANE DOE and JOHN ROE"><meta name="PT" content="article"></head>
  <body><article id="story" class="story theme-main">
  <header><h1 itemprop="headline" id="headline" class="headline">A 2016 Story</h1>
    <p class="byline" itemprop="author creator" itemscope><span class="byline-author" itemprop="name">JANE DOE</span>
    and <span class="byline-author" itemprop="name">JOHN ROE</span></p></header>
  <div class="story-body-supplemental"><div class="story-body story-body-1">
    <p class="story-body-text story-content" data-para-count="10">First paragraph.</p>
    <figure class="media photo embedded"><figcaption class="caption"><span class="caption-text">Caption.</span>
      <span class="credit">Credit A Photographer</span></figcaption></figure>
    <p class="story-body-text story-content">Second paragraph.</p>
    <h4 class="story-subheading story-content">A sub-heading</h4>
  </div>
  <div class="story-interrupter"><section class="related-coverage">
    <p class="summary">Related: another story</p></section></div>
  <div class="story-body story-body-2"><p class="story-body-text story-content">Third paragraph.</p>
    <div class="ad"><p>Advertisement</p></div></div></div>
  <footer class="story-footer story-content"><div class="story-addendum story-content theme-correction">
    <p>Correction: An earlier version misstated a date.</p></div>
    <p class="story-print-citation">A version of this article appears in print.</p></footer>
  </article></body></html>"""


def test_2014_story_parts_in_order_without_captions_interrupters_or_footer():
    article = nyt(STORY_2014, url="https://www.nytimes.com/2016/06/01/us/a-2016-story.html")
    assert article.layout == "nytimes-2014"
    assert article.headline == "A 2016 Story"
    assert article.body == ["First paragraph.", "Second paragraph.", "A sub-heading", "Third paragraph."]
    assert article.byline == "JANE DOE, JOHN ROE"
    assert article.published == datetime(2016, 6, 1, 13, 30, tzinfo=timezone.utc)


def test_story_body_text_outside_article_story_is_not_the_2014_layout():
    other_outlet = STORY_2014.replace('id="story"', 'class="ti-article"')
    with pytest.raises(UnknownLayout):
        nyt(other_outlet)


STORY_2006 = """<html><head><meta name="hdl" content="SEO headline">
  <meta name="byl" content="By CLIFFORD KRAUSS and JAD MOUAWAD"><meta name="ptime" content="20100725201500">
  <meta name="PT" content="Article"></head><body><div id="article">
  <h1 class="articleHeadline"><NYT_HEADLINE version="1.0" type=" ">As BP Lays Out Future</NYT_HEADLINE></h1>
  <div class="articleBody"><NYT_TEXT ><NYT_CORRECTION_TOP></NYT_CORRECTION_TOP><p>First paragraph.</p></div>
  <div class="articleInline runaroundLeft"><div class="inlineImage module"><p class="caption">Caption.</p></div>
    <div class="columnGroup doubleRule"><h3 class="sectionHeader">Related</h3>
      <ul><li><a>Related story</a></li></ul></div></div>
  <div class="articleBody"><p>Second paragraph.</p><p>Third paragraph.</p>
    <NYT_AUTHOR_ID><div class="authorIdentification">
      <p><p>Julia Werdigier contributed reporting.</p></p></div></NYT_AUTHOR_ID>
    <NYT_CORRECTION_BOTTOM><div class="articleCorrection"></div></NYT_CORRECTION_BOTTOM></NYT_TEXT></div>
  </div></body></html>"""


def test_2006_every_article_body_div_even_after_the_parser_closed_nyt_text():
    article = nyt(STORY_2006, url="https://www.nytimes.com/2010/07/26/business/global/26bp.html")
    assert article.layout == "nytimes-2006"
    assert article.headline == "As BP Lays Out Future"
    assert article.body == [
        "First paragraph.", "Second paragraph.", "Third paragraph.", "Julia Werdigier contributed reporting."]
    assert article.byline == "CLIFFORD KRAUSS, JAD MOUAWAD"
    assert article.published == datetime(2010, 7, 26, 0, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize("link", [
    "http://www.nytimes.com/2012/08/26/us/more-young-illegal-immigrants-face-deportation.html?partner=rss&emc=rss",
    "https://nytimes.com/2012/08/26/us/more-young-illegal-immigrants-face-deportation.html?smid=tw-share",
    "https://www.nytimes.com/2012/08/26/us/more-young-illegal-immigrants-face-deportation.html"
    "?action=click&module=Top%20Stories&pgtype=Homepage#after-story",
])
def test_feed_and_share_links_of_one_article_share_one_identity(link):
    assert article_id_of(link) == ("https://www.nytimes.com/2012/08/26/us/"
                                   "more-young-illegal-immigrants-face-deportation.html")


def test_query_parameters_that_name_a_page_are_kept():
    assert article_id_of("https://www.nytimes.com/2012/08/26/us/x-y.html?pagewanted=2") == (
        "https://www.nytimes.com/2012/08/26/us/x-y.html?pagewanted=2")
