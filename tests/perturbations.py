"""Rewrites of a raw BBC page the way a re-fetch of an UNCHANGED article differs.

Each perturbation is a function `bytes -> bytes` over the raw HTML. None of them
touches the article's text: what a reader sees in the story stays the same, so
the extracted, normalised content hash must stay the same too. The last two are
damage and hostile markup outside the story rather than a site's own changes:
stray bytes that are not UTF-8, and JSON-LD nested too deep to parse. They work on the
raw markup with careful regular expressions rather than by re-serialising a
parsed tree, so each one changes only what it says it changes.

`PERTURBATIONS` names them all; `edit_one_word` is the negative control, a real
text edit that must change the hash.
"""
import hashlib
import itertools
import re
from functools import lru_cache, wraps
from pathlib import Path

# --- the real pages they apply to ------------------------------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bbc"
# Every captured article page: the 19 pages and both captures of the two articles
# in versions/ (the broken capture 7984711-invalid.html is not an article).
PAGE_FILES = tuple(sorted(
    [path.relative_to(FIXTURES).as_posix() for path in FIXTURES.glob("pages/*.html")]
    + [f"versions/{article}-{capture}.stm.html"
       for article in ("6072486", "7984711") for capture in "AB"]
))


@lru_cache(maxsize=None)
def fixture_page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- raw markup as tokens ------------------------------------------------------

