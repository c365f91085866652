"""A real HTTP server on a free 127.0.0.1 port, served from a daemon thread: what the tests'
stand-ins for a shop (notification receiver, validation hook, test shop pages) run on."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Quiet(BaseHTTPRequestHandler):
    """A handler that writes no access log (the test's output stays the test's)."""

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # the default 5 resets connections under a benchmark's load


def start(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """``handler`` serving on a free port, until ``stop``."""
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()


def base_url(server: ThreadingHTTPServer | None) -> str:
    assert server is not None, "the server is not started"
    return f"http://127.0.0.1:{server.server_address[1]}"
