"""The OpenClaw config's ``$include`` directive, resolved the way OpenClaw resolves it.

OpenClaw lets a config split itself: ``{gateway: {$include: "./gateway.json5"}}``.
One file replaces the object holding the directive, a list of files is deep-merged
in order, sibling keys override what was included, and nested includes (up to 10
levels) resolve relative to the including file. The workspace and the gateway
port can come from such a file, so ``config.load_openclaw_config`` reads the
config through ``expand``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError, NotRegularFile
from ..system.regular_file import read_regular
from . import json5

#: nesting limit of $include, as in OpenClaw
MAX_INCLUDE_DEPTH = 10
INCLUDE = "$include"
_MAX_LEVEL = 100


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``; nested objects merge, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def _load(path: Path) -> dict[str, Any]:
    try:
        text = read_regular(path, what="included file", follow_symlinks=True).decode("utf-8")
        data = json5.loads(text)
    except NotRegularFile as exc:
        raise ConfigError(f"{exc} (included by the OpenClaw config)") from exc
    except OSError as exc:
        raise ConfigError(
            f"cannot read {path}, included by the OpenClaw config: {exc.strerror or exc}"
        ) from exc
    except (UnicodeDecodeError, json5.JSON5Error) as exc:
        raise ConfigError(
            f"{path}, included by the OpenClaw config, is not valid JSON5 ({exc})"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}, included by the OpenClaw config, must hold an object")
    return data


def expand(
    node: Any,
    base_dir: Path | None,
    *,
    depth: int = 0,
    level: int = 0,
    chain: tuple[Path, ...] = (),
) -> Any:
    """``node`` with every ``$include`` in it resolved, relative to ``base_dir``.

    ``depth`` counts files (OpenClaw allows 10 levels of includes); ``level``
    counts nesting inside one file, where nothing sensible is 100 deep.
    ``chain`` is the files being included, outermost first (the config file
    itself when the caller knows it): a file that includes one of them is a
    loop, reported with the files that make it.
    """
    if level > _MAX_LEVEL:
        return node
    if isinstance(node, list):
        return [expand(item, base_dir, depth=depth, level=level + 1, chain=chain) for item in node]
    if not isinstance(node, Mapping):
        return node
    siblings = {
        k: expand(v, base_dir, depth=depth, level=level + 1, chain=chain)
        for k, v in node.items()
        if k != INCLUDE
    }
    if INCLUDE not in node:
        return siblings
    if depth >= MAX_INCLUDE_DEPTH:
        raise ConfigError(
            f"the OpenClaw config nests $include deeper than {MAX_INCLUDE_DEPTH} levels"
        )
    ref = node[INCLUDE]
    refs = [ref] if isinstance(ref, str) else ref
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) and r for r in refs):
        from ..system.json_words import json_text  # only for the message

        raise ConfigError(f"$include must be a file path or a list of them, not {json_text(ref)}")
    included: dict[str, Any] = {}
    for r in refs:
        path = Path(r).expanduser()
        if not path.is_absolute():
            if base_dir is None:
                raise ConfigError(f"cannot resolve $include {r!r}: the config file is not known")
            path = base_dir / path
        real = path.resolve()
        if real in chain:
            loop = " -> ".join(str(p) for p in (*chain[chain.index(real) :], real))
            raise ConfigError(
                f"the OpenClaw config has a $include loop: {loop}; remove one of these includes"
            )
        # Paths inside an included file are relative to that file.
        included = deep_merge(
            included, expand(_load(path), path.parent, depth=depth + 1, chain=(*chain, real))
        )
    return deep_merge(included, siblings)
