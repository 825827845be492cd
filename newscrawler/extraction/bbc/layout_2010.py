"""Story pages from 2010 to early 2015: the last news.bbc.co.uk `.stm` pages
(`div#story-body`) and the bbc.co.uk/news pages that followed (`div.story-body`).

The story's own text is the body container's direct children: paragraphs,
cross-heads and bulleted lists. Everything else in the container (video and
its caption, image captions, "story-feature" boxes, market data, embedded
indexes, twitter modules, reader comments) is a nested box and is left out.
"""
from parsel import Selector

from newscrawler.extraction.text import byline_from, parse_utc, visible_text, visible_texts

_STORY_BODY = "div#story-body, div.story-body"
_STORY_BLOCKS = "./p | ./*[contains(@class, 'cross-head')] | ./ul/li"
# The article's own byline, not those of analysis boxes inside the story.
_BYLINE_NAME = "./*[contains(@class, 'byline')]//*[contains(@class, 'byline-name')]"


def matches(selector: Selector) -> bool:
    return bool(selector.css(_STORY_BODY))


def headline(selector: Selector) -> str:
    heading = selector.css("h1.story-header, #meta-information h1")
    return visible_text(heading[0]) if heading else ""


def body(selector: Selector) -> list[str]:
    story = selector.css(_STORY_BODY)
    return visible_texts(story[0].xpath(_STORY_BLOCKS)) if story else []


def byline(selector: Selector) -> str | None:
    story = selector.css(_STORY_BODY)
    names = story[0].xpath(_BYLINE_NAME) if story else []
    return byline_from(visible_texts(names))


def published(selector: Selector):
    return parse_utc(selector.css('meta[name="OriginalPublicationDate"]::attr(content)').get())


def modified(selector: Selector):
    return None