# Tags end at the first ">" (what an HTML tokenizer does with the broken
# quoting found in real pages, such as `href="x.stm"">`); script and style
# bodies are raw text up to their end tag.
_MARKUP = re.compile(
    r"(?P<comment><!--.*?-->)"
    r"|(?P<raw_open><(?P<raw_name>script|style)\b[^>]*>)(?P<raw>.*?)"
    r"(?P<raw_close></(?P=raw_name)\s*>)"
    r"|(?P<tag><[a-zA-Z][^>]*>)"
    r"|(?P<other><[!/?][^>]*>)",
    re.DOTALL | re.IGNORECASE,
)
_START_TAG = re.compile(r"<([a-zA-Z][\w:-]*)", re.ASCII)
_ATTRIBUTE = re.compile(
    r"""\s+([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
)
_CLASS_ATTRIBUTE = re.compile(r'\bclass="([^"]*)"', re.IGNORECASE)

# Tags whose start and end break the text into blocks, so whitespace next to
# them is never visible.
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body br center dd div dl dt figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 head header hr html li link main meta nav ol p "
    "section table tbody td tfoot th thead title tr ul".split()
)

TEXT, TAG, RAW, OTHER = "text", "tag", "raw", "other"  # kinds of token


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, piece) pairs covering text in order: TEXT nodes, start TAGs,
    RAW script and style bodies, and OTHER markup (end tags, comments, doctype)."""
    tokens, position = [], 0
    for match in _MARKUP.finditer(text):
        tokens.append((TEXT, text[position : match.start()]))
        if match.group("raw_open"):
            tokens += [(TAG, match.group("raw_open")), (RAW, match.group("raw")),
                       (OTHER, match.group("raw_close"))]
        else:
            tokens.append((TAG if match.group("tag") else OTHER, match.group()))
        position = match.end()
    tokens.append((TEXT, text[position:]))
    return tokens


def _join(tokens) -> str:
    return "".join(piece for _, piece in tokens)


def _map_kind(text: str, kinds, change) -> str:
    return _join((kind, change(piece) if kind in kinds else piece) for kind, piece in _tokens(text))


def _map_text_nodes(text: str, change) -> str:
    return _map_kind(text, (TEXT,), change)


def _map_tags(text: str, change) -> str:
    """change(tag) for every start tag."""
    return _map_kind(text, (TAG,), change)


def _map_markup(text: str, change) -> str:
    """change(piece) for everything but text nodes."""
    return _map_kind(text, (TAG, RAW, OTHER), change)


def _tag_name(tag: str) -> str:
    found = re.match(r"</?([a-zA-Z][\w:-]*)", tag)
    return found.group(1).lower() if found else ""


_DECLARED_CHARSET = re.compile(rb"charset=[\"']?([\w-]+)", re.IGNORECASE)
_WESTERN_CHARSETS = frozenset({"iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252"})


def _encoding_of(page: bytes) -> str:
    """utf-8, or latin-1 for the old Western pages (it round-trips every byte,
    including their cp1252 quotes)."""
    declared = _DECLARED_CHARSET.search(page[:4096])
    charset = declared.group(1).decode("ascii").lower() if declared else None
    if charset in _WESTERN_CHARSETS:
        return "latin-1"
    if charset == "utf-8":  # even with stray bytes in it (insert_stray_bytes)
        return "utf-8"
    try:
        page.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def on_text(perturb):
    """Lift a str -> str rewrite to the raw page bytes, keeping the page's
    encoding; characters the encoding lacks are written as character references,
    bytes of a UTF-8 page that are not UTF-8 stay as they were."""

    @wraps(perturb)
    def on_bytes(page: bytes) -> bytes:
        encoding = _encoding_of(page)
        if encoding == "utf-8":
            return perturb(page.decode(encoding, "surrogateescape")).encode(encoding, "surrogateescape")
        return perturb(page.decode(encoding)).encode(encoding, "xmlcharrefreplace")

    return on_bytes


def _stable_number(seed: str, digits: int) -> str:
    """A new number for seed, the same on every run, so failures reproduce."""
    return str(int(hashlib.sha1(seed.encode()).hexdigest(), 16))[:digits]


# --- where boxes go, by layout era -----------------------------------------------


def _layout(text: str) -> str:
    """The layout era by the same markers extraction uses."""
    if 'data-component="text-block"' in text:
        return "components"
    if "-StyledSummary" in text:
        return "video"
    if "story-body__inner" in text:
        return "responsive"
    if re.search(r'id="story-body"|class="story-body"', text):
        return "story-body"
    return "stm"


def _story_start(text: str, layout: str) -> int:
    markers = {
        "components": r'data-component="text-block"',
        "video": r"-StyledSummary",
        "responsive": r"story-body__inner",
        "story-body": r'id="story-body"|class="story-body"',
        "stm": r"<!--\s*S BO\s*-->",
    }
    found = re.search(markers[layout], text)
    return found.start() if found else 0


def _story_end(text: str, layout: str) -> int:
    if layout in ("components", "video"):
        last_text = text.rfind(
            'data-component="text-block"' if layout == "components" else "-StyledSummary"
        )
        end = text.find("</article>", last_text)
    elif layout == "stm":
        found = re.search(r"<!--\s*E BO\s*-->", text)
        end = found.start() if found else -1
    else:
        end = text.find("<!-- / story-body -->")
        if end < 0:
            end = text.find('<div class="story-more"')
    return end if end >= 0 else len(text)


def _middle_paragraph(text: str) -> int:
    """Where the middle paragraph (or body component) of the story starts:
    a place between two paragraphs of the article."""
    layout = _layout(text)
    start, end = _story_start(text, layout), _story_end(text, layout)
    if layout == "components":
        pattern = r'<div data-component="text-block"'
    else:  # a <p> right after a </p> is the story's next paragraph, not one in a box
        pattern = r"(?<=</p>)\s*<p\b"
    starts = [m.start() for m in re.finditer(pattern, text[start:end], re.IGNORECASE)]
    return start + starts[len(starts) // 2] if starts else end


def _insert(text: str, position: int, markup: str) -> str:
    return text[:position] + markup + text[position:]


def _after_body_start(text: str) -> int:
    found = re.search(r"<body\b[^>]*>", text, re.IGNORECASE)
    return found.end() if found else 0


def _before_body_end(text: str) -> int:
    found = text.lower().rfind("</body>")
    return found if found >= 0 else len(text)


# --- attributes ------------------------------------------------------------------


def _reverse_attributes(tag: str) -> str:
    name = _START_TAG.match(tag)
    rest = tag[name.end() :]
    closing = re.search(r"\s*/?>$", rest)
    if not closing:
        return tag
    inner = rest[: closing.start()]
    attributes = [m.group() for m in _ATTRIBUTE.finditer(inner)]
    names = [m.group(1).lower() for m in _ATTRIBUTE.finditer(inner)]
    # Leave alone tags we cannot split exactly, and duplicated attributes
    # (the first one wins, so their order matters).
    if "".join(attributes) != inner or len(set(names)) != len(names) or len(names) < 2:
        return tag
    return name.group() + "".join(reversed(attributes)) + closing.group()


def _reverse_class_names(tag: str) -> str:
    return _CLASS_ATTRIBUTE.sub(lambda m: f'class="{" ".join(reversed(m.group(1).split()))}"', tag)


@on_text
def reorder_attributes(text: str) -> str:
    """Every start tag lists its attributes, and its class names, in reverse order."""
    return _map_tags(text, lambda tag: _reverse_attributes(_reverse_class_names(tag)))


# --- timestamps ------------------------------------------------------------------

# Stamps are elements of their own ("<span>3 hours ago</span>"); matching only
# whole text nodes and labels followed by markup leaves "arrested 2 days ago"
# or "last updated at 10:30" in an article's own text alone.
_RELATIVE_STAMP = re.compile(
    r"(\s*(?:Published |Updated )?)(\d+)(\s+)(second|minute|min|hour|hr|day|week)s?(\s+ago\s*)",
    re.IGNORECASE,
)
# "Last updated at </span><span class="time">00:56", "Page last updated at
# <span class="date">13:48 GMT", "Last Updated: </span>Saturday, 21 October 2006, 14:41 GMT".
_LAST_UPDATED = re.compile(
    r"(last updated(?: at|:)\s*(?:<[^<>]*>\s*)+[^<]{0,40}?)(\d\d):(\d\d)", re.IGNORECASE
)
_TIME_ELEMENT = re.compile(r"(<time\b[^>]*>)(.*?)(</time\s*>)", re.DOTALL | re.IGNORECASE)
_ISO_TIME = re.compile(r"(\d{4}-\d\d-\d\dT)(\d\d)(:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)")


def _later_relative_stamp(node: str) -> str:
    stamp = _RELATIVE_STAMP.fullmatch(node)
    if not stamp:
        return node
    prefix, number, space, unit, ago = stamp.groups()
    return f"{prefix}{int(number) + 7}{space}{unit}s{ago}"


def _later_clock(match) -> str:
    hour = (int(match.group(2)) + 3) % 24
    return f"{match.group(1)}{hour:02d}:{match.group(3)}"


def _earlier_iso_time(match) -> str:
    hour = max(int(match.group(2)) - 1, 0)
    return f"{match.group(1)}{hour:02d}{match.group(3)}"


def _restamped_time_element(match) -> str:
    opening = _ISO_TIME.sub(_earlier_iso_time, match.group(1))
    contents = _map_text_nodes(
        match.group(2), lambda node: "Updated 5 minutes ago" if node.strip() else node
    )
    return opening + contents + match.group(3)


def _restamped_data_attributes(tag: str) -> str:
    tag = re.sub(r'(data-seconds=")(\d+)', lambda m: m.group(1) + str(int(m.group(2)) + 3600), tag)
    return re.sub(r'(data-datetime=")[^"]*', r"\g<1>13 April 2015", tag)


@on_text
def change_timestamps(text: str) -> str:
    """Relative stamps move on ("2 hours ago" becomes "9 hours ago"), so do
    "Last updated at 13:48" stamps (16:48) and the 2015 pages' date attributes
    (data-seconds); <time> elements get another datetime and "Updated 5 minutes ago"."""
    text = _map_text_nodes(text, _later_relative_stamp)
    text = _TIME_ELEMENT.sub(_restamped_time_element, text)
    text = _map_tags(text, _restamped_data_attributes)
    return _LAST_UPDATED.sub(_later_clock, text)


# --- boxes around the story --------------------------------------------------------

_TOP_STORIES_ASIDE = (
    '<aside class="top-stories-promo" aria-label="Top Stories"><h2>Top Stories</h2><ul>'
    '<li><a href="/news/uk-99999991">Storm warning issued for the weekend</a>'
    '<time datetime="2024-10-01T09:00:00Z">12 minutes ago</time></li>'
    '<li><a href="/news/world-99999992">Talks resume after overnight delay</a></li>'
    "</ul></aside>"
)

# In <article>: the end-of-story components of the component-built pages.
_RELATED_COMPONENTS = (
    '<div data-component="topic-list" class="ssrcss-1qmkvfu-TopicListWrapper etw6iwl1">'
    '<h2 class="ssrcss-ad2rmd-Heading e10rt3ze0">Related topics</h2>'
    '<ul role="list"><li><a href="/news/topics/c0000000001t">Weather</a></li></ul></div>'
    '<div data-component="links-block" class="ssrcss-5i1hhv-LinksComponentWrapper e3eyuya0">'
    '<section><h2 class="ssrcss-ad2rmd-Heading e10rt3ze0">More on this story</h2>'
    '<ul role="list"><li><a href="/news/articles/c000000000zo"><p>Floods hit coast again</p>'
    '</a></li></ul></section></div>'
)
# After the responsive (2015) story: its "More on this story" group.
_STORY_MORE = (
    '<div class="story-more"><div class="group story-alsos more-on-this-story">'
    '<div class="group__header"><h2 class="group__title">More on this story</h2></div>'
    '<div class="group__body"><ul class="units-list"><li class="unit unit--regular">'
    '<a href="/news/uk-99999993" class="unit__link-wrapper"><span class="unit__title">'
    "Floods hit coast again</span></a></li></ul></div></div></div>"
)
# In the 2010-2014 story body, between paragraphs (real markup of that era).
_STORY_FEATURE_RELATED = (
    '<div class="story-feature related narrow">'
    '<a class="hidden" href="#story_continues_9">Continue reading the main story</a>'
    '<h2>Related Stories</h2><ul class="related-links-list"><li><a class="story" '
    'href="/news/uk-99999994">Floods hit coast again</a></li></ul></div>'
)
# In the .stm story, between paragraphs: an "IBOX" of links, as the CMS wrote it.
_STM_IBOX = (
    '<!-- S IBOX --><table cellspacing="0" align="right" width="231" border="0" '
    'cellpadding="0"><tr><td class="sibtbg"><div class="miiib"><!-- S ILIN -->'
    '<div class="arr"><a class="" href="/1/hi/uk/9999999.stm">Floods hit coast again</a>'
    "</div><!-- E ILIN --></div></td></tr></table><!-- E IBOX -->"
)


def _story_related_box(text: str) -> str:
    layout = _layout(text)
    if layout in ("components", "video"):
        return _insert(text, _story_end(text, layout), _RELATED_COMPONENTS)
    if layout == "responsive":
        return _insert(text, _story_end(text, layout), _STORY_MORE)
    box = _STORY_FEATURE_RELATED if layout == "story-body" else _STM_IBOX
    return _insert(text, _middle_paragraph(text), box)


@on_text
def add_related_story_boxes(text: str) -> str:
    """A "Top Stories" aside in the page chrome, and the related-story box of
    the page's era in or after the story: topic-list and links-block components
    at the end of <article>, a "More on this story" group after the 2015 story,
    a "Related Stories" story-feature or an IBOX table between paragraphs."""
    text = _story_related_box(text)
    return _insert(text, _before_body_end(text), _TOP_STORIES_ASIDE)


# --- ads and share links ------------------------------------------------------------

_SHARE_LINK = re.compile(
    r'(<a\b[^>]*\bhref=")((?:https?:)?//[^"]*(?:sharer|/share\?|dialog/share|intent/tweet|'
    r'home\?status|/submit\?|/post\?|shareArticle|pagetools/email)[^"]*'
    r'|mailto:[^"]*|whatsapp:[^"]*)(")',
    re.IGNORECASE,
)
_AD_MARKUP = re.compile(r"bbccom|ad-slot|advert|dotcom-ad|\bmpu\b", re.IGNORECASE)
_ID_ATTRIBUTE = re.compile(r'(\bid=")([^"]*)(")')
_AD_CACHE_BUSTER = re.compile(
    r"((?:[?&;]|&amp;)(?:ord|cachebust|blq_cachebust_\w*|rnd|correlator)=)(\w+)"
)

# Top of the page, every era: the leaderboard shown to readers outside the UK.
_LEADERBOARD = (
    '<div id="bbccom_leaderboard_1_2_3_4" class="bbccom_leaderboard_container">'
    '<div class="bbccom_advert"><a href="https://ads.example.net/click?ord=81532">'
    '<img src="https://ads.example.net/banner-728x90.png?ord=81532" alt="Advertisement">'
    "</a></div></div>"
)
# Between two paragraphs, in the eras that had in-story ads.
_AD_SLOTS = {
    "components": (
        '<div data-component="ad-slot" class="ssrcss-1x6cq3h-AdSlotWrapper e1j3pr1j0">'
        '<div id="dotcom-mpu-3" class="dotcom-ad"><p class="ssrcss-1b1mki6-AdLabel">'
        "Advertisement</p></div></div>"
    ),
    "responsive": (
        '<div id="bbccom_mpu_1_2_3" class="bbccom_slot mpu-ad" aria-hidden="true">'
        '<div class="bbccom_advert"><script type="text/javascript">/**/ if (window.bbcdotcom'
        " && bbcdotcom.adverts) { bbcdotcom.adverts.slotAsync('mpu', [1,2,3]); } /**/"
        "</script></div></div>"
    ),
    "story-body": (
        '<div id="bbccom_mpu_4" class="bbccom_advert_placeholder"></div>'
        '<script type="text/javascript">$render("advert","advert-mpu-high");</script>'
    ),
}


def _rotated_share_link(match) -> str:
    url = match.group(2)
    separator = "&amp;" if "?" in url else "?"
    rotated = "ns_mchannel=social&amp;ns_linkname=rotated"
    return f"{match.group(1)}{url}{separator}{rotated}{match.group(3)}"


def _rotated_ad_tag(tag: str) -> str:
    if not _AD_MARKUP.search(tag):
        return tag
    return _ID_ATTRIBUTE.sub(
        lambda m: f"{m.group(1)}bbccom_slot_{_stable_number(m.group(2), 4)}{m.group(3)}", tag
    )


@on_text
def rotate_ads_and_share_links(text: str) -> str:
    """Ad slots get other ids and cache-busting numbers, a leaderboard ad
    appears at the top of the page and one more ad slot between two paragraphs
    where the era had in-story ads, and share links carry other query strings."""
    text = _map_tags(text, _rotated_ad_tag)
    new_buster = lambda m: m.group(1) + _stable_number(m.group(2), 9)  # noqa: E731
    text = _map_markup(text, lambda piece: _AD_CACHE_BUSTER.sub(new_buster, piece))
    text = _map_tags(text, lambda tag: _SHARE_LINK.sub(_rotated_share_link, tag))
    ad_slot = _AD_SLOTS.get(_layout(text))
    if ad_slot:
        text = _insert(text, _middle_paragraph(text), ad_slot)
    return _insert(text, _after_body_start(text), _LEADERBOARD)


# --- whitespace and entities -----------------------------------------------------------


def _reindented(tokens) -> list[tuple[str, str]]:
    """Other whitespace between tags, and new line breaks beside block tags."""
    out = []
    for index, (kind, piece) in enumerate(tokens):
        if kind == TEXT and piece.isspace():
            piece = "\n\t\t  "
        elif kind == TEXT and not piece and 0 < index < len(tokens) - 1:
            before, after = _tag_name(tokens[index - 1][1]), _tag_name(tokens[index + 1][1])
            if before in _BLOCK_TAGS or after in _BLOCK_TAGS:
                piece = "\n    "
        out.append((kind, piece))
    return out


@on_text
def reindent_markup(text: str) -> str:
    """Other indentation and line breaks between tags, and LF line endings for
    CRLF ones (or the reverse), as after a template or server change."""
    text = _join(_reindented(_tokens(text)))
    if "\r\n" in text:
        return text.replace("\r\n", "\n")
    return text.replace("\n", "\r\n")


@on_text
def double_spaces_in_text(text: str) -> str:
    """Every space inside a text node becomes two, every line break gets an indent."""
    def doubled(node: str) -> str:
        return node if node.isspace() else node.replace(" ", "  ").replace("\n", "\n   ")

    return _map_text_nodes(text, doubled)


# Elements whose text is plain characters: a comment inside them is text.
_RAW_TEXT_ELEMENTS = frozenset({"title", "textarea", "option"})


def _comment_in_middle(node: str) -> str:
    middle = node.find(" ", len(node) // 2)
    return node[:middle] + "<!-- -->" + node[middle:] if middle > 0 and node.strip() else node


@on_text
def split_text_with_comments(text: str) -> str:
    """An empty comment in the middle of every text node, as React puts between
    adjacent text pieces (and server-side includes leave behind); a new
    renderer version adds or drops them."""
    tokens = _tokens(text)
    for index, (kind, piece) in enumerate(tokens):
        if kind == TEXT and index and _tag_name(tokens[index - 1][1]) not in _RAW_TEXT_ELEMENTS:
            tokens[index] = (kind, _comment_in_middle(piece))
    return _join(tokens)


# Each group spells one character; a perturbed page uses the next spelling.
_SPELLINGS_IN_MARKUP = (
    ("&amp;", "&#38;", "&#x26;"),
    ("&pound;", "&#163;", "£"),
    ("&nbsp;", "&#160;", "\u00a0"),
    ("&rsquo;", "&#8217;", "\u2019"),
)
_SPELLINGS_IN_TEXT = _SPELLINGS_IN_MARKUP + (
    ("&quot;", "&#34;", '"'),
    ("&#39;", "&#x27;", "'"),
)


def _respeller(spellings):
    following = {
        spelling: group[(index + 1) % len(group)]
        for group in spellings
        for index, spelling in enumerate(group)
    }
    pattern = re.compile("|".join(map(re.escape, sorted(following, key=len, reverse=True))))
    return lambda piece: pattern.sub(lambda m: following[m.group()], piece)


_RESPELL_TEXT = _respeller(_SPELLINGS_IN_TEXT)
_RESPELL_ATTRIBUTES = _respeller(_SPELLINGS_IN_MARKUP)


@on_text
def respell_entities(text: str) -> str:
    """&amp; / &#38; / &#x26;, &pound; / &#163; / £, &nbsp; / &#160; / U+00A0,
    &quot; / &#34; / ", ... each written the next way, in text and attribute values."""
    text = _map_text_nodes(text, _RESPELL_TEXT)
    return _map_tags(text, _RESPELL_ATTRIBUTES)


_VOID_TAG = re.compile(r"<(br|img|meta|link|hr|input)\b([^>]*?)\s*(/?)>", re.IGNORECASE)


def _respelled_void_tag(match) -> str:
    name, attributes, slash = match.groups()
    return f"<{name}{attributes}>" if slash else f"<{name}{attributes} />"


@on_text
def respell_void_tags(text: str) -> str:
    """<br /> becomes <br> and <br> becomes <br />, likewise img, meta, link, hr:
    an XHTML template served as HTML or the reverse."""
    return _map_tags(text, lambda tag: _VOID_TAG.sub(_respelled_void_tag, tag))


# --- links and images -------------------------------------------------------------------

_LINK_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"#]*)((?:#[^"]*)?")', re.IGNORECASE)
_TRACKING_PARAMETERS = (
    "at_medium=RSS&amp;at_campaign=xyz",
    "utm_source=twitter&amp;utm_medium=social&amp;utm_campaign=bbcnews",
)


def _tracked_link(match, parameters: str) -> str:
    url = match.group(2)
    if not url or re.match(r"(?:javascript|mailto):", url, re.IGNORECASE):
        return match.group()
    separator = "&amp;" if "?" in url else "?"
    return f"{match.group(1)}{url}{separator}{parameters}{match.group(3)}"


@on_text
def add_tracking_parameters(text: str) -> str:
    """?at_medium=RSS&at_campaign=xyz or utm_* (alternately) on every link's href."""
    parameters = itertools.cycle(_TRACKING_PARAMETERS)
    return _map_tags(
        text, lambda tag: _LINK_HREF.sub(lambda m: _tracked_link(m, next(parameters)), tag)
    )


_IMAGE_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.IGNORECASE)
_SRCSET = re.compile(r'(\bsrcset=")([^"]+)(")', re.IGNORECASE)
_CACHE_BUSTER = re.compile(r"([?&](?:amp;)?v=)\d+")


