"""Article pages of the Washington Post Design System ("wpds"), from the
early 2020s to today (captured 2024; the 2025-2026 pages keep the markup).

The story is a run of `div.article-body[data-qa="article-body"]` blocks, one
per paragraph (`p[data-el="text"]`), sub-heading, list, image, video, ad slot
or promo; the headline is `h1[data-qa="headline"]`, the authors are
`a[rel="author"]` links in `[data-qa="author-byline"]`. JSON-LD names the
authors and gives both times, which the Layout defaults read.
"""
from newscrawler.extraction.query import xpath
from newscrawler.sources.washingtonpost.layout_2019 import WashingtonPost2019

# Outermost [data-qa="article-body"] blocks.
_BODY_BLOCKS = xpath("//*[@data-qa='article-body'][not(ancestor::*[@data-qa='article-body'])]")


class WashingtonPost2024(WashingtonPost2019):
    name = "washingtonpost-2024"
    containers = _BODY_BLOCKS
