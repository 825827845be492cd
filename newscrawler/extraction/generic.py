"""The general article extractor, for pages of outlets without a folder of their own.

The body is a structural reading of the page (see docs/extractors.md for how it
was chosen and measured). The page's visible text is cut into runs, the text
between two block-level boundaries, as a reader sees paragraphs. The article's
container is the element whose runs are most article paragraphs (long, few
links, outside page furniture) and least everything else: the element that
maximises paragraph characters minus the characters of all other text in it,
which picks a story body split into several columns as readily as one in a
single <div>. Its runs are the body, leaving out figures and their captions,
boxes the page names as furniture (share, related, byline, caption...),
summaries of links to other pages, sub-headings with nothing under them,
and blocks that only date the article, credit a photo, repeat the headline
or label something. Where the page's JSON-LD carries an
`articleBody` that this reading mostly misses (a page whose text is written
by script), the articleBody is the body instead.

Headline, byline and times come from what the page says of itself: the <h1>
that agrees with its JSON-LD, Open Graph and <title> titles; JSON-LD and
<meta> authors and dates. Pure: HTML in, fields out.
"""
import re
import weakref
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from lxml import etree, html

from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having, having_class, xpath
from newscrawler.extraction.text import (
    _is_invisible,  # the one rule for never-visible elements, shared with visible_text
    byline_from,
    json_ld_person_names,
    json_ld_value,
    parse_utc,
    text_blocks,
    visible_text,
)

# Elements whose start and end separate one run of text from the next.
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
})
_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_BOLD_TAGS = frozenset({"b", "strong"})
# Inline elements so named are left out as they are met (a caption inside a paragraph):
# unlike a block, an inline element never wraps the article.
_INLINE_TAGS = frozenset({
    "span", "a", "em", "i", "b", "strong", "small", "font", "cite", "time", "sup", "sub", "label",
})
_CELL_TAGS = frozenset({"td", "th"})
# Elements that never hold the article's text. Figures go too: most outlets'
# facts leave image captions out of the body (measured: docs/extractors.md).
_FURNITURE_TAGS = frozenset({
    "nav", "aside", "footer", "form", "button", "select", "textarea", "svg", "iframe", "video",
    "audio", "canvas", "map", "figure", "figcaption",
})
# Words in an element's class, id, role, data-component or itemprop that name page furniture.
_FURNITURE_WORDS = frozenset({
    "ad", "ads", "adslot", "advert", "advertisement", "author", "authors", "banner", "bio",
    "breadcrumb", "breadcrumbs", "byline", "bylines", "caption", "captions", "carousel", "comment",
    "comments", "consent", "cookie", "copyright", "credit", "credits", "date", "footer", "gallery",
    "interstitial", "keywords", "masthead", "menu", "meta", "modal", "nav", "navigation",
    "newsletter", "outbrain", "popular", "popup", "print", "promo", "promos", "pullquote", "rail",
    "readmore", "recommended", "related", "share", "sharing", "sidebar", "signup", "slideshow",
    "social", "sponsor", "sponsored", "subscribe", "subscription", "taboola", "tags", "timestamp",
    "toolbar", "tools", "trending", "tweet", "instagram",
})
_FURNITURE_PAIRS = frozenset({
    ("read", "more"), ("most", "read"), ("more", "on"), ("see", "also"), ("pull", "quote"),
    ("sr", "only"), ("visually", "hidden"), ("screen", "reader"),
})
_NOT_FURNITURE_BEFORE = frozenset({"with", "has", "no", "without"})  # "ContainerWithSidebar", "has-ads"
_NAMING_ATTRIBUTES = ("class", "id", "role", "data-component", "itemprop")
_NAME_WORDS = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")

