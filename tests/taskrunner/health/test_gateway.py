"""Gateway check against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.fake_gateway import (
    FakeGateway,
    Reply,
    free_port,
    ipv6_loopback_available,
    raw_tcp_server,
)
from taskrunner.errors import ConfigError
from taskrunner.health.gateway import (
    DEFAULT_PORT,
    GatewayEndpoint,
    check_gateway,
    resolve_endpoint,
)
from taskrunner.health.http import http_get
from taskrunner.openclaw.config import load_openclaw_config


@pytest.fixture
def gw() -> Iterator[FakeGateway]:
    with FakeGateway() as server:
        yield server


class Sleeps:
    """Records the re-check delays instead of sleeping through them."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def probe(url: str, *, timeout_s: float = 2.0, sleep: Sleeps | None = None):  # type: ignore[no-untyped-def]
    return check_gateway(
        GatewayEndpoint(url, "test"),
        timeout_s=timeout_s,
        recheck_delay_s=2.0,
        sleep=sleep or Sleeps(),
    )


def test_live_and_ready_is_ok(gw: FakeGateway) -> None:
    sleeps = Sleeps()
    check = probe(gw.url, sleep=sleeps)
    assert (check.status, check.problems) == ("ok", [])
    assert check.to_dict()["live"] is True and check.to_dict()["ready"] is True
    assert gw.hits == ["/healthz", "/readyz"]
    assert sleeps.calls == []


def test_connection_refused_is_critical_after_one_recheck() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    sleeps = Sleeps()
    check = probe(url, sleep=sleeps)
    assert check.status == "critical"
    assert check.detail == f"gateway not reachable at {url} (connection refused)"
    assert sleeps.calls == [2.0]
    [problem] = check.problems
    assert (problem.key, problem.level) == ("health:gateway", "critical")
    assert problem.message.startswith(check.detail)
    assert "openclaw gateway status" in problem.message


def test_a_restart_between_the_two_probes_pages_nobody(gw: FakeGateway) -> None:
    gw.set("/healthz", Reply(503, {"ok": False}), Reply(200, {"ok": True}))
    sleeps = Sleeps()
    check = probe(gw.url, sleep=sleeps)
    assert check.status == "ok"
    assert sleeps.calls == [2.0]
    assert gw.hits == ["/healthz", "/healthz", "/readyz"]


@pytest.mark.parametrize("status", [500, 503, 404])
def test_an_error_status_on_healthz_is_critical(gw: FakeGateway, status: int) -> None:
    gw.set("/healthz", Reply(status, "upstream exploded"))
    check = probe(gw.url)
    assert check.status == "critical"
    assert f"answered /healthz with HTTP {status}: upstream exploded" in check.detail
    assert gw.hits == ["/healthz", "/healthz"]


@pytest.mark.parametrize("body", ["<html>nginx</html>", "", "[1, 2]", '"ok"'])
def test_a_healthz_answer_that_is_not_a_json_object_is_critical(gw: FakeGateway, body: str) -> None:
    gw.set("/healthz", Reply(200, body))
    check = probe(gw.url)
    assert check.status == "critical"
    assert "not a JSON object" in check.detail
    assert "another program using the port" in check.detail


@pytest.mark.parametrize("body", [{"ok": False}, {"status": "live"}, {"ok": "true"}])
def test_healthz_without_ok_true_is_critical(gw: FakeGateway, body: dict[str, object]) -> None:
    gw.set("/healthz", Reply(200, body))
    check = probe(gw.url)
    assert check.status == "critical"
    assert "reports it is not healthy" in check.detail


def test_a_slow_answer_is_a_timeout(gw: FakeGateway) -> None:
    gw.set("/healthz", Reply(200, {"ok": True}, delay_s=30))
    check = probe(gw.url, timeout_s=0.3)
    assert check.status == "critical"
    assert check.detail.endswith("(no answer within 0.3 s)")


def test_a_server_trickling_bytes_cannot_hold_the_probe(gw: FakeGateway) -> None:
    # Each byte arrives well within the socket timeout; only a total deadline stops this.
    gw.set("/healthz", Reply(200, trickle=True))
    result = http_get(gw.url + "/healthz", timeout_s=0.5)
    assert result.status is None
    assert result.error == "no answer within 0.5 s"


def test_something_that_is_not_http_on_the_port_is_critical() -> None:
    with raw_tcp_server(b"SSH-2.0-OpenSSH_9.6\r\n") as port:
        check = probe(f"http://127.0.0.1:{port}")
    assert check.status == "critical"
    assert "not a valid HTTP answer" in check.detail


