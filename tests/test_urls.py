import pytest
from hypothesis import given, strategies as st

from newscrawler.sources import article_id_of as article_id
from newscrawler.sources.bbc import SOURCE as BBC
from newscrawler.urls import canonical_url

SAME_ARTICLE = [
    "http://news.bbc.co.uk/go/rss/-/1/hi/uk_politics/8064868.stm",
    "http://news.bbc.co.uk/1/hi/uk_politics/8064868.stm",
    "https://news.bbc.co.uk/1/hi/uk_politics/8064868.stm#sa-ns_mchannel=rss&ns_source=PublicRSS20-sa",
    "http://news.bbc.co.uk/2/hi/uk_politics/8064868.stm?ns_campaign=x",
    "http://news.bbc.co.uk/go/rss/int/news/-/1/hi/uk_politics/8064868.stm",
]

SAME_2024_ARTICLE = [
    "https://www.bbc.com/news/articles/cden3j9d1r7o?at_medium=RSS&at_campaign=rss",
    "https://www.bbc.co.uk/news/articles/cden3j9d1r7o?at_medium=RSS&at_campaign=rss#comments",
    "http://bbc.co.uk/news/articles/cden3j9d1r7o",
    "https://www.bbc.co.uk/news/articles/cden3j9d1r7o?utm_source=twitter",
]


@pytest.mark.parametrize("urls", [SAME_ARTICLE, SAME_2024_ARTICLE])
def test_spellings_of_one_article_share_one_identity(urls):
    assert len({article_id(url) for url in urls}) == 1


def test_canonical_bbc_url_is_https_on_bbc_co_uk():
    assert canonical_url("http://www.bbc.com/news/health-54528983", BBC) == "https://www.bbc.co.uk/news/health-54528983"


def test_meaningful_query_parameters_are_kept():
    assert canonical_url("http://127.0.0.1:8000/page?id=7&at_medium=RSS") == "http://127.0.0.1:8000/page?id=7"


def test_different_articles_keep_different_identities():
    assert article_id("https://www.bbc.co.uk/news/health-54528983") != article_id(
        "https://www.bbc.co.uk/news/health-54622059")


@pytest.mark.parametrize("url, kind", [
    ("https://www.bbc.co.uk/news/articles/cden3j9d1r7o", "article"),
    ("https://www.bbc.co.uk/news/health-54528983", "article"),
    ("https://www.bbc.co.uk/news/av/uk-england-dorset-61896381", "article"),
    ("https://news.bbc.co.uk/1/hi/uk_politics/8064868.stm", "article"),
    ("https://www.bbc.co.uk/sport/football/67891234", "article"),
    ("https://www.bbc.co.uk/news/live/c0000000000t", "live"),
    ("https://www.bbc.co.uk/sport/football/live/c1234567890t", "live"),
    ("https://www.bbc.co.uk/news/in-pictures-12345678", "gallery"),
    ("https://news.bbc.co.uk/1/hi/in_pictures/8064868.stm", "gallery"),
    ("https://www.bbc.co.uk/news", "index"),
    ("https://www.bbc.co.uk/news/world", "index"),
    ("https://news.bbc.co.uk/1/hi/uk_politics/default.stm", "index"),
])
def test_page_kind(url, kind):
    assert BBC.page_kind(url) == kind


@given(st.sampled_from(SAME_ARTICLE + SAME_2024_ARTICLE),
       st.dictionaries(st.sampled_from(["at_medium", "at_campaign", "ns_source", "utm_source", "ocid"]),
                       st.text(alphabet="abc123", max_size=5)),
       st.text(alphabet="abc-_=", max_size=10))
def test_tracking_parameters_and_fragments_never_change_identity(url, tracking, fragment):
    base = url.split("#")[0]
    separator = "&" if "?" in base else "?"
    decorated = base + (separator + "&".join(f"{k}={v}" for k, v in tracking.items()) if tracking else "")
    decorated += "#" + fragment
    assert article_id(decorated) == article_id(url)


@given(st.text(max_size=80))
def test_canonical_url_is_idempotent(text):
    url = "https://www.bbc.co.uk/news/" + text
    assert canonical_url(canonical_url(url, BBC), BBC) == canonical_url(url, BBC)