MIN_PARAGRAPH_CHARS = 25  # a run this long with few links reads as a paragraph
MAX_PARAGRAPH_LINK_SHARE = 0.5
JUNK_WEIGHT = 1.0  # how much a character of other text costs a container against one of paragraph
WRAPPER_SHARE = 0.5  # a furniture-named element holding this share of the text is a wrapper, not furniture
MIN_BLOCK_WORDS = 4  # shorter blocks that end no sentence are labels: "Advertisement", "Getty Images"
HEADLINE_REPEAT = 0.8  # a block that agrees this much with the headline repeats it
ARTICLE_BODY_COVERED = 0.6  # share of JSON-LD articleBody words the reading must have to be preferred
MAX_HEADINGS = 5
MAX_STAMP_CHARS = 80
MAX_CROSSHEAD_WORDS = 8
SIBLING_SHARE = 0.04  # a sibling of the container with this share of its paragraph text...
SIBLING_PURITY = 0.5  # ...that is this much paragraph text is part of the article
MIN_LINKED_SENTENCE_WORDS = 8
MIN_HEADLINE_AGREEMENT = 0.5
MAX_BYLINE_ELEMENTS = 5
MAX_NAME_WORDS = 4

_SENTENCE_END = re.compile(r"[.!?\u201d\"']$")
_BYLINE = re.compile(r"^(?:by|written by)\s+\S+(?:\s+\S+){0,7}$", re.IGNORECASE)
_CREDIT = re.compile(r"^(?:photo(?:graph)?|image|picture|credit)s?\s*(?::|\.\.\.)", re.IGNORECASE)
_URL = re.compile(r"https?://\S+")
# "This article is more than 3 years old": a notice that changes as the article ages.
_AGE_NOTICE = re.compile(r"this (?:article|story|content) (?:is|was (?:first )?published) (?:more|over) than\b",
                         re.IGNORECASE)
_DIGITS = re.compile(r"\d+(?:st|nd|rd|th)?")
_NON_WORD = re.compile(r"[\W_]+")
_STAMP_WORDS = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|mon(?:day)?|tue(?:sday)?|"
    r"wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|gmt|bst|utc|[ecmp][sd]t|"
    r"am|pm|a\.m|p\.m|at|on|published|updated|last|modified|first|posted|ago|seconds?|minutes?|"
    r"mins?|hours?|hrs?|days?|weeks?)\b")
_WORD = re.compile(r"\w+")
_TITLE_SEPARATORS = re.compile(r"\s+[|\u2013\u2014-]\s+")
_ENDS_WITH_SCRIPT = re.compile(r"</script>\s*$", re.IGNORECASE)

_BODY = xpath("//body")
_HEADINGS = xpath("//h1")
_TITLE = xpath("//title")
_BYLINE_ELEMENTS = xpath(" | ".join((
    having("//*", "rel", "author"), having("//*", "itemprop", "author"),
    "//body//*[contains(@class, 'byline') or contains(@class, 'author')][not(self::body)]")))
_NAMES_IN = xpath(having(".//*", "itemprop", "name") + " | " + having_class(".//*", "authorName"))
_BYLINE_PREFIX = re.compile(r"^(?:by|written by)\s+", re.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"\s*(?:,|\band\b|&)\s*")
_ITEMPROP_TIMES = {
    name: xpath(having("//*", "itemprop", name) + "/@content | " + having("//*", "itemprop", name) + "/@datetime")
    for name in ("datePublished", "dateModified")
}
_PUBLISHED_META = ("date", "pubdate", "publishdate", "publish-date", "DC.date.issued", "dcterms.created",
                   "OriginalPublicationDate", "article.published", "sailthru.date")
_MODIFIED_META = ("datemodified", "last-modified", "DC.date.modified", "dcterms.modified", "article.updated")


# ------------------------------------------------------------------ the structural reading

@dataclass
class Run:
    """Text as a reader sees one block of it: between two block-level boundaries."""
    owner: object  # the innermost block-level element around it
    chain: tuple  # every element it is in, innermost first
    pieces: list = field(default_factory=list)
    link_chars: int = 0
    bold_chars: int = 0  # not counting whitespace
    text: str = ""
    is_paragraph: bool = False  # long, with few links


@dataclass(frozen=True)
class Reading:
    """What the structural reading found: the body's blocks and how they sit in the page."""
    blocks: list[str]
    container: object | None  # the lxml element the article is in
    words: int  # in the blocks
    link_density: float  # of the container: the share of its text in links
    teasers: int  # paragraphs of the page that summarise a link to another page
