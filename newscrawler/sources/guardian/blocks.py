"""Text blocks of a Guardian body container, shared by the layout eras.

Every era keeps its article text in `<p>`, sub-heading and list markup, with
boxes (images, embeds, rich links, pull quotes, sign-ups) mixed in. Each era
says which of those boxes to leave out; reading the rest is the same.

(Candidates for newscrawler/extraction/text.py: nothing here is Guardian-specific.)
"""
from lxml import etree

from newscrawler.extraction.text import text_blocks, visible_text

# Elements whose whole text is one block.
_BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6"})
# Elements that are one block unless they nest blocks of their own
# (a list item or quote made of paragraphs gives those paragraphs).
_CONTAINER_BLOCK_TAGS = frozenset({"li", "blockquote", "dd", "dt"})
_NESTED_BLOCKS = etree.XPath(".//p | .//h2 | .//h3 | .//h4 | .//li | .//blockquote")
_NEVER_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "button", "form"})


def blocks_in(container, skip=None) -> list[str]:
    """The text blocks of container in document order: each paragraph,
    sub-heading and list item once, leaving out subtrees for which
    skip(element) is true and anything that never shows text."""
    blocks = []
    walker = etree.iterwalk(container, events=("start",))
    for _, element in walker:
        if element is container:
            continue
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _NEVER_TEXT_TAGS or (skip is not None and skip(element)):
            walker.skip_subtree()
        elif tag in _BLOCK_TAGS or (tag in _CONTAINER_BLOCK_TAGS and not _NESTED_BLOCKS(element)):
            text = visible_text(element)
            if text:
                blocks.append(text)
            walker.skip_subtree()
    return blocks


def paragraphs_or_text(container, skip=None) -> list[str]:
    """The paragraphs of a short container such as a standfirst, or, when
    it has none, its loose text split at block elements."""
    return blocks_in(container, skip) or text_blocks(container, skip)


def has_class(element, *names: str) -> bool:
    classes = (element.get("class") or "").split()
    return any(name in classes for name in names)
