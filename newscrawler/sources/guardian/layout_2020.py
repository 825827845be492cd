"""dotcom-rendering (DCR) article pages, from 2020 to today.

The page is a grid of areas, each a `data-gu-name` element: "headline" (an
<h1>, beside an "This article is more than N years old" notice), "standfirst",
"meta" (byline, dateline, share buttons), "body" and "right-column". Inside
"body", `div#maincontent` holds `.article-body-commercial-selector` (the
container the ad scripts fill), whose
children are the article's elements in order: text elements bare (<p>, <h2>,
lists, <blockquote>), every other element in a <figure> that names its type
in `data-spacefinder-type` (images, embeds, rich links, newsletter sign-ups,
videos...). The sign-in gate, ad slots and islands sit between them.

The body is the standfirst's paragraphs, then the bare text elements and the
text of the few figure types that are the article's own structured text (key
takeaways, Q&A explainers, numbered-list titles, timelines...). Captions are
left out, as the reference parser does for this outlet. Published and
modified times come from JSON-LD (the Layout defaults).
"""
from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.extraction.query import having, xpath
from newscrawler.extraction.text import body_blocks, byline_from, has_class, json_ld_person_names, paragraphs_or_text, visible_texts

_AREA = "//*/@data-gu-name[. = '{}']/.."
_BODY = xpath(_AREA.format("body") + "//div[contains(@class, 'article-body-commercial-selector')]")
# Immersive pages of some years set the headline over the main media, outside the area.
_HEADLINE = xpath("(" + _AREA.format("headline") + "//h1 | //main//h1)[1]")
_STANDFIRST = xpath(_AREA.format("standfirst"))
_AUTHOR_LINKS = xpath(
    having(_AREA.format("meta") + "//*", "data-component", "meta-byline") + "//a[@rel = 'author']"
)

# Figures whose text is the article's own, not a box beside it.
_TEXT_FIGURE_TYPES = frozenset(
    "model.dotcomrendering.pageElements." + name
    for name in (
        "KeyTakeawaysBlockElement",
        "QAndAExplainerBlockElement",
        "MiniProfilesBlockElement",
        "MultiBylinesBlockElement",
        "NumberedTitleBlockElement",
        "DCRTimelineBlockElement",
        "DCRSectionedTimelineBlockElement",
        "ListBlockElement",
    )
)
_BOXES = frozenset({"figure", "aside", "gu-island", "iframe", "nav", "footer"})


class Layout2020(Layout):
    name = "guardian-2020"

    def matches(self, page: Page) -> bool:
        return bool(page.find(_BODY))

    def headline(self, page: Page) -> str:
        return page.first_text(_HEADLINE)

    def body(self, page: Page) -> list[str]:
        body = page.first(_BODY)
        if body is None:
            return []
        return self._standfirst(page) + body_blocks(body, skip=_is_box)

    def _standfirst(self, page: Page) -> list[str]:
        standfirst = page.first(_STANDFIRST)
        if standfirst is None:
            return []
        # Its lists are links to related coverage ("Cop27 live – latest updates").
        return paragraphs_or_text(standfirst, skip=_is_list)

    def byline(self, page: Page) -> str | None:
        return byline_from(json_ld_person_names(page.json_ld)) or byline_from(
            visible_texts(page.find(_AUTHOR_LINKS)))


def _is_box(element) -> bool:
    """An element of the body that is not article text: a figure of a type
    that is not text, an aside (pull quote), an island, the sign-in gate, an ad."""
    tag = element.tag
    if tag == "figure":
        return element.get("data-spacefinder-type") not in _TEXT_FIGURE_TYPES
    if tag in _BOXES:
        return True
    return element.get("id") == "sign-in-gate" or has_class(element, "ad-slot", "ad-slot-container")


def _is_list(element) -> bool:
    return element.tag in ("ul", "ol")
