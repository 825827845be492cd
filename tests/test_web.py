import html
import os
import random
import re
import socket
import threading
import time
from datetime import timedelta
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request, urlopen

import feedparser
import pytest

from newscrawler.reading import presentation, web
from newscrawler.reading.presentation import ROWS_PER_PAGE, compare_versions
from newscrawler.sources import article_id_of as article_id
from newscrawler.diffing import diff_blocks
from tests.reading_data import (
    HOSTILE_URL, HOSTILE_VERSIONS, MINISTER_URL, MINISTER_VERSIONS, T0, crawl_versions, long_body, long_versions,
    web_view,
)

MINISTER = quote(MINISTER_URL, safe="")
HOSTILE = quote(HOSTILE_URL, safe="")
LONG_URL = "https://www.bbc.co.uk/news/world-11223344"
LONG = quote(LONG_URL, safe="")


@pytest.fixture
def site(store):
    """The web view over two stored articles, two changes to a page."""
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    crawl_versions(store, HOSTILE_URL, HOSTILE_VERSIONS)
    with web_view(store, page_size=2) as base_url:
        yield base_url


def fetch(url: str, method: str = "GET", headers: dict | None = None):
    """(status, headers, text) of a page, also for error statuses."""
    try:
        with urlopen(Request(url, method=method, headers=headers or {}), timeout=10) as response:
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
    assert "<th></th><th>Version 1, 2026-11-25 09:00 UTC</th><th>Version 2, 2026-11-25 11:00 UTC</th>" in page
    assert ('<td class=old><strong>Minister <del>backs</del> plan</strong></td>'
            "<td class=new><strong>Minister <ins>rejects</ins> plan</strong></td></tr>") in page
    assert ("<td class=old>The minister said she would <del>support</del> the plan in full.</td>"
            "<td class=new>The minister said she would <ins>oppose</ins> the plan in full.</td>") in page
    assert ('<td class=old><del>Critics called it a waste of money.</del></td>'
            '<td class="new empty"></td></tr>') in page
    assert f'<a href="/compare?url={MINISTER}&amp;from=2&amp;to=3">next change</a>' in page


def test_comparison_marks_each_changed_row_and_links_them_in_order(site):
    _, _, page = fetch(f"{site}/compare?url={MINISTER}&from=1&to=2")
    changed = re.findall(r'<tr id=change-(\d+) class="(\w+) (\w+)"><td class=mark>(.*?)</td>', page)
    assert [(number, role, kind) for number, role, kind, _ in changed] == [
        ("1", "headline", "edited"), ("2", "paragraph", "edited"), ("3", "paragraph", "removed"),
        ("4", "paragraph", "added")]
    margins = [mark for *_, mark in changed]
    assert margins[0] == '<span title="edited">~</span><br><a href="#change-2" title="next change">↓</a>'
    assert margins[2] == ('<span title="removed">−</span><br><a href="#change-2" title="previous change">↑</a> '
                          '<a href="#change-4" title="next change">↓</a>')
    assert margins[3] == '<span title="added">+</span><br><a href="#change-3" title="previous change">↑</a>'
    assert '<a href="#change-1">↓ first change</a> (4 changed rows on this page)' in page
    unchanged = re.search(r'<tr class="paragraph equal">(<td.*?)</tr>', page)[1]
    assert unchanged.startswith("<td class=mark></td><td class=old>The plan was published on Monday.</td>")


def test_comparison_defaults_to_the_last_two_versions(site):
    _, _, page = fetch(f"{site}/compare?url={MINISTER}")
    assert "<th>Version 2, 2026-11-25 11:00 UTC</th><th>Version 3, 2026-11-25 12:00 UTC</th>" in page
    assert "<del>Monday.</del>" in page and "<ins>Monday!</ins>" in page
    assert "(minor: whitespace or punctuation only)" in page