_READINGS: "weakref.WeakKeyDictionary[Page, Reading]" = weakref.WeakKeyDictionary()


def structural_reading(page: Page) -> Reading:
    """The page's structural reading, made once per page (the source's
    non-article check and the body both ask for it)."""
    reading = _READINGS.get(page)
    if reading is None:
        reading = _READINGS[page] = _read(page)
    return reading


def _read(page: Page) -> Reading:
    root = page.first(_BODY, page.root)
    runs = list(_runs(root))
    tally = _Tally(runs, root)
    container = _best_container(tally)
    teasers = sum(1 for run in runs if run.is_paragraph and tally.is_teaser(run))
    if container is None:
        return Reading([], None, 0, 0.0, teasers)
    blocks = _without_orphan_headings(_article_runs(runs, tally, container, _words(page_headline(page))))
    words = sum(len(block.split()) for block in blocks)
    return Reading(blocks, container, words, tally.link_density(container), teasers)


def _article_runs(runs: list[Run], tally: "_Tally", container, headline_words: list[str]) -> list[Run]:
    """The runs of the article's parts that are article text."""
    parts = _article_parts(container, tally)
    candidates = []
    for run in runs:
        part = next((element for element in run.chain if element in parts), None)
        if part is None or (run.is_paragraph and tally.is_teaser(run)):
            continue
        if _is_article_text(run, headline_words):
            candidates.append((run, part))
    # Furniture-named boxes inside the article are left out, unless that
    # leaves nothing: then the article itself sits in a box so named.
    return ([run for run, part in candidates if not tally.in_furniture(run, part)]
            or [run for run, part in candidates if not tally.in_furniture(run, part, tally.good_chars)])


def _runs(root):
    """root's runs of visible text in document order, without furniture elements."""
    open_elements = [root]
    run = Run(root, (root,))
    link_depth = bold_depth = 0
    skipped = None  # the element whose subtree was just skipped: its next event is its end
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        if event in ("comment", "pi"):
            _add(run, node.tail, link_depth, bold_depth)
            continue
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if node is root:
                _add(run, node.text, link_depth, bold_depth)
            elif _is_invisible(node) or tag in _FURNITURE_TAGS or (tag in _INLINE_TAGS and _has_furniture_name(node)):
                walker.skip_subtree()
                skipped = node
            else:
                open_elements.append(node)
                if tag in _BLOCK_TAGS:
                    yield from _finished(run)
                    run = Run(node, tuple(reversed(open_elements)))
                link_depth += tag == "a"
                bold_depth += tag in _BOLD_TAGS
                _add(run, " " if tag == "br" else node.text, link_depth, bold_depth)
            continue
        if node is root:
            break
        if node is skipped:
            skipped = None
        else:
            open_elements.pop()
            link_depth -= tag == "a"
            bold_depth -= tag in _BOLD_TAGS
        if tag in _BLOCK_TAGS:
            yield from _finished(run)
            chain = tuple(reversed(open_elements))
            run = Run(next(e for e in chain if e.tag in _BLOCK_TAGS or e is root), chain)
        _add(run, node.tail, link_depth, bold_depth)
    yield from _finished(run)


def _add(run: Run, text: str | None, link_depth: int, bold_depth: int) -> None:
    if text:
        run.pieces.append(text)
        if link_depth:
            run.link_chars += len(text.strip())
        if bold_depth:
            run.bold_chars += _solid_length(text)


def _finished(run: Run):
    text = "".join(run.pieces).strip()
    if text:
        run.text = text
        run.is_paragraph = len(text) >= MIN_PARAGRAPH_CHARS and run.link_chars < MAX_PARAGRAPH_LINK_SHARE * len(text)
        yield run