def _busted(url: str) -> str:
    if url.startswith("data:"):
        return url
    if _CACHE_BUSTER.search(url):
        return _CACHE_BUSTER.sub(r"\g<1>456", url)
    return url + ("&amp;v=456" if "?" in url else "?v=456")


def _rewidened_srcset(match) -> str:
    candidates = [c.strip() for c in match.group(2).split(",") if c.strip()]
    rewritten = [
        " ".join([_busted(parts[0])] + parts[1:]) for parts in (c.split() for c in candidates)
    ]
    extra = re.sub(r"/\d{3,4}/", "/1536/", candidates[-1].split()[0], count=1) + " 1536w"
    return f"{match.group(1)}{', '.join(rewritten + [extra])}{match.group(3)}"


@on_text
def bust_image_caches(text: str) -> str:
    """Images get another cache-busting query (?v=123 -> ?v=456) and srcsets
    another set of widths."""
    def bust(tag: str) -> str:
        tag = _IMAGE_SRC.sub(lambda m: m.group(1) + _busted(m.group(2)) + m.group(3), tag)
        return _SRCSET.sub(_rewidened_srcset, tag)

    return _map_tags(text, bust)


# --- generated class names --------------------------------------------------------------

# CSS-in-JS classes: "ssrcss-1q0x1qg-Paragraph", "css-uf6wea-RichTextComponentWrapper",
# and emotion's component ids beside them ("eq5iqo00", "e1xue1i82").
_GENERATED_CLASS = re.compile(r"^((?:ssr)?css)-([a-z0-9]+)(-\w[\w-]*)$")
_EMOTION_ID = re.compile(r"^e(?=[a-z0-9]*\d)[a-z0-9]{5,9}$")


