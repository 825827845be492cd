"""General article extractors compared on every fixture page: token F1 against the expected text, time per page.

    python bench/extractors.py [--repeat 3] [--pages] [--outlet NAME]

Pages: every page of every tests/fixtures/*/expected.json. A page of a
registered source is expected to read as that source's own extractor reads it
(extracted, then normalised as the pipeline does: it is the text the source's
facts verify); a page of an outlet without a source (tests/fixtures/generic/)
carries its expected headline and body, established by hand. Pages marked
`not_article` are left out of the scores and listed as refused or not by the
generic extractor. Pages of a source that is not registered here are skipped,
and the script says so.

Extractors, each given the page as the crawl decodes it (the libraries get
that text; ours take the bytes and decode them, which is included in their
time): trafilatura, newspaper4k, readability-lxml and goose3 when installed
(said when one is not), the page's JSON-LD `articleBody`, the general
extractor as it was first written (`baseline`, kept here as it was) and the
general extractor now (`generic`, through the `feed` source). Each output is
normalised as the pipeline normalises.

Token F1: the text's word tokens (\\w+, lowercased) as a bag; precision is
the share of the extracted tokens found in the expected text, recall the share
of the expected found in the extracted, F1 their harmonic mean; a page an
extractor gives nothing for (or refuses) scores 0. Means are per outlet and
over all pages. Headline: exact equality with the expected headline. Time:
the fastest of --repeat runs of each extractor on each page, in ms.
"""
import argparse
import dataclasses
import json
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import FIXTURES, machine_description, print_table  # noqa: E402

from newscrawler.extraction import ExtractionError, NotAnArticle, _decode, _parse, extract  # noqa: E402
from newscrawler.extraction.query import xpath  # noqa: E402
from newscrawler.extraction.text import json_ld_value, visible_text  # noqa: E402
from newscrawler.sources import SOURCES  # noqa: E402
from newscrawler.sources.generic import generic_source  # noqa: E402
from pipelines.normalise import normalise_blocks, normalise_text  # noqa: E402

GENERIC = generic_source("feed")
METADATA_FIELDS = ("byline", "published", "modified")
MIRROR = "http://127.0.0.1:8080/"  # the URL of a page whose facts give none
_TOKEN = re.compile(r"\w+")


# ------------------------------------------------------------------ pages

@dataclasses.dataclass
class FixturePage:
    outlet: str
    file: str
    url: str
    html: bytes
    headline: str  # expected, normalised
    body: list[str]  # expected blocks, normalised
    expected_from: str  # the source whose extractor gave the expected text, or "established"
    source_ms: float | None = None  # that source's own extraction time
    source_fields: dict | None = None  # that source's byline, published and modified


def fixture_pages(outlet: str | None = None) -> tuple[list[FixturePage], list[dict], list[str]]:
    """(article pages, pages marked not_article, notes on what was skipped)."""
    pages, refused, notes = [], [], []
    for expected in sorted(FIXTURES.glob("*/expected.json")):
        facts = json.loads(expected.read_text(encoding="utf-8"))
        name = facts.get("source", expected.parent.name)
        source = SOURCES.get(name)
        for entry in facts["pages"]:
            page_outlet = entry.get("outlet", name)
            if outlet and page_outlet != outlet:
                continue
            path = expected.parent / entry["file"]
            url = entry.get("url") or MIRROR + entry["file"]
            if entry.get("not_article"):
                refused.append({"outlet": page_outlet, "file": entry["file"], "url": url, "html": path.read_bytes()})
            elif "body" in entry:
                pages.append(FixturePage(page_outlet, entry["file"], url, path.read_bytes(),
                                         normalise_text(entry["title"]), normalise_blocks(entry["body"]),
                                         "established"))
            elif source is not None:
                pages.append(_page_read_by_source(page_outlet, entry["file"], url, path.read_bytes(), source))
            else:
                notes.append(f"{name}/{entry['file']}")
    return pages, refused, notes


def _page_read_by_source(outlet: str, file: str, url: str, html: bytes, source) -> FixturePage:
    article = extract(url, html, "text/html", source=source)
    seconds = best_time(lambda: extract(url, html, "text/html", source=source), 3)
    fields = {"byline": article.byline and normalise_text(article.byline), "published": article.published,
              "modified": article.modified}
    return FixturePage(outlet, file, url, html, normalise_text(article.headline), normalise_blocks(article.body),
                       source.name, seconds * 1000, fields)


# ------------------------------------------------------------------ extractors
# Each takes (decoded text, raw bytes, url) and gives (headline, blocks).

def ours(source):
    def run(text, html, url):
        try:
            article = extract(url, html, "text/html", source=source)
        except ExtractionError:
            return "", []
        return article.headline, article.body
    return run


