"""gateway.* from a config split with $include, resolved as OpenClaw resolves it.

(Checked on OpenClaw 2026.9.6: ``gateway: {$include: "./gw.json5"}`` with ``{port: 28795}``
in gw.json5 makes the gateway listen on 28795.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrunner import paths
from taskrunner.errors import ConfigError
from taskrunner.health.config import gateway_section
from taskrunner.health.gateway import resolve_endpoint
from taskrunner.openclaw.config import deep_merge


@pytest.fixture
def cfg_dir(tmp_path: Path) -> Path:
    d = tmp_path / "home" / ".openclaw"
    d.mkdir(parents=True)
    return d


def endpoint_port(cfg_dir: Path) -> int | None:
    env = {"OPENCLAW_HOME": str(cfg_dir.parent)}
    path = paths.openclaw_config_path(env)
    return resolve_endpoint(None, env, paths.load_openclaw_config, config_path=path).port


def test_gateway_section_from_an_include(cfg_dir: Path) -> None:
    (cfg_dir / "openclaw.json").write_text("{gateway: {$include: './gw.json5', bind: 'loopback'}}")
    (cfg_dir / "gw.json5").write_text("// split out\n{port: 28795,}")
    assert endpoint_port(cfg_dir) == 28795


def test_sibling_keys_override_the_include(cfg_dir: Path) -> None:
    (cfg_dir / "openclaw.json").write_text("{gateway: {$include: 'gw.json5', port: 28001}}")
    (cfg_dir / "gw.json5").write_text("{port: 28795}")
    assert endpoint_port(cfg_dir) == 28001


def test_a_list_of_includes_is_merged_in_order(cfg_dir: Path) -> None:
    (cfg_dir / "openclaw.json").write_text("{gateway: {$include: ['a.json5', 'b.json5']}}")
    (cfg_dir / "a.json5").write_text("{port: 1111, tls: {enabled: false, x: 1}}")
    (cfg_dir / "b.json5").write_text("{port: 2222, tls: {enabled: true}}")
    config = paths.load_openclaw_config({"OPENCLAW_HOME": str(cfg_dir.parent)})
    section = gateway_section(config, cfg_dir / "openclaw.json")
    assert section == {"port": 2222, "tls": {"enabled": True, "x": 1}}


def test_a_root_include_and_a_nested_one_relative_to_its_own_file(cfg_dir: Path) -> None:
    (cfg_dir / "openclaw.json").write_text("{$include: './parts/base.json5'}")
    (cfg_dir / "parts").mkdir()
    (cfg_dir / "parts" / "base.json5").write_text("{gateway: {$include: './gw.json5'}}")
    (cfg_dir / "parts" / "gw.json5").write_text("{port: 28796}")
    assert endpoint_port(cfg_dir) == 28796


def test_a_missing_include_is_a_config_error_naming_it(cfg_dir: Path) -> None:
    (cfg_dir / "openclaw.json").write_text("{gateway: {$include: './nope.json5'}}")
    with pytest.raises(ConfigError, match=r"nope\.json5"):
        endpoint_port(cfg_dir)


def test_an_invalid_include_names_file_line_and_column(cfg_dir: Path) -> None:
    (cfg_dir / "openclaw.json").write_text("{gateway: {$include: 'gw.json5'}}")
    (cfg_dir / "gw.json5").write_text("{\n  port: 1,\n  oops\n}")
    with pytest.raises(ConfigError, match=r"gw\.json5.*line 4 col 1"):
        endpoint_port(cfg_dir)


def test_include_cycles_stop_at_the_depth_limit(cfg_dir: Path) -> None:
    (cfg_dir / "openclaw.json").write_text("{gateway: {$include: 'loop.json5'}}")
    (cfg_dir / "loop.json5").write_text("{$include: 'loop.json5'}")
    with pytest.raises(ConfigError, match="deeper than 10"):
        endpoint_port(cfg_dir)


@pytest.mark.parametrize("ref", ["1", "['a', 2]", "''", "{}"])
def test_a_malformed_include_directive_is_a_config_error(cfg_dir: Path, ref: str) -> None:
    (cfg_dir / "openclaw.json").write_text(f"{{gateway: {{$include: {ref}}}}}")
    with pytest.raises(ConfigError, match=r"\$include must be"):
        endpoint_port(cfg_dir)


def test_without_includes_the_section_is_as_written() -> None:
    assert gateway_section({"gateway": {"port": 1}}, None) == {"port": 1}
    assert gateway_section({"gateway": "nonsense"}, None) == {}
    assert gateway_section({}, None) == {}


def test_deep_merge() -> None:
    assert deep_merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 3}, "d": [2]}) == {
        "a": {"b": 3, "c": 2},
        "d": [2],
    }


def test_a_very_deep_config_does_not_exhaust_the_stack() -> None:
    node: dict[str, object] = {"port": 1}
    for _ in range(5000):
        node = {"x": node}
    assert gateway_section({"gateway": {"port": 7}, "deep": node}, None) == {"port": 7}