def _generated_class_renames(text: str) -> dict[str, str]:
    renames = {}
    for value in _CLASS_ATTRIBUTE.findall(text):
        names = value.split()
        if not any(_GENERATED_CLASS.match(name) for name in names):
            continue
        for name in names:
            generated = _GENERATED_CLASS.match(name)
            if generated:
                new_hash = hashlib.sha1(name.encode()).hexdigest()[: len(generated.group(2))]
                renames[name] = f"{generated.group(1)}-{new_hash}{generated.group(3)}"
            elif _EMOTION_ID.match(name):
                renames[name] = "e" + hashlib.sha1(name.encode()).hexdigest()[: len(name) - 1]
    return renames


@on_text
def rename_css_class_hashes(text: str) -> str:
    """A new deploy: every generated class gets another hash, the same new hash
    everywhere on the page (class attributes and style sheets), same readable suffix."""
    renames = _generated_class_renames(text)
    if not renames:
        return text
    # Emotion also lists the classes it styles without their prefix:
    # <style data-emotion="ssrcss 1q0x1qg-Paragraph ...">.
    renames.update({
        old.split("-", 1)[1]: new.split("-", 1)[1]
        for old, new in list(renames.items())
        if _GENERATED_CLASS.match(old)
    })
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, renames)) + r")(?![\w-])")
    return _map_markup(text, lambda piece: pattern.sub(lambda m: renames[m.group()], piece))