def json_ld_article_body(text, html, url):
    page = _parse(text)
    headline = json_ld_value(page.json_ld, "headline")
    body = json_ld_value(page.json_ld, "articleBody")
    return (headline if isinstance(headline, str) else ""), (body.splitlines() if isinstance(body, str) else [])


# The general extractor as first written (commit 9b49240), so that its score stays comparable.
_BASELINE_CONTAINERS = tuple(xpath(q) for q in ("//*[@itemprop='articleBody']", "//article", "//main", "//body"))
_BASELINE_BLOCKS = xpath(".//p | .//h2 | .//h3 | .//li[not(ancestor::nav)]")
_BASELINE_CHROME = frozenset({"nav", "header", "footer", "aside", "form", "figure"})


def baseline(text, html, url):
    page = _parse(text)
    headline = json_ld_value(page.json_ld, "headline")
    if not (isinstance(headline, str) and headline.strip()):
        headline = page.meta_property("og:title") or page.first_text(xpath("//h1"))
    article_body = json_ld_value(page.json_ld, "articleBody")
    if isinstance(article_body, str) and article_body.strip():
        return headline, article_body.splitlines()
    for container in _BASELINE_CONTAINERS:
        found = page.find(container)
        if found:
            blocks = [visible_text(b) for b in _BASELINE_BLOCKS(found[0])
                      if not any(a.tag in _BASELINE_CHROME for a in b.iterancestors())]
            blocks = [b for b in blocks if len(b.split()) >= 4]
            if blocks:
                return headline, blocks
    return headline, []


def library_extractors() -> tuple[dict, list[str]]:
    """The installed libraries' extractors, and the names of those missing."""
    found, missing = {}, []
    for name, make in (("trafilatura", _trafilatura), ("newspaper4k", _newspaper), ("readability", _readability),
                       ("goose3", _goose)):
        try:
            found[name] = make()
        except ImportError:
            missing.append(name)
    return found, missing


def _trafilatura():
    import trafilatura

    def run(text, html, url):
        document = trafilatura.bare_extraction(text, url=url, with_metadata=True, include_comments=False)
        if document is None:
            return "", []
        return document.title or "", (document.text or "").splitlines()
    return run


def _newspaper():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import newspaper

    def run(text, html, url):
        article = newspaper.Article(url, fetch_images=False)
        article.download(input_html=text)
        article.parse()
        return article.title or "", article.text.splitlines()
    return run


def _readability():
    import lxml.html
    from readability import Document

    def run(text, html, url):
        document = Document(text, url=url)
        summary = lxml.html.fromstring(document.summary(html_partial=True))
        blocks = [visible_text(element) for element in summary.iter("p", "h2", "h3", "h4", "li", "pre")]
        return document.short_title() or "", blocks
    return run


def _goose():
    from goose3 import Goose
    goose = Goose({"enable_image_fetching": False})

    def run(text, html, url):
        article = goose.extract(url=url, raw_html=text)
        return article.title or "", (article.cleaned_text or "").splitlines()
    return run


# ------------------------------------------------------------------ scores

def tokens(blocks: list[str]) -> Counter:
    return Counter(_TOKEN.findall(" ".join(blocks).lower()))