@pytest.mark.parametrize("path", ["/", f"/article?url={HOSTILE}", f"/compare?url={HOSTILE}", "/articles",
                                  "/articles?q=hostile", f"/compare?url={HOSTILE}&full=1"])
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
    assert "Paragraph 2: removed “support”; inserted “oppose”." in article_feed.entries[1].summary
    assert fetch(site + "/feed.xml?url=" + quote("https://www.bbc.co.uk/news/uk-00000000"))[0] == 404


def test_stylesheet_is_served(site):
    status, headers, text = fetch(site + "/style.css")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8" and "del" in text


# Bad input is a client error, never a server error

@pytest.mark.parametrize("path, status", [
    ("/?page=9223372036854775807", 400),
    ("/?page=0", 400),
    (f"/compare?url={MINISTER}&to={2**63}", 400),
    (f"/compare?url={MINISTER}&from=-1&to=2", 400),
    (f"/compare?url={MINISTER}&from=1&to=2&page=9223372036854775807", 400),
    (f"/compare?url={MINISTER}&from=1&to=2&page=2", 404),
    ("/article?url=" + quote("http://["), 400),
    ("/article?url=" + quote("http://example.com:70000/news/uk-1"), 400),
    ("/feed.xml?url=" + quote("http://["), 400),
    ("/articles?q=" + quote("http://["), 400),
    ("/articles?page=9223372036854775807", 400),
])
def test_out_of_range_numbers_and_unreadable_addresses_are_client_errors(site, path, status):
    code, _, page = fetch(site + path)
    assert code == status
    assert f"<h1>{code} " in page


def test_an_unexpected_failure_is_a_logged_500_page(site, store, monkeypatch, caplog):
    monkeypatch.setattr(store, "find_changes", lambda **query: 1 / 0)
    status, headers, page = fetch(site + "/")
    assert status == 500 and "Something went wrong" in page and "ZeroDivisionError" not in page
    assert "Could not answer /" in caplog.text and "ZeroDivisionError" in caplog.text
    assert "script-src 'none'" in headers["Content-Security-Policy"]


# Feeds link to the configured address, whatever the request says

def feed_links(text: str) -> list[str]:
    return re.findall(r"<link>(.*?)</link>", text) + re.findall(r'<atom:link [^>]*href="(.*?)"', text)


