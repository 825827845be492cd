"""General article extractors compared on every fixture page: token F1 against the expected text, time per page.

    python bench/extractors.py [--repeat 3] [--pages] [--outlet NAME]

Pages: every page of every tests/fixtures/*/expected.json, as
tests/test_extraction_generic.py lists them. A page of a registered source is
expected to read as that source's own extractor reads it (extracted, then
normalised as the pipeline does: the text the source's facts verify); a page
of an outlet without a source (tests/fixtures/generic/) carries its expected
headline and body, established by hand. Pages marked `not_article` are left
out of the scores and listed as the generic extractor refuses them or not;
pages of a source that is not registered here are skipped, and the script
says so.

Extractors, each given the page as the crawl decodes it (the libraries get
that text; ours take the bytes and decode them, which is in their time):
trafilatura, newspaper4k, readability-lxml and goose3 when installed (the
script says which are missing), the page's JSON-LD `articleBody`, the general
extractor as first written (`baseline`, kept here as it was) and the general
extractor now (`generic`, through the `feed` source). Outputs are normalised
as the pipeline normalises them.

Token F1 (tests/test_extraction_generic.py `token_f1`): the word tokens (\\w+,
lowercased) as bags; precision is the share of the extracted tokens found in
the expected text, recall the share of the expected found in the extracted,
F1 their harmonic mean. A page an extractor gives nothing for, or refuses,
scores 0. Means are per outlet and over all pages. Headline: exact equality
with the expected headline, and the same token F1 of the two headlines. Time: CPU time (so that other processes on the
machine count less), the fastest of --repeat runs of each extractor on each
page, in ms; "own source" is the page's source's own extractor.
"""
import argparse
import dataclasses
import importlib.metadata
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_description, print_table  # noqa: E402

from newscrawler.extraction import ExtractionError, NotAnArticle, _decode, _parse, extract  # noqa: E402
from newscrawler.extraction.query import xpath  # noqa: E402
from newscrawler.extraction.text import json_ld_value, visible_text  # noqa: E402
from newscrawler.sources import SOURCES  # noqa: E402
from pipelines.normalise import normalise_blocks, normalise_text  # noqa: E402
from tests.test_extraction_generic import FEED, ExpectedPage, expected_pages, token_f1  # noqa: E402

LIBRARIES = {"trafilatura": "trafilatura", "newspaper4k": "newspaper4k", "readability": "readability-lxml",
             "goose3": "goose3"}  # column -> distribution
OURS = ("baseline", "generic")
METADATA_FIELDS = ("byline", "published", "modified")
_WORD = re.compile(r"\w+")


# ------------------------------------------------------------------ extractors
# Each takes (decoded text, raw bytes, url) and gives (headline, blocks).

def generic(text, html, url):
    try:
        article = extract(url, html, "text/html", source=FEED)
    except ExtractionError:
        return "", []
    return article.headline, article.body


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

@dataclasses.dataclass
class Score:
    precision: float
    recall: float
    f1: float
    headline_exact: bool
    headline_f1: float
    ms: float
    body: list[str]  # normalised