def token_f1(extracted: list[str], expected: list[str]) -> tuple[float, float, float]:
    """(precision, recall, F1) of the bags of word tokens."""
    got, want = tokens(extracted), tokens(expected)
    common = sum((got & want).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def best_time(call, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        call()
        best = min(best, time.process_time() - start)
    return best


@dataclasses.dataclass
class Score:
    precision: float
    recall: float
    f1: float
    headline_exact: bool
    ms: float
    body: list[str]


def score(extractor, page: FixturePage, repeat: int) -> Score:
    text, _ = _decode(page.html, "text/html")
    result = {}

    def call():
        result["out"] = extractor(text, page.html, page.url)

    seconds = best_time(call, repeat)
    headline, blocks = result["out"]
    body = normalise_blocks([block for block in blocks if block])
    precision, recall, f1 = token_f1(body, page.body)
    return Score(precision, recall, f1, normalise_text(headline) == page.headline, seconds * 1000, body)


# ------------------------------------------------------------------ report

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per extractor and page; the fastest counts")
    parser.add_argument("--pages", action="store_true", help="also print F1 per page")
    parser.add_argument("--outlet", help="only this outlet's pages")
    args = parser.parse_args(argv)
    print(f"machine: {machine_description()}")
    pages, not_articles, skipped = fixture_pages(args.outlet)
    libraries, missing = library_extractors()
    extractors = {**libraries, "json-ld": json_ld_article_body, "baseline": baseline, "generic": ours(GENERIC)}
    if missing:
        print(f"not installed, left out: {', '.join(missing)}")
    if skipped:
        print(f"skipped, no registered source and no established text: {', '.join(skipped)}")
    scores = {name: [score(run, page, args.repeat) for page in pages] for name, run in extractors.items()}
    outlets = sorted({page.outlet for page in pages})
    if args.pages:
        print_per_page(pages, scores)
    print_summary_tables(pages, outlets, scores)
    print_metadata_agreement(pages)
    print_refusals(not_articles)
    return print_summary_line(pages, scores)


def print_per_page(pages, scores):
    print_table(["page", *scores], [
        [f"{page.outlet}/{Path(page.file).name}", *(f"{scores[name][n].f1:.3f}" for name in scores)]
        for n, page in enumerate(pages)])
    print()


def print_summary_tables(pages, outlets, scores):
    groups = [(outlet, [n for n, page in enumerate(pages) if page.outlet == outlet]) for outlet in outlets]
    groups.append(("all", list(range(len(pages)))))
    print("mean token F1 (pages)")
    print_table(["outlet", "pages", *scores], [
        [label, len(indexes), *(f"{mean(scores[name], indexes, 'f1'):.3f}" for name in scores)]
        for label, indexes in groups])
    print("\nmean precision / recall")
    print_table(["outlet", *scores], [
        [label, *(f"{mean(scores[name], indexes, 'precision'):.2f}/{mean(scores[name], indexes, 'recall'):.2f}"
                  for name in scores)] for label, indexes in groups])
    print("\nheadline exact match")
    print_table(["outlet", *scores], [
        [label, *(f"{sum(scores[name][n].headline_exact for n in indexes)}/{len(indexes)}" for name in scores)]
        for label, indexes in groups])
    print("\nms per page (mean of each page's fastest run)")
    source_ms = [page.source_ms for page in pages]
    print_table(["outlet", "own source", *scores], [
        [label, _mean_or_none([source_ms[n] for n in indexes if source_ms[n] is not None]),
         *(mean(scores[name], indexes, "ms") for name in scores)] for label, indexes in groups])


def print_metadata_agreement(pages):
    """How often the generic extractor's byline and times are the page's own source's."""
    rows = []
    for outlet in sorted({page.outlet for page in pages if page.source_fields}):
        counts = {name: [0, 0] for name in METADATA_FIELDS}
        for page in pages:
            if page.outlet != outlet or not page.source_fields:
                continue
            try:
                article = extract(page.url, page.html, "text/html", source=GENERIC)
            except ExtractionError:
                article = None
            for name in METADATA_FIELDS:
                wanted = page.source_fields[name]
                if wanted is None:
                    continue
                got = getattr(article, name, None) if article else None
                got = normalise_text(got) if name == "byline" and got else got
                counts[name][0] += got == wanted
                counts[name][1] += 1
        rows.append([outlet, *(f"{hit}/{of}" for hit, of in counts.values())])
    print("\ngeneric byline and times equal to the source's own (pages where the source gives one)")
    print_table(["outlet", *METADATA_FIELDS], rows)


def print_refusals(not_articles):
    if not not_articles:
        return
    print("\npages that are not articles, read by the generic extractor:")
    for page in not_articles:
        try:
            extract(page["url"], page["html"], "text/html", source=GENERIC)
            verdict = "READ AS AN ARTICLE"
        except NotAnArticle as reason:
            verdict = f"refused: {reason}"
        except ExtractionError as reason:
            verdict = f"no article: {reason}"
        print(f"  {page['outlet']}/{page['file']}: {verdict}")


def print_summary_line(pages, scores) -> int:
    everything = list(range(len(pages)))
    f1 = {name: mean(scores[name], everything, "f1") for name in scores}
    libraries = {name: value for name, value in f1.items() if name not in ("generic", "baseline")}
    best_single = max(libraries, key=libraries.get)
    beaten = f1["generic"] > libraries[best_single]
    print(f"\nsummary: {len(pages)} article pages; mean token F1 generic {f1['generic']:.3f} "
          f"({mean(scores['generic'], everything, 'ms'):.1f} ms/page), best single extractor {best_single} "
          f"{libraries[best_single]:.3f} ({mean(scores[best_single], everything, 'ms'):.1f} ms/page), baseline "
          f"{f1['baseline']:.3f}; headlines exact generic {sum(s.headline_exact for s in scores['generic'])}"
          f"/{len(pages)}; generic beats the best single extractor: {'yes' if beaten else 'NO'}")
    return 0 if beaten else 1


def mean(page_scores: list[Score], indexes: list[int], field: str) -> float:
    return statistics.fmean(getattr(page_scores[n], field) for n in indexes) if indexes else 0.0


def _mean_or_none(values):
    return statistics.fmean(values) if values else None


if __name__ == "__main__":
    sys.exit(main())
