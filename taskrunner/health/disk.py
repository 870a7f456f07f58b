"""Disk check: how full is each filesystem holding the workspace or the runner's state?"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidRequest
from ..system.disk_space import mount_point
from .report import Check, Problem

#: percent used at which a filesystem is a warning
DEFAULT_WARN_PCT = 80.0
#: percent used at which a filesystem is critical
DEFAULT_CRITICAL_PCT = 90.0


@dataclass(frozen=True)
class DiskUsage:
    """Space on one filesystem, in bytes, as ``df`` counts it."""

    total_bytes: int
    used_bytes: int
    #: space an unprivileged user can still write (excludes root-reserved blocks)
    free_bytes: int

    @property
    def percent_used(self) -> float:
        # df's formula: reserved blocks count neither as used nor as available.
        usable = self.used_bytes + self.free_bytes
        return 100.0 * self.used_bytes / usable if usable else 0.0


UsageFn = Callable[[Path], DiskUsage]


def statvfs_usage(path: Path) -> DiskUsage:
    """Usage of the filesystem holding ``path`` (``os.statvfs``)."""
    st = os.statvfs(path)
    return DiskUsage(
        total_bytes=st.f_blocks * st.f_frsize,
        used_bytes=(st.f_blocks - st.f_bfree) * st.f_frsize,
        free_bytes=st.f_bavail * st.f_frsize,
    )


def validate_thresholds(warn_pct: float, critical_pct: float) -> None:
    if not (0 < warn_pct <= critical_pct <= 100):
        raise InvalidRequest(
            f"disk thresholds must satisfy 0 < --disk-warn <= --disk-critical <= 100 "
            f"(got {warn_pct:g} and {critical_pct:g})"
        )


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def check_disks(
    places: Sequence[tuple[str, Path]],
    *,
    warn_pct: float = DEFAULT_WARN_PCT,
    critical_pct: float = DEFAULT_CRITICAL_PCT,
    usage: UsageFn = statvfs_usage,
    mount_of: Callable[[Path], Path] = mount_point,
) -> list[Check]:
    """One check per filesystem among ``places`` (``(role, path)`` pairs, e.g. workspace)."""
    validate_thresholds(warn_pct, critical_pct)
    by_mount: dict[Path, list[tuple[str, Path]]] = {}
    checks: list[Check] = []
    for role, path in places:
        try:
            mount = mount_of(path)
        except OSError as exc:
            checks.append(_unknown(role, path, exc))
            continue
        by_mount.setdefault(mount, []).append((role, path))
    for mount, members in by_mount.items():
        roles = " and ".join(role for role, _ in members)
        name = f"disk:{mount}"
        try:
            u = usage(members[0][1])
        except OSError as exc:
            checks.append(
                Check(
                    name,
                    "unknown",
                    f"cannot read usage of {mount} ({exc.strerror or exc})",
                    {"mount": str(mount), "holds": roles},
                    unknown_scopes=[f"health:{name}"],
                )
            )
            continue
        pct = u.percent_used
        status = "critical" if pct >= critical_pct else "warning" if pct >= warn_pct else "ok"
        detail = (
            f"{mount} is {pct:.1f} % full, {human_bytes(u.free_bytes)} free of "
            f"{human_bytes(u.total_bytes)} (holds the {roles})"
        )
        data = {
            "mount": str(mount),
            "holds": roles,
            "percent_used": round(pct, 1),
            "free_bytes": u.free_bytes,
            "total_bytes": u.total_bytes,
        }
        problems = []
        if status != "ok":
            limit = critical_pct if status == "critical" else warn_pct
            message = (
                f"disk {mount} is {pct:.1f} % full (≥ {limit:g} %), only "
                f"{human_bytes(u.free_bytes)} free: it holds the {roles}; free some space "
                "(old logs, caches, downloads)"
            )
            problems.append(Problem(f"health:{name}", status, message, f"disk {mount}"))
        checks.append(Check(name, status, detail, data, problems=problems))
    return checks


def _unknown(role: str, path: Path, exc: OSError) -> Check:
    return Check(
        f"disk:{role}",
        "unknown",
        f"cannot look at the {role} {path} ({exc.strerror or exc})",
        {"path": str(path)},
        # The filesystem is not known, so no disk alert may be declared recovered.
        unknown_scopes=["health:disk:"],
    )
