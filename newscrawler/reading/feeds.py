"""RSS 2.0 feeds of detected changes: overall, per source and per article.

Pure: takes change documents as stored and the web view's base URL (from
configuration, never from a request), returns the feed as UTF-8 bytes. Each entry (its GUID the
change record's id) links to the change's comparison page, says what changed
in one line, then quotes the words removed and inserted: the `diff_text`
stored with the change, or, for a record stored before it, computed from the
paragraph ops it carries (bounded either way).
"""
import html
import re
import xml.etree.ElementTree as ET
from email.utils import format_datetime

from newscrawler.changewords import diff_text
from newscrawler.reading.presentation import (
    article_path, as_utc, change_summary, compare_path, feed_path, list_path, significance,
)

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("atom", ATOM)

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def changes_feed(changes: list[dict], base_url: str, source: str | None = None,
                 article: dict | None = None) -> bytes:
    """The feed of `changes` (newest first): of one article, of one source, or of everything."""
    base_url = base_url.rstrip("/")
    article_id = article["_id"] if article else None
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", _feed_title(source, article))
    _text(channel, "link", base_url + (article_path(article_id) if article else list_path(source)))
    _text(channel, "description", "Changes detected in tracked news articles")
    ET.SubElement(channel, f"{{{ATOM}}}link", rel="self", type="application/rss+xml",
                  href=base_url + feed_path(source=source, article_id=article_id))
    if changes:
        _text(channel, "lastBuildDate", _rfc822(changes[0]["detected_at"]))
    for change in changes:
        _add_entry(channel, change, base_url)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def _feed_title(source: str | None, article: dict | None) -> str:
    if article:
        return f"Changes to “{article.get('headline') or article['_id']}”"
    if source:
        return f"Latest changes in {source} articles"
    return "Latest changes in tracked news articles"


def _add_entry(channel: ET.Element, change: dict, base_url: str) -> None:
    link = base_url + compare_path(change["article_id"], change["from_version"], change["to_version"])
    item = ET.SubElement(channel, "item")
    _text(item, "title", change.get("new_headline") or change["url"])
    _text(item, "link", link)
    summary = (f"{change_summary(change)} ({significance(change)}); "
               f"version {change['from_version']} to {change['to_version']} of {change['url']}")
    words = change.get("diff_text") or diff_text(change)
    # A description is HTML to feed readers: quoted article text must stay text.
    _text(item, "description", html.escape(f"{summary}.\n{words}" if words else summary, quote=False))
    _text(item, "category", change["source"])
    _text(item, "pubDate", _rfc822(change["detected_at"]))
    guid = f"urn:newscrawler:change:{change['_id']}" if "_id" in change else link
    ET.SubElement(item, "guid", isPermaLink="false" if "_id" in change else "true").text = guid


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = _NOT_XML.sub("", text)


def _rfc822(moment) -> str:
    return format_datetime(as_utc(moment), usegmt=True)
