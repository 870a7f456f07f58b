"""Disk check: thresholds with an injected usage function, and a real statvfs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskrunner.errors import ConfigError
from taskrunner.health.disk import DiskUsage, check_disks, mount_point, statvfs_usage

GIB = 1024**3


def usage_at(percent: float, total_gib: int = 100) -> DiskUsage:
    total = total_gib * GIB
    used = int(total * percent / 100)
    return DiskUsage(total_bytes=total, used_bytes=used, free_bytes=total - used)


def one_mount(path: Path) -> Path:
    return Path("/data")


@pytest.mark.parametrize(
    ("percent", "status"),
    [
        (0, "ok"),
        (79.9, "ok"),
        (80, "warning"),
        (89.9, "warning"),
        (90, "critical"),
        (100, "critical"),
    ],
)
def test_default_thresholds(tmp_path: Path, percent: float, status: str) -> None:
    [check] = check_disks(
        [("workspace", tmp_path)], usage=lambda p: usage_at(percent), mount_of=one_mount
    )
    assert check.name == "disk:/data"
    assert check.status == status
    if status == "ok":
        assert check.problems == []
    else:
        [problem] = check.problems
        assert (problem.key, problem.level) == ("health:disk:/data", status)
        assert "free some space" in problem.message


def test_the_report_names_percent_and_free_space(tmp_path: Path) -> None:
    [check] = check_disks(
        [("workspace", tmp_path)], usage=lambda p: usage_at(85), mount_of=one_mount
    )
    assert check.detail == "/data is 85.0 % full, 15.0 GiB free of 100.0 GiB (holds the workspace)"
    data = check.to_dict()
    assert data["percent_used"] == 85.0
    assert data["free_bytes"] == 15 * GIB


def test_custom_thresholds(tmp_path: Path) -> None:
    def status(pct: float) -> str:
        [check] = check_disks(
            [("workspace", tmp_path)],
            warn_pct=50,
            critical_pct=60,
            usage=lambda p: usage_at(pct),
            mount_of=one_mount,
        )
        return check.status

    assert [status(49), status(50), status(59), status(60)] == [
        "ok",
        "warning",
        "warning",
        "critical",
    ]


@pytest.mark.parametrize(("warn", "critical"), [(90, 80), (0, 50), (50, 101), (-1, 10)])
def test_impossible_thresholds_are_a_config_error(warn: float, critical: float) -> None:
    with pytest.raises(ConfigError, match="--disk-warn"):
        check_disks([], warn_pct=warn, critical_pct=critical)


def test_reserved_blocks_count_like_df(tmp_path: Path) -> None:
    # 100 GiB disk, 85 used, 5 reserved for root, 10 free for users: df says 90 %.
    usage = DiskUsage(total_bytes=100 * GIB, used_bytes=85 * GIB, free_bytes=10 * GIB)
    assert usage.percent_used == pytest.approx(100 * 85 / 95)
    [check] = check_disks([("workspace", tmp_path)], usage=lambda p: usage, mount_of=one_mount)
    assert check.status == "warning"


def test_workspace_and_state_on_one_filesystem_are_one_check(tmp_path: Path) -> None:
    checks = check_disks(
        [("workspace", tmp_path / "ws"), ("runner state", tmp_path / "state")],
        usage=lambda p: usage_at(10),
        mount_of=one_mount,
    )
    assert [c.name for c in checks] == ["disk:/data"]
    assert checks[0].detail.endswith("(holds the workspace and runner state)")


def test_two_filesystems_are_two_checks(tmp_path: Path) -> None:
    mounts = {tmp_path / "ws": Path("/home"), tmp_path / "state": Path("/var")}
    usages = {tmp_path / "ws": usage_at(95), tmp_path / "state": usage_at(5)}
    checks = check_disks(
        [("workspace", tmp_path / "ws"), ("runner state", tmp_path / "state")],
        usage=usages.__getitem__,
        mount_of=mounts.__getitem__,
    )
    assert [(c.name, c.status) for c in checks] == [
        ("disk:/home", "critical"),
        ("disk:/var", "ok"),
    ]


def test_unreadable_usage_is_unknown_and_keeps_that_disks_state(tmp_path: Path) -> None:
    def broken(path: Path) -> DiskUsage:
        raise PermissionError(13, "Permission denied")

    [check] = check_disks([("workspace", tmp_path)], usage=broken, mount_of=one_mount)
    assert check.status == "unknown"
    assert "Permission denied" in check.detail
    assert check.unknown_scopes == ["health:disk:/data"]
    assert check.problems == []


def test_real_statvfs(tmp_path: Path) -> None:
    usage = statvfs_usage(tmp_path)
    assert usage.total_bytes > 0
    assert 0 <= usage.free_bytes <= usage.total_bytes
    assert 0 <= usage.used_bytes <= usage.total_bytes
    assert 0.0 <= usage.percent_used <= 100.0
    st = os.statvfs(tmp_path)
    assert usage.free_bytes == st.f_bavail * st.f_frsize


def test_real_mount_point(tmp_path: Path) -> None:
    mount = mount_point(tmp_path / "does" / "not" / "exist")
    assert os.path.ismount(mount)
    assert tmp_path.resolve().is_relative_to(mount)
    assert os.stat(mount).st_dev == os.stat(tmp_path).st_dev


def test_real_check_end_to_end(tmp_path: Path) -> None:
    [check] = check_disks([("workspace", tmp_path), ("runner state", tmp_path)])
    assert check.name == f"disk:{mount_point(tmp_path)}"
    assert check.status in {"ok", "warning", "critical"}
    assert 0.0 <= check.to_dict()["percent_used"] <= 100.0
