"""`newscrawler alerts add|list|remove|send|status`: the logic behind the subcommands.

Each command takes the open store, the project settings, the parsed
arguments and the output stream, and returns the exit status; the
`newscrawler` command (newscrawler/reading/cli.py) only wires them in.
"""
import argparse
import sys

from newscrawler.alerts.config import AlertSettings
from newscrawler.alerts.outbox import Outbox
from newscrawler.alerts.senders import check_target, masked
from newscrawler.alerts.subscriptions import BadSubscription, add_subscription_arguments, subscription, target_id
from newscrawler.clock import utc_now
from newscrawler.reading.presentation import format_time
from newscrawler.sources import article_id_of
from newscrawler.storage import DELIVERY_FAILED, DELIVERY_PENDING, DELIVERY_SENT, RevisionStore

STATUSES = (DELIVERY_PENDING, DELIVERY_SENT, DELIVERY_FAILED)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `alerts` subcommands, each with `alert_run` set to its function here."""
    commands = parser.add_subparsers(dest="alerts_command", required=True, metavar="COMMAND")
    add_parser = commands.add_parser("add", help="subscribe a webhook or notification URL to changes")
    add_subscription_arguments(add_parser)
    add_parser.set_defaults(alert_run=add)
    commands.add_parser("list", help="the subscriptions").set_defaults(alert_run=list_subscriptions)
    remove_parser = commands.add_parser("remove", help="remove a subscription")
    remove_parser.add_argument("id", metavar="ID", help="its id, as `alerts list` shows it")
    remove_parser.set_defaults(alert_run=remove)
    send_parser = commands.add_parser("send", help="deliver the alerts that are due now")
    send_parser.add_argument("--seconds", type=float, default=None,
                             help="deliver for at most this long (default NEWSCRAWLER_ALERTS_FLUSH_SECONDS)")
    send_parser.set_defaults(alert_run=send)
    status_parser = commands.add_parser("status", help="alerts pending, sent and failed, and failing targets")
    status_parser.set_defaults(alert_run=status)


def add(store: RevisionStore, settings, args, out) -> int:
    try:
        check_target(args.target)
        added = subscription(args.target, source=args.source, all_changes=args.all_changes, headline=args.headline,
                             removed=args.removed, word=args.word,
                             article_id=article_id_of(args.article) if args.article else None)
    except BadSubscription as error:
        print(f"newscrawler: {error}", file=sys.stderr)
        return 1
    store.add_subscription({**added.as_document(), "created_at": utc_now()})
    print(f"Added {added.id}: {added.describe()} -> {masked(added.target)}", file=out)
    return 0


def list_subscriptions(store: RevisionStore, settings, args, out) -> int:
    found = Outbox(store, AlertSettings.from_settings(settings)).subscriptions()
    if not found:
        print("No alert subscriptions.", file=out)
    for each in found:
        origin = "  (from NEWSCRAWLER_ALERTS)" if each.from_settings else ""
        print(f"{each.id}  {masked(each.target)}  {each.describe()}{origin}", file=out)
    return 0


def remove(store: RevisionStore, settings, args, out) -> int:
    outbox = Outbox(store, AlertSettings.from_settings(settings))
    if any(each.id == args.id and each.from_settings for each in outbox.subscriptions()):
        print(f"newscrawler: {args.id} comes from the NEWSCRAWLER_ALERTS setting: change the setting",
              file=sys.stderr)
        return 1
    removed = store.remove_subscription(args.id)
    if removed is None:
        print(f"newscrawler: no alert subscription {args.id} (see `newscrawler alerts list`)", file=sys.stderr)
        return 1
    remaining = {each.target for each in outbox.subscriptions()}
    cancelled = 0 if removed["target"] in remaining else store.cancel_deliveries(target_id(removed["target"]))
    print(f"Removed {args.id}" + (f"; {cancelled} pending alert(s) to its target cancelled" if cancelled else ""),
          file=out)
    return 0


def send(store: RevisionStore, settings, args, out) -> int:
    alert_settings = AlertSettings.from_settings(settings)
    outbox = Outbox(store, alert_settings)
    done = outbox.flush(alert_settings.flush_seconds if args.seconds is None else args.seconds)
    print(f"{done.sent} alert(s) sent, {done.failed} failed attempt(s); "
          f"{store.count_pending_deliveries()} pending", file=out)
    return 0


def status(store: RevisionStore, settings, args, out) -> int:
    subscriptions = Outbox(store, AlertSettings.from_settings(settings)).subscriptions()
    counts = store.delivery_counts()
    targets = {target["_id"]: target for target in store.alert_targets()}
    shown = {each.target_id: masked(each.target) for each in subscriptions}
    from_settings = sum(each.from_settings for each in subscriptions)
    print(f"Subscriptions: {len(subscriptions)}" + (f" ({from_settings} from NEWSCRAWLER_ALERTS)"
                                                     if from_settings else ""), file=out)
    print(f"Change records waiting to be matched: {store.count_changes_to_alert()}", file=out)
    print(f"Alerts: {_counts(counts)}", file=out)
    for known in sorted({target for target, _ in counts} | set(targets) | set(shown)):
        target = targets.get(known, {})
        line = f"  {shown.get(known) or target.get('target') or known}: {_counts(counts, known)}"
        print(line + _health(target), file=out)
    return 0


def _counts(counts: dict, of_target: str | None = None) -> str:
    totals = {status_name: sum(count for (target, name), count in counts.items()
                               if name == status_name and of_target in (None, target))
              for status_name in STATUSES}
    return ", ".join(f"{count} {name}" for name, count in totals.items())


def _health(target: dict) -> str:
    if target.get("failing"):
        return (f"; FAILING since {format_time(target.get('failing_since'))}: {target.get('failures')} "
                f"failures in a row, last: {target.get('last_error')}")
    if target.get("last_success_at"):
        return f"; last sent {format_time(target['last_success_at'])}"
    return ""
