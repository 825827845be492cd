"""The reading side: what users see of tracked articles and their changes.

`cli` (the `newscrawler` command), `web` (the read-only web view), `feeds`
(RSS feeds of changes) and `presentation` (what they share: summaries,
links, comparisons). Read-only, over storage.RevisionStore and the diff model.
"""
