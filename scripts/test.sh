#!/usr/bin/env bash
# The whole test suite, set-up included: the dev tools in a project-local virtual environment
# (.venv, made from the interpreter you give, never installed into it), a pinned Node + OpenClaw
# for the real-gateway test (cached outside the repo), then lint, types and tests.
#
#   bash scripts/test.sh [pytest args]          # with the python3 on PATH
#   PYTHON=/usr/bin/python3 bash scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BASE_PY=${PYTHON:-python3}
VENV=${TASKRUNNER_VENV:-.venv}

if ! "$BASE_PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: $BASE_PY is not Python 3.11 or newer; run: PYTHON=/path/to/python3.11 bash scripts/test.sh" >&2
    exit 1
fi

# The venv records the interpreter it was made from; a different one makes a fresh venv.
made_from=$("$BASE_PY" -c 'import sys, os; print(os.path.realpath(sys.executable), sys.version.split()[0])')
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.made-from" 2>/dev/null)" != "$made_from" ]; then
    echo "== making the virtual environment $VENV from $made_from"
    rm -rf "$VENV"
    if ! "$BASE_PY" -m venv "$VENV"; then
        echo "error: $BASE_PY cannot make a virtual environment (on Debian/Ubuntu: apt install python3-venv)" >&2
        exit 1
    fi
    echo "$made_from" > "$VENV/.made-from"
fi
PY=$VENV/bin/python

reqs=$("$PY" - <<'PYEOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    print(" ".join(tomllib.load(f)["project"]["optional-dependencies"]["dev"]))
PYEOF
)
echo "== installing the dev tools into $VENV: $reqs"
# shellcheck disable=SC2086  # one word per requirement
"$PY" -m pip install --quiet --disable-pip-version-check $reqs

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
