"""The text blocks of a Washington Post story body, found by markup alone.

Every era puts the story's paragraphs, sub-headings and list items in one or
more body containers, among ads, subscription and newsletter promos, embedded
video, photos and galleries, related-story links and bylines. `body_blocks`
walks the containers in document order and keeps each text element whole
(a paragraph, a heading, a list item; a blockquote without paragraphs of its
own), leaving out whole subtrees that the page marks as something else: by
tag (figures and their captions, asides, forms), by a `data-qa` or
`data-testid` name (`article-body-ad`, `subscribe-promo`, `interstitial-link`,
`article-video`...) or by a class the site gives page furniture
(`hide-for-print`, `interstitial`, `inline-content`, bylines, pull quotes).

Captions are left out: the reference data for this outlet counts the story's
paragraphs and sub-headings only.
"""
from lxml import etree

from newscrawler.extraction.text import text_blocks

# Elements whose whole text is one block.
_BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li"})
# Elements that never hold story text.
_NON_TEXT_TAGS = frozenset({
    "script", "style", "noscript", "template", "figure", "figcaption", "aside", "nav",
    "form", "button", "select", "svg", "iframe", "video", "audio", "picture", "img",
    "header", "footer", "wp-ad",
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
    blocks = []
    for container in containers:
        if _is_hidden_or_furniture(container):  # 2024 blocks that are a promo or a box of links
            continue
        for element in _text_elements(container):
            text = " ".join(text_blocks(element, skip=is_furniture))
            if text:
                blocks.append(text)
    return blocks


def is_furniture(element) -> bool:
    """Whether the element is page furniture (an ad, a promo, a related link...) by its markup."""
    names = (element.get("data-qa") or "") + " " + (element.get("data-testid") or "")
    if any(part in names for part in _FURNITURE_NAME_PARTS):
        return True
    classes = (element.get("class") or "").split()
    return not _FURNITURE_CLASSES.isdisjoint(classes) or any(
        name.endswith(_PULL_QUOTE_CLASS_SUFFIX) for name in classes)


def _is_hidden_or_furniture(element) -> bool:
    return element.get("hidden") is not None or is_furniture(element)


def _text_elements(container) -> list:
    elements = []
    walker = etree.iterwalk(container, events=("start",))
    for _, element in walker:
        if element is container:
            continue
        if not isinstance(element.tag, str) or element.tag in _NON_TEXT_TAGS or _is_hidden_or_furniture(element):
            walker.skip_subtree()
        elif _is_text_element(element):
            elements.append(element)
            walker.skip_subtree()
    return elements


def _is_text_element(element) -> bool:
    tag = element.tag
    if tag in _BLOCK_TAGS:
        return True
    if tag == "blockquote":  # the 2013 pages quote several paragraphs split by <br>s
        return next(element.iter("p", "ul", "ol"), None) is None
    return tag == "div" and "subhead" in (element.get("class") or "").split()
