"""Helpers that turn parsed markup into plain values: text blocks and dates.

Site-agnostic; the layout modules decide which elements to feed in. Text is
given as the page has it, stripped at both ends: whitespace and invisible
characters are normalised once, by the normalising pipeline.
"""
import json
import re
from datetime import datetime, timezone

from lxml import etree

from newscrawler.extraction.query import having, xpath

_BY = re.compile(r"^by\s+", re.IGNORECASE)
# JSON can spell half a surrogate pair ("\\ud800"), which no UTF-8 text (nor
# the database) can hold.
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")

# Never visible, whatever the layout.
_INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "object", "embed"})
# Screen-reader-only labels such as "image caption" in front of a caption:
# plain class names, or CSS-in-JS ones such as "css-178wc68-VisuallyHidden".
_HIDDEN_CLASSES = frozenset({"visually-hidden", "off-screen"})
_HIDDEN_CLASS_SUFFIX = "-VisuallyHidden"

# Elements whose start and end separate one text block from the next.
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "td", "th", "tr", "ul",
})

_BREAK = object()  # marker between text pieces of two different blocks

# //script[@type="application/ld+json"]/text()
_JSON_LD_SCRIPTS = xpath(having("//script", "type", "application/ld+json") + "/text()")


def byline_from(names) -> str | None:
    """One byline from author names: "By Jane Doe", "John Roe" -> "Jane Doe, John Roe"."""
    cleaned = (_BY.sub("", name.strip()) for name in names)
    return ", ".join(dict.fromkeys(name for name in cleaned if name)) or None


def visible_text(element) -> str:
    """The lxml element's text as a reader sees it (blocks inside it apart by a space)."""
    pieces = (" " if piece is _BREAK else piece for piece in _text_pieces(element, _never))
    return "".join(pieces).strip()


def visible_texts(elements) -> list[str]:
    """visible_text of each element, leaving out the empty ones."""
    return [text for text in map(visible_text, elements) if text]


def text_blocks(root, skip=None) -> list[str]:
    """Split root's text into blocks at block-level elements, for markup whose
    paragraphs are not one element each (text and unclosed <p> runs).

    skip(element) -> bool leaves out that element's whole subtree."""
    blocks, current = [], []
    for piece in _text_pieces(root, skip or _never):
        if piece is _BREAK:
            blocks.append("".join(current))
            current = []
        else:
            current.append(piece)
    blocks.append("".join(current))
    return [text for text in map(str.strip, blocks) if text]


def _never(element) -> bool:
    return False


# Elements of an article body whose whole text is one block.
_WHOLE_BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6"})
# One block each, unless made of blocks of their own: then those are the blocks.
_HOLDER_BLOCK_TAGS = frozenset({"li", "blockquote", "dd", "dt"})
_NESTED_BLOCKS = xpath(".//p | .//h2 | .//h3 | .//h4 | .//h5 | .//h6 | .//li | .//blockquote")
# Never an article's text, whatever the layout.
_NEVER_TEXT_TAGS = _INVISIBLE_TAGS | {"svg", "button", "form", "select", "iframe"}


def body_block_elements(container, skip=None, is_block=None, descend=None) -> list:
    """The elements of an article's body container that are its text blocks,
    in reading order: each paragraph and sub-heading, and each list item and
    quotation unless it is made of paragraphs of its own (then those).

    skip(element) leaves out the element's whole subtree; is_block(element)
    makes other elements whole blocks (a site's div.subhead); descend(element)
    says whether to look for blocks inside an element that is not one (default:
    always; a layout whose story is the container's own children looks inside
    lists and quotations only). Invisible elements never count."""
    skip, descend = skip or _never, descend or _always
    elements = []
    walker = etree.iterwalk(container, events=("start",))
    for _, element in walker:
        if element is container:
            continue
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag in _NEVER_TEXT_TAGS or _is_invisible(element) or skip(element):
            walker.skip_subtree()
        elif _is_body_block(element, tag, is_block):
            elements.append(element)
            walker.skip_subtree()
        elif not descend(element):
            walker.skip_subtree()
    return elements


