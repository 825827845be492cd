"""Pure page extraction: HTML in, article fields out.

Nothing here fetches, reads settings or the clock, or knows about Scrapy's
engine. `extract(url, html)` picks the site by URL and the layout era by
markers in the page.
"""
