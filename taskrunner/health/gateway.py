"""Gateway check: is the OpenClaw gateway live (``/healthz``) and ready (``/readyz``)?

OpenClaw 2026.9.6 answers ``GET /healthz`` with HTTP 200 ``{"ok": true,
"status": "live"}`` and ``GET /readyz`` with 200 once started (503 for a few
seconds after a start), without authentication.
"""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InvalidRequest
from .http import HttpResult, check_http_url, http_get
from .report import Check, Problem

#: OpenClaw's default gateway port
DEFAULT_PORT = 18789
#: seconds one HTTP request may take in total
DEFAULT_TIMEOUT_S = 3.0
#: seconds to wait before the one re-check, so a gateway restart does not page anyone
DEFAULT_RECHECK_DELAY_S = 2.0

ALERT_KEY = "health:gateway"

Getter = Callable[[str], HttpResult]


@dataclass(frozen=True)
class GatewayEndpoint:
    """Where the gateway is expected, and which setting said so."""

    url: str
    source: str

    @property
    def port(self) -> int | None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.port is not None:
            return parts.port
        return {"http": 80, "https": 443}.get(parts.scheme)

    @property
    def is_loopback(self) -> bool:
        host = urllib.parse.urlsplit(self.url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


def _port_number(value: object) -> int | None:
    """A valid TCP port from a config number (OpenClaw refuses strings there)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 1 <= value <= 65535:
        return value
    return None


def _env_port(value: str) -> int | None:
    value = value.strip()
    return _port_number(int(value)) if value.isascii() and value.isdigit() else None


def resolve_endpoint(
    url_option: str | None,
    env: Mapping[str, str],
    load_config: Callable[[Mapping[str, str]], dict[str, Any]],
    *,
    config_path: Path | None = None,
) -> GatewayEndpoint:
    """``--gateway-url``, else ``OPENCLAW_GATEWAY_PORT``, else ``gateway.port``, else 18789.

    ``config_path`` is where ``load_config`` read from, named in errors.
    """
    if url_option:
        try:
            url = check_http_url(url_option)
        except ValueError as exc:
            raise InvalidRequest(f"--gateway-url: {exc}") from None
        return GatewayEndpoint(url, "--gateway-url")
    raw = env.get("OPENCLAW_GATEWAY_PORT", "").strip()
    if raw:
        port = _env_port(raw)
        if port is None:
            raise ConfigError(
                f"OPENCLAW_GATEWAY_PORT={raw!r} is not a port number (1-65535): fix or unset it"
            )
        return GatewayEndpoint(f"http://127.0.0.1:{port}", "OPENCLAW_GATEWAY_PORT")
    # The loader resolved every $include, so gateway.port may come from an included file.
    section = load_config(env).get("gateway")
    configured = section.get("port") if isinstance(section, Mapping) else None
    if configured is not None:
        port = _port_number(configured)
        if port is None:
            where = config_path or "the OpenClaw config"
            raise ConfigError(
                f"gateway.port {configured!r} in {where} is not a port number (a number "
                "1-65535; OpenClaw refuses anything else): fix it, or pass --gateway-url"
            )
        return GatewayEndpoint(f"http://127.0.0.1:{port}", "gateway.port")
    return GatewayEndpoint(f"http://127.0.0.1:{DEFAULT_PORT}", "default")


def unresolved(error: ConfigError) -> Check:
    """The gateway check when its port setting is invalid: critical, OpenClaw won't start.

    OpenClaw 2026.9.6 refuses to start with a ``gateway.port`` that is not a
    number, so this is the gateway's finding rather than a reason to stop
    checking everything else.
    """
    detail = f"cannot tell where the gateway listens: {error}"
    return Check(
        "gateway",
        "critical",
        detail,
        {"url": None, "port_source": None, "live": False, "ready": False},
        problems=[Problem(ALERT_KEY, "critical", detail, "the gateway port setting")],
    )


def _snippet(body: bytes, limit: int = 120) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def judge_healthz(base: str, result: HttpResult) -> str | None:
    """Why ``/healthz`` says the gateway is not healthy, or None when it is."""
    if result.status is None:
        return f"gateway not reachable at {base} ({result.error})"
    if result.status != 200:
        return f"gateway at {base} answered /healthz with HTTP {result.status}" + (
            f": {_snippet(result.body)}" if result.body.strip() else ""
        )
    data = _json_object(result.body)
    if data is None:
        return (
            f"gateway at {base} answered /healthz with something that is not a JSON object "
            f"({_snippet(result.body) or 'empty body'}): is another program using the port?"
        )
    if data.get("ok") is not True:
        return f"gateway at {base} reports it is not healthy: {_snippet(result.body)}"
    return None


def judge_readyz(base: str, result: HttpResult) -> str | None:
    """Why ``/readyz`` says the gateway is not ready, or None when it is."""
    if result.status == 200:
        return None
    if result.status is None:
        return f"gateway at {base} is live but /readyz did not answer ({result.error})"
    data = _json_object(result.body) or {}
    failing = data.get("failing")
    why = ""
    if isinstance(failing, list) and failing:
        why = "; failing: " + ", ".join(str(f) for f in failing[:5])
    return f"gateway at {base} is live but not ready (/readyz answered HTTP {result.status}{why})"


def _finding(level: str, summary: str, message: str, data: dict[str, Any], label: str) -> Check:
    """The gateway check at ``level``, with the one keyed alert it raises."""
    return Check(
        "gateway", level, summary, data, problems=[Problem(ALERT_KEY, level, message, label)]
    )


def check_gateway(
    endpoint: GatewayEndpoint,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    recheck_delay_s: float = DEFAULT_RECHECK_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
    get: Getter | None = None,
) -> Check:
    """Probe the gateway, re-checking once before reporting a problem."""
    fetch: Getter = get or (lambda url: http_get(url, timeout_s=timeout_s))
    base = endpoint.url
    data: dict[str, Any] = {"url": base, "port_source": endpoint.source}
    label = f"gateway at {base}"

    problem = judge_healthz(base, fetch(base + "/healthz"))
    rechecked = False
    if problem is not None:
        sleep(recheck_delay_s)
        rechecked = True
        problem = judge_healthz(base, fetch(base + "/healthz"))
    if problem is not None:
        data.update(live=False, ready=False)
        message = (
            f"{problem}; see `openclaw gateway status`, start it with `openclaw gateway start` "
            "(service) or `openclaw gateway run`"
        )
        return _finding("critical", problem, message, data, label)

    not_ready = judge_readyz(base, fetch(base + "/readyz"))
    if not_ready is not None and not rechecked:
        sleep(recheck_delay_s)
        not_ready = judge_readyz(base, fetch(base + "/readyz"))
    data.update(live=True, ready=not_ready is None)
    if not_ready is not None:
        return _finding("warning", not_ready, not_ready, data, label)
    return Check("gateway", "ok", f"live and ready at {base}", data)
