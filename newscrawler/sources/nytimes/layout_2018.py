"""The first React story pages, 2017 to 2019: companion columns straight in
`article#story`, before the `section[name=articleBody]` wrapper.

Each `div.StoryBodyCompanionColumn` is an inner div of paragraphs beside an
`aside`, as in the 2020 layout; photos and videos sit between the columns,
and the print citation and share tools follow in `div.bottom-of-article`.
"""
from newscrawler.extraction.query import having, xpath
from newscrawler.sources.nytimes.layout_2020 import Layout2020

# //article[@id="story"]//div[contains(@class, "StoryBodyCompanionColumn")]
_COLUMNS = xpath(
    having("//article", "id", "story") + "/descendant::div[contains(@class, 'StoryBodyCompanionColumn')]"
)


class Layout2018(Layout2020):
    name = "nytimes-2018"
    columns = _COLUMNS
