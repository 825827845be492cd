"""Feed exports of a crawl: the change records, unless a feed asks for more.

Every check of an article leaves the item pipelines (the revision pipeline
passes each item on once it is stored or recorded): the `ChangeItem` of a
change, else the `ArticleItem` or `CheckItem` itself. `ChangeFeedExporter`
replaces Scrapy's `FeedExporter` so that a feed without `item_classes`
(`scrapy crawl bbc -O changes.jsonl`) still exports exactly the change
records; a feed whose options name `item_classes` (or its own `item_filter`)
gets what it names, e.g. every check:

    FEEDS = {"checks.jsonl": {"format": "jsonlines",
                              "item_classes": ["newscrawler.items.ArticleItem", "newscrawler.items.CheckItem"]}}
"""
from scrapy.extensions.feedexport import FeedExporter, ItemFilter

from newscrawler.items import ChangeItem


class ChangesUnlessNamed(ItemFilter):
    """Scrapy's item filter, with change records only as the default."""

    def accepts(self, item) -> bool:
        if self.item_classes:
            return super().accepts(item)
        return isinstance(item, ChangeItem)


class ChangeFeedExporter(FeedExporter):
    def _load_filter(self, feed_options):
        # Scrapy's one place that picks a feed's filter (scrapy/extensions/feedexport.py)
        if "item_filter" in feed_options:
            return super()._load_filter(feed_options)
        return ChangesUnlessNamed(feed_options)

