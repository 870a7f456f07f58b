"""gateway.* from a config split with $include, resolved as OpenClaw resolves it.

(Checked on OpenClaw 2026.9.6: ``gateway: {$include: "./gw.json5"}`` with ``{port: 28795}``
in gw.json5 makes the gateway listen on 28795.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrunner.errors import ConfigError
from taskrunner.health.gateway import resolve_endpoint
from taskrunner.openclaw.config import load_openclaw_config, openclaw_config_path
from taskrunner.openclaw.include import deep_merge, expand


@pytest.fixture
def cfg_dir(tmp_path: Path) -> Path:
    d = tmp_path / "home" / ".openclaw"
    d.mkdir(parents=True)
    return d


def endpoint_port(cfg_dir: Path) -> int | None:
    env = {"OPENCLAW_HOME": str(cfg_dir.parent)}
    path = openclaw_config_path(env)
    return resolve_endpoint(None, env, load_openclaw_config, config_path=path).port


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
    config = load_openclaw_config({"OPENCLAW_HOME": str(cfg_dir.parent)})
    assert config["gateway"] == {"port": 2222, "tls": {"enabled": True, "x": 1}}


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


def test_an_include_cycle_is_reported_as_a_loop(cfg_dir: Path) -> None:
    (cfg_dir / "openclaw.json").write_text("{gateway: {$include: 'loop.json5'}}")
    (cfg_dir / "loop.json5").write_text("{$include: 'loop.json5'}")
    with pytest.raises(ConfigError, match=r"\$include loop: .*loop.json5 -> .*loop.json5"):
        endpoint_port(cfg_dir)


def test_includes_nested_deeper_than_ten_files_are_refused(cfg_dir: Path) -> None:
    (cfg_dir / "openclaw.json").write_text("{gateway: {$include: 'f0.json5'}}")
    for n in range(12):
        (cfg_dir / f"f{n}.json5").write_text(f"{{$include: 'f{n + 1}.json5'}}")
    (cfg_dir / "f12.json5").write_text("{port: 1}")
    with pytest.raises(ConfigError, match="deeper than 10"):
        endpoint_port(cfg_dir)


@pytest.mark.parametrize("ref", ["1", "['a', 2]", "''", "{}"])
def test_a_malformed_include_directive_is_a_config_error(cfg_dir: Path, ref: str) -> None:
    (cfg_dir / "openclaw.json").write_text(f"{{gateway: {{$include: {ref}}}}}")
    with pytest.raises(ConfigError, match=r"\$include must be") as caught:
        endpoint_port(cfg_dir)
    # The value as it is written in the file (JSON), not as Python prints it.
    shown = {"1": "1", "['a', 2]": '["a", 2]', "''": '""', "{}": "{}"}[ref]
    assert str(caught.value).endswith(f"not {shown}")


def test_a_null_include_is_shown_as_null(cfg_dir: Path) -> None:
    (cfg_dir / "openclaw.json").write_text("{gateway: {$include: null}}")
    with pytest.raises(ConfigError, match=r"\$include must be .*, not null$"):
        endpoint_port(cfg_dir)


def test_without_includes_the_config_is_as_written(cfg_dir: Path) -> None:
    text = "{gateway: {port: 1}, agents: {defaults: {workspace: '~/ws'}}}"
    (cfg_dir / "openclaw.json").write_text(text)
    config = load_openclaw_config({"OPENCLAW_HOME": str(cfg_dir.parent)})
    assert config == {"gateway": {"port": 1}, "agents": {"defaults": {"workspace": "~/ws"}}}
    assert expand(config, None) == config


def test_a_gateway_section_that_is_not_an_object_is_no_port() -> None:
    for config in ({"gateway": "nonsense"}, {}):
        endpoint = resolve_endpoint(None, {}, lambda env, c=config: dict(c))
        assert (endpoint.source, endpoint.port) == ("default", 18789)


def test_deep_merge() -> None:
    assert deep_merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 3}, "d": [2]}) == {
        "a": {"b": 3, "c": 2},
        "d": [2],
    }


def test_a_very_deep_config_does_not_exhaust_the_stack(cfg_dir: Path) -> None:
    deep = "{x: " * 500 + "1" + "}" * 500  # as deep as the JSON5 reader allows
    (cfg_dir / "openclaw.json").write_text(f"{{gateway: {{$include: 'gw.json5'}}, deep: {deep}}}")
    (cfg_dir / "gw.json5").write_text("{port: 7}")
    assert endpoint_port(cfg_dir) == 7
