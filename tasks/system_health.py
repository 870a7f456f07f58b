"""system_health: is the OpenClaw gateway up, is there disk space, are cron jobs failing?

Checks are in ``taskrunner/health/``; this task wires them together, turns
problems into alerts with stable keys (``health:gateway``,
``health:disk:<mount>``, ``health:cron:<job id>``, ``health:overdue:<task>``,
``health:install:<task>``) and reports recoveries.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, ClassVar

from taskrunner.errors import LockFileError, TaskrunnerError
from taskrunner.health import cron, deadman, disk, gateway
from taskrunner.health.report import Check, Problem, build_report, format_table, summary
from taskrunner.health.state import load_state, plan_alerts, save_state, state_lock, state_path
from taskrunner.openclaw.config import load_openclaw_config, openclaw_config_path

from .base import (
    ConfigError,
    InvalidRequest,
    Task,
    WorkspaceMissing,
    http_url,
    percent,
    positive_float,
)


def _positive(value: object, option: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidRequest(f"{option} must be a number of seconds, not {value!r}") from None
    if not number > 0 or number == float("inf"):
        raise InvalidRequest(f"{option} must be more than 0 seconds (got {number:g})")
    return number


class SystemHealthTask(Task):
    """Check the gateway, disk space and cron jobs; alert once per problem."""

    # A health run is quick; this bounds a machine so loaded that it is not.
    timeout_s: ClassVar[float] = 180.0
    #: seconds before the one re-check of a gateway that did not answer
    gateway_recheck_delay_s: ClassVar[float] = gateway.DEFAULT_RECHECK_DELAY_S

    name = "system_health"
    description = "Check the OpenClaw gateway, disk space and failing cron jobs; alert on problems"

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--gateway-url",
            type=http_url,
            metavar="URL",
            help="gateway base URL (default: http://127.0.0.1:<port>, the port from "
            "OPENCLAW_GATEWAY_PORT, else gateway.port in the OpenClaw config, else 18789)",
        )
        parser.add_argument(
            "--gateway-timeout",
            type=positive_float,
            default=gateway.DEFAULT_TIMEOUT_S,
            metavar="S",
            help="seconds each gateway request may take (default: %(default)g)",
        )
        for flag, default, level in (
            ("--disk-warn", disk.DEFAULT_WARN_PCT, "a warning"),
            ("--disk-critical", disk.DEFAULT_CRITICAL_PCT, "critical"),
        ):
            parser.add_argument(
                flag,
                type=percent,
                default=default,
                metavar="PCT",
                help=f"percent used from which a filesystem is {level} (default: %(default)g)",
            )
        parser.add_argument(
            "--openclaw-bin",
            metavar="PATH",
            help=f"the openclaw executable (default: ${cron.BIN_ENV}, else openclaw on PATH, "
            "else the installers' usual places)",
        )
        parser.add_argument(
            "--cron-timeout",
            type=positive_float,
            default=cron.DEFAULT_TIMEOUT_S,
            metavar="S",
            help="seconds `openclaw cron list` may take before it is stopped "
            "(default: %(default)g)",
        )

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> None:
        disk.validate_thresholds(
            float(options.get("disk_warn", disk.DEFAULT_WARN_PCT)),
            float(options.get("disk_critical", disk.DEFAULT_CRITICAL_PCT)),
        )

    def run(self) -> dict[str, Any]:
        opts = self.options
        env = dict(os.environ)
        warn_pct = float(opts.get("disk_warn", disk.DEFAULT_WARN_PCT))
        critical_pct = float(opts.get("disk_critical", disk.DEFAULT_CRITICAL_PCT))
        disk.validate_thresholds(warn_pct, critical_pct)
        http_timeout_s = _positive(
            opts.get("gateway_timeout", gateway.DEFAULT_TIMEOUT_S), "--gateway-timeout"
        )
        cron_timeout_s = _positive(
            opts.get("cron_timeout", cron.DEFAULT_TIMEOUT_S), "--cron-timeout"
        )

        endpoint, gw = self._gateway_check(env, http_timeout_s)
        checks: list[Check] = [gw]
        checks += self._disk_checks(warn_pct, critical_pct)
        if endpoint is None:
            checks.append(cron.skipped_for_gateway("whose settings are invalid"))
        elif gw.status == "critical":
            checks.append(cron.skipped_for_gateway())
        else:
            located = cron.find_openclaw(opts.get("openclaw_bin"), env)
            port = endpoint.port if endpoint.is_loopback else None
            checks.append(cron.check_cron(located, env=env, port=port, timeout_s=cron_timeout_s))
        schedule = self._schedule_check(checks[-1])
        if schedule is not None:
            checks.append(schedule)

        alerts, state_note = self._raise_alerts(checks)
        for line in format_table(checks):
            self.log(line)
        report = build_report(checks)
        critical = report["overall"] == "critical"
        result: dict[str, Any] = {
            "success": not critical,
            "message": summary(checks),
            "report": report,
            "checks": report["checks"],
            "overall": report["overall"],
            "alerts_raised": len(alerts),
        }
        if state_note:
            result["state_warning"] = state_note
        if critical:
            # A finding, not a fault: asking again in a few seconds gives the same answer.
            result["retry"] = False
        return result

    def _gateway_check(
        self, env: dict[str, str], timeout_s: float
    ) -> tuple[gateway.GatewayEndpoint | None, Check]:
        """Where the gateway is (None: its port setting is invalid) and what it says."""
        url_option = self.options.get("gateway_url")
        try:
            endpoint = gateway.resolve_endpoint(
                url_option,
                env,
                load_openclaw_config,
                config_path=openclaw_config_path(env),
            )
        except ConfigError as exc:
            if url_option:
                raise  # our own option: a usage mistake, like a bad --disk-warn
            # OpenClaw's own setting (env or config): OpenClaw refuses to start
            # with it, so it is the gateway's finding; disk is still checked.
            return None, gateway.unresolved(exc)
        check = gateway.check_gateway(
            endpoint, timeout_s=timeout_s, recheck_delay_s=self.gateway_recheck_delay_s
        )
        return endpoint, check

    def _schedule_check(self, cron_check: Check) -> Check | None:
        """Missed runs (run log + installed schedules), switched-off jobs; None: none installed."""
        from taskrunner.install.manifest import installed_jobs
        from taskrunner.runlog import RunLog, SkippedLines

        try:
            installed = installed_jobs(self.state_dir)
        except TaskrunnerError as exc:  # a corrupt or unreadable install record
            message = f"cannot check the installed schedules: {exc}"
            problem = Problem("health:install", "warning", message, "the install record")
            return Check(
                "schedule",
                "unknown",
                str(exc),
                problems=[problem],
                unknown_scopes=[deadman.OVERDUE_PREFIX, deadman.INSTALL_PREFIX],
            )
        if not installed:
            return None
        from taskrunner.commandline import runner_command

        skipped = SkippedLines()  # one warning for all unreadable lines, as in `history`
        check = deadman.check_schedule(
            installed,
            RunLog(self.state_dir).records(skipped),
            cron_check.listing,
            self.now(),
            runner_command(state_dir=self.state_dir),
        )
        skipped.warn()
        return check

    def _disk_checks(self, warn_pct: float, critical_pct: float) -> list[Check]:
        places: list[tuple[str, Path]] = []
        checks: list[Check] = []
        try:
            places.append(("workspace", self.workspace))
        except WorkspaceMissing as exc:
            checks.append(Check("workspace", "unknown", str(exc), unknown_scopes=["health:disk:"]))
        places.append(("runner state", self.state_dir))
        return checks + disk.check_disks(places, warn_pct=warn_pct, critical_pct=critical_pct)

    def _raise_alerts(self, checks: list[Check]) -> tuple[list[dict[str, Any]], str | None]:
        path = state_path(self.state_dir)
        now_iso = self.now().isoformat(timespec="seconds")
        if self.dry_run:
            # No lock either: taking it would create the lock file.
            state = load_state(path)
            alerts, _ = plan_alerts(state.problems, checks, now_iso)
            self._emit(alerts)
            self.log(f"dry run: would write {path}")
            return alerts, state.unreadable
        # A state disk that is full (or read-only) is itself a finding: the
        # checks are reported and alerted all the same; only the memory of
        # what was alerted last time is not updated.
        moved: Path | None = None
        not_saved: str | None = None
        try:
            with state_lock(path):
                state = load_state(path)
                alerts, problems = plan_alerts(state.problems, checks, now_iso)
                try:
                    corrupt = state.unreadable is not None and not state.keep
                    moved = save_state(path, problems, now_iso, unreadable=corrupt)
                except (OSError, TaskrunnerError) as exc:
                    not_saved = str(exc)
        except (OSError, LockFileError) as exc:
            state = load_state(path)
            alerts, _ = plan_alerts(state.problems, checks, now_iso)
            not_saved = f"cannot take the health state lock: {exc}"
        self._emit(alerts)
        notes = []
        if state.unreadable:
            fresh = f"; started a fresh state (the old file was moved to {moved})" if moved else ""
            notes.append(state.unreadable + fresh)
        if not_saved:
            notes.append(
                f"the health state was not saved ({not_saved}); recoveries are reported once "
                "it can be saved again"
            )
        for note in notes:
            self.log(f"warning: {note}")
        return alerts, "; ".join(notes) or None

    def _emit(self, alerts: list[dict[str, Any]]) -> None:
        for a in alerts:
            self.alert(a["message"], level=a["level"], key=a["key"])
