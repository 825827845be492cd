"""Alerts: a crawl's pages/s with ten subscriptions against none.

    python bench/alerts.py [--pages 2000] [--edited 0.10] [--rounds 3] [--concurrency 16]

The local site of bench/crawl_e2e.py (N article pages in one feed) and one
secantusdb server. Run 1 stores every page; then, round after round, a
fraction of the pages is edited and crawled again, in turn:

- none: no subscription (alerts on: every change record still gets its mark,
  which the end of the crawl clears);
- ten: ten subscriptions with `--all`, each to its own webhook path of a
  receiver in another process, so every change is ten POSTs;
- ten, 1 s: the same, with NEWSCRAWLER_ALERTS_INTERVAL_SECONDS=1, so that
  delivery runs in its thread while pages are crawled, not only at the end.

Pages/s come from each crawl's own stats (article responses / elapsed time,
which ends when the spider closes, before the final delivery); the crawl
process's wall time, which includes that delivery, is shown too. Target: each
"ten" figure within 5% of the mean "none" figure.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (BenchSite, PageSet, bbc_crawl_command, crawl_settings, free_port,  # noqa: E402
                    machine_description, met, print_table, run_crawl, secantus_server)

TARGET = 0.05
SUBSCRIPTIONS = 10


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages in the feed (default 2000)")
    parser.add_argument("--edited", type=float, default=0.10, help="fraction edited each round (default 0.10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of none / ten / ten 1 s (default 3)")
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS (default 16)")
    parser.add_argument("--receiver", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the receiver process
    return parser.parse_args(argv)


def serve_receiver(port: int) -> None:
    """Answer every POST with 200 and count them; GET /count says how many."""
    posts = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps connections open, as webhook endpoints do

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                posts.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            body = json.dumps(len(posts)).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


def start_receiver() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--receiver", str(port)])
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):  # its imports take a while on a busy machine
        try:
            received(url)
            return process, url
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the receiver did not start")


def received(url: str) -> int:
    with urllib.request.urlopen(url + "/count", timeout=5) as response:
        return json.loads(response.read())


def subscribe(uri: str, database: str, receiver_url: str, count: int) -> None:
    with MongoClient(uri) as client:
        client[database].alert_subscriptions.delete_many({})
        for n in range(count):
            client[database].alert_subscriptions.insert_one(
                {"_id": f"bench{n}", "target": f"{receiver_url}/hook{n}", "all_changes": True})


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.receiver:
        serve_receiver(args.receiver)
        return 0
    print(f"machine: {machine_description()}")
    log_dir = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    pages = PageSet(args.pages)
    site = BenchSite(pages).start()
    database = "bench_alerts"
    rows, by_kind = [], {"none": [], "ten": [], "ten, 1 s": []}
    receiver = None
    try:
        receiver, receiver_url = start_receiver()
        with secantus_server() as db:
            settings = crawl_settings(args.concurrency, args.concurrency, db.uri, database)
            run_crawl("run 1 new", bbc_crawl_command(site.feed_url, settings), log_dir, db)
            round_ = 0
            kinds = [("none", 0, []), ("ten", SUBSCRIPTIONS, []),
                     ("ten, 1 s", SUBSCRIPTIONS, ["-s", "NEWSCRAWLER_ALERTS_INTERVAL_SECONDS=1"])]
            for repeat in range(args.rounds):
                # each round starts with another kind: a crawl after one that delivered
                # 2,000 alerts meets a server still busy with them, whatever its own kind
                for kind, count, extra in kinds[repeat % 3:] + kinds[:repeat % 3]:
                    round_ += 1
                    edited = pages.edit(args.edited, round_=round_)
                    subscribe(db.uri, database, receiver_url, count)
                    before = received(receiver_url)
                    result = run_crawl(f"{kind} {repeat + 1}", bbc_crawl_command(site.feed_url, settings + extra),
                                       log_dir, db)
                    posts = received(receiver_url) - before
                    by_kind[kind].append(result.pages_per_second)
                    rows.append([result.label, result.pages, result.stat("newscrawler/articles/changed"),
                                 len(edited), posts, result.stat("newscrawler/alerts/sent", 0), result.elapsed,
                                 result.pages_per_second, result.wall_seconds, result.cpu_seconds])
                    print(f"  {result.label}: {result.pages_per_second:.0f} pages/s, {posts} POSTs, "
                          f"{result.wall_seconds:.1f} s wall", flush=True)
    finally:
        site.stop()
        if receiver is not None:
            receiver.kill()
            receiver.wait()

    print()
    print_table(["crawl", "pages", "changed", "edited", "POSTs received", "alerts sent", "elapsed s", "pages/s",
                 "wall s", "crawl CPU s"], rows)
    none = statistics.fmean(by_kind["none"])
    ratios = {kind: statistics.fmean(values) / none for kind, values in by_kind.items() if kind != "none"}
    ok = all(ratio >= 1 - TARGET for ratio in ratios.values())
    expected = SUBSCRIPTIONS * round(args.edited * args.pages)
    complete = all(row[4] == expected for row in rows if row[0].startswith("ten"))
    print(f"\nsummary: none {none:.0f} pages/s; "
          + "; ".join(f"{kind} {statistics.fmean(by_kind[kind]):.0f} pages/s = {ratio:.3f}x"
                      for kind, ratio in ratios.items())
          + f"; target within {TARGET:.0%} of none: {met(ok)}; every change POSTed to each of the ten: "
            f"{met(complete)}")
    return 0 if ok and complete else 1


if __name__ == "__main__":
    sys.exit(main())