def _is_body_block(element, tag: str, is_block) -> bool:
    if tag in _WHOLE_BLOCK_TAGS or (is_block is not None and is_block(element)):
        return True
    return tag in _HOLDER_BLOCK_TAGS and not _NESTED_BLOCKS(element)


def block_text(element, skip=None) -> str:
    """The visible text of one block element, without the subtrees skip(element) leaves out."""
    return " ".join(text_blocks(element, skip))


def body_blocks(container, skip=None, is_block=None, descend=None) -> list[str]:
    """The text of each of body_block_elements(...), leaving out the empty ones."""
    texts = (block_text(element, skip) for element in body_block_elements(container, skip, is_block, descend))
    return [text for text in texts if text]


def _always(element) -> bool:
    return True


def paragraphs_or_text(container, skip=None) -> list[str]:
    """The blocks of a short container such as a standfirst: its paragraphs,
    or, when it has none, its loose text split at block elements."""
    return body_blocks(container, skip) or text_blocks(container, skip)


def has_class(element, *names: str) -> bool:
    """Whether the lxml element has one of these classes."""
    classes = (element.get("class") or "").split()
    return any(name in classes for name in names)


def _is_invisible(element) -> bool:
    return (
        element.tag in _INVISIBLE_TAGS
        or element.get("hidden") is not None
        or any(_is_hidden_class(name) for name in (element.get("class") or "").split())
    )


def _is_hidden_class(name: str) -> bool:
    return name in _HIDDEN_CLASSES or name.endswith(_HIDDEN_CLASS_SUFFIX)


def _text_pieces(root, skip):
    """Yield root's text nodes in document order, with _BREAK around blocks.

    Iterative (lxml.etree.iterwalk) so deeply nested junk cannot exhaust the
    Python stack. Comments and processing instructions contribute only their tail."""
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        if event in ("comment", "pi"):
            yield node.tail or ""
            continue
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _BLOCK_TAGS:
            yield _BREAK
        if event == "start":
            if node is not root and (_is_invisible(node) or skip(node)):
                walker.skip_subtree()
            else:
                yield " " if tag == "br" else node.text or ""
        elif node is not root:
            yield node.tail or ""


def json_ld_objects(root) -> list[dict]:
    """Every JSON-LD object in the page of root, the lxml root element (top
    level, lists and @graph flattened). Scripts that are not valid JSON, or
    nest deeper than the JSON parser's recursion limit, are ignored."""
    objects = []
    for script in _JSON_LD_SCRIPTS(root):
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        objects.extend(_flatten_json_ld(data))
    return objects


def _flatten_json_ld(data) -> list[dict]:
    """The objects in data in document order: itself, those in its lists and
    @graph. Iterative: data may nest as deep as the parser allows."""
    objects, pending = [], [data]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(reversed(item))
        elif isinstance(item, dict):
            objects.append(item)
            pending.append(item.get("@graph"))
    return objects


def json_ld_types(obj: dict) -> list[str]:
    """The @type names of a JSON-LD object (one, or a list), leaving out
    anything in @type that is not a name."""
    types = obj.get("@type")
    return [name for name in (types if isinstance(types, list) else [types]) if isinstance(name, str)]


def json_ld_value(objects: list[dict], key: str):
    """The first value of key in a page's JSON-LD objects, or None."""
    for obj in objects:
        if obj.get(key) not in (None, ""):
            return obj[key]
    return None


def json_ld_person_names(objects: list[dict]) -> list[str]:
    """Names of the Person authors in a page's JSON-LD objects (organisations left out)."""
    authors = json_ld_value(objects, "author")
    if not isinstance(authors, list):
        authors = [authors]
    return [
        _LONE_SURROGATES.sub("\ufffd", author["name"])
        for author in authors
        if isinstance(author, dict)
        and author.get("@type") == "Person"
        and isinstance(author.get("name"), str)
    ]


def parse_utc(value) -> datetime | None:
    """A timezone-aware UTC datetime from an ISO 8601 string or the old CMS's
    "YYYY/MM/DD HH:MM:SS" form; times without a zone are taken as UTC.
    None when value is missing or not a date."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        if "/" in value:
            parsed = datetime.strptime(value, "%Y/%m/%d %H:%M:%S")
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        return None


def parse_epoch_seconds(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