# --- embedded data ------------------------------------------------------------------------

_EPOCH_MILLISECONDS = re.compile(r"(?<!\d)1[0-9]{12}(?!\d)")
_BUILD_ID = re.compile(r'("buildId\\?"\s*:\s*\\?")([^"\\]+)')
_NONCE = re.compile(r'(\bnonce=")([^"]+)(")')


def _changed_script(start_tag: str, script: str) -> str:
    if "application/ld+json" in start_tag:
        return re.sub(
            r'("dateModified"\s*:\s*")([^"]+)',
            lambda m: m.group(1) + _ISO_TIME.sub(_earlier_iso_time, m.group(2)),
            script,
        )
    script = _EPOCH_MILLISECONDS.sub(lambda m: str(int(m.group()) + 61_000), script)
    script = _ISO_TIME.sub(_earlier_iso_time, script)
    return _BUILD_ID.sub(lambda m: m.group(1) + "build-" + _stable_number(m.group(2), 8), script)


@on_text
def change_embedded_data(text: str) -> str:
    """Scripts and JSON blobs (window.__INITIAL_DATA__, __NEXT_DATA__, JSON-LD
    dateModified) carry other timestamps and build ids; every nonce is new."""
    tokens = _tokens(text)
    for index, (kind, piece) in enumerate(tokens):
        if kind == RAW and _tag_name(tokens[index - 1][1]) == "script":
            tokens[index] = (kind, _changed_script(tokens[index - 1][1], piece))
    new_nonce = lambda m: f"{m.group(1)}n{_stable_number(m.group(2), 30)}{m.group(3)}"  # noqa: E731
    return _map_tags(_join(tokens), lambda tag: _NONCE.sub(new_nonce, tag))