class _Tally:
    """Characters of text per element, over the runs inside it: all text, link
    text, paragraph text, and "good" text (paragraphs outside furniture)."""

    def __init__(self, runs: list[Run], root):
        self.chars, self.links, self.paragraph_chars, self.good_chars = Counter(), Counter(), Counter(), Counter()
        self.paragraphs, self.link_runs = Counter(), Counter()
        self._furniture_named = {}
        for run in runs:
            length = len(run.text)
            link_run = run.link_chars > MAX_PARAGRAPH_LINK_SHARE * length
            for element in run.chain:
                self.chars[element] += length
                self.links[element] += run.link_chars
                self.link_runs[element] += link_run
                if run.is_paragraph:
                    self.paragraph_chars[element] += length
                    self.paragraphs[element] += 1
        for run in runs:
            if run.is_paragraph and not self.in_furniture(run, root, self.paragraph_chars) and not self.is_teaser(run):
                for element in run.chain:
                    self.good_chars[element] += len(run.text)

    def is_teaser(self, run: Run) -> bool:
        """Whether the paragraph is the summary of a link to another page: the
        smallest block around it that holds more text holds a link and no other paragraph."""
        length = len(run.text)
        for element in run.chain:
            if element.tag in _BLOCK_TAGS and self.chars[element] > length:
                return self.paragraphs[element] == 1 and self.link_runs[element] > 0
        return False

    def link_density(self, element) -> float:
        return self.links[element] / max(self.chars[element], 1)

    def in_furniture(self, run: Run, reference, held: Counter | None = None) -> bool:
        """Whether run is inside a furniture-named element below reference; with
        held, not counting elements that hold WRAPPER_SHARE of reference's held text."""
        limit = WRAPPER_SHARE * held[reference] if held else 0
        for element in run.chain:
            if element is reference:
                return False
            if (not held or held[element] < limit) and self.is_furniture_named(element):
                return True
        return False

    def is_furniture_named(self, element) -> bool:
        named = self._furniture_named.get(element)
        if named is None:
            named = self._furniture_named[element] = _has_furniture_name(element)
        return named


def _has_furniture_name(element) -> bool:
    names = " ".join(filter(None, map(element.get, _NAMING_ATTRIBUTES)))
    return bool(names) and _names_furniture(names)


@lru_cache(maxsize=4096)  # pages repeat the same class names many times
def _names_furniture(names: str) -> bool:
    words = [word.lower() for word in _NAME_WORDS.split(names) if word]
    return any((word in _FURNITURE_WORDS and before not in _NOT_FURNITURE_BEFORE) or (before, word) in _FURNITURE_PAIRS
               for before, word in zip([""] + words, words))


def _best_container(tally: _Tally):
    """The element whose text is most good paragraphs and least everything else."""
    if not tally.good_chars:
        return None
    return max(tally.good_chars,
               key=lambda element: (1 + JUNK_WEIGHT) * tally.good_chars[element] - JUNK_WEIGHT * tally.chars[element])


def _article_parts(container, tally: _Tally) -> set:
    """The container, and those of its siblings that are article text too (a
    story whose first paragraphs the template puts in a box of their own)."""
    parts = {container}
    outermost = container  # the outermost element around the container's text and nothing else
    while outermost.getparent() is not None and tally.chars[outermost.getparent()] == tally.chars[container]:
        outermost = outermost.getparent()
    parent = outermost.getparent()
    for sibling in parent if parent is not None else ():
        good = tally.good_chars[sibling]
        if (sibling is not outermost and good >= SIBLING_SHARE * tally.good_chars[container]
                and good >= SIBLING_PURITY * tally.chars[sibling] and not tally.is_furniture_named(sibling)):
            parts.add(sibling)
    return parts


def _is_article_text(run: Run, headline_words: list[str]) -> bool:
    """Whether the run reads as the article's own text: not the headline again,
    a link to elsewhere, a data table's cell or a label."""
    text, words = run.text, len(run.text.split())
    if run.owner.tag == "h1" or _repeats(text, headline_words):
        return False
    if run.link_chars > MAX_PARAGRAPH_LINK_SHARE * len(text) and not _is_linked_sentence(text, words):
        return False
    if _is_heading(run):
        return True
    if run.owner.tag in _CELL_TAGS and not run.is_paragraph:
        return False
    return not _is_label(text, words)


