import xml.etree.ElementTree as ET

import feedparser

from newscrawler.reading.feeds import changes_feed
from tests.reading_data import HOSTILE_URL, HOSTILE_VERSIONS, MINISTER_URL, MINISTER_VERSIONS, T0, change_documents

BASE_URL = "http://127.0.0.1:8080"
MINISTER_CHANGES = change_documents(MINISTER_URL, MINISTER_VERSIONS)
HOSTILE_CHANGES = change_documents(HOSTILE_URL, HOSTILE_VERSIONS)
ALL_CHANGES = sorted(MINISTER_CHANGES + HOSTILE_CHANGES, key=lambda change: change["detected_at"], reverse=True)


def parse(feed: bytes):
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    return parsed


def test_overall_feed_has_one_entry_per_change_linking_to_its_comparison():
    parsed = parse(changes_feed(ALL_CHANGES, BASE_URL + "/"))
    assert parsed.feed.title == "Latest changes in tracked news articles"
    assert parsed.feed.link == BASE_URL + "/"
    assert len(parsed.entries) == 3
    newest_minister = parsed.entries[1]
    assert newest_minister.link == (f"{BASE_URL}/compare?url=https%3A%2F%2Fwww.bbc.co.uk%2Fnews%2F"
                                    "uk-politics-12345678&from=2&to=3")
    assert newest_minister.id == newest_minister.link
    assert newest_minister.title == "Minister rejects plan"
    assert newest_minister.published_parsed[:5] == (2026, 11, 25, 12, 0)
    assert newest_minister.summary.startswith("1 paragraph edited (minor: whitespace or punctuation only); "
                                              "version 2 to 3 of https://www.bbc.co.uk/news/uk-politics-12345678")


def test_entry_summarises_the_change():
    parsed = parse(changes_feed(MINISTER_CHANGES, BASE_URL))
    assert parsed.entries[1].summary.startswith(
        "1 paragraph edited, 1 added, 1 removed; headline changed (substantive)")


def test_source_and_article_feeds_link_to_their_pages():
    source_feed = parse(changes_feed(ALL_CHANGES, BASE_URL, source="bbc"))
    assert source_feed.feed.title == "Latest changes in bbc articles"
    assert source_feed.feed.link == BASE_URL + "/?source=bbc"
    article = {"_id": MINISTER_URL, "headline": "Minister rejects plan"}
    article_feed = parse(changes_feed(MINISTER_CHANGES, BASE_URL, article=article))
    assert article_feed.feed.title == "Changes to “Minister rejects plan”"
    assert article_feed.feed.link == BASE_URL + "/article?url=https%3A%2F%2Fwww.bbc.co.uk%2Fnews%2Fuk-politics-12345678"
    assert [entry.link.rsplit("&", 2)[1:] for entry in article_feed.entries] == [["from=2", "to=3"],
                                                                                ["from=1", "to=2"]]


def test_markup_in_headlines_is_escaped_text_in_the_xml():
    feed = changes_feed(HOSTILE_CHANGES, BASE_URL)
    [title] = [item.findtext("title") for item in ET.fromstring(feed).iter("item")]
    assert title == "<script>document.title='pwned-headline'</script> Hostile"
    assert b"<script>" not in feed and b"&lt;script&gt;" in feed


def one_line(text: str) -> str:
    """A feed description as a reader shows it: line breaks are spaces in HTML."""
    return " ".join(text.split())


def test_empty_feed_is_valid():
    assert parse(changes_feed([], BASE_URL)).entries == []


def test_entries_quote_the_removed_and_inserted_words():
    parsed = parse(changes_feed(MINISTER_CHANGES, BASE_URL))
    assert one_line(parsed.entries[1].summary).endswith(
        "of https://www.bbc.co.uk/news/uk-politics-12345678. Headline: removed “backs”; inserted “rejects”. "
        "Paragraph 2: removed “support”; inserted “oppose”. Paragraph removed: “Critics called it a waste of "
        "money.”. Paragraph 3 added: “A vote is expected next week.”.")
    assert one_line(parsed.entries[0].summary).endswith("Paragraph 1: removed “Monday.”; inserted “Monday!”.")


def test_a_change_of_many_paragraphs_quotes_the_first_ones_and_counts_the_rest():
    old = [f"Paragraph {n} says one thing." for n in range(1, 16)]
    new = [text.replace("one", "another") for text in old]
    [change] = change_documents(MINISTER_URL, [(T0, "Headline", old), (T0, "Headline", new)])
    [entry] = parse(changes_feed([change], BASE_URL)).entries
    assert entry.summary.count("removed “one”; inserted “another”") == 10
    assert one_line(entry.summary).endswith("Paragraph 10: removed “one”; inserted “another”. 5 more paragraphs changed.")
    change.update(summarised=True, paragraphs=None)
    [entry] = parse(changes_feed([change], BASE_URL)).entries
    assert one_line(entry.summary).endswith("; version 1 to 2 of https://www.bbc.co.uk/news/uk-politics-12345678. "
                                  "15 paragraphs changed (too many to store their words).")


def test_long_quotes_are_cut_and_markup_stays_text():
    [change] = change_documents(HOSTILE_URL, [(T0, "H", ["Intro."]), (T0, "H", ["Intro.", "word " * 100])])
    [entry] = ET.fromstring(changes_feed([change], BASE_URL)).iter("item")
    description = entry.findtext("description")
    assert description.endswith("Paragraph 2 added: “" + " ".join(["word"] * 40) + " …”.")
    hostile = changes_feed(HOSTILE_CHANGES, BASE_URL)
    [item] = ET.fromstring(hostile).iter("item")
    # a reader takes the description for HTML: quoted markup arrives escaped, to be shown as text
    assert ("inserted “&lt;script&gt;document.title='pwned-headline'&lt;/script&gt; Hostile”"
            in item.findtext("description"))
    assert b"<script>" not in hostile and b"&amp;lt;script&amp;gt;document.body" in hostile
    [entry] = parse(hostile).entries
    assert "<script" not in entry.summary and "<img" not in entry.summary
