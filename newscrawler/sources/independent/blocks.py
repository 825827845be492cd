"""Text blocks of an Independent article body, shared by its layout eras.

Every era keeps the story in one container (`div.articleContent`,
`div[itemprop=articleBody]`, `div#main`) that also holds page furniture:
related-story boxes, embedded galleries and tweets, topic lists, share
buttons, newsletter and support boxes. The story's own blocks are paragraphs,
sub-headings, list items and plain quotations; everything else is skipped
whole. An era says which elements to skip and whether blocks may sit inside
wrapper elements (old pages) or must be the container's own children (the
furniture of later pages is nested, the story is not).
"""
from typing import Callable

from lxml import etree

from newscrawler.extraction.text import text_blocks

Skip = Callable[[etree._Element], bool]

# Elements whose text is one block of the body.
_TEXT_TAGS = frozenset({"p", "h2", "h3", "h4", "li"})
# Elements that only hold blocks (list items, quoted paragraphs).
_HOLDER_TAGS = frozenset({"ul", "ol", "blockquote"})
# Never story text, in any era: media and their captions, navigation, forms, embeds.
_FURNITURE_TAGS = frozenset({
    "aside", "figure", "figcaption", "nav", "form", "iframe", "button", "svg", "object",
    "script", "style", "noscript", "template", "video", "audio", "picture", "img",
})


def is_furniture(element) -> bool:
    """Media, navigation, forms and embeds; a quotation with a class is an
    embedded post (twitter-tweet, instagram-media, tiktok-embed), not a quote."""
    tag = element.tag
    return tag in _FURNITURE_TAGS or (tag == "blockquote" and bool(element.get("class")))


def body_blocks(container, skip: Skip, through_wrappers: bool) -> list[str]:
    """The text blocks of container in reading order.

    skip(element) leaves out an element's whole subtree (is_furniture is always
    applied). With through_wrappers, blocks are found inside any other element
    too; without, only the container's own children and the items and
    paragraphs of its lists and quotations count."""
    blocks = []
    walker = etree.iterwalk(container, events=("start",))
    for _, element in walker:
        if element is container:
            continue
        if not isinstance(element.tag, str) or is_furniture(element) or skip(element):
            walker.skip_subtree()
        elif element.tag in _TEXT_TAGS or _is_bare_quote(element):
            text = block_text(element, skip)
            if text and not is_link_only(element, skip):
                blocks.append(text)
            walker.skip_subtree()
        elif element.tag not in _HOLDER_TAGS and not through_wrappers:
            walker.skip_subtree()
    return blocks


def block_text(element, skip: Skip) -> str:
    """element's visible text on one line, without the subtrees skip leaves out."""
    return " ".join(text_blocks(element, skip=lambda node: is_furniture(node) or skip(node)))


def is_link_only(element, skip: Skip) -> bool:
    """A block whose words are all links: a related-story or promotion link
    standing where a paragraph or heading would (`<h5><a>Other story</a></h5>`)."""
    if next(element.iter("a"), None) is None:
        return False
    outside = block_text(element, lambda node: node.tag == "a" or skip(node))
    return not any(character.isalnum() for character in outside)


def _is_bare_quote(element) -> bool:
    """A quotation typed as text rather than as paragraphs is one block itself."""
    return element.tag == "blockquote" and next(element.iter("p"), None) is None