def _is_label(text: str, words: int) -> bool:
    """Page text that is no prose: "Advertisement", a time stamp, a byline, a photo credit, an address."""
    if words < MIN_BLOCK_WORDS and not _SENTENCE_END.search(text):
        return True
    if len(text) <= MAX_STAMP_CHARS and (_is_stamp(text) or _AGE_NOTICE.search(text)):
        return True
    return bool(_BYLINE.match(text) or _CREDIT.match(text) or _URL.fullmatch(text))


def _is_linked_sentence(text: str, words: int) -> bool:
    """A paragraph of prose that is mostly links ("Lloyds said it had set aside £3.2bn..."),
    unlike a link to another story, which ends no sentence."""
    return words >= MIN_LINKED_SENTENCE_WORDS and _SENTENCE_END.search(text) is not None


def _is_heading(run: Run) -> bool:
    """A sub-heading: an <h2>-<h6>, or a short paragraph all in bold (older pages' cross-heads)."""
    return run.owner.tag in _HEADING_TAGS or (
        run.owner.tag == "p" and run.bold_chars >= _solid_length(run.text) - 1
        and len(run.text.split()) <= MAX_CROSSHEAD_WORDS)


def _solid_length(text: str) -> int:
    """The number of characters of text that are not whitespace."""
    return len("".join(text.split()))


def _repeats(text: str, headline_words: list[str]) -> bool:
    words = _words(text)
    # agreement can reach HEADLINE_REPEAT only between texts of similar length
    if not headline_words or not 0.6 < len(words) / len(headline_words) < 1.7:
        return False
    return _agreement(words, headline_words) >= HEADLINE_REPEAT


def _is_stamp(text: str) -> bool:
    """Whether the block only dates the article: "Friday 20 March 2015 17.38 GMT", "2 hours ago"."""
    return not _NON_WORD.sub("", _STAMP_WORDS.sub(" ", _DIGITS.sub(" ", text.lower())))


def _without_orphan_headings(runs: list[Run]) -> list[str]:
    """The runs' texts without sub-headings that have no text of their own
    under them (the title of a box of links, "Related topics")."""
    blocks = []
    for index, run in enumerate(runs):
        following = runs[index + 1] if index + 1 < len(runs) else None
        if _is_heading(run) and (following is None or _is_heading(following)):
            continue
        blocks.append(run.text)
    return blocks


# ------------------------------------------------------------------ JSON-LD articleBody

def json_ld_article_body(page: Page) -> list[str]:
    """The blocks of the page's JSON-LD articleBody: its lines, or its
    paragraphs where it is markup; [] without one."""
    body = json_ld_value(page.json_ld, "articleBody")
    if not isinstance(body, str) or not body.strip():
        return []
    if "</p>" in body or "<br" in body:
        try:
            return text_blocks(html.fragment_fromstring(body, create_parent="div"))
        except (etree.LxmlError, ValueError):
            pass  # not markup after all: its lines, as written
    return [line.strip() for line in body.splitlines() if line.strip()]


def _chosen_body(reading: Reading, article_body: list[str]) -> list[str]:
    """The reading's blocks (they keep the page's paragraphs and sub-headings),
    unless the page's articleBody has much text the reading missed."""
    if not article_body:
        return reading.blocks
    wanted = Counter(_words(" ".join(article_body)))
    found = Counter(_words(" ".join(reading.blocks)))
    covered = sum((wanted & found).values()) / max(sum(wanted.values()), 1)
    return reading.blocks if covered >= ARTICLE_BODY_COVERED else article_body


# ------------------------------------------------------------------ headline, byline, times

def page_headline(page: Page) -> str:
    """The headline the page shows: the <h1> that agrees best with the titles
    the page gives itself in its metadata (JSON-LD, Open Graph), then with the
    parts of its <title>; else the first metadata title, else the longest part of the <title>."""
    titles = _metadata_titles(page)
    title_parts = [part for part in _TITLE_SEPARATORS.split(page.first_text(_TITLE)) if part]
    best, best_agreement = "", (0.0, 0.0)
    for heading in page.find(_HEADINGS)[:MAX_HEADINGS]:
        text = visible_text(heading)
        agreement = (_best_agreement(text, titles), _best_agreement(text, title_parts))
        if text and (agreement > best_agreement or not best):
            best, best_agreement = text, agreement
    if best and (max(best_agreement) >= MIN_HEADLINE_AGREEMENT or not (titles or title_parts)):
        return best
    return titles[0] if titles else max(title_parts, key=len, default="")


