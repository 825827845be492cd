"""A Scrapy extension for tests: in a crawl that enables it, the spider's
extraction raises an exception that is not an ExtractionError, as a bug in a
layout or an input nobody foresaw would.

    scrapy crawl bbc -s 'EXTENSIONS={"tests.extraction_bug.ExtractionBug": 0}'
"""
from newscrawler.spiders import news

MESSAGE = "a bug in a layout"


class ExtractionBug:
    @classmethod
    def from_crawler(cls, crawler):
        news.extract = extract_with_a_bug
        return cls()


def extract_with_a_bug(url, body, content_type=None, *, source):
    raise KeyError(MESSAGE)
