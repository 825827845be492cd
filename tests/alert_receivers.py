"""Local HTTP receivers of alerts for the tests: real servers on 127.0.0.1, in threads.

A receiver records every POST (path, headers, JSON body, the status it
answered) and answers from a script: `answers` is a list of statuses used one
per request, the last one repeated; "hang" means never answering (until the
receiver stops).
"""
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG = "hang"


@dataclass
class Post:
    path: str
    headers: dict
    body: dict
    status: int | str


class Receiver:
    def __init__(self, answers=(200,)):
        self.answers = list(answers)
        self.posts: list[Post] = []
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def accepted(self) -> list[Post]:
        return [post for post in self.posts if post.status == 200]

    def _answer(self) -> int | str:
        with self.lock:
            index = min(len(self.posts), len(self.answers) - 1)
            return self.answers[index]

    def _handler_class(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = receiver._answer()
                with receiver.lock:
                    receiver.posts.append(Post(self.path, dict(self.headers), json.loads(body or b"null"), answer))
                if answer == HANG:
                    receiver.released.wait(30)
                    return
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