# --- comment counts -----------------------------------------------------------------------

# The 2012 pages' count box, filled in by script ("&nbsp;" in the capture).
_COMMENT_COUNT_BOX = re.compile(r'(<div class="[^"]*comment-count[^"]*"[^>]*>)([^<]*)(<)')
_COMMENT_COUNT_JSON = re.compile(r'("comment[Cc]ount\\?"\s*:\s*)(\d+)')
_COMMENTS_LINK = {
    "components": (
        '<div data-component="comments-button" class="ssrcss-1fge6ce-CommentsWrapper e1a2d1e0">'
        '<a href="#comments"><span>Comments</span> <span>1,234</span></a></div>'
    ),
    "video": (
        '<a href="#comments" class="ssrcss-1fge6ce-CommentsLink"><span>1,234 comments</span></a>'
    ),
    "responsive": '<a class="comments-link" href="#comments">Comments (1234)</a>',
    "story-body": '<span class="comment-count"><a href="#comments">Comments (1234)</a></span>',
    "stm": '<div class="hys-count"><a href="#comments">Have your say (1234 comments)</a></div>',
}


def _after_headline(text: str, layout: str) -> int:
    if layout == "stm":
        found = re.search(r"<!--\s*S BO\s*-->", text)
        return found.start() if found else _before_body_end(text)
    heading_end = re.search(r"</h1\s*>", text, re.IGNORECASE)
    return heading_end.end() if heading_end else _before_body_end(text)