def test_feed_links_start_with_the_configured_base_url_whatever_the_host_header(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    with web_view(store, base_url="https://news.example.org/watch/") as site:
        _, _, text = fetch(site + "/feed.xml", headers={"Host": "evil.example"})
        _, _, article_feed = fetch(f"{site}/feed.xml?url={MINISTER}", headers={"Host": "evil.example"})
    links = feed_links(text) + feed_links(article_feed)
    assert len(links) == 8
    assert all(link.startswith("https://news.example.org/watch/") for link in links), links
    assert "evil.example" not in text + article_feed


def test_feed_links_default_to_the_address_the_view_listens_on(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    with web_view(store) as site:
        _, _, text = fetch(site + "/feed.xml", headers={"Host": "evil.example:666"})
    assert all(link.startswith(site + "/") for link in feed_links(text)), feed_links(text)


# Serving: a fixed pool of threads, idle connections closed

def open_idle_connections(address: tuple[str, int], count: int) -> list[socket.socket]:
    """Connections that send half a request and then nothing."""
    connections = []
    for _ in range(count):
        connection = socket.create_connection(address, timeout=10)
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        connections.append(connection)
    return connections


def test_four_hundred_idle_connections_hold_no_thread_and_do_not_block_a_request(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    with web_view(store, threads=2) as site:
        fetch(site + "/")  # the request threads are started
        threads_before = threading.active_count()
        port = int(site.rsplit(":", 1)[1])
        idle = open_idle_connections(("127.0.0.1", port), 400)
        try:
            started = time.monotonic()
            status, _, page = fetch(site + "/")
            assert status == 200 and "Minister rejects plan" in page
            assert time.monotonic() - started < 5
            assert threading.active_count() <= threads_before
        finally:
            for connection in idle:
                connection.close()


def test_an_idle_connection_is_closed_after_the_timeout(store):
    with web_view(store, timeout=1) as site:
        [connection] = open_idle_connections(("127.0.0.1", int(site.rsplit(":", 1)[1])), 1)
        with connection:
            connection.settimeout(8)
            started = time.monotonic()
            assert connection.recv(1024) == b""  # closed by the server, not answered
            assert time.monotonic() - started < 8


# Long comparisons: the stored alignment, unchanged runs folded, pages

def rows_of_comparison(page: str) -> list[str]:
    return re.findall(r"<tr(?: id=change-\d+)? class=\"paragraph \w+\">", page)


def test_long_unchanged_runs_are_folded_around_a_change(store):
    crawl_versions(store, LONG_URL, long_versions(1500, edited=[750]))
    with web_view(store) as site:
        status, _, page = fetch(f"{site}/compare?url={LONG}")
        assert status == 200
        assert len(page.encode()) < 10_000  # it was 270 kB, every paragraph in full
        assert len(rows_of_comparison(page)) == 7  # the edit and three paragraphs either side
        folds = re.findall(r"<tr class=fold><td class=mark>⋯</td><td colspan=2>(.*?)</td></tr>", page)
        assert [html.unescape(fold).split(" · ")[0] for fold in folds] == [
            "747 unchanged paragraphs (1 to 747 of version 2)", "746 unchanged paragraphs (755 to 1,500 of version 2)"]
        assert "Paragraph 748:" in page and "Paragraph 754:" in page and "Paragraph 747:" not in page
        unfold = html.unescape(re.search(r'<a href="([^"]*)">show them</a>', folds[1])[1])
        status, _, unfolded = fetch(site + unfold)
        assert status == 200 and "full=1" in unfold
        assert "Paragraph 755:" in unfolded and len(rows_of_comparison(unfolded)) <= ROWS_PER_PAGE
        _, _, everything = fetch(f"{site}/compare?url={LONG}&full=1")
        assert len(rows_of_comparison(everything)) == ROWS_PER_PAGE and "page 1 of 8" in everything


def test_the_comparison_of_consecutive_versions_is_the_stored_alignment(store):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    record = store.change(article_id(MINISTER_URL), 2)
    [edited] = [op for op in record["paragraphs"] if op["op"] == "edited"]
    edited["words"] = [["equal", "The minister said she would "], ["delete", "STORED"], ["insert", "ALIGNMENT"],
                       ["equal", " the plan in full."]]
    store.db.changes.replace_one({"_id": record["_id"]}, record)
    with web_view(store) as site:
        _, _, page = fetch(f"{site}/compare?url={MINISTER}&from=1&to=2")
    assert "<del>STORED</del>" in page and "<ins>ALIGNMENT</ins>" in page and "<del>support</del>" not in page


def test_a_summarised_change_record_is_compared_in_pages_of_bounded_work(store):
    crawl_versions(store, LONG_URL, long_versions(600))  # every paragraph edited
    store.db.changes.update_one({"article_id": LONG_URL}, {"$set": {"summarised": True},
                                                          "$unset": {"paragraphs": ""}})
    with web_view(store) as site:
        status, _, first = fetch(f"{site}/compare?url={LONG}")
        assert status == 200
        assert "600 paragraphs edited" in first  # the record's counts
        count = int(re.search(r"page 1 of (\d+)", first)[1])
        assert 1 < count <= 2 * 1200 // ROWS_PER_PAGE + 1
        assert 0 < len(rows_of_comparison(first)) <= ROWS_PER_PAGE
        assert "<del></del>" not in first and "<ins>indeed</ins>" in first
        next_page = html.unescape(re.search(r'<a href="([^"]*)">next page →</a>', first)[1])
        _, _, second = fetch(site + next_page)
        assert "page 2 of" in second and "← previous page" in second
        _, _, last = fetch(f"{site}/compare?url={LONG}&page={count}")
        assert "Paragraph 600: <ins>indeed</ins>" in last and "next page" not in last
        assert fetch(f"{site}/compare?url={LONG}&page={count + 1}")[0] == 404


def revision(version: int, body: list[str]) -> dict:
    return {"version": version, "headline": "Long", "body": body}


def test_a_page_of_a_long_comparison_pairs_only_its_own_paragraphs(monkeypatch):
    old = long_body(5000)
    new = [text.replace(":", ": indeed", 1) for text in old]
    paired = []
    monkeypatch.setattr(presentation, "diff_blocks", lambda a, b: paired.append(len(a) + len(b)) or diff_blocks(a, b))
    comparison = compare_versions(revision(1, old), revision(2, new))
    page = comparison.page(1)
    assert sum(paired) <= 2 * ROWS_PER_PAGE
    assert 0 < len(page.rows) <= ROWS_PER_PAGE and page.count > 40
    paired.clear()
    last = comparison.page(page.count)
    assert sum(paired) <= 2 * ROWS_PER_PAGE
    assert "".join(text for _, text in last.rows[-1].new) == "Paragraph 5000: indeed " + old[-1].split(": ", 1)[1]
    assert comparison.counts is None and comparison.significance == "not classified: too long to compare in full"


def test_unchanged_paragraphs_follow_from_the_changed_ones(store):
    """A stored alignment read without its "equal" ops is the same alignment."""
    rng = random.Random(20261125)
    words = "a b c d e f g".split()
    for _ in range(300):
        old = [" ".join(rng.choice(words) for _ in range(5)) for _ in range(rng.randint(0, 10))]
        new = list(old)
        for _ in range(rng.randint(0, 4)):
            roll, position = rng.random(), rng.randint(0, len(new))
            if roll < 0.3 and position < len(new):
                new[position] += " x"
            elif roll < 0.5 and position < len(new):
                del new[position]
            elif roll < 0.75:
                new.insert(position, " ".join(rng.choice(words) for _ in range(5)))
            elif len(new) > 1:
                first, second = rng.sample(range(len(new)), 2)
                new[first], new[second] = new[second], new[first]
        ops = diff_blocks(old, new)
        changed_only = [op for op in ops if op["op"] != "equal"]
        stretches = presentation._stretches_from_ops(changed_only, len(old), len(new))
        rebuilt = [op for stretch in stretches for op in (
            [{"op": "equal", "old_index": i, "new_index": j} for i, j in stretch.equal]
            if stretch.kind == "equal" else stretch.ops)]
        assert rebuilt == ops, (old, new)


# Tracked articles: totals, list, search

def test_articles_page_lists_every_tracked_article_with_totals(site, store):
    crawl_versions(store, "https://www.bbc.co.uk/news/science-55555555",
                   [(MINISTER_VERSIONS[0][0], "Unchanged science story", ["Only one version."])])
    status, _, page = fetch(site + "/articles")
    assert status == 200
    assert '<a href="/articles?source=bbc">bbc</a></td><td><a href="/articles?source=bbc&amp;status=active">active' \
           "</a></td><td>3</td>" in page
    assert "6 versions stored; 0 changes in the last day" in page  # the view's clock is real time
    listed = rows(page.split("</div>", 1)[1])  # most recently changed first
    assert len(listed) == 2 and "Hostile" in listed[0] and "Minister rejects plan" in listed[1]
    assert '<a href="/articles?page=2">next page →</a>' in page
    _, _, second = fetch(site + "/articles?page=2")
    [last] = rows(second.split("</div>", 1)[1])
    assert "Unchanged science story" in last and "<td>active</td><td>1</td>" in last
    _, _, stopped = fetch(site + "/articles?status=stopped")
    assert "No tracked article found." in stopped


def test_the_articles_list_reaches_articles_last_changed_years_ago_in_order(store):
    """The list is read in windows of last_changed (secantusdb reads a whole index
    range before it limits): articles far apart in time still come in order."""
    old_url, new_url = "https://www.bbc.co.uk/news/uk-10000001", "https://www.bbc.co.uk/news/uk-10000002"
    crawl_versions(store, old_url, [(T0 - timedelta(days=900), "Years old story", ["Written long ago."])])
    crawl_versions(store, new_url, [(T0, "Recent story", ["Written lately."])])
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    listed = [article["headline"] for article in store.list_articles(limit=10)]
    assert listed == ["Minister rejects plan", "Recent story", "Years old story"]
    assert [article["headline"] for article in store.list_articles(skip=2, limit=5)] == ["Years old story"]
    assert store.list_articles(status="stopped") == []


def test_a_slow_count_of_the_totals_never_holds_up_the_articles_page(store, monkeypatch):
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    count_may_finish, real_totals = threading.Event(), store.article_totals

    def slow_totals(now):
        count_may_finish.wait(20)
        return real_totals(now)

    monkeypatch.setattr(store, "article_totals", slow_totals)
    with web_view(store) as base_url:
        started = time.monotonic()
        status, _, first = fetch(base_url + "/articles")
        assert status == 200 and time.monotonic() - started < web.TOTALS_WAIT_SECONDS + 3
        assert "Being counted" in first and "Minister rejects plan" in first
        count_may_finish.set()
        deadline = time.monotonic() + 10
        while "versions stored" not in (page := fetch(base_url + "/articles")[2]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "3 versions stored" in page and "Being counted" not in page


def test_search_finds_articles_by_headline_words_in_any_case_or_by_address(site, store):
    crawl_versions(store, "https://www.bbc.co.uk/news/science-55555555",
                   [(MINISTER_VERSIONS[0][0], "Unchanged science story", ["Only one version."])])
    _, _, home = fetch(site + "/")
    assert '<form method=get action="/articles">' in home and "name=q" in home
    _, _, found = fetch(site + "/articles?q=" + quote("SCIENCE story"))
    assert "Tracked articles matching “SCIENCE story”" in found
    assert [re.search(r">([^<]+)</a>", row)[1] for row in rows(found)] == ["Unchanged science story"]
    _, _, by_address = fetch(site + "/articles?q=" + quote("http://bbc.com/news/uk-politics-12345678?at_medium=x"))
    assert [re.search(r">([^<]+)</a>", row)[1] for row in rows(by_address)] == ["Minister rejects plan"]
    _, _, by_prefix = fetch(site + "/articles?q=" + quote("www.bbc.co.uk/news/"))
    assert len(rows(by_prefix)) == 2 and "next page" in by_prefix
    _, _, hostile = fetch(site + "/articles?q=" + quote("<script>"))
    assert len(rows(hostile)) == 1 and "<script>" not in hostile and "“&lt;script&gt;”" in hostile
    _, _, nothing = fetch(site + "/articles?q=" + quote("science minister"))
    assert "No tracked article found." in nothing


def test_head_answers_the_headers_of_get_without_the_body(site):
    status, headers, body = fetch(site + "/", method="HEAD")
    _, get_headers, page = fetch(site + "/")
    assert status == 200 and body == ""
    assert headers["Content-Length"] == get_headers["Content-Length"] == str(len(page.encode()))


def test_connections_numbered_past_1024_are_served(store):
    """select() cannot watch descriptors from 1024 on: a server under load must poll."""
    crawl_versions(store, MINISTER_URL, MINISTER_VERSIONS)
    held = [os.pipe() for _ in range(520)]  # the next descriptors are numbered past 1024
    try:
        with web_view(store) as site:
            status, _, _ = fetch(site + "/")
            assert status == 200
    finally:
        for pipe in held:
            os.close(pipe[0])
            os.close(pipe[1])
