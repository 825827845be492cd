"""Alert subscriptions and which changes they match. Pure: no database, no network.

A subscription names a target (an http(s) URL: a JSON webhook; any other URL:
an Apprise notification URL) and a filter. Every part of the filter that is
set must hold:

- `source`: the change is to an article of this source;
- `all_changes`: minor changes too (by default only substantive ones alert);
- `headline`: the headline changed;
- `removed`: at least one paragraph was removed;
- `word`: this word or phrase (any case, whole words, any spacing) is in the
  removed or the inserted text;
- `article_id`: the change is to this article.
"""
import argparse
import hashlib
import re
import secrets
import shlex
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from newscrawler.changewords import changed_passages
from newscrawler.sources import article_id_of

WEBHOOK, APPRISE = "webhook", "apprise"


class BadSubscription(ValueError):
    """A subscription that cannot be used: the message says why."""


@dataclass(frozen=True)
class Subscription:
    target: str
    source: str | None = None
    all_changes: bool = False
    headline: bool = False
    removed: bool = False
    word: str | None = None
    article_id: str | None = None
    id: str = field(default_factory=lambda: secrets.token_hex(4))
    from_settings: bool = False

    @property
    def target_id(self) -> str:
        return target_id(self.target)

    def as_document(self) -> dict:
        document = {key: value for key, value in asdict(self).items() if key not in ("id", "from_settings")}
        return {"_id": self.id, **document}

    @classmethod
    def from_document(cls, document: dict) -> "Subscription":
        fields = {name: document.get(name) for name in cls.__dataclass_fields__ if name not in ("id", "from_settings")}
        return cls(**{name: value for name, value in fields.items() if value is not None}, id=document["_id"])

    def describe(self) -> str:
        """The filter in words: "substantive changes to bbc articles whose removed or inserted text has “x”"."""
        what = "all changes" if self.all_changes else "substantive changes"
        to = f"the article {self.article_id}" if self.article_id else (
            f"{self.source} articles" if self.source else "any article")
        conditions = [condition for flag, condition in ((self.headline, "the headline changed"),
                                                        (self.removed, "a paragraph was removed"),
                                                        (self.word, f"“{self.word}” was removed or inserted"))
                      if flag]
        return f"{what} to {to}" + (" where " + " and ".join(conditions) if conditions else "")


def target_kind(target: str) -> str:
    """WEBHOOK for an http(s) URL, else APPRISE (checked by the Apprise sender)."""
    scheme = urlsplit(target).scheme.lower()
    if not scheme or "://" not in target:
        raise BadSubscription(f"not a URL: {target!r} (give an http(s) webhook or an Apprise URL)")
    return WEBHOOK if scheme in ("http", "https") else APPRISE


def target_id(target: str) -> str:
    """A short stable name of a target, so that its address (and its secrets) need not be repeated."""
    return hashlib.sha256(target.encode()).hexdigest()[:16]


def subscription(target: str, source: str | None = None, all_changes: bool = False, headline: bool = False,
                 removed: bool = False, word: str | None = None, article_id: str | None = None,
                 **identity) -> Subscription:
    """A checked subscription: raises BadSubscription."""
    target_kind(target)
    if word is not None and not word.split():
        raise BadSubscription("--word needs a word or phrase")
    return Subscription(target=target, source=source or None, all_changes=all_changes, headline=headline,
                        removed=removed, word=" ".join(word.split()) if word else None,
                        article_id=article_id or None, **identity)


def add_subscription_arguments(parser: argparse.ArgumentParser) -> None:
    """TARGET and the filter options of `newscrawler alerts add` (and of the NEWSCRAWLER_ALERTS setting)."""
    parser.add_argument("target", metavar="TARGET",
                        help="an http(s) URL to POST JSON to, or an Apprise URL (mailto://, slack://, tgram://...)")
    parser.add_argument("--source", help="only changes to this source's articles, e.g. bbc")
    parser.add_argument("--all", dest="all_changes", action="store_true",
                        help="minor changes too (default: substantive ones only)")
    parser.add_argument("--headline", action="store_true", help="only changes of the headline")
    parser.add_argument("--removed", action="store_true", help="only changes that removed a paragraph")
    parser.add_argument("--word", metavar="W", help="only changes that removed or inserted this word or phrase")
    parser.add_argument("--article", metavar="URL", help="only changes to this article")


class _SettingParser(argparse.ArgumentParser):
    def error(self, message):
        raise BadSubscription(message)


def subscription_fields(words: list[str]) -> dict:
    """The keyword arguments of subscription() from `alerts add` arguments. Raises BadSubscription."""
    parser = _SettingParser(prog="NEWSCRAWLER_ALERTS", add_help=False)
    add_subscription_arguments(parser)
    return vars(parser.parse_args(words))


def from_setting(entry) -> Subscription:
    """A subscription of the NEWSCRAWLER_ALERTS setting: a dict of Subscription
    fields, or a string with the arguments of `newscrawler alerts add`. Its id
    comes from its text, so it stays the same from run to run."""
    if isinstance(entry, dict):
        fields = dict(entry)
    else:
        fields = subscription_fields(shlex.split(entry))
        article = fields.pop("article")
        fields["article_id"] = article_id_of(article) if article else None
    spec = repr(sorted(fields.items()))
    return subscription(**fields, id="setting-" + hashlib.sha256(spec.encode()).hexdigest()[:6],
                        from_settings=True)


def matches(subscription: Subscription, change: dict, passages: tuple[list[str], list[str]] | None = None) -> bool:
    """Whether the change record matches. `passages`: its changed_passages, if known already."""
    if subscription.source and change.get("source") != subscription.source:
        return False
    if subscription.article_id and change.get("article_id") != subscription.article_id:
        return False
    if not subscription.all_changes and not (change.get("classification") or {}).get("substantive", True):
        return False
    if subscription.headline and not change.get("headline_changed"):
        return False
    if subscription.removed and not (change.get("counts") or {}).get("removed"):
        return False
    if subscription.word:
        removed, inserted = passages or changed_passages(change)
        return bool(word_pattern(subscription.word).search("\n".join([*removed, *inserted])))
    return True


def word_pattern(phrase: str) -> re.Pattern:
    """A word or phrase in any case, as whole words, with any whitespace between its words."""
    words = [re.escape(word) for word in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)
