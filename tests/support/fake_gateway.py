"""A real stand-in for the OpenClaw gateway: an HTTP server on 127.0.0.1, and free ports."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON, str/bytes -> as is
    delay_s: float = 0.0
    #: send headers, then one body byte every 50 ms (a server that never quite answers)
    trickle: bool = False


HEALTHY = Reply(200, {"ok": True, "status": "live"})
READY = Reply(200, {"ready": True, "failing": [], "uptimeMs": 3423})


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up on a slow reply is the point of some tests, not an error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _QuietServer6(_QuietServer):
    address_family = socket.AF_INET6


def ipv6_loopback_available() -> bool:
    """Whether ::1 can be bound here (some containers have no IPv6 at all)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


class FakeGateway:
    """``/healthz`` and ``/readyz`` answered from per-path queues (the last reply repeats).

    Listens on 127.0.0.1 and a free port unless told otherwise (``host="::1"``,
    ``port=80``); binding raises ``OSError`` when that is not possible.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes: dict[str, list[Reply]] = {"/healthz": [HEALTHY], "/readyz": [READY]}
        self.hits: list[str] = []
        self.release = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                gateway.hits.append(self.path)
                queue = gateway.routes.get(self.path) or [Reply(404, {"error": "not found"})]
                reply = queue.pop(0) if len(queue) > 1 else queue[0]
                if reply.delay_s:
                    gateway.release.wait(reply.delay_s)
                body = reply.body
                if isinstance(body, (dict, list)):
                    data = json.dumps(body).encode()
                elif isinstance(body, str):
                    data = body.encode()
                else:
                    data = body or b""
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                if reply.trickle:
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    with contextlib.suppress(OSError):
                        for _ in range(100000):
                            if gateway.release.wait(0.05):
                                break
                            self.wfile.write(b" ")
                            self.wfile.flush()
                    return
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        server_cls = _QuietServer6 if ":" in host else _QuietServer
        self.host = host
        self.server = server_cls((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def set(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def __enter__(self) -> FakeGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    """A port nothing listens on (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def raw_tcp_server(payload: bytes) -> Iterator[int]:
    """A TCP server that answers every connection with ``payload`` and closes it."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    stop = threading.Event()

    def serve() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn, contextlib.suppress(OSError):
                conn.recv(4096)
                conn.sendall(payload)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(srv.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        srv.close()