def test_a_proxy_in_the_environment_is_not_used(
    gw: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(var, dead_proxy)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert probe(gw.url).status == "ok"


def test_readyz_503_just_after_a_start_is_rechecked(gw: FakeGateway) -> None:
    gw.set("/readyz", Reply(503, {"ready": False, "failing": ["startup"]}), Reply(200, {}))
    sleeps = Sleeps()
    check = probe(gw.url, sleep=sleeps)
    assert check.status == "ok"
    assert sleeps.calls == [2.0]


def test_readyz_503_that_persists_is_a_warning_not_critical(gw: FakeGateway) -> None:
    gw.set("/readyz", Reply(503, {"ready": False, "failing": ["channels", "sessions"]}))
    check = probe(gw.url)
    assert check.status == "warning"
    assert "live but not ready (/readyz answered HTTP 503; failing: channels, sessions)" in (
        check.detail
    )
    [problem] = check.problems
    assert (problem.key, problem.level) == ("health:gateway", "warning")
    assert check.to_dict()["live"] is True and check.to_dict()["ready"] is False


def test_healthz_already_rechecked_means_no_second_wait_for_readyz(gw: FakeGateway) -> None:
    gw.set("/healthz", Reply(500), Reply(200, {"ok": True}))
    gw.set("/readyz", Reply(503, {"ready": False}))
    sleeps = Sleeps()
    check = probe(gw.url, sleep=sleeps)
    assert check.status == "warning"
    assert sleeps.calls == [2.0]


needs_ipv6 = pytest.mark.skipif(
    not ipv6_loopback_available(), reason="no IPv6 loopback (::1) on this machine"
)


@needs_ipv6
def test_an_ipv6_gateway_with_a_port() -> None:
    with FakeGateway(host="::1") as server:
        assert server.url == f"http://[::1]:{server.port}"
        check = probe(server.url)
    assert (check.status, check.detail) == ("ok", f"live and ready at {server.url}")


@needs_ipv6
def test_an_ipv6_gateway_url_without_a_port_means_port_80() -> None:
    try:
        server = FakeGateway(host="::1", port=80)
    except OSError as exc:  # not root, or port 80 taken
        pytest.skip(f"cannot listen on [::1]:80 here ({exc.strerror or exc})")
    with server:
        endpoint = resolve_endpoint("http://[::1]", {}, no_config)
        assert (endpoint.port, endpoint.is_loopback) == (80, True)
        check = check_gateway(endpoint, timeout_s=2.0, sleep=Sleeps())
    assert (check.status, check.detail) == ("ok", "live and ready at http://[::1]")


# -- where the gateway is expected -------------------------------------------------


def no_config(env: object) -> dict[str, object]:
    return {}


def test_default_port() -> None:
    endpoint = resolve_endpoint(None, {}, no_config)
    assert (endpoint.url, endpoint.source) == (f"http://127.0.0.1:{DEFAULT_PORT}", "default")
    assert endpoint.port == DEFAULT_PORT and endpoint.is_loopback


def test_env_port_beats_the_config() -> None:
    endpoint = resolve_endpoint(
        None, {"OPENCLAW_GATEWAY_PORT": " 28789 "}, lambda env: {"gateway": {"port": 1234}}
    )
    assert (endpoint.url, endpoint.source) == ("http://127.0.0.1:28789", "OPENCLAW_GATEWAY_PORT")


def test_gateway_url_beats_everything_and_the_config_is_not_read() -> None:
    def broken(env: object) -> dict[str, object]:
        raise ConfigError("must not be read")

    endpoint = resolve_endpoint("http://gw.example:9000/", {"OPENCLAW_GATEWAY_PORT": "1"}, broken)
    assert (endpoint.url, endpoint.port, endpoint.is_loopback) == (
        "http://gw.example:9000",
        9000,
        False,
    )


@pytest.mark.parametrize("value", ["abc", "0", "70000", "-1", "18789.5"])
def test_an_invalid_env_port_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="OPENCLAW_GATEWAY_PORT"):
        resolve_endpoint(None, {"OPENCLAW_GATEWAY_PORT": value}, no_config)


@pytest.mark.parametrize("value", ["ftp://x", "127.0.0.1:18789", "http://", "http://h:99999"])
def test_an_invalid_gateway_url_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="--gateway-url"):
        resolve_endpoint(value, {}, no_config)


def write_config(home: Path, text: str) -> Path:
    path = home / ".openclaw" / "openclaw.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_port_from_the_json5_config_as_openclaw_resolves_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_config(home, "// mine\n{gateway: {port: 28790, bind: 'loopback',},}\n")
    env = {"OPENCLAW_HOME": str(home)}
    endpoint = resolve_endpoint(None, env, load_openclaw_config)
    assert (endpoint.url, endpoint.source) == ("http://127.0.0.1:28790", "gateway.port")


def test_port_from_a_profile_config(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = home / ".openclaw-work" / "openclaw.json"
    path.parent.mkdir(parents=True)
    path.write_text("{gateway: {port: 28791}}")
    env = {"OPENCLAW_HOME": str(home), "OPENCLAW_PROFILE": "work"}
    assert resolve_endpoint(None, env, load_openclaw_config).port == 28791


def test_a_config_without_gateway_port_means_the_default(tmp_path: Path) -> None:
    write_config(tmp_path / "home", "{agents: {defaults: {workspace: '~/ws'}}}")
    env = {"OPENCLAW_HOME": str(tmp_path / "home")}
    assert resolve_endpoint(None, env, load_openclaw_config).port == DEFAULT_PORT


# OpenClaw 2026.9.6 refuses a string port ("expected number, received string"), ${VAR} too.
@pytest.mark.parametrize("port", ["true", "'x'", "0", "[1]", "'28789'", "'${PORT}'", "1.5"])
def test_an_invalid_config_port_is_a_config_error(tmp_path: Path, port: str) -> None:
    path = write_config(tmp_path / "home", f"{{gateway: {{port: {port}}}}}")
    env = {"OPENCLAW_HOME": str(tmp_path / "home"), "PORT": "28789"}
    with pytest.raises(ConfigError, match=r"gateway\.port") as info:
        resolve_endpoint(None, env, load_openclaw_config, config_path=path)
    assert str(path) in str(info.value)


def test_an_invalid_config_file_is_a_config_error(tmp_path: Path) -> None:
    write_config(tmp_path / "home", "{gateway: {port: 18789}")
    env = {"OPENCLAW_HOME": str(tmp_path / "home")}
    with pytest.raises(ConfigError, match="line 1"):
        resolve_endpoint(None, env, load_openclaw_config)
