"""The text blocks of a Washington Post story body, found by markup alone.

Every era puts the story's paragraphs, sub-headings and list items in one or
more body containers, among ads, subscription and newsletter promos, embedded
video, photos and galleries, related-story links and bylines. `body_blocks`
reads the containers in document order with the shared walker
(newscrawler.extraction.text.body_blocks), each list item and 2014-2019
`div.subhead` one block, leaving out whole subtrees that the page marks as something else: by
tag (figures and their captions, asides, forms), by a `data-qa` or
`data-testid` name (`article-body-ad`, `subscribe-promo`, `interstitial-link`,
`article-video`...) or by a class the site gives page furniture
(`hide-for-print`, `interstitial`, `inline-content`, bylines, pull quotes).

Captions are left out: the reference data for this outlet counts the story's
paragraphs and sub-headings only.
"""
from newscrawler.extraction import text

# Elements that never hold story text.
_NON_TEXT_TAGS = frozenset({
    "figure", "figcaption", "aside", "nav", "video", "audio", "picture", "img", "header", "footer", "wp-ad",
})
# Parts of data-qa / data-testid names of boxes that are not the story's text.
_FURNITURE_NAME_PARTS = (
    "-ad", "promo", "subscribe", "newsletter", "interstitial", "video", "image", "gallery",
    "graphic", "embed", "share", "caption", "related", "recirc", "most-read",
)
# Classes of boxes that are not the story's text.
_FURNITURE_CLASSES = frozenset({
    "hide-for-print",  # the site's own mark for ads, promos and tools
    "interstitial", "interstitial-link",  # related-story links between paragraphs
    "inline-content",  # 2017-2019 embedded video, galleries, graphics, tweets
    "subtype-context-box",  # "what to know" boxes of links
    "pb-sig-line", "post-body-sig-line",  # 2014-2019 byline and author bio
    "pin-and-stack", "article-toolbar",  # 2013 byline, time stamp, share tools
    "twitter-tweet", "instagram-media", "tiktok-embed",
})
# wpds pull quotes, which repeat a sentence of the story ("wpds-c-PJLV-fijXse-isStylePullQuote-true").
_PULL_QUOTE_CLASS_SUFFIX = "-isStylePullQuote-true"


def body_blocks(containers) -> list[str]:
    """The text blocks of the containers (lxml elements), in document order."""
    return [block for container in containers if not _is_not_story(container)  # a 2024 block may be a promo
            for block in text.body_blocks(container, skip=_is_not_story, is_block=_is_whole_block)]


def is_furniture(element) -> bool:
    """Whether the element is page furniture (an ad, a promo, a related link...) by its markup."""
    names = (element.get("data-qa") or "") + " " + (element.get("data-testid") or "")
    if any(part in names for part in _FURNITURE_NAME_PARTS):
        return True
    classes = (element.get("class") or "").split()
    return not _FURNITURE_CLASSES.isdisjoint(classes) or any(
        name.endswith(_PULL_QUOTE_CLASS_SUFFIX) for name in classes)


def _is_not_story(element) -> bool:
    return element.tag in _NON_TEXT_TAGS or element.get("hidden") is not None or is_furniture(element)


def _is_whole_block(element) -> bool:
    """List items are one block each, whatever they hold; so are 2014-2019 div.subhead sub-headings."""
    return element.tag == "li" or (element.tag == "div" and text.has_class(element, "subhead"))