def best_time(call, repeat: int) -> float:
    """The fastest of repeat runs of call, in CPU seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        call()
        best = min(best, time.process_time() - start)
    return best


def score(extractor, page: ExpectedPage, html: bytes, repeat: int) -> Score:
    text, _ = _decode(html, "text/html")
    result = {}

    def call():
        result["out"] = extractor(text, html, page.url)

    seconds = best_time(call, repeat)
    headline, blocks = result["out"]
    body = normalise_blocks([block for block in blocks if block])
    precision, recall, f1 = token_f1(body, page.body)
    headline = normalise_text(headline)
    return Score(precision, recall, f1, headline == page.headline, token_f1([headline], [page.headline])[2],
                 seconds * 1000, body)


def own_source_ms(page: ExpectedPage, html: bytes, repeat: int) -> float | None:
    source = SOURCES.get(page.expected_from)
    if source is None:
        return None
    return best_time(lambda: extract(page.url, html, "text/html", source=source), repeat) * 1000


def library_versions(names) -> str:
    return ", ".join(f"{LIBRARIES[name]} {importlib.metadata.version(LIBRARIES[name])}" for name in names)


# ------------------------------------------------------------------ report

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per extractor and page; the fastest counts")
    parser.add_argument("--pages", action="store_true", help="also print F1 per page")
    parser.add_argument("--outlet", help="only this outlet's pages")
    parser.add_argument("--combinations", action="store_true",
                        help="also score the generic extractor combined with each library")
    args = parser.parse_args(argv)
    pages, not_articles, left_out = expected_pages()
    if args.outlet:
        pages = [page for page in pages if page.outlet == args.outlet]
        not_articles = [page for page in not_articles if page["outlet"] == args.outlet]
    libraries, missing = library_extractors()
    extractors = {**libraries, "json-ld": json_ld_article_body, "baseline": baseline, "generic": generic}
    print(f"machine: {machine_description()}")
    print(f"libraries: {library_versions(libraries) or 'none'}")
    if missing:
        print(f"not installed, left out: {', '.join(missing)}")
    if left_out:
        print(f"skipped, their source is not registered: {', '.join(left_out)}")
    htmls = {page.id: page.path.read_bytes() for page in pages}
    scores = {name: [score(run, page, htmls[page.id], args.repeat) for page in pages]
              for name, run in extractors.items()}
    source_ms = [own_source_ms(page, htmls[page.id], args.repeat) for page in pages]
    refused = refused_articles(pages, htmls)
    if args.pages:
        print_per_page(pages, scores)
    print_summary_tables(pages, scores, source_ms)
    print_metadata_agreement(pages, htmls)
    print_refusals(not_articles, refused)
    if args.combinations:
        print_combinations(pages, scores, libraries, refused)
    return print_summary_line(pages, scores, refused)


def refused_articles(pages, htmls) -> dict[str, str]:
    """Article pages of the fixtures that the generic extractor refuses, and why."""
    refused = {}
    for page in pages:
        try:
            extract(page.url, htmls[page.id], "text/html", source=FEED)
        except ExtractionError as reason:
            refused[page.id] = f"{type(reason).__name__}: {str(reason).split(': ', 1)[-1]}"
    return refused


def print_per_page(pages, scores):
    print_table(["page", *scores], [[page.id, *(f"{scores[name][n].f1:.3f}" for name in scores)]
                                    for n, page in enumerate(pages)])
    print()


def outlet_groups(pages) -> list[tuple[str, list[int]]]:
    outlets = sorted({page.outlet for page in pages})
    groups = [(outlet, [n for n, page in enumerate(pages) if page.outlet == outlet]) for outlet in outlets]
    return groups + [("all", list(range(len(pages))))]


def print_summary_tables(pages, scores, source_ms):
    groups = outlet_groups(pages)
    print("mean token F1")
    print_table(["outlet", "pages", *scores], [
        [label, len(indexes), *(f"{mean(scores[name], indexes, 'f1'):.3f}" for name in scores)]
        for label, indexes in groups])
    print("\nmean precision / recall")
    print_table(["outlet", *scores], [
        [label, *(f"{mean(scores[name], indexes, 'precision'):.2f}/{mean(scores[name], indexes, 'recall'):.2f}"
                  for name in scores)] for label, indexes in groups])
    print("\nheadline: exact matches (mean token F1)")
    print_table(["outlet", *scores], [
        [label, *(f"{sum(scores[name][n].headline_exact for n in indexes)}/{len(indexes)} "
                  f"({mean(scores[name], indexes, 'headline_f1'):.2f})" for name in scores)]
        for label, indexes in groups])
    print("\nms per page (CPU; mean of each page's fastest run)")
    print_table(["outlet", "own source", *scores], [
        [label, _mean_or_none([source_ms[n] for n in indexes if source_ms[n] is not None]),
         *(mean(scores[name], indexes, "ms") for name in scores)] for label, indexes in groups])


def print_metadata_agreement(pages, htmls):
    """How often the generic extractor's byline and times are the page's own source's."""
    rows = []
    for outlet, indexes in outlet_groups(pages):
        counts = {name: [0, 0] for name in METADATA_FIELDS}
        for n in indexes:
            page = pages[n]
            source = SOURCES.get(page.expected_from)
            if source is None:
                continue
            own = _read_or_none(page, htmls[page.id], source)
            ours = _read_or_none(page, htmls[page.id], FEED)
            for name in METADATA_FIELDS:
                wanted = _field(own, name)
                if wanted is not None:
                    counts[name][0] += _field(ours, name) == wanted
                    counts[name][1] += 1
        if any(of for _, of in counts.values()):
            rows.append([outlet, *(f"{hit}/{of}" for hit, of in counts.values())])
    print("\ngeneric byline and times equal to the page's own source's (pages where that source gives one)")
    print_table(["outlet", *METADATA_FIELDS], rows)