@on_text
def change_comment_counts(text: str) -> str:
    """Comment counts go up (the count box of 2012 pages, commentCount in JSON),
    and a comments link with its count appears under the headline."""
    text = _COMMENT_COUNT_BOX.sub(r"\g<1>1,234\g<3>", text)
    more = lambda m: m.group(1) + str(int(m.group(2)) + 17)  # noqa: E731
    text = _map_markup(text, lambda piece: _COMMENT_COUNT_JSON.sub(more, piece))
    layout = _layout(text)
    return _insert(text, _after_headline(text, layout), _COMMENTS_LINK[layout])


# --- <head> --------------------------------------------------------------------------------

_HEAD = re.compile(r"<head\b[^>]*>.*?</head\s*>", re.DOTALL | re.IGNORECASE)


def _movable_head_tag(token: tuple[str, str]) -> bool:
    kind, piece = token
    # The charset declaration stays first: a decoder looks for it in the first
    # kilobyte, and pages always put it there.
    return kind == TAG and _tag_name(piece) in ("meta", "link") and "charset" not in piece.lower()


def _reversed_meta_and_links(head: str) -> str:
    tokens = _tokens(head)
    slots = [index for index, token in enumerate(tokens) if _movable_head_tag(token)]
    for slot, token in zip(slots, [tokens[index] for index in reversed(slots)]):
        tokens[slot] = token
    return _join(tokens)


