"""Pushed alerts of detected changes (README.md, "Alerts").

- `subscriptions`: who wants which changes, and matching (pure);
- `message`: what an alert says, as JSON and as short text (pure);
- `senders`: JSON webhooks (requests) and Apprise notification URLs;
- `config`: the settings, and the outbox mark a change record gets at insert;
- `outbox`: matching stored changes and delivering them, with retries;
- `extension`: delivery during and at the end of a crawl;
- `commands`: `newscrawler alerts add|list|remove|send|status`.
"""