def _read_or_none(page, html, source):
    try:
        return extract(page.url, html, "text/html", source=source)
    except ExtractionError:
        return None


def _field(article, name):
    value = getattr(article, name, None) if article else None
    return normalise_text(value) if name == "byline" and value else value


def print_refusals(not_articles, refused):
    print("\npages marked not_article, read by the generic extractor:")
    for page in not_articles:
        try:
            extract(page["url"], page["path"].read_bytes(), "text/html", source=FEED)
            verdict = "READ AS AN ARTICLE"
        except NotAnArticle as reason:
            verdict = f"refused: {str(reason).split(': ', 1)[-1]}"
        except ExtractionError as reason:
            verdict = f"no article: {reason}"
        print(f"  {page['id']}: {verdict}")
    if refused:
        print("article pages that the generic extractor refuses (scored 0):")
        for page_id, reason in refused.items():
            print(f"  {page_id}: {reason}")


def print_combinations(pages, scores, libraries, refused):
    """Mean F1 of two ways of combining the generic extractor with a library:
    keeping the generic blocks that the library also has most words of, and
    taking the library's text where the two disagree (a page the generic
    extractor refuses stays refused)."""
    rows = []
    for name in libraries:
        kept, switched = [], []
        for n, page in enumerate(pages):
            ours, theirs = scores["generic"][n].body, scores[name][n].body
            kept.append(token_f1(_supported(ours, theirs), page.body)[2])
            disagree = page.id not in refused and token_f1(ours, theirs)[2] < DISAGREEMENT
            switched.append(scores[name][n].f1 if disagree else scores["generic"][n].f1)
        rows.append([name, f"{statistics.fmean(kept):.3f}", f"{statistics.fmean(switched):.3f}"])
    print(f"\ncombined with a library (generic alone: {mean(scores['generic'], range(len(pages)), 'f1'):.3f})")
    print_table(["library", f"generic blocks with >= {SUPPORT:.0%} of their words in its text",
                 f"its text where the two agree < {DISAGREEMENT}"], rows)


SUPPORT, DISAGREEMENT = 0.5, 0.7


def _supported(blocks: list[str], other: list[str]) -> list[str]:
    words = set(_WORD.findall(" ".join(other).lower()))
    return [block for block in blocks if _share_in(_WORD.findall(block.lower()), words) >= SUPPORT]


def _share_in(tokens: list[str], words: set) -> float:
    return sum(token in words for token in tokens) / len(tokens) if tokens else 0.0


def print_summary_line(pages, scores, refused) -> int:
    everything = list(range(len(pages)))
    read = [n for n, page in enumerate(pages) if page.id not in refused]
    f1 = {name: mean(scores[name], everything, "f1") for name in scores}
    singles = {name: value for name, value in f1.items() if name not in OURS}
    best = max(singles, key=singles.get)
    beaten = f1["generic"] > singles[best]
    print(f"\nsummary: {len(pages)} article pages; mean token F1 generic {f1['generic']:.3f} "
          f"({mean(scores['generic'], everything, 'ms'):.1f} ms/page), best single extractor {best} "
          f"{singles[best]:.3f} ({mean(scores[best], everything, 'ms'):.1f} ms/page), baseline {f1['baseline']:.3f}; "
          f"on the {len(read)} pages generic reads as articles: generic {mean(scores['generic'], read, 'f1'):.3f}, "
          f"{best} {mean(scores[best], read, 'f1'):.3f}; headlines exact generic "
          f"{sum(s.headline_exact for s in scores['generic'])}/{len(pages)}; "
          f"generic beats the best single extractor: {'yes' if beaten else 'NO'}")
    return 0 if beaten else 1


def mean(page_scores: list[Score], indexes: list[int], field: str) -> float:
    return statistics.fmean(getattr(page_scores[n], field) for n in indexes) if indexes else 0.0


def _mean_or_none(values):
    return statistics.fmean(values) if values else None


if __name__ == "__main__":
    sys.exit(main())
