"""Extraction health per source over the last hours: `newscrawler health` and `/health`.

For each source: its checks, the share whose extraction failed, the top
failure reasons with example URLs (newscrawler.health says what counts).
"""
import html
from dataclasses import dataclass
from datetime import datetime, timedelta

from newscrawler.health import EXAMPLES_PER_REASON, Tally

DEFAULT_HOURS = 24
# failures looked at for example URLs, per source
EXAMPLE_SCAN_LIMIT = 500


@dataclass
class SourceHealth:
    source: str
    tally: Tally


def health_report(store, now: datetime, hours: int = DEFAULT_HOURS, source: str | None = None) -> list[SourceHealth]:
    """Each source's extraction health from `hours` before `now`, worst share first."""
    since = now - timedelta(hours=hours)
    by_source: dict[str, list[dict]] = {}
    for counts in store.check_counts(since, source):
        by_source.setdefault(counts["source"], []).append(counts)
    report = []
    for name, counts in by_source.items():
        tally = Tally.of_counts(counts)
        tally.examples = _examples(store, name, since)
        report.append(SourceHealth(name, tally))
    return sorted(report, key=lambda health: (-health.tally.share, health.source))


def _examples(store, source: str, since: datetime) -> dict[str, list[str]]:
    """A few recent URLs per failure reason."""
    examples: dict[str, list[str]] = {}
    failures = store.extraction_failures({"source": source, "fetched_at": {"$gte": since}},
                                         sort=(("source", 1), ("fetched_at", -1))).limit(EXAMPLE_SCAN_LIMIT)
    for failure in failures:
        urls = examples.setdefault(failure["reason"], [])
        if failure["url"] not in urls and len(urls) < EXAMPLES_PER_REASON:
            urls.append(failure["url"])
    return examples


def health_lines(report: list[SourceHealth], hours: int = DEFAULT_HOURS) -> list[str]:
    if not report:
        return [f"No checks recorded in the last {hours} hours."]
    lines = [f"Extraction health, last {hours} hours (share of checks whose page could not be read):", ""]
    for health in report:
        tally = health.tally
        lines.append(f"{health.source:<16} {tally.share:6.1%} of {tally.checks} checks failed extraction "
                     f"({tally.failed})")
        for reason, count in tally.top_reasons():
            lines.append(f"    {reason}: {count}")
            lines += [f"        e.g. {url}" for url in tally.examples.get(reason, [])]
    return lines


def health_html(report: list[SourceHealth], hours: int = DEFAULT_HOURS) -> str:
    """The health table as escaped HTML."""
    if not report:
        return f"<p>No checks recorded in the last {hours} hours.</p>"
    rows = []
    for health in report:
        tally = health.tally
        reasons = "".join(
            f"<li>{html.escape(reason)}: {count}"
            + "".join(f"<span class=note>{html.escape(url)}</span>" for url in tally.examples.get(reason, []))
            + "</li>" for reason, count in tally.top_reasons())
        rows.append(f"<tr><td>{html.escape(health.source)}</td><td>{tally.checks}</td><td>{tally.failed}</td>"
                    f"<td>{tally.share:.1%}</td><td><ul>{reasons}</ul></td></tr>")
    return ("<table><thead><tr><th>Source</th><th>Checks</th><th>Failed extraction</th><th>Share</th>"
            f"<th>Top reasons, with example pages</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
