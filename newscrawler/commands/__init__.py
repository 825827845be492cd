"""The project's Scrapy commands (COMMANDS_MODULE): `crawl`, with an exit status that tells a failed crawl."""
