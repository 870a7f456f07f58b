"""A tiny HTTP GET with a hard total deadline, for probing the gateway.

``urllib`` applies its timeout to each socket operation, so a server that
trickles a byte every second never times out; and it honours ``http_proxy``,
which would send a probe of ``127.0.0.1`` to a proxy. This client connects
directly and closes the socket when the deadline passes, whatever it is doing.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass

#: bytes of a response body kept; a health answer is a few hundred bytes
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class HttpResult:
    """An HTTP answer (``status`` set) or why there was none (``error`` set)."""

    url: str
    status: int | None = None
    body: bytes = b""
    error: str | None = None


_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


def redact_userinfo(url: str) -> str:
    """``http://user:pass@host`` -> ``http://***@host``: never echo a password."""
    return _USERINFO.sub(r"\1***@", url)


def check_http_url(text: str) -> str:
    """An http(s) base URL with a host and a valid port, without ``user:password@``.

    The credentials are dropped (the health endpoints need none) so they can
    never reach a record or an alert. ``ValueError`` says what is wrong.
    """
    url = text.strip().rstrip("/")
    shown = repr(redact_userinfo(url))
    example = "use e.g. http://127.0.0.1:18789"
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise ValueError(f"{shown} is not a valid URL ({exc}): {example}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{shown} is not an http(s) URL: {example}")
    try:
        port = parts.port
    except ValueError as exc:
        problem = "is out of range (1-65535)" if "range" in str(exc) else "is not a number"
        raise ValueError(f"the port in {shown} {problem}: {example}") from None
    if port == 0:
        raise ValueError(f"the port in {shown} is out of range (1-65535): {example}")
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _fmt_s(seconds: float) -> str:
    return f"{seconds:g} s"


def http_get(url: str, *, timeout_s: float) -> HttpResult:
    """GET ``url``; never takes (much) longer than ``timeout_s`` in total, never raises."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return HttpResult(url, error=f"unsupported URL {url!r}")
    try:
        port = parts.port
    except ValueError:
        return HttpResult(url, error=f"invalid port in URL {url!r}")
    if port is None:
        # Always explicit: http.client would read the last ":1" of an IPv6
        # host such as ::1 (already unbracketed by urlsplit) as its port.
        port = 443 if parts.scheme == "https" else 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    conn_cls = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_cls(parts.hostname, port, timeout=timeout_s)
    expired = threading.Event()
    # Kept apart from conn.sock: http.client drops that reference once the
    # headers say the connection will close, while the body is still being read.
    sockets: list[socket.socket] = []

    def expire() -> None:
        # Shutting the socket down wakes any blocked recv/send at once.
        expired.set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(timeout_s, expire)
    watchdog.daemon = True
    started = time.monotonic()
    try:
        watchdog.start()
        conn.connect()
        if conn.sock is not None:
            sockets.append(conn.sock)
        if expired.is_set():  # the deadline passed while connecting
            raise TimeoutError
        conn.request(
            "GET",
            path,
            headers={"Accept": "application/json", "User-Agent": "taskrunner-system-health"},
        )
        response = conn.getresponse()
        body = response.read(MAX_BODY_BYTES)
        if expired.is_set():
            raise TimeoutError
        return HttpResult(url, status=response.status, body=body)
    except ConnectionRefusedError:
        return HttpResult(url, error="connection refused")
    except TimeoutError:
        return HttpResult(url, error=f"no answer within {_fmt_s(timeout_s)}")
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or time.monotonic() - started >= timeout_s:
            return HttpResult(url, error=f"no answer within {_fmt_s(timeout_s)}")
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if isinstance(exc, http.client.HTTPException):
            reason = f"not a valid HTTP answer: {type(exc).__name__} {exc}".strip()
        return HttpResult(url, error=reason)
    finally:
        watchdog.cancel()
        watchdog.join()  # no thread left running when the caller forks (openclaw)
        conn.close()