@on_text
def reorder_head_tags(text: str) -> str:
    """The <meta> and <link> tags of <head> in reverse order."""
    return _HEAD.sub(lambda m: _reversed_meta_and_links(m.group()), text, count=1)


# --- bytes that are not UTF-8 ----------------------------------------------------

# Damage a UTF-8 page carries outside its story: a byte that is never UTF-8
# (0xFF), a character cut short (the first two of the three bytes of "’", as a
# teaser cut to a byte count leaves it) and a Windows-1252 quote (0x92, from a
# legacy include). Four bytes in all.
_STRAY_BYTES_MENU = b"<nav>Menu \xff</nav>"
_STRAY_BYTES_FOOTER = b"<footer>Most read: Storm warning \xe2\x80 It\x92s</footer>"


def insert_stray_bytes(page: bytes) -> bytes:
    """A menu after <body> and a footer before </body>, with four bytes between
    them that are not UTF-8, whatever the page's encoding."""
    view = page.decode("latin-1")  # one character per byte, so positions are byte offsets
    view = _insert(view, _before_body_end(view), _STRAY_BYTES_FOOTER.decode("latin-1"))
    view = _insert(view, _after_body_start(view), _STRAY_BYTES_MENU.decode("latin-1"))
    return view.encode("latin-1")


# --- hostile JSON-LD -------------------------------------------------------------------

_CHARSET_META = re.compile(r"<meta\b[^>]*charset[^>]*>", re.IGNORECASE)
_HEAD_TAG = re.compile(r"<head\b[^>]*>", re.IGNORECASE)


def with_json_ld(page: bytes, script: str) -> bytes:
    """The page with an ASCII JSON-LD script early in <head>: before the page's
    own JSON-LD, after its charset declaration (which decoders look for in the
    first kilobytes)."""
    view = page.decode("latin-1")  # one character per byte, so positions are byte offsets
    start = _CHARSET_META.search(view) or _HEAD_TAG.search(view)
    script = script.replace("</", "<\\/")  # the same JSON, without ending the script element
    tag = f'<script type="application/ld+json">{script}</script>'
    return _insert(view, start.end() if start else _after_body_start(view), tag).encode("latin-1")


def add_deeply_nested_json_ld(page: bytes) -> bytes:
    """A JSON-LD script of 100,000 nested brackets: valid JSON, too deep for
    any parser that recurses."""
    return with_json_ld(page, "[" * 100_000 + "]" * 100_000)


PERTURBATIONS = {
    perturbation.__name__: perturbation
    for perturbation in (
        reorder_attributes,
        change_timestamps,
        add_related_story_boxes,
        rotate_ads_and_share_links,
        reindent_markup,
        double_spaces_in_text,
        split_text_with_comments,
        respell_entities,
        respell_void_tags,
        add_tracking_parameters,
        bust_image_caches,
        rename_css_class_hashes,
        change_embedded_data,
        change_comment_counts,
        reorder_head_tags,
        insert_stray_bytes,
        add_deeply_nested_json_ld,
    )
}


# --- the negative control ----------------------------------------------------------------

_WORD = re.compile(r"\b[A-Za-z]{6,}\b")


def candidate_words(headline: str, body: list[str]) -> list[str]:
    """Words that occur exactly once in the body and not in the headline,
    from the middle block outwards: editing one changes exactly one block."""
    counts = {}
    for block in body:
        for word in _WORD.findall(block):
            counts[word] = counts.get(word, 0) + 1
    middle = len(body) // 2
    ordered_blocks = sorted(range(len(body)), key=lambda index: abs(index - middle))
    return [
        word
        for index in ordered_blocks
        for word in _WORD.findall(body[index])
        if counts[word] == 1 and word not in headline
    ]


def edit_one_word(page: bytes, word: str, replacement: str) -> bytes:
    """The page with whole-word `word` replaced in its text nodes (not in markup,
    scripts or attributes), as an editor's one-word correction would."""
    pattern = re.compile(rf"\b{re.escape(word)}\b")
    replace = lambda node: pattern.sub(lambda _: replacement, node)  # noqa: E731
    return on_text(lambda text: _map_text_nodes(text, replace))(page)
