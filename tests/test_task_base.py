"""``tasks/base.py`` is the one import a plugin needs, wherever the runner keeps its modules."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_runner
from plugin_factory import write_task

import tasks.base as base


def test_a_user_plugin_gets_what_tasks_use_from_base(tmp_path: Path, state_dir: Path) -> None:
    plugins = tmp_path / "plugins"
    write_task(
        plugins,
        "uses_base",
        """
        out = run_command([sys.executable, "-c", "print('hi')"], timeout_s=30)
        day = self.options["date"]
        return {"success": True, "message": f"{out.stdout.strip()} {day} {PermanentError.__name__}"}
        """,
        extra="""
        from .base import PermanentError, iso_date, non_negative_int, run_command
        """,
        attrs="""
        @classmethod
        def add_arguments(cls, parser):
            parser.add_argument("--date", type=iso_date)
            parser.add_argument("--count", type=non_negative_int, default=1)
        """,
    )
    env = {"TASKRUNNER_TASKS_PATH": str(plugins)}
    proc = run_runner("uses_base", "--date", "2026-01-02", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "uses_base: success — hi 2026-01-02 PermanentError" in proc.stderr
    bad = run_runner("uses_base", "--count", "-1", env=env)
    assert bad.returncode == 1
    assert "must be 0 or more, got -1" in bad.stderr


@pytest.mark.parametrize("name", base.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(base, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = base.nope  # type: ignore[attr-defined]