def _best_agreement(text: str, titles: list[str]) -> float:
    words = _words(text)
    return max((_agreement(words, _words(title)) for title in titles), default=0.0)


def _metadata_titles(page: Page) -> list[str]:
    candidates = (json_ld_value(page.json_ld, "headline"), page.meta_property("og:title"), page.meta("twitter:title"),
                  page.meta("Headline"))
    return [title.strip() for title in candidates if isinstance(title, str) and title.strip()]


def page_byline(page: Page) -> str | None:
    """The authors the page names: JSON-LD Person authors (or author names
    given as plain strings), else <meta name="author">, else the byline it shows."""
    names = json_ld_person_names(page.json_ld) or _json_ld_author_strings(page)
    if not names:
        meta = page.meta("author") or page.meta_property("article:author")
        names = [meta] if meta and not _URL.match(meta) else []
    return byline_from(names) if names else _byline_in_page(page)


def _byline_in_page(page: Page) -> str | None:
    """The names in the first byline the page shows ("By Jane Doe and John Roe"):
    the names marked as such inside it, else its first line."""
    for element in page.find(_BYLINE_ELEMENTS)[:MAX_BYLINE_ELEMENTS]:
        names = [visible_text(name) for name in _NAMES_IN(element)]
        if not names:
            first_line = visible_text(element).strip().split("\n")[0]
            names = _NAME_SEPARATORS.split(_BYLINE_PREFIX.sub("", first_line.strip()))
        names = [" ".join(name.split()) for name in names if name.strip()]
        if names and all(len(name.split()) <= MAX_NAME_WORDS for name in names):
            return byline_from(names)
    return None


def _json_ld_author_strings(page: Page) -> list[str]:
    for key in ("author", "authors"):
        value = json_ld_value(page.json_ld, key)
        values = value if isinstance(value, list) else [value]
        names = [name for name in values if isinstance(name, str) and not _URL.match(name)]
        if names:
            return names
    return []


def page_time(page: Page, json_ld_key: str, open_graph: str, itemprop: str, meta_names) -> datetime | None:
    """The first of the page's own statements of a time: JSON-LD, Open Graph
    article:*, microdata, then <meta> names that CMSs use."""
    candidates = [json_ld_value(page.json_ld, json_ld_key), page.meta_property(open_graph),
                  *page.find(_ITEMPROP_TIMES[itemprop])[:1], *(page.meta(name) for name in meta_names)]
    return next((moment for moment in map(parse_utc, candidates) if moment), None)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _agreement(words: list[str], other: list[str]) -> float:
    """Token F1 of two texts' words."""
    if not words or not other:
        return 0.0
    common = sum((Counter(words) & Counter(other)).values())
    return 2 * common / (len(words) + len(other))


class GenericArticle(Layout):
    """Any article page: the structural reading, or the JSON-LD articleBody where the reading misses it."""

    name = "generic"

    def matches(self, page: Page) -> bool:
        return True

    def is_complete(self, text: str) -> bool:
        # Some templates end with their last script, without </body></html>.
        return super().is_complete(text) or _ENDS_WITH_SCRIPT.search(text[-200:]) is not None

    def headline(self, page: Page) -> str:
        return page_headline(page)

    def body(self, page: Page) -> list[str]:
        return _chosen_body(structural_reading(page), json_ld_article_body(page))

    def byline(self, page: Page) -> str | None:
        return page_byline(page)

    def published(self, page: Page):
        return page_time(page, "datePublished", "article:published_time", "datePublished",
                         _PUBLISHED_META) or parse_utc(json_ld_value(page.json_ld, "dateCreated"))

    def modified(self, page: Page):
        return page_time(page, "dateModified", "article:modified_time", "dateModified", _MODIFIED_META)
