"""The ``gateway`` section of the OpenClaw config, every ``$include`` followed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..openclaw.config import expand


def gateway_section(config: Mapping[str, Any], config_path: Path | None) -> dict[str, Any]:
    """The ``gateway`` object of an already parsed config, every include followed.

    Includes elsewhere in the config are resolved too: a missing one would stop
    OpenClaw from starting, so it is worth a clear error here as well.
    """
    base_dir = config_path.parent if config_path is not None else None
    gateway = expand(config, base_dir).get("gateway")
    return dict(gateway) if isinstance(gateway, Mapping) else {}
