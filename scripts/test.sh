#!/usr/bin/env bash
# The whole test suite, set-up included: dev tools from PyPI, a pinned Node + OpenClaw for the
# real-gateway test (cached outside the repo), then lint, types and tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=${PYTHON:-python3}

echo "== installing dev tools (pyproject.toml [dev])"
reqs=$(mktemp)
trap 'rm -f "$reqs"' EXIT
"$PY" - > "$reqs" <<'PYEOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["dev"]))
PYEOF
if ! "$PY" -m pip install --quiet --disable-pip-version-check -r "$reqs"; then
    # Debian's own python3 refuses pip installs (PEP 668): use a private venv.
    echo "pip could not install into $PY; using a virtual environment in .venv" >&2
    "$PY" -m venv .venv
    PY=.venv/bin/python
    "$PY" -m pip install --quiet --disable-pip-version-check -r "$reqs"
fi

echo "== installing Node + OpenClaw for the real-gateway test (cached)"
if bin_dir=$(bash .ci/install-openclaw.sh); then
    export TASKRUNNER_OPENCLAW_BIN_DIR="$bin_dir"
    echo "OpenClaw: $bin_dir"
elif [ "${TASKRUNNER_REQUIRE_GATEWAY:-0}" = 1 ]; then
    echo "ERROR: OpenClaw could not be installed and TASKRUNNER_REQUIRE_GATEWAY=1" >&2
    exit 1
else
    echo "WARNING: OpenClaw could not be installed; the real-gateway test will be skipped" >&2
fi

echo "== ruff"
"$PY" -m ruff check .
"$PY" -m ruff format --check .
echo "== mypy (strict)"
"$PY" -m mypy
echo "== pytest"
"$PY" -m pytest -q "$@"
