"""One text normalisation for every site, so that equal text hashes equally.

Text that cannot be encoded repaired (UTF-16 surrogates), Unicode NFC, entities
decoded, non-breaking and zero-width spaces and soft hyphens handled,
whitespace collapsed, empty and consecutive duplicate blocks dropped; then a
content hash of headline plus body.
"""
import hashlib
import html
import json
import logging
import re
import unicodedata

from itemadapter import ItemAdapter

from newscrawler.items import FAILED, CheckItem

logger = logging.getLogger(__name__)

SPACE_LIKE = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000"), " ")
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
SPACE_LIKE_AND_INVISIBLE = {**SPACE_LIKE, **INVISIBLE}  # one str.translate pass for both
SURROGATE = re.compile("[\ud800-\udfff]")


def repair_surrogates(text: str) -> str:
    """Text that UTF-8 (and so MongoDB) can encode. A Python string can hold
    UTF-16 surrogates, which UTF-8 cannot: half a pair from JSON in a page
    ("\\ud800"), or a whole pair as two code points. A pair becomes its
    character, a lone half U+FFFD."""
    if not SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def decode_entities(text: str) -> str:
    """Decode entities until none are left, so that normalising is idempotent
    even for double-escaped text such as `&amp;pound;`."""
    while "&" in text:
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def normalise_text(text: str | None) -> str:
    """Normalised text; normalising it again changes nothing. Deleting an
    invisible character can complete an entity ("&l\u00adt" -> "&lt"), so the
    steps repeat until nothing changes (each round but the last shortens the
    text or composes it, so this ends)."""
    if not text:
        return ""
    text = repair_surrogates(text)
    while True:
        normalised = _normalise_once(text)
        if normalised == text:
            return normalised
        text = normalised


def _normalise_once(text: str) -> str:
    text = decode_entities(text).translate(SPACE_LIKE_AND_INVISIBLE)
    return " ".join(unicodedata.normalize("NFC", text).split())  # whitespace runs collapsed, ends stripped


def normalise_blocks(blocks: list[str]) -> list[str]:
    normalised = []
    for block in map(normalise_text, blocks):
        if block and (not normalised or normalised[-1] != block):
            normalised.append(block)
    return normalised


def content_hash(headline: str, body: list[str]) -> str:
    canonical = json.dumps([headline, body], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class NormalisePipeline:
    """Normalises headline, byline and body in place and sets `content_hash`.

    Text that normalises to nothing (a headline or body of invisible
    characters only) is no article: the item becomes a failed check."""

    def __init__(self, stats=None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if "body" not in adapter:  # a check without page text
            return item
        if any(text and SURROGATE.search(text) for text in (adapter["headline"], adapter.get("byline"),
                                                             *adapter["body"])):
            self._count_repair(adapter["url"])
        adapter["headline"] = normalise_text(adapter["headline"])
        if adapter.get("byline"):
            adapter["byline"] = normalise_text(adapter["byline"]) or None
        adapter["body"] = normalise_blocks(adapter["body"])
        if not adapter["headline"] or not adapter["body"]:
            return self._no_article_text(adapter)
        adapter["content_hash"] = content_hash(adapter["headline"], adapter["body"])
        return item

    def _no_article_text(self, adapter: ItemAdapter) -> CheckItem:
        if self.stats is not None:
            self.stats.inc_value("newscrawler/pages/failed/no_article_text")
        missing = "headline" if not adapter["headline"] else "body text"
        logger.warning("No article text found (no visible %s), not stored: %s", missing, adapter["url"])
        return CheckItem(article_id=adapter["article_id"], url=adapter["url"], source=adapter["source"],
                         outcome=FAILED, fetched_at=adapter["fetched_at"], http_status=adapter.get("http_status"),
                         reason="no_article_text", capture=adapter.get("capture"), extractor=adapter.get("extractor"),
                         from_capture=adapter.get("from_capture", False))

    def _count_repair(self, url: str) -> None:
        logger.warning("Repairing text that cannot be encoded (UTF-16 surrogates) in %s", url)
        if self.stats is not None:
            self.stats.inc_value("newscrawler/text/repaired/surrogates")
