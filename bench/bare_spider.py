"""The bare Scrapy reference crawl of the benchmarks: the same feed, the same
settings, every linked page fetched, nothing extracted, no item pipelines.

Run by bench/crawl_e2e.py and bench/memory.py as
`scrapy runspider bench/bare_spider.py -a feeds=URL -s ...`.
"""
from scrapy import Request
from scrapy.spiders import XMLFeedSpider


class BareSpider(XMLFeedSpider):
    name = "bare"
    iterator = "iternodes"
    itertag = "item"
    custom_settings = {"ITEM_PIPELINES": {}}

    def __init__(self, feeds: str = "", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed_urls = [url.strip() for url in feeds.split(",") if url.strip()]

    async def start(self):
        for feed_url in self.feed_urls:
            yield Request(feed_url, dont_filter=True)

    def parse_node(self, response, node):
        link = (node.xpath("link/text()").get() or "").strip()
        if link:
            yield Request(response.urljoin(link), callback=self.parse_page)

    def parse_page(self, response):
        self.crawler.stats.inc_value("bare/pages")
        return None
