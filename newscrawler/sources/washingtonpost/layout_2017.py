"""PageBuilder article pages with JSON-LD, 2017 to late 2019 (also the 2018
captures of 2014 stories).

The same topper and body feature as in 2014-2016, the story now
`article[itemprop="articleBody"]`: paragraphs, `div.subhead` sub-headings,
`p.interstitial-link` related-story links (left out) and `div.inline-content`
embeds (video, galleries, tweets: left out). JSON-LD gives both times, which
the Layout defaults read: the sig line's `datePublished` microdata is the
last update on a 12-hour clock with a fixed -05:00 offset. These pages end
with PageBuilder's loader script, without closing </body> or </html>.
"""
import re

from newscrawler.extraction.layout import Layout
from newscrawler.extraction.page import Page
from newscrawler.sources.washingtonpost.layout_2014 import WashingtonPost2014

# The last thing PageBuilder writes: the script that starts its async features.
_LOADER_AT_END = re.compile(r"pageBuilder\.loadAsync\(\);\s*</script>\s*$")


class WashingtonPost2017(WashingtonPost2014):
    name = "washingtonpost-2017"

    def is_complete(self, text: str) -> bool:
        return super().is_complete(text) or _LOADER_AT_END.search(text[-200:]) is not None

    def matches(self, page: Page) -> bool:
        return bool(page.json_ld) and super().matches(page)

    def published(self, page: Page):
        return Layout.published(self, page)
