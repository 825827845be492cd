"""Sending one alert to one target: a JSON webhook (requests) or an Apprise URL.

A sender returns None when the target took the alert, else what went wrong
in a few words; it never raises for a target's failure, and never waits
longer than the timeout it is given. A sender is built once per target and pass.
"""
import json
import logging
from urllib.parse import urlsplit, urlunsplit

import requests

from newscrawler.alerts.subscriptions import APPRISE, WEBHOOK, BadSubscription, target_kind

logger = logging.getLogger(__name__)

USER_AGENT = "newscrawler/0.1 alerts"


class WebhookSender:
    """POSTs the alert's JSON body, with its idempotency key as the `Idempotency-Key` header."""

    def __init__(self, url: str):
        self.target = url
        self.session = requests.Session()  # one connection for a pass's alerts, where the server keeps it open

    def send(self, key: str, body: dict, title: str, text: str, timeout: float) -> str | None:
        headers = {"Content-Type": "application/json", "Idempotency-Key": key, "User-Agent": USER_AGENT}
        try:
            # no redirects: a webhook that moved is a failure to report, not a hop to follow
            with self.session.post(self.target, data=json.dumps(body).encode(), headers=headers,
                                   timeout=timeout, allow_redirects=False) as response:
                status = response.status_code
        except requests.RequestException as error:
            return f"{type(error).__name__}: {error}"[:300]
        return None if 200 <= status < 300 else f"HTTP {status}"

    def close(self) -> None:
        self.session.close()


class AppriseSender:
    """Notifies the Apprise URL with the alert's short text."""

    def __init__(self, url: str):
        self.target = url
        self.notifier = apprise_notifier(url)

    def send(self, key: str, body: dict, title: str, text: str, timeout: float) -> str | None:
        try:
            result = self.notifier.notify(text, title=title, timeout=timeout)
        except Exception as error:  # a plugin's bug must not end the delivery of other alerts
            logger.warning("Apprise raised while notifying: %s", error, exc_info=True)
            return f"{type(error).__name__}: {error}"[:300]
        if result:
            return None
        said = [entry.message for entry in result.logs() if getattr(entry, "message", None)]
        return (said[-1] if said else f"Apprise: {result.status.name.lower()}")[:300]

    def close(self) -> None:
        pass


def apprise_notifier(url: str):
    """An Apprise instance for one URL: no plugins from the user's folders, no
    persistent storage on disk. Raises BadSubscription for a URL Apprise cannot use."""
    apprise = _apprise()
    notifier = apprise.Apprise(asset=_apprise_asset())
    if not notifier.add(url):
        raise BadSubscription(f"not a notification URL Apprise supports: {masked(url)}")
    return notifier


def sender_for(target: str):
    """The sender of a target. Raises BadSubscription."""
    if target_kind(target) == WEBHOOK:
        return WebhookSender(target)
    return AppriseSender(target)


def check_target(target: str) -> None:
    """Raises BadSubscription unless the target can be sent to."""
    if target_kind(target) == APPRISE:
        apprise_notifier(target)


def masked(target: str) -> str:
    """The target for logs and listings: a webhook without its password, an
    Apprise URL as Apprise shows it privately (its secrets starred)."""
    try:
        kind = target_kind(target)
    except BadSubscription:
        return "(not a URL)"
    if kind == APPRISE:
        plugin = _apprise().Apprise.instantiate(target, asset=_apprise_asset())
        return plugin.url(privacy=True) if plugin else urlsplit(target).scheme + "://…"
    parts = urlsplit(target)
    if parts.password is None:
        return target
    netloc = f"{parts.username}:****@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _apprise():
    # imported when an Apprise URL is first used: a quarter of a second that
    # crawls without Apprise targets need not pay
    import apprise

    return apprise


def _apprise_asset():
    return _apprise().AppriseAsset(plugin_paths=[], storage_mode="memory")
