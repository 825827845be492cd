"""The project's own signals, sent through `crawler.signals` like Scrapy's.

item_handled: the revision pipeline dealt with an item without a change
record (unchanged, a first version, a recorded check, stale, refused,
journaled...). Handlers get `item` and `outcome`, the `Handled` exception of
pipelines/revisions.py that says which. The item then goes on to
`item_scraped` as every checked item does.
"""
item_handled = object()
