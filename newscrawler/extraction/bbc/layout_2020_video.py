"""Video pages (`news/av/...`) of the 2020s component-built site.

There is no article, only a video and a text summary under it; the summary is
tracked like an article body. The page's components carry CSS-in-JS class
names such as "ssrcss-1up5zkp-StyledSummary", whose readable suffix is stable.
"""
from parsel import Selector

from newscrawler.extraction.text import json_ld_value, parse_utc, visible_text, visible_texts

_SUMMARY = '//*[contains(@class, "-StyledSummary")]'
_MEDIA_ITEM = '//*[contains(@class, "-StyledMediaItem")]'


def matches(selector: Selector) -> bool:
    return bool(selector.xpath(_SUMMARY))


def headline(selector: Selector) -> str:
    heading = selector.css("h1#main-heading")
    return visible_text(heading[0]) if heading else ""


def body(selector: Selector) -> list[str]:
    return visible_texts(selector.xpath(_SUMMARY + "//p"))


def byline(selector: Selector) -> str | None:
    # Credits ("Video journalist: ...") are part of the summary text.
    return None


def published(selector: Selector):
    return parse_utc(json_ld_value(selector, "uploadDate")) or parse_utc(
        selector.xpath(_MEDIA_ITEM + "//time/@datetime").get()
    )


def modified(selector: Selector):
    return None
