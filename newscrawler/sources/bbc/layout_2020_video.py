"""Video pages (`news/av/...`) of the 2020s component-built site.

There is no article, only a video and a text summary under it; the summary is
tracked like an article body. The page's components carry CSS-in-JS class
names such as "ssrcss-1up5zkp-StyledSummary", whose readable suffix is stable.
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import class_containing, css, xpath
from newscrawler.extraction.text import json_ld_value, parse_utc, visible_texts

_SUMMARY = class_containing("//*", "-StyledSummary")
_MEDIA_ITEM = class_containing("//*", "-StyledMediaItem")
_SUMMARIES = xpath(_SUMMARY)
_SUMMARY_PARAGRAPHS = xpath(_SUMMARY + "//p")
_MEDIA_TIME = xpath(_MEDIA_ITEM + "//time/@datetime")
_HEADING = css("h1#main-heading")


class Bbc2020Video(Layout):
    name = "bbc-2020-video"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_SUMMARIES))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADING)

    def body(self, page: Page) -> list[str]:
        return visible_texts(page.find(_SUMMARY_PARAGRAPHS))

    def byline(self, page: Page) -> str | None:
        # Credits ("Video journalist: ...") are part of the summary text.
        return None

    def published(self, page: Page):
        return parse_utc(json_ld_value(page.json_ld, "uploadDate")) or parse_utc(page.first(_MEDIA_TIME))

    def modified(self, page: Page):
        return None
