import re
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request, urlopen

import feedparser
import pytest

from tests.reading_data import (
    HOSTILE_URL, HOSTILE_VERSIONS, MINISTER_URL, MINISTER_VERSIONS, crawl_versions, web_view,
)

MINISTER = quote(MINISTER_URL, safe="")
HOSTILE = quote(HOSTILE_URL, safe="")


@pytest.fixture
def site(store):
    """The web view over two stored articles, two changes to a page."""
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    crawl_versions(store, HOSTILE_URL, HOSTILE_VERSIONS)
    with web_view(store, page_size=2) as base_url:
        yield base_url


def fetch(url: str, method: str = "GET"):
    """(status, headers, text) of a page, also for error statuses."""
    try:
        with urlopen(Request(url, method=method), timeout=10) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def rows(page: str) -> list[str]:
    return re.findall(r"<tr>.*?</tr>", page.split("<tbody>", 1)[-1])


def test_list_shows_recent_changes_newest_first_with_pagination(site):
    status, headers, page = fetch(site + "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    first_page = rows(page)
    assert len(first_page) == 2
    assert "2026-11-25 13:00 UTC" in first_page[0] and "2026-11-25 12:00 UTC" in first_page[1]
    assert "1 paragraph edited</a><span class=note>minor: whitespace or punctuation only" in first_page[1]
    assert '<a href="/?page=2">older changes →</a>' in page and "newer changes" not in page
    _, _, page_two = fetch(site + "/?page=2")
    [last] = rows(page_two)
    assert "2026-11-25 11:00 UTC" in last
    assert f'<a href="/compare?url={MINISTER}&amp;from=1&amp;to=2">1 paragraph edited, 1 added, 1 removed; ' \
           "headline changed</a>" in last
    assert '<a href="/">← newer changes</a>' in page_two and "older changes" not in page_two


def test_list_filters_by_significance_and_source(site):
    _, _, page = fetch(site + "/?substantive=1")
    assert len(rows(page)) == 2 and "minor:" not in page
    assert '<input type=checkbox name=substantive value=1 checked>' in page
    _, _, page = fetch(site + "/?source=bbc&substantive=1")
    assert len(rows(page)) == 2 and '<option value="bbc" selected>' in page
    _, _, page = fetch(site + "/?source=guardian")
    assert "No changes found." in page


def test_article_page_summarises_the_article_and_links_its_versions_and_feed(site):
    status, _, page = fetch(site + "/article?url=" + quote("http://bbc.com/news/uk-politics-12345678?utm_source=x"))
    assert status == 200
    assert "<h1>Minister rejects plan</h1>" in page
    assert "<dt>Source</dt><dd>bbc</dd>" in page
    assert f'<dd><a href="{MINISTER_URL}">{MINISTER_URL}</a></dd>' in page
    assert "<dt>First seen</dt><dd>2026-11-25 09:00 UTC</dd>" in page
    assert "<dd>3; the article has changed 2 times</dd>" in page
    assert ("<dt>Last change</dt><dd>2026-11-25 12:00 UTC: 1 paragraph edited "
            "(minor: whitespace or punctuation only)</dd>") in page
    assert "<dt>Status</dt><dd>still being checked, next check 2026-11-25 12:30 UTC</dd>" in page
    assert f'href="/feed.xml?url={MINISTER}"' in page
    versions = rows(page)
    assert [re.search(r"<td>(\d+)</td>", row)[1] for row in versions] == ["1", "2", "3"]
    assert f'href="/compare?url={MINISTER}&amp;from=2&amp;to=3"' in versions[2]


def test_comparison_shows_both_versions_with_word_marks(site):
    status, _, page = fetch(f"{site}/compare?url={MINISTER}&from=1&to=2")
    assert status == 200
    assert "<th>Version 1, 2026-11-25 09:00 UTC</th><th>Version 2, 2026-11-25 11:00 UTC</th>" in page
    assert ('<tr class="headline edited"><td class=old><strong>Minister <del>backs</del> plan</strong></td>'
            "<td class=new><strong>Minister <ins>rejects</ins> plan</strong></td></tr>") in page
    assert ("<td class=old>The minister said she would <del>support</del> the plan in full.</td>"
            "<td class=new>The minister said she would <ins>oppose</ins> the plan in full.</td>") in page
    assert ('<tr class="paragraph removed"><td class=old><del>Critics called it a waste of money.</del></td>'
            '<td class="new empty"></td></tr>') in page
    assert f'<a href="/compare?url={MINISTER}&amp;from=2&amp;to=3">next change</a>' in page


def test_comparison_defaults_to_the_last_two_versions(site):
    _, _, page = fetch(f"{site}/compare?url={MINISTER}")
    assert "<th>Version 2, 2026-11-25 11:00 UTC</th><th>Version 3, 2026-11-25 12:00 UTC</th>" in page
    assert "<del>Monday.</del>" in page and "<ins>Monday!</ins>" in page
    assert "(minor: whitespace or punctuation only)" in page


@pytest.mark.parametrize("path", ["/", f"/article?url={HOSTILE}", f"/compare?url={HOSTILE}"])
def test_article_text_is_escaped_everywhere(site, path):
    _, _, page = fetch(site + path)
    assert "<script" not in page and "<img" not in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;document.title=&#x27;pwned-headline&#x27;&lt;/script&gt; Hostile" in page


def test_comparison_of_hostile_text_shows_it_as_marked_text(site):
    _, _, page = fetch(f"{site}/compare?url={HOSTILE}")
    assert ("<ins>&lt;a href=&quot;javascript:document.body.setAttribute(&#x27;data-pwned&#x27;,&#x27;2&#x27;)"
            "&quot;&gt;click me&lt;/a&gt;</ins>") in page


def test_an_address_that_is_not_http_is_shown_but_not_linked(site, store):
    script_address = "javascript:document.body.setAttribute('data-pwned','4')"
    crawl_versions(store, script_address, MINISTER_VERSIONS[:1])
    status, _, page = fetch(site + "/article?url=" + quote(script_address))
    assert status == 200
    assert "<dt>Address</dt><dd>javascript:document.body.setAttribute(&#x27;data-pwned&#x27;,&#x27;4&#x27;)</dd>" in page
    assert 'href="javascript:' not in page


def test_pages_forbid_scripts(site):
    for path in ("/", f"/article?url={MINISTER}", f"/compare?url={MINISTER}", "/nowhere"):
        _, headers, _ = fetch(site + path)
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_pages_articles_and_versions_are_not_found(site):
    status, _, page = fetch(site + "/article?url=" + quote("https://www.bbc.co.uk/news/uk-00000000"))
    assert status == 404 and "No article with this address is tracked." in page
    assert fetch(f"{site}/compare?url={MINISTER}&from=3&to=9")[0] == 404
    assert fetch(site + "/nowhere")[0] == 404
    assert fetch(f"{site}/compare?url={MINISTER}&from=one")[0] == 400
    assert fetch(site + "/article")[0] == 400
    assert fetch(site + "/", method="POST")[0] == 405


def test_feeds_over_http(site):
    status, headers, text = fetch(site + "/feed.xml")
    assert status == 200 and headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    everything = feedparser.parse(text)
    assert everything.bozo == 0 and len(everything.entries) == 3
    assert everything.entries[0].link == f"{site}/compare?url={HOSTILE}&from=1&to=2"
    assert len(feedparser.parse(fetch(site + "/feed.xml?source=bbc")[2]).entries) == 3
    assert feedparser.parse(fetch(site + "/feed.xml?source=guardian")[2]).entries == []
    article_feed = feedparser.parse(fetch(f"{site}/feed.xml?url={MINISTER}")[2])
    assert article_feed.bozo == 0 and len(article_feed.entries) == 2
    assert article_feed.feed.title == "Changes to “Minister rejects plan”"
    assert fetch(site + "/feed.xml?url=" + quote("https://www.bbc.co.uk/news/uk-00000000"))[0] == 404


def test_stylesheet_is_served(site):
    status, headers, text = fetch(site + "/style.css")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8" and "del" in text
