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

from newscrawler.extraction import text

Skip = Callable[[etree._Element], bool]

# Where a story made of the container's own children may hold blocks: lists and quotations.
_HOLDER_TAGS = frozenset({"ul", "ol", "blockquote"})
# Never story text, in any era: media and their captions, navigation, embeds.
_FURNITURE_TAGS = frozenset({"aside", "figure", "figcaption", "nav", "video", "audio", "picture", "img",
                             "h5", "h6"})  # h5/h6: related-story and promotion titles


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
    paragraphs of its lists and quotations count. A block made only of links
    (a related-story link where a paragraph would be) is left out."""
    def left_out(element) -> bool:
        return is_furniture(element) or skip(element)

    descend = None if through_wrappers else _is_holder
    blocks = []
    for element in text.body_block_elements(container, left_out, is_block=_is_whole_item, descend=descend):
        block = text.block_text(element, left_out)
        if block and not is_link_only(element, left_out):
            blocks.append(block)
    return blocks


def is_link_only(element, skip: Skip) -> bool:
    """A block whose words are all links: a related-story or promotion link
    standing where a paragraph or heading would (`<h4><a>Other story</a></h4>`)."""
    if next(element.iter("a"), None) is None:
        return False
    outside = text.block_text(element, lambda node: node.tag == "a" or skip(node))
    return not any(character.isalnum() for character in outside)


def _is_holder(element) -> bool:
    return element.tag in _HOLDER_TAGS


def _is_whole_item(element) -> bool:
    """A list item is one block, whatever it holds."""
    return element.tag == "li"
