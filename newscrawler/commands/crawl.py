"""`scrapy crawl`, exiting with status 1 when the crawl failed.

Scrapy's own crawl command exits 0 whenever the crawl could start, also when
it stopped at once because its database could not be used, or when not one
feed could be read: cron, scrapyd and the scheduler would see success. This
one runs the crawl the same way, then asks `newscrawler.summary.crawl_failure`
of its stats. scrapyd runs jobs through the project's commands too, so a
failed job ends with "Process died: exitstatus=1" in scrapyd's log.
"""
from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from newscrawler.summary import crawl_failure

FAILED_CRAWL_EXIT_STATUS = 1


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider of the current project, by name; exit status 1 if the crawl failed"

    def run(self, args, opts) -> None:
        self.crawlers = []
        super().run(args, opts)
        if not self.exitcode and any(crawl_failure(crawler.stats) for crawler in self.crawlers):
            self.exitcode = FAILED_CRAWL_EXIT_STATUS

    def _create_crawler(self, spidercls):
        crawler = super()._create_crawler(spidercls)
        self.crawlers.append(crawler)
        return crawler
